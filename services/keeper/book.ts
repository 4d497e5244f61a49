import { getAbiItem, type Address, type PublicClient } from 'viem';
import { perpEngineAbi, type CounterpoolContracts } from '../../lib/contracts';
import { LogRange, SyncCheckpoints } from '../lib/logs';
import type { Logger } from '../lib/runtime';

export interface Ref {
  account: Address;
  marketId: bigint;
  isLong: boolean;
}

/** From the generated ABI: a renamed event or field fails the type check instead of silently matching nothing. */
const increased = getAbiItem({ abi: perpEngineAbi, name: 'PositionIncreased' });

/**
 * The set of open positions, rebuilt from the engine's events (from the deploy block on every start, then
 * incrementally). Which positions are still open is read from the chain, so missed or reorged logs cannot hide one.
 */
export class PositionBook {
  private known = new Map<string, Ref>();
  private synced: bigint;
  private readonly range: LogRange;
  private readonly checkpoints: SyncCheckpoints;

  constructor(
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: Logger,
    chunk = 5_000n,
  ) {
    this.synced = c.startBlock - 1n;
    this.range = new LogRange(chunk, log, 'positions');
    this.checkpoints = new SyncCheckpoints(client);
  }

  static key(r: Ref) {
    return `${r.account.toLowerCase()}:${r.marketId}:${r.isLong}`;
  }

  size() {
    return this.known.size;
  }

  refs(): Ref[] {
    return [...this.known.values()];
  }

  /** Adds every position ever opened up to `head`. Closed ones are dropped by `remove` when a status read shows size 0. */
  async sync(head: bigint) {
    const before = this.known.size;
    // A reorg under the synced blocks: read again after the newest block still on the chain (from the deploy block if
    // none is). Positions only enter here, so reading a block twice adds nothing twice; closed ones leave by status.
    const fork = await this.checkpoints.fork();
    if (fork.kind === 'unknown') return; // the node lacks the last block read: the next pass decides
    if (fork.kind !== 'none') {
      this.synced = fork.kind === 'rewound' ? fork.to : this.c.startBlock - 1n;
      this.log.warn('reorg: positions read again', { fromBlock: this.synced + 1n });
    }
    while (this.synced < head) {
      const from = this.synced + 1n;
      let hash = '';
      const { to, logs } = await this.range.fetch(from, head, async (fromBlock, toBlock) => {
        const r = await this.checkpoints.readRange(fromBlock, toBlock, (f, t) => this.client.getLogs({ address: this.c.engine.address, event: increased, fromBlock: f, toBlock: t }));
        hash = r.hash;
        return r.logs;
      });
      for (const l of logs) {
        const r = { account: l.args.account!, marketId: l.args.marketId!, isLong: l.args.isLong! };
        this.known.set(PositionBook.key(r), r);
      }
      this.synced = to;
      this.checkpoints.record(to, hash);
    }
    if (this.known.size !== before) this.log.info('book synced', { block: this.synced, watched: this.known.size });
  }

  /** Watches `refs` again (a liquidation that removed them was reorged out: they may be open on the chain again). */
  restore(refs: readonly Ref[]) {
    for (const r of refs) this.known.set(PositionBook.key(r), r);
  }

  remove(r: Ref) {
    this.known.delete(PositionBook.key(r));
  }
}
