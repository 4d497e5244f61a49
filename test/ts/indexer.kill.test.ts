/**
 * The indexer process killed with SIGKILL mid-ingest (twice, while it is writing ranges on its embedded PGlite on
 * disk, or on a real PostgreSQL server under TEST_DB=postgres), then restarted on the same data directory: it resumes from its committed cursor and ends with exactly the
 * chain's events, none lost and none duplicated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedAddresses, indexedEventsAbi } from '@/lib/contracts';
import { clients, isolateChain, rpcUrl } from './helpers';
import { dbKind, TEST_SCHEMA, testDatabaseUrl } from './db';
import { c, close, deposit, open, price, setPrice, USD } from './fixtures';

const PG_PORT = 5547;
const HEALTH_PORT = 8796;
const dataDir = mkdtempSync(join(tmpdir(), 'cp-indexer-kill-'));
let databaseUrl = '';
const children: ChildProcess[] = [];

function startIndexer() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/indexer/main.ts'], {
    env: {
      ...process.env,
      RPC_URL: rpcUrl(),
      DATABASE_URL: dbKind() === 'postgres' ? databaseUrl : '',
      INDEXER_DATA_DIR: dataDir,
      INDEXER_PG_PORT: String(PG_PORT),
      INDEXER_PORT: String(HEALTH_PORT),
      INDEXER_RANGE: '2', // many small range transactions, so a kill lands inside one
      INDEXER_SNAPSHOT_EVERY: '1',
      INDEXER_POLL_MS: '50',
    },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

async function health(): Promise<{ cursor: string; head: string; events: number } | null> {
  return fetch(`http://127.0.0.1:${HEALTH_PORT}/health`)
    .then((r) => r.json())
    .catch(() => null);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exited(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

isolateChain(beforeAll, afterAll);

afterAll(async () => {
  for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
  await Promise.all(children.map(exited));
  rmSync(dataDir, { recursive: true, force: true });
});

beforeAll(async () => {
  databaseUrl = await testDatabaseUrl(PG_PORT);
  // A history of a few hundred blocks for the indexer to work through.
  await deposit(3, USD(500_000));
  const p0 = await price(0);
  for (let i = 0; i < 12; i++) {
    await open(6 + (i % 6), i % 2, i % 3 !== 0, USD(1000), USD(3000 + i * 500));
    await setPrice(0, (p0 * BigInt(1000 + (i % 5))) / 1000n);
    if (i % 4 === 3) await close(6 + (i % 6), i % 2, i % 3 !== 0);
  }
  await clients().testClient.mine({ blocks: 200 }); // snapshot-only blocks: more ranges to be killed in
});

describe(`indexer process (${dbKind()})`, () => {
  it('survives SIGKILL mid-ingest twice: resumes from its cursor, loses and duplicates nothing', async () => {
    const { publicClient } = clients();
    const head = await publicClient.getBlockNumber();
    expect(head - c.startBlock).toBeGreaterThan(250n);

    for (const fraction of [3n, 2n]) {
      const child = startIndexer();
      // Kill while it is still working through the history (cursor past the start, short of the head).
      const target = c.startBlock + (head - c.startBlock) / fraction;
      const seen = await waitFor('progress', async () => {
        const h = await health();
        return h !== null && BigInt(h.cursor) >= target ? h : null;
      });
      child.kill('SIGKILL');
      await exited(child);
      expect(BigInt(seen.cursor)).toBeLessThan(head); // killed with work left
      expect(child.signalCode).toBe('SIGKILL');
    }

    // More activity while it is down, then a clean restart on the same data directory.
    await open(12, 0, true, USD(1500), USD(6000));
    await close(12, 0, true);
    const finalHead = await publicClient.getBlockNumber();
    const last = startIndexer();
    await waitFor('catch-up', async () => {
      const h = await health();
      return h !== null && BigInt(h.cursor) >= finalHead;
    });

    const logs = await publicClient.getLogs({ address: indexedAddresses(c), fromBlock: c.startBlock, toBlock: finalHead });
    const expected = parseEventLogs({ abi: indexedEventsAbi, logs }).map((l) => `${l.blockNumber}:${l.logIndex}:${l.eventName}`);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${TEST_SCHEMA}`); // the deployment's schema, where the indexer wrote
      const rows = (await client.query('SELECT block_number, log_index, name FROM events WHERE block_number <= $1 ORDER BY block_number, log_index', [finalHead.toString()])).rows;
      const actual = rows.map((r) => `${r.block_number}:${r.log_index}:${r.name}`);
      expect(actual.length).toBe(expected.length);
      expect(actual).toEqual(expected);
      const [cursor] = (await client.query('SELECT block_number FROM indexer_cursor')).rows;
      expect(BigInt(cursor.block_number)).toBeGreaterThanOrEqual(finalHead);
    } finally {
      await client.end();
    }
    last.kill('SIGTERM');
    await exited(last);
    expect(last.exitCode === 0 || last.signalCode === 'SIGTERM').toBe(true);
  });
});
