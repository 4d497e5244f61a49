/**
 * Metrics API route handlers, called directly: malformed input gets a 400 with a readable JSON error; the stress test
 * agrees with the engine's own NAV for a shock small enough to check by hand.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/services/indexer/db';
import { Indexer } from '@/services/indexer/ingest';
import { createLogger } from '@/services/lib/runtime';
import { clients, isolateChain, rpcUrl } from './helpers';
import { dbKind, openTestDb } from './db';
import { maxUint256, parseEventLogs } from 'viem';
import { historyAction } from '@/components/trade/TradeHistory';
import { c, close, deposit, fundAndApprove, open, price, setPrice, tx, USD } from './fixtures';

let db: Db;
let limitOrderId: bigint;
const req = (path: string) => new Request(`http://localhost${path}`);

/** Runs `fn` counting the JSON-RPC requests it sends (viem's http transport goes through fetch). */
async function withRpcCount<T>(fn: () => Promise<T>): Promise<{ value: T; calls: number }> {
  const real = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (typeof init?.body === 'string' && init.body.includes('jsonrpc')) calls++;
    return real(input, init);
  }) as typeof fetch;
  try {
    return { value: await fn(), calls };
  } finally {
    globalThis.fetch = real;
  }
}

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  process.env.RPC_URL = rpcUrl();
  db = await openTestDb(5546);
  await deposit(5, USD(1_000_000));
  await open(16, 0, true, USD(2000), USD(20_000));
  await open(17, 0, false, USD(3000), USD(15_000));
  await open(18, 1, true, USD(1000), USD(9000));
  // A limit long whose trigger the price already satisfies, filled by the local keeper (account 1, KEEPER_ROLE).
  await fundAndApprove(19, USD(1001));
  await tx(19, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
  const expiresAt = (await clients().publicClient.getBlock()).timestamp + 86_400n;
  const created = await tx(19, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 0, ((await price(0)) * 101n) / 100n, 100n, USD(5000), USD(1000), expiresAt, USD(1)] });
  limitOrderId = BigInt(created.logs.find((l) => l.address.toLowerCase() === c.orderBook.address.toLowerCase())!.topics[1]!);
  await tx(1, { ...c.orderBook, functionName: 'executeOrder', args: [limitOrderId] });
  await close(19, 0, true); // by the trader: the setup's three positions stay the only open ones
  const { publicClient } = clients();
  const ix = new Indexer(db, publicClient, c, createLogger('api-test'), { range: 500n, snapshotEvery: 1n, snapshotWindow: 5000n });
  while (!(await ix.step()));
});

afterAll(async () => {
  const { pool } = await import('@/lib/server/db');
  await pool.end();
  await db.close();
});

