import { handle } from '@/lib/api/http';
import { candlesQuery } from '@/lib/api/schemas';
import { getCandles } from '@/lib/server/candles';
import { rangeQuery } from '@/lib/server/rangeQuery';

export const dynamic = 'force-dynamic';

/** GET /api/candles?market&resolution=60|300|3600&from&to: OHLC candles of a market's indexed oracle prices (WAD). */
export const GET = (req: Request) =>
  handle(async () => {
    const q = await rangeQuery(req, candlesQuery);
    return { ...q, candles: await getCandles(q.market, q.from, q.to, q.resolution) };
  });
