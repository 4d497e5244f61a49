/**
 * Managed Postgres over TLS with a private CA, rehearsed against Debian's PostgreSQL with a self-signed certificate:
 * libpq's meaning of `sslmode=require` (encrypt, do not verify) connects where node-postgres alone refused with
 * "self-signed certificate"; `verify-full` with the CA (`sslrootcert`) connects and verifies; without the CA it is
 * refused. The indexer's and the API's pools both build their connections this way (lib/pgUrl.ts). And one database
 * holds several deployments apart, each in its own schema (lib/deployment.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libpqUrl } from '@/lib/pgUrl';
import { openDb } from '@/services/indexer/db';
import { deploymentSchema } from '@/lib/deployment';
import { startPostgres, type TestPostgres } from '../../script/lib/postgres.mjs';

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres({ tls: true });
});

afterAll(async () => {
  await server?.stop();
});

async function sslInUse(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [row] = (await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows;
    return row.ssl as boolean;
  } finally {
    await client.end();
  }
}

describe('Postgres over TLS', () => {
  it('sslmode=require encrypts without verifying (libpq), where plain node-postgres refuses the private CA', async () => {
    const require = `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=require`;
    await expect(sslInUse(require)).rejects.toThrow(/self[- ]signed certificate/);
    expect(await sslInUse(libpqUrl(require))).toBe(true);
  });

  it('verify-full with the CA verifies the server; without the CA it is refused', async () => {
    const full = `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.caFile!)}`;
    expect(await sslInUse(libpqUrl(full))).toBe(true);
    await expect(sslInUse(libpqUrl(`postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=verify-full`))).rejects.toThrow(/self[- ]signed certificate/);
  });

  it('the indexer opens its database over it', async () => {
    const db = await openDb({ url: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=require` });
    try {
      const [row] = await db.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'events'");
      expect(Number(row.n)).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('one database, two deployments', () => {
  it('each indexes into its own schema (chain id + core address) and never sees the other one\'s rows', async () => {
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=require`;
    const a = await openDb({ url, schema: deploymentSchema(4242, '0x' + 'a'.repeat(40)) });
    const b = await openDb({ url, schema: deploymentSchema(4242, '0x' + 'b'.repeat(40)) });
    try {
      await a.query(
        "INSERT INTO events (block_number, log_index, tx_hash, contract, name, timestamp, args) VALUES (1, 0, '0x01', 'engine', 'PositionIncreased', 1, '{}'::jsonb)",
      );
      const count = async (db: typeof a) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events'))[0].n);
      expect(await count(a)).toBe(1);
      expect(await count(b)).toBe(0);
      // a restart of the first deployment finds its own data again
      const again = await openDb({ url, schema: deploymentSchema(4242, '0x' + 'A'.repeat(40)) });
      expect(await count(again)).toBe(1);
      await again.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
