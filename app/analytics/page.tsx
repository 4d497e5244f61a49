import { Analytics } from '@/components/analytics/Analytics';

export const metadata = { title: 'Analytics · Counterpool' };

export default function AnalyticsPage() {
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-zinc-50">Pool health</h1>
      <Analytics />
    </>
  );
}
