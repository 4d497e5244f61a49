import 'server-only';
import type { z } from 'zod';
import { BadRequest, queryObject } from '@/lib/api/http';
import { withHistoryDefaults } from '@/lib/api/schemas';
import { chainNowSec, requireListedMarket } from './metrics';

/**
 * A time-range query (history, activity, candles) parsed once: the schema's fields, the market listed (or the pool, -1,
 * where `poolAllowed`), and `from`/`to` defaulted to the chain's clock within the bucket limit; a BadRequest (400)
 * otherwise.
 */
export async function rangeQuery<S extends z.ZodType<{ market: number; from?: number; to?: number; resolution: number }>>(
  req: Request,
  schema: S,
  { poolAllowed = false } = {},
) {
  const parsed = schema.parse(queryObject(req.url)) as z.infer<S>;
  requireListedMarket(parsed.market, { poolAllowed });
  const q = withHistoryDefaults(parsed, await chainNowSec());
  if ('error' in q) throw new BadRequest(q.error);
  return q;
}
