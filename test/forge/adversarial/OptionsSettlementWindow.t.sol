// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IHistoricalPriceFeed} from "../../../contracts/oracles/IHistoricalPriceFeed.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-100, from the attacker's side: the window between a board's settlement and the book's refresh. A
///         settlement takes the board out of the open interest at once, but the book's cached delta and vega (what an
///         option trade's impact is priced on) still hold its options until the next refresh. A review settled a board
///         of 6,400 expired in-the-money calls (settlement is permissionless) and bought 4,800 puts in the same
///         transaction: the stale book showed the pool 21M USD short delta, so puts that added long delta to a flat pool
///         paid 2,406 USD of impact instead of 71,789 (the LPs lost 69,383); an honest call buyer in the keeper's window
///         between its settle and refresh transactions paid 122,747 instead of 13,409. Trades now wait for the refresh.
contract OptionsSettlementWindowTest is BaseTest {
    uint256[] internal ids;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 200_000_000 * USD);
        ids = _listBoards(ETH);
        options.refresh(ETH);
    }

    /// @dev Bob holds 6,400 calls (strikes 2,800 to 3,100) of the first daily board; the keeper refreshed the book just
    ///      before the cutoff at 3,300 (the calls' delta about 1 is in the cached delta) and the first price at or
    ///      after the expiry is 3,300 (without `withCalls`, the same prices and times with nothing bought). Returns the board and that price's round.
    function _callBoardExpiresInTheMoney(bool withCalls) internal returns (uint256 board, uint256 round) {
        board = ids[0];
        for (uint256 k = 3; k < 7 && withCalls; ++k) {
            _buyOption(bob, board, k, true, 1600e18);
        }
        IOptionsBook.Board memory b = options.board(board);
        vm.warp(b.expiry - options.config(ETH).tradingCutoffSec - 60);
        _setPrice(ETH, 3300e18);
        options.refresh(ETH);
        vm.warp(b.expiry);
        _setPrice(ETH, 3300e18);
        vm.roll(block.number + 1);
        round = IHistoricalPriceFeed(address(ethFeed)).latestRoundId();
    }

    /// @dev `who` buys 1,600 puts at each of the next daily board's 3,300, 3,400 and 3,500 strikes, one after the other:
    ///      the summed impact (each quoted just before its buy) and premium.
    function _buyPuts(address who) internal returns (uint256 impactUsd, uint256 premiumUsd) {
        return _buyPutsOn(who, ids[1]);
    }

    function _buyPutsOn(address who, uint256 board) internal returns (uint256 impactUsd, uint256 premiumUsd) {
        for (uint256 k = 8; k < 11; ++k) {
            impactUsd += options.quote(board, k, false, true, 1600e18).impactUsd;
            premiumUsd += _buyOption(who, board, k, false, 1600e18);
        }
    }

    /// @dev The attacker's buy of the first put and a quote revert OptionsBookStale(ETH, `why`).
    function _expectPutsRefused(IOptionsBook.Staleness why) internal {
        bytes memory stale = abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, why);
        _mint(attacker, 10_000_000 * USD);
        vm.startPrank(attacker);
        usdc.approve(address(options), type(uint256).max);
        vm.expectRevert(stale);
        options.buy(ids[1], 8, false, 1600e18, type(uint256).max);
        vm.stopPrank();
        vm.expectRevert(stale);
        options.quote(ids[1], 8, false, true, 1600e18);
    }

    function test_settleThenTrade_waitsForTheRefresh() public {
        // Control: the same prices and times with the calls never bought; the puts pay what a flat pool charges.
        uint256 snap = vm.snapshotState();
        (uint256 board, uint256 round) = _callBoardExpiresInTheMoney(false);
        options.settleBoard(board, round);
        options.refresh(ETH);
        (uint256 flatImpact, uint256 flatPremium) = _buyPuts(attacker);
        vm.revertToState(snap);

        (board, round) = _callBoardExpiresInTheMoney(true);
        options.settleBoard(board, round);
        // The attacker's same-transaction trade (and any quote) is refused until the book is rebuilt.
        _expectPutsRefused(IOptionsBook.Staleness.Dirty);

        // Anyone may refresh; the puts then pay the impact of the long delta they add to the pool, flat again.
        options.refresh(ETH);
        (uint256 impact, uint256 premium) = _buyPuts(attacker);
        assertGt(flatImpact, 50_000 * USD, "4,800 puts add delta and vega to a flat pool and pay for it");
        assertEq(impact, flatImpact, "the impact a flat pool charges (the review's stale book charged 2,406 USD)");
        assertEq(premium, flatPremium, "and the same premium");
    }

    /// The same attack in the other order (review K): buy first on the stale book, then settle, in one transaction.
    /// From the book's nearest expiry until its settlement, whose payoff the first price at or after expiry fixes,
    /// trades and quotes wait (AwaitingSettlement); the review's puts paid 2,406 USD of impact instead of 71,789.
    function test_tradeThenSettle_waitsForTheSettlement() public {
        uint256 snap = vm.snapshotState();
        (uint256 board, uint256 round) = _callBoardExpiresInTheMoney(false);
        options.settleBoard(board, round);
        options.refresh(ETH);
        (uint256 flatImpact,) = _buyPuts(attacker);
        vm.revertToState(snap);

        (board, round) = _callBoardExpiresInTheMoney(true);
        _expectPutsRefused(IOptionsBook.Staleness.AwaitingSettlement);

        options.settleBoard(board, round);
        options.refresh(ETH);
        (uint256 impact,) = _buyPuts(attacker);
        assertGt(flatImpact, 50_000 * USD);
        assertEq(impact, flatImpact, "the impact a flat pool charges");
    }

    function test_callBuyerAfterASettlement_paysWhatAPoolThatNeverHeldTheCallsCharges() public {
        uint256 snap = vm.snapshotState();
        (uint256 board, uint256 round) = _callBoardExpiresInTheMoney(false);
        options.settleBoard(board, round);
        options.refresh(ETH);
        uint256 control = options.quote(ids[1], 5, true, true, 1600e18).impactUsd;
        vm.revertToState(snap);

        (board, round) = _callBoardExpiresInTheMoney(true);
        options.settleBoard(board, round);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.Dirty)
        );
        options.quote(ids[1], 5, true, true, 1600e18);
        options.refresh(ETH);
        IOptionsBook.BookView memory v = options.book(ETH);
        assertEq(v.deltaWad, 0, "nothing open: the rebuilt book holds no delta");
        assertEq(v.vegaWad, 0, "nor vega");
        uint256 impact = options.quote(ids[1], 5, true, true, 1600e18).impactUsd;
        assertGt(control, 0);
        assertEq(impact, control, "charged only for the exposure it adds to the pool as it is");
    }

    /// A review's lead: a board whose options were all sold back after the refresh that set its expiry as the
    /// book's nearest settled with nothing open, which left the book AwaitingSettlement for good (the keeper waits for
    /// a settlement before it refreshes), so deposits and redemptions waited on a manual refresh.
    function test_boardSoldOutBeforeExpiry_settlementReleasesTheBook() public {
        uint256 board = ids[0];
        _buyOption(bob, board, 5, true, 1e18);
        IOptionsBook.Board memory b = options.board(board);
        assertEq(options.book(ETH).nearestExpiry, b.expiry, "the buy set the nearest expiry");
        vm.prank(bob);
        options.sell(board, 5, true, 1e18, 0);
        vm.warp(b.expiry);
        _setPrice(ETH, 3000e18);
        vm.roll(block.number + 1);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.AwaitingSettlement));
        options.settleBoard(board, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        // The keeper refreshes a Dirty book (it skips one awaiting a settlement); LP flows then go ahead.
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Dirty), "waits for the refresh");
        options.refresh(ETH);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Fresh));
        _deposit(alice, 1000 * USD);
    }

    /// A: ids[0] bought and sold back (the nearest expiry stays A's); B: ids[1], 6,400 calls; no refresh and no
    /// settlement until B has expired in the money (a keeper outage of a day). Returns A, B and the round at B's expiry.
    function _emptyNearestThenExpiredBoard() internal returns (uint256 a, uint256 b, uint256 round) {
        a = ids[0];
        b = ids[1];
        _buyOption(bob, a, 5, true, 1e18);
        vm.prank(bob);
        options.sell(a, 5, true, 1e18, 0);
        for (uint256 k = 3; k < 7; ++k) {
            _buyOption(bob, b, k, true, 1600e18);
        }
        IOptionsBook.Board memory bb = options.board(b);
        assertEq(options.book(ETH).nearestExpiry, options.board(a).expiry, "A's expiry stays the nearest");
        vm.warp(bb.expiry);
        _setPrice(ETH, 3300e18);
        vm.roll(block.number + 1);
        round = IHistoricalPriceFeed(address(ethFeed)).latestRoundId();
    }

    /// Review N: the nearest board's options were all sold back, a later board's calls expired in the money, and
    /// nobody refreshed or settled for a day: settling the empty board (nothing open) released AwaitingSettlement
    /// without marking the book, so a trade went through on the expired board's stale delta before its settlement.
    function test_settlingAnEmptyNearestBoard_tradesStillWaitForTheRefresh() public {
        uint256 snap = vm.snapshotState();
        (uint256 a, uint256 b, uint256 round) = _emptyNearestThenExpiredBoard();
        options.settleBoard(a, round);
        options.settleBoard(b, round);
        options.refresh(ETH);
        (uint256 fair,) = _buyPutsOn(attacker, ids[2]);
        vm.revertToState(snap);

        (a, b, round) = _emptyNearestThenExpiredBoard();
        options.settleBoard(a, round);
        assertFalse(options.board(b).settled, "B expired with open interest, unsettled");
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.Dirty)
        );
        options.quote(ids[2], 8, false, true, 1600e18);
        options.refresh(ETH); // the rebuilt book finds B's expiry: trades wait for its settlement
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.AwaitingSettlement
            )
        );
        options.quote(ids[2], 8, false, true, 1600e18);
        options.settleBoard(b, round);
        options.refresh(ETH);
        (uint256 impact,) = _buyPutsOn(attacker, ids[2]);
        assertGt(fair, 50_000 * USD);
        assertEq(impact, fair, "the impact of a book without the settled calls");
    }

    /// Stated limit (P-76, review AA, Low): any open interest on the nearest board holds LP flows and the market's
    /// option trades from its expiry to its settlement, one lot (0.000003 USD) as much as a real holding, until the
    /// feed's first price at or after the expiry exists; then the keeper's settle and refresh end it. Measured: the
    /// same deposit goes through without the lot, and through after the next round with it.
    function test_oneLotAtExpiry_holdsLpFlowsUntilTheNextRound() public {
        _buyOption(bob, ids[1], 7, true, 1600e18); // an honest holder of a later board
        IOptionsBook.Board memory b = options.board(ids[0]);
        uint256 snap = vm.snapshotState();
        for (uint256 withLot; withLot < 2; ++withLot) {
            vm.revertToState(snap);
            uint256 cost = withLot == 1 ? _buyOption(attacker, ids[0], 7, true, 1e9) : 0; // one lot: 1e-9 ETH
            assertLt(cost, 10, "a lot costs under 10 micro-USD");
            vm.warp(b.expiry - 31);
            _setPrice(ETH, _price(ETH));
            options.refresh(ETH);
            vm.warp(b.expiry + 1); // no round since the expiry yet: the last price is still fresh
            vm.roll(block.number + 1);
            _mint(dave, 5_000_000 * USD);
            vm.startPrank(dave);
            usdc.approve(address(pool), type(uint256).max);
            if (withLot == 0) {
                assertGt(pool.deposit(5_000_000 * USD, dave), 0, "without open interest at the expiry, flows run");
                vm.stopPrank();
                continue;
            }
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.AwaitingSettlement
                )
            );
            pool.deposit(5_000_000 * USD, dave);
            vm.stopPrank();
            // the next round ends it: settled and refreshed as the keeper does, the same deposit goes through
            skip(60);
            _setPrice(ETH, _price(ETH));
            options.settleBoard(ids[0], IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
            options.refresh(ETH);
            vm.prank(dave);
            assertGt(pool.deposit(5_000_000 * USD, dave), 0, "flows resume at the settlement");
        }
    }

    /// P-76, stated limit (review BO): when no round can prove the settlement price (a Chainlink phase change between
    ///       the expiry and the next round, an answer outside the aggregator's bounds, no Pyth update in the window),
    ///       LP flows wait for the risk role's fallback settlement, FALLBACK_SETTLEMENT_DELAY after the expiry; fresh
    ///       prices meanwhile do not end the wait, and the fallback does.
    function test_unprovableRound_holdsLpFlowsUntilTheFallback() public {
        _buyOption(bob, ids[0], 7, true, 10e18);
        IOptionsBook.Board memory b = options.board(ids[0]);
        // every round the feed can offer fails the proof
        vm.mockCallRevert(
            address(ethFeed), abi.encodeWithSelector(IHistoricalPriceFeed.priceAtOrAfter.selector), "no provable round"
        );
        uint256 opensAt = b.expiry + options.FALLBACK_SETTLEMENT_DELAY();
        _mint(dave, 10_000_000 * USD);
        vm.prank(dave);
        usdc.approve(address(pool), type(uint256).max);
        for (uint256 t = b.expiry + 1 hours; t < opensAt; t += 6 hours) {
            vm.warp(t);
            vm.roll(block.number + 1);
            _setPrice(ETH, _price(ETH));
            vm.expectRevert("no provable round");
            options.settleBoard(ids[0], 0);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.AwaitingSettlement
                )
            );
            vm.prank(dave);
            pool.deposit(1_000_000 * USD, dave);
        }
        vm.warp(opensAt);
        vm.roll(block.number + 1);
        _setPrice(ETH, _price(ETH));
        vm.prank(admin);
        options.settleBoardFallback(ids[0], _price(ETH));
        options.refresh(ETH);
        vm.prank(dave);
        assertGt(pool.deposit(1_000_000 * USD, dave), 0, "flows resume at the fallback settlement");
    }
}
