// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IPriceFeed} from "../oracles/IPriceFeed.sol";
import {PriceUpdateRouter} from "../periphery/PriceUpdateRouter.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title PerpEngine
/// @notice Counterpool's clearing core. Holds every token (LP cash and trader collateral) under internal accounting,
///         runs the perpetual markets against the pool, prices risk from on-chain volatility and utilization, and
///         liquidates. LP shares live in the LiquidityPool vault, the only caller of the liquidity hooks.
/// @dev All accrual is O(1) per action: a pool-wide borrow index (utilization is pool-wide) and a per-market funding
///      index, with running sums of size x snapshot (pool-wide for borrow, one net sum per market for funding) so
///      pending fees and trader PnL never need a loop over positions.
///      Gas layout: risk parameters live in a ConfigStore data contract (one EXTCODECOPY per action instead of a dozen
///      cold SLOADs); pool accounting is packed in three slots, each market in four, each position in two. The
///      narrower integers are safe because ConfigValidation bounds open interest to 1e12 USD per side and every
///      write goes through SafeCast.
contract PerpEngine is IPerpEngine, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using MathLib for uint256;
    using SafeCast for uint256;
    using SafeCast for int256;

    // ------------------------------------------------------------ constants & immutables

    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    uint256 internal constant MAX_MARKETS = 16;
    uint256 internal constant WAD = 1e18;

    IERC20 internal immutable token;
    /// @inheritdoc IPerpEngine
    address public immutable router;
    /// @inheritdoc IPerpEngine
    address public immutable vault;

    // ------------------------------------------------------------ storage

    /// @dev Pool accounting in three slots: (cash, reserved, collateral, lastBorrowAt), (borrow index, Σ size x
    ///      borrow snapshot), bad debt. Total size is not stored: it is the markets' open interest.
    struct PoolSlots {
        uint80 poolCashUsd;
        uint80 reservedUsd;
        uint64 totalCollateralUsd;
        uint32 lastBorrowAt;
        uint96 borrowIndexWad;
        uint160 sizeBorrowSnapSum;
        uint256 badDebtUsd;
    }

    /// @dev One market in four slots; the NAV reads the first three. The market's reserve is not stored: it is
    ///      (long + short OI) x maxProfitBps. Only the net of the per-side funding snapshot sums is kept (the NAV
    ///      needs nothing else), next to the index it is measured against.
    ///      Token sums are 112-bit (5.2e15 whole index tokens per side; an open beyond that reverts in SafeCast).
    ///      The volatility estimator's inputs saturate instead of reverting, so no price can block a liquidation:
    ///      variance at 2^64 - 1 (far above the level where maintenance hits its 50% ceiling) and the last price at
    ///      2^96 - 1 (7.9e10 USD per index token).
    struct MarketSlots {
        uint80 longOiUsd;
        uint80 shortOiUsd;
        int64 fundingRateWad;
        uint32 lastFundingAt;
        uint112 longTokens;
        uint112 shortTokens;
        uint32 lastPriceAt;
        int160 netFundingSnapSum; // sum over longs - sum over shorts of sizeUsd x funding snapshot (USD x WAD)
        int96 fundingIndexWad;
        uint64 varianceWad;
        uint96 lastPriceWad;
    }

    /// @dev Shares a slot with Pausable's flag: one cold read answers "paused?", "which config?" and "how many markets?".
    address internal configStore;
    uint8 internal marketCount_;
    PoolSlots internal poolSt;
    mapping(uint256 marketId => MarketSlots) internal markets;
    mapping(uint256 marketId => bytes32) internal names;
    mapping(bytes32 key => Position) internal positions;

    /// @dev Working values of one trade, kept in memory to stay clear of the stack limit.
    struct Trade {
        address account;
        uint256 marketId;
        bool isLong;
        MarketConfig cfg;
        PoolConfig pool;
        uint256 priceWad;
        uint256 borrowIndexWad;
        int256 fundingIndexWad;
        uint256 borrowFeeUsd;
        int256 fundingFeeUsd;
        int256 impactUsd;
        uint256 feeUsd;
        uint256 executionPriceWad;
        uint256 varianceWad; // volatility estimate after observing this price
        int256 collateralUsd; // running collateral while the trade is applied
        int256 realizedPnlUsd;
        uint256 sizeUsd; // size after the trade
    }

    // ------------------------------------------------------------ constructor

    /// @param vault_ the LP vault, deployed next (its address is known in advance; the vault checks it is the one).
    constructor(IERC20 token_, address admin, PoolConfig memory cfg, address vault_) {
        token = token_;
        vault = vault_;
        router = address(new PriceUpdateRouter());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        configStore = ConfigStore.writePool(address(0), 0, cfg);
        poolSt.borrowIndexWad = uint96(WAD);
        poolSt.lastBorrowAt = uint32(block.timestamp);
        emit PoolConfigUpdated(cfg);
    }

    // ------------------------------------------------------------ modifiers

    modifier onlyVault() {
        _requireVault();
        _;
    }

    modifier knownMarket(uint256 marketId) {
        _requireMarket(marketId);
        _;
    }

    // ------------------------------------------------------------ admin

    /// @notice Lists a new market.
    function addMarket(bytes32 name, MarketConfig calldata cfg)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 marketId)
    {
        marketId = marketCount_;
        if (marketId >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        configStore = ConfigStore.writeMarket(configStore, marketId, marketId, cfg);
        marketCount_ = uint8(marketId + 1);
        names[marketId] = name;
        MarketSlots storage st = markets[marketId];
        // The funding index starts at 1e18, like the borrow index: fees only use index differences, and a nonzero
        // origin keeps the snapshot sum's slot nonzero (no 20k zero-to-nonzero writes).
        st.fundingIndexWad = int96(int256(WAD));
        st.lastFundingAt = uint32(block.timestamp);
        st.varianceWad = cfg.initialVarianceWad;
        emit MarketAdded(marketId, name);
        emit MarketConfigUpdated(marketId, cfg);
    }

    /// @notice Updates a market's risk parameters within hard bounds; open positions follow the new values.
    function setMarketConfig(uint256 marketId, MarketConfig calldata cfg)
        external
        onlyRole(RISK_ROLE)
        knownMarket(marketId)
        nonReentrant
    {
        address store = configStore;
        MarketConfig memory old = ConfigStore.readMarket(store, marketId);
        _accrueBorrow(ConfigStore.readPool(store));
        _accrueFunding(marketId, old);
        configStore = ConfigStore.writeMarket(store, marketCount_, marketId, cfg);
        MarketSlots storage st = markets[marketId];
        uint256 oi = uint256(st.longOiUsd) + st.shortOiUsd;
        _moveReserve(oi.bpsUp(old.maxProfitBps), oi.bpsUp(cfg.maxProfitBps));
        emit MarketConfigUpdated(marketId, cfg);
    }

    /// @notice Updates the borrow curve, the utilization limit and the keeper share within hard bounds.
    function setPoolConfig(PoolConfig calldata cfg) external onlyRole(RISK_ROLE) nonReentrant {
        address store = configStore;
        _accrueBorrow(ConfigStore.readPool(store));
        configStore = ConfigStore.writePool(store, marketCount_, cfg);
        emit PoolConfigUpdated(cfg);
    }

    /// @notice Stops new risk (opening or increasing size). Exits, collateral top-ups and liquidations continue.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------ traders

    /// @inheritdoc IPerpEngine
    function increasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralDeltaUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external knownMarket(marketId) nonReentrant {
        if (sizeDeltaUsd > 0) _requireNotPaused();
        if (sizeDeltaUsd == 0 && collateralDeltaUsd == 0) revert ZeroAmount();
        Trade memory t = _beginTrade(marketId, isLong);
        t.account = _sender();
        Position storage pos = positions[_key(t.account, marketId, isLong)];
        uint256 oldSize = pos.sizeUsd;
        if (oldSize == 0 && sizeDeltaUsd == 0) revert NoPosition(t.account, marketId, isLong); // collateral needs one
        uint256 oldCollateral = pos.collateralUsd;
        _settleFees(t, pos);
        t.collateralUsd += int256(collateralDeltaUsd);

        uint256 addTokens = sizeDeltaUsd > 0 ? _applyOpen(t, sizeDeltaUsd, acceptablePriceWad) : 0;
        if (t.collateralUsd < 0) revert InsufficientMargin(t.collateralUsd, 0);

        t.sizeUsd = oldSize + sizeDeltaUsd;
        uint256 newTokens = uint256(pos.sizeTokens) + addTokens;
        _replacePosition(t, pos, oldSize, newTokens);
        _settleCash(oldCollateral, collateralDeltaUsd, uint256(t.collateralUsd), 0);

        if (sizeDeltaUsd > 0) {
            _checkOpenInterest(t);
            _checkInitialMargin(t, newTokens);
            _checkSolvency(t.pool);
        }

        if (collateralDeltaUsd > 0) token.safeTransferFrom(t.account, address(this), collateralDeltaUsd);
        _emitTrade(t, true, sizeDeltaUsd, collateralDeltaUsd);
    }

    /// @inheritdoc IPerpEngine
    function decreasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralOutUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external knownMarket(marketId) nonReentrant {
        if (sizeDeltaUsd == 0 && collateralOutUsd == 0) revert ZeroAmount();
        address account = _sender();
        Position storage pos = positions[_key(account, marketId, isLong)];
        uint256 oldSize = pos.sizeUsd;
        if (oldSize == 0) revert NoPosition(account, marketId, isLong);
        if (sizeDeltaUsd > oldSize) revert SizeDeltaTooLarge(sizeDeltaUsd, oldSize);
        Trade memory t = _beginTrade(marketId, isLong);
        t.account = account;
        uint256 oldCollateral = pos.collateralUsd;
        _settleFees(t, pos);

        uint256 oldTokens = pos.sizeTokens;
        uint256 closedTokens =
            sizeDeltaUsd > 0 ? _applyClose(t, oldSize, oldTokens, sizeDeltaUsd, acceptablePriceWad) : 0;

        t.sizeUsd = oldSize - sizeDeltaUsd;
        uint256 paidOut;
        if (t.sizeUsd == 0) {
            // Full close: everything left goes to the trader; a shortfall is bad debt the pool absorbs.
            if (t.collateralUsd < 0) _recordBadDebt(account, marketId, uint256(-t.collateralUsd));
            paidOut = t.collateralUsd > 0 ? uint256(t.collateralUsd) : 0;
            t.collateralUsd = 0;
        } else {
            if (collateralOutUsd > 0 && int256(collateralOutUsd) > t.collateralUsd) {
                revert CollateralDeltaTooLarge(collateralOutUsd, t.collateralUsd > 0 ? uint256(t.collateralUsd) : 0);
            }
            paidOut = collateralOutUsd;
            t.collateralUsd -= int256(collateralOutUsd);
            if (t.collateralUsd < 0) revert InsufficientMargin(t.collateralUsd, 0);
        }

        _replacePosition(t, pos, oldSize, oldTokens - closedTokens);
        _settleCash(oldCollateral, 0, uint256(t.collateralUsd), paidOut);

        if (t.sizeUsd > 0) {
            if (collateralOutUsd > 0) _checkInitialMargin(t, oldTokens - closedTokens);
            else _checkMaintenance(t, oldTokens - closedTokens);
        }

        if (paidOut > 0) token.safeTransfer(account, paidOut);
        _emitTrade(t, false, sizeDeltaUsd, paidOut);
    }

    // ------------------------------------------------------------ keepers

    /// @inheritdoc IPerpEngine
    function liquidate(address account, uint256 marketId, bool isLong)
        external
        knownMarket(marketId)
        nonReentrant
        returns (uint256 keeperRewardUsd)
    {
        Trade memory t = _beginTrade(marketId, isLong);
        bool done;
        (done, keeperRewardUsd) = _liquidate(t, account, true);
        if (keeperRewardUsd > 0) token.safeTransfer(_sender(), keeperRewardUsd);
    }

    /// @inheritdoc IPerpEngine
    function liquidateBatch(PositionRef[] calldata refs)
        external
        nonReentrant
        returns (uint256 liquidated, uint256 keeperRewardUsd)
    {
        uint256 lastMarket = type(uint256).max;
        Trade memory t;
        for (uint256 i; i < refs.length; ++i) {
            PositionRef calldata r = refs[i];
            _requireMarket(r.marketId);
            if (r.marketId != lastMarket || r.isLong != t.isLong) {
                t = _beginTrade(r.marketId, r.isLong);
                lastMarket = r.marketId;
            }
            (bool done, uint256 reward) = _liquidate(t, r.account, false);
            if (done) {
                ++liquidated;
                keeperRewardUsd += reward;
            }
        }
        if (keeperRewardUsd > 0) token.safeTransfer(_sender(), keeperRewardUsd);
    }

    /// @inheritdoc IPerpEngine
    function poke(uint256 marketId) external knownMarket(marketId) nonReentrant {
        _beginTrade(marketId, true);
    }

    // ------------------------------------------------------------ vault hooks

    /// @inheritdoc IPerpEngine
    /// @dev The vault has already moved `amountUsd` tokens to this contract. The NAV is taken after the borrow
    ///      accrual (which the new cash would otherwise reprice) and before the cash is added.
    function depositLiquidity(uint256 amountUsd) external onlyVault nonReentrant returns (uint256 navBeforeUsd) {
        (uint256 borrowIndex,,) = _accrueBorrow(ConfigStore.readPool(configStore));
        navBeforeUsd = _poolValue(borrowIndex);
        poolSt.poolCashUsd = (poolSt.poolCashUsd + amountUsd).toUint80();
    }

    /// @inheritdoc IPerpEngine
    function withdrawLiquidity(address to, uint256 amountUsd) external onlyVault nonReentrant {
        PoolConfig memory pc = ConfigStore.readPool(configStore);
        _accrueBorrow(pc);
        uint256 free = _freeLiquidity(pc);
        if (amountUsd > free) revert WithdrawalExceedsFreeLiquidity(amountUsd, free);
        poolSt.poolCashUsd = uint80(poolSt.poolCashUsd - amountUsd);
        token.safeTransfer(to, amountUsd);
    }

    // ------------------------------------------------------------ internal: trade lifecycle

    /// @dev Loads the configs, reads and validates the price, feeds the volatility estimator, accrues both indices.
    function _beginTrade(uint256 marketId, bool isLong) internal returns (Trade memory t) {
        t.marketId = marketId;
        t.isLong = isLong;
        address store = configStore;
        t.cfg = ConfigStore.readMarket(store, marketId);
        t.pool = ConfigStore.readPool(store);
        MarketSlots storage st = markets[marketId];
        uint256 updatedAt;
        (t.priceWad, updatedAt) = _validatedPrice(marketId, t.cfg);
        uint256 lastAt = st.lastPriceAt;
        t.varianceWad = _varianceAt(st, t.cfg, t.priceWad, updatedAt);
        if (updatedAt > lastAt) {
            if (lastAt != 0) {
                st.varianceWad = uint64(t.varianceWad);
                emit VolatilityUpdated(marketId, t.priceWad, t.varianceWad, updatedAt);
            }
            st.lastPriceWad = uint96(MathLib.min(t.priceWad, type(uint96).max));
            st.lastPriceAt = uint32(updatedAt);
        }
        (uint256 borrowIndex, uint256 borrowRate, uint256 utilization) = _accrueBorrow(t.pool);
        t.borrowIndexWad = borrowIndex;
        (int256 fundingIndex, int256 fundingRate, bool moved) = _accrueFunding(marketId, t.cfg);
        t.fundingIndexWad = fundingIndex;
        if (moved) emit Accrued(marketId, borrowIndex, borrowRate, fundingIndex, fundingRate, utilization);
    }

    /// @dev Prices the opening part of a trade (impact, fee, slippage check); returns the index tokens bought/sold.
    function _applyOpen(Trade memory t, uint256 sizeDeltaUsd, uint256 acceptablePriceWad)
        internal
        view
        returns (uint256 addTokens)
    {
        MarketSlots storage st = markets[t.marketId];
        int256 skew = int256(uint256(st.longOiUsd)) - int256(uint256(st.shortOiUsd));
        int256 delta = t.isLong ? int256(sizeDeltaUsd) : -int256(sizeDeltaUsd);
        t.impactUsd = RiskMath.impactCostUsd(skew, skew + delta, t.cfg.impactScaleUsd, t.cfg.positiveImpactBps);
        t.feeUsd = sizeDeltaUsd.bpsUp(t.cfg.openFeeBps);
        t.executionPriceWad = PositionMath.executionPriceWad(t.priceWad, sizeDeltaUsd, t.impactUsd, t.isLong);
        _checkAcceptable(t.executionPriceWad, acceptablePriceWad, t.isLong);
        t.collateralUsd -= t.impactUsd + int256(t.feeUsd);
        addTokens = PositionMath.sizeTokensFor(t.isLong, sizeDeltaUsd, t.priceWad);
    }

    /// @dev Prices the closing part of a trade: realized (capped) PnL, impact, fee, slippage check.
    function _applyClose(
        Trade memory t,
        uint256 oldSize,
        uint256 oldTokens,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) internal view returns (uint256 closedTokens) {
        MarketSlots storage st = markets[t.marketId];
        if (sizeDeltaUsd == oldSize) {
            closedTokens = oldTokens;
        } else {
            closedTokens =
                t.isLong ? oldTokens.mulDivDown(sizeDeltaUsd, oldSize) : oldTokens.mulDivUp(sizeDeltaUsd, oldSize);
        }
        t.realizedPnlUsd =
            PositionMath.cappedPnlUsd(t.isLong, sizeDeltaUsd, closedTokens, t.priceWad, t.cfg.maxProfitBps);
        int256 skew = int256(uint256(st.longOiUsd)) - int256(uint256(st.shortOiUsd));
        int256 delta = t.isLong ? -int256(sizeDeltaUsd) : int256(sizeDeltaUsd);
        t.impactUsd = RiskMath.impactCostUsd(skew, skew + delta, t.cfg.impactScaleUsd, t.cfg.positiveImpactBps);
        t.feeUsd = sizeDeltaUsd.bpsUp(t.cfg.closeFeeBps);
        t.executionPriceWad = PositionMath.executionPriceWad(t.priceWad, sizeDeltaUsd, t.impactUsd, !t.isLong);
        _checkAcceptable(t.executionPriceWad, acceptablePriceWad, !t.isLong);
        t.collateralUsd += t.realizedPnlUsd - t.impactUsd - int256(t.feeUsd);
    }

    function _emitTrade(Trade memory t, bool increased, uint256 sizeDeltaUsd, uint256 collateralDeltaUsd) internal {
        TradeResult memory r = TradeResult({
            sizeDeltaUsd: sizeDeltaUsd,
            collateralDeltaUsd: collateralDeltaUsd,
            priceWad: t.priceWad,
            executionPriceWad: t.executionPriceWad,
            impactUsd: t.impactUsd,
            feeUsd: t.feeUsd,
            borrowFeeUsd: t.borrowFeeUsd,
            fundingFeeUsd: t.fundingFeeUsd,
            realizedPnlUsd: t.realizedPnlUsd,
            sizeUsd: t.sizeUsd,
            collateralUsd: uint256(t.collateralUsd)
        });
        if (increased) emit PositionIncreased(t.account, t.marketId, t.isLong, r);
        else emit PositionDecreased(t.account, t.marketId, t.isLong, r);
    }

    /// @dev Moves the fees owed since the position's snapshots into the trade's running collateral.
    function _settleFees(Trade memory t, Position storage pos) internal view {
        uint256 size = pos.sizeUsd;
        t.collateralUsd = int256(uint256(pos.collateralUsd));
        if (size == 0) return;
        t.borrowFeeUsd = PositionMath.borrowFeeUp(size, t.borrowIndexWad, pos.borrowSnapWad);
        t.fundingFeeUsd = PositionMath.fundingFeeUp(t.isLong, size, t.fundingIndexWad, pos.fundingSnapWad);
        t.collateralUsd -= int256(t.borrowFeeUsd) + t.fundingFeeUsd;
    }

    /// @dev Swaps a position's contribution to every aggregate for its new one (snapshots reset to current indices).
    function _replacePosition(Trade memory t, Position storage pos, uint256 oldSize, uint256 newTokens) internal {
        uint256 newSize = t.sizeUsd;
        MarketSlots storage st = markets[t.marketId];
        uint256 oldOi = uint256(st.longOiUsd) + st.shortOiUsd;
        uint256 oldTokens = pos.sizeTokens;
        int256 oldFundingWeight = int256(oldSize) * pos.fundingSnapWad;
        int256 newFundingWeight = int256(newSize) * t.fundingIndexWad;
        if (t.isLong) {
            st.longOiUsd = (st.longOiUsd + newSize - oldSize).toUint80();
            st.longTokens = (st.longTokens + newTokens - oldTokens).toUint112();
            st.netFundingSnapSum = (st.netFundingSnapSum + newFundingWeight - oldFundingWeight).toInt160();
        } else {
            st.shortOiUsd = (st.shortOiUsd + newSize - oldSize).toUint80();
            st.shortTokens = (st.shortTokens + newTokens - oldTokens).toUint112();
            st.netFundingSnapSum = (st.netFundingSnapSum - newFundingWeight + oldFundingWeight).toInt160();
        }
        poolSt.sizeBorrowSnapSum =
            (poolSt.sizeBorrowSnapSum + newSize * t.borrowIndexWad - oldSize * uint256(pos.borrowSnapWad)).toUint160();
        if (newSize != oldSize) {
            uint256 maxProfitBps = t.cfg.maxProfitBps;
            _moveReserve(oldOi.bpsUp(maxProfitBps), (oldOi + newSize - oldSize).bpsUp(maxProfitBps));
        }

        if (newSize == 0) {
            delete positions[_key(t.account, t.marketId, t.isLong)];
            return;
        }
        pos.sizeUsd = newSize.toUint64();
        pos.collateralUsd = uint256(t.collateralUsd).toUint64();
        pos.sizeTokens = newTokens.toUint128();
        pos.borrowSnapWad = uint128(t.borrowIndexWad);
        pos.fundingSnapWad = int128(t.fundingIndexWad);
    }

    /// @dev One rule for every cash movement: the pool's cash changes by what the trader's collateral and the tokens
    ///      moved in or out do not explain. Keeps balance == pool cash + collateral exactly.
    function _settleCash(uint256 collateralBefore, uint256 inflowUsd, uint256 collateralAfter, uint256 outflowUsd)
        internal
    {
        uint256 poolCash = poolSt.poolCashUsd;
        int256 cash = int256(poolCash) + int256(collateralBefore) + int256(inflowUsd) - int256(collateralAfter)
            - int256(outflowUsd);
        if (cash < 0) revert PoolCashShortfall(uint256(-cash) + poolCash, poolCash);
        poolSt.poolCashUsd = uint256(cash).toUint80();
        poolSt.totalCollateralUsd = (poolSt.totalCollateralUsd + collateralAfter - collateralBefore).toUint64();
    }

    /// @dev Liquidates `account`'s position on `t`'s market and side if eligible. `strict` reverts when it is not.
    function _liquidate(Trade memory t, address account, bool strict) internal returns (bool, uint256) {
        bytes32 key = _key(account, t.marketId, t.isLong);
        Position storage pos = positions[key];
        uint256 size = pos.sizeUsd;
        if (size == 0) {
            if (strict) revert NoPosition(account, t.marketId, t.isLong);
            return (false, 0);
        }
        PositionStatus memory s = _status(t, pos);
        if (!s.liquidatable) {
            if (strict) revert NotLiquidatable(s.equityUsd, s.maintenanceUsd);
            return (false, 0);
        }
        uint256 collateral = pos.collateralUsd;
        uint256 keeperReward =
            MathLib.min(size.bpsUp(t.cfg.liquidationFeeBps).bpsDown(t.pool.keeperShareBps), collateral);
        _removeFromAggregates(t, pos, size);
        delete positions[key];
        _settleCash(collateral, 0, 0, keeperReward);
        uint256 badDebt = s.equityUsd < 0 ? uint256(-s.equityUsd) : 0;
        if (badDebt > 0) _recordBadDebt(account, t.marketId, badDebt);
        _emitLiquidated(t, account, s, size, collateral, keeperReward, badDebt);
        return (true, keeperReward);
    }

    function _emitLiquidated(
        Trade memory t,
        address account,
        PositionStatus memory s,
        uint256 size,
        uint256 collateral,
        uint256 keeperReward,
        uint256 badDebt
    ) internal {
        LiquidationResult memory r = LiquidationResult({
            keeper: _sender(),
            priceWad: t.priceWad,
            sizeUsd: size,
            collateralUsd: collateral,
            pnlUsd: s.pnlUsd,
            equityUsd: s.equityUsd,
            keeperRewardUsd: keeperReward,
            poolGainUsd: collateral - keeperReward,
            badDebtUsd: badDebt
        });
        emit PositionLiquidated(account, t.marketId, t.isLong, r);
    }

    /// @dev Takes a liquidated position out of every aggregate (a close at the oracle price, without impact).
    function _removeFromAggregates(Trade memory t, Position storage pos, uint256 size) internal {
        MarketSlots storage st = markets[t.marketId];
        uint256 oldOi = uint256(st.longOiUsd) + st.shortOiUsd;
        uint112 tokens = uint112(pos.sizeTokens);
        int256 fundingWeight = int256(size) * pos.fundingSnapWad;
        if (t.isLong) {
            st.longOiUsd -= uint80(size);
            st.longTokens -= tokens;
            st.netFundingSnapSum = (st.netFundingSnapSum - fundingWeight).toInt160();
        } else {
            st.shortOiUsd -= uint80(size);
            st.shortTokens -= tokens;
            st.netFundingSnapSum = (st.netFundingSnapSum + fundingWeight).toInt160();
        }
        poolSt.sizeBorrowSnapSum -= uint160(size * uint256(pos.borrowSnapWad));
        uint256 maxProfitBps = t.cfg.maxProfitBps;
        _moveReserve(oldOi.bpsUp(maxProfitBps), (oldOi - size).bpsUp(maxProfitBps));
    }

    /// @dev A market's reserve is a function of its open interest; the pool keeps the sum.
    function _moveReserve(uint256 oldReserveUsd, uint256 newReserveUsd) internal {
        poolSt.reservedUsd = (poolSt.reservedUsd + newReserveUsd - oldReserveUsd).toUint80();
    }

    function _recordBadDebt(address account, uint256 marketId, uint256 amountUsd) internal {
        uint256 total = poolSt.badDebtUsd + amountUsd;
        poolSt.badDebtUsd = total;
        emit BadDebt(account, marketId, amountUsd, total);
    }

    // ------------------------------------------------------------ internal: accrual

    function _accrueBorrow(PoolConfig memory pc) internal returns (uint256 indexWad, uint256 rateWad, uint256 util) {
        util = _utilization();
        rateWad = _borrowRate(pc, util);
        indexWad = poolSt.borrowIndexWad;
        uint256 elapsed = block.timestamp - poolSt.lastBorrowAt;
        if (elapsed > 0) {
            indexWad += rateWad * elapsed;
            poolSt.borrowIndexWad = indexWad.toUint96();
            poolSt.lastBorrowAt = uint32(block.timestamp);
        }
    }

    function _accrueFunding(uint256 marketId, MarketConfig memory cfg)
        internal
        returns (int256 indexWad, int256 rateWad, bool moved)
    {
        MarketSlots storage st = markets[marketId];
        if (st.lastFundingAt == block.timestamp) return (st.fundingIndexWad, st.fundingRateWad, false);
        (indexWad, rateWad) = _currentFunding(st, cfg);
        st.fundingIndexWad = indexWad.toInt96();
        st.fundingRateWad = rateWad.toInt64();
        st.lastFundingAt = uint32(block.timestamp);
        return (indexWad, rateWad, true);
    }

    // ------------------------------------------------------------ internal: checks

    function _validatedPrice(uint256 marketId, MarketConfig memory cfg)
        internal
        view
        returns (uint256 priceWad, uint256 updatedAt)
    {
        // IPriceFeed.latestPrice() without the high-level call's memory and decoding overhead (it runs once per
        // market with open interest on every NAV read): the feed's revert data is bubbled unchanged, and an answer
        // shorter than two words reverts like a failed decode would.
        address feed = address(cfg.feed);
        bytes4 selector = IPriceFeed.latestPrice.selector;
        assembly ("memory-safe") {
            mstore(0, selector)
            if iszero(staticcall(gas(), feed, 0, 4, 0, 64)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            if lt(returndatasize(), 64) { revert(0, 0) }
            priceWad := mload(0)
            updatedAt := mload(32)
        }
        uint256 maxAge = cfg.maxPriceAgeSec;
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxAge) {
            revert PriceTooOld(marketId, updatedAt, block.timestamp, maxAge);
        }
    }

    function _checkAcceptable(uint256 executionPriceWad, uint256 acceptablePriceWad, bool buying) internal pure {
        if (buying ? executionPriceWad > acceptablePriceWad : executionPriceWad < acceptablePriceWad) {
            revert SlippageExceeded(executionPriceWad, acceptablePriceWad);
        }
    }

    /// @dev Initial margin on the worst of (PnL, 0): unrealized profit never backs new risk.
    function _checkInitialMargin(Trade memory t, uint256 tokens) internal view {
        uint256 size = t.sizeUsd;
        uint256 collateral = uint256(t.collateralUsd);
        uint256 minCollateral = t.cfg.minCollateralUsd;
        if (collateral < minCollateral) revert CollateralBelowMinimum(collateral, minCollateral);
        int256 pnl = PositionMath.pnlUsd(t.isLong, size, tokens, t.priceWad);
        int256 equity = t.collateralUsd + (pnl < 0 ? pnl : int256(0));
        (, uint256 imr) = _marginRates(t.cfg, t.pool, size, t.varianceWad);
        if (equity <= 0) revert InsufficientMargin(equity, size.mulDivUp(imr, WAD));
        uint256 leverageWad = size.mulDivUp(WAD, uint256(equity));
        uint256 maxLeverageWad = WAD.mulDivDown(WAD, imr);
        if (leverageWad > maxLeverageWad) revert LeverageTooHigh(leverageWad, maxLeverageWad);
    }

    function _checkMaintenance(Trade memory t, uint256 tokens) internal view {
        uint256 size = t.sizeUsd;
        uint256 collateral = uint256(t.collateralUsd);
        uint256 minCollateral = t.cfg.minCollateralUsd;
        if (collateral < minCollateral) revert CollateralBelowMinimum(collateral, minCollateral);
        int256 equity =
            t.collateralUsd + PositionMath.cappedPnlUsd(t.isLong, size, tokens, t.priceWad, t.cfg.maxProfitBps);
        (uint256 mmr,) = _marginRates(t.cfg, t.pool, size, t.varianceWad);
        uint256 required = size.mulDivUp(mmr, WAD);
        if (equity < int256(required)) revert InsufficientMargin(equity, required);
    }

    function _checkOpenInterest(Trade memory t) internal view {
        MarketSlots storage st = markets[t.marketId];
        uint256 oi = t.isLong ? st.longOiUsd : st.shortOiUsd;
        uint256 cap = t.isLong ? t.cfg.maxLongOiUsd : t.cfg.maxShortOiUsd;
        if (oi > cap) revert OpenInterestCapExceeded(t.marketId, t.isLong, oi, cap);
    }

    function _checkSolvency(PoolConfig memory pc) internal view {
        uint256 reserved = poolSt.reservedUsd;
        uint256 maxReservable = uint256(poolSt.poolCashUsd).bpsDown(pc.maxUtilizationBps);
        if (reserved > maxReservable) revert InsufficientLiquidity(reserved, maxReservable);
    }

    // ------------------------------------------------------------ internal: views

    /// @dev The variance after observing `priceWad` published at `updatedAt` (unchanged if not newer), saturated to
    ///      its 64-bit storage.
    function _varianceAt(MarketSlots storage st, MarketConfig memory cfg, uint256 priceWad, uint256 updatedAt)
        internal
        view
        returns (uint256)
    {
        uint256 lastAt = st.lastPriceAt;
        if (updatedAt <= lastAt || lastAt == 0) return st.varianceWad;
        uint256 v =
            RiskMath.nextVarianceUp(st.varianceWad, st.lastPriceWad, priceWad, updatedAt - lastAt, cfg.volTauSec);
        return MathLib.min(v, type(uint64).max);
    }

    /// @dev The trader or keeper: the caller, or the account the PriceUpdateRouter appends to its forwarded call
    ///      (ERC-2771 style; the router forwards increasePosition, decreasePosition and liquidateBatch, always for its
    ///      own caller, so a keeper using it is named in PositionLiquidated and paid directly).
    function _sender() internal view returns (address account) {
        if (msg.sender != router) return msg.sender;
        assembly ("memory-safe") {
            account := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }

    function _requireVault() internal view {
        if (msg.sender != vault) revert NotVault(msg.sender);
    }

    function _requireMarket(uint256 marketId) internal view {
        uint256 count = marketCount_;
        if (marketId >= count) revert UnknownMarket(marketId, count);
    }

    function _key(address account, uint256 marketId, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(account, marketId, isLong));
    }

    function _utilization() internal view returns (uint256) {
        uint256 reserved = poolSt.reservedUsd;
        if (reserved == 0) return 0;
        uint256 cash = poolSt.poolCashUsd;
        if (cash == 0) return WAD;
        return reserved.mulDivUp(WAD, cash);
    }

    function _borrowRate(PoolConfig memory pc, uint256 utilization) internal pure returns (uint256) {
        return RiskMath.borrowRateUp(utilization, pc.baseRateWad, pc.slope1Wad, pc.slope2Wad, pc.kinkWad);
    }

    function _currentBorrowIndex(PoolConfig memory pc) internal view returns (uint256) {
        return poolSt.borrowIndexWad + _borrowRate(pc, _utilization()) * (block.timestamp - poolSt.lastBorrowAt);
    }

    /// @dev The market's funding index and rate accrued to now (the one definition: accrual writes what this returns).
    function _currentFunding(MarketSlots storage st, MarketConfig memory cfg)
        internal
        view
        returns (int256 indexWad, int256 rateWad)
    {
        // The fields of the first slot read together (one SLOAD).
        uint256 lastAt = st.lastFundingAt;
        int64 rate = st.fundingRateWad;
        int256 skewUsd = int256(uint256(st.longOiUsd)) - int256(uint256(st.shortOiUsd));
        return _fundingAt(st.fundingIndexWad, rate, lastAt, skewUsd, cfg);
    }

    /// @dev Funding index and rate now, from the last accrual's index, rate and time and the current skew.
    function _fundingAt(int256 indexWad, int64 rateWad, uint256 lastAt, int256 skewUsd, MarketConfig memory cfg)
        internal
        view
        returns (int256, int256)
    {
        if (block.timestamp == lastAt) return (indexWad, rateWad);
        (int256 nextRateWad, int256 deltaWad) = RiskMath.nextFunding(
            rateWad,
            skewUsd,
            cfg.skewScaleUsd,
            cfg.maxFundingVelocityWad,
            cfg.maxFundingRateWad,
            uint32(block.timestamp - lastAt) // timestamps are 32-bit in storage
        );
        return (indexWad + deltaWad, nextRateWad);
    }

    function _freeLiquidity(PoolConfig memory pc) internal view returns (uint256) {
        return RiskMath.freeLiquidityDown(poolSt.poolCashUsd, poolSt.reservedUsd, pc.maxUtilizationBps);
    }

    function _marginRates(MarketConfig memory cfg, PoolConfig memory pc, uint256 sizeUsd, uint256 variance)
        internal
        view
        returns (uint256 mmr, uint256 imr)
    {
        mmr = RiskMath.maintenanceMarginUp(
            variance, cfg.horizonSec, cfg.zWad, cfg.mmrFloorWad, sizeUsd, cfg.sizeScaleUsd, cfg.sizeTermWad
        );
        imr = RiskMath.initialMarginUp(
            mmr, cfg.imrMultiplierWad, _utilization(), pc.kinkWad, cfg.utilTermWad, cfg.maxLeverage
        );
    }

    function _status(Trade memory t, Position storage pos) internal view returns (PositionStatus memory s) {
        uint256 size = pos.sizeUsd;
        s.pnlUsd = PositionMath.cappedPnlUsd(t.isLong, size, pos.sizeTokens, t.priceWad, t.cfg.maxProfitBps);
        s.borrowFeeUsd = PositionMath.borrowFeeUp(size, t.borrowIndexWad, pos.borrowSnapWad);
        s.fundingFeeUsd = PositionMath.fundingFeeUp(t.isLong, size, t.fundingIndexWad, pos.fundingSnapWad);
        s.equityUsd = int256(uint256(pos.collateralUsd)) + s.pnlUsd - int256(s.borrowFeeUsd) - s.fundingFeeUsd;
        (s.maintenanceMarginWad,) = _marginRates(t.cfg, t.pool, size, t.varianceWad);
        s.maintenanceUsd = size.mulDivUp(s.maintenanceMarginWad, WAD);
        s.liquidatable = s.equityUsd < int256(s.maintenanceUsd);
    }

    /// @dev Funding the market's traders owe the pool, net, accrued to now: index x skew - net snapshot sum (rounded
    ///      down: a receivable is never overstated).
    function _fundingOwedToPool(MarketSlots storage st, MarketConfig memory cfg, int256 skewUsd)
        internal
        view
        returns (int256)
    {
        // Fields of one slot read together (one SLOAD each pair); the caller read the skew from the first slot.
        int256 index = st.fundingIndexWad;
        int256 netSnapSum = st.netFundingSnapSum;
        (index,) = _fundingAt(index, st.fundingRateWad, st.lastFundingAt, skewUsd, cfg);
        return MathLib.mulDivSignedDown(index * skewUsd - netSnapSum, 1, WAD);
    }

    /// @dev NAV with the borrow index at `borrowIndexWad`: cash + borrow and funding owed to the pool - traders'
    ///      capped PnL, each market in O(1) from its accumulators.
    function _poolValue(uint256 borrowIndexWad) internal view returns (uint256) {
        address store = configStore;
        uint256 count = marketCount_;
        int256 value = int256(uint256(poolSt.poolCashUsd));
        uint256 totalSize;
        MarketConfig memory cfg;
        for (uint256 m; m < count; ++m) {
            MarketSlots storage st = markets[m];
            uint256 longOi = st.longOiUsd;
            uint256 shortOi = st.shortOiUsd;
            if (longOi == 0 && shortOi == 0) continue;
            totalSize += longOi + shortOi;
            ConfigStore.readMarketInto(store, m, cfg);
            value += _fundingOwedToPool(st, cfg, int256(longOi) - int256(shortOi));
            (uint256 priceWad,) = _validatedPrice(m, cfg);
            uint256 maxProfitBps = cfg.maxProfitBps;
            // Traders' PnL, counted pessimistically: values rounded against the pool, profit capped per side.
            uint256 longTokens = st.longTokens;
            uint256 shortTokens = st.shortTokens;
            int256 longPnl = int256(longTokens.mulDivUp(priceWad, 1e30)) - int256(longOi);
            int256 shortPnl = int256(shortOi) - int256(shortTokens.mulDivDown(priceWad, 1e30));
            int256 longCap = int256(longOi.bpsUp(maxProfitBps));
            int256 shortCap = int256(shortOi.bpsUp(maxProfitBps));
            value -= (longPnl > longCap ? longCap : longPnl) + (shortPnl > shortCap ? shortCap : shortPnl);
        }
        if (totalSize > 0) value += int256((borrowIndexWad * totalSize - poolSt.sizeBorrowSnapSum) / WAD);
        return value > 0 ? uint256(value) : 0;
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IPerpEngine
    function collateralToken() external view returns (address) {
        return address(token);
    }

    /// @inheritdoc IPerpEngine
    function marketCount() external view returns (uint256) {
        return marketCount_;
    }

    /// @inheritdoc IPerpEngine
    function marketName(uint256 marketId) external view knownMarket(marketId) returns (bytes32) {
        return names[marketId];
    }

    /// @inheritdoc IPerpEngine
    function marketConfig(uint256 marketId) external view knownMarket(marketId) returns (MarketConfig memory) {
        return ConfigStore.readMarket(configStore, marketId);
    }

    /// @inheritdoc IPerpEngine
    function marketState(uint256 marketId) external view knownMarket(marketId) returns (MarketState memory v) {
        MarketSlots storage st = markets[marketId];
        MarketConfig memory cfg = ConfigStore.readMarket(configStore, marketId);
        (int256 index, int256 rate) = _currentFunding(st, cfg);
        v.longOiUsd = st.longOiUsd;
        v.shortOiUsd = st.shortOiUsd;
        v.longTokens = st.longTokens;
        v.shortTokens = st.shortTokens;
        v.fundingIndexWad = int128(index);
        v.fundingRateWad = int64(rate);
        v.lastFundingAt = uint64(block.timestamp);
        v.netFundingSnapSum = st.netFundingSnapSum;
        v.lastPriceWad = st.lastPriceWad;
        v.lastPriceAt = st.lastPriceAt;
        v.varianceWad = st.varianceWad;
        v.reservedUsd = uint128((uint256(v.longOiUsd) + v.shortOiUsd).bpsUp(cfg.maxProfitBps));
    }

    /// @inheritdoc IPerpEngine
    function varianceWad(uint256 marketId) external view knownMarket(marketId) returns (uint256) {
        MarketConfig memory cfg = ConfigStore.readMarket(configStore, marketId);
        (uint256 priceWad, uint256 updatedAt) = _validatedPrice(marketId, cfg);
        return _varianceAt(markets[marketId], cfg, priceWad, updatedAt);
    }

    /// @inheritdoc IPerpEngine
    function poolConfig() external view returns (PoolConfig memory) {
        return ConfigStore.readPool(configStore);
    }

    /// @inheritdoc IPerpEngine
    function poolState() external view returns (PoolState memory v) {
        v.poolCashUsd = poolSt.poolCashUsd;
        v.totalCollateralUsd = poolSt.totalCollateralUsd;
        v.reservedUsd = poolSt.reservedUsd;
        uint256 count = marketCount_;
        uint256 totalSize;
        for (uint256 m; m < count; ++m) {
            totalSize += uint256(markets[m].longOiUsd) + markets[m].shortOiUsd;
        }
        v.totalSizeUsd = uint128(totalSize);
        v.borrowIndexWad = uint128(_currentBorrowIndex(ConfigStore.readPool(configStore)));
        v.lastBorrowAt = uint64(block.timestamp);
        v.sizeBorrowSnapSum = poolSt.sizeBorrowSnapSum;
        v.badDebtUsd = poolSt.badDebtUsd;
    }

    /// @inheritdoc IPerpEngine
    function position(address account, uint256 marketId, bool isLong) external view returns (Position memory) {
        return positions[_key(account, marketId, isLong)];
    }

    /// @inheritdoc IPerpEngine
    function positionStatus(address account, uint256 marketId, bool isLong)
        external
        view
        knownMarket(marketId)
        returns (PositionStatus memory s)
    {
        Position storage pos = positions[_key(account, marketId, isLong)];
        if (pos.sizeUsd == 0) return s;
        Trade memory t;
        t.marketId = marketId;
        t.isLong = isLong;
        t.cfg = ConfigStore.readMarket(configStore, marketId);
        t.pool = ConfigStore.readPool(configStore);
        MarketSlots storage st = markets[marketId];
        uint256 updatedAt;
        (t.priceWad, updatedAt) = _validatedPrice(marketId, t.cfg);
        t.varianceWad = _varianceAt(st, t.cfg, t.priceWad, updatedAt);
        t.borrowIndexWad = _currentBorrowIndex(t.pool);
        (t.fundingIndexWad,) = _currentFunding(st, t.cfg);
        s = _status(t, pos);
    }

    /// @inheritdoc IPerpEngine
    function poolValueUsd() external view returns (uint256) {
        if (_reentrancyGuardEntered()) revert PoolValueUnavailable();
        return _poolValue(_currentBorrowIndex(ConfigStore.readPool(configStore)));
    }

    /// @inheritdoc IPerpEngine
    function freeLiquidityUsd() external view returns (uint256) {
        return _freeLiquidity(ConfigStore.readPool(configStore));
    }

    /// @inheritdoc IPerpEngine
    function marginRates(uint256 marketId, uint256 sizeUsd)
        external
        view
        knownMarket(marketId)
        returns (uint256 maintenanceWad, uint256 initialWad, uint256 maxLeverageWad)
    {
        MarketConfig memory cfg = ConfigStore.readMarket(configStore, marketId);
        (uint256 priceWad, uint256 updatedAt) = _validatedPrice(marketId, cfg);
        (maintenanceWad, initialWad) = _marginRates(
            cfg, ConfigStore.readPool(configStore), sizeUsd, _varianceAt(markets[marketId], cfg, priceWad, updatedAt)
        );
        maxLeverageWad = WAD.mulDivDown(WAD, initialWad);
    }
}
