// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {MathLib} from "./MathLib.sol";

/// @title CapGrid
/// @notice The price grid that per-position profit caps are stored on. A position's cap is a price: a long is paid as
///         if the price were at most its cap price, a short as if it were at least its cap price. Cap prices sit on a
///         grid so that positions share buckets and the NAV can sum the capped ones per bucket (CapBook).
/// @dev The grid is a binary floating-point grid with 128 steps per octave: bucket b = 128·e + m (e = the price's most
///      significant bit, m = its next seven bits) has the price (128 + m) · 2^(e − 7). Steps are at most 1/128 of the
///      price (0.78%), and every conversion is exact integer arithmetic (no logarithms). Prices are WAD USD per whole
///      index token; only [2^7, 2^128) is representable, so buckets fit 16 bits (at most 16,511). Bucket 0 is "no cap"
///      (a short whose cap is at or above 100% of its notional cannot gain more than its notional anyway).
///      Rounding favours the pool: a long's cap price rounds down, a short's rounds up. Mirrored in lib/math/capgrid.ts.
library CapGrid {
    using MathLib for uint256;

    uint256 internal constant NONE = 0;
    uint256 internal constant MIN_PRICE = 1 << 7;
    uint256 internal constant MAX_PRICE = (1 << 128) - 1;
    /// @dev Highest bucket: the one holding MAX_PRICE.
    uint256 internal constant MAX_BUCKET = (127 << 7) + 127;

    /// @notice The grid price of `bucket` (WAD).
    function priceOf(uint256 bucket) internal pure returns (uint256) {
        return (128 + (bucket & 127)) << ((bucket >> 7) - 7);
    }

    /// @notice The highest bucket whose price is at or below `priceWad` (clamped into the grid's range).
    function bucketDown(uint256 priceWad) internal pure returns (uint256) {
        if (priceWad < MIN_PRICE) return 7 << 7;
        if (priceWad > MAX_PRICE) return MAX_BUCKET;
        uint256 e = msb(priceWad);
        return (e << 7) + ((priceWad >> (e - 7)) - 128);
    }

    /// @notice `bucketDown(priceWad)` and `bucketUp(priceWad)` at the cost of one: the bucket at or below the price and
    ///         the one at or above it (equal when the price is a bucket's own price).
    function bucketsAround(uint256 priceWad) internal pure returns (uint256 down, uint256 up) {
        down = bucketDown(priceWad);
        up = down;
        if (priceOf(down) < priceWad && down < MAX_BUCKET) ++up;
    }

    /// @notice The lowest bucket whose price is at or above `priceWad` (clamped into the grid's range).
    function bucketUp(uint256 priceWad) internal pure returns (uint256 b) {
        b = bucketDown(priceWad);
        if (priceOf(b) < priceWad && b < MAX_BUCKET) ++b;
    }

    /// @notice The cap bucket of a position with entry notional `sizeUsd` and `sizeTokens`, under `maxProfitBps`:
    ///         bucketForProfit with maxProfitBps of the notional (rounded down).
    function bucketFor(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 maxProfitBps)
        internal
        pure
        returns (uint256)
    {
        return bucketForProfit(isLong, sizeUsd, sizeTokens, sizeUsd.bpsDown(maxProfitBps));
    }

    /// @notice The cap bucket of a position with entry notional `sizeUsd` and `sizeTokens` that may earn at most
    ///         `maxProfitUsd` from its entry: the price at which its profit reaches that, rounded toward the pool onto
    ///         the grid (a long's down, a short's up), so the profit paid at the cap never exceeds it and falls short of
    ///         it by at most one grid step. A short allowed its whole notional or more has no cap price (NONE); a long
    ///         without tokens is never capped (MAX_BUCKET). An increase merges: what the reopened tokens may still earn
    ///         (headroomDown) plus maxProfitBps of the added size (P-107).
    function bucketForProfit(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 maxProfitUsd)
        internal
        pure
        returns (uint256)
    {
        if (sizeTokens == 0) return isLong ? MAX_BUCKET : NONE; // worth nothing at any price
        if (isLong) return bucketDown((sizeUsd + maxProfitUsd).mulDivDown(1e30, sizeTokens));
        if (maxProfitUsd >= sizeUsd) return NONE;
        return bucketUp((sizeUsd - maxProfitUsd).mulDivUp(1e30, sizeTokens));
    }

    /// @notice The floor bucket of a position with entry notional `sizeUsd`, `sizeTokens` and `backingUsd` that the pool
    ///         can collect from it (collateral + unrealized rebate - the keeper's reward): the price beyond which its
    ///         loss exceeds its backing, rounded toward the pool onto the grid (a long's up, a short's down), so the pool
    ///         never counts more than the backing as collectible. A long backed by its whole notional or more, or a
    ///         position without tokens, has no floor (NONE).
    function floorBucketFor(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 backingUsd)
        internal
        pure
        returns (uint256)
    {
        if (sizeTokens == 0) return NONE;
        if (isLong) {
            if (backingUsd >= sizeUsd) return NONE;
            return bucketUp((sizeUsd - backingUsd).mulDivUp(1e30, sizeTokens));
        }
        return bucketDown((sizeUsd + backingUsd).mulDivDown(1e30, sizeTokens));
    }

    /// @notice The price a position is valued at: the oracle price limited by its cap price (a long's from above, a
    ///         short's from below).
    function cappedPriceWad(bool isLong, uint256 priceWad, uint256 bucket) internal pure returns (uint256) {
        if (bucket == NONE) return priceWad;
        uint256 cap = priceOf(bucket);
        return isLong ? MathLib.min(priceWad, cap) : MathLib.max(priceWad, cap);
    }

    /// @notice The cap bucket of the position an increase leaves (P-107): what its `oldTokens` could still earn before
    ///         their cap price `oldBucket` at `priceWad` (headroomDown) plus maxProfitBps of the added `sizeDeltaUsd`,
    ///         within maxProfitBps of the new entry notional `sizeUsd` (what the pool reserves), rounded toward the pool
    ///         (bucketForProfit). A new position (no old tokens) gets maxProfitBps of its size. Adding size never resets a
    ///         cap: a position at its cap price brings back none of the exposure beyond it.
    function mergedBucket(
        bool isLong,
        uint256 sizeUsd,
        uint256 sizeTokens,
        uint256 oldTokens,
        uint256 oldBucket,
        uint256 sizeDeltaUsd,
        uint256 maxProfitBps,
        uint256 priceWad
    ) internal pure returns (uint256) {
        uint256 maxProfitUsd = mergedMaxProfitUsd(
            isLong, sizeUsd, oldTokens, oldBucket, sizeDeltaUsd, maxProfitBps, priceWad
        );
        return bucketForProfit(isLong, sizeUsd, sizeTokens, maxProfitUsd);
    }

    /// @notice The most the position an increase leaves may earn from its new entry (mergedBucket's profit, before the
    ///         grid rounds it), rounded down.
    function mergedMaxProfitUsd(
        bool isLong,
        uint256 sizeUsd,
        uint256 oldTokens,
        uint256 oldBucket,
        uint256 sizeDeltaUsd,
        uint256 maxProfitBps,
        uint256 priceWad
    ) internal pure returns (uint256) {
        return MathLib.min(
            headroomDown(isLong, oldTokens, priceWad, oldBucket) + sizeDeltaUsd.bpsDown(maxProfitBps),
            sizeUsd.bpsDown(maxProfitBps)
        );
    }

    /// @notice Whether a position with cap `bucket` is valued at `priceWad` itself: its cap price is not on the losing
    ///         side of the price (a long's at or above it, a short's at or below it, or no cap price).
    function capAhead(bool isLong, uint256 priceWad, uint256 bucket) internal pure returns (bool) {
        return cappedPriceWad(isLong, priceWad, bucket) == priceWad;
    }

    /// @notice What `sizeTokens` may still earn from `priceWad` before their cap price (`bucket`): the distance to it
    ///         times the tokens, rounded down; 0 at or past it. A short without a cap price may earn its tokens' value.
    function headroomDown(bool isLong, uint256 sizeTokens, uint256 priceWad, uint256 bucket)
        internal
        pure
        returns (uint256)
    {
        if (bucket == NONE) return sizeTokens.mulDivDown(priceWad, 1e30);
        uint256 cap = priceOf(bucket);
        if (isLong) return cap > priceWad ? sizeTokens.mulDivDown(cap - priceWad, 1e30) : 0;
        return priceWad > cap ? sizeTokens.mulDivDown(priceWad - cap, 1e30) : 0;
    }

    /// @notice Index of the most significant set bit of `x` (x > 0).
    function msb(uint256 x) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
            r := or(r, shl(6, lt(0xffffffffffffffff, shr(r, x))))
            r := or(r, shl(5, lt(0xffffffff, shr(r, x))))
            r := or(r, shl(4, lt(0xffff, shr(r, x))))
            r := or(r, shl(3, lt(0xff, shr(r, x))))
            r := or(r, shl(2, lt(0xf, shr(r, x))))
            r := or(r, shl(1, lt(0x3, shr(r, x))))
            r := or(r, lt(0x1, shr(r, x)))
        }
    }
}
