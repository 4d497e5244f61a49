import { BadRequest, handle, queryObject } from '@/lib/api/http';
import { historyQuery, withHistoryDefaults } from '@/lib/api/schemas';
import { chainNowSec, getActivity, requireListedMarket } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/activity?market=-1|<listed market id>&from&to&resolution: per-bucket fees, volume, liquidations, bad debt and
 *  trader PnL (USD 6 decimals) of one market, or of every market (-1, the default). */
export const GET = (req: Request) =>
  handle(async () => {
    const parsed = historyQuery.parse(queryObject(req.url));
    requireListedMarket(parsed.market, { poolAllowed: true });
    const q = withHistoryDefaults(parsed, await chainNowSec());
    if ('error' in q) throw new BadRequest(q.error);
    return { market: q.market, from: q.from, to: q.to, resolution: q.resolution, points: await getActivity(q.from, q.to, q.resolution, q.market) };
  });
