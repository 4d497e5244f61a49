import { handle } from '@/lib/api/http';
import { historyQuery } from '@/lib/api/schemas';
import { getActivity } from '@/lib/server/metrics';
import { rangeQuery } from '@/lib/server/rangeQuery';

export const dynamic = 'force-dynamic';

/** GET /api/activity?market=-1|<listed market id>&from&to&resolution: per-bucket fees, volume (opened, closed and
 *  liquidated notional), liquidations, bad debt and trader PnL (USD 6 decimals) of one market, or of every market (-1,
 *  the default). */
export const GET = (req: Request) =>
  handle(async () => {
    const q = await rangeQuery(req, historyQuery, { poolAllowed: true });
    return { market: q.market, from: q.from, to: q.to, resolution: q.resolution, points: await getActivity(q.from, q.to, q.resolution, q.market) };
  });
