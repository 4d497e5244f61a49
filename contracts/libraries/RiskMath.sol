// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {MathLib} from "./MathLib.sol";

/// @title RiskMath
/// @notice The clearing house's rate, impact, volatility and margin formulas, as pure functions.
/// @dev Units: USD amounts in settlement-token units (6 decimals, `...Usd`); rates per second in WAD; fractions in
///      WAD or bps as named. Mirrored to the wei in lib/math/risk.ts (differential-tested).
library RiskMath {
    using MathLib for uint256;

    uint256 internal constant WAD = 1e18;
    /// @notice Ceiling of the maintenance margin rate: whatever sigma does, a position at 2x or less is never
    ///         liquidated by the volatility term alone.
    uint256 internal constant MAX_MAINTENANCE_WAD = 0.5e18;

    /// @notice Kinked (two-slope) borrow rate per second for a utilization, rounded up.
    /// @param utilizationWad reserved / pool cash, WAD (may exceed 1e18).
    /// @param baseRateWad rate at zero utilization, per second.
    /// @param slope1Wad extra rate reached at the kink, per second.
    /// @param slope2Wad extra rate from the kink to 100% utilization, per second.
    /// @param kinkWad utilization of the kink, WAD, in (0, 1e18).
    function borrowRateUp(
        uint256 utilizationWad,
        uint256 baseRateWad,
        uint256 slope1Wad,
        uint256 slope2Wad,
        uint256 kinkWad
    ) internal pure returns (uint256 ratePerSecWad) {
        if (utilizationWad <= kinkWad) {
            return baseRateWad + slope1Wad.mulDivUp(utilizationWad, kinkWad);
        }
        return baseRateWad + slope1Wad + slope2Wad.mulDivUp(utilizationWad - kinkWad, WAD - kinkWad);
    }

    /// @notice Pool utilization: reserved maximum payouts / pool cash, WAD, rounded up (1e18 when reserves exist and
    ///         cash is zero). The one definition: the core's borrow rate and initial margin, the Reader, the TS previews
    ///         and the stress test all use it.
    function utilizationUp(uint256 reservedUsd, uint256 cashUsd) internal pure returns (uint256) {
        if (reservedUsd == 0) return 0;
        if (cashUsd == 0) return WAD;
        return reservedUsd.mulDivUp(WAD, cashUsd);
    }

    /// @notice Pool cash LPs may take out without breaking the solvency limit: cash beyond reserved / maxUtilization
    ///         (the locked part rounded up, so the free part rounds down).
    function freeLiquidityDown(uint256 cashUsd, uint256 reservedUsd, uint256 maxUtilizationBps)
        internal
        pure
        returns (uint256)
    {
        uint256 locked = reservedUsd.mulDivUp(MathLib.BPS, maxUtilizationBps);
        return cashUsd > locked ? cashUsd - locked : 0;
    }

    /// @notice Velocity funding: the rate drifts toward the side that is short of open interest while skew persists.
    /// @param rateWad current funding rate per second (positive: longs pay).
    /// @param skewUsd long minus short open interest.
    /// @param skewScaleUsd skew at which the velocity saturates.
    /// @param maxVelocityWad rate change per second at full skew.
    /// @param maxRateWad cap on |rate|.
    /// @param elapsed seconds since the last accrual.
    /// @return nextRateWad rate after `elapsed`.
    /// @return indexDeltaWad funding per USD of size accrued over `elapsed` (average of both rates, truncated).
    function nextFunding(
        int64 rateWad,
        int256 skewUsd,
        uint256 skewScaleUsd,
        uint64 maxVelocityWad,
        uint64 maxRateWad,
        uint32 elapsed
    ) internal pure returns (int256 nextRateWad, int256 indexDeltaWad) {
        int256 proportionalWad = MathLib.clamp(skewUsd * int256(WAD) / int256(skewScaleUsd), -int256(WAD), int256(WAD));
        // Unchecked: |proportional| <= 1e18 and the other factors are 64- or 32-bit (the parameter types), so no
        // product below exceeds 2^160.
        unchecked {
            int256 dt = int256(uint256(elapsed));
            int256 maxRate = int256(uint256(maxRateWad));
            int256 velocityWad = proportionalWad * int256(uint256(maxVelocityWad)) / int256(WAD);
            nextRateWad = MathLib.clamp(rateWad + velocityWad * dt, -maxRate, maxRate);
            indexDeltaWad = (rateWad + nextRateWad) * dt / 2;
        }
    }

    /// @notice Price impact of moving the skew from `skewBeforeUsd` to `skewAfterUsd`, quadratic in the imbalance.
    /// @dev A worsening move costs (s1^2 - s0^2) / (2 K), rounded up; an improving one earns the same times
    ///      positiveImpactBps, rounded down. Crossing zero earns on the way to zero and pays from zero onward. With
    ///      positiveImpactBps < 10_000 any path back to the starting skew costs more than it earns.
    /// @return costUsd positive: the trader pays; negative: the trader receives a rebate.
    function impactCostUsd(int256 skewBeforeUsd, int256 skewAfterUsd, uint256 impactScaleUsd, uint256 positiveImpactBps)
        internal
        pure
        returns (int256 costUsd)
    {
        uint256 before2 = MathLib.abs(skewBeforeUsd) ** 2;
        uint256 after2 = MathLib.abs(skewAfterUsd) ** 2;
        uint256 denom = 2 * impactScaleUsd;
        bool crossing = (skewBeforeUsd > 0 && skewAfterUsd < 0) || (skewBeforeUsd < 0 && skewAfterUsd > 0);
        if (crossing) {
            uint256 rebate = before2.mulDivDown(positiveImpactBps, denom * MathLib.BPS);
            uint256 cost = after2.mulDivUp(1, denom);
            return int256(cost) - int256(rebate);
        }
        if (after2 >= before2) return int256((after2 - before2).mulDivUp(1, denom));
        return -int256((before2 - after2).mulDivDown(positiveImpactBps, denom * MathLib.BPS));
    }

    /// @notice One step of a continuous-time EWMA of the per-second variance of log returns, rounded up.
    /// @dev var' = (tau * var + ln(p1/p0)^2) / (tau + dt): the sample r^2/dt weighted by dt / (tau + dt). Unbiased for
    ///      any update frequency (steady state var = E[r^2] / dt), and one jump adds at most r^2 / tau, so updates a
    ///      second apart cannot annualise a single move into an absurd variance.
    /// @param tauSec time constant of the average (about its memory), seconds.
    function nextVarianceUp(
        uint256 varianceWad,
        uint256 lastPriceWad,
        uint256 priceWad,
        uint256 elapsed,
        uint256 tauSec
    ) internal pure returns (uint256) {
        uint256 r = MathLib.abs(MathLib.lnWad(priceWad.mulDivDown(WAD, lastPriceWad)));
        return (tauSec * varianceWad + r.mulDivUp(r, WAD)).mulDivUp(1, tauSec + elapsed);
    }

    /// @notice The sampled estimator: a price published at `at` is a sample iff it is the first the market sees in a
    ///         new sampling interval (at / interval > sampleAt / interval; the first price ever only starts the series);
    ///         a sample moves the variance by one nextVarianceUp step from the last sample, anything else leaves it.
    ///         Ticks inside one interval, however many and whoever posts them, change nothing.
    /// @return varianceWad the variance after observing the price (saturated at 2^64 - 1, the engine's storage)
    /// @return isSample whether the price becomes the new sample
    function sampledVarianceUp(
        uint256 varianceWad,
        uint256 samplePriceWad,
        uint256 sampleAt,
        uint256 priceWad,
        uint256 at,
        uint256 intervalSec,
        uint256 tauSec
    ) internal pure returns (uint256, bool) {
        if (sampleAt == 0) return (varianceWad, true);
        if (at / intervalSec <= sampleAt / intervalSec) return (varianceWad, false);
        uint256 v = nextVarianceUp(varianceWad, samplePriceWad, priceWad, at - sampleAt, tauSec);
        return (v < type(uint64).max ? v : type(uint64).max, true);
    }

    /// @notice Volatility over the liquidation horizon, sqrt(var * h), WAD, rounded down by the square root.
    function horizonVolatilityWad(uint256 varianceWad, uint256 horizonSec) internal pure returns (uint256) {
        return MathLib.sqrtDown(varianceWad * horizonSec * WAD);
    }

    /// @notice Maintenance margin rate: min(max(floor, z * sigma_h + b * size / sizeScale), 50%), WAD, rounded up.
    function maintenanceMarginUp(
        uint256 varianceWad,
        uint256 horizonSec,
        uint256 zWad,
        uint256 floorWad,
        uint256 sizeUsd,
        uint256 sizeScaleUsd,
        uint256 sizeTermWad
    ) internal pure returns (uint256) {
        uint256 volTerm = zWad.mulDivUp(horizonVolatilityWad(varianceWad, horizonSec), WAD);
        uint256 sizeTerm = sizeTermWad.mulDivUp(sizeUsd, sizeScaleUsd);
        return MathLib.min(MathLib.max(floorWad, volTerm + sizeTerm), MAX_MAINTENANCE_WAD);
    }

    /// @notice Initial margin rate: max(mmr * multiplier + a * utilization excess over the kink, 1 / maxLeverage).
    function initialMarginUp(
        uint256 maintenanceWad,
        uint256 multiplierWad,
        uint256 utilizationWad,
        uint256 kinkWad,
        uint256 utilTermWad,
        uint256 maxLeverage
    ) internal pure returns (uint256) {
        uint256 excessWad = utilizationWad > kinkWad ? (utilizationWad - kinkWad).mulDivUp(WAD, WAD - kinkWad) : 0;
        uint256 imr = maintenanceWad.mulDivUp(multiplierWad, WAD) + utilTermWad.mulDivUp(excessWad, WAD);
        return MathLib.max(imr, WAD.mulDivUp(1, maxLeverage));
    }
}
