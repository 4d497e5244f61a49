/**
 * Log syncs that notice reorgs (SyncCheckpoints). The adaptive log range (LogRange) is shared with the app's own
 * reads: lib/logRange.ts.
 */
import { nullIfNotFound } from '../../lib/notFound';

export { isRangeRefusal, LogRange } from '../../lib/logRange';

/** What `SyncCheckpoints.fork` finds: the newest recorded block still on the chain ('none': the newest record is),
 *  none of them, or 'unknown' when the node does not have the newest recorded block (a lagging node behind a load
 *  balancer, or a chain shortened by a reorg): the caller waits for the next pass rather than guess. */
export type Fork = { kind: 'none' } | { kind: 'rewound'; to: bigint } | { kind: 'lost' } | { kind: 'unknown' };

/**
 * The hashes of the blocks a log follower synced to, so it notices a reorg under what it already read (a block it
 * synced replaced by one with other logs at the same or a lower height). The follower reads the hash of each range's
 * last block before that range's logs (`readRange`) and advances only to a block it holds a hash for, so every block
 * it read is under a record: a reorg between the two reads leaves a hash the chain no longer has, which the next
 * `fork` finds. (A review found the keeper's position and order syncs never looked back: a position opened in a block
 * that replaced a synced one was never watched, so never liquidated, until a restart; a second found the first fix
 * left blocks read by a sync that failed part way, or whose head the node did not yet have, under no record.)
 */
export class SyncCheckpoints {
  private points: { number: bigint; hash: string }[] = [];

  constructor(
    private readonly client: { getBlock: (args: { blockNumber: bigint }) => Promise<{ hash: string | null }> },
    private readonly keep = 64,
  ) {}

  /** The chain's hash of block `n` now, or null when the node has no such block (viem's BlockNotFoundError; any
   *  other error is thrown to the caller's retry). */
  async hashOf(n: bigint): Promise<string | null> {
    const b = await this.client.getBlock({ blockNumber: n }).catch(nullIfNotFound('BlockNotFoundError'));
    return b?.hash ?? null;
  }

  /** Logs of blocks `from`..`to` by `get`, with the hash of `to` read first: call `record(to, hash)` once they are
   *  applied. A `to` the node does not have yet is refused (thrown): nothing is read past a block without a hash. */
  async readRange<T>(from: bigint, to: bigint, get: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>): Promise<{ logs: T[]; hash: string }> {
    const hash = await this.hashOf(to);
    if (hash === null) throw new Error(`block ${to} is not on this node yet`);
    return { logs: await get(from, to), hash };
  }

  record(number: bigint, hash: string) {
    this.points.push({ number, hash });
    if (this.points.length > this.keep) this.points.shift();
  }

  /** 'none' while the newest recorded block is still the chain's; 'unknown' while the node lacks it; else the newest
   *  record that is still the chain's ('rewound': read again after it; newer records dropped) or 'lost' when none of
   *  the kept ones is (records cleared: read again from the start). */
  async fork(): Promise<Fork> {
    const newest = this.points.at(-1);
    if (!newest) return { kind: 'none' };
    const now = await this.hashOf(newest.number);
    if (now === null) return { kind: 'unknown' };
    if (now === newest.hash) return { kind: 'none' };
    for (let i = this.points.length - 2; i >= 0; i--) {
      const p = this.points[i];
      if ((await this.hashOf(p.number)) !== p.hash) continue;
      this.points.length = i + 1;
      return { kind: 'rewound', to: p.number };
    }
    this.points = [];
    return { kind: 'lost' };
  }
}
