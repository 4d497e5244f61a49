/**
 * The stress model's LP run and cash: LPs get at most the free liquidity the vault lets out (cash beyond
 * reserved / maxUtilization), and liquidated collateral, less keeper rewards, joins pool cash.
 */
import { describe, expect, it } from 'vitest';
import { bpsUp, mulDivUp, WAD } from '@/lib/math/fixed';
import { bucketFor, priceOf } from '@/lib/math/capgrid';
import { sidePnlUp } from '@/lib/math/position';
import { runStress, type StressInput } from '@/lib/stress';
import { optionsLiabilityUsd } from '@/lib/options/stress';

const USD = (n: number) => BigInt(Math.round(n * 1e6));
const TOKENS = (10n ** 18n * 10n) / 3n;
const input = (): StressInput => ({
  // no fees owed: the NAV is cash less the long side's PnL at 3,000 (rounded against the pool)
  navUsd: USD(1_000_000) - sidePnlUp(true, USD(10_000), TOKENS, 3000n * WAD),
  poolCashUsd: USD(1_000_000),
  reservedUsd: USD(450_000),
  keeperShareBps: 5000n,
  maxUtilizationBps: 9000n,
  kinkWad: 8n * 10n ** 17n,
  baseRateWad: 0n, // no borrow or funding accrues (the test of their accrual sets rates)
  slope1Wad: 0n,
  slope2Wad: 0n,
  nowSec: 1_000_000n,
  markets: [
    {
      marketId: 0,
      priceWad: 3000n * WAD,
      varianceWad: 3n * 10n ** 9n,
      longVarianceWad: 3n * 10n ** 9n,
      maintenanceBaseWad: 10n ** 16n,
      maintenanceRampWadPerHour: 5n * 10n ** 15n,
      horizonSec: 3600n,
      zWad: 233n * 10n ** 16n,
      mmrFloorWad: 5n * 10n ** 15n,
      sizeScaleUsd: USD(1_000_000),
      sizeTermWad: 10n ** 16n,
      maxProfitBps: 10_000n,
      liquidationFeeBps: 50n,
      closeFeeBps: 50n,
      impactScaleUsd: USD(1_000_000_000),
      longOiUsd: USD(10_000),
      shortOiUsd: 0n,
      longTokens: TOKENS,
      shortTokens: 0n,
      optionsSkewUsd: 0n,
      fundingRateWad: 0n,
      lastFundingAt: 1_000_000n,
      skewScaleUsd: USD(10_000_000),
      maxFundingVelocityWad: 0n,
      maxFundingRateWad: 0n,
    },
  ],
  // a 10x long bought at 3,000: 10,000 of size, 1,000 of collateral
  positions: [{ account: '0xa', marketId: 0, isLong: true, sizeUsd: USD(10_000), sizeTokens: TOKENS, capBucket: bucketFor(true, USD(10_000), TOKENS, 10_000n), floorBucket: 0n, collateralUsd: USD(1000), rebateUsd: 0n, feesOwedUsd: 0n }],
});

