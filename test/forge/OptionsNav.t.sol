// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {IHistoricalPriceFeed} from "../../contracts/oracles/IHistoricalPriceFeed.sol";
import {BaseTest} from "./utils/Base.t.sol";

/// @notice The NAV's options term (P-76): O(1) per market from the cached expansion, within its stated error bound of
///         the exact Black-Scholes mark (every open option valued one by one at the live price and time), and LP
///         flows wait for a refresh outside the expansion's range.
contract OptionsNavTest is BaseTest {
    uint256[] internal ids;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 10_000_000 * USD);
        ids = _listBoards(ETH);
        // A book across every board, calls and puts, in and out of the money.
        for (uint256 j; j < ids.length; ++j) {
            for (uint256 k = 1; k < 11; k += 3) {
                _buy(alice, ids[j], k, true, (j + 1) * 3e18 + k * 1e17);
                _buy(bob, ids[j], 10 - k, false, (k + 2) * 2e18);
            }
        }
        options.refresh(ETH);
    }

    function _buy(address who, uint256 boardId, uint256 k, bool isCall, uint256 amountWad) internal {
        IOptionsBook.Quote memory q = options.quote(boardId, k, isCall, true, amountWad);
        _mint(who, q.premiumUsd);
        vm.prank(who);
        options.buy(boardId, k, isCall, amountWad, q.premiumUsd);
    }

    function _assertWithinBound(string memory what) internal view {
        (uint256 liability, uint256 bound) = options.navTerms(ETH);
        uint256 exact = options.exactLiabilityWad(ETH);
        uint256 diff = liability > exact ? liability - exact : exact - liability;
        assertLe(diff, bound, what);
    }

    /// P-76: inside the expansion's range (price move, elapsed time), the NAV's options liability is within its error
    ///       bound of the exact mark, also after trades since the refresh.
    function testFuzz_nav_optionsTermWithinBound(int256 moveSeed, uint256 dtSeed, uint256 tradeSeed) public {
        // A due volatility sample makes the cache stale at once (P-86, test/forge/adversarial/OptionsSampleAttacks):
        // with a day's sampling interval none falls due here, so the fuzz spans the expansion's whole time range.
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.sampleIntervalSec = 1 days;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        options.refresh(ETH);
        IOptionsBook.BookView memory v = options.book(ETH);
        assertEq(uint256(v.refPriceWad), 3000e18);
        int256 maxMove = int256(v.maxMoveWad);
        int256 move = bound(moveSeed, -maxMove, maxMove);
        uint256 dt = bound(dtSeed, 0, v.validUntil - v.refAt);
        if (tradeSeed % 3 == 1) {
            // A trade halfway: its own expansion joins the book re-centred on the reference point.
            vm.warp(v.refAt + dt / 2);
            _setPriceAfter(ETH, uint256(int256(v.refPriceWad) + move / 2), 0);
            _buy(dave, ids[tradeSeed % ids.length], tradeSeed % 11, tradeSeed % 2 == 0, 5e18);
        } else if (tradeSeed % 3 == 2) {
            vm.warp(v.refAt + dt / 2);
            _setPriceAfter(ETH, uint256(int256(v.refPriceWad) - move / 3), 0);
            vm.prank(alice);
            options.sell(ids[0], 1, true, 1e18, 0);
        }
        vm.warp(v.refAt + dt);
        _setPriceAfter(ETH, uint256(int256(v.refPriceWad) + move), 0);
        _assertWithinBound("options term within its bound");
        // The NAV itself moves with it: LPs deposit and redeem at NAV +- (bound + oracle lag).
        (int256 claim, uint256 riskDown, uint256 riskUp) = options.poolClaimUsd(0);
        (uint256 liability, uint256 bound) = options.navTerms(ETH);
        assertEq(claim, -int256((liability + 1e12 - 1) / 1e12), "NAV claim = -liability, rounded against the pool");
        assertGe(riskDown * 1e12, bound);
        assertGe(riskUp * 1e12, bound);
    }

    /// P-76, P-72: an LP who sees an oracle update coming gains nothing from the options term: the band an LP action is
    ///       priced with covers the exact mark after a move up to the feed's deviation threshold, near expiry too
    ///       (where the options' convexity makes a lag-sized move worth more than delta x move). Recomputed from the
    ///       exact Black-Scholes mark of every open option after the move.
    function testFuzz_nav_lagMoveWithinBand(uint256 beforeSec, uint256 moveBps, bool up) public {
        uint256 near = ids[0];
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(near).expiry) near = ids[j];
        }
        uint256 lagBps = reader.marketConfig(ETH).oracleLagBps;
        moveBps = bound(moveBps, 0, lagBps);
        uint256 cutoffAt = options.board(near).expiry - options.config(ETH).tradingCutoffSec;
        vm.warp(cutoffAt - bound(beforeSec, 60, MathLib.min(6 hours, cutoffAt - block.timestamp)));
        _refreshPrices();
        engine.poke(ETH);
        options.refresh(ETH); // the keeper's: trades wait for it past the range (P-108)
        // At-the-money calls and puts about to expire: the book's gamma at its largest.
        _buy(dave, near, 5, true, 500e18);
        _buy(dave, near, 5, false, 500e18);
        options.refresh(ETH);
        (int256 claim, uint256 riskDown, uint256 riskUp) = options.poolClaimUsd(0);
        uint256 p0 = _price(ETH);
        _setPrice(ETH, up ? p0 * (10_000 + moveBps) / 10_000 : p0 * (10_000 - moveBps) / 10_000);
        int256 exactAfter = int256(options.exactLiabilityWad(ETH) / 1e12);
        assertLe(exactAfter, -claim + int256(riskDown), "a redemption before the update is not overpaid");
        assertGe(exactAfter, -claim - int256(riskUp), "a deposit before it is not undercharged");
    }

    /// P-76 after the trading cutoff: LP flows run until expiry, where sigma sqrt T falls below the lag and a
    ///       lag-sized move carries an out-of-the-money strike through it; a review found the second-order term 3,136 USD
    ///       short five minutes before expiry on 1,600 calls 0.4% out of the money. Bought two hours before expiry
    ///       (before the cutoff), valued anywhere from 50 minutes to 1 minute before it, from 1% out of the money to
    ///       at the money: the band covers the exact mark after a move of the feed's whole deviation threshold.
    function testFuzz_nav_lagMoveWithinBand_afterTheCutoff(uint256 beforeSec, uint256 otmBps, bool isCall) public {
        _deposit(carol, 10_000_000 * USD); // room for the 1,600 options' reserve
        uint256 near = ids[0];
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(near).expiry) near = ids[j];
        }
        uint256 expiry = options.board(near).expiry;
        uint256 strike = options.board(near).firstStrikeWad + 5 * options.board(near).strikeStepWad;
        otmBps = bound(otmBps, 0, 100);
        uint256 spot = isCall ? strike * (10_000 - otmBps) / 10_000 : strike * (10_000 + otmBps) / 10_000;
        vm.warp(expiry - 2 hours);
        _setPriceAfter(ETH, spot, 0);
        engine.poke(ETH);
        options.refresh(ETH); // the keeper's: trades wait for it past the range (P-108)
        _buy(dave, near, 5, isCall, 1600e18);
        vm.warp(expiry - bound(beforeSec, 60, 50 minutes));
        _setPriceAfter(ETH, spot, 0);
        engine.poke(ETH);
        options.refresh(ETH);
        (int256 claim, uint256 riskDown,) = options.poolClaimUsd(0);
        uint256 lagBps = reader.marketConfig(ETH).oracleLagBps;
        // the update the feed can hide, toward the strike (the out-of-the-money option's worst move)
        _setPrice(ETH, isCall ? spot * (10_000 + lagBps) / 10_000 : spot * (10_000 - lagBps) / 10_000);
        int256 exactAfter = int256(options.exactLiabilityWad(ETH) / 1e12);
        assertLe(exactAfter, -claim + int256(riskDown), "a redemption before the update is not overpaid");
    }

    /// P-76: a buy on a nearer expiry than the book's narrows the expansion's range in place, to what a refresh at the
    ///       trade would set (its sigma sqrt T, a quarter of its time) less the trade's distance from the reference
    ///       price: LP flows go on without the keeper (a review found a 1-lot buy of a nearer board made them wait at
    ///       each refresh), and anywhere inside the narrowed range the term is within its bound of the exact mark.
    function testFuzz_nav_nearerExpiryBuy_narrowsRangeInPlace(
        int256 tradeMoveSeed,
        uint256 tradeDtSeed,
        int256 moveSeed,
        uint256 dtSeed,
        uint256 tradeSeed,
        uint256 lots
    ) public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.sampleIntervalSec = 1 days;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        uint256 near = _emptyNearestBoard();
        options.refresh(ETH);
        IOptionsBook.BookView memory v = options.book(ETH);
        assertGt(v.nearestExpiry, options.board(near).expiry, "the book starts past the emptied board");

        // The buy: in the range's inner half, in its first half of time.
        int256 tradeMove = bound(tradeMoveSeed, -int256(uint256(v.maxMoveWad / 2)), int256(uint256(v.maxMoveWad / 2)));
        vm.warp(v.refAt + bound(tradeDtSeed, 1, (v.validUntil - v.refAt) / 2)); // a second on: a new price
        _setPriceAfter(ETH, uint256(int256(v.refPriceWad) + tradeMove), 0);
        uint256 refreshedMove;
        {
            // What a refresh at the trade would set (read and rolled back).
            uint256 snap = vm.snapshotState();
            _buy(dave, near, tradeSeed % 11, tradeSeed % 2 == 0, bound(lots, 1, 50e9) * 1e9);
            options.refresh(ETH);
            refreshedMove = options.book(ETH).maxMoveWad;
            vm.revertToState(snap);
        }
        _buy(dave, near, tradeSeed % 11, tradeSeed % 2 == 0, bound(lots, 1, 50e9) * 1e9);
        IOptionsBook.BookView memory w = options.book(ETH);
        assertEq(w.nearestExpiry, options.board(near).expiry);
        uint256 off = MathLib.abs(tradeMove);
        if (2 * off <= refreshedMove) {
            assertFalse(w.dirty, "narrowed, not marked for the keeper");
            assertEq(
                w.maxMoveWad, MathLib.min(v.maxMoveWad, refreshedMove - off), "the refresh's range less the offset"
            );
            assertLe(w.validUntil, v.validUntil);
            assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
            _mint(dave, 1000 * USD);
            vm.prank(dave);
            pool.deposit(1000 * USD, dave);
        } else {
            // Too far from the reference for the narrowed range to hold the price itself: the keeper refreshes first.
            assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Dirty));
            options.refresh(ETH);
            w = options.book(ETH);
        }

        // Anywhere inside the (narrowed) range, the term is within its bound of the exact mark.
        int256 move = bound(moveSeed, -int256(uint256(w.maxMoveWad)), int256(uint256(w.maxMoveWad)));
        vm.warp(bound(dtSeed, block.timestamp + 1, w.validUntil));
        _setPriceAfter(ETH, uint256(int256(w.refPriceWad) + move), 0);
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
        _assertWithinBound("inside the narrowed range");
    }

    /// @dev Sells back every option of the nearest board (setUp's book), returning it.
    function _emptyNearestBoard() internal returns (uint256 near) {
        uint256 j0;
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(ids[j0]).expiry) j0 = j;
        }
        near = ids[j0];
        for (uint256 k = 1; k < 11; k += 3) {
            vm.prank(alice);
            options.sell(near, k, true, (j0 + 1) * 3e18 + k * 1e17, 0);
            vm.prank(bob);
            options.sell(near, 10 - k, false, (k + 2) * 2e18, 0);
        }
    }

    /// P-76: once a board with open interest has expired, LP flows wait for its settlement; a refresh cannot stand in for
    ///       it (its value depends on the settlement price, not the current one).
    function test_nav_expiredBoard_refreshCannotBypassSettlement() public {
        IOptionsBook.Board memory b = options.board(ids[0]);
        vm.warp(b.expiry + 30);
        _refreshPrices();
        options.refresh(ETH);
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.AwaitingSettlement));
        _mint(dave, 100 * USD);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.AwaitingSettlement
            )
        );
        vm.prank(dave);
        pool.deposit(100 * USD, dave);
    }

    /// P-76: at the refresh point the expansion equals the exact mark.
    function test_nav_exactAtRefresh() public view {
        (uint256 liability,) = options.navTerms(ETH);
        assertEq(liability, options.exactLiabilityWad(ETH));
        assertGt(liability, 10_000e18, "a sizeable book");
    }

    /// P-76: beyond the price range, the age limit or a new volatility sample, LP flows wait for the keeper's refresh;
    ///       an expired board waits for its settlement.
    function test_nav_waitsOutsideRange() public {
        IOptionsBook.BookView memory v = options.book(ETH);
        _mint(dave, 1000 * USD);

        _setPrice(ETH, v.refPriceWad + v.maxMoveWad + 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        vm.prank(dave);
        pool.deposit(1000 * USD, dave);
        options.refresh(ETH);
        _assertWithinBound("after the refresh");
        vm.prank(dave);
        pool.deposit(500 * USD, dave);

        v = options.book(ETH);
        vm.warp(v.validUntil + 1);
        _refreshPrices();
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.TooOld));
        options.refresh(ETH);
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));

        // A new variance sample reprices every option's volatility: the expansion is refreshed first.
        skip(11 minutes);
        _refreshPrices();
        engine.poke(ETH);
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.VolatilityResampled));
        options.refresh(ETH);

        IOptionsBook.Board memory b = options.board(ids[0]);
        vm.warp(b.expiry);
        _setPriceAfter(ETH, 3000e18, 0);
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.AwaitingSettlement));
        options.settleBoard(ids[0], IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Dirty));
        options.refresh(ETH);
        _assertWithinBound("settled board out, its payouts owed");
        (int256 claim,,) = options.poolClaimUsd(0);
        (uint256 liability,) = options.navTerms(ETH);
        // the payouts owed left the pool's cash at settlement: the claim is the open options' liability alone
        assertGt(options.book(ETH).owedUsd, 0, "the settled board owes its holders");
        assertEq(claim, -int256((liability + 1e12 - 1) / 1e12));
        vm.prank(dave);
        pool.deposit(500 * USD, dave);
    }
}

