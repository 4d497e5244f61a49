/**
 * Keeper: watches every open position (rebuilt from the engine's events, so a kill -9 restart misses nothing), reads
 * their status each block through the Reader, and liquidates every eligible one in simulated batches (this module).
 * Its other jobs, one module each: trigger orders (limit, stop, take-profit, stop-loss) filled once the oracle price
 * crosses them (orderJob.ts), the LP withdrawal queue (queueJob.ts), the options book (lists boards on schedule,
 * refreshes stale greek caches, settles expired boards: options.ts), a poke per volatility sampling interval in which
 * nothing else did (sampler.ts). One account, one nonce manager, bounded gas price, retries.
 */
import { parseGwei, type AccessList } from 'viem';
import { liquidationsIn } from './receipts';
import { cappedFees, GapFees, replaceWithHigherFees, TxTracker } from './txs';
import { nonceManager } from 'viem/accounts';
import { NonceGuard } from './nonces';
import { accountFromEnv, env, envBigInt, envInt, healthServer, onShutdown, setup, sleep, withRetry } from '../lib/runtime';
import { PositionBook } from './book';
import type { KeeperContext } from './context';
import { OrderJob } from './orderJob';
import { QueueJob } from './queueJob';
import { OptionsKeeper } from './options';
import { Sampler } from './sampler';
import { StatusReads } from './statuses';
import { gasWithHeadroom } from '../../lib/gas';
import { DEFAULTS } from '../../lib/config';
import { hermesClient } from '../../lib/pyth/hermes';
import { PullPrices, type PullUpdate } from '../../lib/pyth/pull';
import { errorForLog } from '../../lib/errors';

const { log, publicClient, contracts: c, wallet } = setup('keeper');
const PORT = envInt('KEEPER_PORT', DEFAULTS.ports.keeper, { max: 65535 });
const BATCH = envInt('KEEPER_BATCH', 100);
const MAX_FEE = parseGwei(env('KEEPER_MAX_GWEI', '200'));
const POLL_MS = envInt('KEEPER_POLL_MS', 500, { min: 0 });
const MAX_INFLIGHT = envInt('KEEPER_MAX_INFLIGHT', 16); // batches in flight at once
// One account, many concurrent sends (liquidations, order batches, options jobs): every nonce reset, the keeper's and
// viem's own after a failed send, waits until no send is in progress (NonceGuard).
const nonces = new NonceGuard(nonceManager);
const signer = wallet(accountFromEnv('KEEPER', 1, nonces.manager));

const book = new PositionBook(publicClient, c, log);
const ORDER_BATCH = envInt('KEEPER_ORDER_BATCH', 50);
// 5 x 50 fills is about 21M gas: two thirds of a 30M block, the rest left to liquidations (over 100 of them)
const ORDER_BATCHES_PER_BLOCK = envInt('KEEPER_ORDER_BATCHES_PER_BLOCK', 5);
// how long the orders of a reverted batch go out in batches of at most half its size
const ORDER_SPLIT_BLOCKS = envBigInt('KEEPER_ORDER_SPLIT_BLOCKS', 20);
// The order book credits execution fees to the keeper (owedUsd); it claims them once they reach this (whole USD).
const CLAIM_MIN_USD = envBigInt('KEEPER_CLAIM_MIN_USD', 50, { min: 0 });
const OPTIONS_EVERY_BLOCKS = envBigInt('KEEPER_OPTIONS_EVERY_BLOCKS', 2);
const OPTIONS_EVERY_MS = envInt('KEEPER_OPTIONS_EVERY_MS', 5000); // also on a timer: a quiet chain still settles
const resetNonce = () => nonces.reset({ address: signer.account.address, chainId: publicClient.chain!.id });
const writeContract = signer.writeContract.bind(signer);
signer.writeContract = ((...args: Parameters<typeof writeContract>) => nonces.send(() => writeContract(...args))) as typeof signer.writeContract;
const gapFees = new GapFees();
const txs = new TxTracker(
  publicClient,
  resetNonce,
  log,
  {
    dropAfterBlocks: 5n,
    finalityBlocks: 6n,
    replace: (hash) => replaceWithHigherFees(publicClient, signer, hash, MAX_FEE),
    // a gap below queued sends (a send that failed after taking its nonce, and no later send took it back)
    fillGap: async (nonce) => {
      const fees = gapFees.next(nonce, await cappedFees(publicClient, MAX_FEE), MAX_FEE);
      return fees ? signer.sendTransaction({ to: signer.account.address, value: 0n, gas: 21_000n, nonce, ...fees }) : null;
    },
  },
);