describe('runStress', () => {
  it('caps the LP run at the free liquidity', () => {
    // LP flows stop at the kink (P-106): locked = max(450,000 / 90%, 450,000 / 80%) = 562,500, so at most 437,500 of
    // the 1,000,000 can leave
    expect(runStress(input(), { priceBps: {}, volMultiplier: 1, cashOutflowBps: 8000 }).lpOutflowUsd).toBe(USD(437_500).toString());
    // with the kink above the solvency limit, the limit binds: 450,000 / 90% = 500,000 locked
    expect(runStress({ ...input(), kinkWad: 95n * 10n ** 16n }, { priceBps: {}, volMultiplier: 1, cashOutflowBps: 8000 }).lpOutflowUsd).toBe(
      USD(500_000).toString(),
    );
    expect(runStress(input(), { priceBps: {}, volMultiplier: 1, cashOutflowBps: 1000 }).lpOutflowUsd).toBe(USD(100_000).toString());
  });

  it('a bank run is LPs leaving with their share, not a loss: the NAV before, the outflow and the loss add up (review)', () => {
    const i = input();
    const run = runStress(i, { priceBps: {}, volMultiplier: 1, cashOutflowBps: 1000 });
    expect(run.navBeforeUsd).toBe(i.navUsd.toString()); // no rates: nothing accrues
    // the NAV after the run is the NAV before less the cash that left, to the unit; nothing else moved
    expect(BigInt(run.navShockedUsd)).toBe(i.navUsd - USD(100_000));
    expect(run.lpLossUsd).toBe('0');
    // a price shock on top: the loss is what the move cost, the outflow aside (recomputed: the long's PnL at 3,000 and
    // at -5%, 2,850: the long loses 500 to the pool, so the LPs who stay gain it)
    const hit = runStress(i, { priceBps: { 0: -500 }, volMultiplier: 1, cashOutflowBps: 1000 });
    const pnlBefore = sidePnlUp(true, USD(10_000), TOKENS, 3000n * WAD);
    const pnlAfter = sidePnlUp(true, USD(10_000), TOKENS, 2850n * WAD);
    expect(hit.positionsLiquidated).toBe(0);
    expect(BigInt(hit.lpLossUsd)).toBe(pnlAfter - pnlBefore);
    expect(BigInt(hit.navBeforeUsd) - BigInt(hit.lpOutflowUsd) - BigInt(hit.lpLossUsd)).toBe(BigInt(hit.navAfterLiquidationsUsd));
  });

  it('applies the chain margin schedule: a sigma shock moves maintenance at the ramp pace, not at once', () => {
    // A 10x long at entry with 1,000 of collateral: equity 1,000 against maintenance 1% (base) + 0.01% (size term).
    // sigma x12 makes the target base z * 12 * sigma_h = 2.33 * 12 * sqrt(3e9 * 3600) / 1e9 = 9.19% (so 9.2% with the
    // size term, above the 10% equity only once the ramp has climbed 0.5 percentage points an hour for long enough).
    const shock = (hours: number) => runStress(input(), { priceBps: {}, volMultiplier: 12, cashOutflowBps: 0, hours });
    expect(shock(0).positionsLiquidated).toBe(0); // the instant of the shock: maintenance is where it stood
    expect(shock(10).positionsLiquidated).toBe(0); // 1% + 10 h x 0.5 pp = 6%: still below the 10% equity
    // after 17 hours the ramp would be at 9.5%, but the target (9.19% + size term) caps it: still no liquidation
    expect(shock(17).positionsLiquidated).toBe(0);
    const x14 = runStress(input(), { priceBps: {}, volMultiplier: 14, cashOutflowBps: 0, hours: 24 });
    expect(x14.positionsLiquidated).toBe(1); // target 10.7% > 10% equity, reached by the ramp within 24 h
    expect(runStress(input(), { priceBps: {}, volMultiplier: 14, cashOutflowBps: 0, hours: 17 }).positionsLiquidated).toBe(0); // ramp at 9.5%
  });

  it("accrues borrow and funding over the shock's hours as the chain would (review AZ)", () => {
    // 10% a year of borrow at this utilization (the curve's base rate alone), funding at its 100%-a-year cap with the
    // longs paying (velocity 0: the rate holds). First principles over 24 h: the long owes 10,000 x (10% + 100%) x
    // 86,400 / 31,536,000 = 30.1369... USD, and the pool's receivable grows by as much.
    const YEAR = 31_536_000n;
    const rates = (x: StressInput): StressInput => ({
      ...x,
      baseRateWad: WAD / 10n / YEAR,
      markets: x.markets.map((m) => ({ ...m, fundingRateWad: WAD / YEAR, maxFundingRateWad: WAD / YEAR })),
    });
    const owedUsd = (USD(10_000) * ((WAD / 10n / YEAR) * 86_400n) + USD(10_000) * ((WAD / YEAR) * 86_400n)) / WAD;
    expect(Number(owedUsd) / 1e6).toBeCloseTo(30.137, 3);
    const at = (x: StressInput, hours: number) => runStress(x, { priceBps: {}, volMultiplier: 1, cashOutflowBps: 0, hours });
    const nav0 = BigInt(at(rates(input()), 0).navShockedUsd);
    const nav24 = BigInt(at(rates(input()), 24).navShockedUsd);
    expect(nav24 - nav0 - owedUsd).toBeGreaterThanOrEqual(-2n); // the receivable rounds down
    expect(nav24 - nav0 - owedUsd).toBeLessThanOrEqual(0n);
    // without rates nothing accrues, and the fees push a thin position under its maintenance within the hours
    expect(at(input(), 24).navShockedUsd).toBe(at(input(), 0).navShockedUsd);
    // (maintenance 0.78% of 10,000 here: the schedule follows the lower target at once, z sigma_h = 2.33 x 0.33%, plus
    // the size term)
    const thin = (x: StressInput): StressInput => ({ ...x, positions: x.positions.map((p) => ({ ...p, collateralUsd: USD(100) })) });
    expect(at(rates(thin(input())), 0).positionsLiquidated).toBe(0); // equity 100 against maintenance 78
    expect(at(rates(thin(input())), 24).positionsLiquidated).toBe(1); // 100 - 30.14 < 78
    expect(at(thin(input()), 24).positionsLiquidated).toBe(0);
  });

  it('says how much open interest it did not test (the index behind the chain)', () => {
    expect(runStress(input(), { priceBps: {}, volMultiplier: 1, cashOutflowBps: 0 }).unindexedOiUsd).toBe('0');
    const ahead = input();
    ahead.markets[0] = { ...ahead.markets[0], longOiUsd: USD(25_000) }; // a 15,000 long the index has not reached
    expect(runStress(ahead, { priceBps: {}, volMultiplier: 1, cashOutflowBps: 0 }).unindexedOiUsd).toBe(USD(15_000).toString());
  });

  it('lists the liquidated positions by their equity at the shock, the least first', () => {
    const base = input();
    // the setup's long three times over, with less collateral each: all liquidated by -15%, the thinnest the most in debt
    const positions = [USD(1000), USD(600), USD(800)].map((collateralUsd, i) => ({ ...base.positions[0], account: `0x${i + 1}`, collateralUsd }));
    const m = { ...base.markets[0], longOiUsd: base.markets[0].longOiUsd * 3n, longTokens: base.markets[0].longTokens * 3n };
    const r = runStress({ ...base, markets: [m], positions }, { priceBps: { 0: -1500 }, volMultiplier: 1, cashOutflowBps: 0 });
    expect(r.liquidated.map((p) => p.account)).toEqual(['0x2', '0x3', '0x1']);
    const equity = r.liquidated.map((p) => BigInt(p.equityUsd));
    // from first principles: each equity is its collateral less the same loss, so they differ by the collateral
    expect(equity[1] - equity[0]).toBe(USD(200));
    expect(equity[2] - equity[1]).toBe(USD(200));
  });

  it('adds liquidated collateral, less the keeper reward, back to cash for the utilization after', () => {
    const r = runStress(input(), { priceBps: { 0: -1500 }, volMultiplier: 1, cashOutflowBps: 1000 });
    expect(r.positionsLiquidated).toBe(1);
    const keeperReward = (bpsUp(USD(10_000), 50n) * 5000n) / 10_000n;
    const cashAfter = USD(900_000) + USD(1000) - keeperReward;
    const reservedAfter = USD(450_000) - bpsUp(USD(10_000), 10_000n);
    expect(r.utilizationAfterWad).toBe(mulDivUp(reservedAfter, WAD, cashAfter).toString());
  });

  it('values the NAV with the chain formula: each position is capped at its own cap price', () => {
    // Two longs: A (10,000 at 3,000, cap price ~6,000) and B (10,000 at 1,000, cap price ~2,000), both capped at 100%.
    // At 2,000 (a -33.33% shock) B is at its cap and A is down 3,333: a per-side cap (the old NAV) would have let A's
    // loss offset B's profit beyond its cap; the chain counts what each would be paid.
    const base = input();
    const bTokens = 10n * 10n ** 18n; // 10,000 USD at 1,000
    const bBucket = bucketFor(true, USD(10_000), bTokens, 10_000n);
    const m = { ...base.markets[0], longOiUsd: USD(20_000), longTokens: TOKENS + bTokens };
    const b = { account: '0xb', marketId: 0, isLong: true, sizeUsd: USD(10_000), sizeTokens: bTokens, capBucket: bBucket, floorBucket: 0n, collateralUsd: USD(5000), rebateUsd: 0n, feesOwedUsd: 0n };
    // at 3,000 B is past its cap: the chain's NAV now counts B at its cap price
    const navNow = base.poolCashUsd - (sidePnlUp(true, m.longOiUsd, m.longTokens, m.priceWad) - (bTokens * (m.priceWad - priceOf(bBucket))) / 10n ** 30n);
    const withB: StressInput = { ...base, navUsd: navNow, markets: [m], positions: [base.positions[0], b] };
    const r = runStress(withB, { priceBps: { 0: -3333 }, volMultiplier: 0, cashOutflowBps: 0 });
    const shocked = (3000n * WAD * 6667n) / 10_000n;
    // first principles, per position: A valued at the shocked price, B at the lower of it and its cap price
    const aPnl = (TOKENS * shocked) / 10n ** 30n - USD(10_000);
    const bPrice = shocked < priceOf(bBucket) ? shocked : priceOf(bBucket);
    const bPnl = (bTokens * bPrice) / 10n ** 30n - USD(10_000);
    expect(priceOf(bBucket) <= 2000n * WAD && priceOf(bBucket) * 129n / 128n >= 2000n * WAD).toBe(true);
    expect(BigInt(r.navShockedUsd) - (base.poolCashUsd - aPnl - bPnl)).toBeLessThanOrEqual(0n);
    expect(BigInt(r.navShockedUsd) - (base.poolCashUsd - aPnl - bPnl)).toBeGreaterThanOrEqual(-2n);
  });
});

