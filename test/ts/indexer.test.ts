/**
 * Indexer against a real chain: after simulated activity its tables equal a recomputation from the chain; a crash in
 * the middle of a range loses and duplicates nothing; a depth-3 reorg is rolled back and re-ingested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLogs } from 'viem';
import { liquidityPoolAbi, perpEngineAbi } from '@/lib/contracts';
import { openDb, type Db } from '@/services/indexer/db';
import { Indexer } from '@/services/indexer/ingest';
import { createLogger } from '@/services/lib/runtime';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, close, deposit, open, price, setPrice, USD } from './fixtures';

const log = createLogger('indexer-test');
let db: Db;

async function chainEvents() {
  const { publicClient } = clients();
  const logs = await publicClient.getLogs({ address: [c.engine.address, c.pool.address], fromBlock: c.startBlock, toBlock: 'latest' });
  return parseEventLogs({ abi: [...perpEngineAbi, ...liquidityPoolAbi], logs }).map((l) => `${l.blockNumber}:${l.logIndex}:${l.eventName}`);
}

async function dbEvents() {
  const rows = await db.query<{ block_number: string; log_index: number; name: string }>('SELECT block_number, log_index, name FROM events ORDER BY block_number, log_index');
  return rows.map((r) => `${r.block_number}:${r.log_index}:${r.name}`);
}

async function runToHead(ix: Indexer) {
  for (let i = 0; i < 1000; i++) if (await ix.step()) return;
  throw new Error('indexer did not reach the head');
}

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  process.env.RPC_URL = rpcUrl();
  db = await openDb({ url: undefined, dataDir: 'memory://', port: 5544 });
  await deposit(3, USD(500_000));
  const p0 = await price(0);
  for (let i = 0; i < 4; i++) {
    await open(6 + i, i % 2, i % 2 === 0, USD(1000), USD(5000 + i * 1000));
    await setPrice(0, (p0 * BigInt(1000 + i * 3)) / 1000n);
  }
  await close(6, 0, true);
});

afterAll(async () => {
  await db.close();
});

describe('indexer', () => {
  it('tables equal a recomputation from the chain, with snapshots of the live state', async () => {
    const { publicClient } = clients();
    const ix = new Indexer(db, publicClient, c, log, { range: 7n, snapshotEvery: 1n, snapshotWindow: 1000n });
    await runToHead(ix);
    expect(await dbEvents()).toEqual(await chainEvents());
    const [snap] = await db.query<{ nav: string; block_number: string }>('SELECT nav, block_number FROM snapshots WHERE market_id = -1 ORDER BY block_number DESC LIMIT 1');
    const nav = await publicClient.readContract({ address: c.pool.address, abi: c.pool.abi, functionName: 'totalAssets', blockNumber: BigInt(snap.block_number) });
    expect(snap.nav).toBe(nav.toString());
  });

  it('a crash inside a range commits nothing, and a restart loses and duplicates nothing', async () => {
    const { publicClient } = clients();
    await open(10, 0, false, USD(2000), USD(10_000));
    await open(11, 1, true, USD(2000), USD(8000));
    // A database that dies mid-transaction (after the events are written, before the cursor).
    let armed = true;
    const crashing: Db = {
      ...db,
      tx: (fn) =>
        db.tx(async (q) => {
          const out = await fn({
            query: async (sql, params) => {
              if (armed && sql.startsWith('INSERT INTO indexer_cursor')) throw new Error('simulated kill -9');
              return q.query(sql, params);
            },
          });
          return out;
        }),
    };
    const dying = new Indexer(crashing, publicClient, c, log, { range: 3n, snapshotEvery: 5n, snapshotWindow: 0n });
    await expect(dying.step()).rejects.toThrow('simulated kill -9');
    armed = false;
    const restarted = new Indexer(db, publicClient, c, log, { range: 3n, snapshotEvery: 5n, snapshotWindow: 0n });
    await runToHead(restarted);
    const got = await dbEvents();
    expect(got).toEqual(await chainEvents());
    expect(new Set(got).size).toBe(got.length);
  });

  it('rolls back a depth-3 reorg and re-ingests the canonical chain', async () => {
    const { publicClient, testClient } = clients();
    const ix = new Indexer(db, publicClient, c, log, { range: 50n, snapshotEvery: 1n, snapshotWindow: 1000n });
    await open(12, 0, true, USD(1000), USD(3000));
    await open(13, 0, false, USD(1000), USD(3000));
    await open(14, 1, true, USD(1000), USD(3000));
    await runToHead(ix);
    const before = await dbEvents();
    // Replace the last 3 blocks with empty ones: the three opens vanish from the chain.
    await testClient.request({ method: 'anvil_reorg' as never, params: [3, []] as never });
    await runToHead(ix);
    const after = await dbEvents();
    expect(ix.stats.reorgs).toBeGreaterThan(0);
    expect(after).toEqual(await chainEvents());
    expect(after.length).toBeLessThan(before.length);
    const stale = await db.query('SELECT 1 FROM blocks b WHERE b.number > (SELECT block_number FROM indexer_cursor)');
    expect(stale).toHaveLength(0);
  });
});
