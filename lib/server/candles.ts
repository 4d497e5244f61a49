import 'server-only';
import type { Candle } from '@/lib/api/client';
import { cached, RANGE_CACHE_ENTRIES, sql } from './db';


/**
 * OHLC candles of a market's oracle price from the indexer's snapshots: open is the first snapshot price in the
 * candle, close the last, high and low the extremes. Snapshots without a price (a stale feed) are left out.
 */
export const getCandles = cached(2000, async (marketId: number, from: number, to: number, resolutionSec: number): Promise<Candle[]> => {
  const rows = await sql<{ bucket: string; open: string; high: string; low: string; close: string; n: string }>(
    `SELECT (timestamp / $4) * $4 AS bucket,
            (array_agg(price ORDER BY timestamp, block_number))[1] AS open,
            max(price) AS high,
            min(price) AS low,
            (array_agg(price ORDER BY timestamp DESC, block_number DESC))[1] AS close,
            count(*) AS n
       FROM snapshots
      WHERE market_id = $1 AND price IS NOT NULL AND timestamp >= $2 AND timestamp <= $3
      GROUP BY bucket ORDER BY bucket DESC LIMIT 5000`,
    [marketId, from, to, resolutionSec],
  );
  // newest first under the limit (a range one bucket over it keeps the current candle), then oldest first
  return rows.reverse().map((r) => ({ t: Number(r.bucket), open: String(r.open), high: String(r.high), low: String(r.low), close: String(r.close), samples: Number(r.n) }));
}, 10_000, RANGE_CACHE_ENTRIES);
