/**
 * The operator's rehearsal (issue 16 item 10), run on a real PostgreSQL server (TEST_DB=postgres, the `postgres` step
 * of `npm test`): a separate anvil on chain id 4242 plays the real chain, with a 6-decimal settlement token,
 * Chainlink-style aggregators that this test updates only as a Chainlink node would (on a 1-hour heartbeat or a 0.5%
 * move; one of them with 18 decimals), and a sequencer-uptime feed. `npm start` (script/start.mjs) runs against it
 * with RPC_URL, CHAIN_ID, non-dev keys, SETTLEMENT_TOKEN, the feed addresses and DATABASE_URL, as README's runbook
 * says (START_WEB=0: the web app is not what is rehearsed here). Then:
 *   - preflight refuses anvil's dev keys;
 *   - trading and LP actions work on 40-minute-old prices;
 *   - with one market's feed silent past its limit, the keeper still liquidates on the fresh market and the indexer
 *     keeps up;
 *   - a second `npm start` reuses the deployment and the indexer resumes where it stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  maxUint256,
  parseUnits,
  type Abi,
  type Address,
  type Hex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clearingCoreAbi, liquidityPoolAbi, perpEngineAbi, readerAbi } from '@/lib/contracts';
import { deploymentSchema } from '@/lib/deployment';
import { gasWithHeadroom } from '@/lib/gas';
import { ANVIL_KEY_0, bin, root, rpc, startProcess, stopProcess, waitFor } from '../../script/lib/stack.mjs';
import { createDatabase } from '../../script/lib/postgres.mjs';
import { account as devAccount, fundedAccount } from './helpers';

const CHAIN_ID = 4242;
const ANVIL_PORT = 8671;
const KEEPER_PORT = 8801;
const INDEXER_PORT = 8802;
const RPC = `http://127.0.0.1:${ANVIL_PORT}`;
const HEARTBEAT = 3600;
const DEVIATION_BPS = 50n;
const DEPLOYMENT_FILE = join(root, 'deployments', `${CHAIN_ID}.json`);
const USD = (n: number) => parseUnits(String(n), 6);

const chain = {
  id: CHAIN_ID,
  name: 'rehearsal',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [RPC] } },
} as const;
const transport = http(RPC);
const pub = createPublicClient({ chain, transport });
const testClient = createTestClient({ chain, transport, mode: 'anvil' });

let anvil: ChildProcess | undefined;
const stacks: ChildProcess[] = [];

function artifact(file: string, name: string) {
  const a = JSON.parse(readFileSync(join(root, 'out', file, `${name}.json`), 'utf8'));
  return { abi: a.abi as Abi, bytecode: a.bytecode.object as Hex };
}

async function send(from: PrivateKeyAccount, req: { address: Address; abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[] }) {
  const wallet = createWalletClient({ chain, transport, account: from });
  const { request } = await pub.simulateContract({ ...(req as object), account: from } as never);
  // as the app and the keeper send: the estimate plus headroom (the block that includes it may be a sampling
  // interval's first, whose trade also takes the volatility sample)
  const gas = gasWithHeadroom(await pub.estimateContractGas(request as never));
  const hash = await wallet.writeContract({ ...(request as object), gas } as never);
  const receipt = await pub.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${req.functionName} reverted`);
  return receipt;
}

async function deploy(from: PrivateKeyAccount, file: string, name: string, args: unknown[] = []) {
  const { abi, bytecode } = artifact(file, name);
  const wallet = createWalletClient({ chain, transport, account: from });
  const hash = await wallet.deployContract({ abi, bytecode, args });
  const receipt = await pub.waitForTransactionReceipt({ hash });
  return { address: receipt.contractAddress! as Address, abi };
}

/** Moves the chain's clock and mines a block at the new time. */
async function advance(seconds: number) {
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}

const now = async () => (await pub.getBlock()).timestamp;

