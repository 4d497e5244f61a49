/**
 * A deployment whose every market reads Pyth (PYTH_CONTRACT set): a market's stored price may be 10 s old at most, so
 * nothing on it works unless someone posts Pyth's latest signed update in the same transaction. A separate anvil
 * (chain id 4243) with MockPyth plays the chain and a local HTTP server plays Hermes, building signed updates at the
 * chain's time from the prices this test sets. Checked:
 *   - LPs deposit and redeem through the PriceUpdateRouter (`callPool`) once a market has open interest: a direct
 *     deposit then reverts on the stale price;
 *   - the app's path: /api/pyth/updates (validated, 503 when Hermes is down) serves the updates, lib/pyth/router.ts
 *     wraps the app's calls in the router's entry points and reads the Reader at the posted prices;
 *   - the keeper process, given only HERMES_URL, reads positions at Hermes' price (`readAfterUpdate`), liquidates
 *     through the router and fills a limit order through it, with no one else posting a price.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createTestClient, createWalletClient, decodeErrorResult, encodeFunctionData, http, maxUint256, parseUnits, type Abi, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { counterpoolErrorsAbi, faucetTokenAbi, liquidityPoolAbi, orderBookAbi, perpEngineAbi, priceUpdateRouterAbi, readerAbi } from '@/lib/contracts';
import { gasWithHeadroom } from '@/lib/gas';
import { deploymentEntry } from '../../script/lib/deployments.mjs';
import { fundedAccount } from './helpers';
import { ANVIL_KEY_0, bin, deployContracts, root, rpc, startProcess, stopProcess, waitFor } from '../../script/lib/stack.mjs';

const CHAIN_ID = 4243;
const ANVIL_PORT = 8673;
const KEEPER_PORT = 8804;
const RPC = `http://127.0.0.1:${ANVIL_PORT}`;
const DEPLOYMENT_FILE = join(root, 'deployments', `${CHAIN_ID}.json`);
const USD = (n: number) => parseUnits(String(n), 6);
const FEE_WEI = 1n;

const chain = { id: CHAIN_ID, name: 'pyth', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [RPC] } } } as const;
const transport = http(RPC);
const pub = createPublicClient({ chain, transport, pollingInterval: 200 });
const testClient = createTestClient({ chain, transport, mode: 'anvil' });
const markets = JSON.parse(readFileSync(join(root, 'script', 'markets.json'), 'utf8')).markets as { name: string; pythPriceId: Hex; devPriceUsd: number }[];

let anvil: ChildProcess | undefined;
let keeperProc: ChildProcess | undefined;
const keeperOut: string[] = [];
let hermes: Server;
let hermesDown = false; // Hermes answers 500 while set
let mockPyth: { address: Address; abi: Abi };
/** The price Hermes publishes per price id, in Pyth's 8-decimal units. */
const hermesPrice = new Map<string, bigint>();
let d: { chainId: number; ClearingCore: Address; OptionsBook: Address; marketNames: string[]; startBlock: number; PerpEngine: Address; LiquidityPool: Address; Reader: Address; PriceUpdateRouter: Address; OrderBook: Address; FaucetToken: Address; feeds: Address[]; pullMarkets: boolean[] };

function artifact(file: string, name: string) {
  const a = JSON.parse(readFileSync(join(root, 'out', file, `${name}.json`), 'utf8'));
  return { abi: a.abi as Abi, bytecode: a.bytecode.object as Hex };
}

async function send(from: PrivateKeyAccount, req: { address: Address; abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[]; value?: bigint }) {
  const wallet = createWalletClient({ chain, transport, account: from });
  const { request } = await pub.simulateContract({ ...(req as object), account: from } as never);
  // as the app and the keeper send: the estimate plus headroom (a sampling boundary may fall between the two blocks)
  const gas = gasWithHeadroom(await pub.estimateContractGas(request as never));
  const hash = await wallet.writeContract({ ...(request as object), gas } as never);
  const receipt = await pub.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    const trace = (await rpc(RPC, 'debug_traceTransaction', [hash, { tracer: 'callTracer' }])) as { output?: string };
    let why = trace.output ?? '';
    try {
      const e = decodeErrorResult({ abi: counterpoolErrorsAbi, data: why as Hex });
      why = `${e.errorName}(${(e.args ?? []).map(String).join(', ')})`;
    } catch {
      /* raw data */
    }
    throw new Error(`${req.functionName} reverted on chain: ${why}`);
  }
  return receipt;
}

