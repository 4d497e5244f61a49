import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Db } from '../../services/indexer/db';
import { libpqUrl } from '../../lib/pgUrl';
import { openTestDb, TEST_SCHEMA } from './db';

/**
 * The API reads the indexer's database over a socket while the indexer writes whole ranges in transactions. A reader
 * must never see a transaction's rows before its commit, nor run inside it: with the embedded PGlite the socket server
 * used to run the last socket connection's queries inside the indexer's own (PGlite-side) transaction (a review), so a
 * reader saw rows a rollback then removed.
 */
let db: Db;
let reader: pg.Client;

beforeAll(async () => {
  db = await openTestDb(5549);
  reader = new pg.Client({ connectionString: libpqUrl(db.url) });
  await reader.connect();
});

afterAll(async () => {
  await reader?.end();
  await db?.close();
});

describe('indexer transactions and API reads', () => {
  it('a read during an open transaction waits for its end and never sees its uncommitted rows', async () => {
    const count = async () => Number((await reader.query(`SELECT count(*) AS n FROM ${TEST_SCHEMA}.blocks WHERE number = 424242`)).rows[0].n);
    expect(await count()).toBe(0); // the reader's connection is the server's last one
    let readDuring: Promise<number> | undefined;
    await expect(
      db.tx(async (q) => {
        await q.query(`INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES (424242, '0xa', '0xb', 1)`);
        readDuring = count();
        await new Promise((r) => setTimeout(r, 300));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await readDuring!, 'the read saw a row that was rolled back').toBe(0);

    // committed, it is there (a read issued during the transaction may see it or not: PGlite's server serializes
    // connections, so that read waits for the commit; PostgreSQL answers it from the snapshot before)
    await db.tx(async (q) => {
      await q.query(`INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES (424242, '0xa', '0xb', 1)`);
    });
    expect(await count(), 'after the commit a read sees it').toBe(1);
  });
});
