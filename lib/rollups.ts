/**
 * Snapshot rollups: the last snapshot of every bucket at a few fixed resolutions. The indexer folds each new snapshot
 * in (same transaction) and rebuilds the affected buckets after a reorg; the history API reads whole buckets from
 * here and only the partial buckets at the edges of a range from the raw snapshots. The statements are written as
 * SQL (INSERT ... SELECT DISTINCT ON with a conditional upsert) rather than built with Kysely: they are analytic
 * queries over the columns typed in lib/db.ts.
 */
import type { Queryable } from './db';

/** Rollup resolutions, seconds. A history resolution that is a multiple of one of them can use it. */
export const ROLLUP_RESOLUTIONS = [60, 300, 3600, 86_400] as const;

export const SNAPSHOT_FIELDS = ['price', 'long_oi', 'short_oi', 'net_exposure', 'perp_net_tokens', 'funding_rate', 'borrow_rate', 'sigma', 'mmr', 'max_leverage', 'utilization', 'nav', 'share_price', 'pool_cash', 'reserved', 'free_liquidity', 'bad_debt', 'options_value', 'options_delta', 'options_gamma', 'options_vega', 'options_theta'] as const;

const cols = SNAPSHOT_FIELDS.join(', ');
const res = `(VALUES ${ROLLUP_RESOLUTIONS.map((r) => `(${r})`).join(', ')}) AS r(res)`;
const upsert = `ON CONFLICT (resolution, market_id, bucket) DO UPDATE SET block_number = EXCLUDED.block_number, timestamp = EXCLUDED.timestamp, ${SNAPSHOT_FIELDS.map((f) => `${f} = EXCLUDED.${f}`).join(', ')}`;

/** Folds the snapshots of `blockNumber` into every rollup (a later snapshot replaces an earlier one in its bucket). */
export async function foldSnapshot(q: Queryable, blockNumber: bigint) {
  await q.query(
    `INSERT INTO snapshot_rollups (resolution, market_id, bucket, block_number, timestamp, ${cols})
     SELECT r.res, s.market_id, (s.timestamp / r.res) * r.res, s.block_number, s.timestamp, ${SNAPSHOT_FIELDS.map((f) => `s.${f}`).join(', ')}
       FROM snapshots s CROSS JOIN ${res} WHERE s.block_number = $1
     ${upsert} WHERE (EXCLUDED.timestamp, EXCLUDED.block_number) >= (snapshot_rollups.timestamp, snapshot_rollups.block_number)`,
    [blockNumber.toString()],
  );
}

/** Recomputes every rollup bucket that starts at or after the bucket containing `fromTimestamp`. */
export async function rebuildRollups(q: Queryable, fromTimestamp: bigint) {
  for (const r of ROLLUP_RESOLUTIONS) {
    const from = ((fromTimestamp / BigInt(r)) * BigInt(r)).toString();
    await q.query('DELETE FROM snapshot_rollups WHERE resolution = $1 AND bucket >= $2', [r, from]);
    await q.query(
      `INSERT INTO snapshot_rollups (resolution, market_id, bucket, block_number, timestamp, ${cols})
       SELECT DISTINCT ON (market_id, (timestamp / ${r}) * ${r}) ${r}, market_id, (timestamp / ${r}) * ${r}, block_number, timestamp, ${cols}
         FROM snapshots WHERE timestamp >= $1
        ORDER BY market_id, (timestamp / ${r}) * ${r}, timestamp DESC, block_number DESC`,
      [from],
    );
  }
}

/** The coarsest rollup usable for `resolutionSec`: a divisor of it, or none. */
export function rollupFor(resolutionSec: number): number | null {
  const usable = ROLLUP_RESOLUTIONS.filter((r) => resolutionSec % r === 0);
  return usable.length ? usable[usable.length - 1] : null;
}
