'use client';

import { useQuery } from '@tanstack/react-query';
import { getAbiItem } from 'viem';
import { useAccount, usePublicClient } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { orderBookAbi } from '@/lib/contracts';

const created = getAbiItem({ abi: orderBookAbi, name: 'OrderCreated' });

/** The connected account's open trigger orders: ids from its OrderCreated events (indexed by account), current terms
 *  from the book (an executed or cancelled order reads as account zero and is dropped). */
export function useOpenOrders() {
  const c = useContracts();
  const { address } = useAccount();
  const client = usePublicClient();
  return useQuery({
    queryKey: ['openOrders', address],
    enabled: !!address && !!client,
    refetchInterval: 3000,
    queryFn: async () => {
      const logs = await client!.getLogs({ address: c.orderBook.address, event: created, args: { account: address }, fromBlock: c.startBlock });
      const ids = logs.map((l) => l.args.orderId!);
      if (ids.length === 0) return [];
      const orders = await Promise.all(ids.map((id) => client!.readContract({ ...c.orderBook, functionName: 'order', args: [id] })));
      return ids.map((id, i) => ({ id, ...orders[i] })).filter((o) => o.account !== '0x0000000000000000000000000000000000000000');
    },
  });
}

export type OpenOrderRow = NonNullable<ReturnType<typeof useOpenOrders>['data']>[number];
