import { PoolPanel } from '@/components/pool/PoolPanel';

export const metadata = { title: 'Pool · Counterpool' };

export default function PoolPage() {
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold text-zinc-50">Liquidity pool</h1>
      <PoolPanel />
    </>
  );
}
