// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IProduct} from "./IProduct.sol";

/// @title IOptionsBook
/// @notice Counterpool's options product: cash-settled European calls and puts on every perpetual market's index,
///         written by the LP pool. Boards (one expiry each, a strike grid around spot) are listed by a permissionless
///         schedule; traders buy from the pool at the ask and sell back at the bid until a cutoff before expiry; at
///         expiry anyone settles a board at the oracle's first price at or after the expiry and holders claim exactly
///         their payoff. Each option's maximum payout is reserved in the ClearingCore (a call pays at most its strike
///         x callCapBps: a call spread from the pool's side; a put at most its strike), so one solvency check covers
///         perpetuals and options together.
/// @dev Units: prices and strikes USD per index token (WAD); option amounts index tokens (WAD); premiums, reserves and
///      payouts settlement-token units (6 decimals); volatilities annualized (1e18 = 100%); greeks of the pool's
///      liability (what traders hold), per market: value USD (WAD), delta tokens (WAD), gamma tokens per USD (WAD),
///      vega USD per 1.0 of volatility (WAD), theta USD per second (WAD).
interface IOptionsBook is IProduct {
    // ---------------------------------------------------------------- types

    /// @notice One market's options parameters (RISK_ROLE; bounds in ConfigValidation.validateOptions).
    struct OptionsConfig {
        uint96 strikeStepWad; // spacing of the strike grid, USD per token
        uint8 strikesPerSide; // strikes listed on each side of the at-the-money strike (1-7)
        uint8 dailyExpiries; // daily boards (08:00 UTC) kept listed ahead (0-7)
        uint8 weeklyExpiries; // Friday 08:00 UTC boards kept listed ahead (0-8)
        uint8 monthlyExpiries; // last-Friday-of-the-month 08:00 UTC boards kept listed ahead (0-3)
        uint32 tradingCutoffSec; // trading stops this long before expiry
        uint16 callCapBps; // a call pays at most strike x this / 10_000 (the disclosed cap; fixed per board at listing)
        uint16 minPremiumBps; // the ask is at least this share of the option's maximum payout (the reserve it locks)
        uint64 ivMinWad; // implied volatility bounds (mid), annualized
        uint64 ivMaxWad;
        uint64 spreadVolWad; // ask = mid + this, bid = mid - this (volatility points)
        uint64 meanReversionWad; // per year: speed at which short-dated variance reverts to the long-run variance
        int64 skewWad; // IV slope per unit of standardized log-moneyness (positive: low strikes dearer)
        uint64 smileWad; // IV curvature per unit^2 of standardized log-moneyness
        uint64 deltaScaleUsd; // impact: (pool net delta in USD)^2 / (2 x this), charged when a trade adds to it
        uint64 vegaScaleUsd; // impact: (pool net vega)^2 / (2 x this), charged when a trade adds to it
        uint128 maxStrikeOiWad; // open interest cap per strike and type, index tokens
        uint64 maxBoardReserveUsd; // cap on a board's reserved maximum payout
        uint32 cacheMaxAgeSec; // the NAV prices through the cached greeks for at most this long after a refresh
        uint16 cacheMaxMoveBps; // ... and for price moves up to this
        uint16 cacheSdFracBps; // ... and up to this fraction of sigma sqrt(T) of the nearest expiry
    }

    /// @notice One listed expiry.
    struct Board {
        uint8 marketId;
        uint32 expiry; // unix time; settles at the first oracle price at or after it
        uint8 strikeCount;
        uint96 firstStrikeWad; // strike i = first + i x step
        uint96 strikeStepWad;
        uint16 callCapBps; // the cap of this board's calls, fixed at listing (a later config change leaves it)
        bool settled;
        uint96 settlementPriceWad; // 0 until settled
        uint64 reservedUsd; // the board's reserved maximum payout (0 after settlement: its payouts owed are collateral)
        uint64 owedUsd; // settled payouts not yet claimed
        uint16 oiMask; // bit i: strike i has calls or puts open (in the slot a trade rewrites for its reserve anyway); 0 once settled
    }

    /// @notice Value and greeks of one option per token (a capped call or a put), from OptionPricing.optionGreeks.
    struct OptionGreeks {
        uint256 valueWad;
        int256 deltaWad;
        int256 gammaWad;
        uint256 grossGammaWad; // sum of the legs' gammas (a capped call has two): the NAV error bound's input
        int256 vegaWad;
        int256 thetaWad; // per second
        uint256 grossThetaWad; // sum of the legs' |theta| per second, plus one unit (above the exact quotient): the NAV error bound's time input (a
        // capped call's legs' thetas cancel near the geometric mean of its strikes, its value's drift over time not)
    }