/** A Chainlink node's rules for one aggregator: publish on a deviation of 0.5% or more, or when a heartbeat is due. */
class Node {
  constructor(
    readonly feed: { address: Address; abi: Abi },
    readonly decimals: number,
    readonly operator: PrivateKeyAccount,
  ) {}
  async latest() {
    const [, answer, , updatedAt] = (await pub.readContract({ ...this.feed, functionName: 'latestRoundData' })) as readonly [bigint, bigint, bigint, bigint, bigint];
    return { answer, updatedAt };
  }
  /** Observes the market at `usd`; returns whether a round was published. */
  async observe(usd: number): Promise<boolean> {
    const answer = parseUnits(String(usd), this.decimals);
    const last = await this.latest();
    const t = await now();
    const moved = last.answer === 0n || (answer > last.answer ? answer - last.answer : last.answer - answer) * 10_000n >= last.answer * DEVIATION_BPS;
    if (!moved && t - last.updatedAt < BigInt(HEARTBEAT)) return false;
    await send(this.operator, { ...this.feed, functionName: 'set', args: [answer, t] }); // t <= the block it lands in
    return true;
  }
}

type Stack = { child: ChildProcess; out: string[]; exited: Promise<number | null> };

function startStack(env: Record<string, string>): Stack {
  const out: string[] = [];
  const child = spawn(process.execPath, [join(root, 'script', 'start.mjs')], {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  stacks.push(child);
  return { child, out, exited };
}

async function stopStack(s: Stack) {
  if (s.child.exitCode === null && s.child.pid) process.kill(-s.child.pid, 'SIGTERM');
  await Promise.race([s.exited, new Promise((r) => setTimeout(r, 30_000))]);
}

async function health(port: number) {
  return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
}

const ops = privateKeyToAccount(ANVIL_KEY_0 as Hex); // the "real chain's" own infrastructure: token and feeds
const deployerKey = generatePrivateKey();
const keeperKey = generatePrivateKey();
const multisig = privateKeyToAccount(generatePrivateKey()).address; // ADMIN_ADDRESS: every admin role goes there
let dbUrl = '';
let token: { address: Address; abi: Abi };
let nodes: Node[] = [];
let sequencer: { address: Address; abi: Abi };
let stackEnv: Record<string, string> = {};
let stack: Stack | undefined;
let d: { ClearingCore: Address; PerpEngine: Address; LiquidityPool: Address; Reader: Address; devFeeds: boolean; feeds: Address[]; startBlock: number };

const contracts = () => ({
  core: { address: d.ClearingCore, abi: clearingCoreAbi },
  engine: { address: d.PerpEngine, abi: perpEngineAbi },
  pool: { address: d.LiquidityPool, abi: liquidityPoolAbi },
  reader: { address: d.Reader, abi: readerAbi },
});

const funded = (usd: number) =>
  fundedAccount({ usd, token, spenders: [d.PerpEngine, d.LiquidityPool], send, setBalance: (address) => testClient.setBalance({ address, value: 10n ** 20n }) });

beforeAll(async () => {
  const serverUrl = inject('postgresUrl');
  if (!serverUrl) throw new Error('the rehearsal runs on a real PostgreSQL server: TEST_DB=postgres (npm test runs it in its postgres step)');
  dbUrl = await createDatabase(serverUrl, 'rehearsal');
  rmSync(DEPLOYMENT_FILE, { force: true });
  anvil = startProcess('anvil-4242', bin('anvil'), ['--port', String(ANVIL_PORT), '--chain-id', String(CHAIN_ID), '--block-time', '1', '--accounts', '2', '--silent'], { quiet: true });
  await waitFor(async () => Number(await rpc(RPC, 'eth_chainId')) === CHAIN_ID, `anvil on ${RPC}`, 30_000);

  token = await deploy(ops, 'FaucetToken.sol', 'FaucetToken', ['USD Coin (rehearsal)', 'USDC']);
  const t0 = await now();
  sequencer = await deploy(ops, 'Mocks.sol', 'MockAggregator', [0]);
  await send(ops, { ...sequencer, functionName: 'set', args: [0n, t0 - 86_400n] }); // up for a day
  nodes = [];
  for (const [usd, decimals] of [[3000, 8], [60000, 8], [150, 18]] as const) {
    const node = new Node(await deploy(ops, 'Mocks.sol', 'MockAggregator', [decimals]), decimals, ops);
    await node.observe(usd);
    nodes.push(node);
  }
  for (const key of [deployerKey, keeperKey]) await testClient.setBalance({ address: privateKeyToAccount(key).address, value: 10n ** 21n });
  stackEnv = {
    RPC_URL: RPC,
    CHAIN_ID: String(CHAIN_ID),
    PRIVATE_KEY: deployerKey,
    KEEPER_PRIVATE_KEY: keeperKey,
    SETTLEMENT_TOKEN: token.address,
    ADMIN_ADDRESS: multisig,
    ETH_USD_FEED: nodes[0].feed.address,
    BTC_USD_FEED: nodes[1].feed.address,
    SOL_USD_FEED: nodes[2].feed.address,
    SEQUENCER_UPTIME_FEED: sequencer.address,
    DATABASE_URL: dbUrl,
    START_WEB: '0',
    KEEPER_PORT: String(KEEPER_PORT),
    INDEXER_PORT: String(INDEXER_PORT),
    KEEPER_POLL_MS: '300',
    INDEXER_POLL_MS: '300',
  };
}, 120_000);

afterAll(async () => {
  for (const ch of stacks) if (ch.exitCode === null && ch.pid) try { process.kill(-ch.pid, 'SIGKILL'); } catch { /* gone */ }
  if (anvil) await stopProcess(anvil);
  // The rehearsal's chain is not one the repository tracks: leave deployments/ and the contract module as they were.
  if (existsSync(DEPLOYMENT_FILE)) {
    rmSync(DEPLOYMENT_FILE);
    await new Promise((r) => spawn('node', [join(root, 'script', 'codegen.mjs')], { cwd: root, stdio: 'ignore' }).on('exit', r));
  }
});

describe('operator rehearsal: chain 4242, Chainlink heartbeats, PostgreSQL', () => {
  it('preflight refuses anvil dev keys off the local chain', async () => {
    const dev = (i: number) => `0x${Buffer.from(devAccount(i).getHdKey().privateKey!).toString('hex')}`;
    const s = startStack({ ...stackEnv, PRIVATE_KEY: dev(0), KEEPER_PRIVATE_KEY: dev(1) });
    const code = await s.exited;
    expect(code).not.toBe(0);
    expect(s.out.join('\n')).toMatch(/PRIVATE_KEY is one of anvil's public dev keys/);
    expect(existsSync(DEPLOYMENT_FILE)).toBe(false);
  });

  it('deploys on the Chainlink feeds with limits from their heartbeat and decimals, then starts', async () => {
    stack = startStack(stackEnv);
    await waitFor(async () => stack!.out.some((l) => l.includes('Counterpool is up')) || stack!.child.exitCode !== null, 'the stack', 300_000);
    expect(stack.child.exitCode, stack.out.slice(-30).join('\n')).toBeNull();
    d = JSON.parse(readFileSync(DEPLOYMENT_FILE, 'utf8'));
    expect(d.devFeeds).toBe(false);
    const { reader } = contracts();
    for (let m = 0; m < 3; m++) {
      const cfg = await pub.readContract({ ...reader, functionName: 'marketConfig', args: [BigInt(m)] });
      expect(cfg.maxPriceAgeSec).toBe(HEARTBEAT + HEARTBEAT / 10 + 60); // Deploy.priceAgeSec: a late heartbeat still serves
    }
    const chainlink = artifact('ChainlinkPriceFeed.sol', 'ChainlinkPriceFeed');
    // SOL's aggregator has 18 decimals: its USD bounds (0.01 .. 100,000) were converted with them
    expect(await pub.readContract({ address: d.feeds[2], abi: chainlink.abi, functionName: 'minAnswer' })).toBe(10n ** 16n);
    expect(await pub.readContract({ address: d.feeds[0], abi: chainlink.abi, functionName: 'minAnswer' })).toBe(10n ** 8n);
    expect((await pub.readContract({ ...contracts().core, functionName: 'sequencerUptimeFeed' })).toLowerCase()).toBe(sequencer.address.toLowerCase());
  });

  it('trades and LP actions work on 40-minute-old prices', async () => {
    const { engine, pool } = contracts();
    const lp = await funded(1_000_000);
    await send(lp, { ...pool, functionName: 'deposit', args: [USD(900_000), lp.address] });
    await advance(40 * 60);
    for (const [i, usd] of [3000, 60000, 150].entries()) expect(await nodes[i].observe(usd)).toBe(false); // no move, no heartbeat due
    const age = (await now()) - (await nodes[0].latest()).updatedAt;
    expect(age).toBeGreaterThanOrEqual(2400n);

    await send(lp, { ...pool, functionName: 'deposit', args: [USD(50_000), lp.address] });
    await send(lp, { ...pool, functionName: 'withdraw', args: [USD(10_000), lp.address, lp.address] });
    const trader = await funded(10_000);
    await send(trader, { ...engine, functionName: 'increasePosition', args: [0n, true, USD(2_000), USD(10_000), maxUint256] });
    await send(trader, { ...engine, functionName: 'increasePosition', args: [1n, false, USD(2_000), USD(10_000), 0n] });
    await send(trader, { ...engine, functionName: 'decreasePosition', args: [0n, true, 0n, USD(5_000), 0n] });
    await send(trader, { ...engine, functionName: 'decreasePosition', args: [1n, false, 0n, USD(10_000), maxUint256] });
    const pos = await pub.readContract({ ...engine, functionName: 'position', args: [trader.address, 0n, true] });
    expect(pos.sizeUsd).toBe(USD(5_000));
  });

  it('with BTC silent past its limit, the keeper liquidates ETH and the indexer keeps up', async () => {
    const { engine, reader } = contracts();
    const thin: PrivateKeyAccount[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await funded(1_000);
      await send(a, { ...engine, functionName: 'increasePosition', args: [0n, true, USD(500), USD(10_000), maxUint256] });
      await send(a, { ...engine, functionName: 'increasePosition', args: [1n, true, USD(500), USD(10_000), maxUint256] });
      thin.push(a);
    }
    // BTC's node stops publishing. ETH's and SOL's beat on; 30 minutes later ETH falls 4% (a deviation round).
    await advance(20 * 60 + 5); // an hour since the first rounds: heartbeats are due
    expect(await nodes[0].observe(3000)).toBe(true);
    expect(await nodes[2].observe(150)).toBe(true);
    await advance(30 * 60);
    const btcAge = (await now()) - (await nodes[1].latest()).updatedAt;
    expect(btcAge).toBeGreaterThan(BigInt(HEARTBEAT + HEARTBEAT / 10 + 60)); // BTC is stale
    expect(await nodes[0].observe(2880)).toBe(true);
    const view = await pub.readContract({ ...reader, functionName: 'poolView' });
    expect(view.staleMarkets).toBe(2n); // bit 1: BTC

    await waitFor(async () => {
      const sizes = await Promise.all(thin.map((a) => pub.readContract({ ...engine, functionName: 'position', args: [a.address, 0n, true] })));
      return sizes.every((p) => p.sizeUsd === 0n);
    }, 'the keeper to liquidate every thin ETH long', 60_000);
    for (const a of thin) {
      expect((await pub.readContract({ ...engine, functionName: 'position', args: [a.address, 1n, true] })).sizeUsd).toBe(USD(10_000)); // BTC waits
    }
    const keeper = await health(KEEPER_PORT);
    expect(keeper.stalledMarkets).toContain(1);

    // The indexer keeps ingesting: every ETH liquidation lands in PostgreSQL, in this deployment's schema.
    const schema = deploymentSchema(CHAIN_ID, d.ClearingCore);
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      await waitFor(async () => {
        const r = await client.query(`SELECT count(*)::int AS n FROM ${schema}.events WHERE name = 'PositionLiquidated' AND market_id = 0`);
        return r.rows[0].n === thin.length;
      }, 'the indexer to record the liquidations', 30_000);
      const lag = await health(INDEXER_PORT);
      expect(Number(lag.lag)).toBeLessThanOrEqual(5);
    } finally {
      await client.end();
    }
  });

  it('a second npm start reuses the deployment and the indexer resumes', async () => {
    const before = await health(INDEXER_PORT);
    await stopStack(stack!);
    const again = startStack(stackEnv);
    await waitFor(async () => again.out.some((l) => l.includes('Counterpool is up')) || again.child.exitCode !== null, 'the second stack', 180_000);
    expect(again.child.exitCode, again.out.slice(-30).join('\n')).toBeNull();
    expect(again.out.join('\n')).toMatch(/reusing the deployment/);
    expect(JSON.parse(readFileSync(DEPLOYMENT_FILE, 'utf8')).ClearingCore).toBe(d.ClearingCore);
    await waitFor(async () => {
      try {
        const h = await health(INDEXER_PORT);
        return Number(h.cursor) >= Number(before.cursor);
      } catch {
        return false;
      }
    }, 'the indexer to resume', 60_000);
    const schema = deploymentSchema(CHAIN_ID, d.ClearingCore);
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      const r = await client.query(`SELECT count(*)::int AS n FROM ${schema}.events WHERE name = 'PositionLiquidated'`);
      expect(r.rows[0].n).toBe(3); // resumed from its cursor: nothing ingested twice
    } finally {
      await client.end();
    }
    await stopStack(again);
  });
});
