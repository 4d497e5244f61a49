// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPriceFeed} from "../oracles/IPriceFeed.sol";

import {RiskMath} from "../libraries/RiskMath.sol";
import {IProduct} from "./IProduct.sol";

/// @title IPerpEngine
/// @notice Counterpool's perpetuals product: every perpetual market and position, impact, funding, the volatility
///         risk engine and liquidations. Tokens, pool cash, the borrow index and the solvency check live in the
///         clearing core (IClearingCore); every action here runs between the core's `enter` and `settle`.
/// @dev Units, one per quantity: `...Usd` settlement-token units (6 decimals, 1 token = 1 USD); `sizeTokens` index
///      tokens with 18 decimals; `...PriceWad` USD per whole index token, 18 decimals; `...RateWad` per second, 18
///      decimals; `...Wad` fractions with 18 decimals; `...Bps` fractions of 10_000; indices cumulative per USD of size.
interface IPerpEngine is IProduct {
    // ---------------------------------------------------------------- types

    /// @notice What options price from on a market, in one call (`volatilityNow`; `pinMarket` after its pin).
    struct PricingInputs {
        uint256 priceWad; // the price a trade would use now (pinned by `pinMarket`); trigger orders are checked against it
        uint256 varianceWad; // the EWMA variance per second, a due sample applied at the price
        uint256 longVarianceWad; // the long-run EWMA variance per second, likewise
        uint256 samplePriceWad; // the last sample's price (0 before the market's first price)
        uint256 sampleAt; // the last sample's publish time
        uint256 longTokens; // the perpetual longs' open interest, tokens (WAD)
        uint256 shortTokens; // the perpetual shorts' open interest, tokens (WAD)
        uint256 oracleLagBps; // the market config's oracle lag
        RiskMath.Estimator est; // the market config's volatility estimator (PerpRisk.estimator)
    }

    /// @notice Risk and fee parameters of one market (set by RISK_ROLE within hard bounds).
    struct MarketConfig {
        IPriceFeed feed;
        uint32 maxPriceAgeSec; // oldest oracle answer a trade accepts
        uint16 openFeeBps; // on size opened
        uint16 closeFeeBps; // on size closed
        uint16 liquidationFeeBps; // on size liquidated, split keeper / pool
        uint16 positiveImpactBps; // share of the impact paid back on skew-improving trades (< 10_000), at most the trade's fee
        uint32 maxProfitBps; // profit cap per position, of its entry notional (fixed at open as a cap price); reserved
        uint32 maxLeverage; // hard leverage cap (x), on top of the risk-based initial margin
        uint32 horizonSec; // liquidation horizon h of the volatility margin
        uint64 volTauSec; // time constant of the variance EWMA (its memory), seconds
        uint64 zWad; // one-sided quantile, e.g. 2.33e18 (99%)
        uint64 mmrFloorWad; // lowest maintenance margin rate
        uint64 sizeTermWad; // b: maintenance added per sizeScaleUsd of position size
        uint64 imrMultiplierWad; // initial = maintenance * this (>= 1e18) + utilization term
        uint64 utilTermWad; // a: initial margin added at 100% utilization excess over the kink
        uint128 maxLongOiUsd; // open-interest cap, long side
        uint128 maxShortOiUsd; // open-interest cap, short side
        uint128 impactScaleUsd; // K in impact = (s1^2 - s0^2) / 2K
        uint128 skewScaleUsd; // skew at which funding velocity saturates
        uint128 sizeScaleUsd; // size at which the size term adds sizeTermWad
        uint64 minCollateralUsd; // smallest collateral a position may keep
        uint64 maxFundingVelocityWad; // funding-rate change per second at full skew
        uint64 maxFundingRateWad; // |funding rate| cap per second
        uint64 initialVarianceWad; // variance per second before the first observed return
        uint16 oracleLagBps; // the most the oracle can lag the market unseen: a push feed's deviation threshold (a pull
        // feed's seconds of movement); LP deposits are priced that much of the pool's net exposure high, redemptions
        // that much low
        uint32 sampleIntervalSec; // the volatility estimator takes one return per interval: the first price at or
        // after each boundary (ticks inside an interval change nothing)
        uint64 longVolTauSec; // memory of the long-run variance EWMA (same samples): the margin's floor volatility
        uint16 clipSigmas; // outlier rule: a sample's squared return is winsorized at this many standard deviations
        uint64 maintenanceRampWadPerHour; // the most the maintenance rate of open positions may rise per hour
    }

