/**
 * Market simulator (local and demo chains only): pushes dev-oracle prices for every market (GARCH(1,1) random walk with
 * occasional jumps) and drives a dozen simulated LPs and traders, so a fresh `npm start` shows a living market.
 * Scenarios (crash, spike, volsurge, bankrun) are triggered over HTTP: `npm run scenario -- crash`.
 */
import {
  formatUnits,
  maxUint256,
  parseUnits,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
} from 'viem';
import { mnemonicToAccount, nonceManager } from 'viem/accounts';
import { ANVIL_MNEMONIC, accountFromEnv, envInt, healthServer, onShutdown, setup, sleep } from '../lib/runtime';
import { createMarketModel, type Scenario } from './model';
import { gasWithHeadroom } from '../../lib/gas';
import { DEFAULTS } from '../../lib/config';
import { errorForLog } from '../../lib/errors';
import { OPTION_LOT_WAD } from '../../lib/math/options';
import { utilizationUp } from '../../lib/math/risk';

const { log, publicClient, contracts: c, wallet } = setup('simulator');
const TICK_MS = envInt('SIM_TICK_MS', 2000);
const PORT = envInt('SIM_PORT', DEFAULTS.ports.simulator, { max: 65535 });
const seed = envInt('SIM_SEED', Date.now() % 1_000_000, { min: 0 });

const oracle = wallet(accountFromEnv('ORACLE', 0));
const lpIdx = [3, 4, 5];
const traderIdx = [6, 7, 8, 9, 10, 11, 12, 13, 14];
const actor = (i: number) => wallet(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i, nonceManager }));
const lps = lpIdx.map(actor);
const traders = traderIdx.map(actor);

// Every listed market, from its feed's current price (a restart continues where the chain is).
const startPrices = await Promise.all(
  c.feeds.map(async (f) => Number(formatUnits((await publicClient.readContract({ ...f, functionName: 'latestPrice' }))[0], 18))),
);
const model = createMarketModel(seed, startPrices);
const stats = { ticks: 0, pricePushes: 0, trades: 0, optionTrades: 0, failures: 0, scenario: null as string | null, lastPrices: [] as number[] };
const stopping = onShutdown(log, () => {
  server.close();
});
const server = healthServer(PORT, () => ({ ...stats, scenarioQueue: model.pending() }), log, {
  '/scenario': async (body) => {
    const name = String((body as { name?: string }).name);
    if (!['crash', 'spike', 'volsurge', 'bankrun', 'calm'].includes(name)) throw new Error(`unknown scenario ${name}`);
    if (name === 'bankrun') void bankRun();
    else model.trigger(name as Scenario);
    stats.scenario = name;
    log.info('scenario triggered', { name });
    return { ok: true, scenario: name };
  },
});

/** Simulates, then sends with gas headroom; a refusal is logged and counted, never thrown. Typed over the generated
 *  ABIs: a misspelled function or wrong arguments do not compile. */
async function send<
  const A extends Abi,
  F extends ContractFunctionName<A, 'nonpayable' | 'payable'>,
  const Args extends ContractFunctionArgs<A, 'nonpayable' | 'payable', F>,
>(w: ReturnType<typeof actor>, req: { address: Address; abi: A; functionName: F; args: Args }, label: string): Promise<boolean> {
  try {
    // viem's parameter types are conditional on A and F, unresolvable inside this generic body: callers are checked above
    const call = req as { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };
    const { request } = await publicClient.simulateContract({ ...call, account: w.account });
    const gas = gasWithHeadroom(await publicClient.estimateContractGas(request));
    const hash = await w.writeContract({ ...request, gas });
    await publicClient.waitForTransactionReceipt({ hash });
    return true;
  } catch (e) {
    stats.failures++;
    log.warn('action skipped', { label, account: w.account.address, error: errorForLog(e) });
    return false;
  }
}

async function pushPrices() {
  const prices = model.step();
  stats.lastPrices = prices.map(Number);
  const hashes = await Promise.all(
    prices.map((p, i) =>
      oracle.writeContract({ ...c.feeds[i], functionName: 'setPrice', args: [parseUnits(p.toFixed(8), 18)] }),
    ),
  );
  await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })));
  stats.pricePushes += prices.length;
}

