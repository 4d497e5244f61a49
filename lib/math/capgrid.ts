/** Mirrors contracts/libraries/CapGrid.sol to the wei: the price grid per-position profit caps are stored on. */
import { bpsDown, min, mulDivDown, mulDivUp } from './fixed';

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

/** A position's cap bucket under maxProfitBps: bucketForProfit with maxProfitBps of the notional, rounded down. */
export function bucketFor(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, maxProfitBps: bigint): bigint {
  return bucketForProfit(isLong, sizeUsd, sizeTokens, bpsDown(sizeUsd, maxProfitBps));
}

/** The cap bucket of a position that may earn at most `maxProfitUsd` from its entry: where its profit reaches that, a
 *  long's rounded down onto the grid, a short's up; NONE for a short allowed its whole notional, MAX_BUCKET for a long
 *  without tokens. An increase merges: the reopened tokens' headroomDown plus maxProfitBps of the added size (P-107). */
export function bucketForProfit(isLong: boolean, sizeUsd: bigint, sizeTokens: bigint, maxProfitUsd: bigint): bigint {
  if (sizeTokens === 0n) return isLong ? MAX_BUCKET : NONE;
  if (isLong) return bucketDown(mulDivDown(sizeUsd + maxProfitUsd, 10n ** 30n, sizeTokens));
  if (maxProfitUsd >= sizeUsd) return NONE;
  return bucketUp(mulDivUp(sizeUsd - maxProfitUsd, 10n ** 30n, sizeTokens));
}

/** What `sizeTokens` may still earn from `priceWad` before their cap price, rounded down; 0 at or past it; a short
 *  without a cap price may earn its tokens' value (CapGrid.headroomDown). */
export function headroomDown(isLong: boolean, sizeTokens: bigint, priceWad: bigint, bucket: bigint): bigint {
  if (bucket === NONE) return mulDivDown(sizeTokens, priceWad, 10n ** 30n);
  const cap = priceOf(bucket);
  if (isLong) return cap > priceWad ? mulDivDown(sizeTokens, cap - priceWad, 10n ** 30n) : 0n;
  return priceWad > cap ? mulDivDown(sizeTokens, priceWad - cap, 10n ** 30n) : 0n;
}

/** The cap bucket of the position an increase leaves (CapGrid.mergedBucket, P-107): the reopened `oldTokens`'
 *  headroomDown to their cap `oldBucket` plus maxProfitBps of the added size, within maxProfitBps of the new entry
 *  notional `sizeUsd` (what the pool reserves), rounded toward the pool. A new position (no old tokens) gets
 *  maxProfitBps of its size. */
export function mergedBucket(
  isLong: boolean,
  sizeUsd: bigint,
  sizeTokens: bigint,
  oldTokens: bigint,
  oldBucket: bigint,
  sizeDeltaUsd: bigint,
  maxProfitBps: bigint,
  priceWad: bigint,
): bigint {
  const maxProfitUsd = mergedMaxProfitUsd(isLong, sizeUsd, oldTokens, oldBucket, sizeDeltaUsd, maxProfitBps, priceWad);
  return bucketForProfit(isLong, sizeUsd, sizeTokens, maxProfitUsd);
}

/** The most the position an increase leaves may earn from its new entry (CapGrid.mergedMaxProfitUsd), rounded down. */
export function mergedMaxProfitUsd(
  isLong: boolean,
  sizeUsd: bigint,
  oldTokens: bigint,
  oldBucket: bigint,
  sizeDeltaUsd: bigint,
  maxProfitBps: bigint,
  priceWad: bigint,
): bigint {
  return min(headroomDown(isLong, oldTokens, priceWad, oldBucket) + bpsDown(sizeDeltaUsd, maxProfitBps), bpsDown(sizeUsd, maxProfitBps));
}

/** Whether a position with cap `bucket` is valued at `priceWad` itself (CapGrid.capAhead): an increase whose merged cap
 *  is not is refused (AtProfitCap). */
export function capAhead(isLong: boolean, priceWad: bigint, bucket: bigint): boolean {
  return cappedPriceWad(isLong, priceWad, bucket) === priceWad;
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

