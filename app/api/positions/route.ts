import { handle, queryObject } from '@/lib/api/http';
import { topPositionsQuery } from '@/lib/api/schemas';
import { requireListedMarket } from '@/lib/server/metrics';
import { getTopPositionsNow } from '@/lib/server/positions';

export const dynamic = 'force-dynamic';

/** GET /api/positions?limit&market: the largest open positions and those closest to liquidation, valued now. */
export const GET = (req: Request) =>
  handle(async () => {
    const { limit, market } = topPositionsQuery.parse(queryObject(req.url));
    requireListedMarket(market);
    return getTopPositionsNow(limit, market);
  });