// Pull-oracle (Pyth) markets: every read and action on one posts Hermes' latest update in the same call through the
// PriceUpdateRouter, and their options settle on the first update after expiry (all unused without pull markets).
const hermes = hermesClient(env('HERMES_URL', DEFAULTS.hermesUrl), { apiKey: process.env.PYTH_API_KEY, timeoutMs: envInt('KEEPER_HERMES_TIMEOUT_MS', 3000) });
const pull = new PullPrices(publicClient, c, log, hermes);
const optionsKeeper = new OptionsKeeper(publicClient, signer, c, log, txs, hermes, pull, MAX_FEE);
let optionsRunning = false;
let optionsLastRun = 0;
let optionsLastBlock: bigint | undefined;
// Volatility sampling on the clock: a poke for every market whose oracle published in an interval not yet sampled.
const SAMPLING = env('KEEPER_SAMPLING', '1') !== '0';
const sampler = new Sampler(publicClient, signer, c, log, txs, pull, MAX_FEE);
let samplingRunning = false;

/** One sampling pass off the liquidation path (its pokes are tracked, never awaited): at most one at a time. */
function runSampling(block: bigint) {
  if (!SAMPLING || samplingRunning) return;
  samplingRunning = true;
  void sampler
    .tick(block)
    .catch((e) => log.warn('sampling pass failed', { error: errorForLog(e) }))
    .finally(() => (samplingRunning = false));
}

/** One options pass (list, refresh, settle) off the liquidation path: a settlement or refresh waiting for its receipt
 *  never delays a scan. Runs every OPTIONS_EVERY_BLOCKS blocks and at least every OPTIONS_EVERY_MS. */
function runOptions(block: bigint | null) {
  // blocks elapsed since the last pass, not `block % n`: a loop that skips heads could miss every multiple
  const due = (block !== null && (optionsLastBlock === undefined || block >= optionsLastBlock + OPTIONS_EVERY_BLOCKS)) || Date.now() - optionsLastRun >= OPTIONS_EVERY_MS;
  if (!due || optionsRunning) return;
  optionsRunning = true;
  optionsLastRun = Date.now();
  if (block !== null) optionsLastBlock = block;
  void optionsKeeper
    .tick()
    .catch((e) => log.warn('options pass failed', { error: errorForLog(e) }))
    .finally(() => (optionsRunning = false));
}
const health = {
  account: signer.account.address,
  headBlock: 0n, // the head the current pass works on
  lastBlock: 0n, // the block of the last pass run to its end, whatever its jobs did (the API's health reads its lag)
  failuresInARow: 0, // the most times in a row one job of the loop has failed (a job that keeps failing trips the API's health whatever the others do)
  positionsWatched: 0,
  liquidationsSent: 0,
  liquidationsConfirmed: 0,
  queueFills: 0,
  queueHeartbeats: 0,
  ordersWatched: 0,
  ordersExecuted: 0,
  failures: 0,
  stalledMarkets: [] as number[], // markets whose statuses could not be read on the last scan (stale price)
  options: optionsKeeper.stats,
  sampling: sampler.stats,
  startedAt: new Date().toISOString(),
};
const inFlight = new Set<string>(); // position keys with a liquidation tx pending: never double-send
const jobs: KeeperContext = { client: publicClient, signer, c, log, txs, pull };
const orderJob = new OrderJob(jobs, book, health, { withGas: sendWithGas, capped: sendCapped }, {
  batchSize: ORDER_BATCH,
  batchesPerBlock: ORDER_BATCHES_PER_BLOCK,
  splitBlocks: ORDER_SPLIT_BLOCKS,
  claimMinUsd: CLAIM_MIN_USD,
});
// The queue is keeper-only until the keeper's last processQueue is a day old (P-89): while a request waits on liquidity
// the keeper still calls it this often (chain seconds), so a day's wait is never read as the keeper being down.
const queueJob = new QueueJob(jobs, health, sendCapped, envBigInt('KEEPER_QUEUE_HEARTBEAT_SEC', 3600), 5n, envBigInt('KEEPER_QUEUE_MIN_FILL_USD', 100, { min: 0 }) * 1_000_000n);
const stopping = onShutdown(log, () => {
  server.close();
});
const server = healthServer(PORT, () => ({ ...health, positionsWatched: book.size(), ordersWatched: orderJob.orders.size(), inFlight: inFlight.size, txsInFlight: txs.size, nonceResyncs: txs.resyncs, replacements: txs.replacements }), log);

