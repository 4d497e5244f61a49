// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IHistoricalPriceFeed} from "../../../contracts/oracles/IHistoricalPriceFeed.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// Attacks that cross the options book, the perpetuals and the LP flows (review AU): an LP sandwich around the
/// permissionless greek-cache refresh or around an honest whale's buy, a round trip on a dirty book, a deposit just
/// before an expiry redeemed after its settlement, and option puts bought to steer a perpetual's netted impact. Each
/// measures the attacker's combined result over all its accounts after fees and asserts it is not a gain (P-88,
/// P-91, P-93, P-98, P-99).
contract OptionsCrossProductAttacksTest is BaseTest {
    uint256[] internal ids;
    uint256 internal interval;

    function setUp() public override {
        super.setUp();
        interval = reader.marketConfig(ETH).sampleIntervalSec;
        _deposit(carol, 100_000_000 * USD);
        _setPriceAtBoundary(ETH, 3000e18, 1);
        engine.poke(ETH);
        ids = _listBoards(ETH);
    }

    function _holdVega() internal {
        // honest traders hold near-the-money straddles on the weekly/monthly boards
        for (uint256 j = 2; j < ids.length; ++j) {
            for (uint256 k = 4; k <= 6; ++k) {
                _buyOption(alice, ids[j], k, true, 400e18);
                _buyOption(alice, ids[j], k, false, 400e18);
            }
        }
    }

    /// Direction 1: deposit on the stale (but in-range) expansion, refresh, redeem after the cooldown.
    function _refreshSandwich(uint256 movedPrice, uint256 wait, bool refreshBetween) internal returns (int256) {
        _holdVega();
        _setPriceAtBoundary(ETH, 3000e18, 1);
        engine.poke(ETH);
        options.refresh(ETH);
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, movedPrice, wait); // inside the interval and the range
        uint256 dep = 100_000_000 * USD;
        (uint256 lo0, uint256 hi0) = core.poolValueBoundsUsd();
        emit log_named_uint("band before refresh (hi-lo)", hi0 - lo0);
        uint256 shares = _deposit(attacker, dep);
        if (refreshBetween) options.refresh(ETH);
        (uint256 lo1, uint256 hi1) = core.poolValueBoundsUsd();
        emit log_named_uint("band after refresh (hi-lo)", hi1 - lo1);
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, movedPrice, 61);
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) options.refresh(ETH);
        vm.prank(attacker);
        uint256 out = pool.redeem(shares, attacker, attacker);
        int256 profit = int256(out) - int256(dep);
        emit log_named_int("attacker LP round-trip profit (USD 6dp)", profit);
        return profit;
    }

    function test_lpSandwich_refreshAfterPriceRise() public {
        int256 p = _refreshSandwich(3012e18, 240, true);
        assertLe(p, 0, "deposit->refresh->redeem gained");
    }

    function test_lpSandwich_refreshAfterPriceFall() public {
        int256 p = _refreshSandwich(2988e18, 240, true);
        assertLe(p, 0, "deposit->refresh->redeem gained");
    }

    function test_lpSandwich_noRefreshControl() public {
        int256 p = _refreshSandwich(3012e18, 240, false);
        assertLe(p, 0);
    }

    /// Fuzzed over the move (within the cache's range) and the time into the sampling interval, with or without the
    /// refresh between the deposit and the redemption.
    function testFuzz_lpSandwich_refresh(uint256 moveBps, bool up, uint256 wait, bool refreshBetween) public {
        moveBps = bound(moveBps, 0, 30);
        wait = bound(wait, 1, interval - 70);
        uint256 price = up ? 3000e18 + 3000e14 * moveBps : 3000e18 - 3000e14 * moveBps;
        assertLe(_refreshSandwich(price, wait, refreshBetween), 0, "deposit->refresh->redeem gained");
    }

    /// Direction 1b: honest whale's buy, attacker deposits before, refresh, redeem after cooldown, 2 accounts.
    function test_lpSandwich_aroundWhaleBuy() public {
        _holdVega();
        _setPriceAtBoundary(ETH, 3000e18, 1);
        engine.poke(ETH);
        options.refresh(ETH);
        vm.roll(block.number + 1);
        skip(5);
        uint256 dep = 400_000_000 * USD;
        uint256 shares = _deposit(attacker, dep);
        vm.roll(block.number + 1);
        skip(5);
        address whale = makeAddr("whale");
        for (uint256 k = 5; k < 8; ++k) {
            _buyOption(whale, ids[ids.length - 1], k, true, 1000e18);
        }
        options.refresh(ETH);
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, 3000e18, 61);
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) options.refresh(ETH);
        vm.prank(attacker);
        uint256 out = pool.redeem(shares, attacker, attacker);
        int256 profit = int256(out) - int256(dep);
        emit log_named_int("timed LP profit around whale buy", profit);
        assertLe(profit, 0, "a deposit timed around a whale's buy gained");
    }

    /// Direction 4: the options delta and perpetual rebate. Perp skew -10M (alice short). Control: attacker's 5M long
    /// opened and closed. Attack: a second account buys puts first (net skew more negative), the long is opened into
    /// the larger net skew, then everything unwound.
    function _perpRoundTrip(bool withPuts) internal returns (int256 total) {
        _open(alice, ETH, false, 2_000_000 * USD, 10_000_000 * USD);
        vm.roll(block.number + 1);
        skip(5);
        options.refresh(ETH);
        address a2 = makeAddr("attacker2");
        uint256 spent;
        if (withPuts) {
            for (uint256 k = 4; k <= 6; ++k) {
                spent += _buyOption(a2, ids[ids.length - 1], k, false, 1600e18);
            }
        }
        vm.roll(block.number + 1);
        skip(5);
        uint256 col = 1_000_000 * USD;
        uint256 b0 = usdc.balanceOf(attacker);
        _open(attacker, ETH, true, col, 5_000_000 * USD);
        uint256 minted = col;
        vm.roll(block.number + 1);
        skip(5);
        uint256 got;
        if (withPuts) {
            for (uint256 k = 4; k <= 6; ++k) {
                vm.prank(a2);
                got += options.sell(ids[ids.length - 1], k, false, 1600e18, 0);
            }
        }
        vm.roll(block.number + 1);
        skip(5);
        _close(attacker, ETH, true);
        total = int256(usdc.balanceOf(attacker)) - int256(b0) - int256(minted) + int256(got) - int256(spent);
        emit log_named_uint("puts premium paid", spent);
        emit log_named_uint("puts sold back for", got);
        emit log_named_int("attacker combined result", total);
    }

    function test_perpRoundTrip_control() public {
        options.refresh(ETH);
        assertLe(_perpRoundTrip(false), 0, "a perpetual round trip gained");
    }

    /// The puts cannot buy the long a rebate worth more than they cost: the combined result is at most the control's.
    function test_perpRoundTrip_putsSteerNettedImpact() public {
        options.refresh(ETH);
        uint256 snap = vm.snapshotState();
        int256 control = _perpRoundTrip(false);
        vm.revertToState(snap);
        int256 attack = _perpRoundTrip(true);
        assertLe(attack, control, "buying puts first improved the perpetual round trip");
    }

    /// Direction 3: an LP deposit in the last seconds before a daily expiry (LP flows run until the expiry), the
    /// settlement on the first price at or after it (a lag-sized move the attacker saw coming), then the redemption
    /// after settle + refresh + cooldown, with the attacker's second account holding in-the-money daily calls.
    function test_lpDepositBeforeExpiry_redeemAfterSettlement() public {
        _holdVega();
        address a2 = makeAddr("attacker2");
        uint256 prem;
        for (uint256 k = 4; k <= 6; ++k) {
            prem += _buyOption(a2, ids[0], k, true, 1000e18);
        }
        IOptionsBook.Board memory b = options.board(ids[0]);
        vm.warp(b.expiry - 2 * interval + 1);
        _setPrice(ETH, 3000e18);
        engine.poke(ETH);
        options.refresh(ETH);
        vm.warp(b.expiry - 30);
        _setPrice(ETH, 3000e18);
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) options.refresh(ETH);
        uint256 dep = 100_000_000 * USD;
        uint256 shares = _deposit(attacker, dep);
        // the first price at or after expiry: +0.5% (the lag the attacker saw coming)
        vm.warp(b.expiry);
        vm.prank(admin);
        ethFeed.setPrice(3015e18);
        vm.roll(block.number + 1);
        options.settleBoard(ids[0], _roundNow());
        options.refresh(ETH);
        uint256 paid;
        for (uint256 k = 4; k <= 6; ++k) {
            vm.prank(a2);
            paid += options.claim(ids[0], k, true);
        }
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, 3015e18, 61);
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) options.refresh(ETH);
        vm.prank(attacker);
        uint256 out = pool.redeem(shares, attacker, attacker);
        int256 lp = int256(out) - int256(dep);
        int256 opt = int256(paid) - int256(prem);
        emit log_named_int("LP leg", lp);
        emit log_named_int("options leg (payoff - premium)", opt);
        emit log_named_int("combined", lp + opt);
        assertLe(lp + opt, 0, "a deposit before expiry with in-the-money calls gained");
    }

    function _roundNow() internal view returns (uint256) {
        return IHistoricalPriceFeed(address(ethFeed)).latestRoundId();
    }

    /// Direction 2: trades on a dirty book (the market's first buys leave it Dirty: LP flows wait, trades go on).
    /// Buy 1,000 at-the-money weekly calls, the price moves +0.5% (a lag-sized update seen coming), sell back; then
    /// the refresh. Compared with the same round trip on a refreshed (clean) book.
    function _dirtyRoundTrip(bool refreshFirst) internal returns (int256 r) {
        _holdVega();
        if (refreshFirst) options.refresh(ETH);
        emit log_named_uint("staleness before", uint256(options.staleness(ETH)));
        uint256 board = ids[2];
        uint256 prem;
        for (uint256 k = 5; k <= 6; ++k) {
            prem += _buyOption(attacker, board, k, true, 1000e18);
        }
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, 3015e18, 20);
        uint256 got;
        for (uint256 k = 5; k <= 6; ++k) {
            vm.prank(attacker);
            got += options.sell(board, k, true, 1000e18, 0);
        }
        options.refresh(ETH);
        r = int256(got) - int256(prem);
        emit log_named_int("round trip result", r);
    }

    function test_optionRoundTrip_dirtyBook() public {
        assertLe(_dirtyRoundTrip(false), 0);
    }

    function test_optionRoundTrip_cleanBook() public {
        assertLe(_dirtyRoundTrip(true), 0);
    }
}
