// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";

/// @notice What a position is worth to the pool, from first principles, for tests that recompute the NAV position by
///         position. The documented rule: a position is valued at the oracle price clamped between its floor price
///         (beyond which its loss exceeds what backs it: collateral + unrealized rebate - the keeper's liquidation
///         reward) and its cap price (where its profit reaches maxProfitBps of its entry notional). Both prices are
///         checked here against their stated values: each lies on the pool's side of it (the floor within one 1/128
///         grid step; the cap too as opened, and an increase may move it further toward the pool, P-107).
library Payoffs {
    struct Terms {
        uint256 maxProfitBps;
        uint256 liquidationFeeBps;
        uint256 keeperShareBps;
    }

    /// @notice What the pool owes the position if it closed now at `p` (negative: what the pool collects from it).
    function owedAt(IPerpEngine.Position memory pos, bool isLong, uint256 p, Terms memory terms)
        internal
        pure
        returns (int256)
    {
        uint256 v = _clampByCap(pos, isLong, p, terms.maxProfitBps);
        v = _clampByFloor(pos, isLong, v, terms);
        uint256 size = pos.sizeUsd;
        uint256 tokens = pos.sizeTokens;
        return isLong ? int256(tokens * v / 1e30) - int256(size) : int256(size) - int256((tokens * v + 1e30 - 1) / 1e30);
    }

    /// @notice The position's PnL with only its cap applied (the liquidation rule's PnL).
    function cappedPnlAt(IPerpEngine.Position memory pos, bool isLong, uint256 p, uint256 maxProfitBps)
        internal
        pure
        returns (int256)
    {
        uint256 v = _clampByCap(pos, isLong, p, maxProfitBps);
        return isLong
            ? int256(uint256(pos.sizeTokens) * v / 1e30) - int256(uint256(pos.sizeUsd))
            : int256(uint256(pos.sizeUsd)) - int256((uint256(pos.sizeTokens) * v + 1e30 - 1) / 1e30);
    }

    function _clampByCap(IPerpEngine.Position memory pos, bool isLong, uint256 p, uint256 maxProfitBps)
        private
        pure
        returns (uint256)
    {
        uint256 size = pos.sizeUsd;
        uint256 tokens = pos.sizeTokens;
        if (!isLong && maxProfitBps >= 10_000) {
            require(pos.capBucket == 0, "a short capped at 100% has no cap price");
            return p;
        }
        uint256 k = CapGrid.priceOf(pos.capBucket);
        uint256 stated = size * 1e30 * (isLong ? 10_000 + maxProfitBps : 10_000 - maxProfitBps) / (tokens * 10_000);
        // On the pool's side of the stated price always. Within one grid step of it for a position as opened; an
        // increase may put it further on the pool's side (P-107: the reopened tokens keep only what they could still
        // earn before their cap price, test_increasePosition_increasesExisting recomputes it).
        if (isLong) {
            require(k <= stated, "long cap price at or below the stated");
            return p < k ? p : k;
        }
        require(k + 1 >= stated, "short cap price at or above the stated");
        return p > k ? p : k;
    }

    function _clampByFloor(IPerpEngine.Position memory pos, bool isLong, uint256 v, Terms memory terms)
        private
        pure
        returns (uint256)
    {
        uint256 size = pos.sizeUsd;
        uint256 tokens = pos.sizeTokens;
        uint256 held = uint256(pos.collateralUsd) + pos.rebateUsd;
        uint256 reward = (size * terms.liquidationFeeBps + 9999) / 10_000 * terms.keeperShareBps / 10_000;
        uint256 backing = held > reward ? held - reward : 0;
        if (isLong && backing >= size) {
            require(pos.floorBucket == 0, "a long backed by its whole notional has no floor");
            return v;
        }
        uint256 f = CapGrid.priceOf(pos.floorBucket);
        if (isLong) {
            uint256 stated = (size - backing) * 1e30 / tokens; // rounded down: the floor lies at or above it
            require(f + 1 >= stated && f * 127 / 128 <= stated + 1, "long floor within one grid step above the stated");
            return v < f ? f : v;
        }
        uint256 statedShort = (size + backing) * 1e30 / tokens;
        require(f <= statedShort && f * 129 / 128 >= statedShort, "short floor within one grid step below the stated");
        return v > f ? f : v;
    }
}
