import { z } from 'zod';
import { STRESS_LIMITS } from '../validation';
import { BadRequest } from './http';

/** An integer parameter: absent (or sent empty) is absent, so `.default` and `.optional` apply and a required one is
 *  missing (coercing would read it as 0 or NaN). */
const int = (min: number, max: number) => z.preprocess((v) => (v === undefined ? v : Number(v)), z.number().int().min(min).max(max));

/** The most buckets a history or activity query may span ((to - from) / resolution). */
export const MAX_BUCKETS = 5000;
/** The longest span a range query may cover, whatever its resolution (review BR: 5,000 weekly buckets were 95 years of
 *  events scanned per request). */
export const MAX_SPAN_SEC = 366 * 86_400;

/** /api/history and /api/activity: unix seconds, to > from, at most MAX_BUCKETS buckets. `to` defaults to now (the
 *  chain's latest block, filled in by `withHistoryDefaults`), `from` to the last MAX_BUCKETS buckets before it. */
export const historyQuery = z
  .object({
    market: int(-1, 15).default(-1),
    from: int(0, 2 ** 40).optional(),
    to: int(0, 2 ** 40).optional(),
    resolution: int(1, 86_400 * 7).default(60),
  })
  .strict()
  .refine((q) => q.to === undefined || q.from === undefined || q.to > q.from, { message: '`to` must be after `from`', path: ['to'] });

/** The candle timeframes the trade page offers (seconds per candle). */
export const CANDLE_RESOLUTIONS = [60, 300, 3600] as const;

/** /api/candles: OHLC of a market's indexed oracle prices, 1-minute, 5-minute or 1-hour candles. */
export const candlesQuery = z
  .object({
    market: int(0, 15),
    from: int(0, 2 ** 40).optional(),
    to: int(0, 2 ** 40).optional(),
    resolution: z.coerce
      .number()
      .int()
      .refine((r) => (CANDLE_RESOLUTIONS as readonly number[]).includes(r), { message: `resolution is one of ${CANDLE_RESOLUTIONS.join(', ')} seconds` })
      .default(60),
  })
  .strict()
  .refine((q) => q.to === undefined || q.from === undefined || q.to > q.from, { message: '`to` must be after `from`', path: ['to'] });

/** A history query with its defaults at `nowSec` (the chain's time), refused when it spans more than MAX_BUCKETS. */
export function withHistoryDefaults<Q extends { from?: number; to?: number; resolution: number }>(q: Q, nowSec: number) {
  const to = q.to ?? nowSec;
  const from = q.from ?? Math.max(0, to - Math.min(q.resolution * MAX_BUCKETS, MAX_SPAN_SEC));
  if (to <= from) return { error: '`to` must be after `from`' } as const;
  if (to - from > MAX_SPAN_SEC) return { error: `at most ${MAX_SPAN_SEC / 86_400} days per query: narrow from..to` } as const;
  const buckets = Math.ceil((to - from) / q.resolution);
  if (buckets > MAX_BUCKETS) {
    return { error: `at most ${MAX_BUCKETS} buckets per query: (to - from) / resolution is ${buckets}; raise resolution or narrow from..to` } as const;
  }
  return { ...q, from, to } as const;
}

/** /api/liquidations: the newest `limit`, of one market or all. Every query schema is strict: a misspelled parameter is
 *  refused (400), never dropped for its default. */
export const limitQuery = z.object({ limit: int(1, 500).default(50), market: int(0, 15).optional() }).strict();

/** An account's history (/api/accounts/:address/trades and /options): the newest `limit`, every market. */
export const accountHistoryQuery = z.object({ limit: int(1, 500).default(50) }).strict();

/** /api/pyth/updates: comma-separated market ids (at most 16, each once). */
export const pythUpdatesQuery = z.object({
  markets: z
    .string()
    .regex(/^\d{1,2}(,\d{1,2}){0,15}$/, 'comma-separated market ids, e.g. 0,2')
    .transform((s) => [...new Set(s.split(',').map(Number))]),
}).strict();

