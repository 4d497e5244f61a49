/**
 * The keeper's transactions against a chain that loses them: a liquidation the node drops from its mempool (a receipt
 * that never comes) and one a reorg removes after it was mined. The keeper checks its transactions against the
 * canonical chain every block, never waits on a receipt, and when one is lost it resyncs its nonce from the chain and
 * liquidates again within a few blocks; its health counts only what the canonical chain did. Its order fills go the
 * same way: a dropped `executeOrders` is given up and the order filled by the next one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain, rpcUrl } from './helpers';
import { c, deposit, fundAndApprove, open, price, setPrice, tx, USD } from './fixtures';
import { openTestDb } from './db';
import { Indexer } from '@/services/indexer/ingest';
import { createLogger } from '@/services/lib/runtime';

const HEALTH_PORT = 8793;
let keeper: ChildProcess | null = null;
const keeperAccount = clients(1).walletClient.account.address; // the keeper's default dev key (account 1)

async function health(): Promise<{ lastBlock: string; positionsWatched: number; liquidationsConfirmed: number; nonceResyncs: number } | null> {
  return fetch(`http://127.0.0.1:${HEALTH_PORT}/health`)
    .then((r) => r.json())
    .catch(() => null);
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, step: () => Promise<unknown> = async () => {}, timeoutMs = 60_000): Promise<T> {
  for (const t0 = Date.now(); ; ) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await step();
    await new Promise((r) => setTimeout(r, 150));
  }
}

const size = async (index: number) =>
  (await clients().publicClient.readContract({ ...c.engine, functionName: 'position', args: [clients(index).walletClient.account.address, 0n, true] })).sizeUsd;

/** The keeper's pending transactions in the node's mempool. */
async function keeperPending(): Promise<Hex[]> {
  const block = await clients().publicClient.getBlock({ blockTag: 'pending', includeTransactions: true });
  return block.transactions.filter((t) => t.from.toLowerCase() === keeperAccount.toLowerCase()).map((t) => t.hash);
}

/** With automine off: ETH -6% in one block of its own, then the keeper's liquidation pending in the mempool (its hash). */
async function crashThenKeeperSends(): Promise<Hex> {
  const crash = setPrice(0, ((await price(0)) * 94n) / 100n);
  const oracle = clients(0).walletClient.account.address.toLowerCase();
  await until('the price update pending', async () => {
    const b = await clients().publicClient.getBlock({ blockTag: 'pending', includeTransactions: true });
    return b.transactions.some((t) => t.from.toLowerCase() === oracle);
  });
  await clients().testClient.mine({ blocks: 1 });
  await crash;
  const [sent] = await until('a pending liquidation', async () => {
    const p = await keeperPending();
    return p.length ? p : null;
  });
  return sent;
}

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  await deposit(4, USD(1_000_000));
  await open(5, 0, true, USD(500), USD(10_000));
  await open(6, 0, true, USD(500), USD(10_000));
  keeper = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
    env: { ...process.env, RPC_URL: rpcUrl(), KEEPER_PORT: String(HEALTH_PORT), KEEPER_POLL_MS: '100', KEEPER_OPTIONS_EVERY_MS: '600000', KEEPER_OPTIONS_EVERY_BLOCKS: '1000000' },
    stdio: 'ignore',
  });
  const head = await clients().publicClient.getBlockNumber();
  await until('keeper synced', async () => {
    const h = await health();
    return h && BigInt(h.lastBlock) >= head && h.positionsWatched >= 2;
  });
});

afterAll(async () => {
  await clients().testClient.setAutomine(true);
  if (keeper && keeper.exitCode === null) keeper.kill('SIGKILL');
});

