// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {CapGrid} from "../libraries/CapGrid.sol";
import {PositionMath} from "../libraries/PositionMath.sol";

/// @title CapBook
/// @notice Bucketed accumulators that make the NAV's trader-PnL term exact under per-position profit caps. Every
///         position's cap is a price on CapGrid; per market and side the book keeps the index tokens in each cap
///         bucket and a bitmap of the nonempty buckets. A side's liability is then its uncapped PnL (from the market's
///         aggregates) less, for every bucket whose cap the price has crossed, tokens x (price - cap price): exactly
///         the sum of what each position would be paid if it closed now, in O(1) plus O(capped buckets).
/// @dev An external library: its code runs by DELEGATECALL on the engine's storage, so the engine keeps room to grow.
///      The engine keeps one bound per side next to the market's token sums (the lowest nonempty long bucket, the
///      highest nonempty short bucket; 0 = none) and calls the book only when a position's bucket changes or the
///      price has crossed that bound. Bucket token counts are stored plus one, and every bitmap word keeps a sentinel
///      bit, so a slot written once is never zeroed again (later writes cost 2,900 gas, not 20,000).
library CapBook {
    struct Book {
        mapping(uint256 key => uint256 tokensPlusOne) tokens; // key: marketId << 17 | isLong << 16 | bucket
        mapping(uint256 key => uint256 bits) words; // key: marketId << 9 | isLong << 8 | bucket / 255
    }

    uint256 internal constant BITS = 255; // buckets per bitmap word; bit 255 is the sentinel
    uint256 internal constant SENTINEL = 1 << 255;
    uint256 internal constant NOT_FOUND = type(uint256).max;

    /// @notice Moves a position's tokens from one cap bucket to another on one market side and returns the side's
    ///         updated bound (lowest nonempty long bucket / highest nonempty short bucket, or a bound no nonempty
    ///         bucket lies beyond: the search for the next one stops at the current price).
    /// @param side marketId << 1 | isLong.
    /// @param from the position before: bucket << 112 | tokens (bucket NONE or tokens 0: nothing to remove).
    /// @param to the position after, packed the same way.
    function move(Book storage book, uint256 side, uint256 from, uint256 to, uint256 bound, uint256 priceWad)
        external
        returns (uint256)
    {
        bool isLong = side & 1 == 1;
        uint256 oldBucket = from >> 112;
        uint256 newBucket = to >> 112;
        uint256 oldTokens = uint112(from);
        uint256 newTokens = uint112(to);
        bool emptied;
        if (oldBucket == newBucket) {
            // Same bucket (a partial close or a collateral change): only the difference moves.
            if (newTokens > oldTokens) _add(book, side, newBucket, newTokens - oldTokens, true);
            else if (oldTokens > newTokens) emptied = _add(book, side, oldBucket, oldTokens - newTokens, false);
        } else {
            if (oldBucket != CapGrid.NONE && oldTokens > 0) emptied = _add(book, side, oldBucket, oldTokens, false);
            if (newBucket != CapGrid.NONE && newTokens > 0) {
                _add(book, side, newBucket, newTokens, true);
                if (bound == 0 || (isLong ? newBucket < bound : newBucket > bound)) bound = newBucket;
            }
        }
        if (emptied && oldBucket == bound) {
            if (isLong) {
                uint256 limit = CapGrid.bucketDown(priceWad) + 1;
                uint256 next = oldBucket < limit ? _next(book, side, oldBucket + 1, limit) : NOT_FOUND;
                bound = next == NOT_FOUND ? (limit > oldBucket ? limit : oldBucket + 1) : next;
            } else {
                uint256 limit = CapGrid.bucketUp(priceWad) - 1;
                uint256 prev = oldBucket > limit ? _prev(book, side, oldBucket - 1, limit) : NOT_FOUND;
                bound = prev == NOT_FOUND ? (limit < oldBucket ? limit : oldBucket - 1) : prev;
            }
        }
        return bound;
    }

    /// @notice What the caps take off one side's uncapped PnL at `priceWad`: the sum over nonempty buckets the price
    ///         has crossed (from the side's `bound`) of PositionMath.bucketExcessDownUsd.
    function excessDownUsd(Book storage book, uint256 marketId, bool isLong, uint256 bound, uint256 priceWad)
        external
        view
        returns (uint256 excessUsd)
    {
        uint256 side = (marketId << 1) | (isLong ? 1 : 0);
        if (isLong) {
            uint256 to = CapGrid.bucketDown(priceWad);
            for (
                uint256 b = _next(book, side, bound, to);
                b != NOT_FOUND;
                b = b < to ? _next(book, side, b + 1, to) : NOT_FOUND
            ) {
                excessUsd += PositionMath.bucketExcessDownUsd(true, book.tokens[(side << 16) | b] - 1, b, priceWad);
            }
        } else {
            uint256 to = CapGrid.bucketUp(priceWad);
            for (
                uint256 b = _prev(book, side, bound, to);
                b != NOT_FOUND;
                b = b > to ? _prev(book, side, b - 1, to) : NOT_FOUND
            ) {
                excessUsd += PositionMath.bucketExcessDownUsd(false, book.tokens[(side << 16) | b] - 1, b, priceWad);
            }
        }
    }

    /// @notice Index tokens in one cap bucket (for the Reader and tests).
    function bucketTokens(Book storage book, uint256 marketId, bool isLong, uint256 bucket)
        external
        view
        returns (uint256)
    {
        uint256 v = book.tokens[(((marketId << 1) | (isLong ? 1 : 0)) << 16) | bucket];
        return v == 0 ? 0 : v - 1;
    }

    /// @dev Adds (or removes) tokens in a bucket, keeping its bitmap bit; returns whether a removal emptied it.
    function _add(Book storage book, uint256 side, uint256 bucket, uint256 tokens, bool adding) private returns (bool) {
        uint256 key = (side << 16) | bucket;
        uint256 stored = book.tokens[key];
        uint256 before = stored == 0 ? 0 : stored - 1;
        uint256 next = adding ? before + tokens : before - tokens;
        book.tokens[key] = next + 1;
        if ((before == 0) != (next == 0)) {
            uint256 wordKey = (side << 8) | (bucket / BITS);
            uint256 bit = 1 << (bucket % BITS);
            uint256 word = book.words[wordKey];
            book.words[wordKey] = (next == 0 ? word & ~bit : word | bit) | SENTINEL;
        }
        return next == 0 && before != 0;
    }

    /// @dev The lowest nonempty bucket in [from, to], or NOT_FOUND.
    function _next(Book storage book, uint256 side, uint256 from, uint256 to) private view returns (uint256) {
        while (from <= to) {
            uint256 w = from / BITS;
            uint256 bits = book.words[(side << 8) | w] & ~SENTINEL & (type(uint256).max << (from % BITS));
            if (bits != 0) {
                uint256 b = w * BITS + CapGrid.msb(bits & (~bits + 1));
                return b <= to ? b : NOT_FOUND;
            }
            from = (w + 1) * BITS;
        }
        return NOT_FOUND;
    }

    /// @dev The highest nonempty bucket in [to, from], or NOT_FOUND.
    function _prev(Book storage book, uint256 side, uint256 from, uint256 to) private view returns (uint256) {
        while (from >= to) {
            uint256 w = from / BITS;
            uint256 shift = 255 - (from % BITS); // keep bits 0..from % BITS
            uint256 bits = ((book.words[(side << 8) | w] & ~SENTINEL) << shift) >> shift;
            if (bits != 0) {
                uint256 b = w * BITS + CapGrid.msb(bits);
                return b >= to ? b : NOT_FOUND;
            }
            if (w == 0) return NOT_FOUND;
            from = w * BITS - 1;
        }
        return NOT_FOUND;
    }
}
