import { BadRequest, handle, queryObject } from '@/lib/api/http';
import { candlesQuery, withHistoryDefaults } from '@/lib/api/schemas';
import { getCandles } from '@/lib/server/candles';
import { chainNowSec, requireListedMarket } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/candles?market&resolution=60|300|3600&from&to: OHLC candles of a market's indexed oracle prices (WAD). */
export const GET = (req: Request) =>
  handle(async () => {
    const parsed = candlesQuery.parse(queryObject(req.url));
    requireListedMarket(parsed.market);
    const q = withHistoryDefaults(parsed, await chainNowSec());
    if ('error' in q) throw new BadRequest(q.error);
    return { ...q, candles: await getCandles(q.market, q.from, q.to, q.resolution) };
  });
