/**
 * The indexer against a scripted node that fails as hosted nodes do (no anvil; the test database, PGlite or a real
 * PostgreSQL server). Review AV found:
 *  1. A transient RPC failure (timeout, 5xx, rate limit) on getBlock is read as a reorg, and rewind() with the same
 *     failures finds no ancestor and deletes every event, snapshot and block and the cursor.
 *  2. step() reads the logs first and the block hashes after: a reorg between the two stores logs of the orphaned block
 *     under the new block's hash, and the cursor check never sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAbiParameters, encodeEventTopics, type Hex } from 'viem';
import type { Db } from '@/services/indexer/db';
import { IndexResetRefused, Indexer, NodeBehindError } from '@/services/indexer/ingest';
import { contractsFor, indexedEventsAbi } from '@/lib/contracts';
import { createLogger } from '@/services/lib/runtime';
import { openTestDb } from './db';

const c = contractsFor(31337);
const log = createLogger('indexer-test');
let db: Db;
const h = (n: bigint, fork = 'a') => `0x${fork.repeat(8)}${n.toString(16).padStart(56, '0')}` as Hex;

beforeAll(async () => {
  db = await openTestDb(5553);
});
afterAll(async () => db?.close());

async function count(table: string) {
  return Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0].n);
}

function refundLog(block: bigint, blockHash: Hex, logIndex = 0) {
  const topics = encodeEventTopics({ abi: indexedEventsAbi, eventName: 'RefundClaimed', args: { account: '0x' + '11'.repeat(20), to: '0x' + '22'.repeat(20) } as never });
  return {
    address: c.core.address,
    topics,
    data: encodeAbiParameters([{ type: 'uint256' }], [123n]),
    blockNumber: block,
    blockHash,
    logIndex,
    transactionHash: h(block, 'f'),
    transactionIndex: 0,
    removed: false,
  };
}

/** An index at S+10: blocks S+5 and S+10 with one event each, the cursor at S+10. */
async function seedIndex(S: bigint) {
  await db.query(`DELETE FROM events; DELETE FROM blocks; DELETE FROM snapshots; DELETE FROM indexer_cursor;`);
  for (const n of [S + 5n, S + 10n]) {
    await db.query('INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $4)', [n.toString(), h(n), h(n - 1n), (1000n + n).toString()]);
    await db.query(`INSERT INTO events (block_number, log_index, tx_hash, contract, name, timestamp, args) VALUES ($1, 0, $2, 'core', 'RefundClaimed', $3, '{}')`, [n.toString(), h(n, 'f'), (1000n + n).toString()]);
  }
  await db.query('INSERT INTO indexer_cursor (id, block_number, block_hash) VALUES (1, $1, $2)', [(S + 10n).toString(), h(S + 10n)]);
}

