// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IOptionsBook} from "../interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {IProduct} from "../interfaces/IProduct.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {IHistoricalPriceFeed} from "../oracles/IHistoricalPriceFeed.sol";
import {PerpState} from "../perps/PerpState.sol";
import {OptionPricing} from "./OptionPricing.sol";
import {OptionsLogic} from "./OptionsLogic.sol";
import {OptionsNav} from "./OptionsNav.sol";
import {OptionsSchedule} from "./OptionsSchedule.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OptionsBook
/// @notice Counterpool's options product (see IOptionsBook). Prices from the perpetual market's oracle price (pinned per
///         transaction, like the perpetuals) and its sampled variance estimators; reserves each option's maximum
///         payout in the ClearingCore; gives the core an O(1)-per-market claim from a cached second-order expansion
///         of the book, with a pessimistic error bound that prices LP deposits high and redemptions low.
/// @dev The NAV's expansion. Each market's liability is kept as V(S, t) ~ value + delta dS + gamma dS^2 / 2 +
///      theta dt around (refPrice, refAt), with dS = S - refPrice and dt = t - refAt. `refresh` recomputes it exactly
///      from the open interest. A trade between refreshes adds (or removes) its own option's expansion taken at the
///      trade's price and time, re-centred on (refPrice, refAt) exactly (the algebra of a quadratic), so the book
///      never needs a loop. The error bound is a second quadratic: for every component expanded at (S_i, t_i),
///      |V_i - its expansion| <= G_i (S - S_i)^2 / 2 + |theta_i| (t - t_i), with G_i the gross gamma (both legs of a
///      capped call). Removing an option adds its bound too (errors of a difference add). The NAV uses the expansion
///      only inside its range: not older than min(cacheMaxAgeSec, a quarter of the time to the nearest expiry),
///      price within min(cacheMaxMoveBps, cacheSdFracBps x sigma sqrt T nearest), the volatility estimators not
///      resampled, no expired board left unsettled; otherwise LP flows wait (OptionsBookStale) until a refresh,
///      which the keeper sends. test/forge/OptionsNav.t.sol fuzzes the bound against an exact Black-Scholes mark.
contract OptionsBook is IOptionsBook, AccessControl {
    using SafeERC20 for IERC20;
    using MathLib for uint256;

    // ------------------------------------------------------------ constants & immutables

    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");
    /// @notice How long after expiry the risk admin may settle a board no verifiable round can settle.
    uint256 public constant FALLBACK_SETTLEMENT_DELAY = 1 days;
    /// @notice Option buys stop this far (WAD of utilization) below the borrow curve's kink, where LP exits stop: what
    ///         options alone lock never shuts LPs' instant exits (P-106).
    uint256 public constant LP_EXIT_ROOM_WAD = 0.1e18;

    IClearingCore internal immutable core;
    IPerpEngine public immutable engine;
    IERC20 internal immutable token;

    // ------------------------------------------------------------ storage

    OptionsLogic.State internal s;

    // ------------------------------------------------------------ constructor

    constructor(IClearingCore core_, IPerpEngine engine_, address admin) {
        core = core_;
        engine = engine_;
        token = IERC20(core_.collateralToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------ admin

    /// @notice Enables options on a perpetual market, or retunes them. Open options keep their strikes and reserves;
    ///         the book is repriced at the next refresh.
    function setConfig(uint256 marketId, OptionsConfig calldata cfg) external onlyRole(RISK_ROLE) {
        address feed = _perpFeed(marketId); // reverts UnknownMarket past the engine's markets
        OptionsNav.validate(cfg);
        // Boards settle at a verified past round: a feed that cannot prove one (a pull oracle) cannot list options.
        try IHistoricalPriceFeed(feed).latestRoundId() returns (uint256) {}
        catch {
            revert FeedCannotSettle(marketId, feed);
        }
        s.configs[marketId] = cfg;
        s.books[marketId].dirty = true;
        emit OptionsConfigUpdated(marketId, cfg);
    }

    // ------------------------------------------------------------ features

    /// @inheritdoc IOptionsBook
    function listBoards(uint256 marketId) external returns (uint256) {
        return OptionsSchedule.listDue(s, marketId, engine.volatilityNow(marketId).priceWad, _config(marketId));
    }

    /// @inheritdoc IOptionsBook
    function buy(uint256 boardId, uint256 strikeIndex, bool isCall, uint256 amountWad, uint256 maxPremiumUsd)
        external
        returns (uint256 premiumUsd)
    {
        address account = _sender();
        (OptionsConfig memory cfg, Board memory b) = _tradeBoard(boardId, strikeIndex, amountWad);
        OptionsLogic.Ctx memory c = _enter(IClearingCore.Risk.Adds, b.marketId);
        _atStrike(c, b, boardId, strikeIndex);
        _withPoolTerms(c);
        (Quote memory q, uint256 reserveUsd) = OptionsLogic.trade(s, cfg, c, isCall, true, amountWad, account);
        premiumUsd = q.premiumUsd;
        if (premiumUsd > maxPremiumUsd) revert PremiumAboveMax(premiumUsd, maxPremiumUsd);
        _pushSkew(c);

        token.safeTransferFrom(account, address(core), premiumUsd);
        uint256 utilizationWad = core.settle(
            IClearingCore.Settlement({
                inflowUsd: premiumUsd,
                collateralDeltaUsd: 0,
                reserveDeltaUsd: int256(reserveUsd),
                payee: address(0),
                payoutUsd: 0,
                badDebtUsd: 0,
                checkSolvency: true,
                nothingOpen: false, // the trade's market is in the NAV's set (OptionsLogic._addToBook)
                lockedGainUsd: q.impactUsd // vests (P-98): a deposit timed to a large buy takes none of it at once
            })
        );
        // Past the kink the perpetuals' borrow climbs steeply and options pay none: that room is theirs; and LP exits
        // stop at the kink, so options stop LP_EXIT_ROOM_WAD below it, leaving LPs room to leave (P-106).
        _requireWithinOptionsLimit(utilizationWad, c.kinkWad);
        _emitTrade(account, boardId, strikeIndex, isCall, true, amountWad, q, c);
    }

    /// @inheritdoc IOptionsBook
    function sell(uint256 boardId, uint256 strikeIndex, bool isCall, uint256 amountWad, uint256 minPremiumUsd)
        external
        returns (uint256 premiumUsd)
    {
        address account = _sender();
        (OptionsConfig memory cfg, Board memory b) = _tradeBoard(boardId, strikeIndex, amountWad);
        OptionsLogic.Ctx memory c = _enter(IClearingCore.Risk.Reduces, b.marketId);
        _atStrike(c, b, boardId, strikeIndex);
        (Quote memory q, uint256 released) = OptionsLogic.trade(s, cfg, c, isCall, false, amountWad, account);
        premiumUsd = q.premiumUsd;
        if (premiumUsd < minPremiumUsd) revert PremiumBelowMin(premiumUsd, minPremiumUsd);
        _pushSkew(c);

        core.settle(
            IClearingCore.Settlement({
                inflowUsd: 0,
                collateralDeltaUsd: 0,
                reserveDeltaUsd: -int256(released),
                payee: account,
                payoutUsd: premiumUsd,
                badDebtUsd: 0,
                checkSolvency: false,
                nothingOpen: false, // as a buy: the set loses a market only at a rebuild
                lockedGainUsd: q.impactUsd
            })
        );
        _emitTrade(account, boardId, strikeIndex, isCall, false, amountWad, q, c);
    }

    /// @inheritdoc IOptionsBook
    function settleBoard(uint256 boardId, uint256 roundId) external {
        Board memory b = _board(boardId);
        if (b.settled) revert BoardAlreadySettled(boardId);
        if (block.timestamp < b.expiry) revert BoardNotExpired(boardId, b.expiry, block.timestamp);
        core.enter(IClearingCore.Risk.Reduces);
        (uint256 price, uint256 publishedAt) =
            IHistoricalPriceFeed(_perpFeed(b.marketId)).priceAtOrAfter(b.expiry, roundId);
        _settle(boardId, b.marketId, price, publishedAt);
    }

    /// @inheritdoc IOptionsBook
    function settleBoardFallback(uint256 boardId, uint256 priceWad) external onlyRole(RISK_ROLE) {
        Board memory b = _board(boardId);
        if (b.settled) revert BoardAlreadySettled(boardId);
        uint256 opensAt = uint256(b.expiry) + FALLBACK_SETTLEMENT_DELAY;
        if (block.timestamp < opensAt) revert FallbackNotOpen(boardId, opensAt, block.timestamp);
        if (priceWad == 0) revert ZeroAmount();
        core.enter(IClearingCore.Risk.Reduces);
        OptionsLogic.checkFallbackPrice(
            _perpFeed(b.marketId), boardId, priceWad, b.firstStrikeWad + b.strikeStepWad * (b.strikeCount / 2)
        );
        _settle(boardId, b.marketId, priceWad, block.timestamp);
    }

    /// @inheritdoc IOptionsBook
    function claim(uint256 boardId, uint256 strikeIndex, bool isCall) external returns (uint256) {
        address account = _sender();
        return _claim(account, boardId, strikeIndex, isCall, account);
    }

    /// @inheritdoc IOptionsBook
    function claimTo(uint256 boardId, uint256 strikeIndex, bool isCall, address receiver) external returns (uint256) {
        // where a payout would be stuck outside every ledger: the core's cash is a ledger, the vault's balance is its
        // claimants' deferred payouts (P-49)
        if (receiver == address(0) || receiver == address(core) || receiver == core.vault()) {
            revert InvalidReceiver(receiver);
        }
        return _claim(_sender(), boardId, strikeIndex, isCall, receiver);
    }

    /// @inheritdoc IOptionsBook
    function refresh(uint256 marketId) external {
        if (s.configs[marketId].strikeStepWad == 0) revert OptionsNotEnabled(marketId);
        OptionsLogic.Ctx memory c = _enter(IClearingCore.Risk.Reduces, marketId);
        OptionsNav.rebuild(s, marketId, c); // emits BookRefreshed
        _pushSkew(c);
        core.settle(
            IClearingCore.Settlement({
                inflowUsd: 0,
                collateralDeltaUsd: 0,
                reserveDeltaUsd: 0,
                payee: address(0),
                payoutUsd: 0,
                badDebtUsd: 0,
                checkSolvency: false,
                nothingOpen: s.activeMarkets == 0,
                lockedGainUsd: 0
            })
        );
    }

    /// @inheritdoc IProduct
    function pinValuationPrices() external {
        // The prices the NAV's expansions are moved to (OptionsNav.marketClaim, which applies a due volatility sample
        // in memory): pinned only, in one call; the sample is stored by the next trade or refresh.
        uint256 active = s.activeMarkets;
        uint256 valued;
        for (uint256 m; active >> m != 0; ++m) {
            if ((active >> m) & 1 == 1 && s.books[m].refAt != 0) valued |= 1 << m;
        }
        if (valued != 0) engine.pinPrices(valued);
    }

    // ------------------------------------------------------------ internal

    /// @dev A buy leaves LP_EXIT_ROOM_WAD of utilization under the borrow curve's kink (P-106): `utilizationWad` after it
    ///      must be at most kink - room, else UtilizationPastOptionsLimit with both numbers.
    function _requireWithinOptionsLimit(uint256 utilizationWad, uint256 kinkWad) internal pure {
        uint256 limitWad = kinkWad > LP_EXIT_ROOM_WAD ? kinkWad - LP_EXIT_ROOM_WAD : 0;
        if (utilizationWad > limitWad) revert UtilizationPastOptionsLimit(utilizationWad, limitWad);
    }

    /// @dev Settles at `price` (the core's lock held): the payouts owed move to the product's collateral, the whole
    ///      reserve is released.
    function _settle(uint256 boardId, uint256 marketId, uint256 price, uint256 publishedAt) internal {
        (uint256 owed, uint256 released) = OptionsLogic.settle(s, boardId, price);
        // The payouts owed move from the pool's cash to the product's collateral (the holders' money now, paid out by
        // their claims), so the NAV and the reserves no longer carry them.
        core.settle(
            IClearingCore.Settlement({
                inflowUsd: 0,
                collateralDeltaUsd: int256(owed),
                reserveDeltaUsd: -int256(released + owed),
                payee: address(0),
                payoutUsd: 0,
                badDebtUsd: 0,
                checkSolvency: false,
                nothingOpen: s.activeMarkets == 0,
                lockedGainUsd: 0
            })
        );
        emit BoardSettled(boardId, marketId, price, publishedAt, owed, released);
    }

    /// @dev Pays `account`'s settled payoff on one option to `receiver`.
    function _claim(address account, uint256 boardId, uint256 strikeIndex, bool isCall, address receiver)
        internal
        returns (uint256 payoutUsd)
    {
        Board memory b = _board(boardId);
        if (!b.settled) revert BoardNotSettled(boardId);
        uint256 id = _optionId(b, boardId, strikeIndex, isCall);
        uint256 amount = s.holdings[account][id];
        if (amount == 0) revert NoPayoff(account, id);
        core.enter(IClearingCore.Risk.Reduces);
        s.holdings[account][id] = 0;
        payoutUsd = OptionPricing.toUsdDown(
            amount,
            OptionPricing.payoffWad(
                isCall, b.firstStrikeWad + strikeIndex * b.strikeStepWad, b.settlementPriceWad, b.callCapBps
            )
        );
        payoutUsd = MathLib.min(payoutUsd, b.owedUsd); // the sum of claims never exceeds what settlement owed
        Board storage sb = s.boards[boardId];
        sb.owedUsd = uint64(b.owedUsd - payoutUsd);
        s.books[b.marketId].owedUsd -= uint64(payoutUsd);

        core.settle(
            IClearingCore.Settlement({
                inflowUsd: 0,
                collateralDeltaUsd: -int256(payoutUsd),
                reserveDeltaUsd: 0,
                payee: receiver,
                payoutUsd: payoutUsd,
                badDebtUsd: 0,
                checkSolvency: false,
                nothingOpen: s.activeMarkets == 0,
                lockedGainUsd: 0
            })
        );
        emit PayoffClaimed(account, boardId, strikeIndex, isCall, amount, payoutUsd, receiver);
    }

    /// @dev Tells the perpetual engine the options traders' net delta in USD at this price (delta tokens x price), which
    ///      it nets into the skew that prices perpetual impact and drives funding (PerpState.netSkewUsd).
    function _pushSkew(OptionsLogic.Ctx memory c) internal {
        engine.setOptionsSkew(c.marketId, OptionsLogic.bookDeltaTokens(s, c) * int256(c.spotWad) / 1e30);
    }

    /// @dev Opens the action with the core (shared lock, borrow accrual), then pins the market's price for the
    ///      transaction and takes a due volatility sample (IPerpEngine.pinMarket), before anything is priced; the
    ///      market's inputs come back from that call, as `_context` reads them (the skew, the estimator, the lag).
    function _enter(IClearingCore.Risk risk, uint256 marketId) internal returns (OptionsLogic.Ctx memory) {
        core.enter(risk);
        return _ctx(engine.pinMarket(marketId), marketId);
    }

    function _config(uint256 marketId) internal view returns (OptionsConfig memory cfg) {
        cfg = s.configs[marketId];
        if (cfg.strikeStepWad == 0) revert OptionsNotEnabled(marketId);
    }

    function _board(uint256 boardId) internal view returns (Board memory) {
        Board memory b = s.boards[boardId];
        if (b.expiry == 0) revert UnknownBoard(boardId); // every listed board expires after its listing
        return b;
    }

    /// @dev The id of an option of board `b`: its strike must be one of the board's (the id packs board << 8 |
    ///      strike << 1 | type, so an index past the grid would name another board's option).
    function _optionId(Board memory b, uint256 boardId, uint256 strikeIndex, bool isCall)
        internal
        pure
        returns (uint256)
    {
        if (strikeIndex >= b.strikeCount) revert UnknownStrike(boardId, strikeIndex, b.strikeCount);
        return OptionsLogic.optionId(boardId, strikeIndex, isCall);
    }

    /// @dev The board and config of a trade; checks the amount, the strike and that the board is open.
    function _tradeBoard(uint256 boardId, uint256 strikeIndex, uint256 amountWad)
        internal
        view
        returns (OptionsConfig memory cfg, Board memory b)
    {
        if (amountWad == 0) revert ZeroAmount();
        if (amountWad % OptionsLogic.OI_LOT_WAD != 0) revert AmountNotInLots(amountWad, OptionsLogic.OI_LOT_WAD);
        b = _board(boardId);
        if (strikeIndex >= b.strikeCount) revert UnknownStrike(boardId, strikeIndex, b.strikeCount);
        cfg = _config(b.marketId);
        // A settled board's options are still in the book's delta and vega until the refresh: an impact priced on
        // them would charge a trade for exposure the pool no longer has, or waive it for exposure it adds. So are an
        // expired board's before its settlement, whose payoff the first price at or after expiry fixes (a review
        // bought puts on the stale delta, then settled, in one transaction: 69,384 USD of impact waived): trades
        // wait from the book's nearest expiry until the settlement and the refresh after it.
        OptionsLogic.Book storage bk = s.books[b.marketId];
        if (bk.holdsSettled) revert OptionsBookStale(b.marketId, Staleness.Dirty);
        uint256 nearest = bk.nearestExpiry;
        if (nearest != 0 && block.timestamp >= nearest) {
            revert OptionsBookStale(b.marketId, Staleness.AwaitingSettlement);
        }
        cfg.callCapBps = b.callCapBps; // the cap the board's calls were listed with
        uint256 cutoffAt = b.expiry - cfg.tradingCutoffSec;
        if (b.settled || block.timestamp >= cutoffAt) revert TradingClosed(boardId, cutoffAt, block.timestamp);
    }

    /// @dev Points the market inputs `c` at the trade's option.
    function _atStrike(OptionsLogic.Ctx memory c, Board memory b, uint256 boardId, uint256 strikeIndex) internal pure {
        c.boardId = boardId;
        c.strikeIndex = strikeIndex;
        c.strikeWad = b.firstStrikeWad + strikeIndex * b.strikeStepWad;
        c.topStrikeWad = b.firstStrikeWad + (b.strikeCount - 1) * b.strikeStepWad;
        c.expiry = b.expiry;
    }

    /// @dev The market's inputs as a trade would read them now (IPerpEngine.volatilityNow: the price, pinned or the
    ///      feed's, the estimator with a due sample applied, the perpetual skew, the oracle lag and the estimator).
    function _context(uint256 marketId) internal view returns (OptionsLogic.Ctx memory) {
        return _ctx(engine.volatilityNow(marketId), marketId);
    }

    /// @dev The pricing context of `marketId` from the engine's inputs (`volatilityNow`, or `pinMarket` after its pin).
    function _ctx(IPerpEngine.PricingInputs memory p, uint256 marketId)
        internal
        pure
        returns (OptionsLogic.Ctx memory c)
    {
        c.marketId = marketId;
        (c.spotWad, c.varianceWad, c.longVarianceWad, c.samplePriceWad, c.sampleAt) =
        (p.priceWad, p.varianceWad, p.longVarianceWad, p.samplePriceWad, p.sampleAt);
        c.perpDeltaTokens = int256(p.shortTokens) - int256(p.longTokens); // the pool's delta from the perpetuals
        c.lagBps = p.oracleLagBps;
        c.est = p.est;
    }

    /// @dev The pool's borrow terms a buy is priced and checked with: the rate at the kink (the least premium's rate) and
    ///         the kink itself (IClearingCore.poolConfig).
    function _withPoolTerms(OptionsLogic.Ctx memory c) internal view {
        IClearingCore.PoolConfig memory pc = core.poolConfig();
        c.reserveRateWad = uint256(pc.baseRateWad) + pc.slope1Wad;
        c.kinkWad = pc.kinkWad;
    }

    /// @dev The perpetual market's price feed, read from the engine's ConfigStore.
    function _perpFeed(uint256 marketId) internal view returns (address) {
        uint256 w = PerpState.totalsWord(engine);
        if (marketId >= PerpState.marketCountOf(w)) revert UnknownMarket(marketId);
        return ConfigStore.readFeed(ConfigStore.createdAt(address(engine), PerpState.storeNonceOf(w)), marketId);
    }

    /// @dev The price now and the publish time of the market's last volatility sample, a due one included.
    function _priceAndSampleAt(uint256 marketId) internal view returns (uint256, uint256) {
        IPerpEngine.PricingInputs memory p = engine.volatilityNow(marketId);
        return (p.priceWad, p.sampleAt);
    }

    function _emitTrade(
        address account,
        uint256 boardId,
        uint256 strikeIndex,
        bool isCall,
        bool isBuy,
        uint256 amountWad,
        Quote memory q,
        OptionsLogic.Ctx memory c
    ) internal {
        emit OptionTraded(
            account,
            boardId,
            c.marketId,
            strikeIndex,
            isCall,
            isBuy,
            amountWad,
            q.premiumUsd,
            q.impactUsd,
            q.ivWad,
            c.spotWad,
            c.strikeWad
        );
    }

    /// @dev As PerpEngine._sender: the caller, or the account a trusted forwarder appends.
    function _sender() internal view returns (address account) {
        uint256 extra = (msg.data.length - 4) % 32;
        if (extra == 0 || !core.isTrustedForwarder(msg.sender)) return msg.sender;
        if (extra != 20) revert IPerpEngine.MalformedForwardedCall(msg.sender, msg.data.length);
        assembly ("memory-safe") {
            account := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IProduct
    /// @dev Per market with options open: OptionsNav.marketClaim (the expansion, its error bound, the delta's oracle
    ///      lag and the next sample's repricing bound). Payouts owed are not valued: settlement moved them out of the
    ///      pool's cash into the product's collateral ledger. Reverts OptionsBookStale outside the expansion's range: LP flows wait for the keeper's refresh.
    function poolClaimUsd(uint256) external view returns (int256 claimUsd, uint256 riskDownUsd, uint256 riskUpUsd) {
        uint256 active = s.activeMarkets;
        for (uint256 m; active >> m != 0; ++m) {
            if (active >> m & 1 == 0) continue;
            if (s.books[m].refAt != 0) {
                (int256 marketClaimUsd, uint256 down, uint256 up) =
                    OptionsNav.marketClaim(s, engine.volatilityNow(m), m);
                claimUsd += marketClaimUsd;
                riskDownUsd += down;
                riskUpUsd += up;
            }
        }
    }

    /// @inheritdoc IOptionsBook
    function config(uint256 marketId) external view returns (OptionsConfig memory) {
        return s.configs[marketId];
    }

    /// @inheritdoc IOptionsBook
    function board(uint256 boardId) external view returns (Board memory) {
        return _board(boardId);
    }

    /// @inheritdoc IOptionsBook
    function boardCount() external view returns (uint256) {
        return s.boardCount;
    }

    /// @inheritdoc IOptionsBook
    function liveBoards(uint256 marketId) external view returns (uint256[] memory ids) {
        uint32[] memory listed = s.live[marketId]; // settled boards stay listed until the next listing prunes them
        ids = new uint256[](listed.length);
        uint256 n;
        for (uint256 j; j < listed.length; ++j) {
            if (!s.boards[listed[j]].settled) ids[n++] = listed[j];
        }
        assembly ("memory-safe") {
            mstore(ids, n)
        }
    }

    /// @inheritdoc IOptionsBook
    function strikeOi(uint256 boardId, uint256 strikeIndex) external view returns (uint256, uint256) {
        uint256 count = _board(boardId).strikeCount;
        if (strikeIndex >= count) revert UnknownStrike(boardId, strikeIndex, count);
        return (
            OptionsLogic.openInterest(s, boardId, strikeIndex, true),
            OptionsLogic.openInterest(s, boardId, strikeIndex, false)
        );
    }

    /// @inheritdoc IOptionsBook
    function holding(address account, uint256 boardId, uint256 strikeIndex, bool isCall)
        external
        view
        returns (uint256)
    {
        return s.holdings[account][_optionId(_board(boardId), boardId, strikeIndex, isCall)];
    }

    /// @inheritdoc IOptionsBook
    function quote(uint256 boardId, uint256 strikeIndex, bool isCall, bool isBuy, uint256 amountWad)
        external
        view
        returns (Quote memory)
    {
        (OptionsConfig memory cfg, Board memory b) = _tradeBoard(boardId, strikeIndex, amountWad);
        OptionsLogic.Ctx memory c = _context(b.marketId);
        _atStrike(c, b, boardId, strikeIndex);
        _withPoolTerms(c);
        return OptionsLogic.quote(s, cfg, c, isCall, isBuy, amountWad);
    }

    /// @inheritdoc IOptionsBook
    function book(uint256 marketId) external view returns (BookView memory) {
        return OptionsLogic.view_(s, marketId);
    }

    /// @inheritdoc IOptionsBook
    function staleness(uint256 marketId) external view returns (Staleness) {
        OptionsLogic.Book storage bk = s.books[marketId];
        if (bk.refAt == 0) return Staleness.Fresh;
        (uint256 spot, uint256 sampleAt) = _priceAndSampleAt(marketId);
        return OptionsLogic.staleness(bk, spot, sampleAt);
    }

    /// @inheritdoc IOptionsBook
    function exactLiabilityWad(uint256 marketId) external view returns (uint256) {
        return OptionsNav.exactValueWad(s, marketId, _context(marketId), s.configs[marketId]);
    }

    /// @inheritdoc IOptionsBook
    function navTerms(uint256 marketId) external view returns (uint256, uint256) {
        OptionsLogic.Book storage bk = s.books[marketId];
        if (bk.refAt == 0) return (0, 0);
        (uint256 spot, uint256 sampleAt) = _priceAndSampleAt(marketId);
        Staleness st = OptionsLogic.staleness(bk, spot, sampleAt);
        if (st != Staleness.Fresh) revert OptionsBookStale(marketId, st);
        return OptionsLogic.expand(bk, spot);
    }

    /// @inheritdoc IOptionsBook
    function optionId(uint256 boardId, uint256 strikeIndex, bool isCall) external pure returns (uint256) {
        return OptionsLogic.optionId(boardId, strikeIndex, isCall);
    }
}
