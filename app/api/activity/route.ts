import { BadRequest, handle, queryObject } from '@/lib/api/http';
import { historyQuery, withHistoryDefaults } from '@/lib/api/schemas';
import { chainNowSec, getActivity } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/activity?from&to&resolution: per-bucket fees, volume, liquidations, bad debt and trader PnL (USD 6 decimals). */
export const GET = (req: Request) =>
  handle(async () => {
    const q = withHistoryDefaults(historyQuery.parse(queryObject(req.url)), await chainNowSec());
    if ('error' in q) throw new BadRequest(q.error);
    return { from: q.from, to: q.to, resolution: q.resolution, points: await getActivity(q.from, q.to, q.resolution) };
  });
