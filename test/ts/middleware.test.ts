/**
 * The API's per-client rate limit (middleware.ts) behind one reverse proxy (API_TRUSTED_PROXIES=1, the default): the
 * client is the address the proxy appended to X-Forwarded-For, and no flood of other clients resets a limited one. A
 * review found the limit keyed on the first hop, which the client writes itself (a fresh bucket every request), and a
 * flood of 10,000 made-up keys cleared every bucket.
 */
import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { middleware } from '@/middleware';

const call = (xff?: string) =>
  middleware(new NextRequest('http://localhost/api/markets', { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })).status;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('API rate limit', () => {
  it('keys on the hop the proxy appended: hops the client wrote itself change nothing', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000);
    let limited = 0;
    for (let i = 0; i < 200; i++) if (call('203.0.113.7') === 429) limited++;
    expect(limited).toBe(200 - 120); // the burst, then 429s (the clock stands still: no refill)
    for (let i = 0; i < 50; i++) expect(call(`10.0.${i}.1, 203.0.113.7`)).toBe(429);
    expect(call('198.51.100.9')).toBe(200); // another client has its own bucket
  });

  it('a flood of new clients does not reset a limited one', () => {
    vi.spyOn(Date, 'now').mockReturnValue(2_000_000_000);
    while (call('203.0.113.8') !== 429);
    for (let i = 0; i < 12_000; i++) call(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(call('203.0.113.8')).toBe(429);
  });
});
