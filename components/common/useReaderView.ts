'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Abi, Address, ContractFunctionArgs, ContractFunctionName, ContractFunctionReturnType } from 'viem';
import { usePublicClient, useReadContract } from 'wagmi';
import { readerAbi } from '@/lib/contracts';
import { api } from '@/lib/api/client';
import { pullMarketsAmong, readAfterUpdate } from '@/lib/pyth/router';
import { useContracts } from './useContracts';

type Opts = { enabled?: boolean; refetchInterval?: number };
type Answer<A extends Abi, F extends ContractFunctionName<A, 'view'>> = {
  data: ContractFunctionReturnType<A, 'view', F> | undefined;
  error: Error | null;
  isLoading: boolean;
};

/**
 * A view as the chain answers it at fresh prices. On a deployment with pull-oracle (Pyth) markets the stored prices are
 * seconds old at most and usually stale between trades, so the view is read through PriceUpdateRouter.readAfterUpdate
 * with the markets' latest updates (/api/pyth/updates; a simulation, nothing is sent): the page shows what the next
 * transaction, which posts those prices, will see. On push feeds it is a plain read.
 */
export function useViewAtPrices<const A extends Abi, const F extends ContractFunctionName<A, 'view'>>(
  target: { address: Address; abi: A },
  functionName: F,
  args: ContractFunctionArgs<A, 'view', F>,
  { enabled = true, refetchInterval }: Opts = {},
): Answer<A, F> {
  const c = useContracts();
  const client = usePublicClient();
  const pull = useMemo(() => pullMarketsAmong(c, 'all'), [c]);
  const direct = useReadContract({
    ...target,
    functionName,
    args,
    query: { enabled: enabled && pull.length === 0, refetchInterval },
  } as Parameters<typeof useReadContract>[0]);
  const pulled = useQuery({
    queryKey: ['viewAtPulledPrices', c.chainId, target.address, functionName, JSON.stringify(args ?? [], (_, v) => (typeof v === 'bigint' ? v.toString() : v))],
    enabled: enabled && pull.length > 0 && !!client,
    refetchInterval: refetchInterval ?? 3000,
    queryFn: async () => readAfterUpdate(client!, c, await api.pythUpdates(pull), target, functionName, args),
  });
  const answer = pull.length > 0 ? pulled : direct;
  return { data: answer.data as Answer<A, F>['data'], error: answer.error, isLoading: answer.isLoading };
}

/** A Reader view at fresh prices (useViewAtPrices on the Reader). */
export function useReaderView<const F extends ContractFunctionName<typeof readerAbi, 'view'>>(
  functionName: F,
  args: ContractFunctionArgs<typeof readerAbi, 'view', F>,
  opts: Opts = {},
) {
  const c = useContracts();
  return useViewAtPrices(c.reader, functionName, args, opts);
}
