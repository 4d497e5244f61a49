/**
 * Keeper order throughput: 1,000 limit orders (100 accounts x 10) on one market, all triggered by one price move, then
 * the real keeper process on 1-second blocks with anvil's default 30M block gas. Reports blocks and seconds from the
 * move to the last fill, and the gas the fills used per block. Prints one JSON line. Needs anvil on BENCH_RPC_URL with
 * the contracts deployed.
 */
import { getAbiItem, maxUint256, type Address } from 'viem';
import { c, devAccount, pub, send, startSyncedKeeper, test } from './lib/chain';

const N = Number(process.env.BENCH_ORDERS ?? 1000);
const PER_ACCOUNT = 10;
const USD = (n: number) => BigInt(n) * 10n ** 6n;
const deployer = devAccount(0);
const lp = devAccount(4);

await test.setAutomine(true);
for (let i = 0; i < 10; i++) await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.token, functionName: 'faucet', args: [USD(1_000_000)] }) });
await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.token, functionName: 'approve', args: [c.pool.address, maxUint256] }) });
await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.pool, functionName: 'deposit', args: [USD(10_000_000), lp.address] }) });

const [p0] = await pub.readContract({ ...c.feeds[0], functionName: 'latestPrice' });
const trigger = (p0 * 99n) / 100n; // a limit long fills at or below
const expiresAt = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
const accounts = Array.from({ length: Math.ceil(N / PER_ACCOUNT) }, (_, i) => `0x${(0xbf00000 + i).toString(16).padStart(40, '0')}` as Address);
const t0 = Date.now();
for (const a of accounts) {
  await test.impersonateAccount({ address: a });
  await test.setBalance({ address: a, value: 10n ** 20n });
}
await test.setAutomine(false);
const hashes: `0x${string}`[] = [];
let created = 0;
for (const a of accounts) {
  hashes.push(await send(a, { ...c.token, functionName: 'faucet', args: [USD(5000)], gas: 100_000n }));
  hashes.push(await send(a, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256], gas: 100_000n })); // execution fees
  hashes.push(await send(a, { ...c.token, functionName: 'approve', args: [c.engine.address, maxUint256], gas: 100_000n })); // collateral, pulled when a fill opens
  for (let k = 0; k < PER_ACCOUNT && created < N; k++, created++) {
    // one position per account and side: each account's orders add to its ETH long
    hashes.push(await send(a, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 0, trigger, 100n, USD(1000), USD(100), expiresAt, USD(1)], gas: 300_000n }));
  }
}
while ((await pub.getBlock({ blockTag: 'pending' })).transactions.length > 0) await test.mine({ blocks: 1 });
await test.setAutomine(true);
const failed = (await Promise.all(hashes.slice(-20).map((hash) => pub.getTransactionReceipt({ hash })))).filter((r) => r.status !== 'success');
if (failed.length) throw new Error('setup transactions failed');
const setupSec = (Date.now() - t0) / 1000;

// The keeper runs (and has synced its order book) before the move, as in production; then 1-second blocks.
const keeper = await startSyncedKeeper(8796, {}, (h) => h.ordersWatched >= N);
await test.setAutomine(false);
await send(deployer, { ...c.feeds[0], functionName: 'setPrice', args: [(p0 * 985n) / 1000n] }); // -1.5%: every trigger crossed
await test.mine({ blocks: 1 });
const moveBlock = await pub.getBlockNumber();
const movedAt = Date.now();
await test.setIntervalMining({ interval: 1 });
const ev = getAbiItem({ abi: c.orderBook.abi, name: 'OrderExecuted' });
let lastBlock = moveBlock;
let count = 0;
let perBlock = new Map<bigint, number>();
const deadline = Date.now() + 180_000;
while (Date.now() < deadline) {
  if ((await pub.getBlockNumber()) <= moveBlock) {
    await new Promise((r) => setTimeout(r, 100)); // no block after the move yet (a range past the head is an error)
    continue;
  }
  const logs = await pub.getLogs({ address: c.orderBook.address, event: ev, fromBlock: moveBlock + 1n });
  count = logs.length;
  perBlock = new Map();
  for (const l of logs) perBlock.set(l.blockNumber!, (perBlock.get(l.blockNumber!) ?? 0) + 1);
  lastBlock = logs.reduce((m, l) => (l.blockNumber! > m ? l.blockNumber! : m), moveBlock);
  if (count >= N) break;
  await new Promise((r) => setTimeout(r, 250));
}
const seconds = (Date.now() - movedAt) / 1000;
keeper.kill('SIGTERM');
const blocks = await Promise.all(Array.from({ length: Number(lastBlock - moveBlock) }, (_, i) => pub.getBlock({ blockNumber: moveBlock + 1n + BigInt(i) })));
const gasLimit = blocks[0]?.gasLimit ?? 0n;
const maxGasUsed = blocks.reduce((m, b) => (b.gasUsed > m ? b.gasUsed : m), 0n);
console.log(
  JSON.stringify({
    bench: 'orders',
    orders: N,
    filled: count,
    blocksAfterMove: Number(lastBlock - moveBlock),
    secondsToLastFill: Number(seconds.toFixed(1)),
    blockGasLimit: Number(gasLimit),
    maxBlockGasUsed: Number(maxGasUsed),
    fillsPerBlock: Array.from({ length: Number(lastBlock - moveBlock) }, (_, i) => perBlock.get(moveBlock + 1n + BigInt(i)) ?? 0),
    gasPerFill: count ? Math.round(blocks.reduce((s, b) => s + Number(b.gasUsed), 0) / count) : 0,
    setupSeconds: Number(setupSec.toFixed(0)),
  }),
);
process.exit(count >= N ? 0 : 1);
