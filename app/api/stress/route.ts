import { handle } from '@/lib/api/http';
import { parseStressQuery } from '@/lib/api/schemas';
import { getStress, listedMarketIds, requireListedMarket } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/**
 * GET /api/stress?scenario=crash|spike|volsurge|bankrun, or custom: ?price.0=-2000&price.1=-1000&vol=2&cashOut=3000&hours=24
 * (price shocks in bps per market id, sigma multiplier, LP cash outflow in bps, hours the shocked sigma persists: maintenance
 * ramps toward it at the market's pace, as on chain). Returns NAV after the shock and after
 * liquidations, positions liquidated, bad debt and utilization (USD 6 decimals, utilization WAD).
 */
export const GET = (req: Request) =>
  handle(async () => {
    const shock = parseStressQuery(new URL(req.url).searchParams, listedMarketIds());
    // a shock on a market the deployment does not list would shock nothing while echoing it back (a review's finding)
    for (const id of Object.keys(shock.priceBps)) requireListedMarket(Number(id));
    return getStress(shock);
  }, { maxAgeSec: 2 });