async function fund(w: ReturnType<typeof actor>, amount: bigint) {
  const bal = await publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [w.account.address] });
  if (bal < amount) await send(w, { ...c.token, functionName: 'faucet', args: [1_000_000n * 10n ** 6n] }, 'faucet');
  for (const spender of [c.engine.address, c.pool.address, c.optionsBook.address] as Address[]) {
    const allowance = await publicClient.readContract({ ...c.token, functionName: 'allowance', args: [w.account.address, spender] });
    if (allowance < amount) await send(w, { ...c.token, functionName: 'approve', args: [spender, maxUint256] }, 'approve');
  }
}

async function seedLiquidity() {
  const full = (await utilization()) >= OPEN_UTILIZATION_MAX;
  for (const [i, lp] of lps.entries()) {
    await fund(lp, 1_000_000n * 10n ** 6n);
    const shares = await publicClient.readContract({ ...c.pool, functionName: 'balanceOf', args: [lp.account.address] });
    if (shares === 0n || full) {
      const amount = BigInt(300_000 + i * 150_000) * 10n ** 6n;
      if (await send(lp, { ...c.pool, functionName: 'deposit', args: [amount, lp.account.address] }, 'lp deposit')) stats.trades++;
    }
  }
}

/** The pool's utilization now (reserves over cash), as a fraction. */
async function utilization(): Promise<number> {
  const p = await publicClient.readContract({ ...c.core, functionName: 'poolState' });
  return Number(formatUnits(utilizationUp(p.reservedUsd, p.poolCashUsd), 18));
}

/** Utilization past which simulated traders stop opening and the simulated LPs add liquidity: below where option buys
 *  stop (the borrow curve's kink less OptionsBook.LP_EXIT_ROOM_WAD: 70% in the deployment, P-106), so the demo keeps
 *  trading options. */
const OPEN_UTILIZATION_MAX = 0.6;

/** One random trader action: open, add, partial close, close or top up, sized within the live max leverage. */
async function traderAction(rand: () => number) {
  const t = traders[Math.floor(rand() * traders.length)];
  const market = Math.floor(rand() * c.markets.length);
  const isLong = rand() < 0.55;
  const pos = await publicClient.readContract({ ...c.engine, functionName: 'position', args: [t.account.address, BigInt(market), isLong] });
  let u = rand();
  if ((pos.sizeUsd === 0n || u < 0.35) && (await utilization()) >= OPEN_UTILIZATION_MAX) {
    if (pos.sizeUsd === 0n) return; // no new risk while the pool is that full: the next action may close
    u = 0.5; // close instead
  }
  if (pos.sizeUsd === 0n || u < 0.35) {
    await fund(t, 200_000n * 10n ** 6n);
    const [, , maxLevWad] = await publicClient.readContract({ ...c.reader, functionName: 'marginRates', args: [BigInt(market), 10n ** 10n] });
    const maxLev = Number(maxLevWad) / 1e18;
    const lev = Math.max(1.1, Math.min(maxLev * 0.9, 1 + rand() * rand() * 30));
    const collateral = BigInt(Math.round(200 + rand() * 4800)) * 10n ** 6n;
    // leverage on the equity the open fee leaves (the fee is at least the market's oracle lag: P-97)
    const { openFeeBps } = await publicClient.readContract({ ...c.reader, functionName: 'marketConfig', args: [BigInt(market)] });
    const levX100 = BigInt(Math.round(lev * 100));
    const size = (collateral * levX100 * 10_000n) / (100n * 10_000n + levX100 * BigInt(openFeeBps));
    const ok = await send(
      t,
      { ...c.engine, functionName: 'increasePosition', args: [BigInt(market), isLong, collateral, size, isLong ? maxUint256 : 0n] },
      `open ${isLong ? 'long' : 'short'} ${market}`,
    );
    if (ok) stats.trades++;
  } else if (u < 0.7) {
    const ok = await send(t, { ...c.engine, functionName: 'decreasePosition', args: [BigInt(market), isLong, 0n, pos.sizeUsd, isLong ? 0n : maxUint256] }, 'close');
    if (ok) stats.trades++;
  } else if (u < 0.85) {
    const ok = await send(t, { ...c.engine, functionName: 'decreasePosition', args: [BigInt(market), isLong, 0n, pos.sizeUsd / 3n, isLong ? 0n : maxUint256] }, 'partial close');
    if (ok) stats.trades++;
  } else {
    await fund(t, 1000n * 10n ** 6n);
    const ok = await send(t, { ...c.engine, functionName: 'increasePosition', args: [BigInt(market), isLong, 500n * 10n ** 6n, 0n, 0n] }, 'add collateral');
    if (ok) stats.trades++;
  }
}

