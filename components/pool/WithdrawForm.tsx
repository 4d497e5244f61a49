'use client';

import { useEffect, useRef, useState } from 'react';
import { formatUnits } from 'viem';
import { useAccount } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { SLIPPAGE_FIRST } from '@/components/trade/useSlippage';
import { useTx } from '@/components/tx/useTx';
import { fmtUsd } from '@/lib/format';
import type { PoolView } from './types';
import { useWithdrawPlan } from './useWithdrawPlan';
import { WithdrawPreview } from './WithdrawPreview';

export { QUEUE_TOLERANCE_BPS } from './useWithdrawPlan';

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
  const { address } = useAccount();
  const { send, pending, error, blocked } = useTx();
  const [text, setText] = useState('');
  // the text on screen when a transaction resolves (a ref, set after each render: the submit's closure holds the old one)
  const textNow = useRef(text);
  useEffect(() => {
    textNow.current = text;
  }, [text]);
  const [maxPressed, setMaxPressed] = useState(false);
  const plan = useWithdrawPlan({ pool, shares, lockedShares, unlockAt, maxWithdrawUsd, maxRedeemShares }, text, maxPressed);
  const { check, unlocked, unlockedUsd, all, instant, burns, navValid, queued, queueMinUsd, minRequestUsd, tooSmall, slippageValid, minAllUsd, maxBurns } = plan;

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
        value={maxPressed && unlockedUsd !== undefined && unlockedUsd > 0n ? formatUnits(unlockedUsd, 6) : text}
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
      <WithdrawPreview plan={plan} />
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
      <button type="submit" className="btn mt-3" disabled={!!blocked || pending || check.value === undefined || !navValid || tooSmall || (instant && !slippageValid)}>
        {blocked ?? (pending ? 'Confirming…' : check.value === undefined || instant ? (all ? 'Withdraw all' : 'Withdraw') : all ? 'Queue withdrawal of all' : 'Queue withdrawal')}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
