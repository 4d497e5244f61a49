/**
 * The API's OpenAPI 3.1 document, generated from the same zod schemas the route handlers parse with (z.toJSONSchema),
 * so the published parameters cannot drift from what the handlers accept. Served at /api/openapi.json.
 */
import { z } from 'zod';
import { candlesQuery, historyQuery, limitQuery, MAX_BUCKETS, optionsQuery, pythUpdatesQuery, SCENARIOS, stressQuery, topPositionsQuery } from './schemas';

type Param = { name: string; in: 'query' | 'path'; required: boolean; description?: string; schema: unknown };

/** Query parameters from a zod object schema (as the client sends them: strings coerced by the schema). */
function queryParams(schema: z.ZodType): Param[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query' as const, required: (json.required ?? []).includes(name), schema: s }));
}

const errorBody = { type: 'object', properties: { error: { type: 'string' }, issues: { type: 'array', items: { type: 'object' } } }, required: ['error'] };
const answers = (ok: string) => ({
  '200': { description: ok, content: { 'application/json': { schema: { type: 'object' } } } },
  '400': { description: 'invalid input: `{ error, issues }`', content: { 'application/json': { schema: errorBody } } },
  '414': { description: 'request URL longer than 8,192 bytes', content: { 'application/json': { schema: errorBody } } },
  '429': { description: 'per-client rate limit; see the Retry-After header', content: { 'application/json': { schema: errorBody } } },
  '503': { description: 'chain or database unreachable', content: { 'application/json': { schema: errorBody } } },
});
const address: Param = { name: 'address', in: 'path', required: true, schema: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' }, description: 'any case; answered checksummed' };

export function openApiDocument() {
  const stress = stressQuery.shape;
  const stressParams: Param[] = [
    { name: 'scenario', in: 'query', required: false, schema: { type: 'string', enum: Object.keys(SCENARIOS) }, description: 'a named shock (instead of the custom parameters)' },
    { name: 'price.{marketId}', in: 'query', required: false, schema: z.toJSONSchema(stress.priceBps.unwrap().valueType, { io: 'input' }), description: 'price shock of a market, bps (e.g. price.0=-2000)' },
    { name: 'vol', in: 'query', required: false, schema: z.toJSONSchema(stress.volMultiplier, { io: 'input' }), description: 'sigma multiplier' },
    { name: 'cashOut', in: 'query', required: false, schema: z.toJSONSchema(stress.cashOutflowBps, { io: 'input' }), description: 'LP cash outflow, bps of pool cash' },
    { name: 'hours', in: 'query', required: false, schema: z.toJSONSchema(stress.hours, { io: 'input' }), description: 'hours the shocked sigma persists (maintenance ramps)' },
  ];
  const get = (summary: string, parameters: Param[] = [], ok = 'JSON, raw integer units as strings') => ({ get: { summary, parameters, responses: answers(ok) } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Counterpool metrics API',
      version: '1',
      description: `USD amounts in 6-decimal units, prices, per-second rates, fractions and sigma in WAD (1e18), all as strings. History spans at most ${MAX_BUCKETS} buckets.`,
    },
    paths: {
      '/api/pool': get('live pool summary (NAV, shares, cash, reserves, utilization; navValid false while a market with open interest is stale)'),
      '/api/summary': get('live pool and markets; headline totals (volume, fees, traders\' PnL, LPs\' PnL) over 24 h, 7 d and all time, each with the span its data covers'),
      '/api/markets': get('every market: price, open interest, funding, volatility, margin rates and schedule'),
      '/api/history': get('snapshot history of a market (0..n-1) or the pool (-1)', queryParams(historyQuery)),
      '/api/candles': get('OHLC candles (1 min, 5 min, 1 h) of a market\'s indexed oracle prices', queryParams(candlesQuery)),
      '/api/activity': get('per-bucket fees, volume, liquidations, bad debt and trader PnL of a market (0..n-1) or of every market (-1)', queryParams(historyQuery)),
      '/api/pyth/updates': get('the latest signed Pyth update of each pull-oracle market asked for, with its fee in wei: what a trade, an option or an LP action on them posts through the PriceUpdateRouter (push markets are left out; 503 when Hermes cannot answer)', queryParams(pythUpdatesQuery)),
      '/api/liquidations': get('recent liquidations', queryParams(limitQuery)),
      '/api/positions': get('the largest open positions and those closest to liquidation, valued live from the chain', queryParams(topPositionsQuery)),
      '/api/options': get('option boards with open interest per type, premiums in and out, settlement and payouts; premium income totals (all time and 24 h)', queryParams(optionsQuery)),
      '/api/accounts/{address}/positions': get("an account's open positions valued now", [address]),
      '/api/accounts/{address}/trades': get("an account's trades and liquidations, newest first", [address, ...queryParams(limitQuery).filter((p) => p.name === 'limit')]),
      '/api/accounts/{address}/options': get("an account's option purchases, sales back and claimed payoffs (a worthless one's claim pays 0), newest first, each with its board's expiry and settlement price", [address, ...queryParams(limitQuery).filter((p) => p.name === 'limit')]),
      '/api/accounts/{address}/lp': get("an LP's indexed deposits, withdrawals and queued requests", [address]),
      '/api/stress': get('stress test of the live book', stressParams),
      '/api/health': { get: { summary: 'health of chain, indexer and keeper: 200 ok, 503 degraded with the problems in words', responses: answers('ok') } },
      '/api/openapi.json': get('this document'),
    },
  };
}
