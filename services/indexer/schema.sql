-- Counterpool indexer schema (PGlite or Postgres). Amounts are raw on-chain integers (numeric, exact):
-- USD in 6 decimals, prices/rates/fractions in WAD (18 decimals), sizes in index tokens (18 decimals).
CREATE TABLE IF NOT EXISTS indexer_cursor (
  id int PRIMARY KEY,
  block_number bigint NOT NULL,
  block_hash text NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
  number bigint PRIMARY KEY,
  hash text NOT NULL,
  parent_hash text NOT NULL,
  timestamp bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  block_number bigint NOT NULL,
  log_index int NOT NULL,
  tx_hash text NOT NULL,
  contract text NOT NULL,
  name text NOT NULL,
  market_id int,
  account text,
  is_long boolean,
  timestamp bigint NOT NULL,
  args jsonb NOT NULL,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS events_account_idx ON events (account, block_number DESC);
CREATE INDEX IF NOT EXISTS events_name_idx ON events (name, block_number DESC);
-- the analytics windows (activity buckets, summary totals) select events by time
CREATE INDEX IF NOT EXISTS events_timestamp_idx ON events (timestamp);
-- One row per snapshot block and market; market_id = -1 is the pool as a whole.
CREATE TABLE IF NOT EXISTS snapshots (
  block_number bigint NOT NULL,
  timestamp bigint NOT NULL,
  market_id int NOT NULL,
  price numeric,
  long_oi numeric,
  short_oi numeric,
  net_exposure numeric,
  perp_net_tokens numeric,
  funding_rate numeric,
  borrow_rate numeric,
  sigma numeric,
  mmr numeric,
  max_leverage numeric,
  utilization numeric,
  nav numeric,
  share_price numeric,
  pool_cash numeric,
  reserved numeric,
  free_liquidity numeric,
  bad_debt numeric,
  options_value numeric,
  options_delta numeric,
  options_gamma numeric,
  options_vega numeric,
  options_theta numeric,
  PRIMARY KEY (block_number, market_id)
);
CREATE INDEX IF NOT EXISTS snapshots_market_time_idx ON snapshots (market_id, timestamp);
-- Last snapshot per bucket at fixed resolutions (seconds), kept in the same transaction as the snapshots so history
-- queries read a few hundred rows instead of scanning every snapshot. Rebuilt for the affected buckets on a reorg.
CREATE TABLE IF NOT EXISTS snapshot_rollups (
  resolution int NOT NULL,
  bucket bigint NOT NULL,
  LIKE snapshots,
  PRIMARY KEY (resolution, market_id, bucket)
);
-- Options greeks per market (added with the options product): databases created before get the columns here.
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS options_value numeric;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS options_delta numeric;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS options_gamma numeric;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS options_vega numeric;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS options_theta numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS options_value numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS options_delta numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS options_gamma numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS options_vega numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS options_theta numeric;
-- The perpetuals' net position in tokens (longs less shorts, WAD): the pool's perpetual delta at any price, which
-- net_exposure (entry notional) is not once the price has moved. Databases created before get the column here.
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS perp_net_tokens numeric;
ALTER TABLE snapshot_rollups ADD COLUMN IF NOT EXISTS perp_net_tokens numeric;
