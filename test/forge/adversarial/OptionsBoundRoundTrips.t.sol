// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-104: round trips cannot grow the LP band past what the refresh allowed. Every trade adds its expansion's
///         error bound, a sale as a buy does (their expansion points differ in general), so N buy-and-sell-back round
///         trips, which leave nothing open, added 2N terms that grow with the time and the move since the trades. A
///         review did 40 round trips of 1,600 at-the-money calls 70 minutes before a daily expiry: nine minutes later
///         the band was 85,166 USD instead of 1,151. An LP holding 90% of the pool took 21,986 from a 20M deposit priced
///         on it (the depositor lost 41,740), and at a 1 bp lag an LP took 13,251 from the other LP's redemption. Now
///         a trade that takes the bound at the range's edge past the cap the refresh set (twice its edge bound plus
///         100 USD, rounded up to a power of two) marks the book, and LP flows wait for the keeper's refresh.
contract OptionsBoundRoundTripsTest is BaseTest {
    uint256[] internal ids;
    uint256 internal near;
    address internal victim = makeAddr("victim");

    function _setUpPool(uint256 otherUsd, uint256 attackerUsd) internal {
        _deposit(carol, otherUsd);
        _deposit(attacker, attackerUsd);
        ids = _listBoards(ETH);
        near = ids[0];
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(near).expiry) near = ids[j];
        }
        for (uint256 j; j < ids.length; ++j) {
            if (ids[j] == near) continue;
            _buyOption(alice, ids[j], 5, true, 90e18); // an honest book on the later boards
            _buyOption(alice, ids[j], 5, false, 90e18);
        }
        skip(61);
    }

    /// At a sampling boundary 70 minutes before the daily's expiry, with the market's lag at `lagBps`: the keeper's
    /// poke and refresh; the attacker holds 500 at-the-money puts, so each call round trip pays no delta impact.
    function _start(uint256 lagBps) internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.oracleLagBps = uint16(lagBps);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        vm.warp(options.board(near).expiry - 70 minutes);
        _setPriceAfter(ETH, 3000e18, 0);
        engine.poke(ETH);
        options.refresh(ETH);
        _mint(attacker, 50_000_000 * USD);
        _buyOption(attacker, near, 5, false, 500e18);
    }

    function _roundTrips(uint256 trips) internal {
        vm.startPrank(attacker);
        for (uint256 i; i < trips; ++i) {
            IOptionsBook.Quote memory q = options.quote(near, 5, true, true, 1600e18);
            options.buy(near, 5, true, 1600e18, q.premiumUsd);
            options.sell(near, 5, true, 1600e18, 0);
        }
        vm.stopPrank();
    }

    /// Nine minutes on, the price 12 bps up: inside the expansion's range and before the next sample.
    /// @dev The band after `_wait()` with no round trips (the state is left as it was).
    function _controlBand() internal returns (uint256 control) {
        uint256 snap = vm.snapshotState();
        _wait();
        (, control,) = options.poolClaimUsd(0);
        vm.revertToState(snap);
    }

    function _wait() internal {
        skip(9 minutes);
        _setPriceAfter(ETH, 3000e18 * 10_012 / 10_000, 0);
    }

    function _attackerValue() internal view returns (uint256) {
        return usdc.balanceOf(attacker) + pool.convertToAssets(pool.balanceOf(attacker));
    }

    /// However many round trips: while the book is fresh, what they added to the band is within the refresh's cap
    /// (at most four times the refresh's edge bound plus 200 USD, so at most four times the control's whole band plus
    /// 200 USD); past it the book waits for a refresh.
    function testFuzz_roundTrips_growTheBandOnlyUpToTheCap(uint256 trips) public {
        trips = bound(trips, 1, 40);
        _setUpPool(10_000_000 * USD, 10_000_000 * USD);
        _start(3);
        uint256 control = _controlBand();
        _roundTrips(trips);
        _wait();
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) {
            assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Dirty), "waits for a refresh");
            vm.expectRevert();
            options.poolClaimUsd(0);
            return;
        }
        (, uint256 band,) = options.poolClaimUsd(0);
        assertLe(band, 4 * control + 200e6, "grown at most to the cap");
    }

    /// The review's redemption case (a 50/50 pool, 1 bp lag, 40 round trips): the other LP's redemption waits for the
    /// refresh and is then paid at least what it was without the round trips; the attacker gains nothing.
    function test_redemptionAfterRoundTrips_waitsAndIsPaidInFull() public {
        _setUpPool(10_000_000 * USD, 10_000_000 * USD);
        _start(1);
        uint256 shares = pool.balanceOf(carol);
        uint256 snap = vm.snapshotState();
        _wait();
        vm.prank(carol);
        uint256 paidControl = pool.redeem(shares, carol, carol);
        uint256 attackerControl = _attackerValue();
        vm.revertToState(snap);

        _roundTrips(40);
        _wait();
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Dirty), "the book waits");
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.Dirty)
        );
        pool.redeem(shares, carol, carol);
        options.refresh(ETH); // the keeper's next pass
        vm.prank(carol);
        uint256 paid = pool.redeem(shares, carol, carol);
        assertGe(paid, paidControl, "paid no less than without the round trips");
        assertLe(_attackerValue(), attackerControl, "the attacker gains nothing");
    }

    /// The review's deposit case (the attacker holds 90%, a 3 bps lag, a 20M deposit): the deposit waits for the
    /// refresh and then gets shares worth at least what it got without the round trips; the attacker gains nothing.
    function test_depositAfterRoundTrips_waitsAndPaysNoMore() public {
        _setUpPool(2_000_000 * USD, 18_000_000 * USD);
        _start(3);
        _mint(victim, 20_000_000 * USD);
        vm.prank(victim);
        usdc.approve(address(pool), type(uint256).max);
        uint256 snap = vm.snapshotState();
        _wait();
        vm.prank(victim);
        uint256 valueControl = pool.convertToAssets(pool.deposit(20_000_000 * USD, victim));
        uint256 attackerControl = _attackerValue();
        vm.revertToState(snap);

        _roundTrips(40);
        _wait();
        vm.prank(victim);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.Dirty)
        );
        pool.deposit(20_000_000 * USD, victim);
        options.refresh(ETH);
        vm.prank(victim);
        uint256 value = pool.convertToAssets(pool.deposit(20_000_000 * USD, victim));
        assertGe(value, valueControl, "its shares worth no less than without the round trips");
        assertLe(_attackerValue(), attackerControl, "the attacker gains nothing");
    }

    /// A later review set the cap through the refresh: it bought 1,600 calls, refreshed while holding them (so the cap
    /// covered them), sold them back and did one more round trip in the same transaction: nine minutes later the band
    /// was 5,352 USD against the control's 1,151, past the bound above. A refresh in a block with buys cannot raise
    /// the cap: the round trips after it mark the book, or the band stays within the bound.
    function test_buyRefreshSell_cannotRaiseTheCap() public {
        _setUpPool(2_000_000 * USD, 18_000_000 * USD);
        _start(3);
        uint256 control = _controlBand();
        vm.startPrank(attacker);
        IOptionsBook.Quote memory q = options.quote(near, 5, true, true, 1600e18);
        options.buy(near, 5, true, 1600e18, q.premiumUsd);
        options.refresh(ETH);
        options.sell(near, 5, true, 1600e18, 0);
        vm.stopPrank();
        _roundTrips(1);
        _wait();
        if (options.staleness(ETH) == IOptionsBook.Staleness.Fresh) {
            (, uint256 band,) = options.poolClaimUsd(0);
            assertLe(band, 4 * control + 200e6, "within the bound");
        } else {
            assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Dirty), "or it waits");
        }
    }
}

