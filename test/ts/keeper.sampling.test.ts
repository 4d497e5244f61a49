/**
 * The keeper's volatility sampling (services/keeper/sampler.ts): on a quiet market the estimator still takes one
 * sample per interval. A market whose oracle published a valid price in an interval not yet sampled is poked once and
 * takes that price as its sample; an interval a trade already sampled, or a market whose price is past its max age,
 * costs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, keeperWallet } from './helpers';
import { c, deposit, open, price, setPrice, USD } from './fixtures';
import { Sampler, samplingDue } from '@/services/keeper/sampler';
import { createLogger } from '@/services/lib/runtime';
import { TxTracker } from '@/services/keeper/txs';
import { PullPrices } from '@/lib/pyth/pull';

isolateChain(beforeAll, afterAll);
const log = createLogger('sampler-test');

/** A sampler on its own transaction tracker; `tick` is one pass, then tracker polls until its pokes are mined. */
function sampler(index = 1) {
  const { publicClient } = clients(index);
  const walletClient = keeperWallet(index);
  const txs = new TxTracker(publicClient, () => {}, log);
  const s = new Sampler(publicClient, walletClient as never, c, log, txs, new PullPrices(publicClient, c, log));
  return {
    stats: s.stats,
    tick: async () => {
      await s.tick(await publicClient.getBlockNumber());
      for (let i = 0; i < 100 && txs.inFlight > 0; i++) {
        await txs.poll(await publicClient.getBlockNumber());
        if (txs.inFlight > 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(txs.inFlight).toBe(0);
    },
  };
}

const state = (marketId: bigint) => clients().publicClient.readContract({ ...c.reader, functionName: 'marketState', args: [marketId] });

/** Moves the chain to `intervals` sampling intervals past the current one (5 s after the boundary) and publishes a
 *  new ETH price there (1% up); returns the price's publish time. BTC and SOL publish nothing: past their max age. */
async function ethPriceInALaterInterval(intervals: bigint): Promise<bigint> {
  const { publicClient, testClient } = clients();
  const interval = BigInt((await publicClient.readContract({ ...c.reader, functionName: 'marketConfig', args: [0n] })).sampleIntervalSec);
  const now = (await publicClient.getBlock()).timestamp;
  const at = (now / interval + intervals) * interval + 5n;
  await testClient.setNextBlockTimestamp({ timestamp: at });
  await setPrice(0, ((await price(0)) * 101n) / 100n);
  return at;
}

beforeAll(async () => {
  await deposit(3, USD(1_000_000));
});

describe('volatility sampling on the clock', () => {
  it('the rule: a valid price published in a later interval than the last sample', () => {
    expect(samplingDue(1_200n, 1_800n, 600n, true)).toBe(true);
    expect(samplingDue(1_200n, 1_799n, 600n, true)).toBe(false); // same interval
    expect(samplingDue(1_200n, 1_800n, 600n, false)).toBe(false); // past its max age
  });

  it('pokes a quiet market once per interval, at the price published in it', async () => {
    const s = sampler();
    await s.tick(); // whatever the deployment left due
    const before = await state(0n);
    const publishedAt = await ethPriceInALaterInterval(2n);
    const pokes = s.stats.pokes;
    await s.tick();
    expect(s.stats.pokes).toBe(pokes + 1); // ETH only: the other markets' prices are past their max age
    const after = await state(0n);
    expect(after.lastSampleAt).toBe(publishedAt);
    expect(after.varianceWad).toBeGreaterThan(before.varianceWad); // a 1% return sampled
    await s.tick(); // the same interval again: nothing to sample
    expect(s.stats.pokes).toBe(pokes + 1);
    expect(s.stats.failures).toBe(0);
  });

  it('sends nothing for an interval a trade already sampled', async () => {
    const s = sampler();
    const publishedAt = await ethPriceInALaterInterval(1n);
    await open(6, 0, true, USD(2_000), USD(10_000)); // the trade takes the interval's sample
    expect((await state(0n)).lastSampleAt).toBe(publishedAt);
    const pokes = s.stats.pokes;
    await s.tick();
    expect(s.stats.pokes).toBe(pokes);
  });
});
