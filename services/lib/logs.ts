/**
 * Block ranges for eth_getLogs that adapt to what the node answers. Hosted RPCs refuse an answer above a cap (about
 * 10,000 logs, or a block span) with an error whose wording differs by provider, and cheap events (an order update,
 * a 1-share queue request) let anyone put more than that into one range: a fixed range would then fail at the same
 * blocks forever, stopping the indexer and the keeper's order and position syncs for everyone. A refused range is
 * halved and asked again, down to one block (an error there is the node's, and is thrown to the caller's retry); each
 * answered range doubles the next one, back up to the configured maximum. `log` is the service's Logger (runtime.ts).
 */
import { errorForLog } from '../../lib/errors';

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
    for (;;) {
      const to = from + this.span - 1n < head ? from + this.span - 1n : head;
      try {
        const logs = await get(from, to);
        if (this.span < this.maxSpan) this.span = this.span * 2n < this.maxSpan ? this.span * 2n : this.maxSpan;
        return { to, logs };
      } catch (e) {
        if (to === from) throw e;
        this.span = (to - from + 1n) / 2n;
        this.log.warn('log range refused: asking half', { range: this.name, fromBlock: from, toBlock: to, nextBlocks: this.span, error: errorForLog(e) });
      }
    }
  }
}
