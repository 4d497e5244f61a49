/**
 * Event ingestion and snapshots. Per block range, one transaction stores the events (unique by block and log index,
 * so replays are no-ops), the range's boundary block hash and the cursor. Before each range the stored cursor hash is
 * compared with the chain; on another hash there the indexer rewinds to the newest stored block still on the chain. A
 * cursor block the node does not have is a node behind the head (thrown to the main loop's retry) unless the node
 * disagrees on the oldest stored block (another chain: rewound); any failed read (a timeout, a 5xx, a rate limit) is
 * thrown to the retry, never taken for a reorg. The range's last block is read before its logs, and every log must carry the
 * hash stored for its block, so a reorg while a range is read is either retried or found by the next cursor check.
 */
import { parseEventLogs, type Hex, type PublicClient } from 'viem';
import { indexedAddresses, indexedEventsAbi, type CounterpoolContracts } from '../../lib/contracts';
import type { Logger } from '../lib/runtime';
import { qb, run, type Queryable } from '../../lib/db';
import { foldSnapshot, rebuildRollups } from '../../lib/rollups';
import type { Db } from './db';
import { errorForLog } from '../../lib/errors';
import type { IndexedEvent } from '../../lib/events';
import { LogRange } from '../lib/logs';
import { nullIfNotFound } from '../../lib/notFound';
import { bookAt } from '../../lib/math/options';

const ABI = indexedEventsAbi;
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

export interface IndexerOptions {
  range: bigint; // blocks per getLogs, at most (fewer while the node refuses a range: LogRange)
  snapshotEvery: bigint; // blocks between snapshots
  snapshotWindow: bigint; // only snapshot blocks this close to the head (history needs an archive node)
  confirmations?: bigint; // blocks behind the node's head the index stays (default 0: the head itself)
  /** whether a node on which no stored block is canonical may wipe the index and start over (a local chain restarted
   *  under the same addresses; the default); if not, the indexer stops instead (a wrong RPC_URL, or a reorg deeper than
   *  the blocks it keeps: review BR found the whole history, snapshots included, deleted for good) */
  allowReset?: boolean;
}

export class Indexer {
  lastSnapshotBlock = -1n;
  stats = { head: 0n, cursor: -1n, events: 0, snapshots: 0, reorgs: 0, lastSnapshotAt: 0 };
  private readonly range: LogRange;

  constructor(
    private db: Db,
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: Logger,
    private opts: IndexerOptions,
  ) {
    this.range = new LogRange(opts.range, log, 'indexer');
  }

  async cursor(): Promise<{ block: bigint; hash: Hex } | null> {
    const rows = await run(this.db, qb.selectFrom('indexer_cursor').select(['block_number', 'block_hash']).where('id', '=', 1));
    return rows[0] ? { block: BigInt(rows[0].block_number), hash: rows[0].block_hash as Hex } : null;
  }

