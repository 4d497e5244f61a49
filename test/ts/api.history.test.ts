/** /api/history's default range (to = now, from = to - 5000 x resolution) spans 5001 aligned buckets when now is not a
 *  bucket boundary; the query keeps the newest 5000 (review AN: an ascending LIMIT dropped the current value). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '@/services/indexer/db';
import { openTestDb } from './db';
import { withHistoryDefaults, historyQuery } from '@/lib/api/schemas';

let db: Db;
beforeAll(async () => {
  process.env.RPC_URL ??= 'http://127.0.0.1:8555';
  db = await openTestDb(5552);
  await db.query('DELETE FROM snapshots');
  // one pool snapshot every 7 s from t = 3 to t = 35003 (5001 snapshots, one per 7-second bucket)
  const values: string[] = [];
  for (let k = 0; k <= 5000; k++) values.push(`(${k + 1}, ${7 * k + 3}, -1, ${k})`);
  await db.query(`INSERT INTO snapshots (block_number, timestamp, market_id, utilization) VALUES ${values.join(',')}`);
});
afterAll(async () => {
  const { pool } = await import('@/lib/server/db');
  await pool.end();
  await db.close();
});

it('the default history range keeps the newest point (the snapshot at `now`)', async () => {
  const { getHistory } = await import('@/lib/server/metrics');
  const now = 35003; // chain time, not a multiple of the resolution
  const q = withHistoryDefaults(historyQuery.parse({ market: '-1', resolution: '7' }), now);
  if ('error' in q) throw new Error(q.error);
  expect(q.from).toBe(3); // accepted: 5000 buckets by (to - from) / resolution
  const points = await getHistory(q.market, q.from, q.to, q.resolution);
  expect(points.at(-1)!.t).toBe(35000); // the bucket holding the latest snapshot (utilization 5000)
  expect(points.at(-1)!.utilization).toBe('5000');
});