/**
 * Reads every watched position's status market by market: a market whose read fails (its price stale, its feed down)
 * is skipped and logged while the others are scanned and liquidated. Batches never mix markets, so one stale market
 * cannot revert a batch for the fresh ones. A pull-oracle (Pyth) market is read and liquidated at Hermes' latest
 * update, posted in the same call (PriceUpdateRouter.readAfterUpdate, then liquidateBatch through the router).
 */
async function liquidateEligible() {
  const refs = book.refs();
  health.positionsWatched = refs.length;
  if (refs.length === 0) return;
  const byMarket = new Map<bigint, typeof refs>();
  for (const r of refs) {
    const list = byMarket.get(r.marketId);
    if (list) list.push(r);
    else byMarket.set(r.marketId, [r]);
  }
  // Push-feed markets first, while the pull markets' updates are fetched (in parallel): a slow or silent Hermes never
  // delays a liquidation that does not need it.
  const pullIds = [...byMarket.keys()].filter((id) => pull.isPull(id));
  const pulled = Promise.all(pullIds.map(async (id) => [id, await pull.updates([id])] as const));
  const stalled: number[] = [];
  await scanAndSend([...byMarket].filter(([id]) => !pull.isPull(id)), [], stalled);
  for (const [id, updates] of await pulled) {
    if (updates === null) stalled.push(Number(id)); // logged by PullPrices; the other pull markets go on
    else await scanAndSend([[id, byMarket.get(id)!]], updates, stalled);
  }
  health.stalledMarkets = stalled;
}

const statusReads = new StatusReads(envInt('KEEPER_STATUS_CHUNK', 200), log);

/** Reads the statuses of `markets`' watched positions (at `updates`' prices on a pull-oracle market) and sends every
 *  eligible one in batches that post only their own market's update. */