    /// @notice Live accumulators of one market (a view: the engine stores them packed in five slots).
    struct MarketState {
        uint128 longOiUsd; // sum of long entry notionals
        uint128 shortOiUsd; // sum of short entry notionals
        uint128 longTokens; // sum of long sizes in index tokens
        uint128 shortTokens; // sum of short sizes in index tokens
        int128 fundingIndexWad; // the long index: cumulative funding a long owes per USD of size (negative: is owed)
        int128 shortFundingIndexWad; // the short index: what a short is owed per USD of size (the long index less the
        // funding withheld from receivers as the pool's share on the net skew; equal while none was)
        int64 fundingRateWad; // current funding rate per second
        uint64 lastFundingAt;
        int256 netFundingSnapSum; // sum over longs - sum over shorts of sizeUsd * funding snapshot (USD * WAD)
        uint128 lastPriceWad; // the volatility estimator's last sample (the first price after a sampling boundary)
        uint64 lastPriceAt; // publish time of the newest price the market has used
        uint64 lastSampleAt; // publish time of the last sample
        uint128 varianceWad; // EWMA variance of log returns per second
        uint128 longVarianceWad; // long-run EWMA variance (memory longVolTauSec): the margin's floor
        uint128 marginTargetWad; // base margin rate at max(variance, long-run variance): initial margin uses it now
        uint128 marginAnchorWad; // base maintenance rate at marginAnchorAt, from which it ramps toward the target
        uint64 marginAnchorAt; // time of the anchor (the last sample or config change)
        uint128 reservedUsd; // max payout reserved for this market's positions (derived from open interest)
        // The options product's traders' net delta x price at its last update (USD, whole dollars): added to the
        // perpetual skew (long - short open interest) to drive funding; trades that add to the sum pay its impact.
        int256 optionsSkewUsd;
    }

    /// @notice One position (per account, market and side).
    /// @dev Two storage slots: (sizeUsd, collateralUsd, sizeTokens, capBucket) and (borrowSnapWad, fundingSnapWad,
    ///      rebateUsd, floorBucket).
    struct Position {
        uint64 sizeUsd; // entry notional (64 bits hold 1.8e13 USD; open-interest caps stay far below)
        uint64 collateralUsd; // collateral after settled fees
        uint112 sizeTokens; // index tokens
        uint16 capBucket; // the profit cap as a price on CapGrid, fixed when the position is opened or increased
        uint96 borrowSnapWad; // borrow index at last settlement (the core's index is 96-bit too)
        int96 fundingSnapWad; // its side's funding index at last settlement (the long index is 80-bit, the short one
        // the long less the funding withheld, also 80-bit: PerpState)
        // Skew-reducing impact rebates not yet realized: paid out as the position is closed, forfeited to the pool on
        // liquidation, never margin (held in the core's collateral ledger, outside the NAV).
        uint48 rebateUsd;
        uint16 floorBucket; // where its loss would exceed its backing, on CapGrid (CapBook); set at every update
    }

    /// @notice Product-wide totals (a view).
    struct ProductTotals {
        uint256 totalSizeUsd; // sum of all entry notionals (the borrow base: sum of the markets' open interest)
        uint256 sizeBorrowSnapSum; // sum over positions of sizeUsd x borrow snapshot (USD x WAD)
        uint256 badDebtUsd; // cumulative bad debt this product's positions left
    }

    /// @notice Result of valuing a position at the current price, after accrual.
    struct PositionStatus {
        int256 pnlUsd; // capped unrealized PnL
        uint256 borrowFeeUsd; // borrow fee owed
        int256 fundingFeeUsd; // funding owed (negative: owed to the position)
        int256 equityUsd; // collateral + pnl - fees
        uint256 maintenanceMarginWad;
        uint256 maintenanceUsd; // equity below this is liquidatable
        bool liquidatable;
    }

    struct PositionRef {
        address account;
        uint256 marketId;
        bool isLong;
    }

    // ---------------------------------------------------------------- errors