describe(`metrics API (${dbKind()})`, () => {
  it("runs every API query under the statement timeout, so a scan a client triggers cannot hold the indexer's database", async () => {
    const { sql, STATEMENT_TIMEOUT_MS } = await import('@/lib/server/db');
    const rows = await sql<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0].statement_timeout).toBe(`${STATEMENT_TIMEOUT_MS / 1000}s`);
    // a query past it fails (the route then answers 503) instead of running on; PGlite, a single-threaded embedded
    // server for local use, keeps the setting but cannot interrupt a query
    if (dbKind() === 'postgres') await expect(sql(`SELECT pg_sleep(${(STATEMENT_TIMEOUT_MS + 1000) / 1000})`)).rejects.toThrow(/statement timeout|canceling/i);
  }, 20_000);

  it.each([
    ['/api/history?from=100&to=50', 'history'],
    ['/api/history?market=abc', 'history'],
    ['/api/history?resolution=0', 'history'],
    ['/api/activity?from=-5', 'activity'],
    ['/api/liquidations?limit=100000', 'liquidations'],
    ['/api/liquidations?market=x', 'liquidations'],
    ['/api/stress?price.0=-20000', 'stress'],
    ['/api/stress?vol=banana', 'stress'],
    ['/api/stress?scenario=meteor', 'stress'],
    ['/api/stress?pirce.0=-100', 'stress'],
    // an empty value is no value, but a misspelled name or an empty scenario is still refused (review AT)
    ['/api/stress?pirce.0=', 'stress'],
    ['/api/stress?scenario=', 'stress'],
    ['/api/candles?market=', 'candles'],
    ['/api/stress?price.0=-10000', 'stress'],
    ['/api/positions?limit=0', 'positions'],
    ['/api/candles?market=0&resolution=120', 'candles'],
    ['/api/candles?resolution=60', 'candles'],
    [`/api/positions?market=${c.markets.length}`, 'positions'],
    // market ids come from the deployment: one past the last listed market is unknown
    [`/api/history?market=${c.markets.length}`, 'history'],
    [`/api/liquidations?market=${c.markets.length}`, 'liquidations'],
    // a shock on an unlisted market would shock nothing while echoing it back
    [`/api/stress?price.${c.markets.length}=-100`, 'stress'],
  ])('GET %s answers 400 with a JSON error', async (path, route) => {
    const mod = await import(`@/app/api/${route}/route`);
    const res: Response = await mod.GET(req(path));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(typeof body.error).toBe('string');
  });

  it('a history query spanning more than MAX_BUCKETS buckets is a 400 naming the limit; the default `to` is the chain now', async () => {
    const mod = await import('@/app/api/history/route');
    const { MAX_BUCKETS } = await import('@/lib/api/schemas');
    const tooMany = await mod.GET(req(`/api/history?market=-1&from=0&to=${MAX_BUCKETS * 60 + 60}&resolution=60`));
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error).toContain(`at most ${MAX_BUCKETS} buckets`);
    const res: Response = await mod.GET(req('/api/history?market=-1&resolution=60'));
    expect(res.status).toBe(200);
    const body = await res.json();
    const head = Number((await clients().publicClient.getBlock()).timestamp);
    expect(body.to).toBeGreaterThanOrEqual(head - 5);
    expect(body.to).toBeLessThanOrEqual(head + 5);
    expect(body.from).toBe(body.to - 60 * MAX_BUCKETS);
  });

  it('a range query spans at most MAX_SPAN_SEC whatever its resolution; its default range stops there too (review BR)', async () => {
    const { MAX_SPAN_SEC } = await import('@/lib/api/schemas');
    const activity = await import('@/app/api/activity/route');
    const week = 7 * 86_400; // 5,000 weekly buckets were 95 years of events scanned per request
    const tooLong = await activity.GET(req(`/api/activity?from=0&to=${MAX_SPAN_SEC + week}&resolution=${week}`));
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).error).toContain(`at most ${MAX_SPAN_SEC / 86_400} days`);
    const byDefault: Response = await activity.GET(req(`/api/activity?resolution=${week}`));
    expect(byDefault.status).toBe(200);
    const body = await byDefault.json();
    expect(body.to - body.from).toBe(MAX_SPAN_SEC);
  });

  it('GET /api/history serves every listed market, the last one included', async () => {
    const mod = await import('@/app/api/history/route');
    const res: Response = await mod.GET(req(`/api/history?market=${c.markets.length - 1}&resolution=1`));
    expect(res.status).toBe(200);
    expect((await res.json()).market).toBe(c.markets.length - 1);
  });

  it('GET /api/accounts/:address/trades rejects a malformed address with 400', async () => {
    const mod = await import('@/app/api/accounts/[address]/trades/route');
    const res: Response = await mod.GET(req('/api/accounts/0xnope/trades'), { params: Promise.resolve({ address: '0xnope' }) });
    expect(res.status).toBe(400);
  });

  it('echoes addresses checksummed (EIP-55) whatever case the client sent', async () => {
    const checksummed = clients(5).walletClient.account.address;
    const lower = checksummed.toLowerCase();
    expect(lower).not.toBe(checksummed);
    const routes = {
      positions: await import('@/app/api/accounts/[address]/positions/route'),
      trades: await import('@/app/api/accounts/[address]/trades/route'),
    };
    for (const [path, mod] of Object.entries(routes)) {
      const res: Response = await mod.GET(req(`/api/accounts/${lower}/${path}`), { params: Promise.resolve({ address: lower }) });
      expect(res.status).toBe(200);
      expect((await res.json()).account).toBe(checksummed);
    }
  });

  it("trades name the trigger order a keeper filled; the trader's own trades name none", async () => {
    const { getTrades } = await import('@/lib/server/metrics');
    const [closed, fill] = await getTrades(clients(19).walletClient.account.address, 10);
    expect(closed.name).toBe('PositionDecreased');
    expect(closed.order).toBeNull(); // the trader's own close, newest first
    expect(fill.name).toBe('PositionIncreased');
    expect(fill.order).toEqual({ id: limitOrderId.toString(), kind: 'LimitOpen' });
    const args = (typeof fill.args === 'string' ? JSON.parse(fill.args) : fill.args) as { result: Record<string, string> };
    expect(historyAction(fill.name, args.result, fill.order)).toBe(`Limit order #${limitOrderId}: Open / increase`);
    const own = await getTrades(clients(16).walletClient.account.address, 10);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((t) => t.order === null)).toBe(true);
  });

  it('an LP account reports its indexed deposits', async () => {
    const { getLpAccount } = await import('@/lib/server/metrics');
    const lp = await getLpAccount(clients(5).walletClient.account.address);
    expect(lp.depositedUsd).toBe(USD(1_000_000).toString());
    expect(lp.withdrawnUsd).toBe('0');
    expect(lp.requests).toEqual([]);
    // The indexer ran to the head in setup; the page trusts the sums only from the block of the LP's last tx on.
    expect(lp.indexedBlock).toBe(Number(await clients().publicClient.getBlockNumber()));
  });

  it('top positions: every open position from the setup, by size and by distance to liquidation, valued on chain', async () => {
    const mod = await import('@/app/api/positions/route');
    const res: Response = await mod.GET(req('/api/positions?limit=10'));
    expect(res.status).toBe(200);
    const body = await res.json();
    const { publicClient } = clients();
    // the three positions opened in setup, read back from the engine
    const opened = [
      [16, 0, true],
      [17, 0, false],
      [18, 1, true],
    ] as const;
    const expected = await Promise.all(
      opened.map(async ([i, m, isLong]) => {
        const account = clients(i).walletClient.account.address;
        const p = await publicClient.readContract({ ...c.engine, functionName: 'position', args: [account, BigInt(m), isLong] });
        return { account, marketId: m, isLong, sizeUsd: p.sizeUsd.toString() };
      }),
    );
    expect(body.openPositions).toBe(3);
    const key = (p: { account: string; marketId: number; isLong: boolean }) => `${p.account}:${p.marketId}:${p.isLong}`;
    const bySize = [...expected].sort((a, b) => Number(BigInt(b.sizeUsd) - BigInt(a.sizeUsd)));
    expect(body.bySize.map((p: { account: string; marketId: number; isLong: boolean; sizeUsd: string }) => ({ ...bySize.find((e) => key(e) === key(p))!, sizeUsd: p.sizeUsd }))).toEqual(bySize);
    // closest first: the distance from the price to each position's liquidation price, recomputed from the Reader's
    // liquidation price and the feed's price
    const distances: bigint[] = [];
    for (const p of body.byRisk) {
      const [priceWad] = await publicClient.readContract({ ...c.feeds[p.marketId], functionName: 'latestPrice' });
      const liq = BigInt(p.liquidationPriceWad);
      const gap = p.isLong ? priceWad - liq : liq - priceWad;
      expect(BigInt(p.distanceToLiquidationWad)).toBe((gap * 10n ** 18n) / priceWad);
      distances.push(BigInt(p.distanceToLiquidationWad));
    }
    expect(distances).toEqual([...distances].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(body.staleMarkets).toEqual([]);
  });

  it('candles: open, high, low and close of the oracle price at the indexed snapshots, from the chain', async () => {
    const { publicClient, testClient } = clients();
    // three minutes of price moves, 20 s apart, indexed with a snapshot every block
    const p0 = await price(0);
    for (let i = 1; i <= 9; i++) {
      await testClient.increaseTime({ seconds: 20 });
      await setPrice(0, (p0 * BigInt(1000 + ((i * 7) % 11) - 5)) / 1000n);
    }
    const ix = new Indexer(db, publicClient, c, createLogger('api-test'), { range: 1n, snapshotEvery: 1n, snapshotWindow: 5000n });
    while (!(await ix.step()));
    const snaps = await db.query<{ block_number: string; timestamp: string }>('SELECT block_number, timestamp FROM snapshots WHERE market_id = 0 AND price IS NOT NULL ORDER BY timestamp, block_number');
    expect(snaps.length).toBeGreaterThan(9);
    const mod = await import('@/app/api/candles/route');
    const res: Response = await mod.GET(req(`/api/candles?market=0&resolution=60&from=${Number(snaps[0].timestamp) - 60}`));
    expect(res.status).toBe(200);
    const { candles } = await res.json();
    // the feed's price at each snapshot's block, read from the chain, grouped by minute
    const byMinute = new Map<number, bigint[]>();
    for (const sn of snaps) {
      const [p] = await publicClient.readContract({ ...c.feeds[0], functionName: 'latestPrice', blockNumber: BigInt(sn.block_number) });
      const t = Math.floor(Number(sn.timestamp) / 60) * 60;
      byMinute.set(t, [...(byMinute.get(t) ?? []), p]);
    }
    const expected = [...byMinute.entries()].map(([t, ps]) => ({
      t,
      open: ps[0].toString(),
      high: ps.reduce((a, b) => (b > a ? b : a)).toString(),
      low: ps.reduce((a, b) => (b < a ? b : a)).toString(),
      close: ps[ps.length - 1].toString(),
      samples: ps.length,
    }));
    expect(candles).toEqual(expected);
    expect(candles.length).toBeGreaterThanOrEqual(3);
    expect(candles.some((k: { high: string; low: string }) => k.high !== k.low)).toBe(true);
  });

  it('history returns the indexed snapshots', async () => {
    const mod = await import('@/app/api/history/route');
    const res: Response = await mod.GET(req('/api/history?market=-1&resolution=1'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.points.length).toBeGreaterThan(0);
  });

  it('top positions: past the ranked count the most leveraged join the largest, and the count is the index\'s (review AW)', async () => {
    const { getTopPositions, openPositionRows } = await import('@/lib/server/positions');
    const addr = (i: number) => clients(i).walletClient.account.address.toLowerCase();
    const who = (rows: { account: string }[]) => rows.map((r) => r.account.toLowerCase());
    // 16: 20,000 at 10x, 17: 15,000 at 5x, 18: 9,000 at 9x
    expect(who(await openPositionRows(undefined, undefined, 'size'))).toEqual([addr(16), addr(17), addr(18)]);
    expect(who(await openPositionRows(undefined, undefined, 'leverage'))).toEqual([addr(16), addr(18), addr(17)]);
    // ranking two: the two largest (16, 17) and the two most leveraged (16, 18); three open in the index
    const top = await getTopPositions(10, undefined, 2);
    expect(top.openPositions).toBe(3);
    expect(who(top.byRisk).sort()).toEqual([addr(16), addr(17), addr(18)].sort());
  });

  it('stress reads only the open positions, and a second shock within two seconds costs the chain nothing', async () => {
    const { openPositionRows } = await import('@/lib/server/positions');
    const key = (r: { account: string; market_id: number; is_long: boolean }) => `${r.account.toLowerCase()}:${r.market_id}:${r.is_long}`;
    const addr = (i: number) => clients(i).walletClient.account.address.toLowerCase();
    // the setup opened four positions and closed account 19's: one eth_call per account that ever traded before
    expect((await openPositionRows()).map(key).sort()).toEqual([`${addr(16)}:0:true`, `${addr(17)}:0:false`, `${addr(18)}:1:true`].sort());
    const { getStress } = await import('@/lib/server/metrics');
    const a = await withRpcCount(() => getStress({ priceBps: { 0: -100 }, volMultiplier: 1, cashOutflowBps: 0 }));
    expect(a.calls).toBeGreaterThan(0); // the first read the chain (the pool, the markets, the positions, the options)
    const b = await withRpcCount(() => getStress({ priceBps: { 0: -3000 }, volMultiplier: 2, cashOutflowBps: 0 }));
    expect(b.calls).toBe(0);
    expect(BigInt(b.value.navShockedUsd)).toBeLessThan(BigInt(a.value.navShockedUsd)); // the shock applied to the same state
  });

  it('stress NAV after a -1% ETH move equals the engine NAV after that move', async () => {
    const { getStress } = await import('@/lib/server/metrics');
    const { publicClient } = clients();
    const result = await getStress({ priceBps: { 0: -100 }, volMultiplier: 1, cashOutflowBps: 0 });
    expect(result.positionsLiquidated).toBe(0);
    const p = await price(0);
    await setPrice(0, (p * 9900n) / 10_000n);
    const nav = await publicClient.readContract({ ...c.core, functionName: 'poolValueUsd' });
    // one block of borrow/funding accrual and per-position vs aggregate rounding: a few units at most
    expect(Number(BigInt(result.navShockedUsd) - nav)).toBeGreaterThanOrEqual(-200);
    expect(Number(BigInt(result.navShockedUsd) - nav)).toBeLessThanOrEqual(200);
  });
});

