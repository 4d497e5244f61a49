'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ContractFunctionArgs, ContractFunctionName, ContractFunctionReturnType } from 'viem';
import { usePublicClient, useReadContract } from 'wagmi';
import { readerAbi } from '@/lib/contracts';
import { fetchAppUpdates, pullMarketsAmong, readAfterUpdate } from '@/lib/pyth/router';
import { useContracts } from './useContracts';

type View = ContractFunctionName<typeof readerAbi, 'view'>;

/**
 * A Reader view as the chain answers it at fresh prices. On a deployment with pull-oracle (Pyth) markets the stored
 * prices are seconds old at most and usually stale between trades, so the view is read through
 * PriceUpdateRouter.readAfterUpdate with the markets' latest updates (/api/pyth/updates; a simulation, nothing is
 * sent): the page shows the price the next transaction will post. On push feeds it is a plain read.
 */
export function useReaderView<const F extends View>(
  functionName: F,
  args?: ContractFunctionArgs<typeof readerAbi, 'view', F>,
  { enabled = true, refetchInterval }: { enabled?: boolean; refetchInterval?: number } = {},
) {
  const c = useContracts();
  const client = usePublicClient();
  const pull = useMemo(() => pullMarketsAmong(c, 'all'), [c]);
  const direct = useReadContract({
    ...c.reader,
    functionName,
    args,
    query: { enabled: enabled && pull.length === 0, refetchInterval },
  } as Parameters<typeof useReadContract>[0]);
  const pulled = useQuery({
    queryKey: ['readerViewAtPulledPrices', c.chainId, functionName, JSON.stringify(args ?? [], (_, v) => (typeof v === 'bigint' ? v.toString() : v))],
    enabled: enabled && pull.length > 0 && !!client,
    refetchInterval: refetchInterval ?? 3000,
    queryFn: async () => readAfterUpdate(client!, c, await fetchAppUpdates(pull), c.reader, functionName, (args ?? []) as readonly unknown[]),
  });
  const q = pull.length > 0 ? pulled : direct;
  return q as unknown as { data: ContractFunctionReturnType<typeof readerAbi, 'view', F> | undefined; error: Error | null; isLoading: boolean; refetch: () => Promise<unknown> };
}
