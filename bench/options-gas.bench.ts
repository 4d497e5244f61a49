/**
 * Options gas per whole transaction on anvil (receipts' gasUsed), against issue 13's targets: buy <= 200k, sell back
 * <= 180k, settle a board <= 60k + 5k per strike, greek-cache refresh <= 25k per strike, a deposit with options live
 * <= 10k more per market than a perpetuals-only deposit (perpetuals open on every market in both), and flat from 1 to 1,000 open option positions. Prints one JSON line.
 * Needs anvil on BENCH_RPC_URL with the contracts deployed (bench/run.mjs starts one). Accounts are funded by writing
 * the token's balance and allowance slots (OpenZeppelin ERC20: balances slot 0, allowances slot 1), so 1,000 holders
 * cost one transaction each.
 */
import { encodeAbiParameters, keccak256, maxUint256, type Address, type Hash } from 'viem';
import { gasWithHeadroom } from '../lib/gas';
import { c, chain, devAccount, pub, test, wallet } from './lib/chain';
import { WAD } from '../lib/math/fixed';

const HOLDERS = Number(process.env.BENCH_OPTION_HOLDERS ?? 1000);
const deployer = devAccount(0);
const USD = 10n ** 6n;
let lastHash: Hash | undefined;

async function tx(account: Address, req: Record<string, unknown>): Promise<bigint> {
  try {
    await pub.simulateContract({ ...req, account } as never);
    const gas = gasWithHeadroom(await pub.estimateContractGas({ ...req, account } as never));
    const hash: Hash = await wallet.writeContract({ ...req, account, chain, gas } as never);
    const r = await pub.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error('reverted on chain');
    lastHash = hash;
    return r.gasUsed;
  } catch (e) {
    const err = e as { shortMessage?: string; message: string };
    throw new Error(`${String(req.functionName)}(${String(req.args ?? '')}): ${(err.shortMessage ?? err.message).split('\n').slice(0, 3).join(' ')}`);
  }
}

const slotOf = (key: Address, slot: bigint) => keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [key, slot]));
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as `0x${string}`;

/** Gives `a` ETH for gas, `usd` of the token and an unlimited allowance to `spender`, without transactions. */
async function fund(a: Address, usd: bigint, spender: Address) {
  await test.impersonateAccount({ address: a });
  await test.setBalance({ address: a, value: 10n ** 20n });
  await test.setStorageAt({ address: c.token.address, index: slotOf(a, 0n), value: word(usd * USD) });
  const inner = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [spender, slotOf(a, 1n)]));
  await test.setStorageAt({ address: c.token.address, index: inner, value: word(maxUint256) });
}

const fresh = (i: number) => `0x${(0xbeef0000 + i).toString(16).padStart(40, '0')}` as Address;
let next = 0;
const pushAll = async () => {
  for (const f of c.feeds) await tx(deployer.address, { ...f, functionName: 'setPrice', args: [(await pub.readContract({ ...f, functionName: 'latestPrice' }))[0]] });
};
const quote = (boardId: bigint, k: bigint, isCall: boolean, isBuy: boolean, amount: bigint) =>
  pub.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, k, isCall, isBuy, amount] });
async function buy(a: Address, boardId: bigint, k: bigint, isCall: boolean, amount: bigint) {
  const q = await quote(boardId, k, isCall, true, amount);
  return tx(a, { ...c.optionsBook, functionName: 'buy', args: [boardId, k, isCall, amount, q.premiumUsd] });
}

/**
 * A keeper's refresh comes a while after the trades it reprices: the clock moves a minute (the borrow index and
 * funding accrue at the refresh, as they would), with no volatility sample due at it (near a sampling boundary the
 * clock first crosses it and a pinMarket takes the sample), so the figure does not depend on when the bench runs.
 */
async function aMinuteLater() {
  const interval = BigInt((await pub.readContract({ ...c.reader, functionName: 'marketConfig', args: [0n] })).sampleIntervalSec);
  const now = (await pub.getBlock()).timestamp;
  if (interval - (now % interval) < 120n) {
    await test.increaseTime({ seconds: Number(interval - (now % interval)) + 1 });
    await pushAll();
    for (let m = 0; m < c.feeds.length; m++) await tx(deployer.address, { ...c.engine, functionName: 'pinMarket', args: [BigInt(m)] });
  }
  await test.increaseTime({ seconds: 60 });
  await pushAll();
}

await test.setAutomine(true);
const out: Record<string, number> = {};
// BENCH_HASHES=1 adds each figure's transaction hash (for a per-opcode trace: bench/profile.mjs).
const hashOf: Record<string, Hash | undefined> = {};
const record = new Proxy(out, { set: (o, k: string, v: number) => ((o[k] = v), (hashOf[k] = lastHash), true) });

const lp = fresh(next++);
await fund(lp, 10_000_000n, c.pool.address);
await tx(lp, { ...c.pool, functionName: 'deposit', args: [5_000_000n * USD, lp] });
// Perpetuals open on every market, as in a deployment: the baseline is a perpetuals-only deposit (issue 13: "at most
// 10k more per market than a perpetuals-only deposit"), which already prices each market's oracle.
const perpTrader = fresh(next++);
await fund(perpTrader, 100_000n, c.engine.address);
for (let m = 0; m < c.feeds.length; m++) {
  await tx(perpTrader, { ...c.engine, functionName: 'increasePosition', args: [BigInt(m), m % 2 === 0, 1_000n * USD, 5_000n * USD, m % 2 === 0 ? maxUint256 : 0n] });
}
await pushAll();
record.depositNoOptions = Number(await tx(lp, { ...c.pool, functionName: 'deposit', args: [10_000n * USD, lp] }));

