/**
 * The keeper's options job (issue 13 item 7): lists boards on schedule, refreshes a stale greek cache, settles an expired
 * board at the first oracle round after its expiry (not a later one), and resumes after a restart mid-settlement
 * (settled but not refreshed) without settling twice.
 */
import { maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, keeperWallet } from './helpers';
import { c, deposit, fundAndApprove, price, setPrice, tx, USD } from './fixtures';
import { OptionsKeeper, STALENESS, firstRoundAtOrAfter } from '@/services/keeper/options';
import { createLogger } from '@/services/lib/runtime';
import { TxTracker } from '@/services/keeper/txs';
import { WAD } from '@/lib/math/fixed';

isolateChain(beforeAll, afterAll);
const log = createLogger('options-keeper-test');

/** An options keeper on its own transaction tracker; `tick` is one pass, then one tracker poll (as the keeper's loop
 *  does each block), so the pass's transactions are settled and counted when it returns. */
function keeper(index = 1) {
  const { publicClient } = clients(index);
  const walletClient = keeperWallet(index);
  const txs = new TxTracker(publicClient, () => {}, log);
  const k = new OptionsKeeper(publicClient, walletClient as never, c, log, txs);
  // until every transaction of the pass is in a block (the chain may mine on an interval, not per transaction)
  const settle = async () => {
    for (let i = 0; i < 100; i++) {
      await txs.poll(await publicClient.getBlockNumber());
      if (txs.inFlight === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${txs.inFlight} keeper transaction(s) still not mined`);
  };
  return {
    stats: k.stats,
    settle,
    /** the keeper itself: its passes without waiting for their transactions */
    pass: k,
    /** Two passes at once, as a caller without the keeper loop's one-pass-at-a-time flag would run them. */
    overlappingTicks: async () => {
      await Promise.all([k.tick(), k.tick()]);
      await settle();
    },
    tick: async () => {
      await k.tick();
      await settle();
    },
    settleExpired: async (marketId: bigint, nowSec: bigint) => {
      await k.settleExpired(marketId, nowSec);
      await settle();
    },
  };
}

async function warpTo(timestamp: bigint) {
  const { publicClient } = clients();
  await publicClient.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${timestamp.toString(16)}`] as never });
}

/** The deployment's schedule from the calendar (Deploy.optionsConfig): the next two dailies, the next two Fridays and
 *  the next two month-ends (a month's last Friday), all 08:00 UTC and more than the 1 h cutoff ahead, each once. */
function scheduledExpiries(nowSec: number): number[] {
  const DAY = 86_400;
  const at8 = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8) / 1000;
  const firstDaily = (Math.floor((nowSec - 8 * 3600) / DAY) + 1) * DAY + 8 * 3600;
  const out = new Set<number>([firstDaily, firstDaily + DAY]);
  const toFriday = (5 - new Date(firstDaily * 1000).getUTCDay() + 7) % 7;
  out.add(firstDaily + toFriday * DAY).add(firstDaily + (toFriday + 7) * DAY);
  const start = new Date(firstDaily * 1000);
  for (let k = 0, found = 0; found < 2; k++) {
    const last = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + k + 1, 0)); // the month's last day
    last.setUTCDate(last.getUTCDate() - ((last.getUTCDay() - 5 + 7) % 7));
    if (at8(last) < firstDaily) continue;
    out.add(at8(last));
    found++;
  }
  return [...out].filter((t) => t > nowSec + 3600).sort();
}

async function staleness(marketId: bigint) {
  const { publicClient } = clients();
  return STALENESS[await publicClient.readContract({ ...c.optionsBook, functionName: 'staleness', args: [marketId] })];
}