    /// @notice A trade's price.
    struct Quote {
        uint256 premiumUsd; // paid by a buyer (ask, rounded up, impact included) or to a seller (bid, rounded down,
        // impact deducted)
        uint256 impactUsd; // exposure impact: added to a buy's premium, taken from a sale's bid (at most all of it)
        uint256 ivWad; // volatility the trade is priced at (mid +- spread)
        uint256 capIvWad; // a call's cap leg's volatility: the other side's (mid -+ spread); 0 for a put
        uint256 midIvWad; // the surface's mid volatility
        uint256 spotWad; // oracle price used
        uint256 perTokenWad; // premium per token before impact (ask at least intrinsic)
        uint256 reserveUsd; // maximum payout the amount reserves
        OptionGreeks greeks; // at mid volatility, per token
    }

    /// @notice The options liability of one market as a second-order expansion around the last refresh, plus its error
    ///         bound; the NAV reads it in O(1). Also the pool's option greeks for analytics and the impact.
    struct BookView {
        int256 valueWad; // liability at (refPrice, refAt)
        int256 deltaWad;
        int256 gammaWad;
        int256 thetaWad;
        int256 vegaWad;
        uint256 refPriceWad;
        uint256 refAt;
        uint256 nearestExpiry; // earliest expiry among unsettled boards with open interest (0: none)
        uint256 maxMoveWad; // price distance from refPrice within which the NAV prices through the expansion
        uint256 validUntil; // ... and the time until which it does
        bool dirty; // a trade or settlement happened off the expansion's range: the NAV waits for a refresh
        uint256 owedUsd; // settled payouts not yet claimed
        uint256 liveBoards; // entries of the stored live list: settled boards stay until the next listing prunes them
        uint256 lagBps; // the market's oracle lag copied at the last refresh: charged on each trade's delta
        bool holdsSettled; // a board settled since the refresh is still in the greeks: trades wait for the refresh
        uint256 tokensWad; // tokens open, calls and puts (an upper bound: 1e-9 token units rounded up); bounds |delta|
    }

    /// @notice Why the NAV cannot price a market's options now (LP deposits and redemptions wait for a refresh).
    enum Staleness {
        Fresh,
        Dirty,
        TooOld,
        PriceMoved,
        VolatilityResampled,
        AwaitingSettlement
    }

    // ---------------------------------------------------------------- errors

    error OptionsNotEnabled(uint256 marketId);
    error UnknownBoard(uint256 boardId);
    error UnknownStrike(uint256 boardId, uint256 strikeIndex, uint256 strikeCount);
    error TradingClosed(uint256 boardId, uint256 cutoffAt, uint256 nowAt);
    error BoardNotExpired(uint256 boardId, uint256 expiry, uint256 nowAt);
    error BoardAlreadySettled(uint256 boardId);
    error BoardNotSettled(uint256 boardId);
    error ZeroAmount();
    /// @notice Option amounts are whole lots of `lotWad` (1e-9 token): open interest is kept in lots, four to a slot.
    error AmountNotInLots(uint256 amountWad, uint256 lotWad);
    error PremiumAboveMax(uint256 premiumUsd, uint256 maxPremiumUsd);
    error PremiumBelowMin(uint256 premiumUsd, uint256 minPremiumUsd);
    /// @notice An option buy would take the pool's utilization (WAD) past the options' limit: the borrow curve's kink
    ///         less LP_EXIT_ROOM_WAD (P-106).
    error UtilizationPastOptionsLimit(uint256 utilizationWad, uint256 limitWad);
    error InsufficientHolding(address account, uint256 optionId, uint256 heldWad, uint256 requestedWad);
    error StrikeOiCapExceeded(uint256 boardId, uint256 strikeIndex, uint256 oiWad, uint256 capWad);
    error BoardReserveCapExceeded(uint256 boardId, uint256 reservedUsd, uint256 capUsd);
    /// @notice `account` holds none of the settled option `optionId`, or already claimed it.
    error NoPayoff(address account, uint256 optionId);
    error OptionsBookStale(uint256 marketId, Staleness reason);
    /// @notice A payout cannot go to `receiver` (address(0), or the core, which holds the pool's cash).
    error InvalidReceiver(address receiver);
    error UnknownMarket(uint256 marketId);
    /// @notice The market's feed cannot prove a price at a past time (IHistoricalPriceFeed), so boards could not settle.
    error FeedCannotSettle(uint256 marketId, address feed);
    /// @notice The fallback settlement opens only after `opensAt`, and only if no verifiable round settled the board.
    error FallbackNotOpen(uint256 boardId, uint256 opensAt, uint256 nowAt);
    /// @notice A fallback settlement price `priceWad` more than `factor` times above or below both the board's listing
    ///         price `listingPriceWad` (its strike grid's middle) and the feed's latest price `feedPriceWad` (0: none)
    ///         (a unit slip, a price no market traded at).
    error FallbackPriceOutOfRange(
        uint256 boardId, uint256 priceWad, uint256 listingPriceWad, uint256 feedPriceWad, uint256 factor
    );

