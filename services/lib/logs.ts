/**
 * Block ranges for eth_getLogs that adapt to what the node answers. Hosted RPCs refuse an answer above a cap (about
 * 10,000 logs, or a block span) with an error whose wording differs by provider, and cheap events (an order update,
 * a 1-share queue request) let anyone put more than that into one range: a fixed range would then fail at the same
 * blocks forever, stopping the indexer and the keeper's order and position syncs for everyone. A range the node
 * refuses for its size is halved and asked again, down to one block (a refusal there is the node's, and is thrown to
 * the caller's retry); each answered range doubles the next one, back up to the configured maximum. Any other error
 * (a rate limit, a timeout, a node down) is thrown at once with the range as it was, so the caller's backoff applies:
 * halving on those would send a burst of requests into a node that is already refusing them (a review's finding).
 * `log` is the service's Logger (runtime.ts).
 */
import { errorForLog } from '../../lib/errors';
import { nullIfNotFound } from './notFound';

export class LogRange {
  private span: bigint;

  constructor(
    private readonly maxSpan: bigint,
    private readonly log: { warn: (msg: string, extra?: Record<string, unknown>) => unknown },
    private readonly name: string,
  ) {
    if (maxSpan < 1n) throw new Error(`${name}: the log range must be at least one block (got ${maxSpan})`);
    this.span = maxSpan;
  }

  /** Blocks the next request spans. */
  get blocks(): bigint {
    return this.span;
  }

  /** Logs from `from` up to at most `head`, as many blocks as the node answers for: returns the logs and the last
   *  block they cover (the caller's next `from` is that plus one). */
  async fetch<T>(from: bigint, head: bigint, get: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>): Promise<{ to: bigint; logs: T[] }> {
    if (head < from) return { to: from - 1n, logs: [] };
    for (;;) {
      const to = from + this.span - 1n < head ? from + this.span - 1n : head;
      try {
        const logs = await get(from, to);
        if (this.span < this.maxSpan) this.span = this.span * 2n < this.maxSpan ? this.span * 2n : this.maxSpan;
        return { to, logs };
      } catch (e) {
        if (to === from || !isRangeRefusal(e)) throw e;
        this.span = (to - from + 1n) / 2n; // at least 1: to > from here
        this.log.warn('log range refused: asking half', { range: this.name, fromBlock: from, toBlock: to, nextBlocks: this.span, error: errorForLog(e) });
      }
    }
  }
}

/** The wordings hosted nodes refuse an eth_getLogs range with for its size (results, blocks or bytes): Geth and Infura
 *  "query returned more than 10000 results", Alchemy "Log response size exceeded", QuickNode "eth_getLogs is limited to
 *  a 10,000 range", Infura's newer "range 1000000 exceeds limit of 10000", others "block range is too large", "exceed maximum
 *  block range", "more than 10.000 blocks", "ranges over 10000 blocks are not supported", "query timeout exceeded". A rate
 *  limit ("Too Many Requests", HTTP 429) is not one. */
const RANGE_REFUSAL =
  /more than [\d.,]+ (results|logs|blocks)|too many (results|logs|blocks)|response size|blocks? range|range (is )?too (large|wide|big)|(limited|limit) to (a )?[\d,]+ (blocks? )?range|exceeds? (the )?max(imum)? (block )?range|range \d+ exceeds? (the )?limit|ranges? over [\d.,]+ blocks|query timeout|logs? (response )?(size )?exceed/i;

/** Whether `e` (or an error it wraps, as viem's do) is a node refusing a log range for its size. */
export function isRangeRefusal(e: unknown): boolean {
  for (let x = e as { message?: unknown; details?: unknown; shortMessage?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 8; x = x.cause as typeof x, depth++) {
    const text = [x.message, x.details, x.shortMessage].filter((t) => typeof t === 'string').join(' ');
    if (/too many requests|\b429\b/i.test(text)) return false;
    if (RANGE_REFUSAL.test(text)) return true;
  }
  return false;
}

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
