/**
 * The keeper fills trigger orders from the order book's events (issue 14 item 2): a limit long fills once the price
 * falls to it, a stop-loss closes its position once the price falls through it, each within a few blocks of the price
 * update that crossed it; the take-profit left without a position is cleared (refunded less the clearing share).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, fundAndApprove, open, price, setPrice, tx, USD } from './fixtures';
import { NO_BOUND } from '@/lib/orders';

const children: ChildProcess[] = [];
const lines: string[] = []; // the keeper's log
isolateChain(beforeAll, afterAll);
afterAll(() => {
  for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
});

async function createOrder(index: number, kind: number, isLong: boolean, trigger: bigint, slippageBps: number, size: bigint, collateral: bigint) {
  const { publicClient } = clients(index);
  const expiresAt = (await publicClient.getBlock()).timestamp + 86_400n;
  const receipt = await tx(index, { ...c.orderBook, functionName: 'createOrder', args: [0n, isLong, kind, trigger, BigInt(slippageBps), size, collateral, expiresAt, USD(1)] });
  const log = receipt.logs.find((l) => l.address.toLowerCase() === c.orderBook.address.toLowerCase())!;
  return BigInt(log.topics[1]!);
}

async function waitFor(what: string, check: () => Promise<boolean>) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('keeper fills trigger orders', () => {
  it('fills a limit open and a stop-loss once crossed, clears the orphaned take-profit', async () => {
    const { publicClient } = clients();
    await deposit(4, USD(2_000_000));
    const p0 = await price(0);
    const [limitOwner, slOwner] = [9, 10].map((i) => clients(i).walletClient.account.address);
    await fundAndApprove(9, USD(5000));
    await open(10, 0, true, USD(1000), USD(10_000));
    await fundAndApprove(10, USD(10)); // execution fees
    for (const i of [9, 10]) await tx(i, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
    const limit = await createOrder(9, 0, true, (p0 * 98n) / 100n, 50, USD(10_000), USD(1000));
    const sl = await createOrder(10, 3, true, (p0 * 97n) / 100n, NO_BOUND, USD(10_000), 0n);
    const tp = await createOrder(10, 2, true, (p0 * 103n) / 100n, 100, USD(10_000), 0n);

    // Every market's due boards listed first: the keeper's first options pass (at its start, which can fall on the
    // crossing) then has nothing to list, so no listing of its own comes between the crossing and the fill, which is
    // what the latency bound below is about.
    for (const m of c.markets) await tx(4, { ...c.optionsBook, functionName: 'listBoards', args: [BigInt(m.id)] });
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: '8796', KEEPER_POLL_MS: '100', KEEPER_CLAIM_MIN_USD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    children.push(child);

    const position = (who: `0x${string}`) => publicClient.readContract({ ...c.engine, functionName: 'position', args: [who, 0n, true] });
    const order = (id: bigint) => publicClient.readContract({ ...c.orderBook, functionName: 'order', args: [id] });
    await new Promise((r) => setTimeout(r, 1500)); // nothing is crossed yet: nothing fills
    expect((await order(limit)).account).toBe(limitOwner);

    const crossedAt = (await setPrice(0, (p0 * 975n) / 1000n)).blockNumber; // -2.5%: the limit, not the stop
    await waitFor('the limit fill', async () => (await position(limitOwner)).sizeUsd === USD(10_000));
    const fills = await publicClient.getContractEvents({ ...c.orderBook, eventName: 'OrderExecuted', fromBlock: crossedAt });
    expect(fills.map((f) => f.args.orderId)).toEqual([limit]);
    expect(fills[0].blockNumber - crossedAt).toBeLessThanOrEqual(3n);
    expect((await position(slOwner)).sizeUsd).toBe(USD(10_000)); // the stop-loss has not fired at -2.5%

    await setPrice(0, (p0 * 965n) / 1000n); // -3.5%: through the stop
    await waitFor('the stop-loss', async () => (await position(slOwner)).sizeUsd === 0n);
    expect((await order(sl)).account).toBe('0x0000000000000000000000000000000000000000');
    // the take-profit lost its position: the keeper clears it (whatever the price), the owner gets the fee back less
    // the clearing share, so a new position can never inherit it
    await waitFor('the orphaned take-profit to be cleared', async () => (await order(tp)).account === '0x0000000000000000000000000000000000000000');
    const [cleared] = await publicClient.getContractEvents({ ...c.orderBook, eventName: 'OrderCancelled', args: { orderId: tp }, fromBlock: 0n });
    expect(cleared.args.reason).toBe(2);
    expect(cleared.args.refundUsd).toBe(USD('0.8'));
    expect(lines.some((l) => l.includes('orders sent'))).toBe(true);
    // the fills' fees were credited to the keeper in the book, which it claims once they reach KEEPER_CLAIM_MIN_USD
    const keeper = fills[0].args.keeper!;
    const claims = () => publicClient.getContractEvents({ ...c.orderBook, eventName: 'OwedClaimed', args: { account: keeper }, fromBlock: crossedAt });
    await waitFor('the keeper to claim its fees', async () => (await claims()).length > 0);
    const [claimed] = await claims();
    expect(claimed.args.to).toBe(keeper);
    expect(claimed.args.amountUsd).toBeGreaterThanOrEqual(USD(1) - 1n);
    // it leaves one unit, so its next credit writes a non-empty slot (fees are whole USD: what is owed after the claim
    // is that unit plus any fee credited since in the same block)
    const owedAfter = await publicClient.readContract({ ...c.orderBook, functionName: 'owedUsd', args: [keeper], blockNumber: claimed.blockNumber });
    expect(owedAfter % USD(1)).toBe(1n);
  });

  // Review L: a paused core refuses every open whatever its terms; the order book no longer charges such a refusal
  // (OrderRefusalAttacks.t.sol), and the keeper does not send the opens while it lasts, then fills them once it ends.
  it('holds triggered opens while the core refuses new risk', async () => {
    const { publicClient } = clients();
    const p0 = await price(0);
    const owner = clients(11).walletClient.account.address;
    await fundAndApprove(11, USD(5000));
    await tx(11, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
    const limit = await createOrder(11, 0, true, (p0 * 99n) / 100n, 50, USD(10_000), USD(1000));
    await tx(0, { ...c.core, functionName: 'pause' });
    const sentBefore = lines.filter((l) => l.includes('"orders sent"')).length;
    const from = (await setPrice(0, (p0 * 985n) / 1000n)).blockNumber; // crossed while paused
    await new Promise((r) => setTimeout(r, 3000)); // the keeper polls every 100 ms: several passes
    expect(lines.filter((l) => l.includes('"orders sent"')).length, 'no batch sent while paused').toBe(sentBefore);
    const events = await publicClient.getContractEvents({ ...c.orderBook, fromBlock: from });
    expect(events.filter((e) => e.args && 'orderId' in e.args && e.args.orderId === limit)).toEqual([]);
    const order = await publicClient.readContract({ ...c.orderBook, functionName: 'order', args: [limit] });
    expect(order.account).toBe(owner);
    expect(order.failedFills).toBe(0);
    await tx(0, { ...c.core, functionName: 'unpause' });
    const position = () => publicClient.readContract({ ...c.engine, functionName: 'position', args: [owner, 0n, true] });
    await waitFor('the held limit to fill after the pause', async () => (await position()).sizeUsd === USD(10_000));
  });
});
