/**
 * Whole-transaction gas on anvil: the receipts' gasUsed (21,000 base + calldata + execution − refund), the measure
 * the anchors' figures in shared/reference use. Every action is a fresh transaction in its own block, by a fresh
 * account where "first" matters (new storage slots cost 20,000 more each). Prints one JSON line.
 * Needs anvil on BENCH_RPC_URL with the contracts deployed (bench/run.mjs starts one).
 */
import { createPublicClient, createTestClient, createWalletClient, http, maxUint256, type Address, type Hash } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { localChain } from '../lib/chain';
import { contractsFor } from '../lib/contracts';
import { gasWithHeadroom } from '../lib/gas';
import { DEFAULTS } from '../lib/config';

const rpc = process.env.BENCH_RPC_URL ?? 'http://127.0.0.1:8575';
const chain = { ...localChain, rpcUrls: { default: { http: [rpc] } } };
const c = contractsFor(31337);
const pub = createPublicClient({ chain, transport: http(rpc) });
const test = createTestClient({ chain, mode: 'anvil', transport: http(rpc) });
const wallet = createWalletClient({ chain, transport: http(rpc) });
const mnemonic = DEFAULTS.devMnemonic;
const deployer = mnemonicToAccount(mnemonic, { addressIndex: 0 }); // owns the dev feeds
const USD = 10n ** 6n;
let lastHash: Hash | undefined;

async function tx(account: Address, req: Record<string, unknown>): Promise<bigint> {
  await pub.simulateContract({ ...req, account } as never); // a clear error instead of a bare revert
  // gasUsed does not depend on the limit; the headroom covers estimates taken before a time jump.
  const gas = gasWithHeadroom(await pub.estimateContractGas({ ...req, account } as never));
  const hash: Hash = await wallet.writeContract({ ...req, account, chain, gas } as never);
  const r = await pub.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new Error(`${String(req.functionName)} reverted`);
  lastHash = hash;
  return r.gasUsed;
}

async function fund(a: Address, usd: bigint, spender: Address) {
  await test.impersonateAccount({ address: a });
  await test.setBalance({ address: a, value: 10n ** 20n });
  for (let left = usd; left > 0n; left -= left > 1_000_000n ? 1_000_000n : left) {
    await tx(a, { ...c.token, functionName: 'faucet', args: [(left > 1_000_000n ? 1_000_000n : left) * USD] });
  }
  await tx(a, { ...c.token, functionName: 'approve', args: [spender, maxUint256] });
}

const fresh = (i: number) => `0x${(0xcafe0000 + i).toString(16).padStart(40, '0')}` as Address;
let next = 0;
const ethPrice = async () => (await pub.readContract({ ...c.feeds[0], functionName: 'latestPrice' }))[0];
const setEth = (priceWad: bigint) => tx(deployer.address, { ...c.feeds[0], functionName: 'setPrice', args: [priceWad] });
const refresh = async () => {
  for (const f of c.feeds) await tx(deployer.address, { ...f, functionName: 'setPrice', args: [(await pub.readContract({ ...f, functionName: 'latestPrice' }))[0]] });
};

await test.setAutomine(true);
const out: Record<string, number> = {};
// BENCH_HASHES=1 adds each figure's transaction hash (for a per-opcode trace: bench/profile.mjs).
const hashOf: Record<string, Hash | undefined> = {};
const record = new Proxy(out, { set: (o, k: string, v: number) => ((o[k] = v), (hashOf[k] = lastHash), true) });

// LPs: a first deposit (new share slot), a repeat deposit, then a withdrawal after the cooldown.
const lpBig = fresh(next++);
await fund(lpBig, 2_000_000n, c.pool.address);
await tx(lpBig, { ...c.pool, functionName: 'deposit', args: [1_000_000n * USD, lpBig] });
const lp = fresh(next++);
await fund(lp, 20_000n, c.pool.address);