  /** Ingests up to one range; returns true when it reached the head. */
  async step(): Promise<boolean> {
    // a node's head less the confirmations asked for: a backend behind a load balancer that lags the head by fewer
    // blocks than that cannot answer a range's logs short of its end (INDEXER_CONFIRMATIONS, review BR)
    const latest = await this.client.getBlockNumber();
    const confirmations = this.opts.confirmations ?? 0n;
    const head = latest > confirmations ? latest - confirmations : 0n;
    this.stats.head = head;
    let cur = await this.cursor();
    if (cur) {
      // Only another hash at the cursor's height is a reorg. A failed read (a timeout, a 5xx, a rate limit) is thrown
      // to the main loop's retry (review AV: read as a reorg, a few minutes of 503s rewound and deleted the whole index,
      // snapshots too), and so is a block the node does not have: a backend behind a load balancer that lags the head
      // (review AW: taken for a reorg, it wiped the index the same way), or a chain a reorg shortened, which grows past
      // the cursor again and then shows its other hash.
      // A node without the cursor's block is another chain only if it disagrees on the oldest block the index holds
      // (a local chain started anew under the same deployment addresses); else the step waits for it.
      const onChain = await this.client.getBlock({ blockNumber: cur.block }).catch(nullIfNotFound('BlockNotFoundError'));
      if (!onChain && !(await this.oldestDiffers())) throw new NodeBehindError(cur.block);
      if (!onChain || onChain.hash !== cur.hash) {
        await this.rewind();
        cur = await this.cursor();
      }
    }
    const from = cur ? cur.block + 1n : this.c.startBlock;
    if (from > head) return true;
    // The range's last block is read before its logs, as the keeper's syncs do (SyncCheckpoints.readRange): a reorg
    // after that read leaves the cursor on a hash the chain no longer has, which the next step finds and rewinds.
    const blocks = new Map<bigint, { hash: Hex; parentHash: Hex; timestamp: bigint }>();
    const { to, logs } = await this.range.fetch(from, head, async (fromBlock, toBlock) => {
      const b = await this.client.getBlock({ blockNumber: toBlock });
      blocks.set(toBlock, { hash: b.hash!, parentHash: b.parentHash, timestamp: b.timestamp });
      return this.client.getLogs({ address: indexedAddresses(this.c), fromBlock, toBlock });
    });
    for (const n of blocks.keys()) if (n !== to) blocks.delete(n); // the read of a larger range the node refused
    // The range must follow the cursor's block: a reorg (or a backend behind a load balancer still on the old chain)
    // between the cursor's check and these reads would otherwise keep the replaced block's events under a cursor on
    // the new chain, counted twice with their re-mined copies, and never rewound (review BR). Retried: the next step
    // checks the cursor again and rewinds if it is gone.
    if (cur) {
      const first = from === to ? blocks.get(to)! : await this.client.getBlock({ blockNumber: from });
      if (first.parentHash !== cur.hash) throw new Error(`block ${from} does not follow the cursor's block ${cur.block}: retried`);
    }
    const decoded = parseEventLogs({ abi: ABI, logs, strict: false });
    const nums = [...new Set(decoded.map((l) => l.blockNumber!))].filter((n) => !blocks.has(n));
    for (let i = 0; i < nums.length; i += 50) {
      const got = await Promise.all(nums.slice(i, i + 50).map((n) => this.client.getBlock({ blockNumber: n })));
      for (const b of got) blocks.set(b.number!, { hash: b.hash!, parentHash: b.parentHash, timestamp: b.timestamp });
    }
    // Every log must be of the block whose hash is stored with it: one that changed while the range was read is
    // retried, so no event of an orphaned block is kept under its replacement's hash (review AV).
    for (const l of decoded) {
      if (blocks.get(l.blockNumber!)!.hash !== l.blockHash) throw new Error(`block ${l.blockNumber} changed while its logs were read: retried`);
    }
    const end = blocks.get(to)!;
    const due = head - to <= this.opts.snapshotWindow && (this.lastSnapshotBlock < 0n || to - this.lastSnapshotBlock >= this.opts.snapshotEvery);
    // A snapshot that cannot be read (a node without that state, a view reverting) never holds back the events.
    const snapshot =
      due && (await this.readerLive(to))
        ? await this.readSnapshot(to, end.timestamp).catch((e: Error) => {
            this.log.warn('snapshot skipped', { block: to.toString(), error: errorForLog(e) });
            return null;
          })
        : null;

    await this.db.tx(async (q) => {
      await insertBlocks(q, blocks);
      await insertEvents(q, decoded, blocks, this.c);
      if (snapshot) {
        await insertSnapshot(q, snapshot);
        await foldSnapshot(q, snapshot.blockNumber);
      }
      await run(
        q,
        qb
          .insertInto('indexer_cursor')
          .values({ id: 1, block_number: to, block_hash: end.hash })
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ block_number: eb.ref('excluded.block_number'), block_hash: eb.ref('excluded.block_hash') }))),
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

  /** Whether the node has the oldest block the index holds under another hash: it serves another chain. */
  private async oldestDiffers(): Promise<boolean> {
    const [oldest] = await run(this.db, qb.selectFrom('blocks').select(['number', 'hash']).orderBy('number', 'asc').limit(1));
    if (!oldest) return true; // nothing stored to disagree with: the cursor alone, which the node does not have
    const onChain = await this.client.getBlock({ blockNumber: BigInt(oldest.number) }).catch(nullIfNotFound('BlockNotFoundError'));
    return onChain !== null && onChain.hash !== oldest.hash;
  }

