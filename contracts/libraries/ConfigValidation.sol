// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";

/// @title ConfigValidation
/// @notice Hard bounds on every risk parameter: RISK_ROLE can tune within them, never beyond. Each violation reverts
///         with `InvalidParameter(name, value, min, max)`.
/// @dev Internal; called by the external ConfigStore library, so the bounds do not count against the engine's size.
///      The bounds also keep every value inside the narrower integer types of the engine's packed storage.
library ConfigValidation {
    /// @notice Largest open-interest cap per side: 1e12 USD (in 6-decimal units), far inside the engine's 80-bit sums.
    uint256 internal constant MAX_OI_USD = 1e18;
    /// @notice Smallest starting variance per second: (1% a year)^2 / 1 year, in WAD.
    uint256 internal constant MIN_VARIANCE_WAD = uint256(1e14) / 365 days;

    function validateMarket(IPerpEngine.MarketConfig memory c) internal pure {
        if (address(c.feed) == address(0)) revert IPerpEngine.InvalidParameter("feed", 0, 1, type(uint160).max);
        bound("maxPriceAgeSec", c.maxPriceAgeSec, 1, 1 days);
        // every fill pays at least the oracle lag (P-97)
        bound("openFeeBps", c.openFeeBps, c.oracleLagBps, 100);
        bound("closeFeeBps", c.closeFeeBps, c.oracleLagBps, 100);
        bound("liquidationFeeBps", c.liquidationFeeBps, 0, 500);
        bound("positiveImpactBps", c.positiveImpactBps, 0, 9999);
        bound("maxProfitBps", c.maxProfitBps, 100, 100_000);
        bound("maxLeverage", c.maxLeverage, 1, 200);
        bound("horizonSec", c.horizonSec, 60, 7 days);
        bound("volTauSec", c.volTauSec, 60, 30 days);
        bound("zWad", c.zWad, 1e18, 5e18);
        bound("mmrFloorWad", c.mmrFloorWad, 0.001e18, 0.5e18);
        bound("sizeTermWad", c.sizeTermWad, 0, 0.5e18);
        // At least 1.2: the initial margin above the target is the notice period of a position opened at it ((imr - mmr) /
        // ramp, P-64); at 1 a rising target could liquidate it at its entry price a minute after the next sample.
        bound("imrMultiplierWad", c.imrMultiplierWad, 1.2e18, 5e18);
        bound("utilTermWad", c.utilTermWad, 0, 1e18);
        bound("maxLongOiUsd", c.maxLongOiUsd, 0, MAX_OI_USD);
        bound("maxShortOiUsd", c.maxShortOiUsd, 0, MAX_OI_USD);
        bound("impactScaleUsd", c.impactScaleUsd, 1e6, type(uint128).max);
        bound("skewScaleUsd", c.skewScaleUsd, 1e6, type(uint128).max);
        bound("sizeScaleUsd", c.sizeScaleUsd, 1e6, type(uint128).max);
        bound("minCollateralUsd", c.minCollateralUsd, 1e6, 1e12);
        bound("maxFundingRateWad", c.maxFundingRateWad, 0, uint256(0.01e18) / 3600);
        bound("maxFundingVelocityWad", c.maxFundingVelocityWad, 0, c.maxFundingRateWad);
        // At least (1% a year)^2 per second: the outlier rule clips relative to the estimate, so it must start
        // above zero.
        bound("initialVarianceWad", c.initialVarianceWad, MIN_VARIANCE_WAD, uint256(1e18) / 1 days);
        bound("oracleLagBps", c.oracleLagBps, 0, 1000);
        bound("sampleIntervalSec", c.sampleIntervalSec, 60, 1 days);
        bound("longVolTauSec", c.longVolTauSec, c.volTauSec, 365 days);
        bound("clipSigmas", c.clipSigmas, 3, 100);
        // From 0.01 to 50 percentage points per hour: maintenance always moves, and never jumps.
        bound("maintenanceRampWadPerHour", c.maintenanceRampWadPerHour, 0.0001e18, 0.5e18);
    }

    function validatePool(IClearingCore.PoolConfig memory c) internal pure {
        uint256 maxRate = uint256(10e18) / 365 days; // 1000% a year (fits the core's 40-bit rate fields)
        bound("baseRateWad", c.baseRateWad, 0, maxRate);
        bound("slope1Wad", c.slope1Wad, 0, maxRate);
        bound("slope2Wad", c.slope2Wad, 0, maxRate);
        bound("kinkWad", c.kinkWad, 0.05e18, 0.99e18);
        bound("maxUtilizationBps", c.maxUtilizationBps, 1000, 9500);
        bound("keeperShareBps", c.keeperShareBps, 0, 10_000);
    }

    /// @notice Reverts InvalidParameter(name, value, lo, hi) unless lo <= value <= hi.
    function bound(bytes32 name, uint256 value, uint256 lo, uint256 hi) internal pure {
        if (value < lo || value > hi) revert IPerpEngine.InvalidParameter(name, value, lo, hi);
    }
}
