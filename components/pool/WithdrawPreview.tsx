'use client';

import { fmtShares, fmtUsd } from '@/lib/format';
import { QUEUE_TOLERANCE_BPS, type useWithdrawPlan } from './useWithdrawPlan';

/** What the withdrawal burns and how it is paid: now (with its slippage bound) or through the queue (with its floor). */
export function WithdrawPreview({ plan }: { plan: ReturnType<typeof useWithdrawPlan> }) {
  const { burns, check, all, instant, minAllUsd, maxBurns, slippageBps, queueMinUsd } = plan;
  if (burns === undefined || check.value === undefined) return null;
  return (
    <p className="mt-1 text-xs text-zinc-400" data-testid="withdraw-preview">
      {all ? `Redeems all ${fmtShares(burns)} unlocked shares: nothing is left behind.` : `Burns ≈ ${fmtShares(burns)} shares.`}{' '}
      {instant
        ? all
          ? `Paid now from free liquidity: at least ${fmtUsd(minAllUsd)}, or it is refused (slippage tolerance ${Number(slippageBps) / 100}%).`
          : `Paid now from free liquidity: at most ${fmtShares(maxBurns ?? 0n)} shares burnt, or it is refused (slippage tolerance ${Number(slippageBps) / 100}%).`
        : `More than free liquidity covers now (requests already queued are paid first): it joins the withdrawal queue, and a fill pays at least ${fmtUsd(queueMinUsd)} (${Number(QUEUE_TOLERANCE_BPS) / 100}% under today's value; below that the request is cancelled and the shares come back). The fill is valued at the NAV then, less no wider a risk band than today's.`}
    </p>
  );
}
