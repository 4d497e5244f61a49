/** The keeper's trigger rule (lib/orders.ts) equals OrderBook.triggered on chain, for every kind, side and price. */
import { describe, expect, it } from 'vitest';
import { FAILED_FILL_SHARE_BPS, MAX_FAILED_FILLS, NO_BOUND, triggered } from '@/lib/orders';
import { clients, rng } from './helpers';
import { c } from './fixtures';

describe('trigger rule: TypeScript mirror vs OrderBook', () => {
  it('agrees on random orders and prices, including the trigger itself', async () => {
    const { publicClient } = clients();
    const r = rng(67n);
    const zero = '0x0000000000000000000000000000000000000000' as const;
    for (let i = 0; i < 64; i++) {
      const kind = i % 4;
      const isLong = (i >> 2) % 2 === 0;
      const trigger = r.between(10n ** 15n, 10n ** 24n);
      const price = i % 8 === 7 ? trigger : r.between(trigger / 2n, trigger * 2n);
      const order = { account: zero, executionFeeUsd: 0, expiresAt: 0, marketId: 0, isLong, kind, triggerPriceWad: trigger, slippageBps: 0, sizeDeltaUsd: 0n, collateralUsd: 0n, failedFills: 0 };
      const onChain = await publicClient.readContract({ ...c.orderBook, functionName: 'triggered', args: [order, price] });
      expect(triggered({ kind, isLong, triggerPriceWad: trigger }, price)).toBe(onChain);
    }
  });

  it('the book constants the app shows are the contract\'s', async () => {
    const { publicClient } = clients();
    const read = (functionName: 'FAILED_FILL_SHARE_BPS' | 'MAX_FAILED_FILLS' | 'NO_BOUND') => publicClient.readContract({ ...c.orderBook, functionName });
    expect(Number(await read('FAILED_FILL_SHARE_BPS'))).toBe(FAILED_FILL_SHARE_BPS);
    expect(Number(await read('MAX_FAILED_FILLS'))).toBe(MAX_FAILED_FILLS);
    expect(Number(await read('NO_BOUND'))).toBe(NO_BOUND);
  });
});