// Open interest on the first LIVE_MARKETS listed markets (default 2, as the figures this bench is compared with were
// measured) so the NAV values them; markets without open interest cost the NAV nothing. Closed again at the end.
const LIVE_MARKETS = Number(process.env.BENCH_LIVE_MARKETS ?? 2);
const oiHolders: Address[] = [];
for (const m of c.markets.slice(0, LIVE_MARKETS).map((x) => BigInt(x.id))) {
  const a = fresh(next++);
  await fund(a, 1_000n, c.engine.address);
  await tx(a, { ...c.engine, functionName: 'increasePosition', args: [m, m === 0n, 1_000n * USD, 5_000n * USD, m === 0n ? maxUint256 : 0n] });
  oiHolders.push(a);
}

await test.increaseTime({ seconds: 30 });
await refresh();
record.depositFirst = Number(await tx(lp, { ...c.pool, functionName: 'deposit', args: [5_000n * USD, lp] }));
await refresh();
record.depositRepeat = Number(await tx(lp, { ...c.pool, functionName: 'deposit', args: [5_000n * USD, lp] }));
await test.increaseTime({ seconds: 3_600 });
await refresh();
record.withdraw = Number(await tx(lp, { ...c.pool, functionName: 'withdraw', args: [2_000n * USD, lp, lp] }));

/** Moves the chain to just past the next volatility-sampling boundary: the next trade is the interval's first (it takes
 *  the sample, about 12,000 gas, as the first trade after a quiet spell does) and the ones a few seconds later are not,
 *  so no figure depends on where the wall clock happens to fall. */
async function startSamplingInterval() {
  const interval = BigInt((await pub.readContract({ ...c.reader, functionName: 'marketConfig', args: [0n] })).sampleIntervalSec);
  const now = (await pub.getBlock()).timestamp;
  await test.setNextBlockTimestamp({ timestamp: (now / interval + 1n) * interval + 1n });
  await test.mine({ blocks: 1 });
  await refresh(); // the dev feeds publish at the new time
}

// Traders: first open (the interval's first trade), increase, full close.
const trader = fresh(next++);
await fund(trader, 5_000n, c.engine.address);
await startSamplingInterval();
record.open = Number(await tx(trader, { ...c.engine, functionName: 'increasePosition', args: [0n, true, 1_000n * USD, 10_000n * USD, maxUint256] }));
await test.increaseTime({ seconds: 5 });
await refresh();
record.increase = Number(await tx(trader, { ...c.engine, functionName: 'increasePosition', args: [0n, true, 0n, 1_000n * USD, maxUint256] }));
await test.increaseTime({ seconds: 5 });
await refresh();
record.close = Number(await tx(trader, { ...c.engine, functionName: 'decreasePosition', args: [0n, true, 0n, 11_000n * USD, 0n] }));

