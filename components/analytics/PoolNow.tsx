'use client';

import { Stat } from '@/components/common/Stat';
import { useReaderView } from '@/components/common/useReaderView';
import { fmtPct, fmtUsd } from '@/lib/format';
import { describeReadError } from '@/lib/api/client';

/** The pool as the chain values it now (Reader.poolView at fresh prices): the figures the charts below trace over time. */
export function PoolNow() {
  const q = useReaderView('poolView', [], { refetchInterval: 5_000 });
  const p = q.data;
  return (
    <section aria-labelledby="pool-now-title" className="card" data-testid="pool-now">
      <h2 id="pool-now-title" className="mb-2 text-sm font-semibold text-zinc-300">
        Pool now
      </h2>
      {q.error && !p ? (
        <p role="alert" className="text-sm text-amber-400">
          {describeReadError(q.error)}
        </p>
      ) : (
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
          <Stat label="NAV" testId="analytics-nav" value={p && (p.navValid ? fmtUsd(p.navUsd, 0) : 'waiting for prices')} hint="cash + fees owed to the pool − what traders would be paid, options marked" />
          <Stat label="Share price" testId="analytics-share-price" value={p && (p.navValid && p.totalShares > 0n ? `$${(Number(p.sharePriceWad) / 1e18).toFixed(6)}` : '—')} />
          <Stat label="Utilization" testId="analytics-utilization" value={p && fmtPct(p.utilizationWad)} hint="reserved payouts / pool cash" />
          <Stat label="Reserved" value={p && fmtUsd(p.reservedUsd, 0)} hint="max payouts of open positions and options" />
          <Stat label="Free liquidity" value={p && fmtUsd(p.freeLiquidityUsd, 0)} hint="cash that backs no position, up to the borrow curve's kink, before the queue: requests already waiting are paid from it first, then LPs withdraw at once from what is left" />
          <Stat label="Bad debt" value={p && fmtUsd(p.badDebtUsd)} hint="losses beyond collateral, absorbed by the pool" />
        </dl>
      )}
    </section>
  );
}
