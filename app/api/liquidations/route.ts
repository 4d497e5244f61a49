import { handle, queryObject } from '@/lib/api/http';
import { limitQuery } from '@/lib/api/schemas';
import { getLiquidations, requireListedMarket } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/liquidations?limit&market: recent liquidations with keeper reward and bad debt. */
export const GET = (req: Request) =>
  handle(async () => {
    const { limit, market } = limitQuery.parse(queryObject(req.url));
    requireListedMarket(market);
    return { liquidations: await getLiquidations(limit, market) };
  });
