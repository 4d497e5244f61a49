/**
 * Storage for the indexer: an embedded PGlite (WebAssembly Postgres) by default, served on a local Postgres wire
 * socket so the API reads it with the same `pg` client it uses for a real Postgres (DATABASE_URL). One schema, one
 * set of SQL statements for both.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

import type { Queryable } from '../../lib/db';
import { DEFAULTS } from '../../lib/config';
import { libpqUrl } from '../../lib/pgUrl';

export type { Queryable };
export interface Db extends Queryable {
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** URL other processes use to read this database. */
  url: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA = readFileSync(join(here, 'schema.sql'), 'utf8');

/**
 * Opens the indexer's database and its tables in `schema` (the deployment's, lib/deployment.ts; created if missing):
 * every connection works there, so deployments sharing a database never mix.
 */
export async function openDb({
  url = process.env.DATABASE_URL,
  dataDir = '.data/pglite',
  port = Number(process.env.INDEXER_PG_PORT ?? DEFAULTS.ports.embeddedDb),
  schema = 'public',
}: { url?: string; dataDir?: string; port?: number; schema?: string } = {}): Promise<Db> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema ${schema}: lower case letters, digits and _ only`);
  const db = url ? await openPostgres(url, schema) : await openEmbedded(dataDir, port, schema);
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.query(SCHEMA);
  return db;
}

async function openPostgres(url: string, schema: string, connections = 5): Promise<Db> {
  const pool = new pg.Pool({ connectionString: libpqUrl(url), max: connections });
  // an idle connection the server dropped (a restart, a failover): the pool replaces it; unheard it would crash the process
  pool.on('error', () => {});
  // queued on each new connection before anything it is handed out for
  // never run in another schema: a client that cannot set it is closed, and its queries fail instead
  pool.on('connect', (client) => void client.query(`SET search_path TO ${schema}`).catch(() => void (client instanceof pg.Client ? client.end().catch(() => {}) : undefined)));
  const query = async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params as unknown[])).rows as T[];
  return {
    url,
    query,
    async tx(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[])).rows as T[] });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        // a rollback that fails (the server gone in a failover) must not hide the error, and its connection is
        // discarded rather than handed to the next transaction (review BR)
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw e;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openEmbedded(dataDir: string, port: number, schema: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir === 'memory://' ? undefined : dataDir);
  // one backend behind every socket connection: its search path is the deployment's for the indexer and the API alike
  await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  const server = new PGLiteSocketServer({ db: lite, port, host: '127.0.0.1', maxConnections: 32 });
  await server.start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  // The indexer reads and writes through the socket too, on one connection: while a transaction is open the server
  // runs only the connection that opened it, so the API's reads wait for the commit. Through PGlite's own transaction
  // the server went on running the last socket connection's queries inside it (a review): an API read could see a
  // half-written range or a rewind's deleted events, and a failing one aborted the indexer's transaction.
  let viaSocket: Db;
  try {
    viaSocket = await openPostgres(url, schema, 1);
  } catch (e) {
    await server.stop();
    await lite.close();
    throw e;
  }
  return {
    ...viaSocket,
    async close() {
      await viaSocket.close();
      await server.stop();
      await lite.close();
    },
  };
}