describe('indexer on a flaky or reorging node', () => {
  it('a transient RPC error on getBlock does not wipe the index', async () => {
    const S = c.startBlock;
    await seedIndex(S);
    await db.query('INSERT INTO snapshots (block_number, timestamp, market_id) VALUES ($1, $2, -1)', [(S + 10n).toString(), (1010n + S).toString()]);

    // the node answers its head, then its block reads fail for a while (HTTP 503 / timeout / 429): no reorg happened
    const client = {
      getBlockNumber: async () => S + 12n,
      getBlock: async () => {
        throw new Error('HTTP request failed. Status: 503');
      },
      getLogs: async () => {
        throw new Error('HTTP request failed. Status: 503');
      },
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n });
    await expect(ix.step()).rejects.toThrow(/503/); // the error is the main loop's retry
    // nothing the node did not disown may be deleted
    expect(await count('events')).toBe(2);
    expect(await count('snapshots')).toBe(1);
    expect(await count('indexer_cursor')).toBe(1);
  });

  it('a node behind the index waits (nothing deleted); a reorg found by another hash rewinds to the newest block still on the chain', async () => {
    const S = c.startBlock;
    await seedIndex(S);
    // first a backend behind a load balancer at S+3 (review AW): it has neither S+5 nor S+10 (viem's BlockNotFoundError)
    let tip = S + 3n;
    const fork = (n: bigint) => (n > S + 6n ? 'b' : 'a'); // the chain the node serves once caught up: S+7 on replaced
    const client = {
      getBlockNumber: async () => S + 12n,
      getBlock: async ({ blockNumber: n }: { blockNumber: bigint }) => {
        if (n > tip) throw Object.assign(new Error(`Block at number "${n}" could not be found.`), { name: 'BlockNotFoundError' });
        return { number: n, hash: h(n, fork(n)), parentHash: h(n - 1n, fork(n - 1n)), timestamp: 1000n + n };
      },
      getLogs: async () => [],
      getCode: async () => '0x',
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n });
    await expect(ix.step()).rejects.toThrow(NodeBehindError);
    expect(await count('events')).toBe(2);
    expect(await count('indexer_cursor')).toBe(1);
    // caught up, with S+10 replaced by a reorg that kept S+5: rewound to S+5, then ingested to the head
    tip = S + 12n;
    await ix.step();
    const rows = await db.query<{ block_number: string }>('SELECT block_number FROM events');
    expect(rows.map((r) => BigInt(r.block_number))).toEqual([S + 5n]);
    const cursor = await db.query<{ block_number: string; block_hash: string }>('SELECT block_number, block_hash FROM indexer_cursor');
    expect([BigInt(cursor[0].block_number), cursor[0].block_hash]).toEqual([S + 12n, h(S + 12n, 'b')]);
    expect(ix.stats.reorgs).toBe(1);
  });

  it('a node serving another chain (a local chain started anew at the same addresses) is rewound, not waited on', async () => {
    const S = c.startBlock;
    await seedIndex(S);
    // the node's chain is at S+6 and has other hashes everywhere: S+10 is not there, S+5 is another block
    const client = {
      getBlockNumber: async () => S + 6n,
      getBlock: async ({ blockNumber: n }: { blockNumber: bigint }) => {
        if (n > S + 6n) throw Object.assign(new Error(`Block at number "${n}" could not be found.`), { name: 'BlockNotFoundError' });
        return { number: n, hash: h(n, 'c'), parentHash: h(n - 1n, 'c'), timestamp: 1000n + n };
      },
      getLogs: async () => [],
      getCode: async () => '0x',
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n });
    await ix.step();
    expect(await count('events')).toBe(0);
    const cursor = await db.query<{ block_number: string; block_hash: string }>('SELECT block_number, block_hash FROM indexer_cursor');
    expect([BigInt(cursor[0].block_number), cursor[0].block_hash]).toEqual([S + 6n, h(S + 6n, 'c')]);
  });

  it('a range that does not follow the cursor is refused (review BR: the replaced block stayed, its re-mined copy counted again)', async () => {
    const S = c.startBlock;
    await seedIndex(S);
    // the cursor's block S+10 still answers under its old hash (a backend still on the old chain, or a reorg right after
    // the check); the range read after it is the new chain, whose S+11 descends from another S+10 and re-mines its event
    const fork = (n: bigint) => (n > S + 10n ? 'b' : 'a');
    const client = {
      getBlockNumber: async () => S + 12n,
      getBlock: async ({ blockNumber: n }: { blockNumber: bigint }) => ({ number: n, hash: h(n, fork(n)), parentHash: h(n - 1n, n > S + 10n ? 'b' : 'a'), timestamp: 1000n + n }),
      getLogs: async () => [refundLog(S + 11n, h(S + 11n, 'b'))],
      getCode: async () => '0x',
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n });
    await expect(ix.step()).rejects.toThrow(/does not follow the cursor/);
    expect(await count('events')).toBe(2); // neither the new chain's event under the old cursor nor a moved cursor
    const cursor = await db.query<{ block_number: string }>('SELECT block_number FROM indexer_cursor');
    expect(BigInt(cursor[0].block_number)).toBe(S + 10n);
  });

  it('off the local chain, a node on which no indexed block is canonical stops the indexer instead of wiping it', async () => {
    const S = c.startBlock;
    await seedIndex(S);
    await db.query('INSERT INTO snapshots (block_number, timestamp, market_id) VALUES ($1, $2, -1)', [(S + 10n).toString(), (1010n + S).toString()]);
    // another network's node (a wrong RPC_URL): every block has other hashes
    const client = {
      getBlockNumber: async () => S + 20n,
      getBlock: async ({ blockNumber: n }: { blockNumber: bigint }) => ({ number: n, hash: h(n, 'd'), parentHash: h(n - 1n, 'd'), timestamp: 1000n + n }),
      getLogs: async () => [],
      getCode: async () => '0x',
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n, allowReset: false });
    await expect(ix.step()).rejects.toThrow(IndexResetRefused);
    expect(await count('events')).toBe(2);
    expect(await count('snapshots')).toBe(1);
    expect(await count('indexer_cursor')).toBe(1);
  });

  it('a reorg between getLogs and getBlock leaves no orphaned event under the new hash', async () => {
    const S = c.startBlock;
    await db.query(`DELETE FROM events; DELETE FROM blocks; DELETE FROM snapshots; DELETE FROM indexer_cursor;`);
    await db.query('INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, 1)', [S.toString(), h(S), h(S - 1n)]);
    await db.query('INSERT INTO indexer_cursor (id, block_number, block_hash) VALUES (1, $1, $2)', [S.toString(), h(S)]);
    let reorged = false; // block S+1 is replaced (fork 'b', no events) right after the indexer's getLogs answered
    const client = {
      getBlockNumber: async () => S + 1n,
      getBlock: async ({ blockNumber: n }: { blockNumber: bigint }) => ({ number: n, hash: n === S + 1n && reorged ? h(n, 'b') : h(n), parentHash: h(n - 1n), timestamp: 1000n + n }),
      getLogs: async () => {
        const logs = [refundLog(S + 1n, h(S + 1n, 'a'))];
        reorged = true;
        return logs;
      },
      getCode: async () => '0x',
    };
    const ix = new Indexer(db, client as never, c, log, { range: 100n, snapshotEvery: 3n, snapshotWindow: 50n });
    await ix.step().catch(() => {}); // refusing the range (to retry it) is fine
    await ix.step().catch(() => {}); // the next pass: the chain's block S+1 (fork b) has no events
    const rows = await db.query<{ block_number: string }>('SELECT block_number FROM events');
    // the orphaned block's RefundClaimed must not be in the index (fork b's S+1 has none)
    expect(rows).toEqual([]);
  });
});