describe(`LP account (${dbKind()})`, () => {
  it('reads from the chain only the requests the index still holds queued', async () => {
    // last in the file: it moves the clock past the deposit cooldown
    const { publicClient, testClient } = clients();
    const lp = clients(14).walletClient.account.address;
    await deposit(14, USD(10_000));
    await testClient.increaseTime({ seconds: 3_601 });
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, await price(m)); // fresh prices after the jump
    const ids: bigint[] = [];
    // each request worth 2 USD: a queued request is worth at least the vault's minimum deposit (RequestTooSmall)
    const each = await publicClient.readContract({ ...c.pool, functionName: 'previewWithdraw', args: [USD(2)] });
    for (let k = 0; k < 4; k++) {
      await tx(14, { ...c.pool, functionName: 'requestRedeem', args: [each, lp, 0n] });
      const [, tail] = await publicClient.readContract({ ...c.pool, functionName: 'queueBounds' });
      ids.push(tail - 1n);
    }
    for (const id of ids.slice(0, 3)) await tx(14, { ...c.pool, functionName: 'cancelRedeem', args: [id] });
    const ix = new Indexer(db, publicClient, c, createLogger('api-test'), { range: 500n, snapshotEvery: 1n, snapshotWindow: 5000n });
    while (!(await ix.step()));
    const { getLpAccount } = await import('@/lib/server/metrics');
    const page = await withRpcCount(() => getLpAccount(lp));
    expect(page.value.requests.map((r) => BigInt(r.requestId))).toEqual([ids[3]]);
    expect(page.calls).toBe(1); // the live request only: the cancelled ones cost nothing
  });
  it("says when the chain shows a keeper's fill of a request that the index has not reached (the PnL would count its value as lost)", async () => {
    const { publicClient } = clients();
    const lp = clients(14).walletClient.account.address;
    const ix = new Indexer(db, publicClient, c, createLogger('api-test'), { range: 500n, snapshotEvery: 1n, snapshotWindow: 5000n });
    while (!(await ix.step()));
    const { getLpAccount } = await import('@/lib/server/metrics');
    const before = await getLpAccount(lp);
    expect(before.fillUnindexed).toBe(false);
    expect(before.requests).toHaveLength(1);
    const receipt = await tx(1, { ...c.pool, functionName: 'processQueue', args: [10n] }); // the keeper's account fills it
    const [fill] = parseEventLogs({ abi: c.pool.abi, eventName: 'WithdrawalFilled', logs: receipt.logs });
    expect(fill.args.remainingShares).toBe(0n);
    const unindexed = await getLpAccount(lp);
    expect(unindexed.fillUnindexed).toBe(true); // the request is gone on chain, its payout not yet in the sums
    expect(unindexed.withdrawnUsd).toBe(before.withdrawnUsd);
    // the client caches the head for its polling interval: step until the index holds the fill's block
    for (let i = 0; i < 100 && ((await ix.step()), BigInt((await getLpAccount(lp)).indexedBlock ?? 0) < receipt.blockNumber); i++) await new Promise((r) => setTimeout(r, 100));
    const indexed = await getLpAccount(lp);
    expect(BigInt(indexed.indexedBlock ?? 0)).toBeGreaterThanOrEqual(receipt.blockNumber);
    expect(indexed.fillUnindexed).toBe(false);
    expect(indexed.requests).toHaveLength(0);
    expect(BigInt(indexed.withdrawnUsd) - BigInt(before.withdrawnUsd)).toBe(fill.args.assets);
  });
  it('the stress test never serves the state from before a price move: two seconds old at most', async () => {
    const { getStress } = await import('@/lib/server/metrics');
    const none = { priceBps: {}, volMultiplier: 1, cashOutflowBps: 0 };
    const before = await getStress(none);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 5_000); // past the two seconds, inside the memo's default stale window
    try {
      await setPrice(0, ((await price(0)) * 95n) / 100n); // the setup's ETH positions move
      const after = await getStress(none);
      expect(after.navShockedUsd).not.toBe(before.navShockedUsd);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
