'use client';

import { useQuery } from '@tanstack/react-query';
import { usePublicClient } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { readBuyLimits } from '@/lib/options/limits';
import type { Selection } from './OptionsChain';

/** What a buy of the selected option must fit (lib/options/limits.ts), refreshed every few seconds. */
export function useBuyLimits(marketId: number, s: Selection) {
  const c = useContracts();
  const client = usePublicClient();
  const q = useQuery({
    queryKey: ['buyLimits', c.chainId, marketId, s.boardId.toString(), s.strikeIndex.toString(), s.isCall],
    enabled: s.isBuy && !!client,
    refetchInterval: 4000,
    queryFn: () => readBuyLimits(client!, c, BigInt(marketId), s.boardId, s.strikeIndex, s.isCall),
  });
  return s.isBuy ? q.data : undefined;
}