const keeper = fresh(next++);
await fund(keeper, 10n, c.pool.address);
record.listBoards = Number(await tx(keeper, { ...c.optionsBook, functionName: 'listBoards', args: [0n] }));
const ids = await pub.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] });
out.boardsListed = ids.length;
// by expiry (the live list has no set order)
const expiryOf = new Map<bigint, number>();
for (const id of ids) expiryOf.set(id, (await pub.readContract({ ...c.optionsBook, functionName: 'board', args: [id] })).expiry);
const boards = [...ids].sort((a, b) => expiryOf.get(a)! - expiryOf.get(b)!);
const board = boards[boards.length - 1]; // the furthest expiry: the clock can move without reaching it
const near = boards[0];

// Buy and sell back: a first buy (new holding slot) by a fresh account, a repeat buy, a sale of part of it.
const trader = fresh(next++);
await fund(trader, 1_000_000n, c.optionsBook.address);
await buy(trader, board, 3n, false, WAD); // the market's first option: the book's slots are created
await tx(keeper, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
const buyer = fresh(next++);
await fund(buyer, 1_000_000n, c.optionsBook.address);
record.buyCallFirst = Number(await buy(buyer, board, 5n, true, 2n * WAD));
record.buyPutRepeat = Number(await buy(buyer, board, 4n, false, WAD));
record.sellCall = Number(await tx(buyer, { ...c.optionsBook, functionName: 'sell', args: [board, 5n, true, WAD, 0n] }));

// Refresh: every strike of two boards open (calls and puts), per strike.
for (const b of [near, board]) for (let k = 0n; k < 11n; k++) await buy(buyer, b, k, k % 2n === 0n, WAD / 2n);
await tx(buyer, { ...c.optionsBook, functionName: 'buy', args: [near, 5n, false, WAD, (await quote(near, 5n, false, true, WAD)).premiumUsd] });
await aMinuteLater();
const refreshGas = Number(await tx(keeper, { ...c.optionsBook, functionName: "refresh", args: [0n] }));
hashOf.refreshTotal = lastHash;
// 22 strikes open (every strike of both boards), 24 strike-types: each strike's type from the loop, and on `board`
// also the call at strike 5 and the put at strike 4 bought above (the put at 3 is the loop's type).
const strikesOpen = 22;
out.refreshStrikes = strikesOpen;
out.refreshStrikeTypes = 24;
out.refreshPerStrike = Math.round(refreshGas / strikesOpen);
out.refreshTotal = refreshGas;
// What each further strike-type adds: 11 more on a third board (its board's reads included), then the same refresh.
const third = boards.find((b) => b !== near && b !== board);
if (third !== undefined) {
  for (let k = 0n; k < 11n; k++) await buy(buyer, third, k, k % 2n === 0n, WAD / 2n);
  await aMinuteLater();
  const more = Number(await tx(keeper, { ...c.optionsBook, functionName: 'refresh', args: [0n] }));
  out.refreshMarginalPerStrike = Math.round((more - refreshGas) / 11);
}

// Deposit with options live on one market, then with HOLDERS holders (each a separate account and holding).
await pushAll();
await tx(keeper, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
record.depositOptionsLive = Number(await tx(lp, { ...c.pool, functionName: 'deposit', args: [10_000n * USD, lp] }));
for (let i = 0; i < HOLDERS; i++) {
  if (i % 25 === 24) await pushAll(); // keep the dev feeds inside their 300 s max age however slow the machine
  const h = fresh(next++);
  await fund(h, 10_000n, c.optionsBook.address);
  await tx(h, { ...c.optionsBook, functionName: 'buy', args: [board, BigInt(i % 11), i % 2 === 0, WAD / 100n, 10_000n * USD] });
}
await pushAll();
await tx(keeper, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
out.optionHolders = HOLDERS;
record.depositOptionsLiveManyHolders = Number(await tx(lp, { ...c.pool, functionName: 'deposit', args: [10_000n * USD, lp] }));

// Settle the nearest board (11 strikes open) at the first price after its expiry.
const nb = await pub.readContract({ ...c.optionsBook, functionName: 'board', args: [near] });
await test.setNextBlockTimestamp({ timestamp: BigInt(nb.expiry) + 3n });
await pushAll();
const round = await pub.readContract({ ...c.feeds[0], functionName: 'latestRoundId' });
out.settleStrikes = 11;
record.settleBoard = Number(await tx(keeper, { ...c.optionsBook, functionName: 'settleBoard', args: [near, round] }));
record.claim = Number(await tx(buyer, { ...c.optionsBook, functionName: 'claim', args: [near, 5n, false] }));

console.log(JSON.stringify({ bench: 'options-gas', ...out, ...(process.env.BENCH_HASHES ? { hashes: hashOf } : {}) }));
