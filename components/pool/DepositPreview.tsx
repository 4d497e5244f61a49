'use client';

import { fmtPct, fmtShares, fmtUsd } from '@/lib/format';
import type { PoolView } from './types';
import type { useDepositQuote } from './useDepositQuote';

/** The shares a deposit buys, the least it accepts, and what the LP band costs it. */
export function DepositPreview({ quote, pool }: { quote: ReturnType<typeof useDepositQuote>; pool?: PoolView }) {
  const { shares, minShares, bandCostUsd, bandUsd, optionsShareWad } = quote;
  return (
    <>
      {shares !== undefined && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="deposit-preview">
          ≈ {fmtShares(shares)} shares at the deposit bound of the NAV; at least {fmtShares(minShares ?? 0n)}, or the deposit is refused
        </p>
      )}
      {bandCostUsd !== undefined && bandUsd !== undefined && bandUsd > 0n && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="deposit-band">
          Priced {((Number(bandUsd) / Number(pool!.navUsd)) * 10_000).toFixed(2)} bps above the NAV: the LP band, what the NAV could move before
          an oracle update the feeds may not show yet{optionsShareWad !== undefined ? ` (the options book adds ${fmtPct(optionsShareWad, 0)} of it)` : ''}. This
          deposit pays <span data-testid="deposit-band-cost">{fmtUsd(bandCostUsd)}</span> for it: its shares are worth that much less at the NAV with it.
        </p>
      )}
    </>
  );
}
