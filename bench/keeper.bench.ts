/**
 * Keeper reaction: 1,000 open long positions (spread over every listed market), a -40% shock in one price update, then the
 * real keeper process on 1-second blocks. Reports blocks and seconds from the shock to the last liquidation.
 * Prints one JSON line. Needs anvil on BENCH_RPC_URL with the contracts deployed.
 */
import { getAbiItem, maxUint256, type Address } from 'viem';
import { c, devAccount, pub, send, startSyncedKeeper, test } from './lib/chain';

const N = Number(process.env.BENCH_POSITIONS ?? 1000);
const deployer = devAccount(0);
const lp = devAccount(2);

await test.setAutomine(true);
for (let i = 0; i < 10; i++) await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.token, functionName: 'faucet', args: [1_000_000n * 10n ** 6n] }) });
await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.token, functionName: 'approve', args: [c.pool.address, maxUint256] }) });
await pub.waitForTransactionReceipt({ hash: await send(lp, { ...c.pool, functionName: 'deposit', args: [10_000_000n * 10n ** 6n, lp.address] }) });

const marketIds = c.markets.map((m) => BigInt(m.id)); // every listed market
const accounts = Array.from({ length: Math.ceil(N / marketIds.length) }, (_, i) => `0x${(0xbe00000 + i).toString(16).padStart(40, '0')}` as Address);
const t0 = Date.now();
for (const a of accounts) {
  await test.impersonateAccount({ address: a });
  await test.setBalance({ address: a, value: 10n ** 20n });
}
await test.setAutomine(false);
const hashes: `0x${string}`[] = [];
for (const a of accounts) {
  hashes.push(await send(a, { ...c.token, functionName: 'faucet', args: [2000n * 10n ** 6n], gas: 100_000n }));
  hashes.push(await send(a, { ...c.token, functionName: 'approve', args: [c.engine.address, maxUint256], gas: 100_000n }));
  for (const m of marketIds) hashes.push(await send(a, { ...c.engine, functionName: 'increasePosition', args: [m, true, 500n * 10n ** 6n, 5000n * 10n ** 6n, maxUint256], gas: 400_000n }));
}
while ((await pub.getBlock({ blockTag: 'pending' })).transactions.length > 0) await test.mine({ blocks: 1 });
await test.setAutomine(true);
const statuses = await Promise.all(hashes.slice(-4).map((hash) => pub.getTransactionReceipt({ hash })));
if (statuses.some((r) => r.status !== 'success')) throw new Error('setup transactions failed');
const setupSec = (Date.now() - t0) / 1000;

// The keeper runs (and has synced its book) before the shock, as in production; then 1-second blocks.
const keeper = await startSyncedKeeper(8797, { KEEPER_BATCH: '100' }, (h) => h.positionsWatched >= N);
const before = await Promise.all(c.feeds.map(async (f) => (await pub.readContract({ ...f, functionName: 'latestPrice' }))[0]));
await test.setAutomine(false);
for (const [i, f] of c.feeds.entries()) await send(deployer, { ...f, functionName: 'setPrice', args: [(before[i] * 60n) / 100n] });
await test.mine({ blocks: 1 }); // every price update lands in one block: the shock block
const shockBlock = await pub.getBlockNumber();
const shockAt = Date.now();
await test.setIntervalMining({ interval: 1 });
const ev = getAbiItem({ abi: c.engine.abi, name: 'PositionLiquidated' });
let lastBlock = shockBlock;
let count = 0;
const deadline = Date.now() + 120_000;
while (Date.now() < deadline) {
  // a node refuses a range that starts past its head (anvil: BlockOutOfRangeError): wait for the first block after the shock
  if ((await pub.getBlockNumber()) <= shockBlock) {
    await new Promise((r) => setTimeout(r, 250));
    continue;
  }
  // only this bench's positions: an earlier section's on the same chain may be liquidated by the shock too
  const mine = new Set(accounts.map((a) => a.toLowerCase()));
  const logs = (await pub.getLogs({ address: c.engine.address, event: ev, fromBlock: shockBlock + 1n })).filter((l) => mine.has(l.args.account!.toLowerCase()));
  count = logs.length;
  if (count >= accounts.length * marketIds.length) {
    lastBlock = logs.reduce((m, l) => (l.blockNumber! > m ? l.blockNumber! : m), 0n);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
const seconds = (Date.now() - shockAt) / 1000;
keeper.kill('SIGTERM');
const opened = accounts.length * marketIds.length;
console.log(JSON.stringify({ bench: 'keeper', positions: N, opened, accounts: accounts.length, markets: marketIds.length, liquidated: count, blocksAfterShock: Number(lastBlock - shockBlock), secondsToLastLiquidation: Number(seconds.toFixed(1)), setupSeconds: Number(setupSec.toFixed(0)) }));
process.exit(count >= opened ? 0 : 1);
