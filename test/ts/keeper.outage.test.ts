/**
 * Keeper across an RPC outage: it reaches the chain through a TCP proxy that the test cuts while prices crash. The
 * keeper's calls fail and are retried at most a second apart; once the proxy is back the keeper is working again within
 * a block's time (the first liquidation lands within 2 s of the RPC's return after a 20 s cut) and liquidates every
 * eligible position, none twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, open, price, setPrice, USD } from './fixtures';

const PROXY_PORT = 8559;
const HEALTH_PORT = 8795;

/** A TCP relay to anvil that can be taken down (listener closed, live connections cut) and brought back. */
function rpcProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(PROXY_PORT, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  return { up, down, url: `http://127.0.0.1:${PROXY_PORT}` };
}

let proxy: ReturnType<typeof rpcProxy> | null = null;
let keeper: ChildProcess | null = null;

async function health(): Promise<{ lastBlock: string; failures: number; positionsWatched: number } | null> {
  return fetch(`http://127.0.0.1:${HEALTH_PORT}/health`)
    .then((r) => r.json())
    .catch(() => null);
}

isolateChain(beforeAll, afterAll);

afterAll(async () => {
  if (keeper && keeper.exitCode === null) keeper.kill('SIGKILL');
  await proxy?.down();
});

describe('keeper', () => {
  it('rides out an RPC outage during a crash and then liquidates every eligible position once', async () => {
    const { publicClient } = clients();
    const relay = rpcProxy(new URL(rpcUrl()));
    proxy = relay;
    await relay.up();
    await deposit(4, USD(1_000_000));
    const refs: { account: `0x${string}`; marketId: bigint; isLong: boolean }[] = [];
    for (let i = 0; i < 8; i++) {
      const index = 5 + i;
      await open(index, i % 2, true, USD(500), USD(500 * (5 + (i % 6))));
      refs.push({ account: clients(index).walletClient.account.address, marketId: BigInt(i % 2), isLong: true });
    }

    keeper = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      env: { ...process.env, RPC_URL: relay.url, KEEPER_PORT: String(HEALTH_PORT), KEEPER_BATCH: '3', KEEPER_POLL_MS: '200' },
      stdio: 'ignore',
    });
    const head = await publicClient.getBlockNumber();
    for (let t0 = Date.now(); ; ) {
      const h = await health();
      if (h && BigInt(h.lastBlock) >= head && h.positionsWatched >= refs.length) break;
      if (Date.now() - t0 > 60_000) throw new Error('keeper did not sync');
      await new Promise((r) => setTimeout(r, 100));
    }

    // The RPC goes away, then the market crashes (the test talks to anvil directly).
    await relay.down();
    const fromBlock = await publicClient.getBlockNumber();
    await setPrice(0, ((await price(0)) * 60n) / 100n);
    await setPrice(1, ((await price(1)) * 60n) / 100n);
    const eligible = (await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] })).filter((s) => s.liquidatable).length;
    expect(eligible).toBeGreaterThan(4);
    await new Promise((r) => setTimeout(r, 20_000));
    expect((await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] })).filter((s) => s.liquidatable).length).toBe(eligible); // nothing could be sent
    expect((await health())?.lastBlock).toBe(head.toString()); // alive, stuck at the last block it saw

    await relay.up();
    const back = Date.now();
    for (;;) {
      const first = await publicClient.getContractEvents({ ...c.engine, eventName: 'PositionLiquidated', fromBlock });
      if (first.length > 0) break;
      if (Date.now() - back > 2000) throw new Error('keeper not back within 2 s of the RPC');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let t1 = Date.now(); ; ) {
      const now = await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] });
      if (now.every((s) => !s.liquidatable)) break;
      if (Date.now() - t1 > 90_000) throw new Error('keeper did not finish after the outage');
      await new Promise((r) => setTimeout(r, 300));
    }
    const logs = await publicClient.getContractEvents({ ...c.engine, eventName: 'PositionLiquidated', fromBlock });
    expect(logs.length).toBe(eligible);
    const keys = logs.map((l) => `${l.args.account}:${l.args.marketId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