    // ---------------------------------------------------------------- events

    /// @notice A market's options parameters were set.
    /// @param marketId the market
    /// @param config every parameter as now stored
    event OptionsConfigUpdated(uint256 indexed marketId, OptionsConfig config);

    /// @notice A board was listed by the schedule.
    /// @param boardId the board
    /// @param marketId its market
    /// @param expiry expiry timestamp
    /// @param firstStrikeWad lowest strike
    /// @param strikeStepWad strike spacing
    /// @param strikeCount number of strikes
    event BoardListed(
        uint256 indexed boardId,
        uint256 indexed marketId,
        uint256 expiry,
        uint256 firstStrikeWad,
        uint256 strikeStepWad,
        uint256 strikeCount
    );

    /// @notice A trader bought from or sold back to the pool.
    /// @param account the trader
    /// @param boardId the board
    /// @param marketId the board's market
    /// @param strikeIndex index on the board's grid
    /// @param isCall call or put
    /// @param isBuy bought from the pool (true) or sold back (false)
    /// @param amountWad index tokens
    /// @param premiumUsd paid (buy) or received (sell), impact included
    /// @param impactUsd exposure impact inside the premium
    /// @param ivWad volatility the trade was priced at
    /// @param spotWad oracle price
    /// @param strikeWad the strike
    event OptionTraded(
        address indexed account,
        uint256 indexed boardId,
        uint256 indexed marketId,
        uint256 strikeIndex,
        bool isCall,
        bool isBuy,
        uint256 amountWad,
        uint256 premiumUsd,
        uint256 impactUsd,
        uint256 ivWad,
        uint256 spotWad,
        uint256 strikeWad
    );

    /// @notice A board was settled.
    /// @param boardId the board
    /// @param marketId its market
    /// @param settlementPriceWad the oracle's first price at or after expiry
    /// @param publishedAt that price's timestamp
    /// @param payoutUsd total owed to holders (each claim rounds down, so the claims never exceed it): it leaves the
    ///        pool's cash for the product's collateral ledger, which the claims pay from
    /// @param releasedUsd the rest of the board's reserve, returned to free liquidity
    event BoardSettled(
        uint256 indexed boardId,
        uint256 indexed marketId,
        uint256 settlementPriceWad,
        uint256 publishedAt,
        uint256 payoutUsd,
        uint256 releasedUsd
    );

    /// @notice A holder claimed a settled option's payoff.
    /// @param account the holder
    /// @param boardId the board
    /// @param strikeIndex index on the grid
    /// @param isCall call or put
    /// @param amountWad tokens held
    /// @param payoutUsd paid
    /// @param receiver who was paid (the holder, or the address it named with claimTo)
    event PayoffClaimed(
        address indexed account,
        uint256 indexed boardId,
        uint256 strikeIndex,
        bool isCall,
        uint256 amountWad,
        uint256 payoutUsd,
        address receiver
    );

    /// @notice A market's options book was repriced from its open interest (the NAV's expansion point reset).
    /// @param marketId the market
    /// @param priceWad oracle price used
    /// @param valueWad options liability (what holders' options are worth), USD WAD
    /// @param deltaWad its delta, tokens
    /// @param gammaWad its gamma
    /// @param vegaWad its vega
    /// @param thetaWad its theta per second
    /// @param strikes strikes repriced
    event BookRefreshed(
        uint256 indexed marketId,
        uint256 priceWad,
        int256 valueWad,
        int256 deltaWad,
        int256 gammaWad,
        int256 vegaWad,
        int256 thetaWad,
        uint256 strikes
    );

    // ---------------------------------------------------------------- actions

    /// @notice Lists every board the market's schedule calls for that is not yet listed (anyone; the keeper calls it).
    ///         Strikes: the at-the-money strike (spot rounded to the step) +- strikesPerSide steps, positive only. A
    ///         market holds at most 16 unsettled boards: past that a due board waits (unlisted, no revert) until a
    ///         settlement makes room, and a later listing lists it.
    /// @return listed number of boards listed
    function listBoards(uint256 marketId) external returns (uint256 listed);

