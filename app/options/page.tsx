import { OptionsPanel } from '@/components/options/OptionsPanel';

export const metadata = { title: 'Options · Counterpool' };

export default function OptionsPage() {
  return (
    <>
      <h1 className="sr-only">Trade options</h1>
      <OptionsPanel />
    </>
  );
}
