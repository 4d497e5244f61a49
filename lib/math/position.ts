/** Mirrors contracts/libraries/PositionMath.sol to the wei. */
import { maxUint256 } from 'viem';
import { NONE, cappedPriceWad, priceOf } from './capgrid';
import { mulDivDown, mulDivSignedUp, mulDivUp } from './fixed';

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

/** One side's aggregate PnL before caps, rounded against the pool (PositionMath.sidePnlUp). */
export function sidePnlUp(isLong: boolean, oiUsd: bigint, sizeTokens: bigint, priceWad: bigint): bigint {
  return isLong ? mulDivUp(sizeTokens, priceWad, VALUE_SCALE) - oiUsd : oiUsd - mulDivDown(sizeTokens, priceWad, VALUE_SCALE);
}

/** What one cap bucket takes off its side's uncapped PnL (PositionMath.capExcessDown): tokens x the distance the price
 *  is past the bucket's price, upward for a long's cap (`up`) or downward for a short's, else 0; rounded down. */
export function capExcessDown(up: boolean, sizeTokens: bigint, bucket: bigint, priceWad: bigint): bigint {
  return mulDivDown(sizeTokens, pastBucketWad(up, bucket, priceWad), VALUE_SCALE);
}

/** What one floor bucket adds to its side's liability, the loss the pool cannot collect (PositionMath.floorExcessUp):
 *  tokens x the distance the price is past the bucket's price, upward for a short's floor (`up`); rounded up. */
export function floorExcessUp(up: boolean, sizeTokens: bigint, bucket: bigint, priceWad: bigint): bigint {
  return mulDivUp(sizeTokens, pastBucketWad(up, bucket, priceWad), VALUE_SCALE);
}

function pastBucketWad(up: boolean, bucket: bigint, priceWad: bigint): bigint {
  const k = priceOf(bucket);
  if (up ? priceWad <= k : priceWad >= k) return 0n;
  return up ? priceWad - k : k - priceWad;
}

/** What closing a position (or part of it) moves at the price: its entry notional plus a long's profit or a short's
 *  loss (the capped PnL as paid). Fees on a close or liquidation are charged on it (PositionMath.valueClosedUsd, P-97). */
export function valueClosedUsd(isLong: boolean, sizeUsd: bigint, pnlUsd: bigint): bigint {
  const gainUsd = isLong ? pnlUsd : -pnlUsd;
  return gainUsd > 0n ? sizeUsd + gainUsd : sizeUsd;
}

/** PnL with the profit capped by the position's cap bucket (PositionMath.cappedPnlUsd). */
export function cappedPnlUsd(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, priceWad: bigint, capBucket: bigint): bigint {
  return pnlUsd(isLong, sizeUsd, sizeTokens, cappedPriceWad(isLong, priceWad, capBucket));
}

/** One side's trader-PnL term as the chain's NAV counts it (PerpState._sideLiabilityUp with CapBook): the uncapped side
 *  PnL, less the excess of every cap bucket the price has crossed, plus the uncollectible loss of every floor bucket it
 *  has crossed. `caps` and `floors` map bucket -> index tokens in it. */
export function sideLiabilityUp(
  isLong: boolean,
  oiUsd: bigint,
  sizeTokens: bigint,
  priceWad: bigint,
  caps: Map<bigint, bigint>,
  floors: Map<bigint, bigint> = new Map(),
): bigint {
  if (oiUsd === 0n) return 0n;
  let liability = sidePnlUp(isLong, oiUsd, sizeTokens, priceWad);
  for (const [bucket, tokens] of caps) if (bucket !== NONE) liability -= capExcessDown(isLong, tokens, bucket, priceWad);
  for (const [bucket, tokens] of floors) if (bucket !== NONE) liability += floorExcessUp(!isLong, tokens, bucket, priceWad);
  return liability;
}

export function borrowFeeUp(sizeUsd: bigint, indexWad: bigint, snapshotWad: bigint): bigint {
  return mulDivUp(sizeUsd, indexWad - snapshotWad, 10n ** 18n);
}

export function fundingFeeUp(isLong: boolean, sizeUsd: bigint, indexWad: bigint, snapshotWad: bigint): bigint {
  const delta = isLong ? indexWad - snapshotWad : snapshotWad - indexWad;
  return mulDivSignedUp(delta, sizeUsd, 10n ** 18n);
}

/** The notional margins are measured on: the entry notional, or a short's tokens' value where larger, rounded up
 *  (PositionMath.marginNotionalUp). */
export function marginNotionalUp(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, priceWad: bigint): bigint {
  if (isLong) return sizeUsd;
  const valueUsd = mulDivUp(sizeTokens, priceWad, VALUE_SCALE);
  return valueUsd > sizeUsd ? valueUsd : sizeUsd;
}

/** PositionMath.liquidationPriceWad: where the engine's rule liquidates, on the early side (a long's rounded up, a
 *  short's down), with the profit capped at `capBucket`. 0: a long never liquidated at a positive price, or a short at
 *  any price; maxUint256: a long liquidatable at any price (its root past its cap price). */
export function liquidationPriceWad(
  isLong: boolean,
  sizeUsd: bigint,
  sizeTokens: bigint,
  collateralUsd: bigint,
  feesOwedUsd: bigint,
  maintenanceWad: bigint,
  capBucket: bigint,
): bigint {
  if (sizeTokens === 0n) return 0n;
  const margin = mulDivUp(sizeUsd, maintenanceWad, 10n ** 18n);
  if (isLong) {
    const v = sizeUsd + margin + feesOwedUsd - collateralUsd;
    if (v <= 0n) return 0n;
    const p = mulDivUp(v, VALUE_SCALE, sizeTokens);
    return capBucket !== NONE && p > priceOf(capBucket) ? ANY_PRICE : p;
  }
  const v = sizeUsd + collateralUsd - feesOwedUsd - margin;
  if (v <= 0n) return 0n;
  let p: bigint;
  if (v > sizeUsd) {
    // past its entry notional a short's margin is on its tokens' value: size + collateral - fees = value x (1 + rate),
    // less the 3 micro-USD the engine's two roundings up can take
    const backing = sizeUsd + collateralUsd - feesOwedUsd - 3n;
    if (backing <= 0n) return 0n;
    p = mulDivDown(backing, VALUE_SCALE * 10n ** 18n, sizeTokens * (10n ** 18n + maintenanceWad));
  } else p = mulDivDown(v, VALUE_SCALE, sizeTokens);
  return capBucket !== NONE && p < priceOf(capBucket) ? 0n : p;
}

/** What liquidationPriceWad returns for a long liquidatable at any price. */
export const ANY_PRICE = maxUint256;

/** Whether a liquidation price says "at any price": a long's maxUint256, a short's 0. */
export const liquidatableAtAnyPrice = (isLong: boolean, liquidationPriceWad: bigint) => (isLong ? liquidationPriceWad === ANY_PRICE : liquidationPriceWad === 0n);
