import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** /api/history and /api/activity: unix seconds, to > from, at most 5,000 buckets. */
export const historyQuery = z
  .object({
    market: int(-1, 15).default(-1),
    from: int(0, 2 ** 40).optional(),
    to: int(0, 2 ** 40).optional(),
    resolution: int(1, 86_400 * 7).default(60),
  })
  .transform((q) => {
    const to = q.to ?? Math.floor(Date.now() / 1000) + 3600 * 24 * 365 * 5;
    const from = q.from ?? 0;
    return { ...q, from, to };
  })
  .refine((q) => q.to > q.from, { message: '`to` must be after `from`', path: ['to'] });

export const limitQuery = z.object({ limit: int(1, 500).default(50), market: int(0, 15).optional() });

/** /api/stress: price shocks in bps per market (e.g. eth=-4000), a sigma multiplier, an LP cash outflow in bps. */
export const stressQuery = z.object({
  priceBps: z.record(z.string().regex(/^\d+$/, 'market ids are integers'), z.coerce.number().int().min(-9900).max(100_000)).default({}),
  volMultiplier: z.coerce.number().min(0).max(100).default(1),
  cashOutflowBps: z.coerce.number().int().min(0).max(10_000).default(0),
});

/** Named shocks; `everyMarketBps` moves every listed market's price (expanded with the deployment's market ids). */
export const SCENARIOS: Record<string, Omit<z.input<typeof stressQuery>, 'priceBps'> & { everyMarketBps?: number }> = {
  crash: { everyMarketBps: -4000, volMultiplier: 3 },
  spike: { everyMarketBps: 3000, volMultiplier: 2 },
  volsurge: { volMultiplier: 5 },
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