    error UnknownMarket(uint256 marketId, uint256 marketCount);
    error TooManyMarkets(uint256 max);
    error ZeroAmount();
    error InvalidParameter(bytes32 name, uint256 value, uint256 min, uint256 max);
    error PriceTooOld(uint256 marketId, uint256 updatedAt, uint256 nowTs, uint256 maxAgeSec);
    /// @notice The feed answered with a price older than one this market has already used (timestamps only move on).
    error PriceOlderThanLastUsed(uint256 marketId, uint256 updatedAt, uint256 lastUsedAt);
    error SlippageExceeded(uint256 executionPriceWad, uint256 acceptablePriceWad);
    error LeverageTooHigh(uint256 leverageWad, uint256 maxLeverageWad);
    error InsufficientMargin(int256 equityUsd, uint256 requiredUsd);
    error CollateralBelowMinimum(uint256 collateralUsd, uint256 minCollateralUsd);
    error OpenInterestCapExceeded(uint256 marketId, bool isLong, uint256 oiUsd, uint256 capUsd);
    error NoPosition(address account, uint256 marketId, bool isLong);
    error SizeDeltaTooLarge(uint256 sizeDeltaUsd, uint256 sizeUsd);
    /// @notice Adding this size to a position past its profit cap price would leave the merged cap on the losing side
    ///         of the price (P-107: the reopened tokens have nothing left to earn, and the grid rounds toward the pool);
    ///         close the position and open a new one instead.
    error AtProfitCap(uint256 capPriceWad, uint256 priceWad);
    error CollateralDeltaTooLarge(uint256 collateralDeltaUsd, uint256 collateralUsd);
    error NotLiquidatable(int256 equityUsd, uint256 maintenanceUsd);
    /// @notice A trusted forwarder's call did not end in exactly one appended address.
    error MalformedForwardedCall(address forwarder, uint256 calldataLength);
    /// @notice Open positions keep the profit cap they were opened with, so the reserve may not drop below it.
    error ProfitCapLoweredWithOpenInterest(uint256 marketId, uint256 oiUsd, uint256 fromBps, uint256 toBps);
    /// @notice A market's price feed is fixed when it is listed: positions, options settlements and the volatility
    ///         estimator are all on its prices, and a config change may not move them to another source's.
    error FeedFixed(uint256 marketId, address feed, address requested);
    /// @notice A stricter maintenance size term enters open positions through the margin schedule: the base rate drops
    ///         by what the new term adds to a position as large as the side's open interest, then ramps back. This
    ///         raise (`raiseWad` at `sideOiUsd`) is more than one change may take (`roomWad`: an hour of the ramp, and
    ///         no more than the base's room above the maintenance floor): raise it in steps.
    error SizeTermRaiseTooLarge(uint256 marketId, uint256 sideOiUsd, uint256 raiseWad, uint256 roomWad);
    /// @notice A faster maintenance ramp while market `marketId` has open interest and its base maintenance rate
    ///         (`baseWad`) trails its target (`targetWad`): it would call the trailing margin at once (P-60). Raise it
    ///         once the base reaches the target, or lower the target first.
    error RampRaisedBehindTarget(uint256 marketId, uint256 baseWad, uint256 targetWad);

    // ---------------------------------------------------------------- events

    /// @notice What one trade did, as reported by PositionIncreased / PositionDecreased.
    struct TradeResult {
        uint256 sizeDeltaUsd; // notional added or closed
        uint256 collateralDeltaUsd; // collateral deposited (increase) or sent to the account (decrease)
        uint256 priceWad; // oracle price
        uint256 executionPriceWad; // oracle price adjusted by the impact (0 when no size moved)
        int256 impactUsd; // impact paid (negative: rebate received)
        uint256 feeUsd; // open or close fee
        uint256 borrowFeeUsd; // borrow fee settled
        int256 fundingFeeUsd; // funding settled (negative: received)
        // PnL realized (capped): a decrease's on the part closed, an increase's on the whole position before the size
        // is added (P-107: its tokens reopen at the oracle price); 0 on an open or a collateral change
        int256 realizedPnlUsd;
        uint256 sizeUsd; // size after (0: closed)
        uint256 collateralUsd; // collateral after
    }

