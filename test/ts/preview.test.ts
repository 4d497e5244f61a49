/**
 * The order preview runs the engine's initial-margin check: leverage is size over equity, where equity counts the
 * position's open loss (never its profit), and collateral below the market minimum is flagged.
 */
import { describe, expect, it } from 'vitest';
import { WAD, mulDivDown, mulDivUp } from '@/lib/math/fixed';
import { bucketFor, priceOf } from '@/lib/math/capgrid';
import { pnlUsd, sizeTokensFor } from '@/lib/math/position';
import { maxOpenLeverageTenths, previewOpen, sizeAtLeverageDown, type PreviewMarket } from '@/lib/math/preview';
import { maxTypedLeverage } from '@/lib/validation';

const USD = (n: number) => BigInt(Math.round(n * 1e6));
const market = (priceWad: bigint): PreviewMarket => ({
  priceWad,
  longOiUsd: USD(100_000),
  shortOiUsd: USD(100_000),
  optionsSkewUsd: 0n,
  maintenanceBaseWad: 10n ** 16n,
  marginTargetWad: 10n ** 16n,
  reservedUsd: USD(200_000),
  config: {
    openFeeBps: 6n,
    closeFeeBps: 6n,
    positiveImpactBps: 5000n,
    impactScaleUsd: USD(100_000_000),
    horizonSec: 3600n,
    zWad: 233n * 10n ** 16n,
    mmrFloorWad: 5n * 10n ** 15n,
    sizeScaleUsd: USD(1_000_000),
    sizeTermWad: 10n ** 16n,
    imrMultiplierWad: 15n * 10n ** 17n,
    utilTermWad: 5n * 10n ** 16n,
    maxLeverage: 50n,
    maxProfitBps: 10_000n,
    minCollateralUsd: USD(10),
  },
});
const pool = { reservedUsd: USD(200_000), poolCashUsd: USD(10_000_000), kinkWad: 8n * 10n ** 17n };

describe('previewOpen', () => {
  it('realizes an existing position’s loss into the collateral the leverage check divides by', () => {
    const entry = 3000n * WAD;
    const tokens = sizeTokensFor(true, USD(10_000), entry);
    const existing = { sizeUsd: USD(10_000), sizeTokens: tokens, capBucket: bucketFor(true, USD(10_000), tokens, 10_000n), collateralUsd: USD(1500), feesOwedUsd: 0n };
    const m = market(2700n * WAD); // the long is down 10%: about $1,000 of loss
    m.config.maxLeverage = 10n; // a 10x hard cap
    const p = previewOpen(m, true, 0n, USD(1000), pool, existing);
    // the engine's rule: the increase closes and reopens the old tokens at 2,700, so their loss moves into collateral
    expect(p.realizedPnlUsd).toBe(pnlUsd(true, USD(10_000), tokens, m.priceWad));
    expect(p.realizedPnlUsd).toBeLessThan(-USD(990));
    expect(p.sizeAfterUsd).toBe(mulDivUp(tokens, m.priceWad, 10n ** 30n) + USD(1000));
    const pnlAfter = pnlUsd(true, p.sizeAfterUsd, p.sizeTokensAfter, m.priceWad);
    expect(p.equityUsd).toBe(p.collateralAfterUsd + (pnlAfter < 0n ? pnlAfter : 0n));
    expect(p.leverageWad).toBe(mulDivUp(p.sizeAfterUsd, WAD, p.equityUsd));
    // 10,000 of size on ~500 of equity is ~20x: above the 10x cap.
    expect(p.exceedsMaxLeverage).toBe(true);
  });

  it('realizes an open profit but does not let it back the increase', () => {
    const tokens = sizeTokensFor(true, USD(10_000), 3000n * WAD);
    const existing = { sizeUsd: USD(10_000), sizeTokens: tokens, capBucket: bucketFor(true, USD(10_000), tokens, 10_000n), collateralUsd: USD(1500), feesOwedUsd: 0n };
    const p = previewOpen(market(3300n * WAD), true, 0n, USD(1000), pool, existing);
    expect(p.realizedPnlUsd).toBeGreaterThan(USD(990));
    const pnlAfter = pnlUsd(true, p.sizeAfterUsd, p.sizeTokensAfter, 3300n * WAD); // 0 or a unit of rounding
    expect(pnlAfter).toBeLessThanOrEqual(0n);
    expect(pnlAfter).toBeGreaterThanOrEqual(-1n);
    expect(p.equityUsd).toBe(p.collateralAfterUsd - p.realizedPnlUsd + pnlAfter);
    expect(p.exceedsMaxLeverage).toBe(false);
  });

  it('keeps what the position could still earn before its cap price when adding size (P-107): a dust add never resets the cap', () => {
    const tokens = sizeTokensFor(true, USD(100_000), 3000n * WAD);
    const capBucket = bucketFor(true, USD(100_000), tokens, 1_500n); // a 15% cap: about 3,450
    const existing = { sizeUsd: USD(100_000), sizeTokens: tokens, capBucket, collateralUsd: USD(20_000), feesOwedUsd: 0n };
    const cap = priceOf(capBucket);
    const at = (price: bigint) => ({ ...market(price), config: { ...market(price).config, maxProfitBps: 1_500n } });
    // 3% under the cap price: the old tokens may earn only the rest of the way to it, the 100 added its own 15%
    const below = (cap * 9_700n) / 10_000n;
    const p = previewOpen(at(below), true, 0n, USD(100), pool, existing);
    const leftUsd = mulDivDown(tokens, cap - below, 10n ** 30n);
    expect(p.maxProfitAfterUsd).toBe(leftUsd + (USD(100) * 1_500n) / 10_000n);
    expect(p.feeUsd).toBe((USD(100) * 6n + 9_999n) / 10_000n); // the fee is on the added size only
    expect(priceOf(p.capBucketAfter)).toBeLessThanOrEqual(cap); // no exposure comes back above the old cap
    expect(p.atProfitCap).toBe(false);
    // 2 bps under the cap the merged cap stays on it (the added size's own allowance covers the grid's rounding);
    // past it the merged cap would fall on the losing side of the price: the engine refuses (AtProfitCap), as here
    const near = previewOpen(at((cap * 9_998n) / 10_000n), true, 0n, USD(100), pool, existing);
    expect([near.atProfitCap, near.capBucketAfter]).toEqual([false, capBucket]);
    expect(previewOpen(at((cap * 10_100n) / 10_000n), true, 0n, USD(100), pool, existing).atProfitCap).toBe(true);
    // a collateral top-up changes no cap
    expect(previewOpen(at((cap * 10_100n) / 10_000n), true, USD(100), 0n, pool, existing).atProfitCap).toBe(false);
  });

  it('gives the side’s open interest after the trade, what the engine holds to its cap (review AS: the form never checked it)', () => {
    const entry = 3000n * WAD;
    const tokens = sizeTokensFor(false, USD(10_000), entry);
    const existing = { sizeUsd: USD(10_000), sizeTokens: tokens, capBucket: bucketFor(false, USD(10_000), tokens, 10_000n), collateralUsd: USD(1500), feesOwedUsd: 0n };
    // a new long adds its size to the long side; a short's increase at 2,700 takes its 10,000 of entry out and puts
    // its tokens back at their value there (rounded down for a short, the engine's _realize) plus the added 500
    expect(previewOpen(market(entry), true, USD(500), USD(2000), pool).openInterestAfterUsd).toBe(USD(102_000));
    const p = previewOpen(market(2700n * WAD), false, 0n, USD(500), pool, existing);
    expect(p.openInterestAfterUsd).toBe(USD(100_000) - USD(10_000) + mulDivDown(tokens, 2700n * WAD, 10n ** 30n) + USD(500));
    expect(p.openInterestAfterUsd).toBeLessThan(USD(100_000));
    // a collateral top-up moves none
    expect(previewOpen(market(2700n * WAD), false, USD(100), 0n, pool, existing).openInterestAfterUsd).toBe(USD(100_000));
  });

  it('flags collateral after fees below the market minimum', () => {
    const p = previewOpen(market(3000n * WAD), true, USD(10), USD(100), pool);
    expect(p.collateralAfterUsd).toBeLessThan(USD(10));
    expect(p.belowMinCollateral).toBe(true);
    expect(previewOpen(market(3000n * WAD), true, USD(20), USD(100), pool).belowMinCollateral).toBe(false);
  });
});

