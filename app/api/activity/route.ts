import { handle, queryObject } from '@/lib/api/http';
import { historyQuery } from '@/lib/api/schemas';
import { getActivity } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/activity?from&to&resolution: per-bucket fees, volume, liquidations, bad debt and trader PnL (USD 6 decimals). */
export const GET = (req: Request) =>
  handle(async () => {
    const q = historyQuery.parse(queryObject(req.url));
    return { from: q.from, to: q.to, resolution: q.resolution, points: await getActivity(q.from, q.to, q.resolution) };
  });
