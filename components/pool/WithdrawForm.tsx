'use client';

import { useEffect, useRef, useState } from 'react';
import { formatUnits } from 'viem';
import { useAccount, useReadContract } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { SLIPPAGE_FIRST, useSlippage } from '@/components/trade/useSlippage';
import { useTx } from '@/components/tx/useTx';
import { fmtShares, fmtUsd } from '@/lib/format';
import { toAssetsDown, toSharesUp } from '@/lib/math/shares';
import { checkAmount } from '@/lib/validation';
import type { PoolView } from './types';

/** An amount within a cent of everything unlocked means everything: redeem the exact shares, leave no dust. */
const DUST_USD = 10_000n;
/** A queued request accepts fills down to this much under today's value; a fill that would pay less (the NAV fell, or
 *  someone widened the LP band around the fill) cancels it and returns the shares. */
export const QUEUE_TOLERANCE_BPS = 200n;

export interface WithdrawFormProps {
  pool?: PoolView;
  /** the LP's shares held (not queued), and those still in their deposit cooldown */
  shares?: bigint;
  lockedShares?: bigint;
  unlockAt?: bigint;
  /** pool.maxWithdraw / maxRedeem for the LP: what free liquidity lets out now */
  maxWithdrawUsd?: bigint;
  maxRedeemShares?: bigint;
}

/**
 * Withdraw an amount, or everything (Max): "everything" redeems the exact unlocked shares, so nothing is left behind.
 * What free liquidity covers is paid at once; the rest joins the queue, which fills in order at the NAV of the fill.
 */
export function WithdrawForm({ pool, shares, lockedShares, unlockAt, maxWithdrawUsd, maxRedeemShares }: WithdrawFormProps) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address, isConnected } = useAccount();
  const { send, pending, error } = useTx();
  const [text, setText] = useState('');
  // the text on screen when a transaction resolves (a ref, set after each render: the submit's closure holds the old one)
  const textNow = useRef(text);
  useEffect(() => {
    textNow.current = text;
  }, [text]);
  const [maxPressed, setMaxPressed] = useState(false);
  // Shares still in their deposit cooldown can neither be withdrawn nor queued: only the rest is available.
  const unlocked = shares !== undefined && lockedShares !== undefined ? shares - lockedShares : undefined;
  // What the vault pays for shares: its own conversion at the NAV's low bound, rounded down (SharesMath mirror).
  const toUsd = (s: bigint) => (pool?.navValid ? toAssetsDown(s, pool.totalShares, pool.navLowUsd) : undefined);
  const unlockedUsd = unlocked !== undefined ? toUsd(unlocked) : undefined;
  const heldUsd = shares !== undefined ? toUsd(shares) : undefined;

  const base = checkAmount(text, { max: heldUsd, maxLabel: 'your pool value' });
  const check =
    base.value !== undefined && unlockedUsd !== undefined && base.value > unlockedUsd
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

  async function submit() {
    if (check.value === undefined || !address || unlocked === undefined || burns === undefined || queued === undefined || !pool?.navValid || tooSmall || (instant && !slippageValid)) return;
    let ok: unknown;
    if (all && instant) ok = await send({ ...c.pool, functionName: 'redeem', args: [unlocked, address, address, minAllUsd ?? 0n], label: `Withdraw all (${fmtUsd(unlockedUsd)})`, prices: 'all' });
    else if (instant) ok = await send({ ...c.pool, functionName: 'withdraw', args: [check.value, address, address, maxBurns ?? burns], label: `Withdraw ${text} ${sym}`, prices: 'all' });
    // Not free now: queue the shares; they are paid at the NAV of the fill, and at least `queueMinUsd`.
    else ok = await send({ ...c.pool, functionName: 'requestRedeem', args: [queued, address, queueMinUsd ?? 0n], prices: 'all', label: all ? 'Queue withdrawal of all' : `Queue withdrawal of ${text} ${sym}` });
    if (ok) {
      // cleared only if unchanged since it was sent: a Max pressed meanwhile stays pressed, with its text
      if (textNow.current === text) {
        setText('');
        setMaxPressed(false);
      }
    }
  }

  return (
    <form
      aria-labelledby="withdraw-title"
      className="card lg:col-span-2"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="withdraw-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Withdraw
      </h2>
      <AmountField
        id="withdraw-amount"
        label={`Amount (${sym})`}
        value={text}
        onChange={(v) => {
          setText(v);
          setMaxPressed(false);
        }}
        error={check.error ?? (tooSmall ? `A queued withdrawal must be worth at least ${fmtUsd(minRequestUsd)}: withdraw it once liquidity frees` : undefined)}
        help="yes"
        max={{ value: unlockedUsd, label: 'Unlocked' }}
        onMax={() => {
          if (unlockedUsd === undefined) return;
          setText(formatUnits(unlockedUsd, 6));
          setMaxPressed(true);
        }}
      />
      {burns !== undefined && check.value !== undefined && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="withdraw-preview">
          {all ? `Redeems all ${fmtShares(burns)} unlocked shares: nothing is left behind.` : `Burns ≈ ${fmtShares(burns)} shares.`}{' '}
          {instant
            ? all
              ? `Paid now from free liquidity: at least ${fmtUsd(minAllUsd)}, or it is refused (slippage tolerance ${Number(slippageBps) / 100}%).`
              : `Paid now from free liquidity: at most ${fmtShares(maxBurns ?? 0n)} shares burnt, or it is refused (slippage tolerance ${Number(slippageBps) / 100}%).`
            : `More than free liquidity covers now (requests already queued are paid first): it joins the withdrawal queue, and a fill pays at least ${fmtUsd(queueMinUsd)} (${Number(QUEUE_TOLERANCE_BPS) / 100}% under today's value; below that the request is cancelled and the shares come back).`}
        </p>
      )}
      <p id="withdraw-amount-help" className="mt-1 text-xs text-zinc-400">
        Withdrawals are limited to free liquidity (cash not backing open positions); newly deposited shares wait out the deposit cooldown, earlier ones stay free.
        Larger amounts join a queue that fills in order at the NAV of the fill; you can cancel while it waits.
      </p>
      {pool && !navValid && (
        <p className="mt-1 text-xs text-amber-400" data-testid="withdraw-waits">
          {pool.staleMarkets > 0n
            ? 'Withdrawals wait for every market with open interest to have a fresh price (the NAV cannot be valued now).'
            : "Withdrawals wait for the keeper's refresh of the options book's greek cache (the NAV cannot be valued now): usually a block or two."}
        </p>
      )}
      {instant && !slippageValid && (
        <p role="alert" className="mt-2 text-xs text-rose-400" data-testid="withdraw-slippage">
          {SLIPPAGE_FIRST}: an instant withdrawal is bounded by the tolerance in the deposit card (queued ones are not)
        </p>
      )}
      <button type="submit" className="btn mt-3" disabled={!isConnected || pending || check.value === undefined || !navValid || tooSmall || (instant && !slippageValid)}>
        {pending ? 'Confirming…' : check.value === undefined || instant ? (all ? 'Withdraw all' : 'Withdraw') : all ? 'Queue withdrawal of all' : 'Queue withdrawal'}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
