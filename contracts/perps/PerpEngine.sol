// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {IProduct} from "../interfaces/IProduct.sol";
import {CapGrid} from "../libraries/CapGrid.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IPriceFeed} from "../oracles/IPriceFeed.sol";
import {CapBook} from "./CapBook.sol";
import {PerpRisk} from "./PerpRisk.sol";
import {PerpState} from "./PerpState.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title PerpEngine
/// @notice Counterpool's perpetuals product: runs the perpetual markets against the pool, prices risk from on-chain
///         volatility and utilization, and liquidates. Tokens, pool cash, the borrow index, bad debt and the solvency
///         check live in the ClearingCore: every action opens with `core.enter` (shared lock, borrow accrual) and
///         ends with one `core.settle` carrying its collateral, reserve, payout and bad-debt changes.
/// @dev All accrual is O(1) per action: the core's pool-wide borrow index (utilization is pool-wide) and each market's
///      two funding indices (the long one, and the short one: it less the funding withheld as the pool's share), with
///      running sums of size x snapshot (product-wide for borrow, one net sum per market for funding, each position's
///      snapshot on its side's index) so pending fees and trader PnL never need a loop over positions; `poolClaimUsd`
///      gives the core the product's claim on the pool in O(markets).
///      Gas layout: risk parameters live in a ConfigStore data contract (one EXTCODECOPY per action instead of a dozen
///      cold SLOADs); product totals in one slot, each market in seven, each position in two. The narrower integers
///      are safe because ConfigValidation bounds open interest to 1e12 USD per side and every write goes through
///      SafeCast.
contract PerpEngine is IPerpEngine, AccessControl {
    using SafeERC20 for IERC20;
    using MathLib for uint256;
    using SafeCast for uint256;
    using SafeCast for int256;

    // ------------------------------------------------------------ constants & immutables

    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");

    IERC20 internal immutable token;
    IClearingCore internal immutable core_;

    // ------------------------------------------------------------ storage

    /// @dev Storage slots are part of the interface: the Reader decodes `totals` (slot 1), `markets` (slot 2) and
    ///      `names` (slot 3) through `extsload` (layouts in PerpState; test/forge/PerpEngine.t.sol checks the decoding).
    PerpState.ProductSlots internal totals;
    mapping(uint256 marketId => PerpState.MarketSlots) internal markets;
    mapping(uint256 marketId => bytes32) internal names;
    mapping(bytes32 key => Position) internal positions;
    CapBook.Book internal capBook;

    /// @dev Working values of one trade, kept in memory to stay clear of the stack limit.
    struct Trade {
        address account;
        uint256 marketId;
        bool isLong;
        MarketConfig cfg;
        uint256 priceWad;
        uint256 borrowIndexWad;
        uint256 utilizationWad; // pool utilization the margin checks use
        uint256 kinkWad; // where the initial margin's utilization term starts
        uint256 keeperShareBps; // keeper's share of the liquidation fee
        int256 fundingIndexWad;
        uint256 borrowFeeUsd;
        int256 fundingFeeUsd;
        int256 impactUsd;
        uint256 feeUsd;
        uint256 executionPriceWad;
        uint256 maintenanceBaseWad; // the market's base maintenance rate on its schedule now
        uint256 marginTargetWad; // the base rate the schedule ramps toward (initial margin applies it at once)
        int256 collateralUsd; // running collateral while the trade is applied
        uint256 rebateUsd; // the position's unrealized impact rebates after the trade
        int256 realizedPnlUsd;
        uint256 sizeUsd; // size after the trade
        uint256 capBucket; // the position's cap bucket (CapGrid) after the trade
        int256 reserveDeltaUsd; // change of the product's reserve, settled with the core
        uint256 badDebtUsd; // loss beyond collateral on a full close, absorbed by the pool
        uint256 refundUsd; // a liquidated trader's equity beyond the liquidation fee, returned to them
        uint256 floorReleaseUsd; // the floor book's excess the trade takes off (CapBook.movePosition), locked (P-96)
    }

    // ------------------------------------------------------------ constructor

    /// @param coreAddress the clearing core, which registers this product (addProduct) before it can trade.
    constructor(IClearingCore coreAddress, address admin) {
        core_ = coreAddress;
        token = IERC20(coreAddress.collateralToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------ modifiers

    modifier knownMarket(uint256 marketId) {
        _requireMarket(marketId);
        _;
    }

    // ------------------------------------------------------------ admin

    /// @notice Lists a new market (PerpState.addMarket on this contract's storage).
    function addMarket(bytes32 name, MarketConfig calldata cfg)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256)
    {
        return PerpState.addMarket(totals, markets, names, name, cfg);
    }

    /// @notice Updates a market's risk parameters within hard bounds (PerpState.setMarketConfig).
    function setMarketConfig(uint256 marketId, MarketConfig calldata cfg)
        external
        onlyRole(RISK_ROLE)
        knownMarket(marketId)
    {
        PerpState.setMarketConfig(totals, markets, core_, marketId, cfg);
    }

    // ------------------------------------------------------------ traders

    /// @inheritdoc IPerpEngine
    function increasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralDeltaUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external knownMarket(marketId) {
        // The shared lock first; adding collateral only reduces risk (open in the sequencer's grace period).
        Trade memory t = _beginTrade(
            marketId, isLong, _enter(sizeDeltaUsd > 0 ? IClearingCore.Risk.Adds : IClearingCore.Risk.Reduces)
        );
        if (sizeDeltaUsd == 0 && collateralDeltaUsd == 0) revert ZeroAmount();
        t.account = _sender();
        Position storage pos = positions[_key(t.account, marketId, isLong)];
        uint256 oldSize = pos.sizeUsd;
        if (oldSize == 0 && sizeDeltaUsd == 0) revert NoPosition(t.account, marketId, isLong); // collateral needs one
        uint256 oldCollateral = uint256(pos.collateralUsd) + pos.rebateUsd; // the core's ledger holds both
        _settleFees(t, pos);
        t.collateralUsd += int256(collateralDeltaUsd);
        uint256 newTokens = pos.sizeTokens;
        t.capBucket = pos.capBucket;
        t.sizeUsd = oldSize;
        if (sizeDeltaUsd > 0) {
            // Adding size closes and reopens the position at the price: its capped PnL is realized first, so the
            // cap cannot be stretched by fresh notional. The reopened tokens keep only what they could still earn
            // before their cap price; the added size brings its own cap (P-107: a reset to a fresh cap gave a capped
            // position its exposure back for the fee on a dust increase).
            uint256 oldTokens = newTokens;
            if (oldSize > 0) t.sizeUsd = _realize(t, oldSize, newTokens);
            // The reopened notional moves the skew too: the trade's impact prices the whole change (M-1 review).
            newTokens += _applyOpen(t, sizeDeltaUsd, acceptablePriceWad, int256(t.sizeUsd) - int256(oldSize));
            t.sizeUsd += sizeDeltaUsd;
            t.capBucket = PerpState.mergedCapBucket(
                isLong, t.sizeUsd, newTokens, oldTokens, t.capBucket, sizeDeltaUsd, t.cfg.maxProfitBps, t.priceWad
            );
        }
        if (t.collateralUsd < 0) revert InsufficientMargin(t.collateralUsd, 0);
        _replacePosition(t, pos, oldSize, newTokens);

        // Collateral goes straight to the core (custody); settle credits it and checks solvency for new size.
        if (collateralDeltaUsd > 0) token.safeTransferFrom(t.account, address(core_), collateralDeltaUsd);
        t.utilizationWad = _settle(t, oldCollateral, collateralDeltaUsd, address(0), 0, sizeDeltaUsd > 0);

        if (sizeDeltaUsd > 0) {
            _checkOpenInterest(t);
            _checkMargin(t, newTokens, true);
        }
        _emitTrade(t, true, sizeDeltaUsd, collateralDeltaUsd);
    }

    /// @inheritdoc IPerpEngine
    function decreasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralOutUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external knownMarket(marketId) {
        address account = _sender();
        Position storage pos = positions[_key(account, marketId, isLong)];
        // Taking collateral out of a position that stays open adds risk; closing (all or part) reduces it.
        Trade memory t = _beginTrade(
            marketId,
            isLong,
            _enter(
                collateralOutUsd > 0 && sizeDeltaUsd < pos.sizeUsd
                    ? IClearingCore.Risk.Adds
                    : IClearingCore.Risk.Reduces
            )
        ); // the shared lock before the state is used
        if (sizeDeltaUsd == 0 && collateralOutUsd == 0) revert ZeroAmount();
        uint256 oldSize = pos.sizeUsd;
        if (oldSize == 0) revert NoPosition(account, marketId, isLong);
        if (sizeDeltaUsd > oldSize) revert SizeDeltaTooLarge(sizeDeltaUsd, oldSize);
        t.account = account;
        t.capBucket = pos.capBucket;
        uint256 oldCollateral = uint256(pos.collateralUsd) + pos.rebateUsd;
        _settleFees(t, pos);

        uint256 oldTokens = pos.sizeTokens;
        uint256 closedTokens =
            sizeDeltaUsd > 0 ? _applyClose(t, oldSize, oldTokens, sizeDeltaUsd, acceptablePriceWad) : 0;

        t.sizeUsd = oldSize - sizeDeltaUsd;
        uint256 paidOut;
        if (t.sizeUsd == 0) {
            // Full close: everything left goes to the trader; a shortfall is bad debt the pool absorbs.
            if (t.collateralUsd < 0) {
                t.badDebtUsd = uint256(-t.collateralUsd);
                _recordBadDebt(account, marketId, t.badDebtUsd);
            }
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
        t.utilizationWad = _settle(t, oldCollateral, 0, account, paidOut, false);

        if (t.sizeUsd > 0) {
            _checkMargin(t, oldTokens - closedTokens, collateralOutUsd > 0);
        }
        _emitTrade(t, false, sizeDeltaUsd, paidOut);
    }

    // ------------------------------------------------------------ keepers

    /// @inheritdoc IPerpEngine
    function liquidate(address account, uint256 marketId, bool isLong)
        external
        knownMarket(marketId)
        returns (uint256 keeperRewardUsd)
    {
        IClearingCore.Accrual memory a = _enter(IClearingCore.Risk.Liquidates);
        Trade memory t = _beginTrade(marketId, isLong, a);
        address keeper = _sender();
        IClearingCore.Settlement memory s;
        _liquidate(t, account, keeper, true, s);
        keeperRewardUsd = _payKeeper(s, keeper);
    }

    /// @inheritdoc IPerpEngine
    function liquidateBatch(PositionRef[] calldata refs)
        external
        returns (uint256 liquidated, uint256 keeperRewardUsd)
    {
        IClearingCore.Accrual memory a = _enter(IClearingCore.Risk.Liquidates);
        address keeper = _sender();
        IClearingCore.Settlement memory s;
        uint256 lastMarket = type(uint256).max;
        Trade memory t;
        for (uint256 i; i < refs.length; ++i) {
            PositionRef calldata r = refs[i];
            _requireMarket(r.marketId);
            if (r.marketId != lastMarket || r.isLong != t.isLong) {
                t = _beginTrade(r.marketId, r.isLong, a);
                lastMarket = r.marketId;
            }
            if (_liquidate(t, r.account, keeper, false, s)) ++liquidated;
        }
        keeperRewardUsd = _payKeeper(s, keeper);
    }

    /// @inheritdoc IPerpEngine
    function poke(uint256 marketId) external knownMarket(marketId) {
        _beginTrade(marketId, true, _enter(IClearingCore.Risk.Reduces));
        IClearingCore.Settlement memory s;
        _coreSettle(s);
    }

    /// @inheritdoc IPerpEngine
    function setOptionsSkew(uint256 marketId, int256 skewUsd) external knownMarket(marketId) {
        _onlyProduct();
        PerpState.setOptionsSkew(totals, markets[marketId], marketId, skewUsd);
    }

    /// @inheritdoc IPerpEngine
    function pinMarket(uint256 marketId) external knownMarket(marketId) returns (PricingInputs memory) {
        // PerpState.pinMarket(totals, markets[marketId], marketId) by DELEGATECALL, its return data forwarded as this
        // function's (the same ABI type: no decoding and re-encoding in this contract's code).
        bytes4 selector = PerpState.pinMarket.selector;
        address lib = address(PerpState);
        assembly {
            mstore(0, marketId)
            mstore(0x20, markets.slot)
            let marketSlot := keccak256(0, 0x40)
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), totals.slot)
            mstore(add(ptr, 0x24), marketSlot)
            mstore(add(ptr, 0x44), marketId)
            let ok := delegatecall(gas(), lib, ptr, 0x64, 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }

    /// @inheritdoc IProduct
    function pinValuationPrices() external {
        pinPrices(totals.activeMarkets);
    }

    /// @inheritdoc IPerpEngine
    function pinPrices(uint256 marketMask) public {
        PerpState.pinPrices(totals, marketMask);
    }

    // ------------------------------------------------------------ internal: trade lifecycle

    /// @dev Opens the action with the core: shared lock, borrow accrual (refused while paused if it adds risk, and in
    ///      the sequencer's grace period if it adds risk or liquidates).
    function _enter(IClearingCore.Risk risk) internal returns (IClearingCore.Accrual memory) {
        return core_.enter(risk);
    }

    /// @dev Loads the config, pins the price, feeds the volatility estimator and accrues funding
    ///      (PerpState.observePrice; the borrow index was accrued by the core in `a`).
    function _beginTrade(uint256 marketId, bool isLong, IClearingCore.Accrual memory a)
        internal
        returns (Trade memory t)
    {
        t.marketId = marketId;
        t.isLong = isLong;
        t.cfg = ConfigStore.readMarket(PerpState.store(totals), marketId);
        t.utilizationWad = a.utilizationWad;
        t.kinkWad = a.kinkWad;
        t.keeperShareBps = a.keeperShareBps;
        PerpState.Observed memory o = PerpState.observePrice(markets[marketId], t.cfg, marketId, isLong);
        (t.priceWad, t.maintenanceBaseWad, t.marginTargetWad) = (o.priceWad, o.maintenanceBaseWad, o.targetWad);
        t.borrowIndexWad = a.borrowIndexWad;
        t.fundingIndexWad = o.fundingIndexWad;
        if (o.fundingMoved) {
            emit Accrued(
                marketId, a.borrowIndexWad, a.borrowRateWad, o.longFundingIndexWad, o.fundingRateWad, a.utilizationWad
            );
        }
    }

    /// @dev Prices the opening part of a trade (impact, fee, slippage check); returns the index tokens bought/sold.
    ///      `reopenedUsd` is how much a realizing increase moved the position's own notional before the added size
    ///      (its tokens reopened at their value): the skew change it causes is priced with the trade's.
    function _applyOpen(Trade memory t, uint256 sizeDeltaUsd, uint256 acceptablePriceWad, int256 reopenedUsd)
        internal
        view
        returns (uint256 addTokens)
    {
        PerpState.MarketSlots storage st = markets[t.marketId];
        int256 delta = t.isLong ? int256(sizeDeltaUsd) + reopenedUsd : -int256(sizeDeltaUsd) - reopenedUsd;
        t.feeUsd = sizeDeltaUsd.bpsUp(t.cfg.openFeeBps);
        t.impactUsd = _impactUsd(st, t.cfg, delta, t.cfg.positiveImpactBps, t.feeUsd);
        t.executionPriceWad = PositionMath.executionPriceWad(t.priceWad, sizeDeltaUsd, t.impactUsd, t.isLong);
        _checkAcceptable(t.executionPriceWad, acceptablePriceWad, t.isLong);
        // A rebate (negative impact) is owed, not margin: it waits in `rebateUsd` until the position is closed.
        if (t.impactUsd < 0) t.rebateUsd += uint256(-t.impactUsd);
        else t.collateralUsd -= t.impactUsd;
        t.collateralUsd -= int256(t.feeUsd);
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
        PerpState.MarketSlots storage st = markets[t.marketId];
        if (sizeDeltaUsd == oldSize) {
            closedTokens = oldTokens;
        } else {
            closedTokens =
                t.isLong ? oldTokens.mulDivDown(sizeDeltaUsd, oldSize) : oldTokens.mulDivUp(sizeDeltaUsd, oldSize);
        }
        t.realizedPnlUsd = PositionMath.cappedPnlUsd(t.isLong, sizeDeltaUsd, closedTokens, t.priceWad, t.capBucket);
        t.feeUsd = PositionMath.valueClosedUsd(t.isLong, sizeDeltaUsd, t.realizedPnlUsd).bpsUp(t.cfg.closeFeeBps);
        t.impactUsd = _impactUsd(
            st, t.cfg, t.isLong ? -int256(sizeDeltaUsd) : int256(sizeDeltaUsd), t.cfg.positiveImpactBps, t.feeUsd
        );
        t.executionPriceWad = PositionMath.executionPriceWad(t.priceWad, sizeDeltaUsd, t.impactUsd, !t.isLong);
        _checkAcceptable(t.executionPriceWad, acceptablePriceWad, !t.isLong);
        t.collateralUsd += t.realizedPnlUsd - t.impactUsd - int256(t.feeUsd);
        // The closed share of the position's pending rebates is realized (all of it on a full close).
        uint256 realizedRebate = sizeDeltaUsd == oldSize ? t.rebateUsd : t.rebateUsd.mulDivDown(sizeDeltaUsd, oldSize);
        t.rebateUsd -= realizedRebate;
        t.collateralUsd += int256(realizedRebate);
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

    /// @dev Realizes a position's capped PnL into the trade's running collateral at the oracle price; returns the
    ///         notional it is reopened at (its tokens' value, rounded against the trader).
    function _realize(Trade memory t, uint256 sizeUsd, uint256 tokens) internal pure returns (uint256) {
        t.realizedPnlUsd = PositionMath.cappedPnlUsd(t.isLong, sizeUsd, tokens, t.priceWad, t.capBucket);
        t.collateralUsd += t.realizedPnlUsd;
        return t.isLong
            ? tokens.mulDivUp(t.priceWad, PositionMath.VALUE_SCALE)
            : tokens.mulDivDown(t.priceWad, PositionMath.VALUE_SCALE);
    }

    /// @dev Moves the fees owed since the position's snapshots into the trade's running collateral.
    function _settleFees(Trade memory t, Position storage pos) internal view {
        uint256 size = pos.sizeUsd;
        t.collateralUsd = int256(uint256(pos.collateralUsd));
        t.rebateUsd = pos.rebateUsd;
        if (size == 0) return;
        t.borrowFeeUsd = PositionMath.borrowFeeUp(size, t.borrowIndexWad, pos.borrowSnapWad);
        t.fundingFeeUsd = PositionMath.fundingFeeUp(t.isLong, size, t.fundingIndexWad, pos.fundingSnapWad);
        t.collateralUsd -= int256(t.borrowFeeUsd) + t.fundingFeeUsd;
    }

    /// @dev Swaps a position's contribution to every aggregate for its new one (snapshots reset to current indices).
    function _replacePosition(Trade memory t, Position storage pos, uint256 oldSize, uint256 newTokens) internal {
        uint256 newSize = t.sizeUsd;
        PerpState.MarketSlots storage st = markets[t.marketId];
        uint256 oldOi = uint256(st.longOiUsd) + st.shortOiUsd;
        uint256 oldTokens = pos.sizeTokens;
        {
            int256 oldFundingWeight = int256(oldSize) * pos.fundingSnapWad;
            int256 newFundingWeight = int256(newSize) * t.fundingIndexWad;
            if (t.isLong) {
                st.longOiUsd = (st.longOiUsd + newSize - oldSize).toUint64();
                st.longTokens = (st.longTokens + newTokens - oldTokens).toUint112();
                st.netFundingSnapSum = (st.netFundingSnapSum + newFundingWeight - oldFundingWeight).toInt144();
            } else {
                st.shortOiUsd = (st.shortOiUsd + newSize - oldSize).toUint64();
                st.shortTokens = (st.shortTokens + newTokens - oldTokens).toUint112();
                // the net sum holds the funding withheld x short OI too (PerpState.MarketSlots): the long index, just
                // accrued, less the short one the trade settles at is that withheld
                int256 withheld = st.fundingIndexWad - t.fundingIndexWad;
                st.netFundingSnapSum = (st.netFundingSnapSum - newFundingWeight + oldFundingWeight - withheld
                        * (int256(newSize) - int256(oldSize)))
                .toInt144();
            }
            // a close or a partial one takes its tokens out of the block's exposure record too (P-94, review BI)
            if (newTokens < oldTokens) PerpState.capBlockExposure(st, t.isLong);
        }
        uint256 floorBucket;
        (floorBucket, t.floorReleaseUsd) = _moveBooks(t, pos, newSize, newTokens);
        PerpState.ProductSlots memory tot = totals;
        tot.sizeBorrowSnapSum =
            (tot.sizeBorrowSnapSum + newSize * t.borrowIndexWad - oldSize * uint256(pos.borrowSnapWad)).toUint128();
        tot.activeMarkets = _activeMask(tot.activeMarkets, t.marketId, oldOi + newSize - oldSize);
        totals = tot;
        if (newSize != oldSize) {
            uint256 maxProfitBps = t.cfg.maxProfitBps;
            t.reserveDeltaUsd =
                int256((oldOi + newSize - oldSize).bpsUp(maxProfitBps)) - int256(oldOi.bpsUp(maxProfitBps));
        }

        if (newSize == 0) {
            delete positions[_key(t.account, t.marketId, t.isLong)];
            return;
        }
        pos.sizeUsd = newSize.toUint64();
        pos.collateralUsd = uint256(t.collateralUsd).toUint64();
        pos.sizeTokens = newTokens.toUint112();
        pos.capBucket = uint16(t.capBucket);
        pos.borrowSnapWad = uint96(t.borrowIndexWad);
        pos.fundingSnapWad = int96(t.fundingIndexWad);
        pos.rebateUsd = t.rebateUsd.toUint48();
        pos.floorBucket = uint16(floorBucket);
    }

    /// @dev Settles a trade with the core: the collateral change, the tokens the trader moved in, the payout, the
    ///      reserve change and any bad debt. Returns the utilization after it.
    function _settle(
        Trade memory t,
        uint256 collateralBefore,
        uint256 inflowUsd,
        address payee,
        uint256 payoutUsd,
        bool addsRisk
    ) internal returns (uint256) {
        return _coreSettle(
            IClearingCore.Settlement({
                inflowUsd: inflowUsd,
                collateralDeltaUsd: t.collateralUsd + int256(t.rebateUsd) - int256(collateralBefore),
                reserveDeltaUsd: t.reserveDeltaUsd,
                payee: payee,
                payoutUsd: payoutUsd,
                badDebtUsd: t.badDebtUsd,
                checkSolvency: addsRisk,
                nothingOpen: false,
                lockedGainUsd: _lockedGainUsd(t)
            })
        );
    }

    /// @dev What a trade's settlement locks (P-98, P-96), before the core takes its bad debt off: the impact beyond the
    ///      fee, and the floor book's excess the trade released (the NAV had valued the position at its floor's grid
    ///      price; the pool now holds its backing). A close with bad debt locks its fee and impact whole, so what
    ///      vests after the core subtracts the bad debt is the NAV's jump itself: the fee and impact it charged were
    ///      never received, and the rest of that jump (the keeper's reward the floor set aside, the grid rounding) is
    ///      what a deposit timed to the close would take.
    function _lockedGainUsd(Trade memory t) internal pure returns (uint256) {
        int256 fee = int256(t.feeUsd);
        int256 gain = t.badDebtUsd > 0 ? fee + t.impactUsd : t.impactUsd - fee;
        return t.floorReleaseUsd + (gain > 0 ? uint256(gain) : 0);
    }

    /// @dev Settles with the core, telling it whether the product has nothing open (no market with open interest: the
    ///      claim is zero, PerpState.poolClaimUsd), so the NAV may skip it.
    function _coreSettle(IClearingCore.Settlement memory s) internal returns (uint256) {
        s.nothingOpen = totals.activeMarkets == 0;
        return core_.settle(s);
    }

    /// @dev Settles liquidations with the core, the keeper paid their rewards; returns the rewards.
    function _payKeeper(IClearingCore.Settlement memory s, address keeper) internal returns (uint256) {
        s.payee = keeper;
        _coreSettle(s);
        return s.payoutUsd;
    }

    /// @dev Liquidates `account`'s position on `t`'s market and side if eligible, adding its collateral, reserve,
    ///      keeper reward and bad debt to `out`. `strict` reverts when it is not eligible.
    function _liquidate(
        Trade memory t,
        address account,
        address keeper,
        bool strict,
        IClearingCore.Settlement memory out
    ) internal returns (bool) {
        bytes32 key = _key(account, t.marketId, t.isLong);
        Position storage pos = positions[key];
        uint256 size = pos.sizeUsd;
        if (size == 0) {
            if (strict) revert NoPosition(account, t.marketId, t.isLong);
            return false;
        }
        PositionStatus memory s = _status(t, pos);
        if (!s.liquidatable) {
            if (strict) revert NotLiquidatable(s.equityUsd, s.maintenanceUsd);
            return false;
        }
        // The seized collateral includes the unrealized rebates: they were never margin and go back to the pool.
        uint256 collateral = uint256(pos.collateralUsd) + pos.rebateUsd;
        uint256 keeperReward = MathLib.min(size.bpsUp(t.cfg.liquidationFeeBps).bpsDown(t.keeperShareBps), collateral);
        // What the pool was owed and does not get: the keeper is paid from the collateral, so the shortfall is the
        // reward less the equity left and the forfeited rebate (the whole reward plus the deficit when underwater).
        uint256 badDebt = _shortfall(keeperReward, s.equityUsd + int256(uint256(pos.rebateUsd)));
        _refundEquity(t, s, size, keeperReward);
        out.reserveDeltaUsd += _removeFromAggregates(t, pos, size);
        _lockGain(account, t, s.equityUsd + int256(uint256(pos.rebateUsd)) - int256(keeperReward));
        delete positions[key];
        out.collateralDeltaUsd -= int256(collateral);
        out.payoutUsd += keeperReward;
        if (badDebt > 0) {
            out.badDebtUsd += badDebt;
            _recordBadDebt(account, t.marketId, badDebt);
        }
        _emitLiquidated(t, account, keeper, s, size, collateral, keeperReward, badDebt);
        return true;
    }

    /// @dev Fair liquidation: the liquidation fee (the keeper's share and the pool's) is all it costs the trader, or the
    ///      close fee plus the keeper's reward where that is more (so liquidating oneself, the reward back as the
    ///      keeper, is never a cheaper exit than closing: P-97), both on the value closed; the equity beyond it goes
    ///      back to them (from the seized collateral, or from the pool for a winner's profit). The impact a close would
    ///      pay is charged too.
    function _refundEquity(Trade memory t, PositionStatus memory s, uint256 sizeUsd, uint256 keeperReward)
        internal
        view
    {
        PerpState.MarketSlots storage st = markets[t.marketId];
        uint256 value = PositionMath.valueClosedUsd(t.isLong, sizeUsd, s.pnlUsd);
        int256 fee = int256(
            MathLib.max(value.bpsUp(t.cfg.liquidationFeeBps), value.bpsUp(t.cfg.closeFeeBps) + keeperReward)
        ) + _impactUsd(st, t.cfg, t.isLong ? -int256(sizeUsd) : int256(sizeUsd), 0, 0);
        t.refundUsd = s.equityUsd > fee ? uint256(s.equityUsd - fee) : 0; // the equity beyond the fee, if any
    }

    /// @dev Pays a liquidated trader's refund and locks the NAV's jump (P-96). The NAV valued the position at what it
    ///      could realize: its equity plus the rebate it forfeits, less the keeper's reward (`recoverableUsd`), plus
    ///      the floor book's excess where the price is past its floor's grid price (P-56, left in `t.floorReleaseUsd` by
    ///      _removeFromAggregates). The pool now holds that less the refund; the difference vests before redemptions
    ///      are paid it. Past the floor it is at most the grid rounding; below zero (bad debt) nothing is locked.
    function _lockGain(address account, Trade memory t, int256 recoverableUsd) internal {
        int256 gain = recoverableUsd - int256(t.refundUsd) + int256(t.floorReleaseUsd);
        core_.refund(account, t.refundUsd, gain > 0 ? uint256(gain) : 0);
    }

    /// @dev The impact of moving the market's perpetual skew by `deltaUsd`, netted with the options' delta
    ///      (RiskMath.nettedImpactCostUsd), a rebate at most `maxRebateUsd` (the trade's fee, P-98); 0 and 0 price a
    ///      liquidation's close without a rebate.
    function _impactUsd(
        PerpState.MarketSlots storage st,
        MarketConfig memory cfg,
        int256 deltaUsd,
        uint256 positiveImpactBps,
        uint256 maxRebateUsd
    ) internal view returns (int256) {
        int256 skew = PerpState.perpSkewUsd(st);
        return RiskMath.nettedImpactCostUsd(
            skew, skew + deltaUsd, PerpState.optionsSkewUsd(st), cfg.impactScaleUsd, positiveImpactBps, maxRebateUsd
        );
    }

    /// @dev max(0, paid - recovered): what a liquidation leaves the pool short.
    function _shortfall(uint256 paidUsd, int256 recoveredUsd) internal pure returns (uint256) {
        return int256(paidUsd) > recoveredUsd ? uint256(int256(paidUsd) - recoveredUsd) : 0;
    }

    function _emitLiquidated(
        Trade memory t,
        address account,
        address keeper,
        PositionStatus memory s,
        uint256 size,
        uint256 collateral,
        uint256 keeperReward,
        uint256 badDebt
    ) internal {
        LiquidationResult memory r = LiquidationResult({
            keeper: keeper,
            priceWad: t.priceWad,
            sizeUsd: size,
            collateralUsd: collateral,
            pnlUsd: s.pnlUsd,
            equityUsd: s.equityUsd,
            keeperRewardUsd: keeperReward,
            traderRefundUsd: t.refundUsd,
            poolGainUsd: int256(collateral) - int256(keeperReward) - int256(t.refundUsd),
            badDebtUsd: badDebt
        });
        emit PositionLiquidated(account, t.marketId, t.isLong, r);
    }

    /// @dev Takes a liquidated position out of every aggregate (a close at the oracle price, without impact);
    ///      returns the change of the product's reserve, and leaves the floor book's excess for it in
    ///      `t.floorReleaseUsd`.
    function _removeFromAggregates(Trade memory t, Position storage pos, uint256 size) internal returns (int256) {
        PerpState.MarketSlots storage st = markets[t.marketId];
        uint256 oldOi = uint256(st.longOiUsd) + st.shortOiUsd;
        uint112 tokens = pos.sizeTokens;
        (, t.floorReleaseUsd) = _moveBooks(t, pos, 0, 0); // its floor book's excess, for _lockGain
        int256 fundingWeight = int256(size) * pos.fundingSnapWad;
        if (t.isLong) {
            st.longOiUsd -= uint64(size);
            st.longTokens -= tokens;
            st.netFundingSnapSum = (st.netFundingSnapSum - fundingWeight).toInt144();
        } else {
            st.shortOiUsd -= uint64(size);
            st.shortTokens -= tokens;
            int256 withheld = st.fundingIndexWad - t.fundingIndexWad; // as in _replacePosition
            st.netFundingSnapSum = (st.netFundingSnapSum + fundingWeight + withheld * int256(size)).toInt144();
        }
        PerpState.capBlockExposure(st, t.isLong);
        PerpState.ProductSlots memory tot = totals;
        tot.sizeBorrowSnapSum -= uint128(size * uint256(pos.borrowSnapWad));
        tot.activeMarkets = _activeMask(tot.activeMarkets, t.marketId, oldOi - size);
        totals = tot;
        uint256 maxProfitBps = t.cfg.maxProfitBps;
        return int256((oldOi - size).bpsUp(maxProfitBps)) - int256(oldOi.bpsUp(maxProfitBps));
    }

    /// @dev Moves a position between the buckets of its cap and floor books (CapBook.movePosition, on this contract's
    ///      storage): from its stored buckets and tokens to `newTokens` in cap bucket `t.capBucket` and the floor its
    ///      size and collateral + unrealized rebate give; returns the new floor bucket and the floor excess released.
    function _moveBooks(Trade memory t, Position storage pos, uint256 newSize, uint256 newTokens)
        internal
        returns (uint256, uint256)
    {
        return CapBook.movePosition(
            capBook,
            markets[t.marketId],
            (t.marketId << 1) | (t.isLong ? 1 : 0),
            uint256(pos.sizeTokens) | (uint256(pos.capBucket) << 112) | (uint256(pos.floorBucket) << 128)
                | (uint256(t.cfg.liquidationFeeBps) << 144) | (t.keeperShareBps << 160),
            newSize == 0
                ? 0
                : newTokens | (t.capBucket << 112) | (newSize << 128)
                    | ((uint256(t.collateralUsd) + t.rebateUsd) << 192),
            t.priceWad
        );
    }

    /// @dev Records a position's bad debt in the product's total (the core adds it to the pool's in `settle`).
    function _recordBadDebt(address account, uint256 marketId, uint256 amountUsd) internal {
        uint256 total = totals.badDebtUsd + amountUsd;
        totals.badDebtUsd = total.toUint72();
        emit BadDebt(account, marketId, amountUsd, total);
    }

    // ------------------------------------------------------------ internal: checks

    function _checkAcceptable(uint256 executionPriceWad, uint256 acceptablePriceWad, bool buying) internal pure {
        if (buying ? executionPriceWad > acceptablePriceWad : executionPriceWad < acceptablePriceWad) {
            revert SlippageExceeded(executionPriceWad, acceptablePriceWad);
        }
    }

    /// @dev The margin check after a trade, both on the market's minimum collateral. `initial` (new risk: an open, an
    ///      increase, collateral taken out): initial margin on the worst of (PnL, 0), so unrealized profit never backs
    ///      new risk. Otherwise (a partial close): maintenance on the capped PnL.
    function _checkMargin(Trade memory t, uint256 tokens, bool initial) internal view {
        uint256 size = t.sizeUsd;
        uint256 collateral = uint256(t.collateralUsd);
        uint256 minCollateral = t.cfg.minCollateralUsd;
        if (collateral < minCollateral) revert CollateralBelowMinimum(collateral, minCollateral);
        (uint256 mmr, uint256 imr) =
            PerpRisk.marginRatesUp(t.cfg, size, t.maintenanceBaseWad, t.marginTargetWad, t.utilizationWad, t.kinkWad);
        // margins are measured on the entry notional, or a short's tokens' value where larger (review AH)
        uint256 notional = PositionMath.marginNotionalUp(t.isLong, size, tokens, t.priceWad);
        if (!initial) {
            int256 held = t.collateralUsd + PositionMath.cappedPnlUsd(t.isLong, size, tokens, t.priceWad, t.capBucket);
            uint256 required = notional.mulDivUp(mmr, WAD);
            if (held < int256(required)) revert InsufficientMargin(held, required);
            return;
        }
        int256 pnl = PositionMath.pnlUsd(t.isLong, size, tokens, t.priceWad);
        // Profit realized in this action (an increase realizes first) does not back its risk either (P-20): it is
        // paid, but counts as collateral only from the next action on, as after a close and a reopen.
        int256 equity =
            t.collateralUsd + (pnl < 0 ? pnl : int256(0)) - (t.realizedPnlUsd > 0 ? t.realizedPnlUsd : int256(0));
        if (equity <= 0) revert InsufficientMargin(equity, notional.mulDivUp(imr, WAD));
        uint256 leverageWad = notional.mulDivUp(WAD, uint256(equity));
        uint256 maxLeverageWad = WAD.mulDivDown(WAD, imr);
        if (leverageWad > maxLeverageWad) revert LeverageTooHigh(leverageWad, maxLeverageWad);
    }

    function _checkOpenInterest(Trade memory t) internal view {
        PerpState.MarketSlots storage st = markets[t.marketId];
        uint256 oi = t.isLong ? st.longOiUsd : st.shortOiUsd;
        uint256 cap = t.isLong ? t.cfg.maxLongOiUsd : t.cfg.maxShortOiUsd;
        if (oi > cap) revert OpenInterestCapExceeded(t.marketId, t.isLong, oi, cap);
    }

    // ------------------------------------------------------------ internal: views

    /// @dev The trader or keeper: the caller, or the account a trusted forwarder (the core's set: the Pyth
    ///      PriceUpdateRouter, the order book) appends to its call, ERC-2771 style. Only calldata whose length is an
    ///      ABI encoding plus 20 bytes can carry an appended account, so direct calls never pay for the core lookup.
    ///      A trusted forwarder must append exactly one address: anything else reverts rather than trade or pay the
    ///      forwarder itself.
    function _sender() internal view returns (address account) {
        uint256 extra = (msg.data.length - 4) % 32;
        if (extra == 0 || !core_.isTrustedForwarder(msg.sender)) return msg.sender;
        if (extra != 20) revert MalformedForwardedCall(msg.sender, msg.data.length);
        assembly ("memory-safe") {
            account := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }

    /// @dev `mask` with market `marketId`'s bit set iff its open interest `oiUsd` is nonzero.
    function _activeMask(uint16 mask, uint256 marketId, uint256 oiUsd) internal pure returns (uint16) {
        uint16 bit = uint16(1 << marketId);
        return oiUsd > 0 ? mask | bit : mask & ~bit;
    }

    function _onlyProduct() internal view {
        if (!core_.isProduct(msg.sender)) revert IClearingCore.NotProduct(msg.sender);
    }

    function _requireMarket(uint256 marketId) internal view {
        uint256 count = totals.marketCount;
        if (marketId >= count) revert UnknownMarket(marketId, count);
    }

    function _key(address account, uint256 marketId, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(account, marketId, isLong));
    }

    function _status(Trade memory t, Position storage pos) internal view returns (PositionStatus memory) {
        return PerpRisk.statusOf(
            t.cfg,
            pos,
            PerpRisk.Mark({
                isLong: t.isLong,
                priceWad: t.priceWad,
                maintenanceBaseWad: t.maintenanceBaseWad,
                borrowIndexWad: t.borrowIndexWad,
                fundingIndexWad: t.fundingIndexWad
            })
        );
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IProduct
    /// @dev PerpState.poolClaimUsd, run on this contract's storage.
    function poolClaimUsd(uint256 borrowIndexWad) external view returns (int256, uint256, uint256) {
        return PerpState.poolClaimUsd(totals, markets, capBook, borrowIndexWad);
    }

    /// @inheritdoc IPerpEngine
    function volatilityNow(uint256 marketId) public view knownMarket(marketId) returns (PricingInputs memory) {
        return PerpState.volatilityNow(totals, markets[marketId], marketId);
    }

    /// @inheritdoc IPerpEngine
    /// @dev Encodes the returned bytes32[] in place (offset, length, words) and returns it from assembly, as
    ///      Uniswap v4's Extsload does: no ABI encoder in this contract's code.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory) {
        assembly ("memory-safe") {
            let start := mload(0x40)
            mstore(start, 0x20)
            mstore(add(start, 0x20), slots.length)
            let out := add(start, 0x40)
            let end := add(out, shl(5, slots.length))
            for { let src := slots.offset } lt(out, end) {
                out := add(out, 0x20)
                src := add(src, 0x20)
            } { mstore(out, sload(calldataload(src))) }
            return(start, sub(end, start))
        }
    }

    /// @inheritdoc IPerpEngine
    function position(address account, uint256 marketId, bool isLong) external view returns (Position memory) {
        return positions[_key(account, marketId, isLong)];
    }
}
