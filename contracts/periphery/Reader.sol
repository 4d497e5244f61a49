// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {ILiquidityPool} from "../interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {PerpRisk} from "../perps/PerpRisk.sol";
import {PerpState} from "../perps/PerpState.sol";

/// @title Reader
/// @notice Read-only lens for the web app, keepers and the indexer: one call returns a market's, an account's or the
///         pool's full state with every index accrued to the current block.
contract Reader {
    using MathLib for uint256;

    IClearingCore public immutable core;
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
        int256 skewUsd; // long - short open interest (state.optionsSkewUsd is the options traders' delta; their sum drives funding)
        uint256 borrowRateWad; // pool-wide, per second
        uint256 varianceWad; // per second, including the latest oracle price (what the next trade uses)
        uint256 volatilityWad; // sigma over the liquidation horizon
        uint256 annualizedVolatilityWad; // sigma * sqrt(1 year)
        uint256 longRunVolatilityWad; // the long-run sigma (the margin's floor), annualized
        uint256 maintenanceBaseWad; // base maintenance rate on its schedule now (ramps toward marginTargetWad)
        uint256 marginTargetWad; // base rate at max(sigma, long-run sigma): what initial margin applies now
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
        uint256 leverageWad; // margin notional (PositionMath.marginNotionalUp) / equity (0 when equity <= 0)
        // price at which equity meets maintenance, at the current sigma and the profit cap (a long liquidatable at any
        // price: type(uint256).max; a short: 0)
        uint256 liquidationPriceWad;
        int256 distanceToLiquidationWad; // (price - liquidation price) / price, signed toward safety
    }

    struct PoolView {
        bool navValid; // false while a market with open interest has no valid price: the NAV (and LP actions) wait
        uint256 staleMarkets; // bit m set: market m has open interest and a stale or failing price
        uint256 navUsd; // live net asset value (0 while !navValid)
        // NAV less the oracle-lag risk and the unvested liquidation gains: what redemptions are priced at
        uint256 navLowUsd;
        uint256 navHighUsd; // NAV plus the oracle-lag risk: what deposits are priced at
        uint256 totalShares;
        uint256 sharePriceWad; // assets per whole share (1e12 share units), WAD
        uint256 poolCashUsd;
        uint256 totalCollateralUsd; // traders' collateral and settled option payouts not yet claimed
        uint256 reservedUsd;
        uint256 freeLiquidityUsd;
        uint256 utilizationWad;
        uint256 borrowRateWad;
        uint256 badDebtUsd;
        uint256 unvestedGainUsd; // liquidation gains still vesting: left out of navLowUsd (P-96)
        uint256 gainVestSec; // how long a liquidation's gain takes to vest (ClearingCore.GAIN_VEST_SEC)
        uint256 queuedShares;
        uint256 queueHead;
        uint256 queueTail;
        uint256 cooldownSec;
        uint256 maxUtilizationBps;
    }

    /// @notice One of an owner's waiting withdrawal requests and its place in the queue.
    struct QueuedRequestView {
        uint256 requestId;
        address receiver;
        uint256 shares; // shares still waiting
        uint64 requestedAt;
        uint256 aheadRequests; // unfilled requests in front of this one (any owner)
        uint256 aheadShares; // shares those requests still wait for: filled first, in order
    }

    constructor(IClearingCore core_, IPerpEngine engine_, ILiquidityPool pool_) {
        core = core_;
        engine = engine_;
        pool = pool_;
    }

    // ------------------------------------------------------------ views: markets, positions and the pool

    /// @notice Every listed market's view (`market`), in id order: what the app, the keeper and the indexer read.
    function markets() external view returns (MarketView[] memory views) {
        uint256 n = marketCount();
        views = new MarketView[](n);
        for (uint256 m; m < n; ++m) {
            views[m] = market(m);
        }
    }

    /// @notice One market now, post-accrual: its config and state, price, open interest and skew, funding and borrow
    ///         rates, volatility (over the horizon, a year and long-run), the margin schedule and the pool's terms.
    function market(uint256 marketId) public view returns (MarketView memory v) {
        v.marketId = marketId;
        v.config = marketConfig(marketId); // reverts on an unknown market
        v.name = marketName(marketId);
        v.state = marketState(marketId);
        try v.config.feed.latestPrice() returns (uint256 p, uint256 at) {
            v.priceWad = p;
            v.priceUpdatedAt = at;
            v.priceValid = at <= block.timestamp && block.timestamp - at <= v.config.maxPriceAgeSec;
        } catch {}
        v.skewUsd = int256(uint256(v.state.longOiUsd)) - int256(uint256(v.state.shortOiUsd));
        v.utilizationWad = utilization();
        v.borrowRateWad = borrowRate();
        // The state the next trade would see: the current price observed (a sample moves the estimator).
        if (v.priceValid) PerpRisk.observe(v.config, v.state, v.priceWad, v.priceUpdatedAt, block.timestamp);
        v.varianceWad = v.state.varianceWad;
        v.volatilityWad = RiskMath.horizonVolatilityDown(v.varianceWad, v.config.horizonSec);
        v.annualizedVolatilityWad = RiskMath.horizonVolatilityDown(v.varianceWad, 365 days);
        v.longRunVolatilityWad = RiskMath.horizonVolatilityDown(v.state.longVarianceWad, 365 days);
        v.maintenanceBaseWad = PerpRisk.maintenanceBaseUp(v.config, v.state, block.timestamp);
        v.marginTargetWad = v.state.marginTargetWad;
        if (v.priceValid) {
            (v.maintenanceMarginWad, v.initialMarginWad, v.maxLeverageWad) =
                marginRates(marketId, v.config.minCollateralUsd);
        }
    }

    /// @notice Every open position of `account`, valued now.
    function accountPositions(address account) external view returns (PositionView[] memory views) {
        uint256 n = marketCount();
        PositionView[] memory all = new PositionView[](2 * n);
        uint256 count;
        for (uint256 m; m < n; ++m) {
            for (uint256 side; side < 2; ++side) {
                PositionView memory v = positionView(account, m, side == 0);
                if (v.position.sizeUsd != 0) all[count++] = v;
            }
        }
        views = new PositionView[](count);
        for (uint256 i; i < count; ++i) {
            views[i] = all[i];
        }
    }

    /// @notice Full views of many positions at once (the analytics' top positions); one without size reports zeros
    ///         but its market and side. Reverts like `positionStatus` when a position's market has no valid price.
    function positionViews(IPerpEngine.PositionRef[] calldata refs)
        external
        view
        returns (PositionView[] memory views)
    {
        views = new PositionView[](refs.length);
        for (uint256 i; i < refs.length; ++i) {
            views[i] = positionView(refs[i].account, refs[i].marketId, refs[i].isLong);
        }
    }

    /// @notice A position with its status, entry price, leverage, liquidation price and distance to it, now.
    function positionView(address account, uint256 marketId, bool isLong) public view returns (PositionView memory v) {
        v.marketId = marketId;
        v.isLong = isLong;
        IPerpEngine.Position memory p = engine.position(account, marketId, isLong);
        if (p.sizeUsd == 0) return v;
        v.position = p;
        v.status = positionStatus(account, marketId, isLong);
        v.entryPriceWad = uint256(p.sizeUsd).mulDivDown(1e30, p.sizeTokens);
        v.liquidationPriceWad = liquidationPrice(p, isLong, v.status);
        (uint256 priceWad,) = marketConfig(marketId).feed.latestPrice();
        if (v.liquidationPriceWad == type(uint256).max) {
            v.distanceToLiquidationWad = -int256(WAD); // a long liquidatable at any price (past its cap price)
        } else {
            int256 gap = isLong
                ? int256(priceWad) - int256(v.liquidationPriceWad)
                : int256(v.liquidationPriceWad) - int256(priceWad);
            v.distanceToLiquidationWad = gap * int256(WAD) / int256(priceWad);
        }
        if (v.status.equityUsd > 0) {
            // on the notional margins are measured on (a short's tokens' value where larger: P-109)
            v.leverageWad = PositionMath.marginNotionalUp(isLong, p.sizeUsd, p.sizeTokens, priceWad)
                .mulDivUp(WAD, uint256(v.status.equityUsd));
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
            // Each status decodes its market's config and state into fresh memory; copied into the preallocated
            // element, that scratch is handed back, so a read costs the same per position however many it holds
            // (memory's quadratic price made 250 positions 71k each against 46k at 100, and 500 ran out of gas).
            uint256 scratch;
            assembly ("memory-safe") {
                scratch := mload(0x40)
            }
            IPerpEngine.PositionStatus memory s = positionStatus(refs[i].account, refs[i].marketId, refs[i].isLong);
            IPerpEngine.PositionStatus memory o = out[i];
            assembly ("memory-safe") {
                mcopy(o, s, 0xe0) // the struct's seven words
                mstore(0x40, scratch)
            }
        }
    }

    /// @notice The pool now: its NAV and bounds, cash, reserves, utilization, rates, bad debt and the products' shares.
    function poolView() external view returns (PoolView memory v) {
        IClearingCore.PoolState memory st = core.poolState();
        v.totalShares = pool.totalSupply();
        // A stale market with open interest leaves the NAV undefined (LP actions revert PriceTooOld naming it): the
        // view says so instead of reverting, so the app and the indexer keep the rest.
        try core.poolValueUsd() returns (uint256 nav) {
            v.navValid = true;
            v.navUsd = nav;
            (v.navLowUsd, v.navHighUsd) = core.poolValueBoundsUsd();
            v.sharePriceWad = pool.convertToAssets(1e12) * 1e12;
        } catch {
            uint256 n = marketCount();
            for (uint256 m; m < n; ++m) {
                IPerpEngine.MarketState memory ms = marketState(m);
                if (ms.longOiUsd + ms.shortOiUsd == 0) continue;
                IPerpEngine.MarketConfig memory cfg = marketConfig(m);
                try cfg.feed.latestPrice() returns (uint256, uint256 at) {
                    if (at <= block.timestamp && block.timestamp - at <= cfg.maxPriceAgeSec) continue;
                } catch {}
                v.staleMarkets |= 1 << m;
            }
        }
        v.poolCashUsd = st.poolCashUsd;
        v.totalCollateralUsd = st.totalCollateralUsd;
        v.reservedUsd = st.reservedUsd;
        v.freeLiquidityUsd = core.freeLiquidityUsd();
        v.utilizationWad = utilization();
        v.borrowRateWad = borrowRate();
        v.badDebtUsd = st.badDebtUsd;
        v.unvestedGainUsd = st.unvestedGainUsd;
        v.gainVestSec = core.GAIN_VEST_SEC();
        v.queuedShares = pool.queuedShares();
        (v.queueHead, v.queueTail) = pool.queueBounds();
        v.cooldownSec = pool.cooldownSec();
        v.maxUtilizationBps = core.poolConfig().maxUtilizationBps;
    }

    /// @notice `owner`'s unfilled withdrawal requests with the requests and shares ahead of each, scanning at most
    ///         `maxScan` requests from the queue's head (the app reads this from the chain, so the queue and its Cancel
    ///         buttons survive the indexer being down). `scannedAll` is false if the queue is longer than the scan.
    function withdrawalQueue(address owner, uint256 maxScan)
        external
        view
        returns (QueuedRequestView[] memory views, bool scannedAll)
    {
        (uint256 head, uint256 tail) = pool.queueBounds();
        uint256 end = tail - head > maxScan ? head + maxScan : tail;
        QueuedRequestView[] memory found = new QueuedRequestView[](end - head);
        uint256 count;
        uint256 aheadRequests;
        uint256 aheadShares;
        for (uint256 id = head; id < end; ++id) {
            ILiquidityPool.WithdrawalRequest memory r = pool.withdrawalRequest(id);
            if (r.shares == 0) continue; // cancelled (or filled) in place
            if (r.owner == owner) {
                found[count++] = QueuedRequestView(id, r.receiver, r.shares, r.requestedAt, aheadRequests, aheadShares);
            }
            ++aheadRequests;
            aheadShares += r.shares;
        }
        views = new QueuedRequestView[](count);
        for (uint256 i; i < count; ++i) {
            views[i] = found[i];
        }
        scannedAll = end == tail;
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
            s.maintenanceMarginWad,
            p.capBucket
        );
    }

    /// @notice Liquidation price of `account`'s position now.
    function positionLiquidationPrice(address account, uint256 marketId, bool isLong) external view returns (uint256) {
        return
            liquidationPrice(
                engine.position(account, marketId, isLong), isLong, positionStatus(account, marketId, isLong)
            );
    }

    // ------------------------------------------------------------ engine storage, decoded (extsload lens)

    /// @notice A market's risk parameters, read from the engine's ConfigStore data contract (its address is the
    ///         engine's CREATE address at the store nonce in slot 1). Reverts UnknownMarket past the listed markets.
    function marketConfig(uint256 marketId) public view returns (IPerpEngine.MarketConfig memory) {
        uint256 w = PerpState.totalsWord(engine);
        uint256 count = PerpState.marketCountOf(w);
        if (marketId >= count) revert IPerpEngine.UnknownMarket(marketId, count);
        return ConfigStore.readMarket(ConfigStore.createdAt(address(engine), PerpState.storeNonceOf(w)), marketId);
    }

    /// @notice How many markets the engine lists, decoded from its storage (slot 1, bits 160-167).
    function marketCount() public view returns (uint256) {
        return PerpState.marketCountOf(PerpState.totalsWord(engine));
    }

    /// @notice A market's name, decoded from the engine's storage (slot 3 mapping).
    function marketName(uint256 marketId) public view returns (bytes32) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = keccak256(abi.encode(marketId, uint256(3)));
        return engine.extsload(slots)[0];
    }

    /// @notice A market's accumulators with funding accrued to now, decoded from the engine's storage (slot 2 mapping:
    ///         words 0-4 and 6 of the market, layout in PerpState.MarketSlots). The estimator's fields are as stored (the
    ///         last sample); `market` and `observedState` add the current price.
    function marketState(uint256 marketId) public view returns (IPerpEngine.MarketState memory v) {
        IPerpEngine.MarketConfig memory cfg = marketConfig(marketId); // reverts on an unknown market
        uint256 base = uint256(keccak256(abi.encode(marketId, uint256(2))));
        bytes32[] memory slots = new bytes32[](6);
        for (uint256 i; i < 5; ++i) {
            slots[i] = bytes32(base + i);
        }
        slots[5] = bytes32(base + 6); // the funding withheld
        bytes32[] memory w = engine.extsload(slots);
        v.longOiUsd = uint128(uint64(uint256(w[0])));
        v.shortOiUsd = uint128(uint64(uint256(w[0]) >> 64));
        v.optionsSkewUsd = int256(int32(uint32(uint256(w[0]) >> 128))) * PerpState.OPTIONS_SKEW_UNIT;
        v.longTokens = uint128(uint112(uint256(w[1])));
        v.shortTokens = uint128(uint112(uint256(w[1]) >> 112));
        // the engine keeps the net sum less withheld x short OI (PerpState.MarketSlots): the view gives the sum itself
        v.netFundingSnapSum =
            int256(int144(uint144(uint256(w[2])))) + int256(uint256(uint80(uint256(w[5]))) * v.shortOiUsd);
        v.varianceWad = uint128(uint64(uint256(w[3])));
        v.lastPriceWad = uint128(uint96(uint256(w[3]) >> 64));
        v.lastPriceAt = uint64(uint32(uint256(w[3]) >> 160));
        v.lastSampleAt = uint64(uint32(uint256(w[3]) >> 192));
        v.longVarianceWad = uint128(uint64(uint256(w[4])));
        v.marginTargetWad = uint128(uint64(uint256(w[4]) >> 64));
        v.marginAnchorWad = uint128(uint64(uint256(w[4]) >> 128));
        v.marginAnchorAt = uint64(uint32(uint256(w[4]) >> 192));
        (int256 rateNow, int256 indexDelta, uint256 withheldDelta) = PerpState.fundingNow(uint256(w[0]), cfg);
        int256 index = int80(uint80(uint256(w[2]) >> 144)) + indexDelta;
        v.fundingIndexWad = int128(index);
        v.shortFundingIndexWad = int128(index - int256(uint256(uint80(uint256(w[5]))) + withheldDelta));
        v.fundingRateWad = int64(rateNow);
        v.lastFundingAt = uint64(block.timestamp);
        v.reservedUsd = uint128((uint256(v.longOiUsd) + v.shortOiUsd).bpsUp(cfg.maxProfitBps));
    }

    /// @notice Maintenance and initial margin rates and the max leverage (WAD) for a new position of `sizeUsd` now:
    ///         the engine's formula (PerpRisk) on the schedule, target, utilization and kink its next trade would use.
    function marginRates(uint256 marketId, uint256 sizeUsd)
        public
        view
        returns (uint256 maintenanceWad, uint256 initialWad, uint256 maxLeverageWad)
    {
        (IPerpEngine.MarketConfig memory cfg, IPerpEngine.MarketState memory st) = observedState(marketId);
        IClearingCore.Accrual memory a = core.accrualNow();
        (maintenanceWad, initialWad) = PerpRisk.marginRatesUp(
            cfg,
            sizeUsd,
            PerpRisk.maintenanceBaseUp(cfg, st, block.timestamp),
            st.marginTargetWad,
            a.utilizationWad,
            a.kinkWad
        );
        maxLeverageWad = WAD.mulDivDown(WAD, initialWad);
    }

    /// @notice The maintenance rate of a position of `sizeUsd` at each of `times` (unix seconds, now or later) if no
    ///         new volatility sample arrives: the schedule the engine applies (PerpRisk.maintenanceBaseUp), so the app
    ///         can show a position's maintenance and liquidation price over the next hours.
    function maintenanceSchedule(uint256 marketId, uint256 sizeUsd, uint256[] calldata times)
        external
        view
        returns (uint256[] memory maintenanceWad)
    {
        (IPerpEngine.MarketConfig memory cfg, IPerpEngine.MarketState memory st) = observedState(marketId);
        maintenanceWad = new uint256[](times.length);
        for (uint256 i; i < times.length; ++i) {
            uint256 at = times[i] > block.timestamp ? times[i] : block.timestamp;
            maintenanceWad[i] = RiskMath.maintenanceMarginUp(
                PerpRisk.maintenanceBaseUp(cfg, st, at), sizeUsd, cfg.sizeScaleUsd, cfg.sizeTermWad
            );
        }
    }

    /// @notice A market's config and its state after observing the current oracle price, as the next trade would
    ///         (PerpRisk.observe). Reverts on a stale or invalid price, like the engine.
    function observedState(uint256 marketId)
        public
        view
        returns (IPerpEngine.MarketConfig memory cfg, IPerpEngine.MarketState memory st)
    {
        cfg = marketConfig(marketId);
        (uint256 p, uint256 at) = _validPrice(marketId, cfg);
        st = marketState(marketId);
        PerpRisk.observe(cfg, st, p, at, block.timestamp);
    }

    /// @notice The skew that prices impact and drives funding (PerpState.netSkewUsd) of a decoded market state.
    function netSkewUsd(IPerpEngine.MarketState memory v) public pure returns (int256) {
        return int256(uint256(v.longOiUsd)) - int256(uint256(v.shortOiUsd)) + v.optionsSkewUsd;
    }

    /// @notice The engine's product totals (slot 1: borrow snapshot sum, store nonce, market count, active-market
    ///         mask, bad debt) with the borrow base summed over markets.
    function productTotals() public view returns (IPerpEngine.ProductTotals memory v) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = bytes32(uint256(1));
        uint256 w = uint256(engine.extsload(slots)[0]);
        v.sizeBorrowSnapSum = uint128(w);
        v.badDebtUsd = uint72(w >> 184);
        uint256 n = marketCount();
        for (uint256 m; m < n; ++m) {
            IPerpEngine.MarketState memory st = marketState(m);
            v.totalSizeUsd += uint256(st.longOiUsd) + st.shortOiUsd;
        }
    }

    /// @notice Value, fees, equity and liquidation status of a position at the current oracle price, accrued to now:
    ///         PerpRisk.statusOf, the rule the engine's liquidations apply. Reverts on a stale price, like the engine.
    function positionStatus(address account, uint256 marketId, bool isLong)
        public
        view
        returns (IPerpEngine.PositionStatus memory s)
    {
        IPerpEngine.Position memory p = engine.position(account, marketId, isLong);
        if (p.sizeUsd == 0) return s;
        (IPerpEngine.MarketConfig memory cfg, IPerpEngine.MarketState memory st) = observedState(marketId);
        (uint256 priceWad,) = cfg.feed.latestPrice();
        IClearingCore.Accrual memory a = core.accrualNow();
        s = PerpRisk.statusOf(
            cfg,
            p,
            PerpRisk.Mark({
                isLong: isLong,
                priceWad: priceWad,
                maintenanceBaseWad: PerpRisk.maintenanceBaseUp(cfg, st, block.timestamp),
                borrowIndexWad: a.borrowIndexWad,
                fundingIndexWad: isLong ? st.fundingIndexWad : st.shortFundingIndexWad
            })
        );
    }

    /// @notice Variance per second (WAD) the engine would use now, including the latest oracle price (reverts on a
    ///         stale or invalid price, like the engine).
    function varianceWad(uint256 marketId) external view returns (uint256) {
        (, IPerpEngine.MarketState memory st) = observedState(marketId);
        return st.varianceWad;
    }

    // ------------------------------------------------------------ pool

    /// @notice reserved / pool cash, WAD (the core's RiskMath.utilizationUp).
    function utilization() public view returns (uint256) {
        return core.utilizationWad();
    }

    /// @notice Borrow rate per second at the current utilization (what the core's next accrual applies).
    function borrowRate() public view returns (uint256) {
        return core.accrualNow().borrowRateWad;
    }

    // ------------------------------------------------------------ internal

    /// @dev The feed's price, refused when older than the market's limit (the engine's rule).
    function _validPrice(uint256 marketId, IPerpEngine.MarketConfig memory cfg)
        internal
        view
        returns (uint256 priceWad, uint256 at)
    {
        (priceWad, at) = cfg.feed.latestPrice();
        if (at > block.timestamp || block.timestamp - at > cfg.maxPriceAgeSec) {
            revert IPerpEngine.PriceTooOld(marketId, at, block.timestamp, cfg.maxPriceAgeSec);
        }
    }
}
