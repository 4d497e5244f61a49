'use client';

import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useSlippage } from '@/components/trade/useSlippage';
import { fmtUsd } from '@/lib/format';
import { toAssetsDown, toSharesUp } from '@/lib/math/shares';
import { checkAmount, type AmountCheck } from '@/lib/validation';
import type { WithdrawFormProps } from './WithdrawForm';

/** An amount within a cent of everything unlocked means everything: redeem the exact shares, leave no dust. */
const DUST_USD = 10_000n;
/** A queued request accepts fills down to this much under today's value; a fill that would pay less (the NAV fell, or
 *  someone widened the LP band around the fill) cancels it and returns the shares. */
export const QUEUE_TOLERANCE_BPS = 200n;

/**
 * What a typed withdrawal does, as the vault will: paid now from free liquidity (bounded by the slippage tolerance) or
 * queued (paid at the NAV of the fill, at least `queueMinUsd`); "all" (Max, or within a cent of everything unlocked)
 * redeems the exact unlocked shares. Shares convert at the NAV's low bound with the vault's own roundings (SharesMath
 * mirror).
 */
export function useWithdrawPlan({ pool, shares, lockedShares, unlockAt, maxWithdrawUsd, maxRedeemShares }: WithdrawFormProps, text: string, maxPressed: boolean) {
  const c = useContracts();
  // Shares still in their deposit cooldown can neither be withdrawn nor queued: only the rest is available.
  const unlocked = shares !== undefined && lockedShares !== undefined ? shares - lockedShares : undefined;
  // What the vault pays for shares: its own conversion at the NAV's low bound, rounded down (SharesMath mirror).
  const toUsd = (s: bigint) => (pool?.navValid ? toAssetsDown(s, pool.totalShares, pool.navLowUsd) : undefined);
  const unlockedUsd = unlocked !== undefined ? toUsd(unlocked) : undefined;
  const heldUsd = shares !== undefined ? toUsd(shares) : undefined;

  const base = checkAmount(text, { max: heldUsd, maxLabel: 'your pool value' });
  // Max means every unlocked share, valued live: the NAV's low bound moves with every price, so the amount Max wrote
  // is re-read, not re-parsed (parsed, a lower NAV made it "above your pool value" seconds later).
  const check: AmountCheck =
    maxPressed && unlockedUsd !== undefined && unlockedUsd > 0n
      ? { value: unlockedUsd }
      : base.value !== undefined && unlockedUsd !== undefined && base.value > unlockedUsd
      ? { error: `Only ${fmtUsd(unlockedUsd)} is past its deposit cooldown; the rest unlocks at ${new Date(Number(unlockAt ?? 0n) * 1000).toLocaleTimeString()}` }
      : base;
  const all = check.value !== undefined && unlockedUsd !== undefined && (maxPressed || check.value + DUST_USD >= unlockedUsd);
  const instant = all ? maxRedeemShares !== undefined && unlocked !== undefined && maxRedeemShares >= unlocked : check.value !== undefined && maxWithdrawUsd !== undefined && check.value <= maxWithdrawUsd;
  // Shares a partial amount burns: at the NAV's low bound, rounded up (as the vault does for a withdrawal).
  const burns = all ? unlocked : check.value !== undefined && pool?.navValid ? toSharesUp(check.value, pool.totalShares, pool.navLowUsd) : undefined;
  // Without a valued NAV no amount converts to shares (a stale market): withdrawals wait for its price.
  const navValid = pool?.navValid === true;

  const queued = burns !== undefined && unlocked !== undefined ? (burns > unlocked ? unlocked : burns) : undefined;
  const queuedUsd = queued !== undefined ? toUsd(queued) : undefined;
  const queueMinUsd = queuedUsd !== undefined ? queuedUsd - (queuedUsd * QUEUE_TOLERANCE_BPS) / 10_000n : undefined;
  // A queued request must be worth at least the vault's minimum deposit (RequestTooSmall): dust requests padded the queue.
  const minRequestUsd = useReadContract({ ...c.pool, functionName: 'minDepositAssets' }).data;
  const tooSmall = !instant && queuedUsd !== undefined && minRequestUsd !== undefined && queuedUsd < minRequestUsd;
  // Instant ones are bounded by the slippage tolerance (EIP-5143 entry points): Max pays at least the preview less it,
  // an amount burns at most the preview's shares plus it.
  const [slippageBps, , slippageValid] = useSlippage('pool');
  const minAllUsd = unlockedUsd !== undefined ? unlockedUsd - (unlockedUsd * slippageBps) / 10_000n : undefined;
  const maxBurns = burns !== undefined ? burns + (burns * slippageBps) / 10_000n : undefined;

  return { check, unlocked, unlockedUsd, all, instant, burns, navValid, queued, queueMinUsd, minRequestUsd, tooSmall, slippageBps, slippageValid, minAllUsd, maxBurns };
}
