/**
 * An exit batch's gas covers exits whose state changes in front of it (services/keeper/orders.ts orderBatchGas; review
 * BQ): the keeper's book holds an honest long with a stop-loss and an attacker's ten longs with stop-losses, all
 * crossed, so it batches the eleven exits together. The attacker closes its positions before the keeper's estimate
 * (which then prices its stop-losses as cheap clearings) and opens them again before the batch lands (each a fill once
 * more). On the estimate's headroom alone the batch ran out of gas and reverted with the honest stop-loss in it, at no
 * cost to the attacker; with a fill's gas per exit it lands and fills the honest stop-loss. (Orders the keeper already
 * sees as clearings go in batches of their own: keeper.batches.test.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFunctionData, maxUint256 } from 'viem';
import { gasWithHeadroom } from '@/lib/gas';
import { orderBatchGas } from '@/services/keeper/orders';
import { clients, isolateChain } from './helpers';
import { c, close, deposit, fundAndApprove, open, price, setPrice, tx, USD } from './fixtures';

isolateChain(beforeAll, afterAll);

const STOP_LOSS = 3;
const KEEPER = 1; // the deployment's keeper account (KEEPER_ROLE on the order book)
const HONEST = 6;
const ATTACKERS = Array.from({ length: 10 }, (_, i) => 10 + i); // each clears for about 60k in the estimate, fills for about 100k
const ETH = 0;

async function stopLoss(index: number, triggerWad: bigint, sizeUsd: bigint) {
  const { publicClient } = clients(index);
  const fee = await publicClient.readContract({ ...c.orderBook, functionName: 'minExecutionFeeUsd' });
  await fundAndApprove(index, fee);
  await tx(index, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
  const now = (await publicClient.getBlock()).timestamp;
  await tx(index, { ...c.orderBook, functionName: 'createOrder', args: [BigInt(ETH), true, STOP_LOSS, triggerWad, 65_535n, sizeUsd, 0n, now + 86_400n, fee] });
  return (await publicClient.readContract({ ...c.orderBook, functionName: 'nextOrderId' })) - 1n;
}

/** The keeper's estimate of executeOrders(ids) (one execution, as the keeper's createAccessList). */
async function estimate(ids: bigint[]) {
  const { publicClient, walletClient } = clients(KEEPER);
  const { gasUsed } = await publicClient.createAccessList({ account: walletClient.account, to: c.orderBook.address, data: encodeFunctionData({ abi: c.orderBook.abi, functionName: 'executeOrders', args: [ids] }) });
  return gasUsed;
}

async function send(ids: bigint[], gas: bigint) {
  const { publicClient, walletClient } = clients(KEEPER);
  const hash = await walletClient.writeContract({ ...c.orderBook, functionName: 'executeOrders', args: [ids], gas } as never);
  return publicClient.waitForTransactionReceipt({ hash });
}

describe('order batch gas (review BQ)', () => {
  it('an orphan turned into a fill in front of the batch no longer reverts it: the honest stop-loss fills', async () => {
    await deposit(3, USD(2_000_000));
    const p0 = await price(ETH);
    await open(HONEST, ETH, true, USD(5000), USD(50_000));
    const trigger = (p0 * 99n) / 100n;
    const honest = await stopLoss(HONEST, trigger, USD(50_000));
    const orphans = []; // the attacker's stop-losses
    for (const a of ATTACKERS) orphans.push(await stopLoss(a, trigger, USD(20_000)));
    await setPrice(ETH, (p0 * 98n) / 100n); // every stop-loss crossed
    const ids = [honest, ...orphans];
    const attackersOpen = async () => {
      for (const a of ATTACKERS) await open(a, ETH, true, USD(2000), USD(20_000));
    };
    const honestSize = async () => (await clients().publicClient.readContract({ ...c.engine, functionName: 'position', args: [clients(HONEST).walletClient.account.address, BigInt(ETH), true] })).sizeUsd;

    const attackersClose = async () => {
      for (const a of ATTACKERS) await close(a, ETH, true);
    };
    await attackersOpen(); // what the keeper's book reads: eleven crossed exits

    // before: the estimate's headroom alone
    await attackersClose();
    const before = await estimate(ids);
    await attackersOpen();
    const reverted = await send(ids, gasWithHeadroom(before + before / 4n));
    expect(reverted.status, 'the batch ran out of gas on the revived orders').toBe('reverted');
    expect(await honestSize()).toBe(USD(50_000));

    // the same again, the batch given a fill's gas per exit
    await attackersClose();
    const estimated = await estimate(ids);
    await attackersOpen();
    const landed = await send(ids, orderBatchGas(estimated, ids.length)); // an exit batch: a fill's gas per order
    expect(landed.status).toBe('success');
    expect(await honestSize(), 'the honest stop-loss filled').toBe(0n);
    expect(landed.gasUsed).toBeGreaterThan(gasWithHeadroom(estimated + estimated / 4n) - 20_000n);
  });
});