/** Hermes' answer for `priceId`: an update MockPyth signs at the chain's latest block time. */
async function signedUpdate(priceId: Hex): Promise<Hex> {
  const price8 = hermesPrice.get(priceId.toLowerCase());
  if (price8 === undefined) throw new Error(`no price for ${priceId}`);
  const t = (await pub.getBlock()).timestamp;
  return (await pub.readContract({ ...mockPyth, functionName: 'createPriceFeedUpdateData', args: [priceId, price8, price8 / 1000n, -8, price8, price8 / 1000n, t, t - 1n] })) as Hex;
}

/** The router's update list for market `m` as a trader's app would post it. */
async function updatesFor(m: number) {
  return [{ feed: d.feeds[m], data: [await signedUpdate(markets[m].pythPriceId)], fee: FEE_WEI }];
}

const ctr = () => ({
  engine: { address: d.PerpEngine, abi: perpEngineAbi },
  pool: { address: d.LiquidityPool, abi: liquidityPoolAbi },
  reader: { address: d.Reader, abi: readerAbi },
  router: { address: d.PriceUpdateRouter, abi: priceUpdateRouterAbi },
  orderBook: { address: d.OrderBook, abi: orderBookAbi },
  token: { address: d.FaucetToken, abi: faucetTokenAbi },
});

const funded = (usd: number) =>
  fundedAccount({ usd, token: ctr().token, spenders: [d.PerpEngine, d.LiquidityPool, d.OrderBook], send, setBalance: (address) => testClient.setBalance({ address, value: 10n ** 20n }) });

const keeperKey = generatePrivateKey();

beforeAll(async () => {
  rmSync(DEPLOYMENT_FILE, { force: true });
  anvil = startProcess('anvil-4243', bin('anvil'), ['--port', String(ANVIL_PORT), '--chain-id', String(CHAIN_ID), '--block-time', '1', '--accounts', '3', '--silent'], { quiet: true });
  await waitFor(async () => Number(await rpc(RPC, 'eth_chainId')) === CHAIN_ID, `anvil on ${RPC}`, 30_000);
  const ops = privateKeyToAccount(ANVIL_KEY_0 as Hex);
  const { abi, bytecode } = artifact('MockPyth.sol', 'MockPyth');
  const hash = await createWalletClient({ chain, transport, account: ops }).deployContract({ abi, bytecode, args: [60n, FEE_WEI] });
  mockPyth = { address: (await pub.waitForTransactionReceipt({ hash })).contractAddress!, abi };
  for (const m of markets) hermesPrice.set(m.pythPriceId.toLowerCase(), BigInt(m.devPriceUsd) * 10n ** 8n);

  hermes = createServer((req, res) => {
    const m = /^\/v2\/updates\/price\/latest\?ids\[\]=(0x[0-9a-fA-F]{64})&encoding=hex/.exec(req.url ?? '');
    if (hermesDown) return res.writeHead(500).end('down');
    if (!m) return res.writeHead(404).end('{}');
    signedUpdate(m[1] as Hex).then(
      (data) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ binary: { encoding: 'hex', data: [data.slice(2)] } })),
      (e) => res.writeHead(500).end(String(e)),
    );
  });
  await new Promise<void>((r) => hermes.listen(0, '127.0.0.1', r));

  // the keeper's account holds KEEPER_ROLE (the order book's executors, the withdrawal queue)
  deployContracts({ rpcUrl: RPC, env: { PYTH_CONTRACT: mockPyth.address, KEEPER_ADDRESS: privateKeyToAccount(keeperKey).address, DEV_DEFAULTS: 'true' } }); // a test chain: anvil's deployer key and a faucet token
  d = JSON.parse(readFileSync(DEPLOYMENT_FILE, 'utf8'));
}, 300_000);

afterAll(async () => {
  if (keeperProc && keeperProc.exitCode === null) keeperProc.kill('SIGKILL');
  hermes?.close();
  if (anvil) await stopProcess(anvil);
  // This chain is not one the repository tracks: leave deployments/ and the contract module as they were.
  if (existsSync(DEPLOYMENT_FILE)) {
    rmSync(DEPLOYMENT_FILE);
    await new Promise((r) => spawn('node', [join(root, 'script', 'codegen.mjs')], { cwd: root, stdio: 'ignore' }).on('exit', r));
  }
});

