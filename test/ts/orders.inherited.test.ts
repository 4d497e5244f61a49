/**
 * A take-profit or stop-loss is tied to its market and side, not to one position (IOrderBook): the keeper clears it
 * once its position is gone, but a position reopened first takes it over. The trade page marks such an order
 * "from a closed position" (components/trade/OpenOrders), from positionOpenedPlace: the order was placed before the
 * position it now applies to was opened from zero. Here on a real chain, with no keeper running, so the orphan stays.
 */
import { maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logPlace, positionOpenedPlace } from '@/lib/orderHistory';
import { clients, isolateChain } from './helpers';
import { c, close, deposit, fundAndApprove, open, price, tx, USD } from './fixtures';

isolateChain(beforeAll, afterAll);

const TAKE_PROFIT = 2;
const WHOLE = (1n << 64n) - 1n;

async function takeProfit(index: number, trigger: bigint) {
  const { publicClient } = clients(index);
  const expiresAt = (await publicClient.getBlock()).timestamp + 86_400n;
  const receipt = await tx(index, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, TAKE_PROFIT, trigger, 100n, WHOLE, 0n, expiresAt, USD(1)] });
  return receipt.logs.find((l) => l.address.toLowerCase() === c.orderBook.address.toLowerCase())!;
}

describe('take-profit inherited by a reopened position', () => {
  it('is placed before the position it applies to was opened; one placed after is not', async () => {
    const trader = 11;
    const { publicClient, walletClient } = clients(trader);
    const account = walletClient.account.address;
    await deposit(4, USD(2_000_000));
    await fundAndApprove(trader, USD(10_000));
    await tx(trader, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
    const p0 = await price(0);
    const opened = async () => positionOpenedPlace(publicClient, c.engine.address, account, 0, true, c.startBlock, await publicClient.getBlockNumber({ cacheTime: 0 }));

    expect(await opened()).toBe(-1n); // never opened
    await open(trader, 0, true, USD(1000), USD(10_000));
    const first = await opened();
    const old = await takeProfit(trader, (p0 * 110n) / 100n);
    expect(logPlace(old) > first).toBe(true); // placed on this position: not inherited
    await open(trader, 0, true, USD(100), USD(1000)); // an increase is the same position
    expect(await opened()).toBe(first);

    await close(trader, 0, true);
    await open(trader, 0, true, USD(1000), USD(5000)); // reopened before any keeper cleared the take-profit
    const reopened = await opened();
    expect(reopened > first).toBe(true);
    expect(logPlace(old) < reopened).toBe(true); // the old one is inherited
    const fresh = await takeProfit(trader, (p0 * 112n) / 100n);
    expect(logPlace(fresh) > reopened).toBe(true); // a new one is not
  });
});
