import 'server-only';
import pg from 'pg';
import type { Queryable } from '../db';
import { DEFAULTS } from '@/lib/config';
import { libpqUrl } from '@/lib/pgUrl';
import { deploymentSchema } from '@/lib/deployment';
import { appChain } from '@/lib/chain';
import { contracts } from './chain';

/** Reads the indexer's database: a real Postgres, or the indexer's embedded PGlite over its local wire socket. */
export const DATABASE_URL = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.INDEXER_PG_PORT ?? DEFAULTS.ports.embeddedDb}/postgres?sslmode=disable`;

declare global {
  // one pool per server process, kept across Next.js dev reloads of this module
  var cpPool: pg.Pool | undefined;
  var cpPoolSchemaHook: boolean | undefined;
}
const globalForPool = globalThis;
export const pool =
  globalForPool.cpPool ??
  new pg.Pool({ connectionString: libpqUrl(DATABASE_URL), max: 8, connectionTimeoutMillis: 3000 }).on('error', (e) => {
    // An idle connection dropped (database restarted): the pool replaces it; without a listener node would crash.
    console.warn(JSON.stringify({ level: 'warn', service: 'api', msg: 'database connection lost', error: e.message }));
  });
globalForPool.cpPool = pool;
/** The deployment's schema in the indexer's database (lib/deployment.ts): every connection reads there. */
export const DEPLOYMENT_SCHEMA = deploymentSchema(appChain.id, contracts.core.address);
/** The longest a query of the API may run on the database (ms): the indexer writes to the same database, so a client
 *  whose queries scan large tables (an activity span of years, `to` moved a second per request past the cache) cannot
 *  hold its connections; such a query fails as the database being unavailable (503) instead (review AV). */
export const STATEMENT_TIMEOUT_MS = Math.max(100, Number(process.env.API_STATEMENT_TIMEOUT_MS ?? 5000) || 5000);
if (!globalForPool.cpPoolSchemaHook) {
  // never run in another schema: a client that cannot set it is closed, and its queries fail instead
  pool.on(
    'connect',
    (client) =>
      void client
        .query(`SET search_path TO ${DEPLOYMENT_SCHEMA}; SET statement_timeout = ${STATEMENT_TIMEOUT_MS}`)
        .catch(() => void closeClient(client)),
  );
  globalForPool.cpPoolSchemaHook = true;
}

/** Closes a pooled connection that cannot be used (its schema could not be set): the pool's clients are pg.Clients. */
function closeClient(client: pg.PoolClient): void {
  if (client instanceof pg.Client) client.end().catch(() => {});
}

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(text, params as unknown[])).rows as T[];
}

/** The pool as a runner for queries built with `qb` (lib/db.ts). */
export const db: Queryable = { query: sql };

/** The keys a time-range loader (history, activity, candles) keeps: each answer is up to MAX_BUCKETS rows. */
export const RANGE_CACHE_ENTRIES = 64;

/**
 * Memoizes a loader per key for `ttlMs` (the data changes per block; a few seconds of cache is exact enough), then
 * serves the last value while one request refreshes it in the background (stale-while-revalidate), for up to
 * `staleMs`; older than that, callers wait for the refresh. Concurrent misses share one load; failures are not kept.
 */
export function cached<A extends unknown[], T>(ttlMs: number, fn: (...args: A) => Promise<T>, staleMs = ttlMs * 5, maxEntries = 500) {
  type Entry = { at: number; has: boolean; value?: T; pending?: Promise<T> };
  const store = new Map<string, Entry>();
  const load = (key: string, args: A, entry: Entry): Promise<T> => {
    const pending = fn(...args).then(
      (value) => {
        Object.assign(entry, { at: Date.now(), has: true, value, pending: undefined });
        return value;
      },
      (e) => {
        entry.pending = undefined;
        if (!entry.has) store.delete(key);
        throw e;
      },
    );
    entry.pending = pending;
    return pending;
  };
  return (...args: A): Promise<T> => {
    const key = JSON.stringify(args);
    let entry = store.get(key);
    if (!entry) {
      entry = { at: 0, has: false };
      store.set(key, entry);
      if (store.size > maxEntries) store.delete(store.keys().next().value as string);
    }
    const age = Date.now() - entry.at;
    if (entry.has && age < ttlMs) return Promise.resolve(entry.value as T);
    const refresh = entry.pending ?? load(key, args, entry);
    refresh.catch(() => {}); // a background refresh's failure surfaces to whoever awaits it, not as unhandled
    if (entry.has && age < staleMs) return Promise.resolve(entry.value as T);
    return refresh;
  };
}
