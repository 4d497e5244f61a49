import { handle } from '@/lib/api/http';
import { historyQuery } from '@/lib/api/schemas';
import { getHistory } from '@/lib/server/metrics';
import { rangeQuery } from '@/lib/server/rangeQuery';

export const dynamic = 'force-dynamic';

/**
 * GET /api/history?market=-1|<listed market id>&from=<unix s>&to=<unix s>&resolution=<s>: snapshot time series (last value per bucket).
 * market -1 is the pool. Raw units: USD 6 decimals; prices, rates (per second), sigma, margins, leverage, utilization WAD;
 * the options columns are WAD throughout: options_value USD (18 decimals, at the bucket's price and time), options_delta
 * tokens, options_gamma per USD, options_vega USD per 1.0 of volatility, options_theta USD per second. mmr and
 * max_leverage are for a position of the market's minimum collateral; funding_rate is positive when longs pay.
 */
export const GET = (req: Request) =>
  handle(async () => {
    const q = await rangeQuery(req, historyQuery, { poolAllowed: true });
    return { ...q, points: await getHistory(q.market, q.from, q.to, q.resolution) };
  });
