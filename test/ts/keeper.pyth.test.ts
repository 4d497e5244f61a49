/**
 * Options on a Pyth (pull-oracle) market settle at the first update published at or after expiry (issue 13 item 1,
 * P-84): the keeper fetches it from Hermes, records it on the adapter (which Pyth's uniqueness check proves is the
 * first), and settles the board on it. A Hermes that answers with a later update is refused on chain. The Hermes client
 * is tested against a local HTTP server answering as Hermes does (404 before the first update, hex update data after).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeFunctionData, maxUint256, stringToHex, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, deployArtifact, isolateChain } from './helpers';
import { c, deposit, fundAndApprove, tx, USD } from './fixtures';
import { OptionsKeeper } from '@/services/keeper/options';
import { HermesError, hermesClient, type Hermes } from '@/lib/pyth/hermes';
import { createLogger } from '@/services/lib/runtime';
import { TxTracker } from '@/services/keeper/txs';
import { WAD } from '@/lib/math/fixed';

isolateChain(beforeAll, afterAll);
const PRICE_ID = '0x' + 'ab'.repeat(32) as Hex;
const log = createLogger('pyth-keeper-test');

describe('Hermes client', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];
  const auth: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      auth.push(req.headers.authorization);
      const m = /^\/v2\/updates\/price\/(\d+)\?/.exec(req.url ?? '');
      const t = m ? Number(m[1]) : 0;
      if (t === 500) return res.writeHead(500).end('boom');
      if (t === 600) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ binary: { encoding: 'base64', data: ['AAAA'] } }));
      if (t > 1000) return res.writeHead(404).end(JSON.stringify({ message: 'no update at or after this time' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ binary: { encoding: 'hex', data: ['504e4155', '0xdeadbeef'] }, parsed: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks for the first update at or after the time and returns it as hex update data', async () => {
    const hermes = hermesClient(base);
    expect(await hermes.atOrAfter(900n, PRICE_ID)).toEqual(['0x504e4155', '0xdeadbeef']);
    expect(seen.at(-1)).toBe(`/v2/updates/price/900?ids[]=${PRICE_ID}&encoding=hex&parsed=false`);
    expect(await hermes.latest(PRICE_ID)).toEqual(['0x504e4155', '0xdeadbeef']);
    expect(seen.at(-1)).toBe(`/v2/updates/price/latest?ids[]=${PRICE_ID}&encoding=hex&parsed=false`);
  });

  it('answers null before the first update exists, and throws a clear error on anything else', async () => {
    const hermes = hermesClient(base);
    expect(await hermes.atOrAfter(2000n, PRICE_ID)).toBeNull();
    await expect(hermes.atOrAfter(500n, PRICE_ID)).rejects.toThrow(HermesError);
    await expect(hermes.atOrAfter(500n, PRICE_ID)).rejects.toThrow(/answered 500/);
    await expect(hermes.atOrAfter(600n, PRICE_ID)).rejects.toThrow(/without hex update data/);
    await expect(hermesClient('http://127.0.0.1:1').atOrAfter(900n, PRICE_ID)).rejects.toThrow(/unreachable/);
  });

  it('sends the API key as a bearer token', async () => {
    await hermesClient(base, { apiKey: 'k-123' }).latest(PRICE_ID);
    expect(auth.at(-1)).toBe('Bearer k-123');
    await hermesClient(base).latest(PRICE_ID);
    expect(auth.at(-1)).toBeUndefined();
  });
});

describe('options keeper on a Pyth market', () => {
  it('lists through the router, records the first update after expiry from Hermes, settles on it, refuses a later one', async () => {
    const { publicClient } = clients();
    // A fourth market on a Pyth feed (MockPyth behind Pyth's uniqueness rule), options on it like SOL-USD's.
    const mock = await deployArtifact('MockPyth.sol', 'MockPyth', [3600n, 1n]);
    const unique = await deployArtifact('Mocks.sol', 'UniqueMockPyth', [mock.address]);
    const feed = await deployArtifact('PythPriceFeed.sol', 'PythPriceFeed', [unique.address, PRICE_ID, 3600n, 3n, 100n]);
    const update = async (price8: bigint, publishTime: bigint, prevPublishTime: bigint) =>
      (await publicClient.readContract({
        address: mock.address,
        abi: mock.abi,
        functionName: 'createPriceFeedUpdateData',
        args: [PRICE_ID, price8, 1_000_000n, -8, price8, 1_000_000n, publishTime, prevPublishTime],
      })) as Hex;
    const marketId = await publicClient.readContract({ ...c.reader, functionName: 'marketCount' });
    const cfg = await publicClient.readContract({ ...c.reader, functionName: 'marketConfig', args: [2n] });
    await tx(0, { ...c.engine, functionName: 'addMarket', args: [stringToHex('PYTH-USD', { size: 32 }), { ...cfg, feed: feed.address }] });
    const optionsCfg = await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [2n] });
    await tx(0, { ...c.optionsBook, functionName: 'setConfig', args: [marketId, optionsCfg] });

    await deposit(4, USD(1_000_000));
    const now = async () => (await publicClient.getBlock()).timestamp;
    const latestUpdate = async () => [await update(150n * 10n ** 8n, await now(), (await now()) - 1n)];
    const keeperFor = (atOrAfter: Hermes['atOrAfter']) => {
      const { publicClient: pc, walletClient } = clients(1);
      const txs = new TxTracker(pc, () => {}, log);
      const cPyth = { ...c, markets: [...c.markets, { id: Number(marketId), name: 'PYTH-USD', feed: feed.address as Address, pull: true }] };
      const k = new OptionsKeeper(pc, walletClient as never, cPyth, log, txs, { atOrAfter, latest: latestUpdate });
      return {
        stats: k.stats,
        pass: async () => {
          await k.tickMarket(marketId, await now());
          for (let i = 0; i < 50 && (await txs.poll(await pc.getBlockNumber()), txs.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 100));
        },
      };
    };

    // The keeper lists the schedule's boards through the router, with Hermes' latest update in the same call.
    const lister = keeperFor(async () => null);
    await lister.pass();
    const boards = await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [marketId] });
    expect(boards.length).toBeGreaterThan(0);
    expect(lister.stats.boardsListed).toBe(boards.length);
    expect(lister.stats.failures).toBe(0);
    // A trader buys a call through the router, the update in the same call (the stored price alone is not enough).
    const board = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boards[0]] });
    const boardId = boards[0];
    await fundAndApprove(11, USD(100_000));
    await tx(11, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256] });
    const buy = encodeFunctionData({ abi: c.optionsBook.abi, functionName: 'buy', args: [boardId, 5n, true, 10n * WAD, USD(100_000)] });
    await tx(11, { ...c.router, functionName: 'callProduct', args: [[{ feed: feed.address, data: await latestUpdate(), fee: 1n }], c.optionsBook.address, buy], value: 1n } as never);
    expect(await publicClient.readContract({ ...c.optionsBook, functionName: 'holding', args: [clients(11).walletClient.account.address, boardId, 5n, true] })).toBe(10n * WAD);
    // The first option leaves the book dirty: the keeper reads the staleness through the router (the stored price
    // alone is too old) and refreshes the greek cache the same way.
    await lister.pass();
    expect(lister.stats.refreshes).toBe(1);
    expect((await publicClient.readContract({ ...c.optionsBook, functionName: 'book', args: [marketId] })).dirty).toBe(false);
    expect(lister.stats.failures).toBe(0);

    const expiry = BigInt(board.expiry);
    await publicClient.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${(expiry + 30n).toString(16)}`] as never });
    await publicClient.request({ method: 'evm_mine' as never, params: [] as never });

    // A Hermes that answers with a later update (its previous one already after expiry): refused on chain, not sent.
    let liarAsked = 0;
    const liar = keeperFor(async () => (liarAsked++, [await update(190n * 10n ** 8n, expiry + 20n, expiry + 3n)]));
    await liar.pass();
    expect(liar.stats.failures).toBeGreaterThanOrEqual(1);
    // ... and not asked again on the next pass: a refused board waits REFUSED_RETRY_MS, doubling (Pyth may have
    // published nothing within the window, so it may never settle this way)
    await liar.pass();
    expect(liarAsked).toBe(1);
    expect((await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] })).settled).toBe(false);

    // The honest answer: the first update at or after expiry. One pass records it, the next settles on it.
    const asked: bigint[] = [];
    const honest = keeperFor(async (t, id) => {
      asked.push(t);
      expect(id).toBe(PRICE_ID);
      return [await update(152n * 10n ** 8n, expiry + 2n, expiry - 1n)];
    });
    await honest.pass();
    expect(asked).toEqual([expiry]);
    expect(honest.stats.boardsSettled).toBe(0);
    await honest.pass();
    expect(honest.stats.boardsSettled).toBe(1);
    expect(asked).toHaveLength(1); // recorded: Hermes is not asked again
    const settled = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
    expect(settled.settled).toBe(true);
    expect(settled.settlementPriceWad).toBe(152n * WAD);
    expect(honest.stats.failures).toBe(0);
  });
});