/** One random options action: buy a call or put near the money on a live board (paying up to 2% over the quote), or
 *  sell back part of a holding at up to 2% under it. */
async function optionAction(rand: () => number) {
  const t = traders[Math.floor(rand() * traders.length)];
  const market = BigInt(Math.floor(rand() * c.markets.length));
  const boards = await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [market] });
  if (boards.length === 0) return;
  const boardId = boards[Math.floor(rand() * boards.length)];
  const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
  const k = BigInt(Math.max(0, Math.min(b.strikeCount - 1, Math.floor(b.strikeCount / 2 + (rand() - 0.5) * 6))));
  const isCall = rand() < 0.5;
  const held = await publicClient.readContract({ ...c.optionsBook, functionName: 'holding', args: [t.account.address, boardId, k, isCall] });
  const isBuy = held === 0n || rand() < 0.6;
  // a notional of 2,000-20,000 USD at the strike
  const raw = isBuy ? (BigInt(Math.round(2_000 + rand() * 18_000)) * 10n ** 36n) / (b.firstStrikeWad + k * b.strikeStepWad) : held / 2n;
  const amount = raw - (raw % OPTION_LOT_WAD); // whole lots (the book refuses any other amount)
  if (amount === 0n) return;
  try {
    const q = await publicClient.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, k, isCall, isBuy, amount] });
    if (isBuy) await fund(t, q.premiumUsd * 2n);
    const bound = isBuy ? (q.premiumUsd * 102n) / 100n : (q.premiumUsd * 98n) / 100n;
    const ok = await send(t, { ...c.optionsBook, functionName: isBuy ? 'buy' : 'sell', args: [boardId, k, isCall, amount, bound] }, `${isBuy ? 'buy' : 'sell'} ${isCall ? 'call' : 'put'} board ${boardId}`);
    if (ok) stats.optionTrades++;
  } catch {
    // the board closed for trading, or its quote moved: next tick
  }
}

async function bankRun() {
  for (const lp of lps) {
    const shares = await publicClient.readContract({ ...c.pool, functionName: 'balanceOf', args: [lp.account.address] });
    if (shares > 0n) await send(lp, { ...c.pool, functionName: 'requestRedeem', args: [shares, lp.account.address, 0n] }, 'bank run');
  }
}

async function main() {
  log.info('starting', { tickMs: TICK_MS, port: PORT, seed, engine: c.engine.address });
  const rand = model.rand;
  await pushPrices();
  await seedLiquidity();
  while (!stopping()) {
    const t0 = Date.now();
    try {
      await pushPrices();
      stats.ticks++;
      // a couple of trader actions per tick keep history flowing without flooding the chain
      const n = model.pending().length > 0 ? 0 : 1 + Math.floor(rand() * 2);
      for (let i = 0; i < n; i++) await traderAction(rand);
      if (n > 0 && rand() < 0.35) await optionAction(rand);
      if (stats.ticks % 15 === 0) await seedLiquidity();
    } catch (e) {
      stats.failures++;
      log.error('tick failed', { error: errorForLog(e) });
    }
    await sleep(Math.max(0, TICK_MS - (Date.now() - t0)));
  }
}

main().catch((e) => {
  log.error('fatal', { error: errorForLog(e) });
  process.exit(1);
});
