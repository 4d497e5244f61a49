/**
 * Event ingestion and snapshots. Per block range, one transaction stores the events (unique by block and log index,
 * so replays are no-ops), the range's boundary block hash and the cursor. Before each range the stored cursor hash is
 * compared with the chain; on a mismatch the indexer rewinds to the newest stored block still on the chain.
 */
import { parseEventLogs, type Hex, type PublicClient } from 'viem';
import { liquidityPoolAbi, perpEngineAbi, type CounterpoolContracts } from '../../lib/contracts';
import type { Logger } from '../lib/runtime';
import { foldSnapshot, rebuildRollups } from '../../lib/rollups';
import type { Db, Queryable } from './db';

const ABI = [...perpEngineAbi, ...liquidityPoolAbi];
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

export interface IndexerOptions {
  range: bigint; // blocks per getLogs
  snapshotEvery: bigint; // blocks between snapshots
  snapshotWindow: bigint; // only snapshot blocks this close to the head (history needs an archive node)
}

export class Indexer {
  lastSnapshotBlock = -1n;
  stats = { head: 0n, cursor: -1n, events: 0, snapshots: 0, reorgs: 0, lastSnapshotAt: 0 };

  constructor(
    private db: Db,
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: Logger,
    private opts: IndexerOptions,
  ) {}

  async cursor(): Promise<{ block: bigint; hash: Hex } | null> {
    const rows = await this.db.query<{ block_number: string; block_hash: string }>('SELECT block_number, block_hash FROM indexer_cursor WHERE id = 1');
    return rows[0] ? { block: BigInt(rows[0].block_number), hash: rows[0].block_hash as Hex } : null;
  }

  /** Ingests up to one range; returns true when it reached the head. */
  async step(): Promise<boolean> {
    const head = await this.client.getBlockNumber();
    this.stats.head = head;
    let cur = await this.cursor();
    if (cur) {
      const onChain = await this.client.getBlock({ blockNumber: cur.block }).catch(() => null);
      if (!onChain || onChain.hash !== cur.hash) {
        await this.rewind();
        cur = await this.cursor();
      }
    }
    const from = cur ? cur.block + 1n : this.c.startBlock;
    if (from > head) return true;
    const to = from + this.opts.range - 1n < head ? from + this.opts.range - 1n : head;

    const logs = await this.client.getLogs({ address: [this.c.engine.address, this.c.pool.address], fromBlock: from, toBlock: to });
    const decoded = parseEventLogs({ abi: ABI, logs, strict: false });
    const blockNumbers = new Set<bigint>([to, ...decoded.map((l) => l.blockNumber!)]);
    const blocks = new Map<bigint, { hash: Hex; parentHash: Hex; timestamp: bigint }>();
    const nums = [...blockNumbers];
    for (let i = 0; i < nums.length; i += 50) {
      const got = await Promise.all(nums.slice(i, i + 50).map((n) => this.client.getBlock({ blockNumber: n })));
      for (const b of got) blocks.set(b.number!, { hash: b.hash!, parentHash: b.parentHash, timestamp: b.timestamp });
    }
    const end = blocks.get(to)!;
    const due = head - to <= this.opts.snapshotWindow && (this.lastSnapshotBlock < 0n || to - this.lastSnapshotBlock >= this.opts.snapshotEvery);
    const snapshot = due && (await this.readerLive(to)) ? await this.readSnapshot(to, end.timestamp) : null;

    await this.db.tx(async (q) => {
      await insertBlocks(q, blocks);
      await insertEvents(q, decoded, blocks, this.c);
      if (snapshot) {
        await insertSnapshot(q, snapshot);
        await foldSnapshot(q, snapshot.blockNumber);
      }
      await q.query(
        `INSERT INTO indexer_cursor (id, block_number, block_hash) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash`,
        [to.toString(), end.hash],
      );
    });
    this.stats.cursor = to;
    this.stats.events += decoded.length;
    if (snapshot) {
      this.lastSnapshotBlock = to;
      this.stats.snapshots++;
      this.stats.lastSnapshotAt = Number(end.timestamp);
    }
    return to === head;
  }

  /** Rolls back to the newest stored block whose hash is still canonical. */
  async rewind() {
    const stored = await this.db.query<{ number: string; hash: string }>('SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 512');
    let ancestor: { number: bigint; hash: string } | null = null;
    for (const b of stored) {
      const onChain = await this.client.getBlock({ blockNumber: BigInt(b.number) }).catch(() => null);
      if (onChain && onChain.hash === b.hash) {
        ancestor = { number: BigInt(b.number), hash: b.hash };
        break;
      }
    }
    const keep = ancestor ? ancestor.number : this.c.startBlock - 1n;
    await this.db.tx(async (q) => {
      await q.query('DELETE FROM events WHERE block_number > $1', [keep.toString()]);
      const [gone] = await q.query<{ from: string | null }>('SELECT min(timestamp) AS from FROM snapshots WHERE block_number > $1', [keep.toString()]);
      await q.query('DELETE FROM snapshots WHERE block_number > $1', [keep.toString()]);
      if (gone?.from != null) await rebuildRollups(q, BigInt(gone.from));
      await q.query('DELETE FROM blocks WHERE number > $1', [keep.toString()]);
      if (ancestor) await q.query('UPDATE indexer_cursor SET block_number = $1, block_hash = $2 WHERE id = 1', [keep.toString(), ancestor.hash]);
      else await q.query('DELETE FROM indexer_cursor WHERE id = 1');
    });
    this.stats.reorgs++;
    this.lastSnapshotBlock = -1n;
    this.log.warn('reorg: rewound', { toBlock: keep.toString() });
  }

