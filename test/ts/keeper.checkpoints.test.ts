/**
 * The keeper's log followers against a node whose blocks can be replaced (a reorg) or lag, in memory (no chain): every
 * block a sync read stays under a recorded hash, so a reorg under it is noticed whatever happened to the pass that read
 * it (review AP: blocks read by a sync that failed part way, or whose head the node did not have yet, were under no
 * record, and a position opened in their replacement was never watched); a node one block behind is no reorg.
 */
import { BlockNotFoundError } from 'viem';
import { expect, it } from 'vitest';
import { PositionBook } from '@/services/keeper/book';
import { OrderWatcher } from '@/services/keeper/orders';
import type { CounterpoolContracts } from '@/lib/contracts';
import { fmtLiquidationPrice } from '@/lib/format';
import { ANY_PRICE, sizeTokensFor } from '@/lib/math/position';
import { bucketFor } from '@/lib/math/capgrid';
import { previewOpen, type PreviewMarket } from '@/lib/math/preview';

const log = { info() {}, warn() {}, error() {} } as never;
const c = { startBlock: 1n, engine: { address: '0x0000000000000000000000000000000000000001' }, orderBook: { address: '0x0000000000000000000000000000000000000002' } } as unknown as CounterpoolContracts;

/** A node: `tip` its newest block, `reorg` replaces blocks, `failFrom` rate-limits log reads reaching that block. */
function fakeNode() {
  const hashes = new Map<bigint, string>();
  const opens = new Map<bigint, `0x${string}`>();
  const state = { tip: 0n, fork: 0, failFrom: null as bigint | null, logCalls: [] as bigint[] };
  const client = {
    async getBlock({ blockNumber }: { blockNumber: bigint }) {
      if (blockNumber > state.tip) throw new BlockNotFoundError({ blockNumber });
      return { hash: hashes.get(blockNumber)! };
    },
    async getLogs({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) {
      state.logCalls.push(fromBlock);
      if (state.failFrom !== null && toBlock >= state.failFrom) throw new Error('Too Many Requests (429)');
      const out = [];
      for (let b = fromBlock; b <= toBlock && b <= state.tip; b++) if (opens.has(b)) out.push({ args: { account: opens.get(b), marketId: 0n, isLong: true } });
      return out;
    },
  };
  const mine = (to: bigint) => {
    for (let b = state.tip + 1n; b <= to; b++) hashes.set(b, `0x${state.fork}-${b}`);
    state.tip = to;
  };
  const reorg = (from: bigint) => {
    state.fork++;
    for (let b = from; b <= state.tip; b++) hashes.set(b, `0x${state.fork}-${b}`);
  };
  return { client: client as never, state, mine, reorg, opens };
}

it('a reorg under blocks that a sync failing part way read is noticed', async () => {
  const n = fakeNode();
  const book = new PositionBook(n.client, c, log, 5n);
  n.mine(10n);
  await book.sync(10n);
  n.mine(20n);
  n.state.failFrom = 16n; // 11-15 read, then the node refuses 16-20
  await expect(book.sync(20n)).rejects.toThrow();
  n.state.failFrom = null;
  n.reorg(13n); // 13-20 replaced; the new 14 opens a position
  n.opens.set(14n, '0x00000000000000000000000000000000000000aa');
  await book.sync(20n);
  expect(book.refs().map((r) => r.account)).toEqual(['0x00000000000000000000000000000000000000aa']);
});

it('nothing is read past a head the node does not have yet, and a reorg there is noticed', async () => {
  const n = fakeNode();
  const book = new PositionBook(n.client, c, log, 5n);
  n.mine(10n);
  await book.sync(10n);
  await expect(book.sync(12n)).rejects.toThrow(/not on this node yet/); // the head came from a node ahead of this one
  n.mine(12n);
  await book.sync(12n);
  n.reorg(11n);
  n.opens.set(11n, '0x00000000000000000000000000000000000000bb');
  n.mine(13n);
  await book.sync(13n);
  expect(book.refs().map((r) => r.account)).toEqual(['0x00000000000000000000000000000000000000bb']);
});

it('a node one block behind is no reorg: the order watcher reads nothing again', async () => {
  const n = fakeNode();
  const w = new OrderWatcher(n.client, c, log, 100n);
  n.mine(1000n);
  await w.sync(1000n);
  n.state.logCalls.length = 0;
  n.state.tip = 999n; // the balancer's next node is a block behind: same chain
  await w.sync(999n);
  expect(n.state.logCalls).toEqual([]);
  n.state.tip = 1000n;
  n.mine(1001n);
  await w.sync(1001n);
  expect(n.state.logCalls).toEqual([1001n]); // on from where it was
});

it('an open preview of a long whose fees outgrew its capped profit says "any price"', () => {
  const USD = (x: number) => BigInt(Math.round(x * 1e6));
  const W = 10n ** 18n;
  const m: PreviewMarket = {
    priceWad: 2600n * W,
    longOiUsd: USD(100_000),
    shortOiUsd: USD(100_000),
    optionsSkewUsd: 0n,
    maintenanceBaseWad: 4n * 10n ** 16n,
    marginTargetWad: 4n * 10n ** 16n,
    reservedUsd: 0n,
    config: {
      openFeeBps: 6n, closeFeeBps: 6n, positiveImpactBps: 5000n, impactScaleUsd: USD(100_000_000), horizonSec: 3600n, zWad: 233n * 10n ** 16n,
      mmrFloorWad: 5n * 10n ** 15n, sizeScaleUsd: USD(1_000_000), sizeTermWad: 0n, imrMultiplierWad: 15n * 10n ** 17n, utilTermWad: 5n * 10n ** 16n,
      maxLeverage: 50n, maxProfitBps: 300n, minCollateralUsd: USD(10),
    },
  } as PreviewMarket;
  const tokens = sizeTokensFor(true, USD(25_000), 2500n * W);
  const existing = { sizeUsd: USD(25_000), sizeTokens: tokens, capBucket: bucketFor(true, USD(25_000), tokens, 300n), collateralUsd: USD(1000), feesOwedUsd: USD(900) };
  const p = previewOpen(m, true, USD(100), 0n, { reservedUsd: 0n, poolCashUsd: USD(10_000_000), kinkWad: 8n * 10n ** 17n }, existing as never);
  expect(p.liquidationPriceWad).toBe(ANY_PRICE);
  expect(fmtLiquidationPrice(p.isLong, p.liquidationPriceWad, 4)).toBe('any price');
});
