/**
 * The database a test file runs against. `npm test` runs the database-backed files twice: on embedded PGlite (the
 * default) and on a real PostgreSQL server (TEST_DB=postgres; globalSetup starts one and each file gets a clean
 * database of its own). Route handlers read the same database through lib/server/db, which this points at it.
 */
import { inject } from 'vitest';
import { createDatabase } from '../../script/lib/postgres.mjs';
import { openDb, type Db } from '@/services/indexer/db';
import { deploymentSchema } from '@/lib/deployment';
import { contractsFor } from '@/lib/contracts';

/** The local deployment's schema: where the indexer writes and the API (lib/server/db) reads. */
export const TEST_SCHEMA = deploymentSchema(31337, contractsFor(31337).core.address);

export type DbKind = 'pglite' | 'postgres';
export const dbKind = (): DbKind => (inject('postgresUrl') ? 'postgres' : 'pglite');

/** A clean database named after `port` (PGlite: served on that port; Postgres: database t_<port>) and its URL. */
export async function testDatabaseUrl(port: number): Promise<string> {
  const server = inject('postgresUrl');
  if (!server) return `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  return createDatabase(server, `t_${port}`);
}

/** Opens the test database for the indexer and points the API's reader (lib/server/db) at it. */
export async function openTestDb(port: number): Promise<Db> {
  if (dbKind() === 'pglite') {
    delete process.env.DATABASE_URL;
    process.env.INDEXER_PG_PORT = String(port);
    return openDb({ url: undefined, dataDir: 'memory://', port, schema: TEST_SCHEMA });
  }
  const url = await testDatabaseUrl(port);
  process.env.DATABASE_URL = url;
  return openDb({ url, schema: TEST_SCHEMA });
}
