/** Mirrors contracts/libraries/RiskMath.sol to the wei. */
import { WAD, BPS, abs, clamp, max, min, mulDivDown, mulDivUp, sqrtDown, lnWad } from './fixed';

export const MAX_MAINTENANCE_WAD = 5n * 10n ** 17n;

/** reserved / pool cash, WAD, rounded up; 1e18 when reserves exist and cash is zero (RiskMath.utilizationUp). */
export function utilizationUp(reservedUsd: bigint, cashUsd: bigint): bigint {
  if (reservedUsd === 0n) return 0n;
  if (cashUsd === 0n) return WAD;
  return mulDivUp(reservedUsd, WAD, cashUsd);
}

/** Pool cash beyond reserved / maxUtilization (RiskMath.freeLiquidityDown). */
export function freeLiquidityDown(cashUsd: bigint, reservedUsd: bigint, maxUtilizationBps: bigint): bigint {
  const locked = mulDivUp(reservedUsd, BPS, maxUtilizationBps);
  return cashUsd > locked ? cashUsd - locked : 0n;
}

export function borrowRateUp(u: bigint, base: bigint, slope1: bigint, slope2: bigint, kink: bigint): bigint {
  if (u <= kink) return base + mulDivUp(slope1, u, kink);
  return base + slope1 + mulDivUp(slope2, u - kink, WAD - kink);
}

export function nextFunding(
  rateWad: bigint,
  skewUsd: bigint,
  skewScaleUsd: bigint,
  maxVelocityWad: bigint,
  maxRateWad: bigint,
  elapsed: bigint,
): { nextRateWad: bigint; indexDeltaWad: bigint } {
  const proportional = clamp((skewUsd * WAD) / skewScaleUsd, -WAD, WAD);
  const velocity = (proportional * maxVelocityWad) / WAD;
  const nextRateWad = clamp(rateWad + velocity * elapsed, -maxRateWad, maxRateWad);
  return { nextRateWad, indexDeltaWad: ((rateWad + nextRateWad) * elapsed) / 2n };
}

/** Positive: the trader pays; negative: rebate. */
export function impactCostUsd(before: bigint, after: bigint, impactScaleUsd: bigint, positiveImpactBps: bigint): bigint {
  const b2 = abs(before) ** 2n;
  const a2 = abs(after) ** 2n;
  const denom = 2n * impactScaleUsd;
  const crossing = (before > 0n && after < 0n) || (before < 0n && after > 0n);
  if (crossing) {
    return mulDivUp(a2, 1n, denom) - mulDivDown(b2, positiveImpactBps, denom * BPS);
  }
  if (a2 >= b2) return mulDivUp(a2 - b2, 1n, denom);
  return -mulDivDown(b2 - a2, positiveImpactBps, denom * BPS);
}

/** Continuous-time EWMA step: (tau * var + ln(p1/p0)^2) / (tau + dt), rounded up. */
export function nextVarianceUp(
  varianceWad: bigint,
  lastPriceWad: bigint,
  priceWad: bigint,
  elapsed: bigint,
  tauSec: bigint,
): bigint {
  const r = abs(lnWad(mulDivDown(priceWad, WAD, lastPriceWad)));
  return mulDivUp(tauSec * varianceWad + mulDivUp(r, r, WAD), 1n, tauSec + elapsed);
}

/** The sampled estimator (RiskMath.sampledVarianceUp): a price is a sample iff it is the first in a new sampling
 *  interval; only a sample moves the variance (one EWMA step from the last sample), saturated at 2^64 - 1. */
export function sampledVarianceUp(
  varianceWad: bigint,
  samplePriceWad: bigint,
  sampleAt: bigint,
  priceWad: bigint,
  at: bigint,
  intervalSec: bigint,
  tauSec: bigint,
): [bigint, boolean] {
  if (sampleAt === 0n) return [varianceWad, true];
  if (at / intervalSec <= sampleAt / intervalSec) return [varianceWad, false];
  const v = nextVarianceUp(varianceWad, samplePriceWad, priceWad, at - sampleAt, tauSec);
  const max = (1n << 64n) - 1n;
  return [v < max ? v : max, true];
}

export function horizonVolatilityWad(varianceWad: bigint, horizonSec: bigint): bigint {
  return sqrtDown(varianceWad * horizonSec * WAD);
}

export function maintenanceMarginUp(
  varianceWad: bigint,
  horizonSec: bigint,
  zWad: bigint,
  floorWad: bigint,
  sizeUsd: bigint,
  sizeScaleUsd: bigint,
  sizeTermWad: bigint,
): bigint {
  const volTerm = mulDivUp(zWad, horizonVolatilityWad(varianceWad, horizonSec), WAD);
  const sizeTerm = mulDivUp(sizeTermWad, sizeUsd, sizeScaleUsd);
  return min(max(floorWad, volTerm + sizeTerm), MAX_MAINTENANCE_WAD);
}

export function initialMarginUp(
  maintenanceWad: bigint,
  multiplierWad: bigint,
  utilizationWad: bigint,
  kinkWad: bigint,
  utilTermWad: bigint,
  maxLeverage: bigint,
): bigint {
  const excess = utilizationWad > kinkWad ? mulDivUp(utilizationWad - kinkWad, WAD, WAD - kinkWad) : 0n;
  const imr = mulDivUp(maintenanceWad, multiplierWad, WAD) + mulDivUp(utilTermWad, excess, WAD);
  return max(imr, mulDivUp(WAD, 1n, maxLeverage));
}