describe('a deployment on Pyth: every action posts its update in the same transaction', () => {
  it('deploys every market on Pyth', () => {
    expect(d.pullMarkets).toEqual(markets.map(() => true));
  });

  it('LPs deposit and redeem through the router once a market needs its price', async () => {
    const { engine, pool, router } = ctr();
    const lp = await funded(1_000_000);
    await send(lp, { ...pool, functionName: 'deposit', args: [USD(500_000), lp.address] }); // no open interest: no price needed
    const trader = await funded(10_000);
    await send(trader, { ...router, functionName: 'increasePosition', args: [await updatesFor(0), 0n, true, USD(2_000), USD(10_000), maxUint256], value: FEE_WEI });
    await testClient.increaseTime({ seconds: 30 });
    await testClient.mine({ blocks: 1 });
    await expect(send(lp, { ...pool, functionName: 'deposit', args: [USD(10_000), lp.address] })).rejects.toThrow(/StalePrice|PriceTooOld|reverted/);

    const before = await pub.readContract({ ...pool, functionName: 'balanceOf', args: [lp.address] });
    const call = encodeFunctionData({ abi: liquidityPoolAbi, functionName: 'deposit', args: [USD(10_000), lp.address] });
    await send(lp, { ...router, functionName: 'callPool', args: [await updatesFor(0), call], value: FEE_WEI });
    const minted = (await pub.readContract({ ...pool, functionName: 'balanceOf', args: [lp.address] })) - before;
    expect(minted).toBeGreaterThan(0n);
    expect(await pub.getBalance({ address: d.PriceUpdateRouter })).toBe(0n);
    expect(await pub.readContract({ ...pool, functionName: 'balanceOf', args: [d.PriceUpdateRouter] })).toBe(0n);

    await testClient.increaseTime({ seconds: 3_600 }); // past the deposit cooldown
    await testClient.mine({ blocks: 1 });
    const assetsBefore = await pub.readContract({ ...ctr().token, functionName: 'balanceOf', args: [lp.address] });
    const redeem = encodeFunctionData({ abi: liquidityPoolAbi, functionName: 'redeem', args: [minted, lp.address, lp.address] });
    await send(lp, { ...router, functionName: 'callPool', args: [await updatesFor(0), redeem], value: FEE_WEI });
    expect(await pub.readContract({ ...ctr().token, functionName: 'balanceOf', args: [lp.address] })).toBeGreaterThan(assetsBefore + USD(9_900));
    // closing needs the price too: through the router
    await send(trader, { ...router, functionName: 'decreasePosition', args: [await updatesFor(0), 0n, true, 0n, USD(10_000), 0n], value: FEE_WEI });
    expect((await pub.readContract({ ...engine, functionName: 'position', args: [trader.address, 0n, true] })).sizeUsd).toBe(0n);
  });

  it("the app's path: updates from its API route, calls wrapped for the router, views at the posted prices", async () => {
    // The route and the libraries as the app loads them, configured for this chain: fresh modules, with this chain's
    // entry in the contract map (the one codegen wrote, which this process loaded before the deployment existed).
    vi.resetModules();
    const entry = deploymentEntry(d);
    vi.doMock('@/lib/contracts/generated', async (original) => {
      const real = (await original()) as { deployments: Record<number, unknown> };
      return { ...real, deployments: { ...real.deployments, [CHAIN_ID]: entry } };
    });
    const hermesUrl = `http://127.0.0.1:${(hermes.address() as AddressInfo).port}`;
    Object.assign(process.env, { CHAIN_ID: String(CHAIN_ID), RPC_URL: RPC, HERMES_URL: hermesUrl });
    const { GET } = await import('@/app/api/pyth/updates/route');
    const { contractsFor } = await import('@/lib/contracts');
    const { parseUpdates, readAfterUpdate, throughRouter, pullMarketsAmong } = await import('@/lib/pyth/router');
    const c = contractsFor(CHAIN_ID);
    expect(pullMarketsAmong(c, 'all')).toEqual([0, 1, 2]);
    const get = (q: string) => GET(new Request(`http://app/api/pyth/updates?${q}`));

    expect((await get('markets=abc')).status).toBe(400);
    expect((await get('markets=7')).status).toBe(400); // not a listed market
    const res = await get('markets=0,2,0');
    expect(res.status).toBe(200);
    const updates = parseUpdates(await res.json());
    expect(updates.map((u) => u.feed)).toEqual([d.feeds[0], d.feeds[2]]);
    expect(updates.every((u) => u.fee === FEE_WEI && u.data.length === 1)).toBe(true);

    // An open position on ETH makes the NAV need its price: a plain read says the NAV is not valid, the read at the
    // posted price says it is and values it.
    const trader = await funded(5_000);
    const open = throughRouter(c, { ...c.engine, functionName: 'increasePosition', args: [0n, false, USD(1_000), USD(5_000), 0n] }, await updatesFor(0));
    await send(trader, open);
    await testClient.increaseTime({ seconds: 30 });
    await testClient.mine({ blocks: 1 });
    const plain = await pub.readContract({ ...c.reader, functionName: 'poolView' });
    expect(plain.navValid).toBe(false);
    const fresh = parseUpdates(await (await get('markets=0,1,2')).json());
    const pooled = await readAfterUpdate(pub as never, c, fresh, c.reader, 'poolView', []);
    expect(pooled.navValid).toBe(true);
    expect(pooled.navUsd).toBeGreaterThan(0n);

    // The options page prices a Pyth market at its latest update: the stored price is past its 10 s by now.
    const { readQuoteContext } = await import('@/lib/options/context');
    const ethId = markets[0].pythPriceId.toLowerCase();
    const stored = hermesPrice.get(ethId)!;
    hermesPrice.set(ethId, (stored * 101n) / 100n); // Hermes has moved on by 1%
    await new Promise((r) => setTimeout(r, 600)); // past the route's 500 ms reuse of an update
    const block = await pub.getBlockNumber();
    await expect(readQuoteContext(pub as never, 0n, block, CHAIN_ID)).rejects.toThrow(/volatilityNow/);
    const moved = parseUpdates(await (await get('markets=0')).json());
    expect((await readQuoteContext(pub as never, 0n, block, CHAIN_ID, moved)).spotWad).toBe(((stored * 101n) / 100n) * 10n ** 10n);

    // The app's deposit, wrapped: callPool with the updates and their fees as value.
    const lp = await funded(20_000);
    const dep = throughRouter(c, { ...c.pool, functionName: 'deposit', args: [USD(20_000), lp.address] }, fresh);
    expect(dep.functionName).toBe('callPool');
    expect(dep.value).toBe(3n * FEE_WEI);
    await send(lp, dep);
    expect(await pub.readContract({ ...c.pool, functionName: 'balanceOf', args: [lp.address] })).toBeGreaterThan(0n);
    // the pool page's NAV-dependent views (what the LP could redeem) the same way
    await testClient.increaseTime({ seconds: 30 });
    await testClient.mine({ blocks: 1 });
    await expect(pub.readContract({ ...c.pool, functionName: 'convertToAssets', args: [10n ** 18n] })).rejects.toThrow();
    const later = parseUpdates(await (await get('markets=0,1,2')).json());
    expect((await readAfterUpdate(pub as never, c, later, c.pool, 'convertToAssets', [10n ** 18n])) as bigint).toBeGreaterThan(0n);
    const close = throughRouter(c, { ...c.engine, functionName: 'decreasePosition', args: [0n, false, 0n, USD(5_000), maxUint256] }, await updatesFor(0));
    await send(trader, close);
    expect(() => throughRouter(c, { ...c.orderBook, functionName: 'cancelOrder', args: [1n] }, fresh)).toThrow(/cannot go through/);
    // an answer naming a feed the deployment does not have, or asking a large fee, is refused before any wallet prompt
    const deposit = { ...c.pool, functionName: 'deposit', args: [USD(1), lp.address] };
    expect(() => throughRouter(c, deposit, [{ ...fresh[0], feed: d.PerpEngine }])).toThrow(/not a pull-oracle feed/);
    expect(() => throughRouter(c, deposit, [{ ...fresh[0], fee: 10n ** 18n }])).toThrow(/refused/);

    // Hermes down: the route answers 503 with the reason, and the app shows it instead of sending.
    hermesDown = true;
    await new Promise((r) => setTimeout(r, 600)); // past the server's 500 ms reuse of the last update
    try {
      const down = await get('markets=1');
      expect(down.status).toBe(503);
      expect(((await down.json()) as { detail: string }).detail).toMatch(/Hermes answered 500/);
    } finally {
      hermesDown = false;
    }
  });

  it('the keeper liquidates and fills orders at Hermes prices, through the router', async () => {
    const { engine, router, orderBook } = ctr();
    const thin: PrivateKeyAccount[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await funded(1_000);
      await send(a, { ...router, functionName: 'increasePosition', args: [await updatesFor(0), 0n, true, USD(400), USD(10_000), maxUint256], value: FEE_WEI });
      thin.push(a);
    }
    // A limit long on BTC 2% under the market, with its execution fee escrowed.
    const buyer = await funded(5_000);
    const btc8 = hermesPrice.get(markets[1].pythPriceId.toLowerCase())!;
    const expiresAt = (await pub.getBlock()).timestamp + 86_400n;
    await send(buyer, { ...orderBook, functionName: 'createOrder', args: [1n, true, 0, ((btc8 * 98n) / 100n) * 10n ** 10n, 50n, USD(5_000), USD(1_000), expiresAt, USD(1)] });

    const keeper = privateKeyToAccount(keeperKey);
    await testClient.setBalance({ address: keeper.address, value: 10n ** 20n });
    keeperProc = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
      cwd: root,
      env: { ...process.env, RPC_URL: RPC, CHAIN_ID: String(CHAIN_ID), KEEPER_PRIVATE_KEY: keeperKey, HERMES_URL: `http://127.0.0.1:${(hermes.address() as AddressInfo).port}`, KEEPER_PORT: String(KEEPER_PORT), KEEPER_POLL_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [keeperProc.stdout!, keeperProc.stderr!]) s.on('data', (b: Buffer) => keeperOut.push(...b.toString().split('\n').filter(Boolean)));

    // Hermes now says ETH fell 6% and BTC 3%: nobody posts these prices on chain but the keeper.
    const eth8 = hermesPrice.get(markets[0].pythPriceId.toLowerCase())!;
    hermesPrice.set(markets[0].pythPriceId.toLowerCase(), (eth8 * 94n) / 100n);
    hermesPrice.set(markets[1].pythPriceId.toLowerCase(), (btc8 * 97n) / 100n);
    const logs = () => keeperOut.slice(-20).join('\n');
    await waitFor(async () => {
      const sizes = await Promise.all(thin.map((a) => pub.readContract({ ...engine, functionName: 'position', args: [a.address, 0n, true] })));
      return sizes.every((p) => p.sizeUsd === 0n);
    }, `the keeper to liquidate the thin ETH longs; it said:\n${logs()}`, 60_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    await waitFor(async () => (await pub.readContract({ ...engine, functionName: 'position', args: [buyer.address, 1n, true] })).sizeUsd === USD(5_000), 'the limit order to fill', 60_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    const health = async () => (await (await fetch(`http://127.0.0.1:${KEEPER_PORT}/health`)).json()) as Record<string, unknown>;
    // the keeper counts what its receipts show, once its tracker has seen them mined
    await waitFor(async () => (await health()).liquidationsConfirmed === 3 && (await health()).ordersExecuted === 1, 'the keeper to count its receipts', 20_000);
    const h = await health();
    expect(h.liquidationsConfirmed).toBe(3);
    expect(h.ordersExecuted).toBe(1);
    expect(h.stalledMarkets).toEqual([]);

    // A quiet interval: nobody trades, and the keeper still samples each pull market at Hermes' price, through the
    // router (services/keeper/sampler.ts), so the estimator's clock does not wait for traffic.
    const sampling = async () => (await health()).sampling as { pokes: number; failures: number };
    // (a poke raced by the liquidations above, e.g. its Hermes update older than one a liquidation already used, may
    // have failed and backed off; the quiet interval must sample without a new failure.) The test's clock jump is no
    // real chain's: a poke in flight across it would be mined after it with a price the jump made too old. So Hermes
    // pauses while what is in flight is mined, the clock jumps, and Hermes answers again once a block past the jump
    // is the latest (its updates are signed at the latest block's time).
    hermesDown = true;
    const settled = (await pub.getBlockNumber({ cacheTime: 0 })) + 3n;
    await waitFor(async () => (await pub.getBlockNumber({ cacheTime: 0 })) >= settled, 'three blocks for pokes in flight', 20_000);
    const { pokes: pokesBefore, failures: failuresBefore } = await sampling();
    const interval = BigInt((await pub.readContract({ ...ctr().reader, functionName: 'marketConfig', args: [0n] })).sampleIntervalSec);
    const sampledBefore = (await pub.readContract({ ...ctr().reader, functionName: 'marketState', args: [0n] })).lastSampleAt;
    const jumpedTo = (await pub.getBlock({ blockTag: 'latest' })).timestamp + interval;
    await testClient.increaseTime({ seconds: Number(interval) });
    await waitFor(async () => (await pub.getBlock({ blockTag: 'latest' })).timestamp >= jumpedTo, 'a block past the clock jump', 20_000);
    hermesDown = false;
    await waitFor(async () => (await pub.readContract({ ...ctr().reader, functionName: 'marketState', args: [0n] })).lastSampleAt / interval > sampledBefore / interval, 'the keeper to sample ETH in the next interval', 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    await waitFor(async () => (await sampling()).pokes > pokesBefore, 'the keeper to count its poke', 20_000);
    expect((await sampling()).failures).toBe(failuresBefore);
  });
});
