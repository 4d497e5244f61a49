/**
 * The keeper fills the LP withdrawal queue (processQueue is keeper-only until both the head request and the keeper's
 * last call are KEEPERLESS_QUEUE_SEC old, P-89): a queued redemption is paid within a few blocks of the keeper seeing
 * free liquidity, by the keeper's account, and its health counts the fill; while a request waits without free
 * liquidity the keeper still calls the queue every KEEPER_QUEUE_HEARTBEAT_SEC, so a day's wait does not open it to
 * anyone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BaseError, ContractFunctionRevertedError, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, open, price, setPrice, tx, USD } from './fixtures';

const HEALTH_PORT = 8794;
let keeper: ChildProcess | null = null;

isolateChain(beforeAll, afterAll);

afterAll(() => {
  if (keeper && keeper.exitCode === null) keeper.kill('SIGKILL');
});

describe('keeper: withdrawal queue', () => {
  it('fills a queued redemption once liquidity is free, from the keeper account, and counts it', async () => {
    const { publicClient, testClient } = clients();
    const lp = clients(12).walletClient.account.address;
    const receiver = clients(13).walletClient.account.address;
    await deposit(12, USD(100_000));
    await testClient.increaseTime({ seconds: 3_601 }); // past the deposit cooldown
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, await price(m)); // fresh prices after the jump
    const shares = await publicClient.readContract({ ...c.pool, functionName: 'balanceOf', args: [lp] });
    const expected = await publicClient.readContract({ ...c.pool, functionName: 'previewRedeem', args: [shares / 2n] });
    await tx(12, { ...c.pool, functionName: 'requestRedeem', args: [shares / 2n, receiver, (expected * 99n) / 100n] });
    const [, tail] = await publicClient.readContract({ ...c.pool, functionName: 'queueBounds' });
    const before = await publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [receiver] });
    const fromBlock = await publicClient.getBlockNumber();

    keeper = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: String(HEALTH_PORT), KEEPER_POLL_MS: '100', KEEPER_OPTIONS_EVERY_MS: '600000', KEEPER_OPTIONS_EVERY_BLOCKS: '1000000' },
      stdio: 'ignore',
    });
    // the keeper looks at the queue every 5 blocks
    for (let i = 0; i < 200; i++) {
      const [head] = await publicClient.readContract({ ...c.pool, functionName: 'queueBounds' });
      if (head === tail) break;
      await testClient.mine({ blocks: 1 });
      await new Promise((r) => setTimeout(r, 150));
    }
    const [head] = await publicClient.readContract({ ...c.pool, functionName: 'queueBounds' });
    expect(head).toBe(tail);
    const paid = (await publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [receiver] })) - before;
    expect(paid).toBeGreaterThanOrEqual((expected * 99n) / 100n);
    // filled by the keeper, once
    const logs = await publicClient.getContractEvents({ ...c.pool, fromBlock });
    const fills = parseEventLogs({ abi: c.pool.abi, logs, eventName: 'WithdrawalFilled' });
    expect(fills.length).toBe(1);
    const sent = await publicClient.getTransaction({ hash: fills[0].transactionHash });
    expect(sent.from.toLowerCase()).toBe(clients(1).walletClient.account.address.toLowerCase());
    let health: { queueFills: number } | null = null;
    for (let i = 0; i < 50 && !health?.queueFills; i++) {
      health = await fetch(`http://127.0.0.1:${HEALTH_PORT}/health`).then((r) => r.json()).catch(() => null);
      if (!health?.queueFills) await new Promise((r) => setTimeout(r, 150));
    }
    expect(health?.queueFills).toBe(1);
    keeper.kill('SIGTERM');
    await new Promise((r) => keeper?.once('exit', r));
  });

  it('calls the queue while a request waits without free liquidity, so it stays keeper-only past a day', async () => {
    const { publicClient, testClient } = clients();
    const lp = clients(12).walletClient.account.address;
    // a position reserving more than the 10% of pool cash the lowest utilization cap lets the pool reserve: no free
    // liquidity once the cap is lowered
    const { poolCashUsd } = await publicClient.readContract({ ...c.core, functionName: 'poolState' });
    const size = (poolCashUsd * 12n) / 100n;
    await open(14, 0, true, size / 5n, size);
    const cfg = await publicClient.readContract({ ...c.core, functionName: 'poolConfig' });
    await tx(0, { ...c.core, functionName: 'setPoolConfig', args: [{ ...cfg, maxUtilizationBps: 1000 }] });
    expect(await publicClient.readContract({ ...c.core, functionName: 'freeLiquidityUsd' })).toBe(0n);
    const shares = await publicClient.readContract({ ...c.pool, functionName: 'balanceOf', args: [lp] });
    await tx(12, { ...c.pool, functionName: 'requestRedeem', args: [shares, lp, 0n] });
    const fromBlock = await publicClient.getBlockNumber();

    const health = async () =>
      (await fetch(`http://127.0.0.1:${HEALTH_PORT}/health`).then((r) => r.json()).catch(() => null)) as { queueHeartbeats: number; queueFills: number } | null;
    /** Mines blocks until the keeper's heartbeat count passes `n`. */
    const heartbeatPast = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const h = await health();
        if ((h?.queueHeartbeats ?? 0) > n) return h!.queueHeartbeats;
        await testClient.mine({ blocks: 1 });
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error('no queue heartbeat');
    };
    keeper = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: String(HEALTH_PORT), KEEPER_POLL_MS: '100', KEEPER_OPTIONS_EVERY_MS: '600000', KEEPER_OPTIONS_EVERY_BLOCKS: '1000000', KEEPER_QUEUE_HEARTBEAT_SEC: '60' },
      stdio: 'ignore',
    });
    const first = await heartbeatPast(0);
    // a day passes with the request still waiting; the keeper calls the queue again
    const keep: bigint[] = [];
    for (let m = 0; m < c.feeds.length; m++) keep.push(await price(m)); // read before the jump ages them past the feed's limit
    await testClient.increaseTime({ seconds: 86_401 });
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, keep[m]);
    await heartbeatPast(first);
    // anyone else is still refused: the keeper's last call is not a day old
    const stranger = clients(15).walletClient.account;
    const refused = await publicClient
      .simulateContract({ ...c.pool, functionName: 'processQueue', args: [10n], account: stranger })
      .then(() => null, (e: unknown) => e);
    const revert = refused instanceof BaseError ? refused.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    expect(revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : String(refused)).toBe('QueueKeeperOnly');
    // the heartbeats filled nothing and were sent by the keeper
    const logs = await publicClient.getContractEvents({ ...c.pool, fromBlock });
    expect(parseEventLogs({ abi: c.pool.abi, logs, eventName: 'WithdrawalFilled' }).length).toBe(0);
    expect((await health())?.queueFills).toBe(0);
  });
});
