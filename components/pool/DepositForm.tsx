'use client';

import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useAccount, useReadContract } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { SlippageField } from '@/components/trade/SlippageField';
import { useSlippage } from '@/components/trade/useSlippage';
import { useTx } from '@/components/tx/useTx';
import { fmtPct, fmtShares, fmtUsd } from '@/lib/format';
import { min } from '@/lib/math/fixed';
import { toAssetsDown, toSharesDown } from '@/lib/math/shares';
import { checkAmount, clearIfUnchanged } from '@/lib/validation';
import type { PoolView } from './types';
import { useOptionsClaim } from './useOptionsClaim';

/** Deposit the settlement token for shares priced at the NAV's high bound (approving the vault first when needed), at
 *  least the preview less the slippage tolerance (deposit with a minimum, EIP-5143): trades sent just before it can
 *  widen the LP band and raise its price, and the deposit is then refused rather than filled for fewer shares. */
export function DepositForm({ walletUsd, allowance, lockedShares, pool }: { walletUsd?: bigint; allowance?: bigint; lockedShares?: bigint; pool?: PoolView }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address, isConnected } = useAccount();
  const { send, pending, error } = useTx();
  const [text, setText] = useState('');
  const minDeposit = useReadContract({ ...c.pool, functionName: 'minDepositAssets' }).data;
  const base = checkAmount(text, { max: walletUsd, maxLabel: 'your wallet balance' });
  const check = base.value !== undefined && minDeposit !== undefined && base.value < minDeposit ? { error: `Deposits start at ${fmtUsd(minDeposit)}` } : base;
  const needsApproval = check.value !== undefined && allowance !== undefined && allowance < check.value;
  const shares = check.value !== undefined && pool?.navValid ? toSharesDown(check.value, pool.totalShares, pool.navHighUsd) : undefined;
  const [slippageBps, , slippageValid] = useSlippage('pool');
  const minShares = shares !== undefined ? shares - (shares * slippageBps) / 10_000n : undefined;
  // The LP band (P-57, P-76): deposits are priced at the NAV plus how far it could move before an oracle update nobody
  // sees yet, so the shares are worth less than the deposit at the NAV now; what of it the options book adds.
  const bandUsd = pool?.navValid ? pool.navHighUsd - pool.navUsd : undefined;
  // what the shares are worth at the NAV once the deposit's cash is in it (review: valued before it, the cost read 9% high
  // on a tenth of the pool and double on a deposit the pool's size)
  const bandCostUsd =
    shares !== undefined && pool && pool.totalShares > 0n ? check.value! - toAssetsDown(shares, pool.totalShares + shares, pool.navUsd + check.value!) : undefined;
  const optionsRiskUpUsd = useOptionsClaim().riskUpUsd;

  return (
    <form
      aria-labelledby="deposit-title"
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (check.value === undefined || !address || minShares === undefined || !slippageValid) return;
        if (needsApproval) {
          await send({ ...c.token, functionName: 'approve', args: [c.pool.address, maxUint256], label: `Approve ${sym}` });
          return;
        }
        if (await send({ ...c.pool, functionName: 'deposit', args: [check.value, address, minShares], label: `Deposit ${text} ${sym}`, prices: 'all' })) setText(clearIfUnchanged(text));
      }}
    >
      <h2 id="deposit-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Deposit
      </h2>
      <AmountField id="deposit-amount" label={`Amount (${sym})`} value={text} onChange={setText} error={check.error} max={{ value: walletUsd, label: 'Wallet' }} />
      {shares !== undefined && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="deposit-preview">
          ≈ {fmtShares(shares)} shares at the deposit bound of the NAV; at least {fmtShares(minShares ?? 0n)}, or the deposit is refused
        </p>
      )}
      {bandCostUsd !== undefined && bandUsd !== undefined && bandUsd > 0n && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="deposit-band">
          Priced {((Number(bandUsd) / Number(pool!.navUsd)) * 10_000).toFixed(2)} bps above the NAV: the LP band, what the NAV could move before
          an oracle update the feeds may not show yet{optionsRiskUpUsd !== undefined ? ` (the options book adds ${fmtPct((min(optionsRiskUpUsd, bandUsd) * 10n ** 18n) / bandUsd, 0)} of it)` : ''}. This
          deposit pays <span data-testid="deposit-band-cost">{fmtUsd(bandCostUsd)}</span> for it: its shares are worth that much less at the NAV with it.
        </p>
      )}
      {!!lockedShares && lockedShares > 0n && (
        <p className="mt-1 text-xs text-amber-400" data-testid="deposit-restarts-cooldown">
          Your {fmtShares(lockedShares)} shares still in their cooldown will join this deposit&apos;s: all of them unlock
          {pool ? ` ${Number(pool.cooldownSec)} s after it` : ' after its cooldown'}.
        </p>
      )}
      <SlippageField kind="pool" hint="applies to deposits and withdrawals" />
      <button type="submit" className="btn mt-3 w-full" disabled={!isConnected || pending || minShares === undefined || !slippageValid}>
        {pending ? 'Confirming…' : needsApproval ? `Approve ${sym}` : 'Deposit'}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
