import Link from 'next/link';

export default function Home() {
  return (
    <div className="mx-auto max-w-3xl py-10">
      <h1 className="text-3xl font-semibold text-zinc-50">Counterpool</h1>
      <p className="mt-3 text-zinc-400">
        Peer-to-pool clearing for crypto perpetuals. Traders open leveraged positions that fill at once at the oracle
        price plus impact; one shared liquidity pool is the counterparty to every trade. Margin follows on-chain
        volatility and pool utilization; every trade and withdrawal passes a solvency check.
      </p>
      <div className="mt-8 grid gap-4 sm:grid-cols-3">
        <Link href="/trade" className="card hover:border-teal-600">
          <h2 className="font-medium text-zinc-100">Trade</h2>
          <p className="mt-1 text-sm text-zinc-400">Long or short every listed market with risk-based leverage.</p>
        </Link>
        <Link href="/pool" className="card hover:border-teal-600">
          <h2 className="font-medium text-zinc-100">Provide liquidity</h2>
          <p className="mt-1 text-sm text-zinc-400">Earn fees, borrow and funding income as the counterparty.</p>
        </Link>
        <Link href="/analytics" className="card hover:border-teal-600">
          <h2 className="font-medium text-zinc-100">Analytics</h2>
          <p className="mt-1 text-sm text-zinc-400">Utilization, exposure, volatility, stress tests.</p>
        </Link>
      </div>
    </div>
  );
}