    /// @notice What one liquidation did.
    struct LiquidationResult {
        address keeper; // caller (or the PriceUpdateRouter's caller), paid the reward
        uint256 priceWad; // oracle price
        uint256 sizeUsd; // size closed
        uint256 collateralUsd; // collateral seized, unrealized rebate included
        int256 pnlUsd; // capped PnL at the price
        int256 equityUsd; // collateral + pnl - fees owed
        uint256 keeperRewardUsd; // paid to the keeper
        uint256 traderRefundUsd; // equity beyond the liquidation fee, returned to the trader
        int256 poolGainUsd; // added to pool cash: collateral - keeper reward - refund (negative when a winner's profit
        // is paid out)
        uint256 badDebtUsd; // loss beyond collateral, absorbed by the pool
    }

    /// @notice A position was opened or increased, or collateral was added.
    /// @param account position owner
    /// @param marketId market index
    /// @param isLong side
    /// @param result amounts, prices and fees of the trade
    event PositionIncreased(address indexed account, uint256 indexed marketId, bool indexed isLong, TradeResult result);

    /// @notice A position was decreased or closed, or collateral was withdrawn.
    /// @param account position owner
    /// @param marketId market index
    /// @param isLong side
    /// @param result amounts, prices, fees and realized PnL of the trade
    event PositionDecreased(address indexed account, uint256 indexed marketId, bool indexed isLong, TradeResult result);

    /// @notice A position was liquidated.
    /// @param account position owner
    /// @param marketId market index
    /// @param isLong side
    /// @param result keeper, price, amounts, reward and bad debt
    event PositionLiquidated(
        address indexed account, uint256 indexed marketId, bool indexed isLong, LiquidationResult result
    );

    /// @notice A position left bad debt, absorbed by the pool (the core also reports it in BadDebtAbsorbed).
    /// @param account the position's owner
    /// @param marketId its market
    /// @param amountUsd this position's bad debt
    /// @param totalBadDebtUsd cumulative bad debt of the perpetuals product
    event BadDebt(address indexed account, uint256 indexed marketId, uint256 amountUsd, uint256 totalBadDebtUsd);

    /// @notice Indices accrued (emitted when a market is touched after time passed).
    /// @param marketId the market touched
    /// @param borrowIndexWad pool borrow index
    /// @param borrowRateWad borrow rate that applied, per second
    /// @param fundingIndexWad the market's long funding index: what a long owes per USD of size since listing (the
    ///        short index, what a short is owed, is it less the funding withheld from receivers as the pool's share on
    ///        the net skew: RiskMath.nextFundingSplit, Reader.marketState)
    /// @param fundingRateWad new funding rate, per second
    /// @param utilizationWad pool utilization at accrual
    event Accrued(
        uint256 indexed marketId,
        uint256 borrowIndexWad,
        uint256 borrowRateWad,
        int256 fundingIndexWad,
        int256 fundingRateWad,
        uint256 utilizationWad
    );

    /// @notice The volatility estimator took a sample, and the margin schedule was re-anchored.
    /// @param marketId the market sampled
    /// @param priceWad the sample's price
    /// @param varianceWad new variance per second
    /// @param longVarianceWad new long-run variance per second (the margin's floor)
    /// @param marginAnchorWad base maintenance rate now (the schedule's new starting point)
    /// @param marginTargetWad base margin rate the schedule ramps toward (what initial margin uses now)
    /// @param publishedAt oracle timestamp of the sample
    event VolatilityUpdated(
        uint256 indexed marketId,
        uint256 priceWad,
        uint256 varianceWad,
        uint256 longVarianceWad,
        uint256 marginAnchorWad,
        uint256 marginTargetWad,
        uint256 publishedAt
    );

    /// @notice The options product set a market's options skew (netted into the perpetuals' skew).
    /// @param marketId the market
    /// @param optionsSkewUsd the options traders' net delta x price, USD (6 decimals; whole dollars as stored)
    event OptionsSkewUpdated(uint256 indexed marketId, int256 optionsSkewUsd);

    /// @notice A market was listed (its config follows in MarketConfigUpdated).
    /// @param marketId the new market's index
    /// @param name its name (e.g. "ETH-USD")
    event MarketAdded(uint256 indexed marketId, bytes32 indexed name);
    /// @notice A market's parameters were set.
    /// @param marketId the market
    /// @param config every parameter as now stored
    event MarketConfigUpdated(uint256 indexed marketId, MarketConfig config);