describe('options keeper', () => {
  it('lists, refreshes, settles at the first price after expiry, and resumes after a restart', async () => {
    const { publicClient } = clients();
    await deposit(4, USD(2_000_000));
    const k1 = keeper();
    const liveCount = async () =>
      (await Promise.all(c.markets.map((m) => publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [BigInt(m.id)] })))).reduce((n, b) => n + b.length, 0);
    const fromBlock = (await publicClient.getBlockNumber()) + 1n;
    await k1.tick();
    const boards = await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] });
    const due = scheduledExpiries(Number((await publicClient.getBlock()).timestamp));
    const listed = await Promise.all(boards.map((id) => publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [id] })));
    expect(listed.map((b) => Number(b.expiry)).sort()).toEqual(due); // the schedule, each expiry once
    expect(await liveCount()).toBe(due.length * c.markets.length); // every market lists the whole schedule
    // counted once each, from the receipts: the BoardListed events of this keeper's own transactions (another
    // keeper, of an earlier test file, may have listed some of the boards)
    const events = await publicClient.getContractEvents({ ...c.optionsBook, eventName: 'BoardListed', fromBlock });
    const senders = await Promise.all(events.map(async (e) => (await publicClient.getTransaction({ hash: e.transactionHash })).from.toLowerCase()));
    const mine = senders.filter((from) => from === clients(1).walletClient.account!.address.toLowerCase()).length;
    expect(mine).toBeGreaterThan(0);
    expect(k1.stats.boardsListed).toBe(mine);
    await k1.tick();
    expect((await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })).length).toBe(boards.length);

    // A trader buys calls on the nearest board; a 3% move takes the cache out of its range; the keeper refreshes it.
    const nearest = Math.min(...listed.map((b) => Number(b.expiry)));
    const boardId = boards[listed.findIndex((b) => Number(b.expiry) === nearest)];
    await fundAndApprove(11, USD(100_000));
    await tx(11, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256] });
    await tx(11, { ...c.optionsBook, functionName: 'buy', args: [boardId, 5n, true, 5n * WAD, USD(100_000)] });
    await k1.tick(); // the first option leaves the book dirty until a refresh sets its range
    expect(await staleness(0n)).toBe('Fresh');
    const p0 = await price(0);
    await setPrice(0, (p0 * 103n) / 100n);
    expect(await staleness(0n)).toBe('PriceMoved');
    const refreshes = k1.stats.refreshes;
    await k1.tick();
    expect(k1.stats.refreshes).toBe(refreshes + 1);
    expect(await staleness(0n)).toBe('Fresh');

    // Expiry: the first price after it, then a later one (which the settlement must not use).
    const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
    // (the other markets' prices are read before the jump: the nearest expiry can be more than a day away, past a
    // dev feed's age limit, when the clock is within the 1 h cutoff before today's 08:00)
    const keep = await Promise.all(c.markets.map((m) => price(m.id)));
    await warpTo(BigInt(b.expiry) + 5n);
    await setPrice(0, 3100n * WAD);
    for (let m = 1; m < c.markets.length; m++) await setPrice(m, keep[m]); // keep every feed fresh
    const first = await publicClient.readContract({ ...c.feeds[0], functionName: 'latestRoundId' });
    await setPrice(0, 3900n * WAD);
    expect(await firstRoundAtOrAfter(publicClient, c.feeds[0], BigInt(b.expiry))).toBe(first);
    expect(await staleness(0n)).toBe('AwaitingSettlement');

    // Restart mid-settlement, the settle in flight: the first keeper sends it and dies before it is mined (the node
    // mines on demand for this part); a fresh keeper reads the board at the pending block and does not send it again
    // (review AW: simulated at the latest block it was sent twice, the second to revert).
    const now = (await publicClient.getBlock()).timestamp;
    const keeperAddress = keeperWallet(1).account.address;
    const inMempool = async () =>
      (await publicClient.getTransactionCount({ address: keeperAddress, blockTag: 'pending' })) -
      (await publicClient.getTransactionCount({ address: keeperAddress, blockTag: 'latest' }));
    await publicClient.request({ method: 'evm_setAutomine' as never, params: [false] as never });
    try {
      await k1.pass.settleExpired(0n, now);
      expect(await inMempool()).toBe(1);
      const restarted = keeper();
      await restarted.pass.settleExpired(0n, now);
      expect(await inMempool()).toBe(1); // nothing sent again
      expect(restarted.stats.failures).toBe(0);
    } finally {
      await publicClient.request({ method: 'evm_setAutomine' as never, params: [true] as never });
    }
    await publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    await k1.settle();
    expect(k1.stats.boardsSettled).toBe(1);
    // ... and a settle mined, the refresh not yet sent: a fresh keeper picks up from the chain.
    const settled = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
    expect(settled.settled).toBe(true);
    expect(settled.settlementPriceWad).toBe(3100n * WAD);
    expect(await staleness(0n)).toBe('Dirty');
    const k2 = keeper();
    await k2.tick();
    // ETH's board is not settled twice (a second settle would fail its simulation); the other markets' boards of the
    // same expiry are settled now.
    expect(k2.stats.failures).toBe(0);
    expect(k2.stats.boardsSettled).toBe(c.markets.length - 1);
    expect(k2.stats.refreshes).toBeGreaterThanOrEqual(1);
    expect(await staleness(0n)).toBe('Fresh');

    // The holder is paid exactly amount x min(S - K, cap), S the first price after expiry.
    const strike = settled.firstStrikeWad + 5n * settled.strikeStepWad;
    const want = (5n * WAD * (3100n * WAD - strike)) / 10n ** 30n;
    const before = await publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [clients(11).walletClient.account.address] });
    await tx(11, { ...c.optionsBook, functionName: 'claim', args: [boardId, 5n, true] });
    const after = await publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [clients(11).walletClient.account.address] });
    expect(after - before).toBe(want);
  });

  it('two overlapping passes send each action once: the in-flight key is taken before the first await', async () => {
    const { publicClient } = clients();
    // A day later every market has a new daily board due, and every book a refresh (its cache aged out).
    const keep = await Promise.all(c.markets.map((m) => price(m.id)));
    await warpTo((await publicClient.getBlock()).timestamp + 86_400n);
    for (const m of c.markets) await setPrice(m.id, keep[m.id]);
    const k = keeper(3);
    const from = clients(3).walletClient.account!.address.toLowerCase();
    const fromBlock = (await publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    await k.overlappingTicks();
    const sent: string[] = [];
    for (let n = fromBlock, to = await publicClient.getBlockNumber({ cacheTime: 0 }); n <= to; n++) {
      const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
      for (const t of block.transactions) if (t.from.toLowerCase() === from) sent.push(`${t.to}:${t.input}`);
    }
    expect(sent.length).toBeGreaterThanOrEqual(c.markets.length); // at least one listing per market
    expect(new Set(sent).size).toBe(sent.length); // no call sent twice
    expect(k.stats.failures).toBe(0);
  });
});