  private readerSince: bigint | null = null;

  /** The deploy script's first blocks precede the Reader: no snapshot before it has code. */
  private async readerLive(blockNumber: bigint) {
    if (this.readerSince !== null && blockNumber >= this.readerSince) return true;
    const code = await this.client.getCode({ address: this.c.reader.address, blockNumber });
    if (code && code !== '0x') {
      this.readerSince = blockNumber;
      return true;
    }
    return false;
  }

  async readSnapshot(blockNumber: bigint, timestamp: bigint) {
    const [pool, markets] = await Promise.all([
      this.client.readContract({ ...this.c.reader, functionName: 'poolView', blockNumber }),
      this.client.readContract({ ...this.c.reader, functionName: 'markets', blockNumber }),
    ]);
    return { blockNumber, timestamp, pool, markets };
  }
}

type Snapshot = Awaited<ReturnType<Indexer['readSnapshot']>>;

async function insertBlocks(q: Queryable, blocks: Map<bigint, { hash: Hex; parentHash: Hex; timestamp: bigint }>) {
  for (const [n, b] of blocks) {
    await q.query('INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp', [
      n.toString(),
      b.hash,
      b.parentHash,
      b.timestamp.toString(),
    ]);
  }
}

type DecodedLog = { blockNumber: bigint | null; logIndex: number | null; transactionHash: Hex | null; address: Hex; eventName?: string; args?: unknown };

async function insertEvents(q: Queryable, logs: DecodedLog[], blocks: Map<bigint, { timestamp: bigint }>, c: CounterpoolContracts) {
  const rows: unknown[][] = [];
  for (const l of logs) {
    const args = (l.args ?? {}) as Record<string, unknown>;
    rows.push([
      l.blockNumber!.toString(),
      l.logIndex!,
      l.transactionHash,
      l.address.toLowerCase() === c.engine.address.toLowerCase() ? 'engine' : 'pool',
      l.eventName ?? 'Unknown',
      args.marketId !== undefined ? Number(args.marketId) : null,
      typeof args.account === 'string' ? args.account.toLowerCase() : typeof args.owner === 'string' ? args.owner.toLowerCase() : null,
      typeof args.isLong === 'boolean' ? args.isLong : null,
      blocks.get(l.blockNumber!)!.timestamp.toString(),
      json(args),
    ]);
  }
  // multi-row inserts keep backfill fast; ON CONFLICT makes replays after a crash idempotent
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const values = chunk.map((_, r) => `(${Array.from({ length: 10 }, (_, k) => `$${r * 10 + k + 1}`).join(', ')})`).join(', ');
    await q.query(
      `INSERT INTO events (block_number, log_index, tx_hash, contract, name, market_id, account, is_long, timestamp, args) VALUES ${values} ON CONFLICT DO NOTHING`,
      chunk.flat(),
    );
  }
}

async function insertSnapshot(q: Queryable, s: Snapshot) {
  const p = s.pool;
  const base = [s.blockNumber.toString(), s.timestamp.toString()];
  await q.query(
    `INSERT INTO snapshots (block_number, timestamp, market_id, utilization, nav, share_price, pool_cash, reserved, free_liquidity, bad_debt, borrow_rate)
     VALUES ($1, $2, -1, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
    [...base, p.utilizationWad, p.navUsd, p.sharePriceWad, p.poolCashUsd, p.reservedUsd, p.freeLiquidityUsd, p.badDebtUsd, p.borrowRateWad].map(String),
  );
  for (const m of s.markets) {
    await q.query(
      `INSERT INTO snapshots (block_number, timestamp, market_id, price, long_oi, short_oi, net_exposure, funding_rate, borrow_rate, sigma, mmr, max_leverage, utilization)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
      [
        ...base,
        String(m.marketId),
        String(m.priceWad),
        String(m.state.longOiUsd),
        String(m.state.shortOiUsd),
        String(m.skewUsd),
        String(m.state.fundingRateWad),
        String(m.borrowRateWad),
        String(m.volatilityWad),
        String(m.maintenanceMarginWad),
        String(m.maxLeverageWad),
        String(m.utilizationWad),
      ],
    );
  }
}
