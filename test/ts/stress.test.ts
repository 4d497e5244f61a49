/**
 * The stress model's LP run and cash: LPs get at most the free liquidity the vault lets out (cash beyond
 * reserved / maxUtilization), and liquidated collateral, less keeper rewards, joins pool cash.
 */
import { describe, expect, it } from 'vitest';
import { bpsUp, mulDivUp, WAD } from '@/lib/math/fixed';
import { runStress, type StressInput } from '@/lib/stress';

const USD = (n: number) => BigInt(Math.round(n * 1e6));
const input = (): StressInput => ({
  poolCashUsd: USD(1_000_000),
  reservedUsd: USD(450_000),
  keeperShareBps: 5000n,
  maxUtilizationBps: 9000n,
  markets: [
    {
      marketId: 0,
      priceWad: 3000n * WAD,
      varianceWad: 3n * 10n ** 9n,
      horizonSec: 3600n,
      zWad: 233n * 10n ** 16n,
      mmrFloorWad: 5n * 10n ** 15n,
      sizeScaleUsd: USD(1_000_000),
      sizeTermWad: 10n ** 16n,
      maxProfitBps: 10_000n,
      liquidationFeeBps: 50n,
    },
  ],
  // a 10x long bought at 3,000: 10,000 of size, 1,000 of collateral
  positions: [{ account: '0xa', marketId: 0, isLong: true, sizeUsd: USD(10_000), sizeTokens: 10n ** 18n * 10n / 3n, collateralUsd: USD(1000), feesOwedUsd: 0n }],
});

describe('runStress', () => {
  it('caps the LP run at the free liquidity', () => {
    // locked = 450,000 / 90% = 500,000, so at most 500,000 of the 1,000,000 can leave
    expect(runStress(input(), { priceBps: {}, volMultiplier: 1, cashOutflowBps: 8000 }).lpOutflowUsd).toBe(USD(500_000).toString());
    expect(runStress(input(), { priceBps: {}, volMultiplier: 1, cashOutflowBps: 1000 }).lpOutflowUsd).toBe(USD(100_000).toString());
  });

  it('adds liquidated collateral, less the keeper reward, back to cash for the utilization after', () => {
    const r = runStress(input(), { priceBps: { 0: -1500 }, volMultiplier: 1, cashOutflowBps: 1000 });
    expect(r.positionsLiquidated).toBe(1);
    const keeperReward = (bpsUp(USD(10_000), 50n) * 5000n) / 10_000n;
    const cashAfter = USD(900_000) + USD(1000) - keeperReward;
    const reservedAfter = USD(450_000) - bpsUp(USD(10_000), 10_000n);
    expect(r.utilizationAfterWad).toBe(mulDivUp(reservedAfter, WAD, cashAfter).toString());
  });
});
