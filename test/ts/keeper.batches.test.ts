/**
 * How the keeper batches actionable trigger orders (services/keeper/orders.ts planOrderBatches): one market per batch,
 * so a pull-oracle market without a fresh update holds back only its own orders (P-65); every market's take-profits
 * and stop-losses before any opens, so a flood of opens that cannot fill never delays a trader's exit (P-68).
 */
import { describe, expect, it } from 'vitest';
import { encodeAbiParameters, encodeEventTopics } from 'viem';
import { orderBookAbi, type CounterpoolContracts } from '@/lib/contracts';
import { OrderWatcher, planOrderBatches, splitCapped } from '@/services/keeper/orders';
import { ordersSettledIn } from '@/services/keeper/receipts';
import type { OpenOrder } from '@/services/keeper/orders';

const LIMIT_OPEN = 0;
const STOP_LOSS = 3;
const TAKE_PROFIT = 2;
const order = (id: number, marketId: number, kind: number, account = 0xa1): OpenOrder => ({
  id: BigInt(id),
  account: `0x${account.toString(16).padStart(40, '0')}`,
  marketId,
  isLong: true,
  kind,
  triggerPriceWad: 10n ** 21n,
  expiresAt: 2 ** 31,
});

describe('order batches', () => {
  it('puts exits first, one market per batch, oldest first, within the per-block cap', () => {
    // 120 junk opens on market 0 created before a stop-loss on market 0 and a take-profit on market 2
    const work = [...Array.from({ length: 120 }, (_, i) => order(i + 1, 0, LIMIT_OPEN)), order(500, 2, TAKE_PROFIT), order(200, 0, STOP_LOSS), order(700, 1, LIMIT_OPEN)];
    const plan = planOrderBatches(work, 50, 3);
    expect(plan.length).toBe(3);
    expect(plan[0]).toEqual({ marketId: 0, ids: [200n] }); // market 0's stop-loss, alone, before any open
    expect(plan[1]).toEqual({ marketId: 2, ids: [500n] }); // market 2's take-profit, in a batch of its own market
    expect(plan[2].ids).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 1)));
    for (const b of plan) expect(new Set(work.filter((o) => b.ids.includes(o.id)).map((o) => o.marketId)).size).toBe(1);
  });

  it('sends every order when the cap allows, each exactly once', () => {
    const work = [order(3, 1, LIMIT_OPEN), order(1, 0, STOP_LOSS), order(2, 1, TAKE_PROFIT), order(4, 0, LIMIT_OPEN)];
    const plan = planOrderBatches(work, 50, 10);
    expect(plan.flatMap((b) => b.ids).sort()).toEqual([1n, 2n, 3n, 4n]);
    expect(plan.map((b) => b.marketId)).toEqual([0, 1, 1, 0]);
    expect(plan.slice(0, 2).flatMap((b) => b.ids)).toEqual([1n, 2n]); // the exits
  });

  it('puts orders that never missed first, then each account in turn, then markets in turn', () => {
    const spam = Array.from({ length: 300 }, (_, i) => order(i + 1, 0, STOP_LOSS, 0xbad));
    const honest = order(1000, 0, STOP_LOSS, 0xa1);
    const other = order(1001, 1, STOP_LOSS, 0xa2);
    const missed = new Set([5n, 6n]);
    const plan = planOrderBatches([...spam, honest, other], 50, 5, (o) => (missed.has(o.id) ? 3 : 0));
    expect(plan[0].marketId).toBe(0);
    expect(plan[0].ids.slice(0, 2)).toEqual([1n, 1000n]); // the flooding account's first order, then the next account's
    expect(plan[1]).toEqual({ marketId: 1, ids: [1001n] }); // market 1 takes its turn before market 0's second batch
    const sent = plan.flatMap((b) => b.ids);
    expect(sent).not.toContain(5n); // 249 orders that never missed fill the rest: the missed ones wait
    expect(planOrderBatches([order(5, 0, STOP_LOSS, 0xbad), order(7, 0, STOP_LOSS, 0xbad)], 1, 2, (o) => (o.id === 5n ? 1 : 0)).flatMap((b) => b.ids)).toEqual([7n, 5n]);
    expect(new Set(sent).size).toBe(sent.length);
  });

  /**
   * The keeper's schedule, block by block: the batches planOrderBatches picks, mined the next block, each order left
   * on the book missing once more and paused 2^min(misses, 8) blocks, ranked by its misses plus its account's other
   * orders that missed (services/keeper/main.ts). A review placed K
   * stop-losses that can never fill, all crossed in the same block as an honest one placed after them; before, the
   * honest one waited until every one of them had failed (97 blocks at K = 5,000, on its market or any other).
   */
  function blocksUntilSent(spam: OpenOrder[], honest: OpenOrder): number {
    const work = [...spam, honest];
    const misses = new Map<bigint, number>();
    const pausedUntil = new Map<bigint, number>();
    for (let block = 0; block < 10_000; block++) {
      const due = work.filter((o) => (pausedUntil.get(o.id) ?? 0) <= block);
      const failingOf = new Map<string, number>();
      for (const id of misses.keys()) {
        const a = work.find((o) => o.id === id)!.account;
        failingOf.set(a, (failingOf.get(a) ?? 0) + 1);
      }
      for (const b of planOrderBatches(due, 50, 5, (o) => (misses.get(o.id) ?? 0) + (failingOf.get(o.account) ?? 0))) {
        if (b.ids.includes(honest.id)) return block;
        for (const id of b.ids) {
          const m = (misses.get(id) ?? 0) + 1;
          misses.set(id, m);
          pausedUntil.set(id, block + 1 + 2 ** Math.min(m, 8));
        }
      }
    }
    return Infinity;
  }

  it('an honest stop-loss goes out in the block it crosses, behind one account\'s flood of failing exits', () => {
    const flood = Array.from({ length: 5_000 }, (_, i) => order(i + 1, 0, STOP_LOSS, 0xbad));
    expect(blocksUntilSent(flood, order(9_999, 0, STOP_LOSS, 0xa1))).toBe(0);
    expect(blocksUntilSent(flood, order(9_999, 1, STOP_LOSS, 0xa1))).toBe(0);
  });

  it('behind many accounts each flooding, it waits one pass over their first orders only', () => {
    // 1,000 accounts (each with a position to keep its exits live) of 5 failing stop-losses each
    const flood = Array.from({ length: 5_000 }, (_, i) => order(i + 1, 0, STOP_LOSS, 0x1000 + (i % 1_000)));
    const sameMarket = blocksUntilSent(flood, order(9_999, 0, STOP_LOSS, 0xa1));
    expect(sameMarket).toBeLessThanOrEqual(Math.ceil(1_000 / 250)); // 250 orders a block; before: 97 blocks
    expect(blocksUntilSent(flood, order(9_999, 1, STOP_LOSS, 0xa1))).toBe(0); // another market: its turn at once
  });

  it('reads the engine\'s refusals from the receipt (OrderFillFailed), which rank orders, not missed triggers', () => {
    const book = '0x00000000000000000000000000000000000b00c5' as const;
    const owner = '0x00000000000000000000000000000000000000a1' as const;
    const keeper = '0x00000000000000000000000000000000000000c7' as const;
    const log = (address: `0x${string}`) => ({
      address,
      topics: encodeEventTopics({ abi: orderBookAbi, eventName: 'OrderFillFailed', args: { orderId: 7n, account: owner, keeper } }),
      data: encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [25_000n, 1n]),
    });
    const c = { orderBook: { address: book, abi: orderBookAbi } } as unknown as CounterpoolContracts;
    const done = ordersSettledIn({ logs: [log(book), log('0x00000000000000000000000000000000000000ff')] } as never, c);
    expect([...done.refused].map(([id, a]) => [id, a.toLowerCase()])).toEqual([[7n, owner]]); // another contract's look-alike event is ignored
    expect(done.filled.size + done.removed.size).toBe(0);
  });
  it('never sends an unexpired order on a market the engine does not list (its execution could only fail)', async () => {
    // two markets listed on chain (the deployment file has one: a market listed later counts); orders restored from
    // the chain: reduce-only with no position on listed market 1 (an
    // orphan: cleared for the clearing share), the same on unlisted market 5 (before the order book refused such ids,
    // a review's five of them took every batch of each pass), an expired one on market 5 (expiry clears it first),
    // and a stop-loss on market 0 its price crossed
    const now = 1_000_000;
    const onChain = new Map<bigint, object>([
      [1n, { account: '0x00000000000000000000000000000000000000a1', marketId: 1, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: now + 60 }],
      [2n, { account: '0x00000000000000000000000000000000000000a2', marketId: 5, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: now + 60 }],
      [3n, { account: '0x00000000000000000000000000000000000000a3', marketId: 5, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: now - 1 }],
      [4n, { account: '0x00000000000000000000000000000000000000a4', marketId: 0, isLong: true, kind: STOP_LOSS, triggerPriceWad: 10n ** 21n, expiresAt: now + 60 }],
    ]);
    const client = { readContract: async ({ args }: { args: [bigint] }) => onChain.get(args[0]) };
    const c = { startBlock: 1n, markets: [{ id: 0 }], orderBook: { address: '0x00000000000000000000000000000000000b00c5', abi: orderBookAbi } } as unknown as CounterpoolContracts;
    const watcher = new OrderWatcher(client as never, c, { info: () => {}, warn: () => {}, error: () => {} } as never);
    await watcher.restore([1n, 2n, 3n, 4n]);
    const ids = watcher.actionable(new Map([[0, 10n ** 20n]]), now, (o) => o.marketId === 0, 2).map((o) => o.id);
    expect(ids.sort()).toEqual([1n, 3n, 4n]);
  });
  it('counts the engine\'s refusals from the order book\'s events, so a restarted keeper ranks orders as before', async () => {
    const book = '0x00000000000000000000000000000000000b00c5' as const;
    const flooder = '0x0000000000000000000000000000000000000bad' as const;
    const honest = '0x00000000000000000000000000000000000000a1' as const;
    const terms = (account: `0x${string}`) => ({ account, marketId: 0, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: 2 ** 31 });
    // the chain's history: the flooder's orders 1 and 2, the honest order 3; the engine refused order 1 twice and
    // order 2 once; order 2 was then cancelled (its own count goes, its owner's stays)
    const history = [
      { eventName: 'OrderCreated', args: { orderId: 1n, order: terms(flooder) } },
      { eventName: 'OrderCreated', args: { orderId: 2n, order: terms(flooder) } },
      { eventName: 'OrderCreated', args: { orderId: 3n, order: terms(honest) } },
      { eventName: 'OrderFillFailed', args: { orderId: 1n, account: flooder } },
      { eventName: 'OrderFillFailed', args: { orderId: 1n, account: flooder } },
      { eventName: 'OrderFillFailed', args: { orderId: 2n, account: flooder } },
      { eventName: 'OrderCancelled', args: { orderId: 2n } },
    ];
    const client = { getLogs: async () => history, getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ hash: `0x${blockNumber.toString(16)}` }) };
    const c = { startBlock: 1n, markets: [{ id: 0 }], orderBook: { address: book, abi: orderBookAbi } } as unknown as CounterpoolContracts;
    const quiet = { info: () => {}, warn: () => {}, error: () => {} } as never;
    for (let start = 0; start < 2; start++) {
      // a fresh watcher each time: what a keeper that restarts builds from the deploy block
      const watcher = new OrderWatcher(client as never, c, quiet);
      await watcher.sync(10n);
      expect(watcher.size()).toBe(2);
      expect(watcher.failures(watcher.get(1n)!)).toBe(2 + 3); // its own two, its owner's three (one cancelled)
      expect(watcher.failures(watcher.get(3n)!)).toBe(0);
      const plan = planOrderBatches([watcher.get(1n)!, watcher.get(3n)!], 1, 1, (o) => watcher.failures(o));
      expect(plan[0].ids).toEqual([3n]); // the honest order first
    }
  });

  it("an account's past refusals put its stop-loss behind one attempt of a fresh account's flood, not eight (review)", async () => {
    const book = '0x00000000000000000000000000000000000b00c5' as const;
    const honest = '0x00000000000000000000000000000000000000a1' as const;
    const fresh = '0x0000000000000000000000000000000000000f00' as const;
    const terms = (account: `0x${string}`) => ({ account, marketId: 0, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: 2 ** 31 });
    // the honest account's limit order 1 was refused 16 times and removed; its stop-loss 2 is new. A fresh account's
    // never-filling stop-loss 3 (placed later) has been refused twice.
    const history = [
      { eventName: 'OrderCreated', args: { orderId: 1n, order: terms(honest) } },
      ...Array.from({ length: 16 }, () => ({ eventName: 'OrderFillFailed', args: { orderId: 1n, account: honest } })),
      { eventName: 'OrderCancelled', args: { orderId: 1n, reason: 4 } }, // refused out of the book
      { eventName: 'OrderCreated', args: { orderId: 2n, order: terms(honest) } },
      { eventName: 'OrderCreated', args: { orderId: 3n, order: terms(fresh) } },
      { eventName: 'OrderFillFailed', args: { orderId: 3n, account: fresh } },
      { eventName: 'OrderFillFailed', args: { orderId: 3n, account: fresh } },
    ];
    const client = { getLogs: async () => history, getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ hash: `0x${blockNumber.toString(16)}` }) };
    const c = { startBlock: 1n, markets: [{ id: 0 }], orderBook: { address: book, abi: orderBookAbi } } as unknown as CounterpoolContracts;
    const watcher = new OrderWatcher(client as never, c, { info: () => {}, warn: () => {}, error: () => {} } as never);
    await watcher.sync(10n);
    expect(watcher.failures(watcher.get(2n)!)).toBe(0 + 1); // uncapped: 16, behind 3 (2 + 2)
    expect(watcher.failures(watcher.get(3n)!)).toBe(2 + 2);
    const plan = planOrderBatches([watcher.get(3n)!, watcher.get(2n)!], 1, 1, (o) => watcher.failures(o));
    expect(plan[0].ids).toEqual([2n]);
  });

  it("a flood's untried orders stay behind an honest exit refused once, however the flood's refused orders left", async () => {
    const book = '0x00000000000000000000000000000000000b00c5' as const;
    const honest = '0x00000000000000000000000000000000000000a1' as const;
    const flooder = '0x0000000000000000000000000000000000000bad' as const;
    const terms = (account: `0x${string}`) => ({ account, marketId: 0, isLong: true, kind: STOP_LOSS, triggerPriceWad: 1n, expiresAt: 2 ** 31 });
    const refuse = (orderId: bigint, account: `0x${string}`, n: number) => Array.from({ length: n }, () => ({ eventName: 'OrderFillFailed', args: { orderId, account } }));
    // the flooder's orders 1 (refused 3 times, open), 2 (refused twice, then cancelled by its owner) and 3 (refused
    // once, then expired), and its untried order 4; the honest stop-loss 9, refused once (slippage in a fast move)
    const history = [
      ...[1n, 2n, 3n, 4n].map((orderId) => ({ eventName: 'OrderCreated', args: { orderId, order: terms(flooder) } })),
      { eventName: 'OrderCreated', args: { orderId: 9n, order: terms(honest) } },
      ...refuse(1n, flooder, 3),
      ...refuse(2n, flooder, 2),
      ...refuse(3n, flooder, 1),
      ...refuse(9n, honest, 1),
      { eventName: 'OrderCancelled', args: { orderId: 2n, reason: 0 } },
      { eventName: 'OrderCancelled', args: { orderId: 3n, reason: 1 } },
    ];
    const client = { getLogs: async () => history, getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ hash: `0x${blockNumber.toString(16)}` }) };
    const c = { startBlock: 1n, markets: [{ id: 0 }], orderBook: { address: book, abi: orderBookAbi } } as unknown as CounterpoolContracts;
    const watcher = new OrderWatcher(client as never, c, { info: () => {}, warn: () => {}, error: () => {} } as never);
    await watcher.sync(10n);
    expect(watcher.failures(watcher.get(4n)!)).toBe(0 + 6); // every refusal of its owner's, cancelled and expired too
    expect(watcher.failures(watcher.get(9n)!)).toBe(1 + 1);
    const plan = planOrderBatches([watcher.get(4n)!, watcher.get(9n)!], 1, 1, (o) => watcher.failures(o));
    expect(plan[0].ids).toEqual([9n]); // capped at one per account, the flood's untried order ranked 1 and went first
  });
});

