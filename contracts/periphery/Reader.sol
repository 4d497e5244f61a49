// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title Reader
/// @notice Read-only lens for the web app, keepers and the indexer: one call returns a market's, an account's or the
///         pool's full state with every index accrued to the current block.
contract Reader {
    using MathLib for uint256;

    uint256 internal constant WAD = 1e18;

    IPerpEngine public immutable engine;
    ILiquidityPool public immutable pool;

    struct MarketView {
        uint256 marketId;
        bytes32 name;
        uint256 priceWad; // 0 when the oracle refuses to answer
        uint256 priceUpdatedAt;
        bool priceValid;
        IPerpEngine.MarketConfig config;
        IPerpEngine.MarketState state; // funding accrued to now
        int256 skewUsd; // long - short open interest
        uint256 borrowRateWad; // pool-wide, per second
        uint256 varianceWad; // per second, including the latest oracle price (what the next trade uses)
        uint256 volatilityWad; // sigma over the liquidation horizon
        uint256 annualizedVolatilityWad; // sigma * sqrt(1 year)
        uint256 maintenanceMarginWad; // for a position of minimum size
        uint256 initialMarginWad;
        uint256 maxLeverageWad; // 1 / initial margin, WAD
        uint256 utilizationWad; // pool-wide
    }

    struct PositionView {
        uint256 marketId;
        bool isLong;
        IPerpEngine.Position position;
        IPerpEngine.PositionStatus status;
        uint256 entryPriceWad; // sizeUsd / sizeTokens
        uint256 leverageWad; // size / equity (0 when equity <= 0)
        uint256 liquidationPriceWad; // price at which equity meets maintenance, at the current sigma
        int256 distanceToLiquidationWad; // (price - liquidation price) / price, signed toward safety
    }

    struct PoolView {
        uint256 navUsd; // live net asset value
        uint256 totalShares;
        uint256 sharePriceWad; // assets per whole share (1e12 share units), WAD
        uint256 poolCashUsd;
        uint256 totalCollateralUsd;
        uint256 reservedUsd;
        uint256 freeLiquidityUsd;
        uint256 utilizationWad;
        uint256 borrowRateWad;
        uint256 badDebtUsd;
        uint256 queuedShares;
        uint256 queueHead;
        uint256 queueTail;
        uint256 cooldownSec;
        uint256 maxUtilizationBps;
    }

    constructor(IPerpEngine engine_, ILiquidityPool pool_) {
        engine = engine_;
        pool = pool_;
    }

    function markets() external view returns (MarketView[] memory views) {
        uint256 n = engine.marketCount();
        views = new MarketView[](n);
        for (uint256 m; m < n; ++m) {
            views[m] = market(m);
        }
    }

    function market(uint256 marketId) public view returns (MarketView memory v) {
        v.marketId = marketId;
        v.name = engine.marketName(marketId);
        v.config = engine.marketConfig(marketId);
        v.state = engine.marketState(marketId);
        try v.config.feed.latestPrice() returns (uint256 p, uint256 at) {
            v.priceWad = p;
            v.priceUpdatedAt = at;
            v.priceValid = at <= block.timestamp && block.timestamp - at <= v.config.maxPriceAgeSec;
        } catch {}
        v.skewUsd = int256(uint256(v.state.longOiUsd)) - int256(uint256(v.state.shortOiUsd));
        v.utilizationWad = utilization();
        v.borrowRateWad = borrowRate();
        v.varianceWad = v.priceValid ? engine.varianceWad(marketId) : v.state.varianceWad;
        v.volatilityWad = RiskMath.horizonVolatilityWad(v.varianceWad, v.config.horizonSec);
        v.annualizedVolatilityWad = RiskMath.horizonVolatilityWad(v.varianceWad, 365 days);
        if (v.priceValid) {
            (v.maintenanceMarginWad, v.initialMarginWad, v.maxLeverageWad) =
                engine.marginRates(marketId, v.config.minCollateralUsd);
        }
    }

    /// @notice Every open position of `account`, valued now.
    function accountPositions(address account) external view returns (PositionView[] memory views) {
        uint256 n = engine.marketCount();
        PositionView[] memory all = new PositionView[](2 * n);
        uint256 count;
        for (uint256 m; m < n; ++m) {
            for (uint256 side; side < 2; ++side) {
                bool isLong = side == 0;
                IPerpEngine.Position memory p = engine.position(account, m, isLong);
                if (p.sizeUsd == 0) continue;
                PositionView memory v = all[count++];
                v.marketId = m;
                v.isLong = isLong;
                v.position = p;
                v.status = engine.positionStatus(account, m, isLong);
                v.entryPriceWad = uint256(p.sizeUsd).mulDivDown(1e30, p.sizeTokens);
                v.liquidationPriceWad = liquidationPrice(p, isLong, v.status);
                (uint256 priceWad,) = engine.marketConfig(m).feed.latestPrice();
                int256 gap = isLong
                    ? int256(priceWad) - int256(v.liquidationPriceWad)
                    : int256(v.liquidationPriceWad) - int256(priceWad);
                v.distanceToLiquidationWad = gap * int256(WAD) / int256(priceWad);
                if (v.status.equityUsd > 0) {
                    v.leverageWad = uint256(p.sizeUsd).mulDivUp(WAD, uint256(v.status.equityUsd));
                }
            }
        }
        views = new PositionView[](count);
        for (uint256 i; i < count; ++i) {
            views[i] = all[i];
        }
    }

    /// @notice Status of many positions at once (keepers); a position without size reports zeros.
    function statuses(IPerpEngine.PositionRef[] calldata refs)
        external
        view
        returns (IPerpEngine.PositionStatus[] memory out)
    {
        out = new IPerpEngine.PositionStatus[](refs.length);
        for (uint256 i; i < refs.length; ++i) {
            out[i] = engine.positionStatus(refs[i].account, refs[i].marketId, refs[i].isLong);
        }
    }

    function poolView() external view returns (PoolView memory v) {
        IPerpEngine.PoolState memory st = engine.poolState();
        v.navUsd = engine.poolValueUsd();
        v.totalShares = pool.totalSupply();
        v.sharePriceWad = pool.convertToAssets(1e12) * 1e12;
        v.poolCashUsd = st.poolCashUsd;
        v.totalCollateralUsd = st.totalCollateralUsd;
        v.reservedUsd = st.reservedUsd;
        v.freeLiquidityUsd = engine.freeLiquidityUsd();
        v.utilizationWad = utilization();
        v.borrowRateWad = borrowRate();
        v.badDebtUsd = st.badDebtUsd;
        v.queuedShares = pool.queuedShares();
        (v.queueHead, v.queueTail) = pool.queueBounds();
        v.cooldownSec = pool.cooldownSec();
        v.maxUtilizationBps = engine.poolConfig().maxUtilizationBps;
    }

    /// @notice Liquidation price of a position given its status (fees owed and maintenance rate at the current sigma).
    function liquidationPrice(IPerpEngine.Position memory p, bool isLong, IPerpEngine.PositionStatus memory s)
        public
        pure
        returns (uint256)
    {
        return PositionMath.liquidationPriceWad(
            isLong,
            p.sizeUsd,
            p.sizeTokens,
            p.collateralUsd,
            int256(s.borrowFeeUsd) + s.fundingFeeUsd,
            s.maintenanceMarginWad
        );
    }

    /// @notice Liquidation price of `account`'s position now.
    function positionLiquidationPrice(address account, uint256 marketId, bool isLong) external view returns (uint256) {
        return liquidationPrice(
            engine.position(account, marketId, isLong), isLong, engine.positionStatus(account, marketId, isLong)
        );
    }

    /// @notice reserved / pool cash, WAD (same rounding as the engine).
    function utilization() public view returns (uint256) {
        IPerpEngine.PoolState memory st = engine.poolState();
        if (st.reservedUsd == 0) return 0;
        if (st.poolCashUsd == 0) return WAD;
        return uint256(st.reservedUsd).mulDivUp(WAD, st.poolCashUsd);
    }

    /// @notice Borrow rate per second at the current utilization.
    function borrowRate() public view returns (uint256) {
        IPerpEngine.PoolConfig memory c = engine.poolConfig();
        return RiskMath.borrowRateUp(utilization(), c.baseRateWad, c.slope1Wad, c.slope2Wad, c.kinkWad);
    }
}
