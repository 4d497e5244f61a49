/**
 * One stale market stalls only what needs its price (issue 16 item 2): with BTC's price past its max age, the keeper
 * skips BTC (its statuses cannot be read) and still liquidates every eligible ETH position; BTC's positions wait. The
 * indexer keeps ingesting events and records the stale values as missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, open, price, setPrice, tx, USD } from './fixtures';
import { dbKind, openTestDb } from './db';

import { Indexer } from '@/services/indexer/ingest';
import { createLogger } from '@/services/lib/runtime';

const children: ChildProcess[] = [];
isolateChain(beforeAll, afterAll);
afterAll(() => {
  for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
});

describe(`keeper with a stale market (indexer on ${dbKind()})`, () => {
  it('liquidates on the fresh market while the stale one waits', async () => {
    const { publicClient } = clients();
    await deposit(4, USD(2_000_000));
    const eth: { account: `0x${string}`; marketId: bigint; isLong: boolean }[] = [];
    const btc: typeof eth = [];
    for (let i = 0; i < 4; i++) {
      const index = 5 + i;
      await open(index, 0, true, USD(500), USD(500 * (10 + i)));
      await open(index, 1, true, USD(500), USD(500 * (10 + i)));
      eth.push({ account: clients(index).walletClient.account.address, marketId: 0n, isLong: true });
      btc.push({ account: clients(index).walletClient.account.address, marketId: 1n, isLong: true });
    }
    // BTC's feed goes quiet: a 1-second max age (the risk role's setting) and two seconds without an update
    const cfg = await publicClient.readContract({ ...c.reader, functionName: 'marketConfig', args: [1n] });
    await tx(0, { ...c.engine, functionName: 'setMarketConfig', args: [1n, { ...cfg, maxPriceAgeSec: 1 }] });
    await new Promise((r) => setTimeout(r, 2500));
    await setPrice(0, ((await price(0)) * 70n) / 100n); // ETH -30%: every ETH long is past maintenance
    const pool = await publicClient.readContract({ ...c.reader, functionName: 'poolView' });
    expect(pool.navValid).toBe(false);
    expect(pool.staleMarkets).toBe(2n); // bit 1: BTC
    await expect(publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [btc] })).rejects.toThrow();
    const ethStatuses = await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [eth] });
    expect(ethStatuses.every((s) => s.liquidatable)).toBe(true);

    const lines: string[] = [];
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: '8797', KEEPER_POLL_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    children.push(child);
    const t0 = Date.now();
    for (;;) {
      const sizes = await Promise.all(eth.map((r) => publicClient.readContract({ ...c.engine, functionName: 'position', args: [r.account, 0n, true] })));
      if (sizes.every((p) => p.sizeUsd === 0n)) break;
      if (Date.now() - t0 > 60_000) throw new Error(`ETH positions not liquidated; keeper said:\n${lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const btcSizes = await Promise.all(btc.map((r) => publicClient.readContract({ ...c.engine, functionName: 'position', args: [r.account, 1n, true] })));
    expect(btcSizes.every((p) => p.sizeUsd > 0n)).toBe(true); // the stale market's positions wait for its price
    expect(lines.some((l) => l.includes('market skipped') && l.includes('PriceTooOld'))).toBe(true);

    // The indexer, run over the whole history with BTC stale at the head: every event (the liquidations included),
    // and a last snapshot with ETH priced, BTC's price and the NAV missing.
    process.env.RPC_URL = rpcUrl();
    const db = await openTestDb(5545);
    const ix = new Indexer(db, publicClient, c, createLogger('indexer-stale-test'), { range: 50n, snapshotEvery: 1n, snapshotWindow: 5n });
    for (let i = 0; ; i++) {
      if (await ix.step()) break;
      if (i > 1000) throw new Error('indexer did not reach the head');
    }
    const head = await publicClient.getBlockNumber();
    const [liquidations] = await db.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE name = 'PositionLiquidated'");
    expect(Number(liquidations.n)).toBe(eth.length);
    const rows = await db.query<{ market_id: number; price: string | null; nav: string | null }>(
      'SELECT market_id, price, nav FROM snapshots WHERE block_number = $1 ORDER BY market_id',
      [head.toString()],
    );
    expect(rows.find((r) => r.market_id === -1)?.nav).toBeNull();
    expect(rows.find((r) => r.market_id === 0)?.price).not.toBeNull();
    expect(rows.find((r) => r.market_id === 1)?.price).toBeNull();
    await db.close();
  });
});
