// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {CapGrid} from "../libraries/CapGrid.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IPriceFeed} from "../oracles/IPriceFeed.sol";
import {CapBook} from "./CapBook.sol";
import {PerpRisk} from "./PerpRisk.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title PerpState
/// @notice The perpetuals product's storage layout and its O(1) valuation: the NAV's claim on the pool runs here, by
///         DELEGATECALL on the engine's storage, so the engine's code keeps room for its trade paths.
/// @dev The price and funding rules are internal functions used by both this library and the engine (one definition).
library PerpState {
    using MathLib for uint256;
    using SafeCast for int256;

    uint256 internal constant MAX_MARKETS = 16;
    /// @dev One whole USD in the engine's USD units (the settlement token's 6 decimals): the options skew's unit.
    int256 internal constant OPTIONS_SKEW_UNIT = 1e6;
    bytes32 internal constant PIN_SEED = keccak256("counterpool.perps.pinnedPrice");

    /// @dev One market in seven slots; the NAV reads the first three (open interest and funding, tokens and cap
    ///      bounds, funding snapshots and floor bounds), trades also the others (the last, the funding withheld, only
    ///      short trades and an accrual that withholds) (price, volatility, margin schedule, the block's exposure). The market's reserve is
    ///      not stored: it is (long + short OI) x maxProfitBps. Only the net of the per-side funding snapshot sums is
    ///      kept (the NAV needs nothing else), next to the long index; the short index is it less the funding withheld.
    ///      Token sums are 112-bit (5.2e15 whole index tokens per side; an open beyond that reverts in SafeCast).
    ///      The volatility estimator's inputs saturate instead of reverting, so no price can block a liquidation:
    ///      variance at 2^64 - 1 (far above the level where maintenance hits its 50% ceiling) and the last price at
    ///      2^96 - 1 (7.9e10 USD per index token).
    struct MarketSlots {
        uint64 longOiUsd; // 64 bits hold 1.8e13 USD, as a position's size does
        uint64 shortOiUsd;
        // The options product's traders' net delta x price at its last update, whole USD (saturating at +-2^31):
        // added to the perpetual skew to drive funding and charged to trades that add to the sum (netSkewUsd).
        int32 optionsSkewUsd;
        int64 fundingRateWad;
        uint32 lastFundingAt;
        uint112 longTokens;
        uint112 shortTokens;
        uint16 longCapLow; // no long cap bucket is nonempty below this (0: none yet); CapBook
        uint16 shortCapHigh; // no short cap bucket is nonempty above this (0: none)
        // Sum over longs - sum over shorts of sizeUsd x funding snapshot (USD x WAD), each side's snapshot taken on its
        // own index (the long index below; the short index is it less fundingWithheldWad), less fundingWithheldWad x
        // short open interest: so the NAV's receivable, long index x skew + withheld x short OI - the net sum, is long
        // index x skew - this, plus only what an accrual since withheld, with no read of the withheld slot. Either
        // index moves at most maxFundingRateWad (<= 1%/hour) a second, so both stay within +-2^78 WAD (3.0e5) for
        // over 3,000 years; with each side's open interest below 2^64, 144 bits hold the sum (SafeCast on writes).
        int144 netFundingSnapSum;
        int80 fundingIndexWad; // the long index: what a long owes per unit of size since listing (negative: is owed)
        uint16 longFloorHigh; // no long floor bucket is nonempty above this (0: none); CapBook
        uint16 shortFloorLow; // no short floor bucket is nonempty below this (0: none yet)
        uint64 varianceWad;
        uint96 lastPriceWad;
        uint32 lastPriceAt;
        uint32 lastSampleAt; // publish time of the volatility estimator's last sample (its price: lastPriceWad)
        uint64 longVarianceWad; // long-run variance (memory longVolTauSec): the margin's floor
        uint64 marginTargetWad; // base margin rate at max(variance, long-run variance) (<= 50%)
        uint64 marginAnchorWad; // base maintenance rate at marginAnchorAt; ramps toward the target (PerpRisk)
        uint32 marginAnchorAt;
        // The traders' tokens before the first trade of block `exposureBlock` (observePrice records them): the deposit
        // side of the LP band prices the oracle lag on the lower of that exposure and the current one (P-94).
        uint112 blockLongTokens;
        uint112 blockShortTokens;
        uint32 exposureBlock;
        // Funding withheld from the receiving side, per unit of size, since the market was listed (RiskMath
        // .nextFundingSplit: the pool's share on the net skew): the long index less the short one. Only short trades
        // read it, and an accrual writes it only when something was withheld (taking withheld x short OI off the net
        // snapshot sum with it); it starts at 1 so its slot is never written from zero. Never decreasing, it stays
        // below the index's bound (80 bits).
        uint80 fundingWithheldWad;
    }

    /// @dev The product in one slot, so one cold read answers "which config?", "how many markets?" and "which have
    ///      open interest?", and gives the borrow snapshot sum (the NAV's borrow receivable is index x total size -
    ///      this; 128 bits hold 3.4e38: 1e12 USD of total size up to an index of 3.4e20, 340 years at the highest
    ///      borrow rate the bounds allow; past that, opens revert in SafeCast while closes and liquidations, which
    ///      only subtract, go on). The ConfigStore's address is not stored: it is
    ///      this contract's CREATE address at `storeNonce` (this contract creates nothing else).
    struct ProductSlots {
        uint128 sizeBorrowSnapSum;
        uint32 storeNonce;
        uint8 marketCount;
        uint16 activeMarkets; // bit m set while market m has open interest (the NAV skips the others)
        uint72 badDebtUsd;
    }

    /// @notice The engine's ProductSlots word (storage slot 1), read through its extsload by the contracts that decode
    ///         its storage (the Reader, the options book, the order book): the ConfigStore's creation nonce at bit 128
    ///         and the market count at bit 160 (storeNonceOf, marketCountOf).
    function totalsWord(IPerpEngine engine) internal view returns (uint256) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = bytes32(uint256(1));
        return uint256(engine.extsload(slots)[0]);
    }

    function storeNonceOf(uint256 totalsWord_) internal pure returns (uint32) {
        return uint32(totalsWord_ >> 128);
    }

    function marketCountOf(uint256 totalsWord_) internal pure returns (uint256) {
        return uint8(totalsWord_ >> 160);
    }

    /// @notice The transient slot pinning market `marketId`'s price for the current transaction (PerpState.pinPrice).
    function pinSlot(uint256 marketId) internal view returns (bytes32) {
        return keccak256(abi.encode(PIN_SEED, marketId, block.timestamp));
    }

    /// @notice The price this transaction has pinned for the market, or else the feed's validated price: the NAV values
    ///         a market at the price the transaction's trades use.
    function currentPrice(uint256 marketId, IPerpEngine.MarketConfig memory cfg)
        internal
        view
        returns (uint256 priceWad)
    {
        bytes32 slot = pinSlot(marketId);
        uint256 pinned;
        assembly ("memory-safe") {
            pinned := tload(slot)
        }
        if (pinned != 0) return pinned >> 32;
        (priceWad,) = validatedPrice(marketId, cfg);
    }

    /// @notice The feed's price and time, refused (PriceTooOld) when older than the market's max age or in the future.
    function validatedPrice(uint256 marketId, IPerpEngine.MarketConfig memory cfg)
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
            revert IPerpEngine.PriceTooOld(marketId, updatedAt, block.timestamp, maxAge);
        }
    }

    /// @dev The rate now and how far the long index and the funding withheld moved since the last accrual, from the
    ///      market's first slot as stored (`word0`: open interest, options skew, rate and last accrual, MarketSlots) at
    ///      the current skew (RiskMath.nextFundingSplit): the short index is the long index less the funding
    ///      withheld. The receivers' share never exceeds the payers', so the withheld part only grows. The Reader
    ///      decodes the same word through this function (one definition).
    function fundingAt(uint256 word0, IPerpEngine.MarketConfig memory cfg)
        internal
        view
        returns (int256 nextRateWad, int256 longDeltaWad, uint256 withheldDeltaWad)
    {
        if (block.timestamp <= uint32(word0 >> 224)) return (int64(uint64(word0 >> 160)), 0, 0);
        int256 shortDeltaWad;
        (nextRateWad, longDeltaWad, shortDeltaWad) = RiskMath.nextFundingSplit(
            int64(uint64(word0 >> 160)),
            uint64(word0),
            uint64(word0 >> 64),
            int256(uint256(uint64(word0))) - int256(uint256(uint64(word0 >> 64))) + int256(int32(uint32(word0 >> 128)))
                * OPTIONS_SKEW_UNIT,
            cfg.skewScaleUsd,
            cfg.maxFundingVelocityWad,
            cfg.maxFundingRateWad,
            uint32(block.timestamp - uint32(word0 >> 224)) // timestamps are 32-bit in storage
        );
        withheldDeltaWad = uint256(longDeltaWad - shortDeltaWad);
    }

    /// @notice fundingAt for a contract that decodes the engine's storage (the Reader), by DELEGATECALL: the same
    ///         definition, kept out of that contract's code.
    function fundingNow(uint256 word0, IPerpEngine.MarketConfig memory cfg)
        external
        view
        returns (int256 nextRateWad, int256 longDeltaWad, uint256 withheldDeltaWad)
    {
        return fundingAt(word0, cfg);
    }

    /// @dev The market's first slot as one word (fundingAt's input).
    function _word0(MarketSlots storage st) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(st.slot)
        }
    }

    /// @dev Funding the market's traders owe the pool, net, accrued to now (rounded down: a receivable is never
    ///      overstated): longs owe long index x long OI, shorts short index x short OI (negated), less the snapshot
    ///      sums: index x skew + withheld x short OI - net snapshot sum, where the stored sum already holds the
    ///      withheld term up to the last accrual, so only what an accrual would withhold now is added. Only the
    ///      perpetuals pay or receive funding; the net skew (with the options' delta) drives the rate and sets the
    ///      pool's share.
    function _fundingOwedToPool(
        MarketSlots storage st,
        IPerpEngine.MarketConfig memory cfg,
        uint256 shortOi,
        int256 perpSkew
    ) private view returns (int256) {
        // Fields of one slot read together (one SLOAD each pair); the caller read the skew from the first slot.
        int256 index = st.fundingIndexWad;
        int256 netSnapSum = st.netFundingSnapSum;
        (, int256 indexDelta, uint256 withheldDelta) = fundingAt(_word0(st), cfg);
        index += indexDelta;
        return MathLib.mulDivSignedDown(index * perpSkew + int256(withheldDelta * shortOi) - netSnapSum, 1, WAD);
    }

    /// @dev The skew that drives the funding rate: the perpetuals' long minus short notional plus the options product's
    ///      traders' net delta in USD (OptionsBook pushes it at every trade and refresh). The perpetuals pay
    ///      and receive funding, the pool keeping its share on this net skew (RiskMath.nextFundingSplit); impact charges the
    ///      larger of the net and the perpetual-only impact (RiskMath.nettedImpactCostUsd).
    function netSkewUsd(MarketSlots storage st) internal view returns (int256) {
        return perpSkewUsd(st) + optionsSkewUsd(st);
    }

    /// @dev The perpetuals' own skew (long - short open interest): what pays funding, and the impact's floor.
    function perpSkewUsd(MarketSlots storage st) internal view returns (int256) {
        return int256(uint256(st.longOiUsd)) - int256(uint256(st.shortOiUsd));
    }

    /// @dev The options traders' delta in USD as the engine stores it (whole dollars, scaled back to USD units).
    function optionsSkewUsd(MarketSlots storage st) internal view returns (int256) {
        return int256(st.optionsSkewUsd) * OPTIONS_SKEW_UNIT;
    }

    /// @dev Whole USD of an options delta, saturated to the 32-bit field.
    function toOptionsSkew(int256 skewUsd) internal pure returns (int32) {
        int256 whole = skewUsd / OPTIONS_SKEW_UNIT;
        return int32(MathLib.clamp(whole, type(int32).min, type(int32).max));
    }

    /// @notice The product's claim on the pool (IProduct.poolClaimUsd): borrow and funding owed to the pool minus
    ///         traders' PnL capped per side, each market in O(1) from its accumulators; only markets with open
    ///         interest are read.
    function poolClaimUsd(
        ProductSlots storage totals,
        mapping(uint256 => MarketSlots) storage markets,
        CapBook.Book storage capBook,
        uint256 borrowIndexWad
    ) external view returns (int256 claimUsd, uint256 lagRiskUsd, uint256 lagRiskUpUsd) {
        ProductSlots memory tot = totals;
        address cfgStore = ConfigStore.createdAt(address(this), tot.storeNonce);
        uint256 totalSize;
        IPerpEngine.MarketConfig memory cfg;
        uint256 active = tot.activeMarkets;
        for (uint256 m; active >> m != 0; ++m) {
            if ((active >> m) & 1 == 0) continue;
            MarketSlots storage st = markets[m];
            uint256 longOi = st.longOiUsd;
            uint256 shortOi = st.shortOiUsd;
            totalSize += longOi + shortOi;
            ConfigStore.readMarketInto(cfgStore, m, cfg);
            claimUsd += _fundingOwedToPool(st, cfg, shortOi, int256(longOi) - int256(shortOi));
            uint256 priceWad = currentPrice(m, cfg);
            // A side without open interest has no PnL (and no tokens): its term is skipped. Each side owes its
            // uncapped PnL, less what the caps of the buckets the price has crossed take off, plus the losses past
            // the floors it has crossed (the pool cannot collect beyond a position's backing): exactly the sum of what
            // its positions would be paid, or could be made to pay, if they closed now (CapBook).
            {
                uint256 risk = _lagRiskUp(st, st.longTokens, st.shortTokens, priceWad, cfg.oracleLagBps);
                lagRiskUsd += risk;
                // Deposits: perpetuals opened in front of a deposit in its own block do not raise its price (P-94).
                // A trade accrues funding first (lastFundingAt, in the slot read above): only then is the record read.
                lagRiskUpUsd += st.lastFundingAt == block.timestamp && st.exposureBlock == uint32(block.number)
                    ? MathLib.min(
                        risk, _lagRiskUp(st, st.blockLongTokens, st.blockShortTokens, priceWad, cfg.oracleLagBps)
                    )
                    : risk;
            }
            claimUsd -= _marketLiabilityUp(capBook, st, m, longOi, shortOi, priceWad);
        }
        if (totalSize > 0) claimUsd += int256((borrowIndexWad * totalSize - tot.sizeBorrowSnapSum) / WAD);
    }

    /// @dev How far the market's claim could move if its oracle lagged by `lagBps` unseen: the traders' net exposure
    ///      (|long - short| tokens x price, at `longTokens` and `shortTokens`) times the lag, rounded up.
    ///      When a cap or floor lies within the lag of the price (or is already crossed: the book bounds say so,
    ///      conservatively), positions there lose their sensitivity and the net no longer bounds the move; then each
    ///      side's sensitivity is anywhere between 0 and its tokens, and the larger side's tokens bound it.
    function _lagRiskUp(
        MarketSlots storage st,
        uint256 longTokens,
        uint256 shortTokens,
        uint256 priceWad,
        uint256 lagBps
    ) private view returns (uint256) {
        uint256 exposure = longTokens > shortTokens ? longTokens - shortTokens : shortTokens - longTokens;
        uint256 upper = CapGrid.bucketDown(priceWad.mulDivUp(10_000 + lagBps, 10_000));
        uint256 lower = CapGrid.bucketUp(priceWad.mulDivDown(10_000 - lagBps, 10_000));
        bool kinkInReach = (st.longCapLow != 0 && st.longCapLow <= upper) || st.longFloorHigh >= lower
            || st.shortCapHigh >= lower || (st.shortFloorLow != 0 && st.shortFloorLow <= upper);
        if (kinkInReach) exposure = longTokens > shortTokens ? longTokens : shortTokens;
        return exposure.mulDivUp(priceWad, PositionMath.VALUE_SCALE).bpsUp(lagBps);
    }

    /// @dev Both sides' liabilities (_sideLiabilityUp), the price's buckets computed once for the two (in one word:
    ///      down << 16 | up, buckets are below 2^14).
    function _marketLiabilityUp(
        CapBook.Book storage capBook,
        MarketSlots storage st,
        uint256 m,
        uint256 longOi,
        uint256 shortOi,
        uint256 priceWad
    ) private view returns (int256 liability) {
        (uint256 down, uint256 up) = CapGrid.bucketsAround(priceWad);
        uint256 buckets = down << 16 | up;
        if (longOi > 0) liability = _sideLiabilityUp(capBook, st, m, true, longOi, priceWad, buckets);
        if (shortOi > 0) liability += _sideLiabilityUp(capBook, st, m, false, shortOi, priceWad, buckets);
    }

    /// @dev One side's liability at `priceWad`: its uncapped PnL (aggregates, rounded against the pool), less the
    ///      crossed cap buckets' excess, plus the crossed floor buckets' uncollectible loss. A book is read only when
    ///      the price has reached its bound. `buckets` holds the price's buckets (_marketLiabilityUp).
    function _sideLiabilityUp(
        CapBook.Book storage capBook,
        MarketSlots storage st,
        uint256 m,
        bool isLong,
        uint256 oiUsd,
        uint256 priceWad,
        uint256 buckets
    ) private view returns (int256 liability) {
        liability = PositionMath.sidePnlUp(isLong, oiUsd, isLong ? st.longTokens : st.shortTokens, priceWad);
        uint256 key = (m << 2) | (isLong ? 1 : 0);
        (uint256 down, uint256 up) = (buckets >> 16, buckets & 0xffff);
        uint256 capBound = isLong ? st.longCapLow : st.shortCapHigh;
        if (capBound != 0 && (isLong ? capBound <= down : capBound >= up)) {
            liability -= int256(CapBook.excessUsd(capBook, key, capBound, priceWad));
        }
        uint256 floorBound = isLong ? st.longFloorHigh : st.shortFloorLow;
        if (floorBound != 0 && (isLong ? floorBound >= up : floorBound <= down)) {
            liability += int256(CapBook.excessUsd(capBook, key | 2, floorBound, priceWad));
        }
    }

    // ------------------------------------------------------------ admin (external, delegatecalled)

    /// @notice Lists a new market: validates and stores its config, starts its indices.
    function addMarket(
        ProductSlots storage totals,
        mapping(uint256 => MarketSlots) storage markets,
        mapping(uint256 => bytes32) storage names,
        bytes32 name,
        IPerpEngine.MarketConfig calldata cfg
    ) external returns (uint256 marketId) {
        marketId = totals.marketCount;
        if (marketId >= MAX_MARKETS) revert IPerpEngine.TooManyMarkets(MAX_MARKETS);
        _setStore(totals, ConfigStore.writeMarket(store(totals), marketId, marketId, cfg));
        totals.marketCount = uint8(marketId + 1);
        names[marketId] = name;
        MarketSlots storage st = markets[marketId];
        // The funding index starts at 1e18, like the borrow index: fees only use index differences, and a nonzero
        // origin keeps the snapshot sum's slot nonzero (no 20k zero-to-nonzero writes).
        st.fundingIndexWad = int80(int256(WAD));
        st.fundingWithheldWad = 1;
        st.lastFundingAt = uint32(block.timestamp);
        st.varianceWad = cfg.initialVarianceWad;
        st.longVarianceWad = cfg.initialVarianceWad;
        uint64 base = uint64(PerpRisk.targetMarginUp(cfg, cfg.initialVarianceWad, cfg.initialVarianceWad));
        st.marginTargetWad = base;
        st.marginAnchorWad = base;
        st.marginAnchorAt = uint32(block.timestamp);
        emit IPerpEngine.MarketAdded(marketId, name);
        emit IPerpEngine.MarketConfigUpdated(marketId, cfg);
    }

    /// @notice Updates a market's risk parameters within hard bounds, inside the core's lock (funding accrues under
    ///         the old parameters first). Open positions follow the new values, except the profit cap: each position
    ///         keeps the cap price it was opened with, so the cap may rise at any time (the reserve rises with it, checked
    ///         for solvency) but falls only while the market has no open interest. The price feed is never changed
    ///         (`FeedFixed`): the risk role could otherwise price every position, liquidation and option settlement
    ///         of the market on a source of its choosing (review AX: a swapped feed made a healthy 5x long
    ///         liquidatable at a price the market never showed); a new source is a new market.
    function setMarketConfig(
        ProductSlots storage totals,
        mapping(uint256 => MarketSlots) storage markets,
        IClearingCore core_,
        uint256 marketId,
        IPerpEngine.MarketConfig calldata cfg
    ) external {
        core_.enter(IClearingCore.Risk.Reduces);
        address oldStore = store(totals);
        IPerpEngine.MarketConfig memory old = ConfigStore.readMarket(oldStore, marketId);
        if (address(cfg.feed) != address(old.feed)) {
            revert IPerpEngine.FeedFixed(marketId, address(old.feed), address(cfg.feed));
        }
        accrueFunding(markets[marketId], old, true);
        _setStore(totals, ConfigStore.writeMarket(oldStore, totals.marketCount, marketId, cfg));
        MarketSlots storage st = markets[marketId];
        uint256 oi = uint256(st.longOiUsd) + st.shortOiUsd;
        if (cfg.maxProfitBps < old.maxProfitBps && oi > 0) {
            revert IPerpEngine.ProfitCapLoweredWithOpenInterest(marketId, oi, old.maxProfitBps, cfg.maxProfitBps);
        }
        // The margin schedule restarts from where it stands under the old parameters, toward the new target: a
        // stricter config raises maintenance at the ramp's pace, like a volatility rise (notice before margin calls).
        IPerpEngine.MarketState memory m = _volState(st);
        uint256 anchorWad = PerpRisk.maintenanceBaseUp(old, m, block.timestamp);
        uint256 targetWad = PerpRisk.targetMarginUp(cfg, m.varianceWad, m.longVarianceWad);
        // The size term applies to open positions at once (maintenance = base + sizeTermWad x size / sizeScaleUsd),
        // so a stricter one enters through the schedule: the base drops by what it adds to the largest position a
        // side holds (at most that side's open interest), so no open position's maintenance rises at the change, and
        // climbs back at the ramp's pace. The base may not end more than an hour of the ramp below its target, nor
        // below the maintenance floor; a larger raise is refused and goes in steps as the base climbs back (P-60).
        // So open interest inflated in front of a change can cut the others' maintenance by at most an hour of the
        // ramp, or delay it, however many changes are sent in a row.
        if (oi > 0 && uint256(cfg.sizeTermWad) * old.sizeScaleUsd > uint256(old.sizeTermWad) * cfg.sizeScaleUsd) {
            uint256 sideOiUsd = MathLib.max(st.longOiUsd, st.shortOiUsd);
            uint256 raiseWad = uint256(cfg.sizeTermWad).mulDivUp(sideOiUsd, cfg.sizeScaleUsd)
                - uint256(old.sizeTermWad).mulDivDown(sideOiUsd, old.sizeScaleUsd) + 1; // + 1: each term rounds up
            // an hour of the ramp, less how far the base already trails its target (an earlier raise or a rise)
            uint256 hourWad = MathLib.min(cfg.maintenanceRampWadPerHour, old.maintenanceRampWadPerHour);
            uint256 behindWad = targetWad > anchorWad ? targetWad - anchorWad : 0;
            uint256 roomWad = MathLib.min(
                hourWad > behindWad ? hourWad - behindWad : 0,
                anchorWad > cfg.mmrFloorWad ? anchorWad - cfg.mmrFloorWad : 0
            );
            if (raiseWad > roomWad) revert IPerpEngine.SizeTermRaiseTooLarge(marketId, sideOiUsd, raiseWad, roomWad);
            anchorWad -= raiseWad;
        }
        // The ramp is the notice itself: a faster one applied to a base already trailing its target would call the
        // margin it was giving notice of at once (review AD: 0.5 -> 50 points an hour made a winner liquidatable two
        // minutes after the change). With open interest it may rise only while the base stands on its target.
        if (oi > 0 && cfg.maintenanceRampWadPerHour > old.maintenanceRampWadPerHour && targetWad > anchorWad) {
            revert IPerpEngine.RampRaisedBehindTarget(marketId, anchorWad, targetWad);
        }
        st.marginAnchorWad = uint64(anchorWad);
        st.marginAnchorAt = uint32(block.timestamp);
        st.marginTargetWad = uint64(targetWad);
        IClearingCore.Settlement memory s;
        s.reserveDeltaUsd = int256(oi.bpsUp(cfg.maxProfitBps)) - int256(oi.bpsUp(old.maxProfitBps));
        s.checkSolvency = s.reserveDeltaUsd > 0; // a higher cap reserves more: the pool and product limits apply
        s.nothingOpen = totals.activeMarkets == 0;
        core_.settle(s);
        emit IPerpEngine.MarketConfigUpdated(marketId, cfg);
    }

    // ------------------------------------------------------------ trades (external, delegatecalled)

    /// @notice A trade's view of its market: pins the price (PerpState.pinPrice), feeds it to the volatility estimator
    ///         (a sample re-anchors the margin schedule: PerpRisk.observe) and returns the base maintenance rate on the
    ///         schedule now and the target that initial margin applies at once; then accrues funding (accrueFunding:
    ///         the side's index, the long index, the rate, and whether it moved).
    function observePrice(MarketSlots storage st, IPerpEngine.MarketConfig memory cfg, uint256 marketId, bool isLong)
        external
        returns (Observed memory o)
    {
        // Every trade, liquidation and poke starts here, before it moves the tokens: the block's first records them.
        if (st.exposureBlock != uint32(block.number)) {
            (st.blockLongTokens, st.blockShortTokens, st.exposureBlock) =
            (st.longTokens, st.shortTokens, uint32(block.number));
        }
        (o.priceWad, o.maintenanceBaseWad, o.targetWad) = _observePrice(st, cfg, marketId);
        (o.fundingIndexWad, o.longFundingIndexWad, o.fundingRateWad, o.fundingMoved) = accrueFunding(st, cfg, isLong);
    }

    /// @dev What observePrice returns to a trade.
    struct Observed {
        uint256 priceWad;
        uint256 maintenanceBaseWad; // the base maintenance rate on the schedule now
        uint256 targetWad; // the target initial margin applies at once
        int256 fundingIndexWad; // the funding index the trade's side settles against
        int256 longFundingIndexWad; // the long index (Accrued)
        int256 fundingRateWad;
        bool fundingMoved; // funding accrued (time passed since the last accrual)
    }

    /// @dev After a liquidation, a close or a partial close, that side's record of the block's starting tokens
    ///      (observePrice, earlier in the transaction) is at most the side's tokens now. The deposit side of the band takes the lower of the lag
    ///      risk at that record and now (P-94) to leave out opens in front of a deposit; the exposure a liquidation
    ///      leaves is not the depositor's own. Review BE: a keeper liquidated the short that balanced a 5M long and
    ///      deposited 180M in the same block, ahead of an update the market already showed: the deposit paid a band
    ///      of 1 unit and the update gave it 22,712 USD. Capping, not subtracting the position's tokens: a position
    ///      opened in the block was never in the record, and subtracting it erased others' older exposure (review BH).
    ///      Review BI: a close left the record at the balanced book the same way (a deposit behind an honest close of
    ///      the short that balanced a 5M long paid a band of 1 unit, and the update gave it 22,489 USD).
    ///      A side's record then lies between its tokens before the block less what was liquidated and closed on it,
    ///      and those tokens before the block: opens in the block can only keep it higher, as P-94 wants them left out.
    function capBlockExposure(MarketSlots storage st, bool isLong) internal {
        if (isLong) {
            uint112 tokens = st.longTokens;
            if (tokens < st.blockLongTokens) st.blockLongTokens = tokens;
        } else {
            uint112 tokens = st.shortTokens;
            if (tokens < st.blockShortTokens) st.blockShortTokens = tokens;
        }
    }

    /// @notice The cap bucket of the position an increase leaves (CapGrid.mergedBucket, P-107). Reverts AtProfitCap where
    ///         that cap lies on the losing side of the price (a position past its cap, unless the added size's own
    ///         allowance lifts it back: the merged position would lose value at once, review S); it is never rounded up
    ///         past the price.
    function mergedCapBucket(
        bool isLong,
        uint256 sizeUsd,
        uint256 sizeTokens,
        uint256 oldTokens,
        uint256 oldBucket,
        uint256 sizeDeltaUsd,
        uint256 maxProfitBps,
        uint256 priceWad
    ) external pure returns (uint256 bucket) {
        bucket = CapGrid.mergedBucket(
            isLong, sizeUsd, sizeTokens, oldTokens, oldBucket, sizeDeltaUsd, maxProfitBps, priceWad
        );
        if (!CapGrid.capAhead(isLong, priceWad, bucket)) {
            revert IPerpEngine.AtProfitCap(CapGrid.cappedPriceWad(isLong, priceWad, bucket), priceWad);
        }
    }

    /// @notice Records the options product's traders' net delta x price on market `marketId` (whole dollars), funding
    ///         accrued first at the old skew (IPerpEngine.setOptionsSkew; the engine checks the caller).
    function setOptionsSkew(ProductSlots storage totals, MarketSlots storage st, uint256 marketId, int256 skewUsd)
        external
    {
        int32 whole = toOptionsSkew(skewUsd);
        if (whole == st.optionsSkewUsd) return; // nothing changes: the next accrual integrates on as it would
        accrueFunding(st, ConfigStore.readMarket(store(totals), marketId), true);
        st.optionsSkewUsd = whole;
        emit IPerpEngine.OptionsSkewUpdated(marketId, int256(whole) * OPTIONS_SKEW_UNIT);
    }

    /// @notice Pins only (no sample, no write) the price of every market in `marketMask` (bit m: market m; the
    ///         engine's valuation passes the markets with open interest): what IProduct.pinValuationPrices needs so one
    ///         transaction's LP flows see one price per market. Reverts UnknownMarket for a bit past the last market.
    function pinPrices(ProductSlots storage totals, uint256 marketMask) external {
        uint256 count = totals.marketCount;
        if (marketMask >> count != 0) revert IPerpEngine.UnknownMarket(CapGrid.msb(marketMask), count);
        address cfgStore = store(totals);
        IPerpEngine.MarketConfig memory cfg; // one struct, overwritten per market
        for (uint256 m; marketMask >> m != 0; ++m) {
            if ((marketMask >> m) & 1 == 0) continue;
            // pinPrice's work, with the config read only for a market not pinned yet in this transaction (another
            // product's valuation may have pinned it).
            bytes32 slot = pinSlot(m);
            uint256 pinned;
            assembly ("memory-safe") {
                pinned := tload(slot)
            }
            if (pinned != 0) continue;
            ConfigStore.readMarketInto(cfgStore, m, cfg);
            (uint256 priceWad, uint256 updatedAt) = validatedPrice(m, cfg);
            assembly ("memory-safe") {
                tstore(slot, or(shl(32, priceWad), updatedAt))
            }
        }
    }

    function _observePrice(MarketSlots storage st, IPerpEngine.MarketConfig memory cfg, uint256 marketId)
        private
        returns (uint256 priceWad, uint256 maintenanceBaseWad, uint256 targetWad)
    {
        uint256 lastAt = st.lastPriceAt;
        uint256 updatedAt;
        (priceWad, updatedAt) = pinPrice(marketId, cfg, lastAt);
        IPerpEngine.MarketState memory m = _volState(st);
        bool seeded = m.lastSampleAt != 0;
        if (PerpRisk.observe(cfg, m, priceWad, updatedAt, block.timestamp)) {
            st.lastPriceWad = uint96(m.lastPriceWad);
            st.lastSampleAt = uint32(updatedAt);
            if (seeded) {
                st.varianceWad = uint64(m.varianceWad);
                st.longVarianceWad = uint64(m.longVarianceWad);
                st.marginTargetWad = uint64(m.marginTargetWad);
                st.marginAnchorWad = uint64(m.marginAnchorWad);
                st.marginAnchorAt = uint32(block.timestamp);
                emit IPerpEngine.VolatilityUpdated(
                    marketId,
                    priceWad,
                    m.varianceWad,
                    m.longVarianceWad,
                    m.marginAnchorWad,
                    m.marginTargetWad,
                    updatedAt
                );
            }
        }
        if (updatedAt > lastAt) st.lastPriceAt = uint32(updatedAt);
        return (priceWad, PerpRisk.maintenanceBaseUp(cfg, m, block.timestamp), m.marginTargetWad);
    }

    /// @notice IPerpEngine.pinMarket: pins and observes the market's price (`observePrice`: a due sample is taken),
    ///         then reads `volatilityNow` (the sample just taken leaves nothing due).
    function pinMarket(ProductSlots storage totals, MarketSlots storage st, uint256 marketId)
        external
        returns (IPerpEngine.PricingInputs memory)
    {
        IPerpEngine.MarketConfig memory cfg = ConfigStore.readMarket(store(totals), marketId);
        _observePrice(st, cfg, marketId);
        return _inputs(st, cfg, marketId);
    }

    /// @notice IPerpEngine.volatilityNow: the price a trade would use now and the estimator with a due sample applied
    ///         at it (in memory: PerpRisk.observe, the rule `observePrice` stores), the traders' tokens and the
    ///         config's oracle lag and estimator.
    function volatilityNow(ProductSlots storage totals, MarketSlots storage st, uint256 marketId)
        external
        view
        returns (IPerpEngine.PricingInputs memory)
    {
        return _inputs(st, ConfigStore.readMarket(store(totals), marketId), marketId);
    }

    function _inputs(MarketSlots storage st, IPerpEngine.MarketConfig memory cfg, uint256 marketId)
        private
        view
        returns (IPerpEngine.PricingInputs memory p)
    {
        uint256 at;
        uint256 pinned;
        bytes32 slot = pinSlot(marketId);
        assembly ("memory-safe") {
            pinned := tload(slot)
        }
        (p.priceWad, at) = pinned != 0 ? (pinned >> 32, uint256(uint32(pinned))) : validatedPrice(marketId, cfg);
        IPerpEngine.MarketState memory m = _volState(st);
        PerpRisk.observe(cfg, m, p.priceWad, at, block.timestamp);
        (p.varianceWad, p.longVarianceWad, p.samplePriceWad, p.sampleAt) =
        (m.varianceWad, m.longVarianceWad, m.lastPriceWad, m.lastSampleAt);
        (p.longTokens, p.shortTokens) = (st.longTokens, st.shortTokens);
        p.oracleLagBps = cfg.oracleLagBps;
        p.est = PerpRisk.estimator(cfg);
    }

    // ------------------------------------------------------------ shared rules (internal)

    /// @notice The price this transaction uses for the market: the first one it read, pinned in transient storage
    ///         (keyed by market and timestamp, which is fixed within a transaction). An update posted later in the same
    ///         transaction, through the router or straight to a pull oracle, changes nothing until the next one, so a
    ///         trade cannot open at one signed price and close at a newer one atomically (P-14 on pull markets). A
    ///         price older than the newest the market has already used is refused (timestamps are monotone per market),
    ///         pinned or not: a valuation's pin (`pinPrices`, which has no last time to check) cannot carry an older
    ///         price into a trade.
    function pinPrice(uint256 marketId, IPerpEngine.MarketConfig memory cfg, uint256 lastUsedAt)
        internal
        returns (uint256 priceWad, uint256 updatedAt)
    {
        bytes32 slot = pinSlot(marketId);
        uint256 pinned;
        assembly ("memory-safe") {
            pinned := tload(slot)
        }
        if (pinned != 0) {
            (priceWad, updatedAt) = (pinned >> 32, uint32(pinned));
        } else {
            (priceWad, updatedAt) = validatedPrice(marketId, cfg);
            assembly ("memory-safe") {
                tstore(slot, or(shl(32, priceWad), updatedAt))
            }
        }
        if (updatedAt < lastUsedAt) revert IPerpEngine.PriceOlderThanLastUsed(marketId, updatedAt, lastUsedAt);
    }

    /// @dev The estimator's and the margin schedule's fields of a market (slots 3 and 4), in the view struct
    ///      PerpRisk works on (the Reader decodes the same fields through extsload).
    function _volState(MarketSlots storage st) private view returns (IPerpEngine.MarketState memory m) {
        m.varianceWad = st.varianceWad;
        m.lastPriceWad = st.lastPriceWad;
        m.lastSampleAt = st.lastSampleAt;
        m.longVarianceWad = st.longVarianceWad;
        m.marginTargetWad = st.marginTargetWad;
        m.marginAnchorWad = st.marginAnchorWad;
        m.marginAnchorAt = st.marginAnchorAt;
    }

    /// @notice Accrues a market's funding to now; `moved` is false when it was already current. Returns the index a
    ///         position of side `isLong` settles against (the short index is the long one less the funding withheld,
    ///         read only for a short or when the accrual withheld some) and the long index and rate.
    function accrueFunding(MarketSlots storage st, IPerpEngine.MarketConfig memory cfg, bool isLong)
        internal
        returns (int256 sideIndexWad, int256 longIndexWad, int256 rateWad, bool moved)
    {
        uint256 withheldDelta;
        longIndexWad = st.fundingIndexWad;
        if (st.lastFundingAt == block.timestamp) {
            rateWad = st.fundingRateWad;
        } else {
            int256 indexDelta;
            (rateWad, indexDelta, withheldDelta) = fundingAt(_word0(st), cfg);
            longIndexWad += indexDelta;
            st.fundingIndexWad = longIndexWad.toInt80();
            st.fundingRateWad = rateWad.toInt64();
            st.lastFundingAt = uint32(block.timestamp);
            moved = true;
        }
        sideIndexWad = longIndexWad;
        if (withheldDelta != 0 || !isLong) {
            uint256 withheld = st.fundingWithheldWad + withheldDelta;
            if (withheldDelta != 0) {
                st.fundingWithheldWad = SafeCast.toUint80(withheld);
                st.netFundingSnapSum = (st.netFundingSnapSum - int256(withheldDelta * st.shortOiUsd)).toInt144();
            }
            if (!isLong) sideIndexWad -= int256(withheld);
        }
    }

    /// @dev The market config store: this contract's CREATE address at the nonce that deployed it.
    function store(ProductSlots storage totals) internal view returns (address) {
        return ConfigStore.createdAt(address(this), totals.storeNonce);
    }

    /// @dev Records a new config store, checking it sits where `store` will look for it.
    function _setStore(ProductSlots storage totals, address newStore) private {
        uint32 nonce = totals.storeNonce + 1;
        if (newStore != ConfigStore.createdAt(address(this), nonce)) revert ConfigStore.ConfigStoreWriteFailed();
        totals.storeNonce = nonce;
    }
}
