/**
 * How the keeper batches actionable trigger orders (services/keeper/orders.ts planOrderBatches): one market per batch,
 * so a pull-oracle market without a fresh update holds back only its own orders (P-65); every market's take-profits
 * and stop-losses before any opens, so a flood of opens that cannot fill never delays a trader's exit (P-68).
 */
import { describe, expect, it } from 'vitest';
import { planOrderBatches } from '@/services/keeper/orders';
import type { OpenOrder } from '@/services/keeper/orders';

const LIMIT_OPEN = 0;
const STOP_LOSS = 3;
const TAKE_PROFIT = 2;
const order = (id: number, marketId: number, kind: number): OpenOrder => ({
  id: BigInt(id),
  account: '0x00000000000000000000000000000000000000a1',
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
});
