/**
 * The app's own log reads (lib/logRange.ts logsInRanges; lib/orderHistory.ts), against a hosted node that refuses wide
 * eth_getLogs ranges: no chain, a node simulated in memory.
 */
import type { PublicClient } from 'viem';
import { describe, expect, it } from 'vitest';
import { LOG_CACHE_DEPTH, logsInRanges } from '@/lib/logRange';
import { logPlace, positionOpenedPlace } from '@/lib/orderHistory';

describe("the app's log reads (logsInRanges: review BG)", () => {
  // a hosted node: no eth_getLogs over 2,000 blocks (its wording), a head 50,000 blocks past the deployment at 100
  const node = (logBlocks: bigint[], chain = { id: 'a' }) => {
    const requests: [bigint, bigint][] = [];
    const get = async (from: bigint, to: bigint) => {
      if (to - from + 1n > 2_000n) throw new Error('eth_getLogs is limited to a 2,000 range');
      requests.push([from, to]); // answered
      return logBlocks.filter((b) => b >= from && b <= to).map((b) => ({ blockNumber: b, logIndex: 0 }));
    };
    // each chain's blocks have their own hashes (a restarted chain: another id)
    const hashAt = async (block: bigint) => `${chain.id}:${block}`;
    return { get, hashAt, requests, chain };
  };

  it('reads from the deployment to the head in ranges the node answers, every log once', async () => {
    const blocks = [150n, 20_000n, 49_990n, 50_100n];
    const n = node(blocks);
    const got = await logsInRanges('t1', 100n, 50_100n, n.get, n.hashAt);
    expect(got.map((l) => l.blockNumber)).toEqual(blocks);
    // answered ranges cover the blocks once, in order
    expect(n.requests[0][0]).toBe(100n);
    for (let i = 1; i < n.requests.length; i++) expect(n.requests[i][0]).toBe(n.requests[i - 1][1] + 1n);
    expect(n.requests[n.requests.length - 1][1]).toBe(50_100n);
  });

  it('a refetch reads only the blocks since, and re-reads the last LOG_CACHE_DEPTH (a reorg there is seen)', async () => {
    const blocks = [150n, 30_000n, 50_090n];
    const n = node(blocks);
    expect((await logsInRanges('t2', 100n, 50_100n, n.get, n.hashAt)).map((l) => l.blockNumber)).toEqual(blocks);
    n.requests.length = 0;
    // 10 blocks later a reorg removed the log at 50,090 (within the depth) and a new one is at 50,105
    blocks.splice(2, 1, 50_105n);
    expect((await logsInRanges('t2', 100n, 50_110n, n.get, n.hashAt)).map((l) => l.blockNumber)).toEqual([150n, 30_000n, 50_105n]);
    expect(n.requests.every(([a]) => a >= 50_100n - LOG_CACHE_DEPTH)).toBe(true);
    expect(n.requests.length).toBeLessThanOrEqual(2);
  });

  it('a chain whose remembered block has another hash is read again (a local chain restarted at the same addresses)', async () => {
    const n = node([150n, 30_000n]);
    expect((await logsInRanges('t3', 100n, 50_000n, n.get, n.hashAt)).map((l) => l.blockNumber)).toEqual([150n, 30_000n]);
    // review BH: a restarted chain past the old head kept the old chain's logs (another account's order shown as yours)
    n.chain.id = 'b';
    const fresh = node([40_000n], n.chain);
    expect((await logsInRanges('t3', 100n, 60_000n, fresh.get, fresh.hashAt)).map((l) => l.blockNumber)).toEqual([40_000n]);
    // a block the node does not have yet is not remembered (a lagging node answers its logs as none)
    const synced = node([70_000n]);
    const lagging = { get: async (a: bigint, b: bigint) => (await synced.get(a, b)).filter((l) => l.blockNumber <= 60_000n), hashAt: async (block: bigint) => (block > 60_000n ? null : synced.hashAt(block)) };
    expect(await logsInRanges('t4', 100n, 70_100n, lagging.get, lagging.hashAt)).toEqual([]);
    expect((await logsInRanges('t4', 100n, 70_100n, synced.get, synced.hashAt)).map((l) => l.blockNumber)).toEqual([70_000n]);
  });

  it("positionOpenedPlace finds an opening 50,000 blocks before the head on such a node", async () => {
    const account = '0x00000000000000000000000000000000000000aa' as const;
    const opened = { blockNumber: 120n, logIndex: 3, args: { account, marketId: 0n, isLong: true, result: { sizeUsd: 10n ** 10n, sizeDeltaUsd: 10n ** 10n } } };
    const client = {
      getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ hash: `0x${blockNumber.toString(16)}` }),
      getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
        if (toBlock - fromBlock + 1n > 10_000n) throw new Error('eth_getLogs is limited to a 10,000 range');
        return fromBlock <= opened.blockNumber && opened.blockNumber <= toBlock ? [opened] : [];
      },
    };
    const place = await positionOpenedPlace(client as unknown as PublicClient, '0x0000000000000000000000000000000000000001', account, 0, true, 1n, 50_000n);
    expect(place).toBe(logPlace(opened));
  });
});
