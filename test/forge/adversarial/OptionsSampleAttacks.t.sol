// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Options priced on a volatility sample that is due but not yet taken. The estimator's next sample is the
///         first price of a new interval, so once the oracle has published one, everyone knows what the sample will
///         be and can choose who takes it and when. An attacker who bought at the old implied volatilities, took the
///         sample (a permissionless poke) and sold back in one transaction earned +11,475 USD after a quiet 3 hours
///         and a 4% move; an LP who redeemed before the poke and deposited after took +5,040 USD from the other LP.
///         Quotes, fills and the NAV's cache check now see a due sample (IPerpEngine.volatilityNow), and every
///         options trade and refresh takes it first (IPerpEngine.pinPrice).
contract OptionsSampleAttacksTest is BaseTest {
    uint256[] internal ids;
    uint256 internal interval;

    function setUp() public override {
        super.setUp();
        interval = reader.marketConfig(ETH).sampleIntervalSec;
        _deposit(carol, 10_000_000 * USD);
        _deposit(attacker, 10_000_000 * USD);
        _toNextBoundary(3000e18);
        engine.poke(ETH); // the series' first price
        options.listBoards(ETH);
        ids = options.liveBoards(ETH);
        // Traders hold vega: near-the-money straddles on the later boards.
        for (uint256 j = 2; j < ids.length; ++j) {
            for (uint256 k = 4; k <= 6; ++k) {
                _buyOption(alice, ids[j], k, true, 90e18);
                _buyOption(alice, ids[j], k, false, 90e18);
            }
        }
        _toNextBoundary(3000e18);
        engine.poke(ETH); // a quiet sample
        options.refresh(ETH);
    }

    function _toNextBoundary(uint256 priceWad) internal {
        _setPriceAfter(ETH, priceWad, interval - block.timestamp % interval + 1);
    }

    /// P-86: buying, taking the due sample and selling back in one transaction never profits, whatever the quiet spell
    ///       before it and the move it ended with (the sample's return), on puts and calls of two boards.
    function testFuzz_buyTakeSampleSell_neverProfits(uint256 quietSeed, uint256 moveSeed, uint256 amountSeed) public {
        uint256 quiet = bound(quietSeed, interval, 6 hours);
        int256 moveBps = int256(bound(moveSeed, 0, 1200)) - 600; // -6% .. +6%
        uint256 amount = bound(amountSeed, 5e18, 80e18);
        _setPriceAfter(ETH, uint256(int256(3000e18) * (10_000 + moveBps) / 10_000), quiet);
        // ---- one transaction
        uint256 paid;
        for (uint256 j = 2; j <= 3; ++j) {
            for (uint256 k = 2; k <= 8; k += 3) {
                paid += _buyOption(bob, ids[j], k, k < 5, amount);
            }
        }
        engine.poke(ETH); // takes the sample (already taken by the first buy: nothing moves)
        uint256 got;
        for (uint256 j = 2; j <= 3; ++j) {
            for (uint256 k = 2; k <= 8; k += 3) {
                vm.prank(bob);
                got += options.sell(ids[j], k, k < 5, amount, 0);
            }
        }
        assertLe(got, paid, "no profit across a due sample");
    }

    /// P-86: once a sample is due, the NAV's options term is stale (the cached greeks were taken at the old implied
    ///       volatilities): LP flows wait for the refresh, which takes the sample, so no LP can redeem at the old
    ///       volatilities and deposit back at the new ones in one transaction.
    function test_lpFlows_waitWhileASampleIsDue() public {
        _setPriceAfter(ETH, 3045e18, 120);
        options.refresh(ETH); // fresh inside the interval
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
        uint256 shares = pool.maxRedeem(attacker);
        vm.warp((block.timestamp / interval + 1) * interval + 1);
        vm.prank(admin);
        ethFeed.setPrice(3045e18); // the boundary has passed: this price is the next sample
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.VolatilityResampled), "due: stale");
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.VolatilityResampled
            )
        );
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        options.refresh(ETH); // the keeper: takes the sample and reprices the book
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
    }

    /// P-86: the issue's LP round trip (refresh, redeem, take the sample, refresh, deposit back, one transaction) after a
    ///       quiet hour and a 3% move gains the LP nothing against doing nothing, and costs the other LP nothing.
    function test_lpRoundTripAcrossASample_gainsNothing() public {
        _setPriceAfter(ETH, 3090e18, 1 hours);
        options.refresh(ETH);
        uint256 snap = vm.snapshotState();
        vm.startPrank(attacker);
        options.refresh(ETH);
        uint256 assets = pool.redeem(pool.maxRedeem(attacker), attacker, attacker);
        engine.poke(ETH);
        options.refresh(ETH);
        pool.deposit(assets, attacker);
        vm.stopPrank();
        uint256 carolAttacked = pool.convertToAssets(pool.balanceOf(carol));
        uint256 attackerAttacked = pool.convertToAssets(pool.balanceOf(attacker)) + usdc.balanceOf(attacker);
        vm.revertToState(snap);
        engine.poke(ETH);
        options.refresh(ETH);
        uint256 carolControl = pool.convertToAssets(pool.balanceOf(carol));
        uint256 attackerControl = pool.convertToAssets(pool.balanceOf(attacker)) + usdc.balanceOf(attacker);
        assertLe(attackerAttacked, attackerControl, "the round trip gains nothing");
        assertGe(carolAttacked, carolControl, "the other LP loses nothing");
    }
}
