import { BadRequest, handle, queryObject } from '@/lib/api/http';
import { SCENARIOS, scenarioQuery, stressQuery } from '@/lib/api/schemas';
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
    const q = queryObject(req.url);
    // names are checked as sent: an empty value is no value (queryObject), a misspelled name is still refused
    const sent = new URL(req.url).searchParams;
    for (const k of sent.keys()) {
      if (k !== 'scenario' && !/^price\./.test(k) && !['vol', 'cashOut', 'hours'].includes(k)) throw new BadRequest(`unknown parameter "${k}"`);
    }
    if (sent.has('scenario') && q.scenario === undefined) throw new BadRequest(`empty scenario; use one of ${Object.keys(SCENARIOS).join(', ')}`);
    let raw;
    if (q.scenario !== undefined) {
      raw = scenarioQuery(q.scenario, listedMarketIds());
      if (!raw) throw new BadRequest(`unknown scenario "${q.scenario}"; use one of ${Object.keys(SCENARIOS).join(', ')}`);
    } else {
      const priceBps: Record<string, string> = {};
      for (const [k, v] of Object.entries(q)) {
        const m = /^price\.(.+)$/.exec(k);
        if (m) priceBps[m[1]] = v;
      }
      raw = { priceBps, volMultiplier: q.vol, cashOutflowBps: q.cashOut, hours: q.hours };
    }
    const shock = stressQuery.parse(raw);
    // a shock on a market the deployment does not list would shock nothing while echoing it back (a review's finding)
    for (const id of Object.keys(shock.priceBps)) requireListedMarket(Number(id));
    return getStress({ ...shock, priceBps: Object.fromEntries(Object.entries(shock.priceBps).map(([k, v]) => [Number(k), v])) });
  }, { maxAgeSec: 2 });
