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

/** How often a view is read again when its caller names no interval. */
const VIEW_POLL_MS = 3000;
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
  // Polled on both paths (every 3 s unless the caller says otherwise): an explicit `refetchInterval: undefined` in a
  // query's options overrides the client's default and stops polling, which froze /pool's NAV, its withdrawable amount
  // after the cooldown and its "waiting for prices" state until a reload (review BK).
  const every = refetchInterval ?? VIEW_POLL_MS;
  const direct = useReadContract({
    ...target,
    functionName,
    args,
    query: { enabled: enabled && pull.length === 0, refetchInterval: every },
  } as Parameters<typeof useReadContract>[0]);
  const pulled = useQuery({
    queryKey: ['viewAtPulledPrices', c.chainId, target.address, functionName, JSON.stringify(args ?? [], (_, v) => (typeof v === 'bigint' ? v.toString() : v))],
    enabled: enabled && pull.length > 0 && !!client,
    refetchInterval: every,
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