/** The longest list /api/positions returns. */
export const TOP_POSITIONS_MAX = 100;
/** /api/positions: the largest open positions and those closest to liquidation, `limit` of each. */
export const topPositionsQuery = z.object({ limit: int(1, TOP_POSITIONS_MAX).default(20), market: int(0, 15).optional() }).strict();

/** /api/options: one market's boards, or every market's. */
export const optionsQuery = z.object({ market: int(0, 15).optional() }).strict();

/** /api/stress: price shocks in bps per market (e.g. eth=-4000), a sigma multiplier, an LP cash outflow in bps. */
const L = STRESS_LIMITS;
export const stressQuery = z.object({
  priceBps: z
    .record(
      z.string().regex(/^\d+$/, 'market ids are integers'),
      z.coerce.number().int().min(L.priceBps.min, 'a price can fall at most 99% (-9900 bps): a price of zero is no price').max(L.priceBps.max),
    )
    .default({}),
  volMultiplier: z.coerce.number().min(L.volMultiplier.min).max(L.volMultiplier.max).default(1),
  cashOutflowBps: z.coerce.number().int().min(L.cashOutflowBps.min).max(L.cashOutflowBps.max).default(0),
  // how long the shocked sigma persists before positions are checked: maintenance ramps toward it, as on chain
  hours: z.coerce.number().min(L.hours.min).max(L.hours.max).default(0),
});

/** Named shocks; `everyMarketBps` moves every listed market's price (expanded with the deployment's market ids). */
export const SCENARIOS: Record<string, Omit<z.input<typeof stressQuery>, 'priceBps'> & { everyMarketBps?: number }> = {
  crash: { everyMarketBps: -4000, volMultiplier: 3 },
  spike: { everyMarketBps: 3000, volMultiplier: 2 },
  volsurge: { volMultiplier: 5, hours: 24 },
  bankrun: { cashOutflowBps: 5000 },
};

/** A scenario as a stress query over the given market ids. */
export function scenarioQuery(name: string, marketIds: number[]): z.input<typeof stressQuery> | undefined {
  const s = SCENARIOS[name];
  if (!s) return undefined;
  const { everyMarketBps, ...rest } = s;
  const priceBps = everyMarketBps === undefined ? {} : Object.fromEntries(marketIds.map((id) => [String(id), everyMarketBps]));
  return { ...rest, priceBps };
}

/**
 * /api/stress's query: `scenario` (a named shock over `marketIds`), or a custom one from `price.<id>` (bps), `vol`,
 * `cashOut` and `hours`. Names are checked as sent (an empty value is no value, a misspelled name is refused); the
 * values by `stressQuery`.
 */
export function parseStressQuery(params: URLSearchParams, marketIds: number[]) {
  for (const k of params.keys()) {
    if (k !== 'scenario' && !/^price\.\d+$/.test(k) && !['vol', 'cashOut', 'hours'].includes(k)) {
      // `price.` with no market id (or one not a number) named a shock it would not apply
      throw new BadRequest(/^price\./.test(k) ? `"${k}" names no market: use price.<market id>, e.g. price.0` : `unknown parameter "${k}"`);
    }
  }
  const q = Object.fromEntries([...params.entries()].filter(([, v]) => v.trim() !== ''));
  const names = Object.keys(SCENARIOS).join(', ');
  if (params.has('scenario') && q.scenario === undefined) throw new BadRequest(`empty scenario; use one of ${names}`);
  let raw;
  if (q.scenario !== undefined) {
    raw = scenarioQuery(q.scenario, marketIds);
    if (!raw) throw new BadRequest(`unknown scenario "${q.scenario}"; use one of ${names}`);
  } else {
    const priceBps: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) {
      const m = /^price\.(\d+)$/.exec(k);
      if (m) priceBps[m[1]] = v;
    }
    raw = { priceBps, volMultiplier: q.vol, cashOutflowBps: q.cashOut, hours: q.hours };
  }
  const shock = stressQuery.parse(raw);
  return { ...shock, priceBps: Object.fromEntries(Object.entries(shock.priceBps).map(([k, v]) => [Number(k), v])) };
}
