import { NextResponse, type NextRequest } from 'next/server';

/**
 * API guard (issue 15): every /api answer stays JSON under abuse.
 * - A URL longer than MAX_URL_BYTES is refused with a JSON 414 naming the limit (the HTTP server's own header limit
 *   is raised above it in `npm start`, so an oversized query reaches this answer instead of an empty 431).
 * - Per client (first X-Forwarded-For hop, else the connection's address), a token bucket: API_RATE_BURST requests at
 *   once, refilled at API_RATE_PER_SEC; beyond it a JSON 429 with Retry-After.
 * State is per server process, which is what one `next start` is.
 */
const MAX_URL_BYTES = 8192;
const BURST = Number(process.env.API_RATE_BURST ?? 120);
const PER_SEC = Number(process.env.API_RATE_PER_SEC ?? 40);
const buckets = new Map<string, { tokens: number; at: number }>();

function client(req: NextRequest): string {
  return req.headers.get('x-forwarded-for')?.split(',')[0].trim() || req.headers.get('x-real-ip') || 'local';
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
  if (buckets.size > 10_000) buckets.clear(); // bounded memory under a flood of distinct clients
  return NextResponse.next();
}

export const config = { matcher: '/api/:path*' };
