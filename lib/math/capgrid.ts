/** Mirrors contracts/libraries/CapGrid.sol to the wei: the price grid per-position profit caps are stored on. */
import { mulDivDown, mulDivUp } from './fixed';

export const NONE = 0n;
export const MIN_PRICE = 1n << 7n;
export const MAX_PRICE = (1n << 128n) - 1n;
export const MAX_BUCKET = (127n << 7n) + 127n;

/** Index of the most significant set bit (x > 0). */
export function msb(x: bigint): bigint {
  return BigInt(x.toString(2).length - 1);
}

/** The grid price of `bucket` (WAD): (128 + m) << (e - 7) for bucket = 128·e + m. */
export function priceOf(bucket: bigint): bigint {
  return (128n + (bucket & 127n)) << ((bucket >> 7n) - 7n);
}

/** The highest bucket whose price is at or below `priceWad` (clamped into the grid's range). */
export function bucketDown(priceWad: bigint): bigint {
  if (priceWad < MIN_PRICE) return 7n << 7n;
  if (priceWad > MAX_PRICE) return MAX_BUCKET;
  const e = msb(priceWad);
  return (e << 7n) + ((priceWad >> (e - 7n)) - 128n);
}

/** The lowest bucket whose price is at or above `priceWad` (clamped into the grid's range). */
export function bucketUp(priceWad: bigint): bigint {
  const b = bucketDown(priceWad);
  return priceOf(b) < priceWad && b < MAX_BUCKET ? b + 1n : b;
}

/** A position's cap bucket: where its profit reaches maxProfitBps of its notional, a long's rounded down onto the
 *  grid, a short's up; NONE for a short capped at 100% or more. */
export function bucketFor(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, maxProfitBps: bigint): bigint {
  if (isLong) {
    if (sizeTokens === 0n) return MAX_BUCKET;
    return bucketDown(mulDivDown(sizeUsd, (10_000n + maxProfitBps) * 10n ** 30n, sizeTokens * 10_000n));
  }
  if (maxProfitBps >= 10_000n || sizeTokens === 0n) return NONE;
  return bucketUp(mulDivUp(sizeUsd, (10_000n - maxProfitBps) * 10n ** 30n, sizeTokens * 10_000n));
}

/** A position's floor bucket: where its loss exceeds its backing (collateral + unrealized rebate − the keeper's
 *  reward), a long's rounded up onto the grid, a short's down; NONE for a long backed by its whole notional. */
export function floorBucketFor(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, backingUsd: bigint): bigint {
  if (sizeTokens === 0n) return NONE;
  if (isLong) {
    if (backingUsd >= sizeUsd) return NONE;
    return bucketUp(mulDivUp(sizeUsd - backingUsd, 10n ** 30n, sizeTokens));
  }
  return bucketDown(mulDivDown(sizeUsd + backingUsd, 10n ** 30n, sizeTokens));
}

/** The price a position is valued at: the oracle price limited by its cap price. */
export function cappedPriceWad(isLong: boolean, priceWad: bigint, bucket: bigint): bigint {
  if (bucket === NONE) return priceWad;
  const cap = priceOf(bucket);
  return isLong ? (priceWad < cap ? priceWad : cap) : priceWad > cap ? priceWad : cap;
}

/** Whether a move of `lagBps` from `priceWad` in the position's favour reaches its cap price (or it is past it already);
 *  false without a cap price (CapGrid.capWithinLag). */
export function capWithinLag(isLong: boolean, priceWad: bigint, bucket: bigint, lagBps: bigint): boolean {
  if (bucket === NONE) return false;
  const capScaled = priceOf(bucket) * 10_000n;
  return isLong ? priceWad * (10_000n + lagBps) >= capScaled : priceWad * (10_000n - lagBps) <= capScaled;
}
