import 'server-only';
import pg from 'pg';

/** Reads the indexer's database: a real Postgres, or the indexer's embedded PGlite over its local wire socket. */
export const DATABASE_URL = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.INDEXER_PG_PORT ?? 5433}/postgres?sslmode=disable`;

const globalForPool = globalThis as unknown as { cpPool?: pg.Pool };
export const pool = globalForPool.cpPool ?? new pg.Pool({ connectionString: DATABASE_URL, max: 8, connectionTimeoutMillis: 3000 });
globalForPool.cpPool = pool;

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(text, params as unknown[])).rows as T[];
}

/** Memoizes a loader for `ttlMs` per key (the data changes per block; a few seconds of cache is exact enough). */
export function cached<A extends unknown[], T>(ttlMs: number, fn: (...args: A) => Promise<T>) {
  const store = new Map<string, { at: number; value: Promise<T> }>();
  return (...args: A): Promise<T> => {
    const key = JSON.stringify(args);
    const hit = store.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = fn(...args);
    store.set(key, { at: Date.now(), value });
    value.catch(() => store.delete(key));
    if (store.size > 500) store.delete(store.keys().next().value as string);
    return value;
  };
}
