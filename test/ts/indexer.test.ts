/**
 * Indexer against a real chain: after simulated activity its tables equal a recomputation from the chain; a crash in
 * the middle of a range loses and duplicates nothing; a depth-3 reorg is rolled back and re-ingested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLogs } from 'viem';
import { indexedAddresses, indexedEventsAbi } from '@/lib/contracts';
import type { Db } from '@/services/indexer/db';
import { Indexer } from '@/services/indexer/ingest';
import { ROLLUP_RESOLUTIONS, SNAPSHOT_FIELDS } from '@/lib/rollups';
import { createLogger } from '@/services/lib/runtime';
import { clients, isolateChain, rpcUrl } from './helpers';
import { dbKind, openTestDb } from './db';
import { c, close, deposit, open, price, setPrice, USD } from './fixtures';

const log = createLogger('indexer-test');
let db: Db;

async function chainEvents() {
  const { publicClient } = clients();
  const logs = await publicClient.getLogs({ address: indexedAddresses(c), fromBlock: c.startBlock, toBlock: 'latest' });
  return parseEventLogs({ abi: indexedEventsAbi, logs }).map((l) => `${l.blockNumber}:${l.logIndex}:${l.eventName}`);
}

async function dbEvents() {
  const rows = await db.query<{ block_number: string; log_index: number; name: string }>('SELECT block_number, log_index, name FROM events ORDER BY block_number, log_index');
  return rows.map((r) => `${r.block_number}:${r.log_index}:${r.name}`);
}

/** Rollup rows that differ from a recomputation over the snapshots (either way); empty when they agree. */
async function rollupMismatches() {
  const res = `(VALUES ${ROLLUP_RESOLUTIONS.map((r) => `(${r})`).join(', ')}) AS r(res)`;
  const cols = `resolution, market_id, bucket, block_number, timestamp, ${SNAPSHOT_FIELDS.join(', ')}`;
  return db.query(
    `WITH expected AS (
       SELECT DISTINCT ON (r.res, market_id, (timestamp / r.res) * r.res)
              r.res AS resolution, market_id, (timestamp / r.res) * r.res AS bucket, block_number, timestamp, ${SNAPSHOT_FIELDS.join(', ')}
         FROM snapshots CROSS JOIN ${res}
        ORDER BY r.res, market_id, (timestamp / r.res) * r.res, timestamp DESC, block_number DESC)
     (SELECT ${cols} FROM expected EXCEPT SELECT ${cols} FROM snapshot_rollups)
     UNION ALL
     (SELECT ${cols} FROM snapshot_rollups EXCEPT SELECT ${cols} FROM expected)`,
  );
}

async function runToHead(ix: Indexer) {
  for (let i = 0; i < 1000; i++) if (await ix.step()) return;
  throw new Error('indexer did not reach the head');
}

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  process.env.RPC_URL = rpcUrl();
  db = await openTestDb(5544);
  await deposit(3, USD(500_000));
  const p0 = await price(0);
  for (let i = 0; i < 4; i++) {
    await open(6 + i, i % 2, i % 2 === 0, USD(1000), USD(5000 + i * 1000));
    await setPrice(0, (p0 * BigInt(1000 + i * 3)) / 1000n);
  }
  await close(6, 0, true);
});

afterAll(async () => {
  const { pool } = await import('@/lib/server/db');
  await pool.end();
  await db.close();
});

describe(`indexer (${dbKind()})`, () => {
  it('tables equal a recomputation from the chain, with snapshots of the live state', async () => {
    const { publicClient } = clients();
    const ix = new Indexer(db, publicClient, c, log, { range: 7n, snapshotEvery: 1n, snapshotWindow: 1000n });
    await runToHead(ix);
    expect(await dbEvents()).toEqual(await chainEvents());
    const [snap] = await db.query<{ nav: string; block_number: string }>('SELECT nav, block_number FROM snapshots WHERE market_id = -1 ORDER BY block_number DESC LIMIT 1');
    const nav = await publicClient.readContract({ address: c.pool.address, abi: c.pool.abi, functionName: 'totalAssets', blockNumber: BigInt(snap.block_number) });
    expect(snap.nav).toBe(nav.toString());
    // each market's perpetual net tokens (the pool's perpetual delta at any price) as the engine holds them then
    const block = BigInt(snap.block_number);
    for (let m = 0; m < 2; m++) {
      const [row] = await db.query<{ perp_net_tokens: string }>('SELECT perp_net_tokens FROM snapshots WHERE market_id = $1 AND block_number = $2', [m, snap.block_number]);
      const st = await publicClient.readContract({ ...c.reader, functionName: 'marketState', args: [BigInt(m)], blockNumber: block });
      expect(row.perp_net_tokens).toBe((st.longTokens - st.shortTokens).toString());
      expect(row.perp_net_tokens).not.toBe('0'); // a long left open on market 0, two shorts on market 1
    }
    expect(await rollupMismatches()).toEqual([]);
  });

  it('history from rollups equals a scan of the raw snapshots, edges included', async () => {
    const { publicClient, testClient } = clients();
    // About 40 minutes of blocks 37 s apart, prices pushed every 6 blocks so every snapshot has fresh oracles.
    for (let i = 0; i < 10; i++) {
      await testClient.mine({ blocks: 6, interval: 37 });
      await setPrice(0, ((await price(0)) * 1001n) / 1000n);
      await setPrice(1, await price(1));
    }
    const ix = new Indexer(db, publicClient, c, log, { range: 25n, snapshotEvery: 1n, snapshotWindow: 1000n });
    await runToHead(ix);
    expect(await rollupMismatches()).toEqual([]);
    process.env.DATABASE_URL = db.url;
    const { getHistory } = await import('@/lib/server/metrics');
    const [{ lo, hi }] = await db.query<{ lo: string; hi: string }>('SELECT min(timestamp) AS lo, max(timestamp) AS hi FROM snapshots');
    const t0 = Number(lo);
    const t1 = Number(hi);
    let viaRollups = 0;
    for (const [from, to, resolution] of [
      [t0 + 7, t1 - 5, 60],
      [t0 + 61, t1 - 119, 120],
      [t0, t1, 300],
      [t0 + 299, t1, 600],
      [t0 - 3600, t1 + 3600, 3600],
    ]) {
      for (const market of [-1, 0]) {
        const raw = await db.query<Record<string, string>>(
          `SELECT DISTINCT ON (bucket) (timestamp / $4) * $4 AS bucket, ${SNAPSHOT_FIELDS.join(', ')}
             FROM snapshots WHERE market_id = $1 AND timestamp >= $2 AND timestamp <= $3
            ORDER BY bucket, timestamp DESC, block_number DESC`,
          [market, from, to, resolution],
        );
        const expected = raw.map((r) => ({ t: Number(r.bucket), ...Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, r[f] ?? null])) }));
        expect(await getHistory(market, from, to, resolution), `market ${market} ${from}..${to} @${resolution}`).toEqual(expected);
        if (Math.floor((to + 1) / 60) * 60 > Math.ceil(from / 60) * 60) viaRollups++;
      }
    }
    expect(viaRollups).toBeGreaterThan(4);
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
              if (armed && /^insert into "indexer_cursor"/i.test(sql)) throw new Error('simulated kill -9');
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
    expect(await rollupMismatches()).toEqual([]);
  });
});
