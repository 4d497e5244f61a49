// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {CapGrid} from "../libraries/CapGrid.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {PerpState} from "./PerpState.sol";

/// @title CapBook
/// @notice Bucketed accumulators that make the NAV's trader-PnL term exact under the two kinks of every position's
///         payoff: its profit cap (a cap price above which a long gains nothing more, below which a short gains
///         nothing more) and its floor (the price beyond which the position's loss exceeds what backs it, so the pool
///         cannot collect more). Both are prices on CapGrid. Per market, side and kind, the book keeps the index
///         tokens in each bucket and a bitmap of the nonempty buckets. A side's liability is then its uncapped PnL (from
///         the market's aggregates), less tokens x (price - cap price) over the cap buckets the price has crossed, plus
///         tokens x (floor price - price) over the floor buckets it has crossed: exactly the sum of what each position
///         would be paid (or the pool could collect) if it closed now, in O(1) plus O(crossed buckets).
/// @dev An external library: its code runs by DELEGATECALL on the engine's storage, so the engine keeps room to grow.
///      Each book has a bound kept in the market's slots (0 = none): the lowest nonempty bucket of a book the price
///      crosses upward (long caps, short floors), the highest of one it crosses downward (short caps, long floors);
///      the NAV calls the book only when the price has reached that bound. Bucket token counts are stored plus one,
///      and every bitmap word keeps a sentinel bit, so a slot written once is never zeroed again.
///      Book keys: marketId << 2 | isFloor << 1 | isLong; a book is crossed upward iff isLong != isFloor.
library CapBook {
    using MathLib for uint256;

    struct Book {
        mapping(uint256 key => uint256 tokensPlusOne) tokens; // key: book << 16 | bucket
        mapping(uint256 key => uint256 bits) words; // key: book << 8 | bucket / 255
    }

    uint256 internal constant BITS = 255; // buckets per bitmap word; bit 255 is the sentinel
    uint256 internal constant SENTINEL = 1 << 255;
    uint256 internal constant NOT_FOUND = type(uint256).max;
    /// @dev How far past the price an emptied bound's successor is searched: one doubling of the price (128 buckets).
    uint256 internal constant SEARCH_PAST_PRICE = 128;

    /// @notice Moves a position between buckets of its market side's cap and floor books, keeping the market's bounds.
    /// @param side marketId << 1 | isLong.
    /// @param from the position before and the liquidation terms: tokens | capBucket << 112 | floorBucket << 128 |
    ///        liquidationFeeBps << 144 | keeperShareBps << 160 (tokens and buckets 0 for a new position).
    /// @param to the position after: tokens | capBucket << 112 | sizeUsd << 128 | collateralUsd << 192 (collateral
    ///        including unrealized rebates; 0 when it is closed). What the pool can collect from it, its backing, is
    ///        that collateral less the keeper's reward for liquidating it.
    /// @return floorBucket the position's new floor bucket (CapGrid.floorBucketFor; 0 when it is removed)
    /// @return releasedUsd what the move takes off the floor book's excess at the price (P-56, rounded up as there):
    ///         the loss past the old floor's grid price the NAV left out, less what the new floor leaves out. The pool
    ///         now counts it (a liquidation, a close or a top-up realizes the position's backing, not its floor's
    ///         grid value), so the trade locks it with its gain (P-96).
    function movePosition(
        Book storage book,
        PerpState.MarketSlots storage st,
        uint256 side,
        uint256 from,
        uint256 to,
        uint256 priceWad
    ) external returns (uint256 floorBucket, uint256 releasedUsd) {
        uint256 newTokens = uint112(to);
        bool up = side & 1 == 0; // a floor book is crossed upward on the short side
        if (to != 0) {
            uint256 sizeUsd = uint64(to >> 128);
            uint256 collateralUsd = to >> 192;
            uint256 reward = sizeUsd.bpsUp(uint16(from >> 144)).bpsDown(uint16(from >> 160));
            floorBucket = CapGrid.floorBucketFor(
                side & 1 == 1, sizeUsd, newTokens, collateralUsd > reward ? collateralUsd - reward : 0
            );
        }
        if (from >> 128 & 0xffff != CapGrid.NONE) {
            releasedUsd = PositionMath.floorExcessUp(up, uint112(from), from >> 128 & 0xffff, priceWad);
            if (releasedUsd > 0 && floorBucket != CapGrid.NONE) {
                uint256 leftUsd = PositionMath.floorExcessUp(up, newTokens, floorBucket, priceWad);
                releasedUsd = releasedUsd > leftUsd ? releasedUsd - leftUsd : 0;
            }
        }
        uint256 oldTokens = uint112(from);
        uint256 capKey = (side >> 1) << 2 | (side & 1); // marketId << 2 | isLong: the side's cap book
        _moveIn(
            book,
            st,
            capKey,
            (from >> 112 & 0xffff) << 112 | oldTokens,
            (to >> 112 & 0xffff) << 112 | newTokens,
            priceWad
        );
        _moveIn(
            book, st, capKey | 2, (from >> 128 & 0xffff) << 112 | oldTokens, floorBucket << 112 | newTokens, priceWad
        );
    }

    /// @notice What one book's crossed buckets change in its side's liability at `priceWad`: for a cap book, what the
    ///         caps take off the uncapped PnL (rounded down); for a floor book, the loss the pool cannot collect
    ///         (rounded up). Sums PositionMath.capExcessDown (floorExcessUp for a floor book) over the nonempty buckets
    ///         from `bound` to the price.
    /// @param key marketId << 2 | isFloor << 1 | isLong.
    function excessUsd(Book storage book, uint256 key, uint256 bound, uint256 priceWad)
        external
        view
        returns (uint256 total)
    {
        bool up = (key & 1 == 1) != (key & 2 == 2);
        bool isFloor = key & 2 == 2;
        if (up) {
            uint256 to = CapGrid.bucketDown(priceWad);
            for (
                uint256 b = _next(book, key, bound, to);
                b != NOT_FOUND;
                b = b < to ? _next(book, key, b + 1, to) : NOT_FOUND
            ) {
                uint256 tokens = book.tokens[(key << 16) | b] - 1;
                total += isFloor
                    ? PositionMath.floorExcessUp(true, tokens, b, priceWad)
                    : PositionMath.capExcessDown(true, tokens, b, priceWad);
            }
        } else {
            uint256 to = CapGrid.bucketUp(priceWad);
            for (
                uint256 b = _prev(book, key, bound, to);
                b != NOT_FOUND;
                b = b > to ? _prev(book, key, b - 1, to) : NOT_FOUND
            ) {
                uint256 tokens = book.tokens[(key << 16) | b] - 1;
                total += isFloor
                    ? PositionMath.floorExcessUp(false, tokens, b, priceWad)
                    : PositionMath.capExcessDown(false, tokens, b, priceWad);
            }
        }
    }

    /// @dev Moves a position in one book (`from`/`to`: bucket << 112 | tokens) and keeps that book's bound in the
    ///      market's slots.
    function _moveIn(
        Book storage book,
        PerpState.MarketSlots storage st,
        uint256 key,
        uint256 from,
        uint256 to,
        uint256 priceWad
    ) private {
        if ((from | to) >> 112 == 0 || from == to) return; // no bucket on either side, or nothing moves
        bool isLong = key & 1 == 1;
        bool isFloor = key & 2 == 2;
        uint256 bound =
            isFloor ? (isLong ? st.longFloorHigh : st.shortFloorLow) : (isLong ? st.longCapLow : st.shortCapHigh);
        bound = _move(book, key, from, to, bound, priceWad);
        if (isFloor) {
            if (isLong) st.longFloorHigh = uint16(bound);
            else st.shortFloorLow = uint16(bound);
        } else {
            if (isLong) st.longCapLow = uint16(bound);
            else st.shortCapHigh = uint16(bound);
        }
    }

    /// @dev Moves tokens between two buckets of one book and returns the book's updated bound (lowest nonempty
    ///      bucket of an upward book, highest of a downward one, or a bound no nonempty bucket lies beyond: the search
    ///      for the next one stops at the current price).
    function _move(Book storage book, uint256 key, uint256 from, uint256 to, uint256 bound, uint256 priceWad)
        private
        returns (uint256)
    {
        bool up = (key & 1 == 1) != (key & 2 == 2);
        uint256 oldBucket = from >> 112;
        uint256 newBucket = to >> 112;
        uint256 oldTokens = uint112(from);
        uint256 newTokens = uint112(to);
        bool emptied;
        if (oldBucket == newBucket) {
            // Same bucket: only the difference moves.
            if (newTokens > oldTokens) _add(book, key, newBucket, newTokens - oldTokens, true);
            else if (oldTokens > newTokens) emptied = _add(book, key, oldBucket, oldTokens - newTokens, false);
        } else {
            if (oldBucket != CapGrid.NONE && oldTokens > 0) emptied = _add(book, key, oldBucket, oldTokens, false);
            if (newBucket != CapGrid.NONE && newTokens > 0) {
                _add(book, key, newBucket, newTokens, true);
                if (bound == 0 || (up ? newBucket < bound : newBucket > bound)) bound = newBucket;
            }
        }
        if (emptied && oldBucket == bound) bound = _nextBound(book, key, up, oldBucket, priceWad);
        return bound;
    }

    /// @dev The bound after bucket `emptied`, the book's bound, emptied: the next nonempty bucket beyond it, searched
    ///      up to one doubling of the price past the current price (SEARCH_PAST_PRICE buckets, a bitmap word or two);
    ///      if there is none, that search limit (nothing nonempty lies before it). The bound is also what the LP band
    ///      reads as "a cap or floor within the oracle lag" (PerpState._lagRiskUp): a placeholder next to the price,
    ///      as the search up to the price alone left after a liquidation past a floor, widened every LP flow's band
    ///      to the larger side's whole exposure although nothing was near (P-101).
    function _nextBound(Book storage book, uint256 key, bool up, uint256 emptied, uint256 priceWad)
        private
        view
        returns (uint256)
    {
        if (up) {
            uint256 limit = MathLib.min(CapGrid.bucketDown(priceWad) + 1 + SEARCH_PAST_PRICE, CapGrid.MAX_BUCKET);
            uint256 next = emptied < limit ? _next(book, key, emptied + 1, limit) : NOT_FOUND;
            return next == NOT_FOUND ? (limit > emptied ? limit : emptied + 1) : next;
        }
        uint256 lower = CapGrid.bucketUp(priceWad) - 1;
        lower = lower > SEARCH_PAST_PRICE ? lower - SEARCH_PAST_PRICE : 0;
        uint256 prev = emptied > lower ? _prev(book, key, emptied - 1, lower) : NOT_FOUND;
        return prev == NOT_FOUND ? (lower < emptied ? lower : emptied - 1) : prev;
    }

    /// @dev Adds (or removes) tokens in a bucket, keeping its bitmap bit; returns whether a removal emptied it.
    function _add(Book storage book, uint256 key, uint256 bucket, uint256 tokens, bool adding) private returns (bool) {
        uint256 slot = (key << 16) | bucket;
        uint256 stored = book.tokens[slot];
        uint256 before = stored == 0 ? 0 : stored - 1;
        uint256 next = adding ? before + tokens : before - tokens;
        book.tokens[slot] = next + 1;
        if ((before == 0) != (next == 0)) {
            uint256 wordKey = (key << 8) | (bucket / BITS);
            uint256 bit = 1 << (bucket % BITS);
            uint256 word = book.words[wordKey];
            book.words[wordKey] = (next == 0 ? word & ~bit : word | bit) | SENTINEL;
        }
        return next == 0 && before != 0;
    }

    /// @dev The lowest nonempty bucket in [from, to], or NOT_FOUND.
    function _next(Book storage book, uint256 key, uint256 from, uint256 to) private view returns (uint256) {
        while (from <= to) {
            uint256 w = from / BITS;
            uint256 bits = book.words[(key << 8) | w] & ~SENTINEL & (type(uint256).max << (from % BITS));
            if (bits != 0) {
                uint256 b = w * BITS + CapGrid.msb(bits & (~bits + 1));
                return b <= to ? b : NOT_FOUND;
            }
            from = (w + 1) * BITS;
        }
        return NOT_FOUND;
    }

    /// @dev The highest nonempty bucket in [to, from], or NOT_FOUND.
    function _prev(Book storage book, uint256 key, uint256 from, uint256 to) private view returns (uint256) {
        while (from >= to) {
            uint256 w = from / BITS;
            uint256 shift = 255 - (from % BITS); // keep bits 0..from % BITS
            uint256 bits = ((book.words[(key << 8) | w] & ~SENTINEL) << shift) >> shift;
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
