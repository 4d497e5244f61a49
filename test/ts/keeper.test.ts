/**
 * Keeper against a real chain: after a -40% crash it liquidates every eligible position, also when it is killed with
 * SIGKILL after its first liquidation and restarted; no position is liquidated twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, open, price, setPrice, USD } from './fixtures';

const children: ChildProcess[] = [];

function startKeeper(onLine: (line: string) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
    env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: '8798', KEEPER_BATCH: '4', KEEPER_MAX_INFLIGHT: '1', KEEPER_POLL_MS: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach(onLine));
  children.push(child);
  return child;
}

isolateChain(beforeAll, afterAll);

afterAll(() => {
  for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
});

describe('keeper', () => {
  it('liquidates every eligible position after a crash, across a kill -9 restart, never twice', async () => {
    const { publicClient } = clients();
    await deposit(4, USD(2_000_000));
    const refs: { account: `0x${string}`; marketId: bigint; isLong: boolean }[] = [];
    for (let i = 0; i < 12; i++) {
      const index = 3 + i;
      for (const market of [0, 1]) {
        await open(index, market, true, USD(500), USD(500 * (4 + ((i * 3 + market) % 12))));
        refs.push({ account: clients(index).walletClient.account.address, marketId: BigInt(market), isLong: true });
      }
    }
    const fromBlock = await publicClient.getBlockNumber();
    await setPrice(0, ((await price(0)) * 60n) / 100n);
    await setPrice(1, ((await price(1)) * 60n) / 100n);
    const statuses = await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] });
    const eligible = statuses.filter((s) => s.liquidatable).length;
    expect(eligible).toBeGreaterThan(10);

    // First run: kill -9 as soon as the first batch is on its way.
    let sent = false;
    const first = startKeeper((l) => {
      if (l.includes('liquidation sent')) sent = true;
    });
    const t0 = Date.now();
    while (!sent && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(sent).toBe(true);
    first.kill('SIGKILL');
    const left = (await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] })).filter((s) => s.liquidatable).length;
    expect(left).toBeGreaterThan(0); // the restart has work to do

    startKeeper(() => {});
    const t1 = Date.now();
    for (;;) {
      const now = await publicClient.readContract({ ...c.reader, functionName: 'statuses', args: [refs] });
      if (now.every((s) => !s.liquidatable)) break;
      if (Date.now() - t1 > 90_000) throw new Error('keeper did not finish');
      await new Promise((r) => setTimeout(r, 300));
    }
    const logs = await publicClient.getContractEvents({ ...c.engine, eventName: 'PositionLiquidated', fromBlock });
    expect(logs.length).toBe(eligible);
    const keys = logs.map((l) => `${l.args.account}:${l.args.marketId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
