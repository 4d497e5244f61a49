/**
 * The keeper counts what the chain did: a liquidation batch that succeeds after another keeper was first liquidates
 * fewer positions than its simulation said, and only the PositionLiquidated events in its receipt count (the events
 * /api/liquidations serves), so the keeper's health and the API agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liquidationsIn } from '@/services/keeper/receipts';
import { clients, isolateChain } from './helpers';
import { c, deposit, open, price, setPrice, tx, USD } from './fixtures';

isolateChain(beforeAll, afterAll);

describe('keeper receipts', () => {
  it('a batch another keeper front-ran counts only what it liquidated', async () => {
    const { publicClient } = clients();
    await deposit(4, USD(1_000_000));
    const a = clients(5).walletClient.account.address;
    const b = clients(6).walletClient.account.address;
    await open(5, 0, true, USD(500), USD(10_000));
    await open(6, 0, true, USD(500), USD(10_000));
    await setPrice(0, ((await price(0)) * 90n) / 100n);
    const refs = [a, b].map((account) => ({ account, marketId: 0n, isLong: true }));

    // Our keeper (account 7) simulates: both eligible.
    const keeper = clients(7).walletClient.account;
    const { result } = await publicClient.simulateContract({ ...c.engine, functionName: 'liquidateBatch', args: [refs], account: keeper });
    expect(result[0]).toBe(2n);
    // Another keeper (account 8) liquidates one of them first.
    const rival = await tx(8, { ...c.engine, functionName: 'liquidate', args: [a, 0n, true] });
    expect(liquidationsIn(rival, c)).toBe(1);
    // Ours still succeeds, with one liquidation, not the two simulated.
    const receipt = await tx(7, { ...c.engine, functionName: 'liquidateBatch', args: [refs] });
    expect(receipt.status).toBe('success');
    expect(liquidationsIn(receipt, c)).toBe(1);
    // A batch with nothing left to do succeeds and counts zero.
    const empty = await tx(7, { ...c.engine, functionName: 'liquidateBatch', args: [refs] });
    expect(liquidationsIn(empty, c)).toBe(0);
  });
});
