'use client';

import { useReadContract } from 'wagmi';
import { useContracts } from './useContracts';

/** The settlement token's symbol as the chain states it (USDC on the faucet deployments, whatever stablecoin a real
 *  deployment settles in); "USD" until it is read. */
export function useTokenSymbol(): string {
  const c = useContracts();
  return useReadContract({ ...c.token, functionName: 'symbol', query: { staleTime: Infinity } }).data ?? 'USD';
}
