// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {CapGrid} from "./CapGrid.sol";
import {MathLib} from "./MathLib.sol";

/// @title PositionMath
/// @notice Value, PnL, fees owed and liquidation price of one position. Rounding favours the pool.
/// @dev Sizes: `sizeUsd` entry notional (6 decimals), `sizeTokens` index tokens (18 decimals). Prices: USD per whole
///      index token, WAD. Mirrored to the wei in lib/math/position.ts.
library PositionMath {
    using MathLib for uint256;

    /// @dev tokens(1e18) * price(1e18) / 1e30 = USD (1e6).
    uint256 internal constant VALUE_SCALE = 1e30;

    /// @notice Index tokens bought (long, rounded down) or sold (short, rounded up) for `sizeUsd` at `priceWad`.
    function sizeTokensFor(bool isLong, uint256 sizeUsd, uint256 priceWad) internal pure returns (uint256) {
        return isLong ? sizeUsd.mulDivDown(VALUE_SCALE, priceWad) : sizeUsd.mulDivUp(VALUE_SCALE, priceWad);
    }

    /// @notice Oracle price adjusted by the impact: buying pays (size + impact) / size of it, rounded up; selling
    ///         receives (size - impact) / size, rounded down. 0 when the impact eats the whole size.
    function executionPriceWad(uint256 priceWad, uint256 sizeDeltaUsd, int256 impactUsd, bool buying)
        internal
        pure
        returns (uint256)
    {
        if (buying) {
            int256 paid = int256(sizeDeltaUsd) + impactUsd;
            return paid <= 0 ? 0 : priceWad.mulDivUp(uint256(paid), sizeDeltaUsd);
        }
        int256 received = int256(sizeDeltaUsd) - impactUsd;
        return received <= 0 ? 0 : priceWad.mulDivDown(uint256(received), sizeDeltaUsd);
    }

    /// @notice Unrealized PnL before the profit cap: long rounds its value down, short rounds its value up.
    function pnlUsd(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 priceWad) internal pure returns (int256) {
        if (isLong) return int256(sizeTokens.mulDivDown(priceWad, VALUE_SCALE)) - int256(sizeUsd);
        return int256(sizeUsd) - int256(sizeTokens.mulDivUp(priceWad, VALUE_SCALE));
    }

    /// @notice What closing a position (or part of it) moves at the price: its entry notional plus a long's profit or a
    ///         short's loss (`pnlUsd`, capped as paid), i.e. its tokens' value where that is larger. A fill's fee is
    ///         charged on it (P-97: the lag a close can take is the lag times this value, not the entry size).
    function valueClosedUsd(bool isLong, uint256 sizeUsd, int256 pnlUsd) internal pure returns (uint256) {
        int256 gainUsd = isLong ? pnlUsd : -pnlUsd;
        return gainUsd > 0 ? sizeUsd + uint256(gainUsd) : sizeUsd;
    }

    /// @notice The notional a position's margins are measured on, rounded up: its entry notional, or a short's tokens'
    ///         value where that is larger (a short in loss). A short's loss grows with what its tokens are worth,
    ///         without bound, so margin on its entry notional covered only entry / value of a move (review AH: a 1x
    ///         short after +80% took collateral out to 64x on what it held, and a 2.5% gap left 17,995 USD of bad
    ///         debt). A long's tokens are worth more than its entry only while its PnL, which its equity counts, is
    ///         positive, so a long reaches maintenance near or below its entry, where its entry notional is the larger.
    function marginNotionalUp(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 priceWad)
        internal
        pure
        returns (uint256)
    {
        if (isLong) return sizeUsd;
        return MathLib.max(sizeUsd, sizeTokens.mulDivUp(priceWad, VALUE_SCALE));
    }

    /// @notice PnL with the profit capped by the position's cap bucket (CapGrid): the position is valued at the oracle
    ///         price limited by its cap price, with pnlUsd's rounding. Losses are never capped.
    function cappedPnlUsd(bool isLong, uint256 sizeUsd, uint256 sizeTokens, uint256 priceWad, uint256 capBucket)
        internal
        pure
        returns (int256)
    {
        return pnlUsd(isLong, sizeUsd, sizeTokens, CapGrid.cappedPriceWad(isLong, priceWad, capBucket));
    }

    /// @notice One side's aggregate PnL before caps, rounded against the pool (the traders' value rounds up for longs
    ///         and down for shorts). The NAV corrects it by the crossed buckets of the cap and floor books (CapBook).
    function sidePnlUp(bool isLong, uint256 oiUsd, uint256 sizeTokens, uint256 priceWad)
        internal
        pure
        returns (int256)
    {
        return isLong
            ? int256(sizeTokens.mulDivUp(priceWad, VALUE_SCALE)) - int256(oiUsd)
            : int256(oiUsd) - int256(sizeTokens.mulDivDown(priceWad, VALUE_SCALE));
    }

    /// @notice What one cap bucket takes off its side's uncapped PnL at `priceWad`: tokens x the distance the price is
    ///         past the bucket's price, upward for a long's cap (`up`) or downward for a short's, else 0. Rounded down,
    ///         so the liability it is taken from is never understated.
    function capExcessDown(bool up, uint256 sizeTokens, uint256 bucket, uint256 priceWad)
        internal
        pure
        returns (uint256)
    {
        uint256 k = CapGrid.priceOf(bucket);
        if (up ? priceWad <= k : priceWad >= k) return 0;
        return sizeTokens.mulDivDown(up ? priceWad - k : k - priceWad, VALUE_SCALE);
    }

    /// @notice What one floor bucket adds to its side's liability at `priceWad`: the loss the pool cannot collect, tokens x
    ///         the distance the price is past the bucket's price, upward for a short's floor (`up`) or downward for a
    ///         long's, else 0. Rounded up, so the liability is never understated.
    function floorExcessUp(bool up, uint256 sizeTokens, uint256 bucket, uint256 priceWad)
        internal
        pure
        returns (uint256)
    {
        uint256 k = CapGrid.priceOf(bucket);
        if (up ? priceWad <= k : priceWad >= k) return 0;
        return sizeTokens.mulDivUp(up ? priceWad - k : k - priceWad, VALUE_SCALE);
    }

    /// @notice Borrow fee owed since the position's index snapshot, rounded up.
    function borrowFeeUp(uint256 sizeUsd, uint256 indexWad, uint256 snapshotWad) internal pure returns (uint256) {
        return sizeUsd.mulDivUp(indexWad - snapshotWad, 1e18);
    }

    /// @notice Funding owed by the position (negative: owed to it), rounded toward the pool.
    function fundingFeeUp(bool isLong, uint256 sizeUsd, int256 indexWad, int256 snapshotWad)
        internal
        pure
        returns (int256)
    {
        int256 delta = isLong ? indexWad - snapshotWad : snapshotWad - indexWad;
        return MathLib.mulDivSignedUp(delta, sizeUsd, 1e18);
    }

    /// @notice Price at which equity equals the maintenance requirement, given fees owed and the margin rate, on the
    ///         notional margins are measured on (marginNotionalUp) and with the profit capped at `capBucket` (CapGrid):
    ///         the price past which the engine's rule (PerpRisk.statusOf) liquidates, on the early side of it.
    /// @dev Long: rounded up (earlier), short: rounded down (earlier), so at the reported price the position stands. 0
    ///      when a long cannot be liquidated at a positive price, or when a short is liquidatable at any price;
    ///      type(uint256).max when a long is liquidatable at any price. Past its cap price a position's equity no
    ///      longer grows, so when the root lies beyond it (fees owed above collateral plus the capped profit less
    ///      maintenance) no price saves the position (review AO: a 25x long past a 3% cap showed 14.25% from a
    ///      liquidation the engine would make at once).
    function liquidationPriceWad(
        bool isLong,
        uint256 sizeUsd,
        uint256 sizeTokens,
        uint256 collateralUsd,
        int256 feesOwedUsd,
        uint256 maintenanceWad,
        uint256 capBucket
    ) internal pure returns (uint256 priceWad) {
        if (sizeTokens == 0) return 0;
        int256 marginUsd = int256(sizeUsd.mulDivUp(maintenanceWad, 1e18));
        if (isLong) {
            int256 valueAtLiq = int256(sizeUsd) + marginUsd + feesOwedUsd - int256(collateralUsd);
            if (valueAtLiq <= 0) return 0;
            priceWad = uint256(valueAtLiq).mulDivUp(VALUE_SCALE, sizeTokens);
            return capBucket != CapGrid.NONE && priceWad > CapGrid.priceOf(capBucket) ? type(uint256).max : priceWad;
        }
        int256 shortValueAtLiq = int256(sizeUsd) + int256(collateralUsd) - feesOwedUsd - marginUsd;
        if (shortValueAtLiq <= 0) return 0;
        if (shortValueAtLiq > int256(sizeUsd)) {
            // there its margin is on its tokens' value (marginNotionalUp): size + collateral - fees = value x (1 + rate).
            // The engine rounds that value up and the margin on it up: 3 micro-USD off the left side keep the reported
            // price one where the short stands (a review found it liquidatable one wei below: short by 1 micro-USD).
            int256 backingUsd = int256(sizeUsd) + int256(collateralUsd) - feesOwedUsd - 3;
            if (backingUsd <= 0) return 0;
            priceWad = uint256(backingUsd).mulDivDown(VALUE_SCALE * 1e18, sizeTokens * (1e18 + maintenanceWad));
        } else {
            priceWad = uint256(shortValueAtLiq).mulDivDown(VALUE_SCALE, sizeTokens);
        }
        return capBucket != CapGrid.NONE && priceWad < CapGrid.priceOf(capBucket) ? 0 : priceWad;
    }
}
