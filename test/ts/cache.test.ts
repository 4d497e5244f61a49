/** The API's memo: fresh within its TTL, stale-while-revalidate after, one load for concurrent misses, no kept errors. */
import { describe, expect, it, vi } from 'vitest';
import { cached } from '@/lib/server/db';

describe('cached', () => {
  it('serves fresh values, then the stale one while a single refresh runs, then the new one', async () => {
    vi.useFakeTimers();
    try {
      let n = 0;
      let release: (() => void) | null = null;
      const load = vi.fn(async () => {
        n++;
        if (n > 1) await new Promise<void>((r) => (release = r));
        return n;
      });
      const get = cached(1000, load, 5000);
      const [a, b] = await Promise.all([get(), get()]);
      expect([a, b, load.mock.calls.length]).toEqual([1, 1, 1]); // concurrent misses share one load
      vi.advanceTimersByTime(1500);
      expect(await get()).toBe(1); // stale, refresh started
      expect(await get()).toBe(1); // still stale, no second refresh
      expect(load.mock.calls.length).toBe(2);
      release!();
      await vi.waitFor(async () => expect(await get()).toBe(2));
      vi.advanceTimersByTime(6000); // older than staleMs: callers wait for the refresh
      const waiting = get();
      await vi.waitFor(() => expect(release).not.toBeNull());
      release!();
      expect(await waiting).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not keep a failure', async () => {
    let fail = true;
    const get = cached(1000, async () => {
      if (fail) throw new Error('db down');
      return 'ok';
    });
    await expect(get()).rejects.toThrow('db down');
    fail = false;
    expect(await get()).toBe('ok');
  });
});