async function scanAndSend(markets: [bigint, ReturnType<PositionBook['refs']>][], updates: PullUpdate[], stalled: number[]) {
  type Refs = ReturnType<PositionBook['refs']>;
  const batches: { refs: Refs; updates: PullUpdate[] }[] = [];
  for (const [marketId, marketRefs] of markets) {
    const eligible: Refs = [];
    const own = updates.filter((u) => u.feed.toLowerCase() === c.markets[Number(marketId)]?.feed.toLowerCase());
    try {
      const statuses = await statusReads.read(marketId, marketRefs, (chunk) => pull.read(own, c.reader, 'statuses', [chunk], signer.account));
      statuses.forEach((s, j) => {
        if (s.maintenanceUsd === 0n) book.remove(marketRefs[j]); // closed: size 0 has no maintenance requirement
        else if (s.liquidatable && !inFlight.has(PositionBook.key(marketRefs[j]))) eligible.push(marketRefs[j]);
      });
    } catch (e) {
      stalled.push(Number(marketId));
      if (!health.stalledMarkets.includes(Number(marketId))) {
        log.warn('market skipped: its statuses cannot be read', { marketId: Number(marketId), error: errorForLog(e) });
      }
      continue;
    }
    for (let i = 0; i < eligible.length; i += BATCH) batches.push({ refs: eligible.slice(i, i + BATCH), updates: own });
  }
  if (batches.length === 0) return;
  log.info('eligible positions', { count: batches.reduce((n, b) => n + b.refs.length, 0) });
  for (let i = 0; i < batches.length; i += MAX_INFLIGHT) {
    await Promise.all(
      batches.slice(i, i + MAX_INFLIGHT).map(({ refs: batch, updates: u }) => {
        batch.forEach((r) => inFlight.add(PositionBook.key(r)));
        // the keys stay in flight until the tracker settles the transaction (mined, or given up and free to retry)
        return sendBatch(batch, u).then((sent) => {
          if (!sent) batch.forEach((r) => inFlight.delete(PositionBook.key(r)));
        });
      }),
    );
  }
}

/** Simulates, sends and hands a liquidation batch to the tracker (no receipt wait); true if it was sent. A batch on a
 *  pull-oracle market goes through the router with its update (`updates`, empty on a push feed). */
async function sendBatch(batch: ReturnType<PositionBook['refs']>, updates: PullUpdate[]): Promise<boolean> {
  try {
    // Simulate first: nothing is pushed that would revert, and a batch with nothing left to liquidate is not sent.
    const { request, result } =
      updates.length > 0
        ? await publicClient.simulateContract({ ...c.router, functionName: 'liquidateBatch', args: [updates, batch], value: pull.value(updates), account: signer.account })
        : await publicClient.simulateContract({ ...c.engine, functionName: 'liquidateBatch', args: [batch], account: signer.account });
    if (result[0] === 0n) return false;
    const sentBlock = health.headBlock;
    const hash = await sendCapped(request);
    health.liquidationsSent += Number(result[0]);
    log.info('liquidation sent', { hash, positions: Number(result[0]), rewardUsd: result[1] });
    const release = () => batch.forEach((r) => inFlight.delete(PositionBook.key(r)));
    let counted = 0;
    txs.track({
      hash,
      label: 'liquidateBatch',
      sentBlock,
      onMined: (receipt) => {
        release();
        if (receipt.status !== 'success') {
          health.failures++;
          log.warn('liquidation reverted', { hash });
          return;
        }
        // Count what the chain did, not what the simulation expected (see liquidationsIn).
        counted = liquidationsIn(receipt, c);
        health.liquidationsConfirmed += counted;
        if (counted < Number(result[0])) log.info('liquidated fewer than simulated', { hash, simulated: Number(result[0]), liquidated: counted });
      },
      onReorged: () => {
        health.liquidationsConfirmed -= counted; // the chain no longer has them: watch those positions again
        counted = 0;
        book.restore(batch);
      },
      onDropped: () => {
        release();
        book.restore(batch);
      },
    });
    return true;
  } catch (e) {
    health.failures++;
    log.warn('liquidation batch failed', { size: batch.length, error: errorForLog(e) });
    return false;
  }
}

/** Sends a request with the estimate plus headroom as its gas and the keeper's fee cap (the estimate reverts exactly
 *  when the call would); a failed send resyncs the nonce. */
async function sendCapped(request: unknown): Promise<`0x${string}`> {
  type Req = Parameters<typeof signer.writeContract>[0];
  const gas = gasWithHeadroom(await publicClient.estimateContractGas(request as Parameters<typeof publicClient.estimateContractGas>[0]));
  return sendWithGas(request as Req, gas);
}

