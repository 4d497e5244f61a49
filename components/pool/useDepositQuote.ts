'use client';

import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useSlippage } from '@/components/trade/useSlippage';
import { fmtUsd } from '@/lib/format';
import { toAssetsDown, toSharesDown } from '@/lib/math/shares';
import { checkAmount } from '@/lib/validation';
import type { PoolView } from './types';
import { useDepositBand } from './useOptionsClaim';

/**
 * What a typed deposit buys, as the vault will price it: shares at the NAV's high bound rounded down (SharesMath
 * mirror), the least it accepts (the slippage tolerance), and what the LP band costs it: the shares are worth less than
 * the deposit at the NAV once its cash is in it.
 */
export function useDepositQuote(text: string, walletUsd: bigint | undefined, allowance: bigint | undefined, pool: PoolView | undefined) {
  const c = useContracts();
  const minDeposit = useReadContract({ ...c.pool, functionName: 'minDepositAssets' }).data;
  const base = checkAmount(text, { max: walletUsd, maxLabel: 'your wallet balance' });
  const check = base.value !== undefined && minDeposit !== undefined && base.value < minDeposit ? { error: `Deposits start at ${fmtUsd(minDeposit)}` } : base;
  const needsApproval = check.value !== undefined && allowance !== undefined && allowance < check.value;
  const shares = check.value !== undefined && pool?.navValid ? toSharesDown(check.value, pool.totalShares, pool.navHighUsd) : undefined;
  const [slippageBps, , slippageValid] = useSlippage('pool');
  const minShares = shares !== undefined ? shares - (shares * slippageBps) / 10_000n : undefined;
  // The LP band (P-57, P-76): the shares are worth less than the deposit at the NAV now; what of it the options book adds.
  const { bandUsd, optionsShareWad } = useDepositBand(pool);
  // what the shares are worth at the NAV once the deposit's cash is in it (review: valued before it, the cost read 9% high
  // on a tenth of the pool and double on a deposit the pool's size)
  const bandCostUsd =
    shares !== undefined && pool && pool.totalShares > 0n ? check.value! - toAssetsDown(shares, pool.totalShares + shares, pool.navUsd + check.value!) : undefined;

  return { check, needsApproval, shares, minShares, slippageValid, bandUsd, optionsShareWad, bandCostUsd };
}
