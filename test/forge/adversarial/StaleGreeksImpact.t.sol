// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-108 (review V): an option trade's impact (P-78/P-79) is priced on the book's cached delta and vega, which
///         hold only within the expansion's range. A buyer who traded right after a move past it, before the keeper's
///         refresh, paid less impact than the same buy on a refreshed book (45,541 USD on 4,800 calls after +2%,
///         107,311 after +5%). Trades and quotes now wait for the refresh there.
contract StaleGreeksImpactTest is BaseTest {
    uint256[] internal ids;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 200_000_000 * USD);
        ids = _listBoards(ETH);
        options.refresh(ETH);
        // an honest book: bob holds 1,600 calls at strikes 3,000-3,200 on every board but the daily and the last
        for (uint256 j = 1; j + 1 < ids.length; ++j) {
            for (uint256 k = 5; k < 8; ++k) {
                _buyOption(bob, ids[j], k, true, 1600e18);
            }
        }
        options.refresh(ETH);
    }

    /// @dev The attacker's 1,600 calls at each of strikes 3,300-3,500 of the last board: premium and impact paid.
    function _attackerBuysCalls() internal returns (uint256 premium, uint256 impact) {
        uint256 board = ids[ids.length - 1];
        for (uint256 k = 8; k < 11; ++k) {
            impact += options.quote(board, k, true, true, 1600e18).impactUsd;
            premium += _buyOption(attacker, board, k, true, 1600e18);
        }
    }

    /// A move past the range, either way and up to 10%: before the refresh the quote and the buy (and a sale) are
    /// refused; after it the buys pay the impact of the book at the new price, and the same buys on the old book
    /// cannot be made at all.
    function testFuzz_buyAfterAMovePastTheRange_waitsForTheRefresh(uint256 moveBps, bool up) public {
        uint256 p0 = _price(ETH);
        moveBps = bound(moveBps, 100, 1000); // past the range here (a quarter sigma sqrt T of the daily: about 0.9%)
        uint256 p1 = up ? p0 * (10_000 + moveBps) / 10_000 : p0 * (10_000 - moveBps) / 10_000;
        skip(60);
        _setPrice(ETH, p1);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.PriceMoved));
        uint256 board = ids[ids.length - 1];
        _mint(attacker, 10_000_000 * USD);
        vm.startPrank(attacker);
        usdc.approve(address(options), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.buy(board, 8, true, 1600e18, type(uint256).max);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.quote(board, 8, true, true, 1600e18);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.sell(ids[1], 5, true, 1e18, 0);

        options.refresh(ETH); // the keeper's
        (, uint256 impact) = _attackerBuysCalls();
        assertGt(impact, 0, "the buys pay the refreshed book's impact");
    }

    /// Past the range's time (validUntil), trades wait for the refresh too.
    function test_buyPastTheRangeTime_waitsForTheRefresh() public {
        skip(options.config(ETH).cacheMaxAgeSec + 1);
        _setPrice(ETH, _price(ETH)); // a fresh oracle price, unmoved
        uint256 board = ids[ids.length - 1];
        _mint(attacker, 10_000_000 * USD);
        vm.startPrank(attacker);
        usdc.approve(address(options), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.TooOld)
        );
        options.buy(board, 8, true, 1600e18, type(uint256).max);
        vm.stopPrank();
        options.refresh(ETH);
        _buyOption(attacker, board, 8, true, 1600e18);
    }

    /// A book marked by a trade since its refresh (its staleness reads Dirty first) still refuses a trade past the
    /// range: the check reads the range itself, not the staleness.
    function test_dirtyBookPastTheRange_refusesTrades() public {
        _buyOption(attacker, ids[ids.length - 1], 8, true, 1e18); // marks the book
        skip(60);
        _setPrice(ETH, _price(ETH) * 10_300 / 10_000);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Dirty));
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.quote(ids[ids.length - 1], 8, true, true, 1e18);
    }

    /// Within the range the book is fresh and trades go on (LP flows are open there too).
    function test_buyWithinTheRange_trades() public {
        skip(60);
        _setPrice(ETH, _price(ETH) * 10_020 / 10_000);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Fresh));
        _attackerBuysCalls();
    }
}
