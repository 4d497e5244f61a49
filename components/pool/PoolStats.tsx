'use client';

import { Stat } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { annualize, fmtPct, fmtUsd, staleMarketIds } from '@/lib/format';
import { OptionsShare } from './OptionsShare';
import type { PoolView } from './types';
import { useDepositBand } from './useOptionsClaim';
import { describeReadError } from '@/lib/api/client';

/** The pool's live state: NAV and its LP bounds, share price, utilization, cash, reserves and free liquidity. */
export function PoolStats({ pool, error }: { pool?: PoolView; error?: Error | null }) {
  const c = useContracts();
  const p = pool;
  const stale = p ? staleMarketIds(p.staleMarkets) : [];
  const { optionsShareWad } = useDepositBand(p);
  return (
    <section aria-labelledby="pool-stats" className="card lg:col-span-2">
      <h2 id="pool-stats" className="mb-3 text-sm font-semibold text-zinc-300">
        Pool
      </h2>
      {error && (
        <p role="alert" className="text-sm text-rose-400">
          {describeReadError(error)}
        </p>
      )}
      {p && !p.navValid && (
        <p role="status" className="mb-3 text-sm text-amber-400" data-testid="pool-stale">
          {stale.length > 0 ? (
            <>
              {stale.map((id) => c.markets.find((m) => m.id === id)?.name ?? `market ${id}`).join(', ')} has open interest and no fresh price: the NAV
              cannot be valued, so deposits and withdrawals wait for its next price update. Trading, closing and liquidations on the other markets go on.
            </>
          ) : (
            <>
              The options book&apos;s greek cache is out of its range (a price move, a new volatility sample, or an expiry to settle): deposits and
              withdrawals wait for the keeper&apos;s refresh, usually a block or two. Trading goes on.
            </>
          )}
        </p>
      )}
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Stat label="NAV" testId="pool-nav" value={p && (p.navValid ? fmtUsd(p.navUsd) : 'waiting for prices')} hint="cash + fees owed to the pool − what traders would be paid" />
        <Stat
          label="Deposit / withdraw at (per share)"
          testId="pool-nav-bounds"
          value={p && (p.navValid && p.totalShares > 0n ? `$${perShare(p.navHighUsd, p.totalShares)} / $${perShare(p.navLowUsd, p.totalShares)}` : '—')}
          hint={`the share price at the NAV ± how far it could move if the oracles were as far behind the market as they can be unseen (traders' net exposure × each feed's deviation threshold; for the options book, how far its mark can move over the same lag, the error bound of its cached greeks and its next volatility sample); withdrawals also leave out liquidation gains still vesting${p && p.navUsd > 0n ? `: a ${((Number(p.navHighUsd - p.navLowUsd) / Number(p.navUsd)) * 10_000).toFixed(1)} bps spread` : ''}${
            optionsShareWad !== undefined ? `, the options book's part of the deposit side ${fmtPct(optionsShareWad, 0)}` : ''
          }`}
        />
        <Stat label="Share price" testId="pool-share-price" value={p && (p.navValid ? `$${(Number(p.sharePriceWad) / 1e18).toFixed(6)}` : '—')} />
        <Stat label="Utilization" testId="pool-utilization" value={p && fmtPct(p.utilizationWad)} hint="reserved payouts / pool cash" />
        <Stat label="Borrow APR" value={p && fmtPct(annualize(p.borrowRateWad))} />
        <Stat label="Pool cash" value={p && fmtUsd(p.poolCashUsd, 0)} />
        <Stat label="Reserved" value={p && fmtUsd(p.reservedUsd, 0)} hint="max payouts of open positions and options" />
        <Stat label="Free liquidity" testId="pool-free" value={p && fmtUsd(p.freeLiquidityUsd, 0)} hint="cash that backs no position, before the queue: requests already waiting are paid from it first (your withdraw form shows what you can take now); withdrawals stop where utilization reaches the borrow curve's kink (only new positions, which pay the steep part of the rate, go past it); the rest waits in the queue" />
        <Stat label="Bad debt" value={p && fmtUsd(p.badDebtUsd)} />
        <Stat
          label="Gains vesting"
          testId="pool-unvested"
          value={p && fmtUsd(p.unvestedGainUsd)}
          hint={`what liquidations earned the pool beyond their positions' marks (fee share, close impact, forfeited rebates) and large fills' price impact beyond their fee: it vests over ${
            p ? `${Number(p.gainVestSec) / 3600} hours` : 'several hours'
          }, and withdrawals are paid only the vested part, so a deposit timed to a liquidation or a large fill takes none of it at once`}
        />
      </dl>
      <div className="mt-4 border-t border-zinc-800 pt-4">
        <OptionsShare navUsd={p?.navValid ? p.navUsd : undefined} reservedUsd={p?.reservedUsd} />
      </div>
    </section>
  );
}

/** A pool value (6 decimals) per whole share (1e12 share units), 6 decimals. */
function perShare(valueUsd: bigint, totalShares: bigint): string {
  return (Number((valueUsd * 10n ** 18n) / totalShares) / 1e12).toFixed(6);
}