/** Sends with a given gas limit (and optional access list) under the keeper's fee cap; a failed send resyncs the nonce. */
async function sendWithGas(request: Parameters<typeof signer.writeContract>[0], gas: bigint, accessList?: AccessList): Promise<`0x${string}`> {
  type Req = Parameters<typeof signer.writeContract>[0];
  const fees = await cappedFees(publicClient, MAX_FEE);
  // a send that fails after taking a nonce releases it to the next send (viem's reset through the NonceGuard)
  return signer.writeContract({ ...request, gas, ...fees, ...(accessList ? { accessList } : {}) } as Req);
}

const jobFailuresInARow = new Map<string, number>();

/** Runs one job of a block's pass; true if it completed. A job that throws is logged and counted (in a row per job:
 *  health.failuresInARow is the largest), never rethrown. */
async function job(name: string, fn: () => Promise<unknown>): Promise<boolean> {
  let ok = true;
  try {
    await fn();
  } catch (e) {
    ok = false;
    health.failures++;
    log.error(`${name} failed`, { error: errorForLog(e) });
  }
  jobFailuresInARow.set(name, ok ? 0 : (jobFailuresInARow.get(name) ?? 0) + 1);
  health.failuresInARow = Math.max(...jobFailuresInARow.values());
  return ok;
}

async function main() {
  log.info('starting', { account: signer.account.address, port: PORT, batch: BATCH, engine: c.engine.address });
  // an earlier run's transactions still pending: the only ones besides a gap a self-transfer may replace (TxTracker)
  await withRetry('nonces', () => txs.recordEarlierRun(signer.account.address), log, { shouldStop: () => stopping() });
  // Only keepers (or an order's owner) fill trigger orders (P-68): say so at once if this account is not one.
  const role = await withRetry('KEEPER_ROLE', () => publicClient.readContract({ ...c.orderBook, functionName: 'KEEPER_ROLE' }), log, { shouldStop: () => stopping() });
  const canFill = await withRetry('hasRole', () => publicClient.readContract({ ...c.orderBook, functionName: 'hasRole', args: [role, signer.account.address] }), log, { shouldStop: () => stopping() });
  if (!canFill) log.error('this account lacks the order book KEEPER_ROLE: trigger orders will only be cleared, not filled; grant it the role', { account: signer.account.address, orderBook: c.orderBook.address });
  let lastBlock = -1n;
  while (!stopping()) {
    try {
      // the head poll backs off to at most a second: after an RPC outage the keeper is back within a block of it
      const block = await withRetry('getBlockNumber', () => publicClient.getBlockNumber(), log, { maxDelayMs: 1000, shouldStop: () => stopping() });
      if (block !== lastBlock) {
        health.headBlock = block;
        // Each job on its own: one that fails (a node refusing a read, a stale market) is logged and counted, and the
        // pass goes on, so the others still run, above all txs.poll, which settles, re-sends and resyncs the keeper's
        // own transactions (a review's node refusing the order sync's log range had stopped every job after it).
        let ok = await job('position sync', () => book.sync(block));
        ok = (await job('liquidations', liquidateEligible)) && ok;
        ok = (await job('orders', () => orderJob.run(block))) && ok;
        ok = (await job('queue', () => queueJob.run(block))) && ok; // looks every 5 blocks
        ok = (await job('transactions', () => txs.poll(block))) && ok; // settle sends after this block's work
        runOptions(block);
        runSampling(block);
        lastBlock = block;
        health.lastBlock = block;
        if (!ok) await sleep(1000);
      } else {
        runOptions(null);
      }
    } catch (e) {
      health.failures++;
      health.failuresInARow++;
      log.error('loop failed', { error: errorForLog(e) });
      await sleep(1000);
    }
    await sleep(POLL_MS);
  }
}

main().catch((e) => {
  log.error('fatal', { error: errorForLog(e) });
  process.exit(1);
});