describe('maxOpenLeverageTenths', () => {
  it("finds the most a collateral can be levered: the engine's maximum counted after the fee and the impact (review BK)", () => {
    const m = market(3000n * WAD);
    m.config.openFeeBps = 100n; // 1%, as SOL
    m.longOiUsd = USD(3_000_000); // a long widens a 2.9M skew: it pays impact
    m.config.impactScaleUsd = USD(20_000_000);
    const collateral = USD(50_000);
    const at = (tenths: number) => previewOpen(m, true, collateral, (collateral * BigInt(tenths)) / 10n, pool);
    const engineMax = Number(at(11).maxLeverageWad) / 1e18;
    const found = maxOpenLeverageTenths((s) => previewOpen(m, true, collateral, s, pool).exceedsMaxLeverage, collateral, Math.floor(engineMax * 10));
    expect(found).toBeGreaterThan(11);
    expect(at(found).exceedsMaxLeverage).toBe(false);
    expect(at(found + 1).exceedsMaxLeverage).toBe(true);
    // from first principles at the found size: leverage = size / (collateral - fee - impact) stays within the maximum,
    // and one tenth more crosses it
    const lev = (tenths: number) => {
      const p = at(tenths);
      const size = (collateral * BigInt(tenths)) / 10n;
      return Number(size) / Number(collateral - p.feeUsd - (p.impactUsd > 0n ? p.impactUsd : 0n)) / (Number(p.maxLeverageWad) / 1e18);
    };
    expect(lev(found)).toBeLessThanOrEqual(1);
    expect(lev(found + 1)).toBeGreaterThan(1);
    // below the fee-only estimate: the impact takes equity too
    expect(found / 10).toBeLessThan(maxTypedLeverage(engineMax, 100));
    expect(at(found).impactUsd).toBeGreaterThan(0n);
  });
  it('is 0 when even 1.1x is refused, and the cap itself when nothing is refused', () => {
    expect(maxOpenLeverageTenths(() => true, USD(100), 200)).toBe(0);
    expect(maxOpenLeverageTenths(() => false, USD(100), 200)).toBe(200);
    expect(maxOpenLeverageTenths((s) => s > USD(100 * 7.3), USD(100), 500)).toBe(73);
    expect(sizeAtLeverageDown(USD(10), 1666)).toBe(USD(166.6));
  });
});