    /// @notice Buys `amountWad` of an option from the pool at the ask; the premium is pulled from the caller.
    ///         Trades (and quotes) of a market revert OptionsBookStale(marketId, Dirty) from a settlement of a board
    ///         with open options until the next refresh (anyone may call it; the keeper does after each settlement):
    ///         the settled options' delta and vega are in the book until then, and the impact is priced on them. So do
    ///         they past the book's range, OptionsBookStale(marketId, PriceMoved) or (marketId, TooOld), until the
    ///         refresh: the cached greeks the impact uses hold only within it (P-108).
    /// @return premiumUsd paid
    function buy(uint256 boardId, uint256 strikeIndex, bool isCall, uint256 amountWad, uint256 maxPremiumUsd)
        external
        returns (uint256 premiumUsd);

    /// @notice Sells `amountWad` of a held option back to the pool at the bid.
    /// @return premiumUsd received
    function sell(uint256 boardId, uint256 strikeIndex, bool isCall, uint256 amountWad, uint256 minPremiumUsd)
        external
        returns (uint256 premiumUsd);

    /// @notice Settles an expired board at the first oracle price at or after its expiry (anyone). `roundId` names that
    ///         price in the feed's history (IHistoricalPriceFeed); the feed verifies it is the first, so no later price
    ///         can be chosen.
    function settleBoard(uint256 boardId, uint256 roundId) external;

    /// @notice Settles a board the feed cannot prove a round for (no round after expiry within the phase, an answer out
    ///         of bounds) at a price the risk admin states, only once FALLBACK_SETTLEMENT_DELAY has passed since expiry.
    ///         Without it the board's payouts and the LP flows waiting on it would be stuck for good. The price must be
    ///         within a factor of 4 of the board's listing price or of the feed's latest price (FallbackPriceOutOfRange).
    function settleBoardFallback(uint256 boardId, uint256 priceWad) external;

    /// @notice Pays the caller's settled payoff on one option.
    function claim(uint256 boardId, uint256 strikeIndex, bool isCall) external returns (uint256 payoutUsd);

    /// @notice Pays the caller's settled payoff on one option to `receiver`: a holder whose own address the token
    ///         refuses (a blocklist) is paid elsewhere, so the payout never stays reserved for good. Reverts
    ///         InvalidReceiver for address(0), the core (which holds the pool's cash) or the LP vault (whose balance
    ///         is its claimants' deferred payouts): a payout sent there would be stuck.
    function claimTo(uint256 boardId, uint256 strikeIndex, bool isCall, address receiver)
        external
        returns (uint256 payoutUsd);

    /// @notice Reprices a market's whole options book at the current price and volatility (anyone; the keeper calls it
    ///         when `staleness` is not Fresh, so LPs never pay for it).
    function refresh(uint256 marketId) external;

    // ---------------------------------------------------------------- views

    /// @notice A market's options parameters (pricing, caps, schedule, cache bounds).
    function config(uint256 marketId) external view returns (OptionsConfig memory);

    /// @notice A board as stored: its market, expiry, strike grid, call cap, reserve and settlement.
    function board(uint256 boardId) external view returns (Board memory);

    /// @notice How many boards were ever listed (ids 1 to count).
    function boardCount() external view returns (uint256);

    /// @notice Unsettled boards of a market (listed, not yet settled), in no set order (sort by expiry to show them).
    function liveBoards(uint256 marketId) external view returns (uint256[] memory);

    /// @notice Open interest of a strike (index tokens); 0 once the board is settled (its options are then its debt).
    function strikeOi(uint256 boardId, uint256 strikeIndex) external view returns (uint256 callOiWad, uint256 putOiWad);

    /// @notice Tokens of an option `account` holds.
    function holding(address account, uint256 boardId, uint256 strikeIndex, bool isCall)
        external
        view
        returns (uint256 amountWad);

    /// @notice The price of a trade now, computed by the code the trade runs.
    function quote(uint256 boardId, uint256 strikeIndex, bool isCall, bool isBuy, uint256 amountWad)
        external
        view
        returns (Quote memory);

    /// @notice A market's greek cache (the expansion the NAV moves to the live price and time) and its bounds.
    function book(uint256 marketId) external view returns (BookView memory);

    /// @notice Whether the NAV can price the market's options now, and if not why.
    function staleness(uint256 marketId) external view returns (Staleness);

    /// @notice The options liability of a market valued exactly: every open option at Black-Scholes, live price and
    ///         time (O(strikes); for keepers, tests and the UI; the NAV uses the O(1) expansion).
    function exactLiabilityWad(uint256 marketId) external view returns (uint256);

    /// @notice What the NAV counts for a market's options now: the expanded liability and its error bound (USD WAD).
    ///         Reverts OptionsBookStale where the NAV would.
    function navTerms(uint256 marketId) external view returns (uint256 liabilityWad, uint256 boundWad);

    /// @notice An option's id in `holding` and events: boardId << 8 | strikeIndex << 1 | isCall.
    function optionId(uint256 boardId, uint256 strikeIndex, bool isCall) external pure returns (uint256);
}
