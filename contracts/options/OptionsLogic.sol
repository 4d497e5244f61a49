// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../interfaces/IOptionsBook.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IPriceFeed} from "../oracles/IPriceFeed.sol";
import {OptionMath} from "./OptionMath.sol";
import {OptionPricing} from "./OptionPricing.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OptionsLogic
/// @notice The options product's storage layout and its logic: listing, quoting, open interest, the NAV's expansion
///         (build, re-centre, range, value) and settlement. Its external functions run by DELEGATECALL on the
///         OptionsBook's storage, so the book's own code keeps to orchestration (the core's lock, tokens, events) and
///         stays under the size limit. Quotes (`quote`) and trades (`trade`) price with the same `_quote`, so a preview
///         cannot drift from a fill.
library OptionsLogic {
    /// @notice How far a fallback settlement price may be from the feed's latest price: a factor either way.
    uint256 internal constant FALLBACK_PRICE_FACTOR = 4;
    using MathLib for uint256;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Fixed-point truncation allowance in the NAV's error bound per expansion component (a refreshed strike
    ///         and type, or a trade since): 1e-9 USD, far above the few wei the re-centring and summing truncate.
    int256 internal constant ROUNDING_ALLOWANCE_WAD = 1e9;
    /// @dev What trades may always add to the expansion's edge bound after a refresh (100 USD, WAD) before the book
    ///      waits for the next one (P-104).
    uint256 internal constant ERR_CAP_FLOOR_WAD = 100e18;
    /// @notice Option amounts are whole lots of 1e-9 token, and open interest is kept in lots: 64 bits each (the strike
    ///         cap, at most 1e27 wei, is 1e18 lots), so two strikes' calls and puts share one slot.
    uint256 internal constant OI_LOT_WAD = 1e9;

    /// @dev The product's whole storage.
    struct State {
        mapping(uint256 marketId => IOptionsBook.OptionsConfig) configs;
        mapping(uint256 marketId => Book) books;
        // unsettled boards, in no set order (a listing prunes settled ones by swap and pop); eight ids to a slot
        mapping(uint256 marketId => uint32[]) live;
        mapping(uint256 boardId => IOptionsBook.Board) boards; // ids from 1; an unlisted id has expiry 0
        uint256 boardCount;
        mapping(uint256 marketId => mapping(uint256 expiry => uint256 boardId)) boardAt;
        // Open interest in lots (OI_LOT_WAD): strikes 2j and 2j + 1, calls and puts, share slot j (`_oiLane`), so a
        // refresh or a settlement reads a board's open interest in half as many slots as it has strikes open.
        mapping(uint256 boardId => mapping(uint256 strikePair => uint256)) oi;
        mapping(address account => mapping(uint256 optionId => uint256 amountWad)) holdings;
        uint256 activeMarkets; // bit m: market m has options open (the NAV reads only these)
        mapping(uint256 marketId => BlockBuys) blockBuys;
    }

    /// @dev One market's expansion (slots A-F are what the NAV reads).
    struct Book {
        int128 valueWad; // A
        int128 deltaWad;
        int128 gammaWad; // B
        int128 thetaWad;
        int128 errConstWad; // C: the error bound b0 + b1 dS + b2 dS^2 + b3 dt
        int128 errSlopeWad;
        uint128 errCurveWad; // D
        uint128 errTimeWad;
        uint96 refPriceWad; // E
        uint96 maxMoveWad;
        uint32 refAt;
        uint32 validUntil;
        int128 vegaWad; // F: with what a settlement rewrites (owed, dirty, nearest expiry), so it writes one slot
        uint64 owedUsd;
        uint32 nearestExpiry; // earliest expiry with open interest
        uint16 lagBps; // the market's oracle lag (deviation threshold), copied at the refresh
        bool dirty;
        bool holdsSettled; // a board with open options settled since the refresh: its greeks are still in A-F
        uint32 refSampleAt; // G: the perpetual market's last variance sample at the refresh
        // What bounds the book's repricing at the next volatility sample (OptionsNav.resampleBoundsWad), in units of 1e9
        // token-wei: a buy adds its terms rounded up, a sale takes the same terms off rounded down (sqrt T now is at
        // most the sqrt T its buy added), so the sums stay upper bounds and a round trip leaves them where they were:
        uint72 tokensE9; // sum of open amounts a (calls and puts)
        uint72 rootTauE9; // sum of a sqrt(T) (years), T at the refresh or the trade
        uint72 rootTauShortE9; // sum of a sqrt(T) w, w >= the current variance's term weight until the cache expires
        // The most trades may grow the error bound at the range's edge before LP flows wait for a refresh: 2^this >=
        // twice the refresh's edge bound plus ERR_CAP_FLOOR_WAD (P-104)
        uint8 errCapLog2;
    }

    /// @dev What the buys of block `buysBlock` added to a book's three resampling sums, net of that block's sales (never
    ///      below 0). An LP deposit leaves it out of its band (OptionsNav.resampleBoundsWad, P-93): options bought in
    ///      front of a deposit in its own block cannot raise its price. Apart from the Book, so a refresh (which
    ///      rewrites the whole Book) leaves it as it is: within the block it still counts; a past block's record
    ///      means nothing (every reader compares its block with this one).
    struct BlockBuys {
        uint40 buysBlock;
        uint72 blockTokensE9;
        uint72 blockRootTauE9;
        uint72 blockRootTauShortE9;
    }

    /// @dev Inputs of a trade, in memory (stack).
    struct Ctx {
        uint256 marketId;
        uint256 boardId; // a trade's option (0 in a refresh)
        uint256 strikeIndex;
        uint256 strikeWad;
        // the board's highest strike: a call's least premium is that strike's (_askWad), so no call on a board asks
        // less than a higher strike's (premium non-increasing in strike, P-72)
        uint256 topStrikeWad;
        uint256 expiry;
        uint256 spotWad;
        uint256 varianceWad;
        uint256 longVarianceWad;
        uint256 sampleAt;
        int256 perpDeltaTokens; // the pool's delta from the perpetuals (short skew - long skew), tokens
        OptionPricing.Expiry expiryTerms; // the board's time, volatility and cap terms (valuation loops)
        int256 lnMoneynessWad; // ln(spot / strike)
        uint256 samplePriceWad; // the perpetual estimator's last sampled price: the surface's moneyness is measured from
        // it, so implied volatilities move with the samples, not with every tick (sticky strike between samples)
        uint256 lagBps; // the market's oracle lag (its feed's deviation threshold): a trade is valued at the price it can reach
        RiskMath.Estimator est; // the perpetual estimator's parameters (trades: the next sample's preview)
        // the pool's borrow rate at its kink, per second (base + slope1): a buy's least premium (OptionPricing.minPremiumUp)
        uint256 reserveRateWad;
        uint256 kinkWad; // the borrow curve's kink: an option buy may not take the pool's utilization past it
    }

    /// @dev Sums of a market's options (what traders hold), from a refresh or an exact valuation.
    struct Acc {
        int256 valueWad;
        int256 deltaWad;
        int256 gammaWad;
        int256 thetaWad;
        int256 vegaWad;
        uint256 grossGammaWad;
        uint256 grossThetaWad;
        uint256 strikes;
        uint256 nearest; // earliest expiry with open interest
        uint256 tokensWad; // the sums behind Book.tokensE9, rootTauE9 and rootTauShortE9 (WAD)
        uint256 rootTauWad;
        uint256 rootTauShortWad;
    }

    // ------------------------------------------------------------ entry points (DELEGATECALL)

    /// @notice The price of a trade (IOptionsBook.quote; `trade` runs the same function).
    function quote(
        State storage s,
        IOptionsBook.OptionsConfig memory cfg,
        Ctx memory c,
        bool isCall,
        bool isBuy,
        uint256 amountWad
    ) external view returns (IOptionsBook.Quote memory) {
        return _quote(s, cfg, c, isCall, isBuy, amountWad);
    }

    /// @notice Prices a trade with `quote`'s function and records it: a buy adds its open interest and board reserve
    ///         (within caps), the holding and its expansion to the book; a sale takes them off. Returns the quote and
    ///         the reserve the trade adds (a buy) or releases (a sale). One call does both, so the trade's inputs cross
    ///         the library boundary once.
    function trade(
        State storage s,
        IOptionsBook.OptionsConfig memory cfg,
        Ctx memory c,
        bool isCall,
        bool isBuy,
        uint256 amountWad,
        address account
    ) external returns (IOptionsBook.Quote memory q, uint256 reserveUsd) {
        q = _quote(s, cfg, c, isCall, isBuy, amountWad);
        uint256 id = optionId(c.boardId, c.strikeIndex, isCall);
        if (isBuy) {
            reserveUsd = _addOi(s, c, isCall, amountWad, cfg);
            s.holdings[account][id] += amountWad;
        } else {
            _takeHolding(s, account, id, amountWad);
            reserveUsd = _removeOi(s, c, isCall, amountWad, cfg.callCapBps);
        }
        _addToBook(s, c, cfg, q.greeks, amountWad, isBuy);
    }

    /// @notice Refuses a fallback settlement price (IOptionsBook.settleBoardFallback) more than FALLBACK_PRICE_FACTOR
    ///         from both the board's listing price (its strike grid's middle) and the feed's latest price: a unit slip
    ///         (3,000e6 for 3,000e18) or a price of 1 (every put paid its strike) fails, where any nonzero price settled
    ///         the board before (a review).
    /// @dev Two references, so a true price far from one of them (a market that moved fourfold since the listing, or a
    ///      feed publishing a wrong price now) still settles (a second review); the fallback exists because the feed
    ///      cannot prove the expiry's price. A feed that gives no price leaves the listing's bound.
    function checkFallbackPrice(address feed, uint256 boardId, uint256 priceWad, uint256 listingPriceWad)
        external
        view
    {
        if (_withinFactor(priceWad, listingPriceWad)) return;
        uint256 feedPriceWad;
        try IPriceFeed(feed).latestPrice() returns (uint256 p, uint256) {
            feedPriceWad = p;
        } catch {}
        if (!_withinFactor(priceWad, feedPriceWad)) {
            revert IOptionsBook.FallbackPriceOutOfRange(
                boardId, priceWad, listingPriceWad, feedPriceWad, FALLBACK_PRICE_FACTOR
            );
        }
    }

    /// @dev Whether `priceWad` is within FALLBACK_PRICE_FACTOR of `refWad` either way (never for a reference of 0).
    function _withinFactor(uint256 priceWad, uint256 refWad) private pure returns (bool) {
        return priceWad <= refWad * FALLBACK_PRICE_FACTOR && priceWad * FALLBACK_PRICE_FACTOR >= refWad && refWad > 0;
    }

    /// @notice Settles a board at `price`: the payouts owed (each strike rounded up, never above the reserve) leave the
    ///         pool's cash for the product's collateral ledger, where the holders' claims are paid from (so the NAV no
    ///         longer values them), and the whole reserve is released; the board leaves the book (and `liveBoards`) at
    ///         once and the stored live list at the next listing.
    function settle(State storage s, uint256 boardId, uint256 price) external returns (uint256 owed, uint256 released) {
        IOptionsBook.Board storage sb = s.boards[boardId];
        uint256 mask = sb.oiMask;
        owed = _settleOi(s.oi[boardId], sb, mask, price);
        uint256 reserved = sb.reservedUsd;
        owed = MathLib.min(owed, reserved);
        released = reserved - owed;
        sb.settled = true;
        sb.oiMask = 0; // the open interest is now what the board owes (claims pay it from the holdings)
        sb.settlementPriceWad = price.toUint96();
        sb.reservedUsd = 0;
        sb.owedUsd = uint64(owed);
        uint256 marketId = sb.marketId;
        // The board stays in the live list, marked settled, until the next listing prunes it (the keeper pays that):
        // valuations skip settled boards and `liveBoards` leaves them out.
        Book storage bk = s.books[marketId];
        bk.owedUsd = (bk.owedUsd + owed).toUint64();
        if (mask != 0) {
            // The settled options leave the expansion at the next refresh, which finds the next expiry; until then
            // their delta and vega are still in it, so trades wait for that refresh (OptionsBook._tradeBoard).
            bk.dirty = true;
            bk.holdsSettled = true;
        }
        if (bk.nearestExpiry == sb.expiry) {
            // Whatever its open interest now (all of it may have been sold back since the refresh that set this
            // expiry), the board no longer holds the book in AwaitingSettlement: it waits for the refresh instead,
            // trades included, since a later board may have expired unsettled since (a review settled an empty
            // nearest board and bought on such a board's stale delta: 12,376 USD of impact instead of 71,766).
            bk.nearestExpiry = 0;
            bk.dirty = true;
            bk.holdsSettled = true;
        }
    }

    // ------------------------------------------------------------ internal

    /// @notice The book of a market as the interface shows it.
    function view_(State storage s, uint256 marketId) internal view returns (IOptionsBook.BookView memory v) {
        Book storage bk = s.books[marketId];
        v.valueWad = bk.valueWad;
        v.deltaWad = bk.deltaWad;
        v.gammaWad = bk.gammaWad;
        v.thetaWad = bk.thetaWad;
        v.vegaWad = bk.vegaWad;
        v.refPriceWad = bk.refPriceWad;
        v.refAt = bk.refAt;
        v.nearestExpiry = bk.nearestExpiry;
        v.maxMoveWad = bk.maxMoveWad;
        v.validUntil = bk.validUntil;
        v.dirty = bk.dirty;
        v.owedUsd = bk.owedUsd;
        v.liveBoards = s.live[marketId].length;
        v.lagBps = bk.lagBps;
        v.holdsSettled = bk.holdsSettled;
        v.tokensWad = uint256(bk.tokensE9) * 1e9;
    }

    /// @dev What a board's open options (`mask`'s strikes) pay at `price`, each strike and type rounded up; clears
    ///      their open interest, which settlement turns into the board's debt (each pair's slot read and cleared once:
    ///      the refund pays part of the settlement).
    function _settleOi(
        mapping(uint256 => uint256) storage boardOi,
        IOptionsBook.Board storage sb,
        uint256 mask,
        uint256 price
    ) private returns (uint256 owed) {
        (uint256 callCapBps, uint256 first, uint256 step) = (sb.callCapBps, sb.firstStrikeWad, sb.strikeStepWad);
        uint256 word;
        for (uint256 i; mask >> i != 0; ++i) {
            if (mask >> i & 1 == 0) continue;
            if (i & 1 == 0 || mask >> (i - 1) & 1 == 0) {
                word = boardOi[i >> 1];
                delete boardOi[i >> 1];
            }
            owed += _owedAt(word >> ((i & 1) << 7), first + i * step, price, callCapBps);
        }
    }

    /// @dev What one strike's open calls (the low 64 bits of `lanes`, lots) and puts (the next 64) pay at `price`,
    ///      each rounded up.
    function _owedAt(uint256 lanes, uint256 strike, uint256 price, uint256 callCapBps) private pure returns (uint256) {
        return OptionPricing.toUsdUp(
            uint64(lanes) * OI_LOT_WAD, OptionPricing.payoffWad(true, strike, price, callCapBps)
        )
            + OptionPricing.toUsdUp(
            uint64(lanes >> 64) * OI_LOT_WAD, OptionPricing.payoffWad(false, strike, price, callCapBps)
        );
    }

    /// @notice The open interest of strike `strikeIndex` and one type, tokens.
    function openInterest(State storage s, uint256 boardId, uint256 strikeIndex, bool isCall)
        internal
        view
        returns (uint256)
    {
        return uint64(s.oi[boardId][strikeIndex >> 1] >> _oiLane(strikeIndex, isCall)) * OI_LOT_WAD;
    }

    /// @dev Where strike i's open interest of one type is kept: in slot i / 2 (strikes 2j and 2j + 1 share it), at
    ///      bit 128 (i mod 2) + 64 (a put): the lane's offset in the slot.
    function _oiLane(uint256 strikeIndex, bool isCall) private pure returns (uint256) {
        return (strikeIndex & 1) << 7 | (isCall ? 0 : 64);
    }

    /// @dev Records bought open interest and reserve, within the strike's and the board's caps.
    function _addOi(
        State storage s,
        Ctx memory c,
        bool isCall,
        uint256 amountWad,
        IOptionsBook.OptionsConfig memory cfg
    ) internal returns (uint256 reserveUsd) {
        (uint256 boardId, uint256 strikeIndex, uint256 strikeWad) = (c.boardId, c.strikeIndex, c.strikeWad);
        uint256 shift = _oiLane(strikeIndex, isCall);
        uint256 packed = s.oi[boardId][strikeIndex >> 1];
        uint256 oldOi = uint64(packed >> shift) * OI_LOT_WAD;
        uint256 newOi = oldOi + amountWad;
        // The board reserves ceil(OI x max payout per token) per strike and type: a buy adds the difference.
        reserveUsd = OptionPricing.maxPayoutUp(isCall, strikeWad, newOi, cfg.callCapBps)
            - OptionPricing.maxPayoutUp(isCall, strikeWad, oldOi, cfg.callCapBps);
        if (newOi > cfg.maxStrikeOiWad) {
            revert IOptionsBook.StrikeOiCapExceeded(boardId, strikeIndex, newOi, cfg.maxStrikeOiWad);
        }
        // Within the cap the new lots fit in 64 bits, so the addition leaves the other lanes as they were.
        s.oi[boardId][strikeIndex >> 1] = packed + (amountWad / OI_LOT_WAD << shift);
        IOptionsBook.Board storage sb = s.boards[boardId];
        uint256 boardReserve = sb.reservedUsd + reserveUsd;
        if (boardReserve > cfg.maxBoardReserveUsd) {
            revert IOptionsBook.BoardReserveCapExceeded(boardId, boardReserve, cfg.maxBoardReserveUsd);
        }
        (sb.reservedUsd, sb.oiMask) = (boardReserve.toUint64(), sb.oiMask | uint16(1 << strikeIndex));
    }

    /// @dev Removes sold open interest; returns the reserve released: the amount's own maximum payout, as reserved
    ///      when bought (same formula, same rounding), never more than the board holds.
    function _removeOi(State storage s, Ctx memory c, bool isCall, uint256 amountWad, uint256 callCapBps)
        internal
        returns (uint256 released)
    {
        (uint256 boardId, uint256 strikeIndex, uint256 strikeWad) = (c.boardId, c.strikeIndex, c.strikeWad);
        uint256 shift = _oiLane(strikeIndex, isCall);
        uint256 packed = s.oi[boardId][strikeIndex >> 1];
        uint256 oldOi = uint64(packed >> shift) * OI_LOT_WAD;
        uint256 newOi = oldOi - amountWad; // checked: never below zero, so never into another lane
        packed -= amountWad / OI_LOT_WAD << shift;
        s.oi[boardId][strikeIndex >> 1] = packed;
        // The reserve of what remains, as the buys took it: the difference of the rounded-up totals (so selling in
        // pieces releases no more than selling at once).
        released = OptionPricing.maxPayoutUp(isCall, strikeWad, oldOi, callCapBps)
            - OptionPricing.maxPayoutUp(isCall, strikeWad, newOi, callCapBps);
        IOptionsBook.Board storage sb = s.boards[boardId];
        sb.reservedUsd = uint64(sb.reservedUsd - released);
        // The strike's calls and puts both closed (its two lanes of the pair's slot are zero): its bit clears.
        if (packed >> ((strikeIndex & 1) << 7) & type(uint128).max == 0) sb.oiMask &= ~uint16(1 << strikeIndex);
    }

    function _takeHolding(State storage s, address account, uint256 id, uint256 amountWad) internal {
        uint256 held = s.holdings[account][id];
        if (held < amountWad) revert IOptionsBook.InsufficientHolding(account, id, held, amountWad);
        s.holdings[account][id] = held - amountWad;
    }

    /// @dev Adds every open option of a board, valued at mid volatility at `c`'s price and now, to `acc`.
    function accumulateBoard(
        State storage s,
        Acc memory acc,
        uint256 boardId,
        Ctx memory c,
        IOptionsBook.OptionsConfig memory cfg
    ) internal view {
        IOptionsBook.Board storage sb = s.boards[boardId];
        // The mask comes first: a board with nothing open costs one read. A settled board's payouts are owed (the
        // book's owedUsd), not valued.
        uint256 mask = sb.oiMask;
        if (mask == 0 || sb.settled) return;
        IOptionsBook.Board memory b = sb;
        if (acc.nearest == 0 || b.expiry < acc.nearest) acc.nearest = b.expiry;
        uint256 tauSec = b.expiry > block.timestamp ? b.expiry - block.timestamp : 0;
        c.expiryTerms = OptionPricing.expiryTerms(
            OptionPricing.termVarianceWad(c.varianceWad, c.longVarianceWad, tauSec, cfg.meanReversionWad),
            tauSec,
            b.callCapBps
        );
        uint256 tokensBefore = acc.tokensWad;
        mapping(uint256 => uint256) storage boardOi = s.oi[boardId];
        uint256 word;
        for (uint256 i; mask >> i != 0; ++i) {
            if (mask >> i & 1 == 0) continue;
            if (i & 1 == 0 || mask >> (i - 1) & 1 == 0) word = boardOi[i >> 1]; // the pair's slot, read once
            uint256 lane = (i & 1) << 7; // this strike's calls; its puts 64 bits up
            c.strikeWad = b.firstStrikeWad + i * b.strikeStepWad;
            _accumulateStrike(acc, uint64(word >> lane) * OI_LOT_WAD, uint64(word >> (lane | 64)) * OI_LOT_WAD, c, cfg);
        }
        // The board's sqrt(T) (rounded up) and the largest term weight it reaches while the cache lives (the weight
        // rises as the expiry nears), rounded up.
        uint256 boardTokens = acc.tokensWad - tokensBefore;
        uint256 rootTau = c.expiryTerms.sqrtTauWad + 1;
        uint256 weightHi = OptionPricing.termWeightWad(
            tauSec > cfg.cacheMaxAgeSec ? tauSec - cfg.cacheMaxAgeSec : 0, cfg.meanReversionWad
        ) + 1;
        acc.rootTauWad += boardTokens.mulDivUp(rootTau, WAD);
        acc.rootTauShortWad += boardTokens.mulDivUp(rootTau, WAD).mulDivUp(MathLib.min(weightHi, WAD), WAD);
    }

    /// @dev Adds one strike's open calls and puts at the strike and board in `c`.
    function _accumulateStrike(
        Acc memory acc,
        uint256 callOi,
        uint256 putOi,
        Ctx memory c,
        IOptionsBook.OptionsConfig memory cfg
    ) internal pure {
        // Everything this strike allocates (its legs' greeks and inputs) is spent on `acc` before it returns, so the
        // free memory pointer goes back where it was: a book's strikes reuse one scratch area instead of growing
        // memory (and its quadratic cost) strike after strike.
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        c.lnMoneynessWad = OptionMath.lnMoneynessWad(c.spotWad, c.strikeWad);
        uint256 mid = OptionPricing.midVolAt(c.expiryTerms, _lnSampleMoneyness(c, c.lnMoneynessWad), cfg);
        // the strike's own leg once, for its calls and its puts
        OptionMath.Greeks memory leg =
            OptionPricing.strikeLeg(c.spotWad, c.strikeWad, c.lnMoneynessWad, mid, c.expiryTerms);
        if (callOi > 0) {
            _accumulate(
                acc,
                OptionPricing.callFromLeg(leg, c.spotWad, c.strikeWad, c.lnMoneynessWad, mid, c.expiryTerms),
                callOi
            );
            acc.tokensWad += callOi;
        }
        if (putOi > 0) {
            _accumulate(acc, OptionPricing.putFromLeg(leg), putOi);
            acc.tokensWad += putOi;
        }
        ++acc.strikes;
        assembly ("memory-safe") {
            mstore(0x40, freeMemory)
        }
    }

    /// @dev ln(sample price / strike), the surface's moneyness; when the price is the sample's (a refresh or trade right
    ///      after the sample it took), the same as `lnSpotWad` = ln(spot / strike), so that one is reused.
    function _lnSampleMoneyness(Ctx memory c, int256 lnSpotWad) internal pure returns (int256) {
        return c.samplePriceWad == c.spotWad ? lnSpotWad : OptionMath.lnMoneynessWad(c.samplePriceWad, c.strikeWad);
    }

    /// @dev Adds `amount` (an open-interest half: below 2^128) of an option with figures `g` to the sums. The value,
    ///      delta, theta and vega of an option in the pricing domain (OptionMath.blackScholesAt) are below 2^165 per
    ///      token, so each term is below 2^233 and a market's sums (at most MAX_LIVE_BOARDS x 15 strikes x 2 types)
    ///      cannot wrap: those sums are unchecked. Gamma (up to 2^180 per token at a spot of a few wei) stays checked.
    function _accumulate(Acc memory acc, IOptionsBook.OptionGreeks memory g, uint256 amount) internal pure {
        acc.gammaWad += MathLib.mulDivSignedDown(g.gammaWad, amount, WAD);
        acc.grossGammaWad += amount.mulDivUp(g.grossGammaWad, WAD);
        unchecked {
            acc.valueWad += int256(amount.mulDivUp(g.valueWad, WAD));
            acc.deltaWad += MathLib.mulDivSignedDown(g.deltaWad, amount, WAD);
            acc.vegaWad += MathLib.mulDivSignedDown(g.vegaWad, amount, WAD);
            acc.thetaWad += MathLib.mulDivSignedDown(g.thetaWad, amount, WAD);
            // the legs' |theta|, not the net's: a capped call's two thetas cancel near the geometric mean of its
            // strikes while its value still drifts (review BO: the time term of the bound read 1e-16 USD against a
            // drift of 2.6e-4 USD per token over an hour)
            acc.grossThetaWad += amount.mulDivUp(g.grossThetaWad, WAD);
        }
    }

    /// @dev The expansion's range after a refresh: the price move (min of cacheMaxMoveBps and cacheSdFracBps of the
    ///      nearest expiry's sigma sqrt T) and the time (min of cacheMaxAgeSec and a quarter of the time to it).
    function _range(Ctx memory c, IOptionsBook.OptionsConfig memory cfg, uint256 nearest)
        internal
        view
        returns (uint96 maxMoveWad, uint32 validUntil)
    {
        if (nearest == 0) return (type(uint96).max, type(uint32).max);
        uint256 tauNear = nearest > block.timestamp ? nearest - block.timestamp : 0;
        uint256 termVar = OptionPricing.termVarianceWad(c.varianceWad, c.longVarianceWad, tauNear, cfg.meanReversionWad);
        uint256 sdNear = OptionMath.stdDevDown(MathLib.sqrtDown(termVar * WAD), tauNear);
        maxMoveWad = uint96(
            MathLib.min(
                c.spotWad.bpsDown(cfg.cacheMaxMoveBps), c.spotWad.wadMulDown(sdNear).bpsDown(cfg.cacheSdFracBps)
            )
        );
        validUntil = uint32(block.timestamp + MathLib.min(cfg.cacheMaxAgeSec, tauNear / 4));
    }

    /// @dev The price of a trade: Black-Scholes at mid +- spread, a call's cap leg at mid -+ spread (the ask at least
    ///      intrinsic), plus (buy) or minus (sell) the impact of the exposure it adds to the pool's net delta (options and perpetuals) and vega.
    function _quote(
        State storage s,
        IOptionsBook.OptionsConfig memory cfg,
        Ctx memory c,
        bool isCall,
        bool isBuy,
        uint256 amountWad
    ) internal view returns (IOptionsBook.Quote memory q) {
        _requireInRange(s.books[c.marketId], c);
        OptionPricing.Expiry memory e;
        uint256 weightWad;
        {
            uint256 tau = c.expiry - block.timestamp;
            weightWad = OptionPricing.termWeightWad(tau, cfg.meanReversionWad);
            e = OptionPricing.expiryTerms(
                OptionPricing.termVarianceAt(c.varianceWad, c.longVarianceWad, weightWad), tau, cfg.callCapBps
            );
        }
        q.spotWad = c.spotWad;
        int256 lnM = OptionMath.lnMoneynessWad(c.spotWad, c.strikeWad);
        q.midIvWad = OptionPricing.midVolAt(e, _lnSampleMoneyness(c, lnM), cfg);
        q.ivWad = _tradeVolWad(c, e, weightWad, lnM, q.midIvWad, isBuy, cfg);
        q.greeks = OptionPricing.optionGreeksAt(isCall, c.spotWad, c.strikeWad, lnM, q.midIvWad, e);
        // A call's cap leg is the pool's: priced at the other side's volatility, so the ask is at or above and the bid
        // at or below the call spread's value on either surface, whatever the sign of its vega (P-72).
        if (isCall) q.capIvWad = _tradeVolWad(c, e, weightWad, lnM, q.midIvWad, !isBuy, cfg);
        {
            // A push oracle can lag the market by its deviation threshold unseen: whoever sees the update coming would
            // trade the option at the old price. The premium is the option's value at the price the lag can reach
            // against the pool (a full revaluation: near expiry a lag-sized move is worth far more than delta x move).
            uint256 atWad = OptionPricing.laggedSpotWad(c.spotWad, c.lagBps, isCall, isBuy);
            q.perTokenWad = OptionPricing.tradeValueWad(
                isCall,
                atWad,
                c.strikeWad,
                atWad == c.spotWad ? lnM : OptionMath.lnMoneynessWad(atWad, c.strikeWad),
                q.ivWad,
                q.capIvWad,
                e
            );
        }
        if (isBuy) q.perTokenWad = _askWad(isCall, c, cfg, q.perTokenWad);
        q.reserveUsd = OptionPricing.maxPayoutUp(isCall, c.strikeWad, amountWad, cfg.callCapBps);

        q.impactUsd = _impactUsd(s, c, cfg, q.greeks, amountWad, isBuy);
        if (isBuy) {
            q.premiumUsd = OptionPricing.toUsdUp(amountWad, q.perTokenWad) + q.impactUsd;
        } else {
            // A sale's impact is taken from its bid: at most the whole bid (the premium is then 0), and the quote
            // reports what was taken, which is what the pool gained and may lock (P-98).
            uint256 gross = OptionPricing.toUsdDown(amountWad, q.perTokenWad);
            if (q.impactUsd > gross) q.impactUsd = gross;
            q.premiumUsd = gross - q.impactUsd;
        }
    }

    /// @dev The volatility a trade is priced at. The next sample is the first price of the next interval, and the
    ///      price now tells where it will put the surface (both variances, and the skew centred on it), whenever it
    ///      comes (RiskMath.nextSampleVariancesUp: a late sample after a large move sets a larger variance): a buy is
    ///      priced at the higher of today's mid and the highest mid the next sample can give, a sale at the lower of
    ///      today's and the lowest, plus or minus the spread, so nobody buys on one surface and sells back on the
    ///      other (P-90). The surface rises with the board volatility (smile <= 1/9, OptionsNav.validate).
    function _tradeVolWad(
        Ctx memory c,
        OptionPricing.Expiry memory e,
        uint256 weightWad,
        int256 lnM,
        uint256 midWad,
        bool isBuy,
        IOptionsBook.OptionsConfig memory cfg
    ) internal pure returns (uint256) {
        uint256 termVar = _nextTermVarianceWad(c, weightWad, isBuy);
        uint256 nextMidWad = OptionPricing.midVolAt(OptionPricing.withTermVariance(e, termVar), lnM, cfg);
        return OptionPricing.tradeVolWad(
            isBuy ? MathLib.max(midWad, nextMidWad) : MathLib.min(midWad, nextMidWad), isBuy, cfg
        );
    }

    /// @dev The term variance of the next sample's surface that favours the pool: the highest for a buy, the lowest for
    ///      a sale (the next sample comes at or after the next sampling boundary).
    function _nextTermVarianceWad(Ctx memory c, uint256 weightWad, bool isBuy) internal pure returns (uint256) {
        uint256 earliest = (c.sampleAt / c.est.intervalSec + 1) * c.est.intervalSec - c.sampleAt;
        (uint256 v, uint256 vLong) = RiskMath.nextSampleVariancesUp(
            c.varianceWad, c.longVarianceWad, c.samplePriceWad, c.spotWad, earliest, c.est, isBuy
        );
        return OptionPricing.termVarianceAt(v, vLong, weightWad);
    }

    /// @dev The pool's exposure is the opposite of what traders hold: options (the book's delta at this price) and the
    ///      perpetuals' skew. A buy adds the option to traders' side, so the pool's delta and vega fall by it; a sell
    ///      raises them.
    function _impactUsd(
        State storage s,
        Ctx memory c,
        IOptionsBook.OptionsConfig memory cfg,
        IOptionsBook.OptionGreeks memory g,
        uint256 amountWad,
        bool isBuy
    ) internal view returns (uint256) {
        int256 poolDelta = _poolDeltaUsd(s, c);
        int256 poolVega = -int256(s.books[c.marketId].vegaWad);
        int256 side = isBuy ? -1 : int256(1);
        return OptionPricing.impactUp(
            poolDelta,
            poolDelta + side * MathLib.mulDivSignedDown(g.deltaWad, amountWad, WAD) * int256(c.spotWad) / int256(WAD),
            poolVega,
            poolVega + side * MathLib.mulDivSignedDown(g.vegaWad, amountWad, WAD),
            cfg
        );
    }

    /// @dev A trade's impact is priced on the book's cached delta and vega, which hold only within the expansion's range:
    ///      past its price move or its time they are stale (the delta clamped at the range's edge, the vega unmoved),
    ///      and a buy after a move paid less impact than on a refreshed book (review V: 45,541 USD on 4,800 calls after
    ///      +2%, 107,311 after +5%). So trades and quotes wait for the keeper's refresh there, as LP flows do (P-108).
    function _requireInRange(Book storage bk, Ctx memory c) internal view {
        if (bk.refAt == 0) return; // nothing open: no cached greeks
        if (block.timestamp > bk.validUntil) {
            revert IOptionsBook.OptionsBookStale(c.marketId, IOptionsBook.Staleness.TooOld);
        }
        if (MathLib.abs(int256(c.spotWad) - int256(uint256(bk.refPriceWad))) > bk.maxMoveWad) {
            revert IOptionsBook.OptionsBookStale(c.marketId, IOptionsBook.Staleness.PriceMoved);
        }
    }

    /// @dev The pool's net delta in USD (WAD) on a market at `c`'s price: minus the options book's delta, plus the
    ///      perpetuals' (the pool holds the other side of the skew).
    function _poolDeltaUsd(State storage s, Ctx memory c) internal view returns (int256) {
        return (c.perpDeltaTokens - bookDeltaTokens(s, c)) * int256(c.spotWad) / int256(WAD);
    }

    /// @dev The options traders' net delta on a market at `c`'s price, index tokens (WAD): the book's cached delta
    ///      moved along its gamma (the expansion's derivative), the move clamped to the expansion's range: past it the
    ///      cache is stale, and a straight-line gamma would push any skew (8.5M USD for 3.15M of calls after +5%). The
    ///      result is within the tokens open (`tokensE9`, an upper bound): a call's delta is within [0, 1] per token, a
    ///      put's within [-1, 0], so no linear move can make the book's delta larger than its notional (P-83).
    function bookDeltaTokens(State storage s, Ctx memory c) internal view returns (int256) {
        Book storage bk = s.books[c.marketId];
        if (bk.refAt == 0) return 0;
        int256 maxMove = int256(uint256(bk.maxMoveWad));
        int256 dS = MathLib.clamp(int256(c.spotWad) - int256(uint256(bk.refPriceWad)), -maxMove, maxMove);
        int256 tokens = int256(uint256(bk.tokensE9) * 1e9);
        return MathLib.clamp(int256(bk.deltaWad) + int256(bk.gammaWad) * dS / int256(WAD), -tokens, tokens);
    }

    /// @dev The ask per token from the model's (`modelWad`, the lag charge included): at least the option's intrinsic
    ///      value and its least premium (OptionPricing.minPremiumUp), at most the maximum payout itself (a buyer never
    ///      pays more than a token can pay; the pool, which reserves that much, is then fully paid for it). A call's
    ///      least premium is the board's highest strike's: a call's maximum payout is a share of its strike, so each
    ///      strike's own would make far out-of-the-money calls ask more the higher their strike (review BC: 1.60, 1.65,
    ///      1.70, 1.75 USD from 3,200 to 3,500). It is never less than the strike's own, which P-106 needs.
    function _askWad(bool isCall, Ctx memory c, IOptionsBook.OptionsConfig memory cfg, uint256 modelWad)
        internal
        view
        returns (uint256)
    {
        uint256 floor = MathLib.max(
            OptionPricing.payoffWad(isCall, c.strikeWad, c.spotWad, cfg.callCapBps),
            OptionPricing.minPremiumUp(
                isCall,
                isCall ? c.topStrikeWad : c.strikeWad,
                cfg.callCapBps,
                cfg.minPremiumBps,
                c.reserveRateWad,
                c.expiry - block.timestamp
            )
        );
        return
            MathLib.min(MathLib.max(modelWad, floor), OptionPricing.maxPayoutWad(isCall, c.strikeWad, cfg.callCapBps));
    }

    /// @dev Adds (bought) or removes (sold) `amountWad` of an option, expanded at this trade's price and time, to the
    ///      market's book re-centred on its reference point; the error bound grows either way.
    function _addToBook(
        State storage s,
        Ctx memory c,
        IOptionsBook.OptionsConfig memory cfg,
        IOptionsBook.OptionGreeks memory g,
        uint256 amountWad,
        bool bought
    ) internal {
        Book storage bk = s.books[c.marketId];
        if (bk.refAt == 0) {
            // First option of the market: the expansion starts here.
            bk.refPriceWad = c.spotWad.toUint96();
            bk.refAt = uint32(block.timestamp);
            bk.refSampleAt = uint32(c.sampleAt);
            // The range a refresh now would set (sigma sqrt T of this expiry, a quarter of its time): trades price on
            // the book's delta inside it, so a flat 2% would let its gamma run to several times the true delta near
            // expiry (review AK: 3,507 tokens pushed for 3,200 held, 11,509 USD of a later buy's impact waived).
            (bk.maxMoveWad, bk.validUntil) = _range(c, cfg, c.expiry);
            bk.lagBps = uint16(c.lagBps);
            bk.dirty = true; // the keeper's first refresh rebuilds the book (its error cap, its sums)
            // The market enters the NAV's set here: a book with a reference time is always in it (a rebuild clears
            // the time with the bit, settlement never clears the bit), so later trades need not touch the set.
            s.activeMarkets |= 1 << c.marketId;
        }
        Acc memory x;
        _accumulate(x, g, amountWad);
        _recentre(
            bk, x, int256(c.spotWad) - int256(uint256(bk.refPriceWad)), int256(block.timestamp - bk.refAt), bought
        );
        {
            // The resampling bound's sums (upper bounds): a buy adds its amount with sqrt T now and the weight the
            // expiry reaches when the cache does (validUntil; the weight rises as the expiry nears); a sale takes off
            // the same weight with sqrt T now (rounded down), a lower bound of what any sold token added: each was
            // counted at an earlier, longer T, by a buy with this weight or by the refresh with the weight at T -
            // cacheMaxAgeSec, no smaller since validUntil <= the refresh + cacheMaxAgeSec. So a buy and its sale back
            // leave the sums where they were.
            uint256 rootTau = OptionMath.sqrtYearsWad(OptionMath.yearsDown(c.expiry - block.timestamp));
            uint256 weight = MathLib.min(
                OptionPricing.termWeightWad(
                        c.expiry > bk.validUntil ? c.expiry - bk.validUntil : 0, cfg.meanReversionWad
                    ) + 1,
                WAD
            );
            if (bought) {
                uint256 rootTauAmount = amountWad.mulDivUp(rootTau + 1, WAD);
                _addSums(
                    bk,
                    s.blockBuys[c.marketId],
                    _e9Up(amountWad),
                    _e9Up(rootTauAmount),
                    _e9Up(rootTauAmount.mulDivUp(weight, WAD))
                );
            } else {
                uint256 rootTauAmount = amountWad.mulDivDown(rootTau, WAD);
                uint256 rootTauShortAmount = rootTauAmount.mulDivDown(weight - 1, WAD);
                bk.tokensE9 = _e9SubDown(bk.tokensE9, amountWad);
                bk.rootTauE9 = _e9SubDown(bk.rootTauE9, rootTauAmount);
                bk.rootTauShortE9 = _e9SubDown(bk.rootTauShortE9, rootTauShortAmount);
                BlockBuys storage bb = s.blockBuys[c.marketId];
                if (bb.buysBlock == block.number) {
                    // the same terms off this block's buys (floored at 0): a buy and its sale in one block net out
                    bb.blockTokensE9 = _e9SubDown(bb.blockTokensE9, amountWad);
                    bb.blockRootTauE9 = _e9SubDown(bb.blockRootTauE9, rootTauAmount);
                    bb.blockRootTauShortE9 = _e9SubDown(bb.blockRootTauShortE9, rootTauShortAmount);
                }
            }
        }
        if (bought && (bk.nearestExpiry == 0 || c.expiry < bk.nearestExpiry)) {
            // A nearer expiry narrows the range to what a refresh now would give it (its sigma sqrt T, a quarter of
            // its time), in place, so a buy cannot make LP flows wait for the keeper (a review found a 1-lot buy of a
            // nearer board did, at each refresh). The range stays centred on the reference price, so it shrinks by
            // this trade's distance from it: every price it admits is within the new range of this trade's own
            // expansion point. Too far from the reference to hold its own price, the range closes (this trade is
            // done; the next waits for the refresh, PriceMoved), since a dirty book stops only LP flows: trades price
            // on its delta (review AM: a book that kept a later board's 60 USD, where the daily's was 5.17, priced
            // 2,869 tokens of delta for 1,619 and waived 36,934 USD of a put buyer's impact). A book already marked
            // narrows too (review AK: a dirty book kept a later board's 2% while an at-the-money daily's was 17 bps).
            bk.nearestExpiry = uint32(c.expiry);
            (uint256 moveWad, uint32 until) = _range(c, cfg, c.expiry);
            uint256 offWad = MathLib.abs(int256(c.spotWad) - int256(uint256(bk.refPriceWad)));
            if (until < bk.validUntil) bk.validUntil = until;
            if (moveWad > offWad) {
                bk.maxMoveWad = uint96(MathLib.min(bk.maxMoveWad, moveWad - offWad));
            } else {
                bk.maxMoveWad = 0;
                bk.dirty = true;
            }
        }
        // Every trade adds its expansion's error bound, a sale as a buy does, so round trips that leave nothing open
        // grew the LP band without limit until the next refresh: a review's 40 round trips of 1,600 calls took it from
        // 1,151 to 85,166 USD, and an LP holding most of the pool took 21,986 from a 20M deposit priced on it. Past
        // the cap the refresh set, LP flows wait for the keeper's refresh.
        if (
            staleness(bk, c.spotWad, c.sampleAt) != IOptionsBook.Staleness.Fresh
                || _edgeBoundWad(bk) > uint256(1) << bk.errCapLog2
        ) bk.dirty = true;
    }

    /// @dev The expansion's error bound at the edge of its range (the farthest price it admits, its last valid time):
    ///      errConst + |errSlope| m + errCurve m^2 + errTime (validUntil - refAt), the most the bound reaches before a
    ///      refresh (convex in the price, rising in time).
    function _edgeBoundWad(Book storage bk) internal view returns (uint256) {
        return edgeBoundWad(
            bk.errConstWad, bk.errSlopeWad, bk.errCurveWad, bk.errTimeWad, bk.maxMoveWad, bk.validUntil, bk.refAt
        );
    }

    /// @dev _edgeBoundWad on the book's fields (the refresh's, before it writes them).
    function edgeBoundWad(
        int256 errConst,
        int256 errSlope,
        uint256 errCurve,
        uint256 errTime,
        uint256 maxMoveWad,
        uint256 validUntil,
        uint256 refAt
    ) internal pure returns (uint256) {
        int256 w = int256(WAD);
        int256 m = int256(maxMoveWad);
        int256 dt = validUntil > refAt ? int256(validUntil - refAt) : int256(0);
        int256 b =
            errConst + int256(MathLib.abs(errSlope)) * m / w + int256(errCurve) * m / w * m / w + int256(errTime) * dt;
        return b > 0 ? uint256(b) : 0;
    }

    /// @dev The number of bits of `y` (so 2^result > y): ceil(log2(y + 1)).
    function _bitLength(uint256 y) internal pure returns (uint8 n) {
        for (uint256 step = 128; step > 0; step >>= 1) {
            if (y >> step != 0) {
                y >>= step;
                n += uint8(step);
            }
        }
        if (y != 0) ++n;
    }

    /// @dev Adds (s = +1) or subtracts the expansion of `x` (taken at the reference price + e, reference time + tdiff)
    ///      re-centred on the reference point: V_i(S, t) = v + d (dS - e) + gm (dS - e)^2 / 2 + th (dt - tdiff). Its
    ///      error bound gg (dS - e)^2 / 2 + gt (dt - tdiff) is added either way, rounded up.
    function _recentre(Book storage bk, Acc memory x, int256 e, int256 tdiff, bool bought) internal {
        int256 s = bought ? int256(1) : -1;
        int256 w = int256(WAD);
        int256 value = x.valueWad - x.deltaWad * e / w + x.gammaWad * e / w * e / w / 2 - x.thetaWad * tdiff;
        bk.valueWad = (bk.valueWad + s * value).toInt128();
        bk.deltaWad = (bk.deltaWad + s * (x.deltaWad - x.gammaWad * e / w)).toInt128();
        bk.gammaWad = (bk.gammaWad + s * x.gammaWad).toInt128();
        bk.thetaWad = (bk.thetaWad + s * x.thetaWad).toInt128();
        bk.vegaWad = (bk.vegaWad + s * x.vegaWad).toInt128();
        int256 gg = int256(x.grossGammaWad);
        bk.errConstWad = (bk.errConstWad + gg * e / w * e / w / 2 + ROUNDING_ALLOWANCE_WAD - int256(x.grossThetaWad)
                * tdiff)
        .toInt128();
        bk.errSlopeWad = (bk.errSlopeWad - gg * e / w).toInt128();
        bk.errCurveWad = (bk.errCurveWad + (x.grossGammaWad + 1) / 2).toUint128();
        bk.errTimeWad = (bk.errTimeWad + x.grossThetaWad).toUint128();
    }

    function staleness(Book storage bk, uint256 spotWad, uint256 sampleAt)
        internal
        view
        returns (IOptionsBook.Staleness)
    {
        // An expired board with open interest is worth its payoff at the settlement price, which only settlement
        // fixes: no refresh can stand in for it.
        if (bk.nearestExpiry != 0 && block.timestamp >= bk.nearestExpiry) {
            return IOptionsBook.Staleness.AwaitingSettlement;
        }
        if (bk.dirty) return IOptionsBook.Staleness.Dirty;
        if (block.timestamp > bk.validUntil) return IOptionsBook.Staleness.TooOld;
        if (MathLib.abs(int256(spotWad) - int256(uint256(bk.refPriceWad))) > bk.maxMoveWad) {
            return IOptionsBook.Staleness.PriceMoved;
        }
        if (sampleAt != bk.refSampleAt) return IOptionsBook.Staleness.VolatilityResampled;
        return IOptionsBook.Staleness.Fresh;
    }

    /// @dev The book's liability and error bound at `spotWad` now (USD WAD; the liability floored at 0).
    function expand(Book storage bk, uint256 spotWad) internal view returns (uint256 liabilityWad, uint256 boundWad) {
        int256 dS = int256(spotWad) - int256(uint256(bk.refPriceWad));
        int256 dt = int256(block.timestamp - bk.refAt);
        int256 value = bk.valueWad + bk.deltaWad * dS / int256(WAD) + bk.gammaWad * dS / int256(WAD) * dS / int256(WAD)
            / 2 + bk.thetaWad * dt;
        int256 bound = bk.errConstWad + bk.errSlopeWad * dS / int256(WAD) + int256(uint256(bk.errCurveWad)) * dS
            / int256(WAD) * dS / int256(WAD) + int256(uint256(bk.errTimeWad)) * dt;
        liabilityWad = value > 0 ? uint256(value) : 0;
        boundWad = bound > 0 ? uint256(bound) + 1 : 1;
    }

    /// @dev A buy's terms (1e9 units, rounded up) added to the resampling sums and to this block's buys.
    function _addSums(Book storage bk, BlockBuys storage bb, uint72 tokensE9, uint72 rootTauE9, uint72 rootTauShortE9)
        private
    {
        bk.tokensE9 += tokensE9;
        bk.rootTauE9 += rootTauE9;
        bk.rootTauShortE9 += rootTauShortE9;
        if (bb.buysBlock == block.number) {
            (bb.blockTokensE9, bb.blockRootTauE9, bb.blockRootTauShortE9) =
            (bb.blockTokensE9 + tokensE9, bb.blockRootTauE9 + rootTauE9, bb.blockRootTauShortE9 + rootTauShortE9);
        } else {
            (bb.buysBlock, bb.blockTokensE9, bb.blockRootTauE9, bb.blockRootTauShortE9) =
            (uint40(block.number), tokensE9, rootTauE9, rootTauShortE9);
        }
    }

    function _e9Up(uint256 wad) internal pure returns (uint72) {
        return wad.mulDivUp(1, 1e9).toUint72();
    }

    /// @dev `sumE9` less `wad` in units of 1e9 (rounded down), floored at 0.
    function _e9SubDown(uint72 sumE9, uint256 wad) private pure returns (uint72) {
        uint256 e9 = wad / 1e9;
        return sumE9 > e9 ? uint72(sumE9 - e9) : 0;
    }

    /// @dev Writes a whole Book: its seven slots (A-G) each in one SSTORE, in the layout the compiler gives the struct
    ///      (members packed low to high in declaration order). The compiler's member-by-member copy reads and rewrites
    ///      a slot for every member (20 of them); a refresh writes every member, so it packs them itself.
    ///      testFuzz_storeBook_equalsTheCompilersLayout (test/forge/OptionsBookLayout.t.sol) holds it to the struct's own layout for any values.
    function storeBook(Book storage bk, Book memory nb) internal {
        uint256 a = uint128(nb.valueWad) | uint256(uint128(nb.deltaWad)) << 128;
        uint256 b = uint128(nb.gammaWad) | uint256(uint128(nb.thetaWad)) << 128;
        uint256 c = uint128(nb.errConstWad) | uint256(uint128(nb.errSlopeWad)) << 128;
        uint256 d = nb.errCurveWad | uint256(nb.errTimeWad) << 128;
        uint256 e =
            nb.refPriceWad | uint256(nb.maxMoveWad) << 96 | uint256(nb.refAt) << 192 | uint256(nb.validUntil) << 224;
        uint256 f = uint128(nb.vegaWad) | uint256(nb.owedUsd) << 128 | uint256(nb.nearestExpiry) << 192
            | uint256(nb.lagBps) << 224 | (nb.dirty ? 1 << 240 : 0) | (nb.holdsSettled ? 1 << 248 : 0);
        uint256 g = nb.refSampleAt | uint256(nb.tokensE9) << 32 | uint256(nb.rootTauE9) << 104
            | uint256(nb.rootTauShortE9) << 176 | uint256(nb.errCapLog2) << 248;
        assembly ("memory-safe") {
            let slot := bk.slot
            sstore(slot, a)
            sstore(add(slot, 1), b)
            sstore(add(slot, 2), c)
            sstore(add(slot, 3), d)
            sstore(add(slot, 4), e)
            sstore(add(slot, 5), f)
            sstore(add(slot, 6), g)
        }
    }

    function optionId(uint256 boardId, uint256 strikeIndex, bool isCall) internal pure returns (uint256) {
        return boardId << 8 | strikeIndex << 1 | (isCall ? 1 : 0);
    }
}