describe('runStress with options', () => {
  const cfg = { callCapBps: 10_000n, minPremiumBps: 5n, ivMinWad: WAD / 5n, ivMaxWad: 3n * WAD, spreadVolWad: WAD / 50n, meanReversionWad: 12n * WAD, skewWad: 5n * 10n ** 16n, smileWad: 2n * 10n ** 16n, deltaScaleUsd: 10n ** 9n, vegaScaleUsd: 10n ** 7n, tradingCutoffSec: 3600n };
  const now = 1_700_000_000n;
  const open = [
    { marketId: 0, expiry: now + 7n * 86_400n, strikeWad: 3000n * WAD, isCall: true, amountWad: 10n * WAD, callCapBps: 10_000n },
    { marketId: 0, expiry: now + 7n * 86_400n, strikeWad: 2800n * WAD, isCall: false, amountWad: 4n * WAD, callCapBps: 10_000n },
  ];
  const markets = [{ marketId: 0, cfg, varianceWad: 3n * 10n ** 9n, longVarianceWad: 3n * 10n ** 9n }];
  const withOptions = () => {
    const base = input();
    const liability = optionsLiabilityUsd(open, new Map(markets.map((m) => [m.marketId, m])), () => 3000n * WAD, 1000n, now, 0n);
    base.navUsd -= liability;
    base.options = { nowSec: now, claimUsd: -liability, open, markets };
    return { base, liability };
  };

  it('keeps the NAV without a shock and revalues the book under price and volatility shocks', () => {
    const { base, liability } = withOptions();
    expect(liability).toBeGreaterThan(USD(500));
    const calm = runStress(base, { priceBps: {}, volMultiplier: 1, cashOutflowBps: 0 });
    expect(calm.navShockedUsd).toBe(base.navUsd.toString());
    expect(calm.optionsLiabilityShockedUsd).toBe(liability.toString());
    const volUp = runStress(base, { priceBps: {}, volMultiplier: 2, cashOutflowBps: 0 });
    expect(BigInt(volUp.optionsLiabilityShockedUsd)).toBeGreaterThan(liability);
    expect(BigInt(volUp.navShockedUsd)).toBeLessThan(base.navUsd);
  });

  it('values options past their expiry at the payoff (first principles)', () => {
    const { base } = withOptions();
    // +10% and 10 days: the 3,000 calls pay 10 x 300, the 2,800 puts nothing.
    const r = runStress(base, { priceBps: { 0: 1000 }, volMultiplier: 1, cashOutflowBps: 0, hours: 240 });
    expect(r.optionsLiabilityShockedUsd).toBe(USD(3000).toString());
    // -20%: the puts pay 4 x (2,800 - 2,400), the calls nothing.
    const down = runStress(base, { priceBps: { 0: -2000 }, volMultiplier: 1, cashOutflowBps: 0, hours: 240 });
    expect(down.optionsLiabilityShockedUsd).toBe(USD(1600).toString());
  });
});