/// @notice P-76's time term counts each leg's theta: a capped call's two thetas cancel where the spot is near the
///         geometric mean of its strikes, while the spread's value still drifts over time (review BO).
contract OptionsNavThetaCrossingTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 10_000_000 * USD);
        _dailySamplesNarrowCaps(); // the review's case: a 10% cap, over the expansion's whole time range
    }

    /// The book: one capped call strike, refreshed at the price where its net theta crosses zero (found by bisection
    /// between the strike and the cap); over the expansion's whole time range with the price still, the exact mark moves
    /// by the spread's drift, which a bound on the net theta (about zero there) did not cover.
    function test_nav_cappedCallAtItsThetaCrossing_withinBound() public {
        uint256 boardId = _listBoards(ETH)[0];
        IOptionsBook.Board memory b = options.board(boardId);
        uint256 k = 5;
        uint256 strike = uint256(b.firstStrikeWad) + k * uint256(b.strikeStepWad);
        uint256 amount = 400e18;
        IOptionsBook.Quote memory q = options.quote(boardId, k, true, true, amount);
        _mint(dave, q.premiumUsd);
        vm.prank(dave);
        options.buy(boardId, k, true, amount, q.premiumUsd);

        // net theta < 0 near the strike (the long leg decays), > 0 near the cap (the short leg does); a second apart
        // each, as the engine pins one price per block
        uint256 lo = strike;
        uint256 hi = strike + strike * b.callCapBps / 10_000;
        for (uint256 i; i < 48 && hi - lo > 1e9; ++i) {
            uint256 mid = (lo + hi) / 2;
            _setPriceAfter(ETH, mid, 1);
            options.refresh(ETH);
            if (options.book(ETH).thetaWad < 0) lo = mid;
            else hi = mid;
        }
        _setPriceAfter(ETH, lo, 1);
        options.refresh(ETH);
        IOptionsBook.BookView memory v = options.book(ETH);
        // the book's net theta is about nothing over the range: under a cent per hour on 400 tokens
        assertLt(MathLib.abs(v.thetaWad) * 1 hours, 1e16, "at the crossing");

        vm.warp(v.validUntil);
        _setPriceAfter(ETH, lo, 0);
        (uint256 liability, uint256 bound) = options.navTerms(ETH);
        uint256 exact = options.exactLiabilityWad(ETH);
        uint256 diff = liability > exact ? liability - exact : exact - liability;
        // the drift itself is real (so the case tests something): about 0.07 USD, far past the rounding allowance and
        // the 0.0006 USD the net theta's bound held
        assertGt(diff, 1e15, "the spread's value drifted");
        assertLe(diff, bound, "options term within its bound at the theta crossing");
    }
}
