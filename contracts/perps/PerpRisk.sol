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
        uint256 varianceWad; // variance per second after observing the price
        uint256 borrowIndexWad; // the core's borrow index
        int256 fundingIndexWad; // the market's funding index
        uint256 utilizationWad; // pool utilization
        uint256 kinkWad; // the borrow curve's kink
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
        (s.maintenanceMarginWad,) = marginRatesUp(cfg, size, m.varianceWad, m.utilizationWad, m.kinkWad);
        s.maintenanceUsd = size.mulDivUp(s.maintenanceMarginWad, 1e18);
        s.liquidatable = s.equityUsd < int256(s.maintenanceUsd);
    }

    /// @notice Maintenance and initial margin rates (WAD, rounded up) for a position of `sizeUsd` at `varianceWad` and
    ///         the pool's `utilizationWad` (the initial margin's utilization term starts at the borrow curve's kink).
    function marginRatesUp(
        IPerpEngine.MarketConfig memory cfg,
        uint256 sizeUsd,
        uint256 varianceWad,
        uint256 utilizationWad,
        uint256 kinkWad
    ) internal pure returns (uint256 mmr, uint256 imr) {
        mmr = RiskMath.maintenanceMarginUp(
            varianceWad, cfg.horizonSec, cfg.zWad, cfg.mmrFloorWad, sizeUsd, cfg.sizeScaleUsd, cfg.sizeTermWad
        );
        imr = RiskMath.initialMarginUp(
            mmr, cfg.imrMultiplierWad, utilizationWad, kinkWad, cfg.utilTermWad, cfg.maxLeverage
        );
    }
}
