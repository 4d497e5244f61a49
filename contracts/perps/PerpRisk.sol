// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title PerpRisk
/// @notice A perpetual market's margin rates from its config: the one path the engine's checks and the Reader's quotes
///         both take, so a preview cannot drift from a fill.
library PerpRisk {
    using MathLib for uint256;

    /// @notice What a position is valued at: the market's state at the current price, accrued to now.
    struct Mark {
        bool isLong;
        uint256 priceWad; // oracle price
        uint256 maintenanceBaseWad; // the market's base maintenance rate on its schedule now (maintenanceBaseUp)
        uint256 borrowIndexWad; // the core's borrow index
        int256 fundingIndexWad; // the funding index of the position's side (the long or the short index)
    }

    /// @notice A position's capped PnL, fees owed, equity, maintenance and liquidation status at `m`: the one rule
    ///         liquidations apply and the Reader reports (so a keeper's view cannot drift from execution).
    function statusOf(IPerpEngine.MarketConfig memory cfg, IPerpEngine.Position memory pos, Mark memory m)
        internal
        pure
        returns (IPerpEngine.PositionStatus memory s)
    {
        uint256 size = pos.sizeUsd;
        s.pnlUsd = PositionMath.cappedPnlUsd(m.isLong, size, pos.sizeTokens, m.priceWad, pos.capBucket);
        s.borrowFeeUsd = PositionMath.borrowFeeUp(size, m.borrowIndexWad, pos.borrowSnapWad);
        s.fundingFeeUsd = PositionMath.fundingFeeUp(m.isLong, size, m.fundingIndexWad, pos.fundingSnapWad);
        s.equityUsd = int256(uint256(pos.collateralUsd)) + s.pnlUsd - int256(s.borrowFeeUsd) - s.fundingFeeUsd;
        // the rate's size term reads the entry notional; the rate applies to what margins are measured on
        s.maintenanceMarginWad =
            RiskMath.maintenanceMarginUp(m.maintenanceBaseWad, size, cfg.sizeScaleUsd, cfg.sizeTermWad);
        s.maintenanceUsd = PositionMath.marginNotionalUp(m.isLong, size, pos.sizeTokens, m.priceWad)
            .mulDivUp(s.maintenanceMarginWad, 1e18);
        s.liquidatable = s.equityUsd < int256(s.maintenanceUsd);
    }

    /// @notice Maintenance and initial margin rates (WAD, rounded up) for a position of `sizeUsd`: maintenance from the
    ///         base rate on the schedule, initial from the target the schedule ramps toward (new risk pays the current
    ///         volatility at once) and the pool's `utilizationWad` (its term starts at the borrow curve's kink).
    function marginRatesUp(
        IPerpEngine.MarketConfig memory cfg,
        uint256 sizeUsd,
        uint256 maintenanceBaseWad,
        uint256 targetWad,
        uint256 utilizationWad,
        uint256 kinkWad
    ) internal pure returns (uint256 mmr, uint256 imr) {
        mmr = RiskMath.maintenanceMarginUp(maintenanceBaseWad, sizeUsd, cfg.sizeScaleUsd, cfg.sizeTermWad);
        uint256 atTarget = RiskMath.maintenanceMarginUp(targetWad, sizeUsd, cfg.sizeScaleUsd, cfg.sizeTermWad);
        imr = RiskMath.initialMarginUp(
            atTarget, cfg.imrMultiplierWad, utilizationWad, kinkWad, cfg.utilTermWad, cfg.maxLeverage
        );
    }

    /// @notice The margin target at two variances: the base rate (RiskMath.baseMarginUp) at the larger of the current
    ///         and the long-run variance, so a calm spell cannot thin margins below the long-run level.
    function targetMarginUp(IPerpEngine.MarketConfig memory cfg, uint256 varianceWad, uint256 longVarianceWad)
        internal
        pure
        returns (uint256)
    {
        return RiskMath.baseMarginUp(
            MathLib.max(varianceWad, longVarianceWad), cfg.horizonSec, cfg.zWad, cfg.mmrFloorWad
        );
    }

    /// @notice The base maintenance rate of market state `st` at `nowSec`: its anchor ramped toward its target by at
    ///         most `maintenanceRampWadPerHour` per hour (RiskMath.rampedMarginUp).
    function maintenanceBaseUp(IPerpEngine.MarketConfig memory cfg, IPerpEngine.MarketState memory st, uint256 nowSec)
        internal
        pure
        returns (uint256)
    {
        return RiskMath.rampedMarginUp(
            st.marginAnchorWad, st.marginAnchorAt, st.marginTargetWad, cfg.maintenanceRampWadPerHour, nowSec
        );
    }

    /// @notice The market's volatility estimator parameters.
    function estimator(IPerpEngine.MarketConfig memory cfg) internal pure returns (RiskMath.Estimator memory) {
        return
            RiskMath.Estimator(
                cfg.sampleIntervalSec, cfg.clipSigmas, cfg.volTauSec, cfg.longVolTauSec, cfg.maxPriceAgeSec
            );
    }

    /// @notice Feeds a price published at `at` to the volatility estimator of `st` (in place). Only a sample counts
    ///         (the first price of a new interval, RiskMath.isNewSample; the first price ever only starts the
    ///         series): its winsorized squared return moves both EWMAs over its span (the time since the last
    ///         sample, at most two intervals plus the max price age, RiskMath.sampleSpanSec), the schedule is re-anchored at its
    ///         value now and its target recomputed. Returns whether the price was a sample.
    function observe(
        IPerpEngine.MarketConfig memory cfg,
        IPerpEngine.MarketState memory st,
        uint256 priceWad,
        uint256 at,
        uint256 nowSec
    ) internal pure returns (bool) {
        uint256 sampleAt = st.lastSampleAt;
        if (sampleAt != 0) {
            if (!RiskMath.isNewSample(sampleAt, at, cfg.sampleIntervalSec)) return false;
            st.marginAnchorWad = uint128(maintenanceBaseUp(cfg, st, nowSec));
            st.marginAnchorAt = uint64(nowSec);
            RiskMath.Estimator memory est = estimator(cfg);
            (uint256 v, uint256 vLong) = RiskMath.sampledVariancesUp(
                st.varianceWad,
                st.longVarianceWad,
                st.lastPriceWad,
                priceWad,
                RiskMath.sampleSpanSec(sampleAt, at, est),
                est
            );
            st.varianceWad = uint128(v);
            st.longVarianceWad = uint128(vLong);
            st.marginTargetWad = uint128(targetMarginUp(cfg, st.varianceWad, st.longVarianceWad));
        }
        st.lastPriceWad = uint128(MathLib.min(priceWad, type(uint96).max));
        st.lastSampleAt = uint64(at);
        return true;
    }
}
