import { getAddress } from 'viem';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { decodeRevert, errorForLog } from '@/lib/errors';

/** Errors that mean an oracle price is too old or missing: answered as a stale price, with Retry-After. */
const STALE_PRICE_ERRORS = new Set(['PriceTooOld', 'StalePrice', 'SequencerDown', 'SequencerGracePeriod', 'SequencerStatusUnknown', 'PriceBeforeSequencerRestart', 'OptionsBookStale']);

/** 400 with a readable JSON error for invalid input; 503 when a dependency is down; never an unhandled 500. */
export async function handle<T>(run: () => Promise<T>, { maxAgeSec = 2, status }: { maxAgeSec?: number; status?: (body: T) => number } = {}) {
  try {
    const body = await run();
    return NextResponse.json(body, { status: status?.(body) ?? 200, headers: { 'cache-control': `public, max-age=${maxAgeSec}` } });
  } catch (e) {
    if (e instanceof z.ZodError) {
      return NextResponse.json(
        { error: 'invalid request', issues: e.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        { status: 400 },
      );
    }
    if (e instanceof BadRequest) return NextResponse.json({ error: e.message }, { status: 400 });
    // A revert is named and explained (a stale price says so, not "chain unreachable"); anything else is a dependency down.
    const revert = decodeRevert(e);
    if (revert) {
      const stale = STALE_PRICE_ERRORS.has(revert.errorName);
      return NextResponse.json(
        { error: stale ? 'stale price' : 'chain call reverted', revert: revert.errorName, detail: errorForLog(e) },
        { status: 503, headers: stale ? { 'retry-after': '5' } : undefined },
      );
    }
    const detail = errorForLog(e);
    console.error(JSON.stringify({ level: 'error', msg: 'api: upstream unavailable', detail }));
    return NextResponse.json({ error: 'upstream unavailable', detail: publicDetail(detail) }, { status: 503 });
  }
}

/** An upstream error's first line as the client may see it: URLs, the host a system error names (Node's "connect
 *  ECONNREFUSED 10.0.3.7:5432", "getaddrinfo ENOTFOUND postgres.internal"), IP addresses and host:port pairs are left
 *  out; the server logs them whole. */
export function publicDetail(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '<url>')
    .replace(/\b(E[A-Z_]{3,}|getaddrinfo|connect)\s+(?:E[A-Z_]{3,}\s+)?(?!E[A-Z_]{3,}\b)[^\s,;)]+/g, (m) => `${m.split(/\s+/).slice(0, -1).join(' ')} <host>`)
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?\b/g, '<host>')
    .replace(/\b(localhost|[\w-]+(\.[\w-]+)+):\d{1,5}\b/gi, '<host>');
}

export class BadRequest extends Error {}

/** A request's query parameters. An empty value is no value (`?market=` is `?`): its default applies, or a required
 *  one is missing (400), where coercing it would read 0 (market 0, a volatility multiplier of 0). */
export function queryObject(url: string): Record<string, string | undefined> {
  // kept as undefined rather than dropped, so a strict schema still refuses a misspelled name sent empty
  return Object.fromEntries([...new URL(url).searchParams.entries()].map(([k, v]) => [k, v.trim() === '' ? undefined : v]));
}

/** A 0x address, answered back checksummed (EIP-55) whatever case the client sent. */
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
  .transform((a) => getAddress(a.toLowerCase()));
