// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title PerpRisk
/// @notice A perpetual market's margin rates from its config: the one path the engine's checks and the Reader's quotes
///         both take, so a preview cannot drift from a fill.
library PerpRisk {
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
