/**
 * Block ranges for eth_getLogs that adapt to what the node answers. Hosted RPCs refuse an answer above a cap (about
 * 10,000 logs, or a block span) with an error whose wording differs by provider, and cheap events (an order update,
 * a 1-share queue request) let anyone put more than that into one range: a fixed range would then fail at the same
 * blocks forever, stopping the indexer and the keeper's order and position syncs for everyone. A range the node
 * refuses for its size is halved and asked again, down to one block (a refusal there is the node's, and is thrown to
 * the caller's retry); each answered range doubles the next one, back up to the configured maximum but below the
 * smallest span refused in the last CEILING_REQUESTS answers. Any other error
 * (a rate limit, a timeout, a node down) is thrown at once with the range as it was, so the caller's backoff applies:
 * halving on those would send a burst of requests into a node that is already refusing them (a review's finding).
 * `log` is any logger (a service's Logger, runtime.ts; the app's reads pass a quiet one).
 */
import { errorForLog } from './errors';
import { nullIfNotFound } from './notFound';

/** Answered requests a refused span stays the ceiling for: a node capping its block span refuses every range past it,
 *  and growing straight back to the maximum had every other request refused (review BR); a refusal for a dense
 *  stretch of logs is forgotten once past it. */
const CEILING_REQUESTS = 64;

export class LogRange {
  private span: bigint;
  private ceiling: bigint | undefined; // the smallest span refused lately: growth stops below it
  private ceilingLeft = 0;

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
        if (this.ceiling !== undefined && --this.ceilingLeft <= 0) this.ceiling = undefined;
        const top = this.ceiling !== undefined && this.ceiling < this.maxSpan ? this.ceiling : this.maxSpan;
        if (this.span < top) this.span = this.span * 2n < top ? this.span * 2n : top;
        return { to, logs };
      } catch (e) {
        if (to === from || !isRangeRefusal(e)) throw e;
        this.span = (to - from + 1n) / 2n; // at least 1: to > from here
        // a refusal of the block span itself (not of the logs in it) caps the range at the half asked next, for a while
        if (SPAN_REFUSAL.test(refusalText(e))) {
          if (this.ceiling === undefined || this.span < this.ceiling) this.ceiling = this.span;
          this.ceilingLeft = CEILING_REQUESTS;
        }
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

/** The wordings of a refusal of the block span itself (a provider's cap on blocks per request, whatever the logs). */
const SPAN_REFUSAL = /more than [\d.,]+ blocks|too many blocks|blocks? range|range (is )?too (large|wide|big)|(limited|limit) to (a )?[\d,]+ (blocks? )?range|exceeds? (the )?max(imum)? (block )?range|range \d+ exceeds? (the )?limit|ranges? over [\d.,]+ blocks/i;

/** The text of `e` and the errors it wraps. */
function refusalText(e: unknown): string {
  const parts: string[] = [];
  for (let x = e as { message?: unknown; details?: unknown; shortMessage?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 8; x = x.cause as typeof x, depth++) {
    parts.push(...[x.message, x.details, x.shortMessage].filter((t): t is string => typeof t === 'string'));
  }
  return parts.join(' ');
}

/** Whether `e` (or an error it wraps, as viem's do) is a node refusing a log range for its size. */
export function isRangeRefusal(e: unknown): boolean {
  for (let x = e as { message?: unknown; details?: unknown; shortMessage?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 8; x = x.cause as typeof x, depth++) {
    const text = [x.message, x.details, x.shortMessage].filter((t) => typeof t === 'string').join(' ');
    if (/too many requests|\b429\b/i.test(text)) return false;
    if (RANGE_REFUSAL.test(text)) return true;
  }
  return false;
}

/** Blocks below the head a remembered log must be: deeper reorgs than this are not expected on any supported chain. */
export const LOG_CACHE_DEPTH = 64n;

type Remembered<T> = { from: bigint; upTo: bigint; upToHash?: string; logs: T[]; range: LogRange; busy?: Promise<unknown> };
const remembered = new Map<string, Remembered<unknown>>();
const quiet = { warn: () => undefined };

/**
 * The app's log reads (an account's orders, option trades, position opens): every log `get` returns from `from` to
 * `to`, read in ranges the node answers (a hosted RPC refuses one eth_getLogs from the deployment to the head once the
 * chain is some thousands of blocks past it; review BG: the orders table then read "No open orders" and /options
 * "Options data unavailable"). What lies LOG_CACHE_DEPTH blocks below `to` is remembered under `key`, with the hash of
 * the last block it reaches (`hashAt`: the block's hash, null when the node does not have it), so a refetch every few
 * seconds reads only the newest blocks; the rest is read again each time, so a reorg there is seen. The remembered
 * logs are dropped when that block's hash is no longer the chain's (a deeper reorg, or a local chain restarted at the
 * same addresses: review BH), and a block the node does not have yet is not remembered (a lagging node's empty
 * answer). Calls under one key run one at a time.
 */
export async function logsInRanges<T extends { blockNumber: bigint | null }>(
  key: string,
  from: bigint,
  to: bigint,
  get: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>,
  hashAt: (block: bigint) => Promise<string | null>,
  maxSpan = 10_000n,
): Promise<T[]> {
  let r = remembered.get(key) as Remembered<T> | undefined;
  if (!r || r.from !== from) {
    r = { from, upTo: from - 1n, logs: [], range: new LogRange(maxSpan, quiet, key) };
    remembered.set(key, r);
  }
  const entry = r;
  const read = async (a: bigint, b: bigint) => {
    const out: T[] = [];
    for (let f = a; f <= b; ) {
      const { to: end, logs } = await entry.range.fetch(f, b, get);
      out.push(...logs);
      f = end + 1n;
    }
    return out;
  };
  const run = async () => {
    if (entry.upTo >= from && (entry.upTo > to || (await hashAt(entry.upTo)) !== entry.upToHash)) {
      entry.logs = [];
      entry.upTo = from - 1n;
      entry.upToHash = undefined;
    }
    const settled = to > LOG_CACHE_DEPTH ? to - LOG_CACHE_DEPTH : -1n;
    if (settled > entry.upTo) {
      const hash = await hashAt(settled);
      if (hash !== null) {
        const logs = await read(entry.upTo + 1n, settled);
        entry.logs.push(...logs);
        entry.upTo = settled;
        entry.upToHash = hash;
      }
    }
    return [...entry.logs, ...(await read(entry.upTo + 1n, to))];
  };
  const previous = entry.busy ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(run);
  entry.busy = mine;
  return mine;
}

/** `hashAt` for logsInRanges from a viem client: the block's hash, null when the node does not have the block. */
export function blockHashAt(client: { getBlock: (a: { blockNumber: bigint }) => Promise<{ hash: string | null }> }) {
  return (block: bigint) =>
    client.getBlock({ blockNumber: block }).then((b) => b.hash, nullIfNotFound('BlockNotFoundError'));
}
