/**
 * Serves an embedded PGlite with the indexer schema and ~1,000,000 snapshot rows (3 series x 333,334, one per 10 s),
 * plus 100,000 events, on a local Postgres socket for the API bench (or into the PostgreSQL at BENCH_DATABASE_URL). Prints "ready <rows>" then stays up until killed.
 */
import { rebuildRollups } from '../lib/rollups';
import { openDb } from '../services/indexer/db';
import { deploymentSchema } from '../lib/deployment';
import { contractsFor } from '../lib/contracts';

const port = Number(process.env.BENCH_PG_PORT ?? 5598);
const perSeries = Number(process.env.BENCH_ROWS_PER_SERIES ?? 333_334);
// in the local deployment's schema: where the web app reads (lib/server/db)
const db = await openDb({ url: process.env.BENCH_DATABASE_URL || undefined, dataDir: 'memory://', port, schema: deploymentSchema(31337, contractsFor(31337).core.address) });
const now = Math.floor(Date.now() / 1000);
const start = now - perSeries * 10;
for (const m of [-1, 0, 1]) {
  await db.query(
    `INSERT INTO snapshots (block_number, timestamp, market_id, price, long_oi, short_oi, net_exposure, funding_rate, borrow_rate, sigma, mmr, max_leverage, utilization, nav, share_price, pool_cash, reserved, free_liquidity, bad_debt)
     SELECT g, ${start} + g * 10, ${m}, 3000000000000000000000 + g, 1000000000 + g, 900000000, 100000000 + g, 1000, 3000000000, 6400000000000000, 15000000000000000, 44000000000000000000, 200000000000000000, 1000000000000 + g, 1000000000000000000, 1000000000000, 200000000000, 700000000000, 0
       FROM generate_series(1, ${perSeries}) AS g`,
  );
}
await db.query(
  `INSERT INTO events (block_number, log_index, tx_hash, contract, name, market_id, account, is_long, timestamp, args)
   SELECT g, 0, '0x' || md5(g::text), 'engine', 'PositionIncreased', g % 2, '0x' || lpad(to_hex(g % 5000), 40, '0'), true, ${start} + g * 33,
          jsonb_build_object('result', jsonb_build_object('sizeDeltaUsd', '1000000000', 'feeUsd', '600000', 'borrowFeeUsd', '0', 'realizedPnlUsd', '0'))
     FROM generate_series(1, 100000) AS g`,
);
await rebuildRollups(db, 0n); // what the indexer keeps up to date as it writes snapshots
await db.query('ANALYZE');
const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM snapshots');
console.log(`ready ${n}`);
setInterval(() => {}, 1 << 30);
