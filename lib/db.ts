/**
 * The indexer database, typed: one Kysely schema and query builder shared by the indexer (writes) and the API (reads).
 * Kysely only builds and types the SQL here; each side runs the compiled statement on its own connection (the
 * indexer inside its range transaction on PGlite or Postgres, the API on a `pg` pool), so transactions stay where
 * they are. Integers come back as strings (int8 and numeric are exact raw on-chain units; see schema.sql).
 */
import type { IndexedEvent } from './events';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type ColumnType, type Compilable } from 'kysely';

/** int8 / numeric column: read as a decimal string, written from a string, bigint or number. */
type Int = ColumnType<string, string | bigint | number, string | bigint | number>;
type NullableInt = ColumnType<string | null, string | bigint | number | null | undefined, string | bigint | number | null>;

export interface IndexerCursorTable {
  id: number;
  block_number: Int;
  block_hash: string;
}

export interface BlocksTable {
  number: Int;
  hash: string;
  parent_hash: string;
  timestamp: Int;
}

export interface EventsTable {
  block_number: Int;
  log_index: number;
  tx_hash: string;
  contract: 'core' | 'engine' | 'pool' | 'options' | 'orders';
  /** the event's name in the generated ABIs: a filter on a name no contract emits does not compile */
  name: IndexedEvent;
  market_id: number | null;
  account: string | null;
  is_long: boolean | null;
  timestamp: Int;
  /** The decoded event arguments, integers as decimal strings. */
  args: ColumnType<Record<string, unknown>, string, string>;
}

/** One snapshot's metrics (null where they do not apply: prices for the pool row, NAV for market rows). */
export interface SnapshotMetrics {
  price: NullableInt;
  long_oi: NullableInt;
  short_oi: NullableInt;
  net_exposure: NullableInt;
  /** perpetual longs' tokens less shorts' (WAD): with options_delta, the pool's net delta at the snapshot's price */
  perp_net_tokens: NullableInt;
  funding_rate: NullableInt;
  borrow_rate: NullableInt;
  sigma: NullableInt;
  mmr: NullableInt;
  max_leverage: NullableInt;
  utilization: NullableInt;
  nav: NullableInt;
  share_price: NullableInt;
  pool_cash: NullableInt;
  reserved: NullableInt;
  free_liquidity: NullableInt;
  bad_debt: NullableInt;
  options_value: NullableInt;
  options_delta: NullableInt;
  options_gamma: NullableInt;
  options_vega: NullableInt;
  options_theta: NullableInt;
}

export interface SnapshotsTable extends SnapshotMetrics {
  block_number: Int;
  timestamp: Int;
  /** -1: the pool as a whole. */
  market_id: number;
}

export interface SnapshotRollupsTable extends SnapshotsTable {
  resolution: number;
  bucket: Int;
}

export interface Database {
  indexer_cursor: IndexerCursorTable;
  blocks: BlocksTable;
  events: EventsTable;
  snapshots: SnapshotsTable;
  snapshot_rollups: SnapshotRollupsTable;
}

/** Builds and compiles Postgres SQL for the schema above; it never connects. */
export const qb = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** Anything that runs SQL text with positional parameters: a PGlite or pg transaction handle, a pg pool. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Runs a built query on `q` and returns its rows, typed by the builder. */
export function run<R>(q: Queryable, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  return q.query<R>(compiled.sql, compiled.parameters as unknown[]);
}
