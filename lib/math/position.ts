/** Mirrors contracts/libraries/PositionMath.sol to the wei. */
import { bpsDown, bpsUp, mulDivDown, mulDivSignedUp, mulDivUp } from './fixed';

export const VALUE_SCALE = 10n ** 30n;

export function sizeTokensFor(isLong: boolean, sizeUsd: bigint, priceWad: bigint): bigint {
  return isLong ? mulDivDown(sizeUsd, VALUE_SCALE, priceWad) : mulDivUp(sizeUsd, VALUE_SCALE, priceWad);
}

/** Execution price: buying pays (size + impact) / size of the oracle price (up), selling receives (size - impact) / size (down). */
export function executionPriceWad(priceWad: bigint, sizeDeltaUsd: bigint, impactUsd: bigint, buying: boolean): bigint {
  if (buying) {
    const paid = sizeDeltaUsd + impactUsd;
    return paid <= 0n ? 0n : mulDivUp(priceWad, paid, sizeDeltaUsd);
  }
  const received = sizeDeltaUsd - impactUsd;
  return received <= 0n ? 0n : mulDivDown(priceWad, received, sizeDeltaUsd);
}

export function pnlUsd(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, priceWad: bigint): bigint {
  if (isLong) return mulDivDown(sizeTokens, priceWad, VALUE_SCALE) - sizeUsd;
  return sizeUsd - mulDivUp(sizeTokens, priceWad, VALUE_SCALE);
}

/** One side's aggregate PnL as the NAV counts it (PositionMath.sidePnlCappedUp): traders' value rounded up for longs
 *  and down for shorts, capped at maxProfitBps of the side's open interest rounded up. */
export function sidePnlCappedUp(isLong: boolean, oiUsd: bigint, sizeTokens: bigint, priceWad: bigint, maxProfitBps: bigint): bigint {
  const pnl = isLong ? mulDivUp(sizeTokens, priceWad, VALUE_SCALE) - oiUsd : oiUsd - mulDivDown(sizeTokens, priceWad, VALUE_SCALE);
  const cap = bpsUp(oiUsd, maxProfitBps);
  return pnl > cap ? cap : pnl;
}

export function cappedPnlUsd(
  isLong: boolean,
  sizeUsd: bigint,
  sizeTokens: bigint,
  priceWad: bigint,
  maxProfitBps: bigint,
): bigint {
  const pnl = pnlUsd(isLong, sizeUsd, sizeTokens, priceWad);
  const cap = bpsDown(sizeUsd, maxProfitBps);
  return pnl > cap ? cap : pnl;
}

export function borrowFeeUp(sizeUsd: bigint, indexWad: bigint, snapshotWad: bigint): bigint {
  return mulDivUp(sizeUsd, indexWad - snapshotWad, 10n ** 18n);
}

export function fundingFeeUp(isLong: boolean, sizeUsd: bigint, indexWad: bigint, snapshotWad: bigint): bigint {
  const delta = isLong ? indexWad - snapshotWad : snapshotWad - indexWad;
  return mulDivSignedUp(delta, sizeUsd, 10n ** 18n);
}

export function liquidationPriceWad(
  isLong: boolean,
  sizeUsd: bigint,
  sizeTokens: bigint,
  collateralUsd: bigint,
  feesOwedUsd: bigint,
  maintenanceWad: bigint,
): bigint {
  if (sizeTokens === 0n) return 0n;
  const margin = mulDivUp(sizeUsd, maintenanceWad, 10n ** 18n);
  if (isLong) {
    const v = sizeUsd + margin + feesOwedUsd - collateralUsd;
    return v <= 0n ? 0n : mulDivUp(v, VALUE_SCALE, sizeTokens);
  }
  const v = sizeUsd + collateralUsd - feesOwedUsd - margin;
  return v <= 0n ? 0n : mulDivDown(v, VALUE_SCALE, sizeTokens);
}
