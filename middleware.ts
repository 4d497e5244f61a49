import { NextResponse, type NextRequest } from 'next/server';

/**
 * API guard (issue 15): every /api answer stays JSON under abuse.
 * - A URL longer than MAX_URL_BYTES is refused with a JSON 414 naming the limit (the HTTP server's own header limit
 *   is raised above it in `npm start`, so an oversized query reaches this answer instead of an empty 431).
 * - Per client, a token bucket: API_RATE_BURST requests at once, refilled at API_RATE_PER_SEC; beyond it a JSON 429
 *   with Retry-After. The client is the address the outermost of API_TRUSTED_PROXIES reverse proxies appended to
 *   X-Forwarded-For (that many entries from the right), else X-Real-IP, else one shared bucket: entries further left
 *   are whatever the client sent (a review sent its own first hop, the one this used to key on, and had a fresh bucket
 *   every request).
 * - At most MAX_CLIENTS buckets: past it, the fullest go (a full bucket holds no state; a limited client's is the
 *   emptiest), down to nine tenths of it. A flood of new clients used to clear every bucket, the limited ones' too.
 * State is per server process, which is what one `next start` is.
 */
const MAX_URL_BYTES = 8192;
const BURST = Number(process.env.API_RATE_BURST ?? 120);
const PER_SEC = Number(process.env.API_RATE_PER_SEC ?? 40);
const TRUSTED_PROXIES = Number(process.env.API_TRUSTED_PROXIES ?? 1);
const MAX_CLIENTS = 10_000;
const buckets = new Map<string, { tokens: number; at: number }>();

function client(req: NextRequest): string {
  if (TRUSTED_PROXIES > 0) {
    const hops = (req.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    if (hops.length >= TRUSTED_PROXIES) return hops[hops.length - TRUSTED_PROXIES];
  }
  return req.headers.get('x-real-ip') || 'local';
}

/** Keeps at most MAX_CLIENTS buckets, dropping the fullest (tokens now, refill included) first. */
function evict(now: number) {
  if (buckets.size <= MAX_CLIENTS) return;
  const fullest = [...buckets].map(([k, b]) => [k, b.tokens + (now - b.at) * PER_SEC] as const).sort((x, y) => y[1] - x[1]);
  for (const [k] of fullest.slice(0, buckets.size - Math.floor(MAX_CLIENTS * 0.9))) buckets.delete(k);
}

export function middleware(req: NextRequest) {
  const size = req.url.length;
  if (size > MAX_URL_BYTES) {
    return NextResponse.json({ error: `request URL is ${size} bytes; the limit is ${MAX_URL_BYTES}` }, { status: 414 });
  }
  const now = Date.now() / 1000;
  const key = client(req);
  const b = buckets.get(key) ?? { tokens: BURST, at: now };
  b.tokens = Math.min(BURST, b.tokens + (now - b.at) * PER_SEC);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(key, b);
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / PER_SEC));
    return NextResponse.json(
      { error: `rate limit: at most ${BURST} requests at once and ${PER_SEC} a second per client; retry in ${retryAfter} s` },
      { status: 429, headers: { 'retry-after': String(retryAfter) } },
    );
  }
  b.tokens -= 1;
  buckets.set(key, b);
  evict(now);
  return NextResponse.next();
}

export const config = { matcher: '/api/:path*' };