    // ---------------------------------------------------------------- traders

    /// @notice Opens or increases a position; fills now at the oracle price plus impact. Adding size to an open
    ///         position first realizes its capped PnL into collateral and reopens its tokens at their value (one cap
    ///         price for the whole position, from its new entry); the skew this moves is priced with the trade.
    /// @param collateralDeltaUsd collateral pulled from the caller (needs allowance)
    /// @param sizeDeltaUsd notional to add (0 = just add collateral)
    /// @param acceptablePriceWad worst execution price accepted (max for longs, min for shorts)
    function increasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralDeltaUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external;

    /// @notice Decreases or closes a position, or withdraws collateral. Allowed while paused.
    /// @param collateralOutUsd collateral to withdraw (ignored on a full close, which pays out everything)
    /// @param sizeDeltaUsd notional to close (== size closes the position)
    /// @param acceptablePriceWad worst execution price accepted (min for longs, max for shorts)
    function decreasePosition(
        uint256 marketId,
        bool isLong,
        uint256 collateralOutUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external;

    // ---------------------------------------------------------------- keepers

    /// @notice Liquidates a position whose equity is below maintenance. Never paused, capped or utilization-gated.
    function liquidate(address account, uint256 marketId, bool isLong) external returns (uint256 keeperRewardUsd);

    /// @notice Liquidates every eligible position in `refs`, skipping the others.
    function liquidateBatch(PositionRef[] calldata refs) external returns (uint256 liquidated, uint256 keeperRewardUsd);

    /// @notice Feeds the latest oracle price of a market to the volatility estimator and accrues its indices.
    function poke(uint256 marketId) external;

    /// @notice Sets market `marketId`'s options skew: the options traders' net delta times the price, in USD (6
    ///         decimals; stored in whole dollars, saturating at 2^31). The engine adds it to the perpetual skew to
    ///         drive the funding rate and charges perpetual trades that add to the sum. Funding accrues to now at the
    ///         old skew first.
    /// @dev Only a product listed in the core may call it (the options book, at every trade and refresh);
    ///      otherwise IClearingCore.NotProduct. One options product per engine: the value is the last writer's.
    ///      The value never funds a rebate and never makes the pool pay funding (RiskMath.nettedImpactCostUsd,
    ///      RiskMath.nextFundingSplit), so a wrong value can mis-steer the rate between traders and move the pool's
    ///      share of funding (the net skew on the paying side), but never make the pool pay.
    function setOptionsSkew(uint256 marketId, int256 skewUsd) external;

    /// @notice Pins the market's price for this transaction and feeds it to the volatility estimator (taking the
    ///         sample when one is due), as a perpetual trade does first: an option trade or refresh prices at one
    ///         price per transaction (a newer signed price posted later in it changes nothing) and never on an
    ///         estimator a due sample is about to move. Returns `volatilityNow` as read after the pin, in the same call.
    /// @dev Permissionless, like `poke` (which also settles): it only does what any trade on the market does first.
    function pinMarket(uint256 marketId) external returns (PricingInputs memory);

    /// @notice Pins the price of every market in `marketMask` (bit m: market m) for this transaction, as the engine's
    ///         own valuation does (`pinValuationPrices`): no sample is taken and nothing is written. What another
    ///         product valuing those markets for an LP flow needs (the options book's IProduct.pinValuationPrices).
    /// @dev Permissionless: a price is pinned by the first read of a transaction anyway. Reverts UnknownMarket(m,
    ///      count) for a bit m past the last market.
    function pinPrices(uint256 marketMask) external;

    // ---------------------------------------------------------------- views

    /// @notice The price a trade would use now and the volatility estimator as that trade would leave
    ///         it: a due sample (the first price of a new interval) applied at this price. Options price from it, so a
    ///         quote, a fill and the NAV's check of the options cache all see a due sample before anyone takes it.
    ///         With them, the other inputs of an option's price: the perpetual traders' tokens (the skew netted with
    ///         the options book) and the config's oracle lag and estimator parameters.
    function volatilityNow(uint256 marketId) external view returns (PricingInputs memory);

    /// @notice Raw storage words, for lenses (the Reader decodes market accumulators and product totals from them).
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory);

    function position(address account, uint256 marketId, bool isLong) external view returns (Position memory);
}