describe('keeper transactions', () => {
  it('a liquidation dropped from the mempool is given up, the nonce resynced, and the position liquidated', async () => {
    const { testClient } = clients();
    await testClient.setAutomine(false);
    // the keeper sees the crash and sends; the node loses the transaction before any block includes it
    const lost = await crashThenKeeperSends();
    await testClient.dropTransaction({ hash: lost });
    const before = (await health())!.nonceResyncs;
    // blocks go on; the keeper must notice, resync its nonce (its next send would otherwise wait behind a gap) and resend
    await until('position 5 liquidated after the drop', async () => (await size(5)) === 0n, () => testClient.mine({ blocks: 1 }), 60_000);
    expect((await health())!.nonceResyncs).toBeGreaterThan(before);
    await testClient.setAutomine(true);
  });

  it('a liquidation a reorg removes is found again and redone; health counts only the canonical one', async () => {
    const { publicClient, testClient } = clients();
    await until('position 6 liquidated', async () => (await size(6)) === 0n);
    const [liq] = await publicClient.getContractEvents({ ...c.engine, eventName: 'PositionLiquidated', args: { account: clients(6).walletClient.account.address }, fromBlock: 0n });
    await until('keeper counted it', async () => ((await health())!.liquidationsConfirmed >= 2 ? true : null));
    // the blocks from the liquidation on are replaced by empty ones: position 6 is open (and liquidatable) again
    const head = await publicClient.getBlockNumber();
    await testClient.request({ method: 'anvil_reorg' as never, params: [Number(head - liq.blockNumber! + 1n), []] as never });
    const txGone = await publicClient.getTransactionReceipt({ hash: liq.transactionHash! }).catch(() => null);
    if (txGone) expect(txGone.blockHash).not.toBe(liq.blockHash); // re-mined elsewhere, or gone
    if (!txGone) expect(await size(6)).toBeGreaterThan(0n);
    await until('position 6 liquidated again', async () => (await size(6)) === 0n, () => testClient.mine({ blocks: 1 }), 60_000);
    const onChain = (await publicClient.getContractEvents({ ...c.engine, eventName: 'PositionLiquidated', fromBlock: 0n })).length;
    await until('health agrees with the chain', async () => ((await health())!.liquidationsConfirmed === onChain ? true : null), () => testClient.mine({ blocks: 1 }));
  });

  it('a batch a rival liquidation beat is not counted: the keeper health and /api/liquidations agree (P-50)', async () => {
    const { publicClient, testClient } = clients();
    const victim = clients(7).walletClient.account.address;
    await open(7, 0, true, USD(500), USD(10_000));
    const opened = await publicClient.getBlockNumber();
    await until('keeper synced past the open', async () => (BigInt((await health())!.lastBlock) >= opened ? true : null));
    const counted = (await health())!.liquidationsConfirmed;
    await testClient.setAutomine(false);
    const sent = await crashThenKeeperSends();
    // a rival keeper liquidates the same position ahead of it in the block (a higher tip): the keeper's batch still
    // succeeds, with nothing left to liquidate
    const keeperTx = await publicClient.getTransaction({ hash: sent });
    const rival = clients(8).walletClient;
    const tip = (keeperTx.maxPriorityFeePerGas ?? 0n) * 4n + 10n ** 9n;
    const rivalHash = await rival.writeContract({ ...c.engine, functionName: 'liquidate', args: [victim, 0n, true], gas: 3_000_000n, maxPriorityFeePerGas: tip, maxFeePerGas: (keeperTx.maxFeePerGas ?? 0n) * 4n + tip } as never);
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
    const [rivalReceipt, keeperReceipt] = await Promise.all([publicClient.getTransactionReceipt({ hash: rivalHash }), publicClient.getTransactionReceipt({ hash: sent })]);
    expect(rivalReceipt.blockNumber).toBe(keeperReceipt.blockNumber);
    expect(rivalReceipt.transactionIndex).toBeLessThan(keeperReceipt.transactionIndex);
    expect(keeperReceipt.status).toBe('success'); // the batch skips what is no longer liquidatable
    expect(await size(7)).toBe(0n);
    await until('keeper past the block', async () => (BigInt((await health())!.lastBlock) > keeperReceipt.blockNumber ? true : null), () => testClient.mine({ blocks: 1 }));
    expect((await health())!.liquidationsConfirmed, 'the empty batch is not a liquidation').toBe(counted);

    // /api/liquidations (the indexer's rows) lists as many of the keeper's liquidations as its health counts
    process.env.RPC_URL = rpcUrl();
    const db = await openTestDb(5557);
    try {
      const ix = new Indexer(db, publicClient, c, createLogger('keeper-reorg-test'), { range: 500n, snapshotEvery: 1n, snapshotWindow: 5000n });
      while (!(await ix.step()));
      const { GET } = await import('@/app/api/liquidations/route');
      const res = await GET(new Request('http://localhost/api/liquidations?limit=100'));
      expect(res.status).toBe(200);
      const { liquidations } = (await res.json()) as { liquidations: { args: { result: { keeper: string } } }[] };
      const byKeeper = liquidations.filter((l) => l.args.result.keeper.toLowerCase() === keeperAccount.toLowerCase()).length;
      expect(liquidations.length).toBe(byKeeper + 1); // the rival's one
      expect((await health())!.liquidationsConfirmed).toBe(byKeeper);
    } finally {
      const { pool } = await import('@/lib/server/db');
      await pool.end();
      await db.close();
    }
  });

  it('an order fill dropped from the mempool is given up and the order filled by the next send', async () => {
    const { publicClient, testClient } = clients();
    const trader = clients(9).walletClient.account.address;
    await fundAndApprove(9, USD(2_000));
    await tx(9, { ...c.token, functionName: 'approve', args: [c.orderBook.address, 2n ** 256n - 1n] });
    const p0 = await price(0);
    const expiresAt = (await publicClient.getBlock()).timestamp + 86_400n;
    await testClient.setAutomine(false);
    // a limit long above the price: crossed at once, so the keeper's next block sends its fill
    const { walletClient } = clients(9);
    await walletClient.writeContract({
      ...c.orderBook,
      functionName: 'createOrder',
      args: [0n, true, 0, (p0 * 101n) / 100n, 100n, USD(5_000), USD(1_000), expiresAt, USD(1)],
      gas: 1_000_000n,
    } as never);
    await testClient.mine({ blocks: 1 });
    const [lost] = await until('a pending order fill', async () => {
      const p = await keeperPending();
      return p.length ? p : null;
    });
    await testClient.dropTransaction({ hash: lost });
    const before = (await health())!.nonceResyncs;
    const position = async () => (await publicClient.readContract({ ...c.engine, functionName: 'position', args: [trader, 0n, true] })).sizeUsd;
    await until('the order filled after the drop', async () => (await position()) > 0n, () => testClient.mine({ blocks: 1 }), 60_000);
    expect((await health())!.nonceResyncs).toBeGreaterThan(before);
    await testClient.setAutomine(true);
  });
});
