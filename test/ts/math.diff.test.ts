/**
 * Differential test: the TypeScript mirror in lib/math must equal the Solidity libraries to the wei.
 * Runs thousands of seeded random cases per formula against MathHarness on anvil.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Abi, Address } from 'viem';
import * as C from '@/lib/math/capgrid';
import * as F from '@/lib/math/fixed';
import * as P from '@/lib/math/position';
import * as R from '@/lib/math/risk';
import * as S from '@/lib/math/shares';
import { clients, deployArtifact, rng } from './helpers';

const { WAD } = F;
const N = 1000;
let harness: { address: Address; abi: Abi };

async function call<T>(functionName: string, arg: unknown): Promise<T> {
  const { publicClient } = clients();
  return (await publicClient.readContract({ ...harness, functionName, args: [arg] })) as T;
}

beforeAll(async () => {
  harness = await deployArtifact('MathHarness.sol', 'MathHarness');
});

describe('TypeScript math mirror equals Solidity to the wei', () => {
  it('lnWad over 24 orders of magnitude', async () => {
    const r = rng(1n);
    const xs = Array.from({ length: N }, () => r.between(1n, 10n ** 36n));
    const out = await call<bigint[]>('lnWad', xs);
    xs.forEach((x, i) => expect(F.lnWad(x), `lnWad(${x})`).toBe(out[i]));
  });

  it('sqrtDown', async () => {
    const r = rng(2n);
    const xs = Array.from({ length: N }, () => r.between(0n, (1n << 200n)));
    const out = await call<bigint[]>('sqrtDown', xs);
    xs.forEach((x, i) => expect(F.sqrtDown(x)).toBe(out[i]));
  });

  it('kinked borrow rate', async () => {
    const r = rng(3n);
    const maxRate = (10n * WAD) / 31_536_000n;
    const cases = Array.from({ length: N }, () => [
      r.between(0n, 3n * WAD),
      r.between(0n, maxRate),
      r.between(0n, maxRate),
      r.between(0n, maxRate),
      r.between(WAD / 20n, (WAD * 99n) / 100n),
    ]);
    const out = await call<bigint[]>('borrowRateUp', cases);
    cases.forEach((c, i) => expect(R.borrowRateUp(c[0], c[1], c[2], c[3], c[4])).toBe(out[i]));
  });

  it('utilization (one definition: core, Reader, previews, stress)', async () => {
    const r = rng(21n);
    const cases = Array.from({ length: N }, (_, i) => [i % 10 === 0 ? 0n : r.between(0n, 10n ** 18n), i % 13 === 0 ? 0n : r.between(0n, 10n ** 18n)]);
    const out = await call<bigint[]>('utilizationUp', cases);
    cases.forEach((c, i) => expect(R.utilizationUp(c[0], c[1])).toBe(out[i]));
  });

  it("the cap grid and the NAV's side terms (uncapped side PnL, crossed cap and floor buckets, floor buckets)", async () => {
    const r = rng(22n);
    const cases = Array.from({ length: N }, (_, i) => {
      const oi = r.between(0n, 10n ** 18n);
      // prices over the grid's whole range, edges included
      const price = i % 50 === 0 ? r.between(1n, 300n) : i % 50 === 1 ? r.between(2n ** 127n, 2n ** 129n) : r.between(10n ** 8n, 10n ** 26n);
      const tokens = ((oi * 10n ** 30n) / (price > 0n ? price : 1n)) * r.between(1n, 40n) / 10n;
      const bucket = r.between(7n << 7n, C.MAX_BUCKET);
      return [r.between(0n, 1n), oi, tokens % 2n ** 112n, price, bucket];
    });
    const out = await call<bigint[][]>('sideTerms', cases);
    cases.forEach((c, i) => {
      const isLong = c[0] === 1n;
      expect([
        P.sidePnlUp(isLong, c[1], c[2], c[3]),
        P.capExcessDown(isLong, c[2], c[4], c[3]),
        C.priceOf(c[4]),
        C.bucketDown(c[3]),
        C.bucketUp(c[3]),
        P.floorExcessUp(!isLong, c[2], c[4], c[3]),
        C.floorBucketFor(isLong, c[1], c[2], c[4] * 10n ** 6n),
      ]).toEqual(out[i]);
    });
  });

  it("an increase's merged cap (P-107): the reopened tokens' headroom and the cap bucket of a profit in USD", async () => {
    const r = rng(24n);
    const cases = Array.from({ length: N }, (_, i) => {
      const isLong = r.between(0n, 1n);
      const price = r.between(10n ** 17n, 10n ** 24n);
      const size = r.between(1n, 10n ** 15n);
      const tokens = i % 50 === 0 ? 0n : (size * 10n ** 30n) / price + r.between(0n, 1000n);
      // buckets below, at and above the price, and a short's NONE
      const bucket = i % 20 === 1 ? C.NONE : C.bucketDown((price * r.between(5_000n, 30_000n)) / 10_000n) + r.between(0n, 1n);
      const maxProfit = i % 7 === 0 ? size + r.between(0n, 10n) : r.between(0n, 2n * size);
      return [isLong, tokens, price, bucket, size, maxProfit];
    });
    const out = await call<bigint[][]>('mergedCap', cases);
    cases.forEach((c, i) => {
      const isLong = c[0] === 1n;
      expect([C.headroomDown(isLong, c[1], c[2], c[3]), C.bucketForProfit(isLong, c[4], c[1], c[5])]).toEqual(out[i]);
    });
  });

  it("an increase's merged cap bucket and its AtProfitCap refusal (PerpState.mergedCapBucket), from real increases", async () => {
    const r = rng(25n);
    const cases = Array.from({ length: N }, (_, i) => {
      const isLong = r.between(0n, 1n);
      const bps = r.between(300n, 10_000n);
      const entry = r.between(10n ** 17n, 10n ** 24n);
      const oldSize = i % 10 === 0 ? 0n : r.between(10n ** 6n, 10n ** 15n); // a tenth are new positions
      const oldTokens = (oldSize * 10n ** 30n) / entry;
      const oldBucket = oldSize === 0n ? C.NONE : C.bucketFor(isLong === 1n, oldSize, oldTokens, bps);
      // the price now: from half the entry to past the cap, and every fifth case exactly at the old cap price
      const cap = oldBucket === C.NONE ? entry : C.priceOf(oldBucket);
      const price = i % 5 === 1 ? cap : (entry * r.between(5_000n, 25_000n)) / 10_000n;
      const reopened = (oldTokens * price) / 10n ** 30n + (isLong === 1n ? 1n : 0n);
      const delta = i % 3 === 0 ? r.between(1n, 10n ** 3n) : r.between(1n, 10n ** 15n); // dust and real adds
      const tokens = oldTokens + (delta * 10n ** 30n) / price;
      return [isLong, reopened + delta, tokens, oldTokens, oldBucket, delta, bps, price];
    });
    const out = await call<bigint[][]>('mergedCapBucket', cases);
    let refused = 0;
    cases.forEach((c, i) => {
      const isLong = c[0] === 1n;
      const bucket = C.mergedBucket(isLong, c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
      expect([bucket, C.capAhead(isLong, c[7], bucket) ? 1n : 0n]).toEqual(out[i]);
      if (out[i][1] === 0n) refused++;
    });
    // both outcomes are exercised: increases past the cap are refused, the rest get a cap at or ahead of the price
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(N);
  });

  it('share conversion, every rounding', async () => {
    const r = rng(23n);
    const cases = Array.from({ length: N }, () => [r.between(0n, 10n ** 24n), r.between(0n, 10n ** 30n), r.between(0n, 10n ** 18n)]);
    const out = await call<bigint[][]>('shares', cases);
    cases.forEach((c, i) => {
      expect(S.toSharesDown(c[0], c[1], c[2])).toBe(out[i][0]);
      expect(S.toSharesUp(c[0], c[1], c[2])).toBe(out[i][1]);
      expect(S.toAssetsDown(c[0], c[1], c[2])).toBe(out[i][2]);
      expect(S.toAssetsUp(c[0], c[1], c[2])).toBe(out[i][3]);
    });
  });

  it('free liquidity', async () => {
    const r = rng(11n);
    const cases = Array.from({ length: N }, () => {
      const cash = r.between(0n, 10n ** 18n);
      return [cash, r.between(0n, cash), r.between(1n, 10_000n), r.between(5n * 10n ** 16n, 99n * 10n ** 16n)];
    });
    const out = await call<bigint[]>('freeLiquidityDown', cases);
    cases.forEach((c, i) => expect(R.freeLiquidityDown(c[0], c[1], c[2], c[3])).toBe(out[i]));
    // the core's withdrawal check (no division) admits exactly the amounts up to the free liquidity: each case at its
    // free liquidity, one unit past it, and a random amount
    const probes = cases.flatMap((c, i) => [out[i], out[i] + 1n, r.between(0n, c[0] + 1n)].map((a) => [...c, a]));
    const fits = await call<boolean[]>('fitsFreeLiquidity', probes);
    probes.forEach((p, i) => expect(fits[i]).toBe(p[4] <= R.freeLiquidityDown(p[0], p[1], p[2], p[3])));
  });

  /** Funding cases: (rate, skew, [perpetual skew,] skew scale, max velocity, max rate, elapsed). */
  it('velocity funding', async () => {
    const r = rng(4n);
    const maxRate = WAD / 3600n / 100n;
    const cases = Array.from({ length: N }, () => {
      const maxR = r.between(0n, maxRate);
      // rates up to twice the cap: a lowered cap clamps the stored rate first
      return [r.between(-2n * maxR, 2n * maxR), r.between(-(10n ** 15n), 10n ** 15n), r.between(10n ** 6n, 10n ** 15n), r.between(0n, maxR), maxR, r.between(0n, 365n * 86_400n)];
    });
    const out = await call<[bigint, bigint][]>('nextFunding', cases);
    cases.forEach((c, i) => {
      const got = R.nextFunding(c[0], c[1], c[2], c[3], c[4], c[5]);
      expect([got.nextRateWad, got.indexDeltaWad]).toEqual([out[i][0], out[i][1]]);
    });
  });

  it('price impact', async () => {
    const r = rng(5n);
    const cases = Array.from({ length: N }, () => [
      r.between(-(10n ** 15n), 10n ** 15n),
      r.between(-(10n ** 15n), 10n ** 15n),
      r.between(10n ** 6n, 10n ** 18n),
      r.between(0n, 9999n),
    ]);
    const out = await call<bigint[]>('impactCostUsd', cases);
    cases.forEach((c, i) => expect(R.impactCostUsd(c[0], c[1], c[2], c[3])).toBe(out[i]));
  });

  it('price impact netted with the options delta (the larger of net and perpetual-only), the rebate at most the fee', async () => {
    const r = rng(51n);
    const cases = Array.from({ length: N }, () => [
      r.between(-(10n ** 15n), 10n ** 15n),
      r.between(-(10n ** 15n), 10n ** 15n),
      r.bool() ? 0n : r.between(-(10n ** 15n), 10n ** 15n),
      r.between(10n ** 6n, 10n ** 18n),
      r.between(0n, 9999n),
      r.bool() ? 10n ** 30n : r.between(0n, 10n ** 13n),
    ]);
    const out = await call<bigint[]>('nettedImpactCostUsd', cases);
    let capped = 0;
    cases.forEach((c, i) => {
      expect(R.nettedImpactCostUsd(c[0], c[1], c[2], c[3], c[4], c[5])).toBe(out[i]);
      const uncapped = R.nettedImpactCostUsd(c[0], c[1], c[2], c[3], c[4], 10n ** 30n);
      // never below what the same perpetual trade pays without options, unless the fee caps its rebate (P-98)
      expect(out[i] >= R.impactCostUsd(c[0], c[1], c[3], c[4]) || out[i] === -c[5]).toBe(true);
      // the rebate is the uncapped one up to the fee
      expect(out[i]).toBe(uncapped < -c[5] ? -c[5] : uncapped);
      if (uncapped < -c[5]) capped++;
    });
    expect(capped).toBeGreaterThan(N / 20); // the cap binds in a share of the cases
  });

  it('funding split: the payers pay the rate, the pool keeps its share on the net skew, the receivers the rest', async () => {
    const r = rng(41n);
    const maxRate = WAD / 3600n / 100n;
    const cases = Array.from({ length: N }, () => {
      const maxR = r.between(0n, maxRate);
      const longOi = r.bool() ? 0n : r.between(0n, 10n ** 15n);
      const shortOi = r.bool() ? 0n : r.between(0n, 10n ** 15n);
      const net = longOi - shortOi + (r.bool() ? 0n : r.between(-(10n ** 15n), 10n ** 15n));
      return [r.between(-2n * maxR, 2n * maxR), longOi, shortOi, net, r.between(10n ** 6n, 10n ** 15n), r.between(0n, maxR), maxR, r.between(0n, 365n * 86_400n)];
    });
    const out = await call<[bigint, bigint, bigint][]>('nextFundingSplit', cases);
    let crossings = 0;
    let withheld = 0;
    cases.forEach((c, i) => {
      const got = R.nextFundingSplit(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
      expect([got.nextRateWad, got.longDeltaWad, got.shortDeltaWad]).toEqual([out[i][0], out[i][1], out[i][2]]);
      // the pool's take, longs' owed less shorts' due, is never negative; no receiver gets more than the payers pay
      expect(got.longDeltaWad * c[1] - got.shortDeltaWad * c[2] >= 0n).toBe(true);
      expect(got.longDeltaWad >= got.shortDeltaWad).toBe(true);
      const rate = c[0] > c[6] ? c[6] : c[0] < -c[6] ? -c[6] : c[0];
      if ((rate > 0n && got.nextRateWad < 0n) || (rate < 0n && got.nextRateWad > 0n)) crossings++;
      if (got.longDeltaWad !== got.shortDeltaWad) withheld++;
    });
    expect(crossings).toBeGreaterThan(N / 50); // the zero-crossing branch is exercised
    expect(withheld).toBeGreaterThan(N / 10); // and the pool's share
  });

  it('winsorized squared return and continuous-time EWMA variance', async () => {
    const r = rng(6n);
    const cases = Array.from({ length: N }, () => {
      const p0 = r.between(10n ** 12n, 10n ** 26n);
      const move = r.between(10n ** 16n, 10n ** 20n); // price ratio 0.01x .. 100x
      return [
        p0,
        (p0 * move) / WAD + 1n,
        r.between(1n, 86_400n * 7n),
        r.between(1n, WAD / 86_400n),
        r.between(3n, 100n),
        r.between(0n, (1n << 64n) - 1n),
        r.between(60n, 365n * 86_400n),
      ];
    });
    const out = await call<[bigint, bigint][]>('variance', cases);
    cases.forEach((c, i) => {
      const r2 = R.clippedSquaredReturnUp(c[0], c[1], c[2], c[3], c[4]);
      expect([r2, R.ewmaVarianceUp(c[5], r2, c[2], c[6])]).toEqual([out[i][0], out[i][1]]);
    });
  });

  it('sampled estimator and margin schedule (PerpRisk.observe): one sample per interval, re-anchored ramp', async () => {
    const r = rng(61n);
    const cases = Array.from({ length: N }, (_, i) => {
      const p0 = r.between(10n ** 12n, 10n ** 26n);
      const interval = r.between(60n, 86_400n);
      const sampleAt = i % 10 === 0 ? 0n : r.between(1n, 2n ** 32n - 1n - 3n * 86_400n);
      const at = sampleAt + r.between(0n, i % 3 === 0 ? 40n * interval : 3n * interval); // same interval, next, or later
      const move = r.between(10n ** 16n, 10n ** 20n);
      const anchorAt = r.between(1n, at + 1n);
      const now = at + r.between(0n, 600n);
      const tau = r.between(60n, 30n * 86_400n);
      return [
        r.between(1n, WAD / 86_400n), // variance
        r.between(1n, WAD / 86_400n), // long-run variance
        p0,
        sampleAt,
        r.between(WAD / 1000n, WAD / 2n), // target
        r.between(WAD / 1000n, WAD / 2n), // anchor
        anchorAt,
        (p0 * move) / WAD + 1n,
        at,
        now,
        interval,
        tau,
        tau + r.between(0n, 300n * 86_400n),
        r.between(3n, 100n),
        r.between(WAD / 10_000n, WAD / 2n),
        r.between(60n, 7n * 86_400n),
        r.between(WAD, 5n * WAD),
        r.between(WAD / 1000n, WAD / 2n),
        r.between(1n, 2n * 86_400n), // max price age
      ];
    });
    const out = await call<bigint[][]>('observe', cases);
    cases.forEach((c, i) => {
      const cfg = {
        sampleIntervalSec: c[10], volTauSec: c[11], longVolTauSec: c[12], clipSigmas: c[13],
        maintenanceRampWadPerHour: c[14], horizonSec: c[15], zWad: c[16], mmrFloorWad: c[17], maxPriceAgeSec: c[18],
      };
      const st = {
        varianceWad: c[0], longVarianceWad: c[1], lastPriceWad: c[2], lastSampleAt: c[3],
        marginTargetWad: c[4], marginAnchorWad: c[5], marginAnchorAt: c[6],
      };
      const [n, sample] = R.observe(cfg, st, c[7], c[8], c[9]);
      expect([
        n.varianceWad, n.longVarianceWad, n.lastPriceWad, n.lastSampleAt, n.marginTargetWad, n.marginAnchorWad,
        n.marginAnchorAt, sample ? 1n : 0n, R.maintenanceBaseUp(cfg, n, c[9]),
      ]).toEqual(out[i]);
    });
  });

  it('base margin, schedule, maintenance and initial margin', async () => {
    const r = rng(7n);
    const cases = Array.from({ length: N }, () => {
      const anchorAt = r.between(0n, 2n ** 32n);
      return [
        r.between(0n, WAD / 86_400n),
        r.between(60n, 7n * 86_400n),
        r.between(WAD, 5n * WAD),
        r.between(WAD / 1000n, WAD / 2n),
        r.between(WAD / 1000n, WAD / 2n),
        anchorAt,
        r.between(WAD / 10_000n, WAD / 2n),
        r.between(anchorAt > 100n ? anchorAt - 100n : 0n, anchorAt + 2n * 86_400n), // now (also before the anchor)
        r.between(0n, 10n ** 15n),
        r.between(10n ** 6n, 10n ** 15n),
        r.between(0n, WAD / 2n),
        r.between(WAD, 5n * WAD),
        r.between(0n, 2n * WAD),
        r.between(WAD / 20n, (WAD * 99n) / 100n),
        r.between(0n, WAD),
      ];
    });
    const out = await call<bigint[][]>('margins', cases);
    cases.forEach((c, i) => {
      const target = R.baseMarginUp(c[0], c[1], c[2], c[3]);
      const ramped = R.rampedMarginUp(c[4], c[5], target, c[6], c[7]);
      const mmr = R.maintenanceMarginUp(ramped, c[8], c[9], c[10]);
      const atTarget = R.maintenanceMarginUp(target, c[8], c[9], c[10]);
      expect([target, ramped, mmr, R.initialMarginUp(atTarget, c[11], c[12], c[13], c[14], 50n)]).toEqual(out[i]);
    });
  });

  it('position size, PnL, profit cap, liquidation price and margin notional', async () => {
    const r = rng(8n);
    const cases = Array.from({ length: N }, () => {
      const size = r.between(10n ** 6n, 10n ** 15n);
      const price = r.between(10n ** 15n, 10n ** 24n);
      return [
        r.bool() ? 1n : 0n,
        size,
        price,
        (price * r.between(WAD / 10n, 3n * WAD)) / WAD + 1n,
        r.between(100n, 100_000n),
        r.between(10n ** 6n, size),
        r.between(-(10n ** 9n), 10n ** 9n),
        r.between(WAD / 1000n, WAD / 2n),
      ];
    });
    const out = await call<bigint[][]>('position', cases);
    // the harness returns int256: a long's "any price" (maxUint256) reads as -1
    const anyPriceAsHarness = (x: bigint) => (x === P.ANY_PRICE ? -1n : x);
    cases.forEach((c, i) => {
      const isLong = c[0] === 1n;
      const tokens = P.sizeTokensFor(isLong, c[1], c[2]);
      expect([
        tokens,
        P.pnlUsd(isLong, c[1], tokens, c[3]),
        P.cappedPnlUsd(isLong, c[1], tokens, c[3], C.bucketFor(isLong, c[1], tokens, c[4])),
        anyPriceAsHarness(P.liquidationPriceWad(isLong, c[1], tokens, c[5], c[6], c[7], C.bucketFor(isLong, c[1], tokens, c[4]))),
        C.bucketFor(isLong, c[1], tokens, c[4]),
        P.valueClosedUsd(isLong, c[1], P.cappedPnlUsd(isLong, c[1], tokens, c[3], C.bucketFor(isLong, c[1], tokens, c[4]))),
        P.marginNotionalUp(isLong, c[1], tokens, c[3]),
      ]).toEqual(out[i]);
    });
  });

  it('execution price with impact, both directions', async () => {
    const r = rng(10n);
    const cases = Array.from({ length: N }, () => {
      const size = r.between(1n, 10n ** 15n);
      return [r.between(1n, 10n ** 24n), size, r.between(-2n * size, 2n * size), r.bool() ? 1n : 0n];
    });
    const out = await call<bigint[]>('executionPrice', cases);
    cases.forEach((c, i) => expect(P.executionPriceWad(c[0], c[1], c[2], c[3] === 1n)).toBe(out[i]));
  });

  it('borrow and funding fees owed', async () => {
    const r = rng(9n);
    const cases = Array.from({ length: N }, () => {
      const snap = r.between(WAD, 3n * WAD);
      return [r.bool() ? 1n : 0n, r.between(0n, 10n ** 15n), snap + r.between(0n, WAD), snap, r.between(-WAD, WAD), r.between(-WAD, WAD)];
    });
    const out = await call<[bigint, bigint][]>('fees', cases);
    cases.forEach((c, i) => {
      expect([P.borrowFeeUp(c[1], c[2], c[3]), P.fundingFeeUp(c[0] === 1n, c[1], c[4], c[5])]).toEqual([out[i][0], out[i][1]]);
    });
  });
});
