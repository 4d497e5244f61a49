// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Review AK (P-108, P-83): option trades price their impact, and push the perpetual skew, on the book's delta
///         moved along its gamma within the book's range. Trades do not wait for a dirty book's refresh (only LP flows
///         do), so a dirty book's range must be the one a refresh would set. Before: a market's first option set a flat
///         2% (cacheMaxMoveBps) and a nearer-expiry buy narrowed only a clean book. 65 minutes before a daily expiry 2%
///         is about three sigma sqrt T: an at-the-money straddle of 1,600 calls and 1,600 puts read as 3,507 tokens of
///         delta (1,590 after a refresh), puts bought +1.9% later paid 14 USD of impact instead of 11,523, and an
///         honest 5M perpetual long paid 91,111 instead of 61,807.
contract DirtyBookRangeAttacksTest is BaseTest {
    uint256 internal near;
    uint256 internal later;
    address internal attacker2 = makeAddr("attacker2");

    function setUp() public override {
        super.setUp();
        _deposit(carol, 100_000_000 * USD);
        uint256[] memory ids = _listBoards(ETH);
        near = ids[0];
        later = ids[0];
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(near).expiry) near = ids[j];
            if (options.board(ids[j]).expiry > options.board(later).expiry) later = ids[j];
        }
    }

    /// The delta the book prices on at `spot` (OptionsLogic.bookDeltaTokens, recomputed from the view).
    function _bookDeltaTokens(uint256 spot) internal view returns (int256) {
        IOptionsBook.BookView memory v = options.book(ETH);
        int256 m = int256(v.maxMoveWad);
        int256 dS = int256(spot) - int256(v.refPriceWad);
        dS = dS > m ? m : dS < -m ? -m : dS;
        int256 d = v.deltaWad + v.gammaWad * dS / 1e18;
        int256 t = int256(v.tokensWad);
        return d > t ? t : d < -t ? -t : d;
    }

    function _straddleNear70MinutesOut() internal {
        vm.warp(options.board(near).expiry - 70 minutes);
        _setPriceAfter(ETH, 3000e18, 0);
        engine.poke(ETH);
        options.refresh(ETH); // nothing open: the book has no reference
        assertEq(options.book(ETH).refAt, 0, "no expansion yet");
        _buyOption(attacker, near, 5, true, 1600e18);
        _buyOption(attacker, near, 5, false, 1600e18);
    }

    /// A market's first option sets the range a refresh at that moment sets (its expiry's sigma sqrt T), not 2%.
    function test_firstOption_rangeIsTheRefreshs() public {
        _straddleNear70MinutesOut();
        IOptionsBook.BookView memory first = options.book(ETH);
        assertTrue(first.dirty, "the keeper's refresh still rebuilds it");
        uint256 snap = vm.snapshotState();
        options.refresh(ETH);
        IOptionsBook.BookView memory refreshed = options.book(ETH);
        vm.revertToState(snap);
        assertEq(first.maxMoveWad, refreshed.maxMoveWad, "the refresh's price range");
        assertEq(first.validUntil, refreshed.validUntil, "the refresh's time range");
        assertLt(first.maxMoveWad, uint256(3000e18) * 50 / 10_000, "well inside 2% this near expiry");
    }

    /// +1.9% after the straddle (inside the old 2%, outside sigma sqrt T): the puts that paid 14 USD of impact on the
    /// phantom delta wait for the keeper, and then trade on the refreshed book.
    function test_firstOption_tradesAfterAMovePastTheRangeWaitForTheRefresh() public {
        _straddleNear70MinutesOut();
        _setPriceAfter(ETH, 3057e18, 60);
        _mint(attacker2, 10_000_000 * USD);
        vm.startPrank(attacker2);
        usdc.approve(address(options), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.buy(near, 6, false, 1600e18, type(uint256).max);
        vm.stopPrank();
        options.refresh(ETH);
        _buyOption(attacker2, near, 6, false, 1600e18); // on the refreshed book's delta
    }

    /// Inside the range the delta priced is within the options' notional and close to the exact delta (a refresh at
    /// the same price and time), whatever the move.
    function testFuzz_firstOption_deltaInsideTheRangeNearTheExact(uint256 moveSeed) public {
        _straddleNear70MinutesOut();
        uint256 range = options.book(ETH).maxMoveWad;
        int256 move = int256(bound(moveSeed, 0, 2 * range)) - int256(range);
        uint256 spot = uint256(int256(3000e18) + move);
        _setPriceAfter(ETH, spot, 60);
        int256 cached = _bookDeltaTokens(spot);
        assertLe(cached < 0 ? -cached : cached, int256(3200e18), "within the tokens open");
        options.refresh(ETH);
        int256 exact = options.book(ETH).deltaWad;
        int256 err = cached > exact ? cached - exact : exact - cached;
        // the expansion's delta error inside a quarter sigma sqrt T: a small share of the straddle's gamma move
        assertLe(err, int256(3200e18) / 20, "cached delta within 5% of the notional of the exact");
    }

    /// A dirty book narrows for a nearer expiry too: a later board's options set its range, a lot traded after a
    /// sampling boundary marks it dirty, and the nearer straddle bought then narrows it to the daily's range.
    function test_dirtyBook_nearerExpiryBuy_narrowsTheRange() public {
        _buyOption(alice, later, 5, true, 50e18);
        vm.warp(options.board(near).expiry - 80 minutes);
        _setPriceAfter(ETH, 3000e18, 0);
        engine.poke(ETH);
        options.refresh(ETH);
        uint256 wide = options.book(ETH).maxMoveWad;
        uint256 boundary = (block.timestamp / 600 + 1) * 600;
        _setPriceAfter(ETH, 3000e18, boundary + 1 - block.timestamp);
        _buyOption(attacker, later, 5, true, 1e9); // takes the sample: the book is marked
        assertTrue(options.book(ETH).dirty, "dirty");
        _buyOption(attacker, near, 5, true, 1600e18);
        _buyOption(attacker, near, 5, false, 1600e18);
        uint256 narrowed = options.book(ETH).maxMoveWad;
        uint256 snap = vm.snapshotState();
        options.refresh(ETH);
        uint256 refreshed = options.book(ETH).maxMoveWad;
        vm.revertToState(snap);
        assertLt(narrowed, wide, "narrowed for the nearer expiry");
        // centred on the old reference, less the trade's distance from it: at most what a refresh sets
        assertLe(narrowed, refreshed, "no wider than the refresh's");
        _setPriceAfter(ETH, 3057e18, 60);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.quote(near, 6, false, true, 1600e18);
    }

    /// The skew pushed to the perpetuals: an honest 5M long after the straddle and a +1.9% move pays no more than on
    /// the refreshed book (it paid 91,111 against 61,807 on the phantom delta).
    function test_firstOption_perpLongNotOverchargedOnThePushedDelta() public {
        _straddleNear70MinutesOut();
        _setPriceAfter(ETH, 3057e18, 60);
        _mint(attacker2, 1000 * USD);
        vm.prank(attacker2);
        usdc.approve(address(options), type(uint256).max);
        uint256 snap = vm.snapshotState();
        // one lot to push the book's delta at this price: refused past the range (it pushed the phantom delta)
        vm.prank(attacker2);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.buy(near, 6, false, 1e9, type(uint256).max);
        _open(bob, ETH, true, 1_000_000 * USD, 5_000_000 * USD);
        uint256 collStale = engine.position(bob, ETH, true).collateralUsd;
        vm.revertToState(snap);
        options.refresh(ETH);
        _buyOption(attacker2, near, 6, false, 1e9); // one lot: the refreshed book pushes its delta at this price
        _open(bob, ETH, true, 1_000_000 * USD, 5_000_000 * USD);
        uint256 collFresh = engine.position(bob, ETH, true).collateralUsd;
        assertGe(collStale, collFresh, "not charged above the refreshed book");
    }

    /// Review AM: a nearer-expiry buy farther from the reference than its range (a later board refreshed at 3000, the
    /// price drifted +0.5%, the daily's range 5.17 USD) closes the range: that trade is done, the next waits for the
    /// refresh. It kept the later board's 60 USD, and a put buyer at +1.9% paid 36,934 USD less impact than on the
    /// refreshed book (an honest 5M long 19,107 more).
    function test_farNearerExpiryBuy_tradesWaitForTheRefresh() public {
        _buyOption(alice, later, 5, true, 50e18);
        vm.warp(options.board(near).expiry - 70 minutes);
        _setPriceAfter(ETH, 3000e18, 0);
        engine.poke(ETH);
        options.refresh(ETH);
        _setPriceAfter(ETH, 3015e18, 60);
        _buyOption(attacker, near, 5, true, 1600e18);
        assertEq(options.book(ETH).maxMoveWad, 0, "the range is closed");
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.quote(near, 5, false, true, 1600e18);
        options.refresh(ETH);
        _buyOption(attacker, near, 5, false, 1600e18); // on the refreshed book
    }

    /// Whatever the drift before a nearer-expiry buy, trades after it price only inside a range no wider than a
    /// refresh at that moment sets, or wait for it.
    function testFuzz_nearerExpiryBuy_rangeNoWiderThanTheRefreshs(uint256 driftSeed, bool up) public {
        _buyOption(alice, later, 5, true, 50e18);
        vm.warp(options.board(near).expiry - 70 minutes);
        _setPriceAfter(ETH, 3000e18, 0);
        engine.poke(ETH);
        options.refresh(ETH);
        uint256 drift = bound(driftSeed, 0, 50e18); // inside the later board's 60 USD
        _setPriceAfter(ETH, up ? 3000e18 + drift : 3000e18 - drift, 60);
        _buyOption(attacker, near, 5, true, 100e18);
        IOptionsBook.BookView memory kept = options.book(ETH);
        uint256 snap = vm.snapshotState();
        options.refresh(ETH);
        IOptionsBook.BookView memory refreshed = options.book(ETH);
        vm.revertToState(snap);
        // every price the kept range admits is within the refresh's range of the new reference
        uint256 spot = up ? 3000e18 + drift : 3000e18 - drift;
        uint256 off = kept.refPriceWad > spot ? kept.refPriceWad - spot : spot - kept.refPriceWad;
        assertLe(kept.maxMoveWad + off, refreshed.maxMoveWad + (kept.maxMoveWad == 0 ? off : 0), "no wider");
        assertLe(kept.validUntil, refreshed.validUntil, "no longer");
    }
}