describe('a reverted batch and clearings (review BQ)', () => {
  it("sends a reverted batch's orders in chunks of its cap, two a pass, without taking the other markets' turns", () => {
    const plan = [
      { marketId: 0, ids: [1n, 2n, 3n, 4n, 5n, 6n] },
      { marketId: 1, ids: [7n, 8n] },
    ];
    const caps = new Map([[1n, 2], [2n, 2], [3n, 2], [4n, 2], [5n, 2]]); // 6 was not in the reverted batch
    const out = splitCapped(plan, (id) => caps.get(id), 5);
    expect(out).toEqual([
      { marketId: 0, ids: [1n, 2n] },
      { marketId: 0, ids: [3n, 4n] }, // two chunks of market 0 this pass; 5 and 6 at the next
      { marketId: 1, ids: [7n, 8n] }, // market 1 keeps its turn
    ]);
    expect(splitCapped(plan, () => undefined, 5)).toEqual(plan);
    expect(splitCapped(plan, (id) => caps.get(id), 2).map((b) => b.marketId)).toEqual([0, 0]);
  });

  it('puts clearings (expired, orphaned) in batches of their own, after the exits and before the opens', () => {
    const orphan = (id: number) => order(id, 0, STOP_LOSS, 0xbad);
    const work = [orphan(1), orphan(2), order(3, 0, STOP_LOSS), order(4, 0, LIMIT_OPEN), orphan(5)];
    const plan = planOrderBatches(work, 50, 5, () => 0, (o) => o.account.endsWith('bad'));
    expect(plan).toEqual([
      { marketId: 0, ids: [3n] },
      { marketId: 0, ids: [1n, 2n, 5n] },
      { marketId: 0, ids: [4n] },
    ]);
  });
});
