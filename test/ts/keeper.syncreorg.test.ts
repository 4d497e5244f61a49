/** The keeper's position and order syncs notice a reorg under the blocks they read (review AN: they synced up to the
 *  head and never looked back, so a position opened in a block that replaced a synced one was never watched, and so
 *  never liquidated, until a restart). anvil's snapshot and revert stand in for the reorg. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maxUint256, parseEventLogs } from 'viem';
import { orderBookAbi } from '@/lib/contracts';
import { clients, isolateChain } from './helpers';
import { c, deposit, fundAndApprove, open, price, tx, USD } from './fixtures';
import { PositionBook } from '@/services/keeper/book';
import { OrderWatcher } from '@/services/keeper/orders';
import { createLogger } from '@/services/lib/runtime';

isolateChain(beforeAll, afterAll);
const log = createLogger('keeper-reorg');

beforeAll(async () => {
  await deposit(5, USD(1_000_000));
  await fundAndApprove(11, USD(2000));
  await fundAndApprove(12, USD(2000));
  await tx(12, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
});

it('a position opened in a block that replaced an already-synced one is watched', async () => {
  const { publicClient, testClient } = clients();
  const book = new PositionBook(publicClient, c, log);
  const snap = await testClient.snapshot();
  await testClient.mine({ blocks: 1 }); // block H+1 (empty) ...
  const h1 = await publicClient.getBlockNumber();
  await book.sync(h1); // ... synced by the keeper
  await testClient.revert({ id: snap }); // reorg: H+1 replaced by a block holding a new open
  const r = await tx(11, { ...c.engine, functionName: 'increasePosition', args: [0n, true, USD(1000), USD(3000), maxUint256] });
  expect(r.blockNumber).toBe(h1);
  await book.sync(await publicClient.getBlockNumber());
  const who = clients(11).walletClient.account.address.toLowerCase();
  expect(book.refs().some((x) => x.account.toLowerCase() === who)).toBe(true);
});

it('a stop-loss created in a block that replaced an already-synced one is watched', async () => {
  const { publicClient, testClient } = clients();
  await open(12, 0, true, USD(1000), USD(3000));
  const orders = new OrderWatcher(publicClient, c, log);
  const snap = await testClient.snapshot();
  await testClient.mine({ blocks: 1 });
  const h1 = await publicClient.getBlockNumber();
  await orders.sync(h1);
  await testClient.revert({ id: snap });
  const p0 = await price(0);
  const expiresAt = (await publicClient.getBlock()).timestamp + 86_400n;
  const r = await tx(12, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 3, (p0 * 97n) / 100n, 100n, USD(3000), 0n, expiresAt, USD(1)] });
  expect(r.blockNumber).toBe(h1);
  await orders.sync(await publicClient.getBlockNumber());
  expect(orders.size()).toBe(1); // the stop-loss the chain holds
});

it('an order a lost block cancelled is open again after the reorg', async () => {
  const { publicClient, testClient } = clients();
  const p0 = await price(0);
  const expiresAt = (await publicClient.getBlock()).timestamp + 86_400n;
  const created = await tx(12, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 3, (p0 * 96n) / 100n, 100n, USD(3000), 0n, expiresAt, USD(1)] });
  const [{ args }] = parseEventLogs({ abi: orderBookAbi, eventName: 'OrderCreated', logs: created.logs });
  const id = args.orderId;
  const reads: bigint[] = []; // the first block of every log read
  const counted = new Proxy(publicClient, {
    get: (t, k) => (k === 'getLogs' ? (a: Parameters<typeof t.getLogs>[0]) => (reads.push(a!.fromBlock as bigint), t.getLogs(a)) : Reflect.get(t, k)),
  });
  const orders = new OrderWatcher(counted, c, log);
  await orders.sync(await publicClient.getBlockNumber());
  const open = orders.size();
  const snap = await testClient.snapshot();
  const r = await tx(12, { ...c.orderBook, functionName: 'cancelOrder', args: [id] });
  await orders.sync(r.blockNumber);
  expect(orders.size()).toBe(open - 1);
  await testClient.revert({ id: snap }); // the cancel's block is lost: an empty block takes its height
  while ((await publicClient.getBlockNumber({ cacheTime: 0 })) < r.blockNumber) await testClient.mine({ blocks: 1 });
  expect(await publicClient.getBlockNumber({ cacheTime: 0 })).toBe(r.blockNumber);
  reads.length = 0;
  await orders.sync(r.blockNumber);
  expect(orders.size()).toBe(open);
  expect(orders.get(id)).toBeDefined();
  // rewound to the newest block still on the chain, not read again from the deploy block (a review: every one-block
  // reorg re-read the whole history inside the keeper's loop)
  expect(reads).toEqual([r.blockNumber]);
});