// Trigger orders: create (escrows the fee), cancel (refunds it), execute (a keeper fills a limit long: a first open
// by a fresh account, comparable with `open` above).
const orderTrader = fresh(next++);
await fund(orderTrader, 5_000n, c.engine.address);
await tx(orderTrader, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
const orderKeeper = fresh(next++);
await fund(orderKeeper, 10n, c.orderBook.address);
const keeperRole = await pub.readContract({ ...c.orderBook, functionName: 'KEEPER_ROLE' });
await tx(deployer.address, { ...c.orderBook, functionName: 'grantRole', args: [keeperRole, orderKeeper] }); // an order keeper
const expiresAt = (await pub.getBlock()).timestamp + 86_400n;
const p0 = await ethPrice();
const limitArgs = (trigger: bigint) => [0n, true, 0, trigger, 30n, 10_000n * USD, 1_000n * USD, expiresAt, USD] as const;
// The keeper has filled an order before and not claimed yet, as a working keeper has (it claims at
// KEEPER_CLAIM_MIN_USD): the book's credit of its fees is not a new slot. Another trader's limit long, crossed at once.
const warmTrader = fresh(next++);
await fund(warmTrader, 2_000n, c.engine.address);
await tx(warmTrader, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
const warmId = await pub.readContract({ ...c.orderBook, functionName: 'nextOrderId' });
await tx(warmTrader, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 0, (p0 * 101n) / 100n, 30n, 2_000n * USD, 500n * USD, expiresAt, USD] });
await tx(orderKeeper, { ...c.orderBook, functionName: 'executeOrder', args: [warmId] });
record.orderCreate = Number(await tx(orderTrader, { ...c.orderBook, functionName: 'createOrder', args: limitArgs((p0 * 99n) / 100n) }));
const toCancel = (await pub.readContract({ ...c.orderBook, functionName: 'nextOrderId' })) ;
await tx(orderTrader, { ...c.orderBook, functionName: 'createOrder', args: limitArgs((p0 * 90n) / 100n) });
record.orderCancel = Number(await tx(orderTrader, { ...c.orderBook, functionName: 'cancelOrder', args: [toCancel] }));
await test.increaseTime({ seconds: 5 });
await refresh();
await setEth((p0 * 985n) / 1000n);
// The matching market action: the same open by the same owner on the same state (a snapshot, reverted), so the
// execute's overhead is measured against exactly the trade it performs (the same cap and floor buckets, new or not).
const snapshot = await test.snapshot();
record.orderExecuteMatchingOpen = Number(await tx(orderTrader, { ...c.engine, functionName: 'increasePosition', args: [0n, true, 1_000n * USD, 10_000n * USD, maxUint256] }));
await test.revert({ id: snapshot });
record.orderExecute = Number(await tx(orderKeeper, { ...c.orderBook, functionName: 'executeOrder', args: [toCancel - 1n] }));
await setEth(p0);
await tx(orderTrader, { ...c.engine, functionName: 'decreasePosition', args: [0n, true, 0n, 10_000n * USD, 0n] });

// Liquidations: 11 thin longs, a -1.7% move (equity below maintenance, still positive), one alone then a batch of 10.
await startSamplingInterval(); // the first thin open takes the sample; the liquidations follow in the same interval
const thin: Address[] = [];
for (let i = 0; i < 11; i++) {
  const a = fresh(next++);
  await fund(a, 300n, c.engine.address);
  await tx(a, { ...c.engine, functionName: 'increasePosition', args: [0n, true, 300n * USD, 10_000n * USD, maxUint256] });
  thin.push(a);
}
const keeper = fresh(next++);
await fund(keeper, 10n, c.engine.address); // a working keeper already holds the token: its reward slot is not new
await test.increaseTime({ seconds: 5 });
await setEth(((await ethPrice()) * 983n) / 1000n);
const status = await pub.readContract({ ...c.reader, functionName: 'positionStatus', args: [thin[0], 0n, true] });
if (!status.liquidatable || status.equityUsd <= 0n) throw new Error(`setup: expected liquidatable with positive equity, got ${status.equityUsd}`);
record.liquidate = Number(await tx(keeper, { ...c.engine, functionName: 'liquidate', args: [thin[0], 0n, true] }));
const refs = thin.slice(1).map((account) => ({ account, marketId: 0n, isLong: true }));
record.liquidateBatchPerPosition = Math.round(Number(await tx(keeper, { ...c.engine, functionName: 'liquidateBatch', args: [refs] })) / refs.length);

// Leave the chain as found (the keeper bench that may follow counts every liquidation).
await refresh();
for (const [m, a] of oiHolders.entries()) {
  await tx(a, { ...c.engine, functionName: 'decreasePosition', args: [BigInt(m), m === 0, 0n, 5_000n * USD, m === 0 ? 0n : maxUint256] });
}

console.log(JSON.stringify({ bench: 'gas-tx', ...out, ...(process.env.BENCH_HASHES ? { hashes: hashOf } : {}) }));