  /** Rolls back to the newest stored block whose hash is still canonical (a stored block the node does not have is
   *  passed over: the chain diverged below it, which the caller has found). */
  async rewind() {
    const stored = await run(this.db, qb.selectFrom('blocks').select(['number', 'hash']).orderBy('number', 'desc').limit(512));
    let ancestor: { number: bigint; hash: string } | null = null;
    for (const b of stored) {
      const onChain = await this.client.getBlock({ blockNumber: BigInt(b.number) }).catch(nullIfNotFound('BlockNotFoundError'));
      if (onChain && onChain.hash === b.hash) {
        ancestor = { number: BigInt(b.number), hash: b.hash };
        break;
      }
    }
    if (!ancestor && this.opts.allowReset === false) {
      throw new IndexResetRefused(stored.length);
    }
    const keep = ancestor ? ancestor.number : this.c.startBlock - 1n;
    await this.db.tx(async (q) => {
      await run(q, qb.deleteFrom('events').where('block_number', '>', keep.toString()));
      const [gone] = await run(q, qb.selectFrom('snapshots').select((eb) => eb.fn.min('timestamp').as('from')).where('block_number', '>', keep.toString()));
      await run(q, qb.deleteFrom('snapshots').where('block_number', '>', keep.toString()));
      if (gone?.from != null) await rebuildRollups(q, BigInt(gone.from));
      await run(q, qb.deleteFrom('blocks').where('number', '>', keep.toString()));
      if (ancestor) await run(q, qb.updateTable('indexer_cursor').set({ block_number: keep, block_hash: ancestor.hash }).where('id', '=', 1));
      else await run(q, qb.deleteFrom('indexer_cursor').where('id', '=', 1));
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
    const [pool, markets, books] = await Promise.all([
      this.client.readContract({ ...this.c.reader, functionName: 'poolView', blockNumber }),
      this.client.readContract({ ...this.c.reader, functionName: 'markets', blockNumber }),
      // The options book's greeks per market (at its last refresh, plus trades since): the pool holds the other side.
      Promise.all(this.c.markets.map((m) => this.client.readContract({ ...this.c.optionsBook, functionName: 'book', args: [BigInt(m.id)], blockNumber }))),
    ]);
    return { blockNumber, timestamp, pool, markets, books };
  }
}

/** The node does not have a block the index holds: it is behind (or a reorg shortened the chain); the step waits. */
/** No block the index holds is on the node's chain, and the index may not be wiped (IndexerOptions.allowReset). */
export class IndexResetRefused extends Error {
  constructor(readonly storedBlocks: number) {
    super(`none of the ${storedBlocks} newest indexed blocks is on the node's chain (RPC_URL on another network, or a reorg deeper than the index keeps): stopped rather than delete the index; check RPC_URL, or set INDEXER_ALLOW_RESET=1 to rebuild it`);
    this.name = 'IndexResetRefused';
  }
}

export class NodeBehindError extends Error {
  constructor(readonly blockNumber: bigint) {
    super(`the node does not have block ${blockNumber}, which the index holds (a node behind the head, or a chain a reorg shortened): retried`);
    this.name = 'NodeBehindError';
  }
}

type Snapshot = Awaited<ReturnType<Indexer['readSnapshot']>>;

async function insertBlocks(q: Queryable, blocks: Map<bigint, { hash: Hex; parentHash: Hex; timestamp: bigint }>) {
  const rows = [...blocks].map(([n, b]) => ({ number: n, hash: b.hash, parent_hash: b.parentHash, timestamp: b.timestamp }));
  for (let i = 0; i < rows.length; i += 1000) {
    await run(
      q,
      qb
        .insertInto('blocks')
        .values(rows.slice(i, i + 1000))
        .onConflict((oc) =>
          oc.column('number').doUpdateSet((eb) => ({ hash: eb.ref('excluded.hash'), parent_hash: eb.ref('excluded.parent_hash'), timestamp: eb.ref('excluded.timestamp') })),
        ),
    );
  }
}

/** A log parseEventLogs decoded against the indexed ABIs (it drops the rest), so its name is one of theirs. */
type DecodedLog = { blockNumber: bigint | null; blockHash?: Hex | null; logIndex: number | null; transactionHash: Hex | null; address: Hex; eventName: IndexedEvent; args?: unknown };

/** Which of the indexed contracts emitted a log (the `events.contract` column). */
function contractOf(address: Hex, c: CounterpoolContracts): 'core' | 'engine' | 'pool' | 'options' | 'orders' {
  const a = address.toLowerCase();
  if (a === c.core.address.toLowerCase()) return 'core';
  if (a === c.optionsBook.address.toLowerCase()) return 'options';
  if (a === c.orderBook.address.toLowerCase()) return 'orders';
  return a === c.engine.address.toLowerCase() ? 'engine' : 'pool';
}

async function insertEvents(q: Queryable, logs: DecodedLog[], blocks: Map<bigint, { timestamp: bigint }>, c: CounterpoolContracts) {
  const rows = logs.map((l) => {
    const args = (l.args ?? {}) as Record<string, unknown>;
    return {
      block_number: l.blockNumber!,
      log_index: l.logIndex!,
      tx_hash: l.transactionHash!,
      contract: contractOf(l.address, c),
      name: l.eventName,
      market_id: args.marketId !== undefined ? Number(args.marketId) : null,
      account: typeof args.account === 'string' ? args.account.toLowerCase() : typeof args.owner === 'string' ? args.owner.toLowerCase() : null,
      is_long: typeof args.isLong === 'boolean' ? args.isLong : null,
      timestamp: blocks.get(l.blockNumber!)!.timestamp,
      args: json(args),
    };
  });
  // multi-row inserts keep backfill fast; ON CONFLICT makes replays after a crash idempotent
  for (let i = 0; i < rows.length; i += 200) {
    await run(q, qb.insertInto('events').values(rows.slice(i, i + 200)).onConflict((oc) => oc.doNothing()));
  }
}

/** A market's options book at the snapshot's price and time (undefined without a book or a valid price). */
function optionsAt(s: Snapshot, m: Snapshot['markets'][number]) {
  const b = s.books[Number(m.marketId)];
  if (!b || !m.priceValid) return undefined;
  return bookAt(b, m.priceWad, s.timestamp);
}

async function insertSnapshot(q: Queryable, s: Snapshot) {
  const p = s.pool;
  const at = { block_number: s.blockNumber, timestamp: s.timestamp };
  const pool = {
    ...at,
    market_id: -1,
    utilization: p.utilizationWad,
    // a stale market with open interest leaves the NAV undefined: recorded as missing, not as zero
    nav: p.navValid ? p.navUsd : null,
    share_price: p.navValid ? p.sharePriceWad : null,
    pool_cash: p.poolCashUsd,
    reserved: p.reservedUsd,
    free_liquidity: p.freeLiquidityUsd,
    bad_debt: p.badDebtUsd,
    borrow_rate: p.borrowRateWad,
  };
  const markets = s.markets.map((m) => ({
    ...at,
    market_id: Number(m.marketId),
    // a stale market's price-derived values are recorded as missing
    price: m.priceValid ? m.priceWad : null,
    long_oi: m.state.longOiUsd,
    short_oi: m.state.shortOiUsd,
    net_exposure: m.skewUsd, // long less short open interest at entry (USD): what impact and funding read
    perp_net_tokens: BigInt(m.state.longTokens) - BigInt(m.state.shortTokens),
    funding_rate: m.state.fundingRateWad,
    borrow_rate: m.borrowRateWad,
    sigma: m.volatilityWad,
    mmr: m.priceValid ? m.maintenanceMarginWad : null,
    max_leverage: m.priceValid ? m.maxLeverageWad : null,
    utilization: m.utilizationWad,
    // options held by traders on this market (the pool is short them): value (USD WAD) and delta (tokens) moved from
    // the cache's reference point to this price and time as the chain's NAV moves them (review: the reference point's
    // delta read a third low 2% away from it), gamma, vega (USD per 1.0 of volatility), theta (USD per second), all WAD
    options_value: optionsAt(s, m)?.valueWad ?? null,
    options_delta: optionsAt(s, m)?.deltaWad ?? null,
    options_gamma: s.books[Number(m.marketId)]?.gammaWad ?? null,
    options_vega: s.books[Number(m.marketId)]?.vegaWad ?? null,
    options_theta: s.books[Number(m.marketId)]?.thetaWad ?? null,
  }));
  await run(q, qb.insertInto('snapshots').values([pool, ...markets]).onConflict((oc) => oc.doNothing()));
}
