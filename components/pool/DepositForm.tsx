'use client';

import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useAccount } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { SlippageField } from '@/components/trade/SlippageField';
import { useTx } from '@/components/tx/useTx';
import { fmtShares } from '@/lib/format';
import { clearIfUnchanged } from '@/lib/validation';
import type { PoolView } from './types';
import { DepositPreview } from './DepositPreview';
import { useDepositQuote } from './useDepositQuote';

/** Deposit the settlement token for shares priced at the NAV's high bound (approving the vault first when needed), at
 *  least the preview less the slippage tolerance (deposit with a minimum, EIP-5143): trades sent just before it can
 *  widen the LP band and raise its price, and the deposit is then refused rather than filled for fewer shares. */
export function DepositForm({ walletUsd, allowance, lockedShares, pool }: { walletUsd?: bigint; allowance?: bigint; lockedShares?: bigint; pool?: PoolView }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address } = useAccount();
  const { send, pending, error, blocked } = useTx();
  const [text, setText] = useState('');
  const quote = useDepositQuote(text, walletUsd, allowance, pool);
  const { check, needsApproval, minShares, slippageValid } = quote;

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
      <DepositPreview quote={quote} pool={pool} />
      {!!lockedShares && lockedShares > 0n && (
        <p className="mt-1 text-xs text-amber-400" data-testid="deposit-restarts-cooldown">
          Your {fmtShares(lockedShares)} shares still in their cooldown will join this deposit&apos;s: all of them unlock
          {pool ? ` ${Number(pool.cooldownSec)} s after it` : ' after its cooldown'}.
        </p>
      )}
      <SlippageField kind="pool" hint="applies to deposits and withdrawals" />
      <button type="submit" className="btn mt-3 w-full" disabled={!!blocked || pending || minShares === undefined || !slippageValid}>
        {blocked ?? (pending ? 'Confirming…' : needsApproval ? `Approve ${sym}` : 'Deposit')}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
