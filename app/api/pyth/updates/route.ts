import { handle, queryObject } from '@/lib/api/http';
import { pythUpdatesQuery } from '@/lib/api/schemas';
import { requireListedMarket } from '@/lib/server/metrics';
import { getPullUpdates } from '@/lib/server/pyth';

export const dynamic = 'force-dynamic';

/** GET /api/pyth/updates?markets=0,2: the latest signed Pyth update of each pull-oracle market asked for, with its fee
 *  (503 with the reason when Hermes cannot answer). Never cached: a pull market takes prices seconds old. */
export const GET = (req: Request) =>
  handle(
    async () => {
      const { markets } = pythUpdatesQuery.parse(queryObject(req.url));
      markets.forEach((m) => requireListedMarket(m));
      return getPullUpdates(markets);
    },
    { maxAgeSec: 0 },
  );
