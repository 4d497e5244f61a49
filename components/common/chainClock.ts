'use client';

import { useBlock, usePublicClient } from 'wagmi';

/** The chain's time (its latest block's), which the API's buckets and the contracts' expiries follow: the browser's
 *  clock can be hours off a local chain moved forward, and a range from it asked for more buckets than the API serves
 *  (review). The browser's clock when no block can be read. */
export async function chainNowSec(client: ReturnType<typeof usePublicClient>): Promise<number> {
  const block = client ? await client.getBlock().catch(() => undefined) : undefined;
  return block ? Number(block.timestamp) : Math.floor(Date.now() / 1000);
}

/** The latest block's timestamp, re-read every few seconds: the time the Reader's views (margin schedules, rates)
 *  are computed at. The browser's clock until the first block is read. */
export function useChainNowSec(): bigint {
  const block = useBlock({ query: { refetchInterval: 4000 } });
  return block.data ? block.data.timestamp : BigInt(Math.floor(Date.now() / 1000));
}

/** The later of the chain's and the browser's clocks, for deadlines the chain checks (an order's expiry): a deadline
 *  from a browser behind the chain could already be past when it lands. */
export function deadlineBaseSec(chainNow: bigint): bigint {
  const browser = BigInt(Math.floor(Date.now() / 1000));
  return chainNow > browser ? chainNow : browser;
}
