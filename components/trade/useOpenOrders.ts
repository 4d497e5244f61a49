'use client';

import { useQuery } from '@tanstack/react-query';
import { getAbiItem } from 'viem';
import { useAccount, usePublicClient } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { orderBookAbi } from '@/lib/contracts';
import { blockHashAt, logsInRanges } from '@/lib/logRange';
import { logPlace, positionOpenedPlace } from '@/lib/orderHistory';
import { isOpenKind } from '@/lib/orders';

const created = getAbiItem({ abi: orderBookAbi, name: 'OrderCreated' });
/** Block times by block hash (a reorged block has another hash), so a refetch every 3 s reads each block once. */
const blockTimes = new Map<string, number>();

/** The connected account's open trigger orders: ids from its OrderCreated events (indexed by account), current terms
 *  from the book (an executed or cancelled order reads as account zero and is dropped), when each was placed (its
 *  event's block time: the book keeps no creation time), and whether a take-profit or stop-loss was placed before the
 *  position it now applies to was opened (from zero): the book ties it to the market and side, not to one position,
 *  so such an order was inherited from a closed position. */
export function useOpenOrders() {
  const c = useContracts();
  const { address } = useAccount();
  const client = usePublicClient();
  return useQuery({
    queryKey: ['openOrders', address],
    enabled: !!address && !!client,
    refetchInterval: 3000,
    queryFn: async () => {
      const head = await client!.getBlockNumber({ cacheTime: 0 });
      const read = (fromBlock: bigint, toBlock: bigint) => client!.getLogs({ address: c.orderBook.address, event: created, args: { account: address }, fromBlock, toBlock });
      const logs = await logsInRanges(`orders:${c.orderBook.address}:${address}`, c.startBlock, head, read, blockHashAt(client!));
      const ids = logs.map((l) => l.args.orderId!);
      if (ids.length === 0) return [];
      const orders = await Promise.all(ids.map((id) => client!.readContract({ ...c.orderBook, functionName: 'order', args: [id] })));
      const open = ids
        .map((id, i) => ({ id, log: logs[i], ...orders[i] }))
        .filter((o) => o.account.toLowerCase() === address!.toLowerCase()); // executed or cancelled orders read as account zero
      for (const hash of new Set(open.map((o) => o.log.blockHash))) {
        if (!blockTimes.has(hash)) blockTimes.set(hash, Number((await client!.getBlock({ blockHash: hash })).timestamp));
      }
      // Where each market side's current position was last opened from zero.
      const sides = [...new Set(open.filter((o) => !isOpenKind(o.kind)).map((o) => `${o.marketId}:${o.isLong}`))];
      const openedAt = new Map(
        await Promise.all(
          sides.map(async (key) => {
            const [marketId, isLong] = [Number(key.split(':')[0]), key.endsWith('true')];
            return [key, await positionOpenedPlace(client!, c.engine.address, address!, marketId, isLong, c.startBlock, head)] as const;
          }),
        ),
      );
      return open.map(({ log, ...o }) => ({
        ...o,
        placedAt: blockTimes.get(log.blockHash)!,
        inherited: !isOpenKind(o.kind) && logPlace(log) < (openedAt.get(`${o.marketId}:${o.isLong}`) ?? -1n),
      }));
    },
  });
}

export type OpenOrderRow = NonNullable<ReturnType<typeof useOpenOrders>['data']>[number];
