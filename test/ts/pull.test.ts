/**
 * PullPrices (lib/pyth/pull.ts), the one source of Pyth updates for the keeper and the app's /api/pyth/updates: under
 * load it asks Hermes at most once per market at a time and once per reuse window, remembers a failure for the same
 * window (an outage is not retried by every caller), fetches markets in parallel, and leaves push-feed markets out.
 */
import { describe, expect, it } from 'vitest';
import type { Hex, PublicClient } from 'viem';
import { PullPrices } from '@/lib/pyth/pull';
import type { Hermes } from '@/lib/pyth/hermes';
import type { CounterpoolContracts } from '@/lib/contracts';

const feed = (i: number) => `0x${String(i).padStart(40, '0')}` as const;
const c = {
  markets: [
    { id: 0, name: 'A', feed: feed(1), pull: true },
    { id: 1, name: 'B', feed: feed(2), pull: false },
    { id: 2, name: 'C', feed: feed(3), pull: true },
  ],
} as unknown as CounterpoolContracts;
const client = {
  readContract: async ({ functionName, address }: { functionName: string; address: string }) =>
    functionName === 'priceId' ? (`0x${address.slice(-2).padStart(64, '0')}` as Hex) : functionName === 'pyth' ? feed(9) : 1n,
} as unknown as PublicClient;

function hermesCounting(delayMs: number, fail = () => false) {
  const calls: Hex[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const hermes: Hermes = {
    atOrAfter: async () => null,
    latest: async (id) => {
      calls.push(id);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await new Promise((r) => setTimeout(r, delayMs));
      concurrent--;
      if (fail()) throw new Error('Hermes answered 500 for http://hermes/...');
      return [`0x${id.slice(-2)}` as Hex];
    },
  };
  return { hermes, calls, max: () => maxConcurrent };
}

describe('PullPrices', () => {
  it('shares one Hermes fetch per market among concurrent callers and reuses it for the window', async () => {
    const h = hermesCounting(50);
    const p = new PullPrices(client, c, { warn: () => {} }, h.hermes, 200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => p.updates([0, 1, 2])));
    expect(h.calls).toHaveLength(2); // markets 0 and 2, once each; market 1 is a push feed
    expect(h.max()).toBe(2); // in parallel, not one after the other
    for (const a of answers) expect(a!.map((u) => u.feed)).toEqual([feed(1), feed(3)]);
    await p.updates([0]);
    expect(h.calls).toHaveLength(2); // within the window
    await new Promise((r) => setTimeout(r, 250));
    await p.updates([0]);
    expect(h.calls).toHaveLength(3); // after it
    expect(await p.updates([1])).toEqual([]);
  });

  it('remembers a failure for the window instead of retrying it for every caller', async () => {
    let down = true;
    const h = hermesCounting(10, () => down);
    const warned: unknown[] = [];
    const p = new PullPrices(client, c, { warn: (_m, extra) => warned.push(extra) }, h.hermes, 200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => p.updates([0])));
    expect(answers.every((a) => a === null)).toBe(true);
    await expect(p.updatesOrThrow([0])).rejects.toThrow(/answered 500/);
    expect(h.calls).toHaveLength(1);
    expect(warned.length).toBe(10);
    down = false;
    await new Promise((r) => setTimeout(r, 250));
    expect(await p.updates([0])).toHaveLength(1);
    expect(h.calls).toHaveLength(2);
  });

  it("gives the markets it can when one is down, so one market's outage hides no other market's price", async () => {
    const h = hermesCounting(5);
    const down = new Set<string>([`0x${'3'.padStart(64, '0')}`]); // market 2's feed
    const hermes: Hermes = { ...h.hermes, latest: async (id) => (down.has(id) ? Promise.reject(new Error('Hermes answered 500')) : h.hermes.latest(id)) };
    const warned: unknown[] = [];
    const p = new PullPrices(client, c, { warn: (_m, extra) => warned.push(extra) }, hermes, 0);
    expect(await p.updates([0, 2])).toBeNull(); // all-or-nothing: what a batch posting both needs
    const some = await p.availableUpdates([0, 1, 2]);
    expect(some.map((u) => u.feed)).toEqual([feed(1)]); // market 0's; market 1 is a push feed
    expect(warned.at(-1)).toEqual({ markets: [2] });
    down.clear();
    expect((await p.availableUpdates([0, 2])).map((u) => u.feed)).toEqual([feed(1), feed(3)]);
  });

  it('without Hermes, a pull market waits and a push market needs nothing', async () => {
    const p = new PullPrices(client, c, { warn: () => {} });
    expect(await p.updates([1])).toEqual([]);
    expect(await p.updates([2])).toBeNull();
  });
});
