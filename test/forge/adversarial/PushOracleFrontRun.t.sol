// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {IPriceFeed} from "../../../contracts/oracles/IPriceFeed.sol";
import {Deploy} from "../../../script/Deploy.s.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice P-97, from the attacker's side: a push feed (Chainlink) publishes only when the market has moved its
///         deviation threshold, so its price can trail the market by up to that much, and anyone watching the market
///         knows the next update before it lands. A perpetual fills at once at the feed's price, so a trader could
///         open at the stale price and close after the update: a review took 3,549 USD from the LPs on a 1M long
///         before a +0.50% update, and 14,439 on 7.6M (fees were 6 bps a side against a 50 bps threshold). Every fill
///         now pays at least the market's oracle lag (ConfigValidation refuses a lower open or close fee), as every
///         option trade is priced at the price the lag can reach against the pool (P-72).
contract PushOracleFrontRunTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 20_000_000 * USD);
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
    }

    /// @dev Opens `size` on `isLong` at 10x, lets the feed publish `moveBps` in the trade's favour one second later,
    ///      closes; returns the attacker's result in USD (what the pool paid it, less what it paid).
    function _roundTrip(uint256 size, uint256 moveBps, bool isLong) internal returns (int256 pnlUsd) {
        uint256 collateral = size / 10 + _openFeeUsd(ETH, size);
        _mint(attacker, collateral);
        uint256 before = usdc.balanceOf(attacker);
        vm.prank(attacker);
        engine.increasePosition(ETH, isLong, collateral, size, isLong ? MAX_PRICE : 0);
        uint256 p = _price(ETH);
        _setPrice(ETH, isLong ? p * (10_000 + moveBps) / 10_000 : p * (10_000 - moveBps) / 10_000);
        _close(attacker, ETH, isLong);
        pnlUsd = int256(usdc.balanceOf(attacker)) - int256(before);
    }

    /// The review's cases on the production parameters: both lose now.
    function test_frontRun_reviewCases_loseNow() public {
        uint256 snap = vm.snapshotState();
        int256 small = _roundTrip(1_000_000 * USD, 50, true);
        vm.revertToState(snap);
        int256 best = _roundTrip(7_600_000 * USD, 50, true);
        assertLt(small, 0, "1M long before a +0.50% update: was +3,549");
        assertLt(best, 0, "7.6M long before a +0.50% update: was +14,439");
    }

    /// Whatever the size, side and skew the attacker leans against or adds to: a round trip across a published move of
    /// up to twice the lag in its favour never profits. Twice: the feed may trail the market by up to the lag when the
    /// attacker opens and lead it by up to the lag when it closes (a move the market has already reversed and the feed
    /// has not yet published), and each side's fee covers its own end.
    function testFuzz_frontRun_knownUpdate_neverProfits(
        uint256 sizeSeed,
        uint256 moveSeed,
        uint256 skewSeed,
        bool isLong,
        bool whaleLong
    ) public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 lag = cfg.oracleLagBps;
        assertGe(cfg.openFeeBps, lag, "open fee covers the lag");
        assertGe(cfg.closeFeeBps, lag, "close fee covers the lag");
        uint256 whale = bound(skewSeed, 0, 80) * 100_000 * USD; // none, or 100k to 8M
        if (whale > 0) _open(dave, ETH, whaleLong, whale / 5 + _openFeeUsd(ETH, whale), whale);
        skip(1);
        _refreshPrices();
        uint256 size = bound(sizeSeed, 10_000, 8_000_000) * USD;
        uint256 moveBps = bound(moveSeed, 0, 2 * lag);
        int256 pnl = _roundTrip(size, moveBps, isLong);
        assertLe(pnl, 0, "no profit from a known update");
    }

    /// ConfigValidation: a fee below the lag is refused with its numbers, on either side; at the lag it is accepted.
    function test_setMarketConfig_feeBelowTheLag_refused() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 lag = cfg.oracleLagBps;
        for (uint256 side; side < 2; ++side) {
            (cfg.openFeeBps, cfg.closeFeeBps) =
                side == 0 ? (uint16(lag - 1), uint16(lag)) : (uint16(lag), uint16(lag - 1));
            vm.prank(admin);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPerpEngine.InvalidParameter.selector,
                    side == 0 ? bytes32("openFeeBps") : bytes32("closeFeeBps"),
                    lag - 1,
                    lag,
                    100
                )
            );
            engine.setMarketConfig(ETH, cfg);
        }
        cfg.closeFeeBps = uint16(lag);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        assertEq(reader.marketConfig(ETH).closeFeeBps, lag);
    }

    /// The deployment's rule: a push (or dev) market's lag is its feed's deviation threshold (script/markets.json) and
    /// each side's fee the larger of 6 bps and the lag; every market of the list passes the engine's validation.
    function test_deploy_feesCoverEachMarketsLag() public {
        Deploy.MarketSpec[] memory specs = deployer.marketSpecs();
        for (uint256 i; i < specs.length; ++i) {
            IPerpEngine.MarketConfig memory cfg = deployer.withOracleLag(
                deployer.marketConfig(IPriceFeed(address(feeds[ETH])), 0.6e18), specs[i].deviationBps
            );
            assertEq(cfg.oracleLagBps, specs[i].deviationBps, "the feed's threshold");
            uint256 fee = specs[i].deviationBps > 6 ? specs[i].deviationBps : 6;
            assertEq(cfg.openFeeBps, fee, "open fee: the larger of 6 bps and the lag");
            assertEq(cfg.closeFeeBps, fee, "close fee too");
            vm.prank(admin);
            engine.addMarket(bytes32(bytes(string.concat("T", specs[i].name))), cfg);
        }
        IPerpEngine.MarketConfig memory low = deployer.withOracleLag(reader.marketConfig(ETH), 3);
        assertEq(low.openFeeBps, 6, "a lag under 6 bps keeps the base fee");
    }

    /// P-89's perpetual residual: an LP holding part of the pool opens a perpetual in front of the keeper's queue fill
    /// (widening the band the queued LP is paid at by its size x the lag) and closes it after. The attacker's wealth
    /// (its LP shares at the NAV plus its wallet) ends no higher than if it had done nothing: the others' shares of the
    /// open fee alone exceed what the queued LP loses.
    function testFuzz_queueFillSandwich_withAPerpetual_neverPays(uint256 shareSeed, uint256 sizeSeed, bool isLong)
        public
    {
        // carol (20M) queues all her shares; the attacker holds 1M to 60M beside her (5% to 75% of the pool)
        address victim = carol;
        _deposit(attacker, bound(shareSeed, 1, 60) * 1_000_000 * USD);
        uint256 victimShares = pool.balanceOf(carol);
        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        vm.prank(victim);
        pool.requestRedeem(victimShares, victim, 0);
        uint256 size = bound(sizeSeed, 100_000, 5_000_000) * USD;
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();

        uint256 snap = vm.snapshotState();
        pool.processQueue(10); // the honest fill
        uint256 honest = _wealth(attacker);
        vm.revertToState(snap);

        uint256 collateral = size / 10 + _openFeeUsd(ETH, size);
        _mint(attacker, collateral);
        vm.prank(attacker);
        engine.increasePosition(ETH, isLong, collateral, size, isLong ? MAX_PRICE : 0);
        pool.processQueue(10); // the keeper's fill, in the same block
        _close(attacker, ETH, isLong);
        assertLe(_wealth(attacker), honest + collateral, "the sandwich does not pay (the collateral was minted for it)");
    }

    /// @dev The attacker's wallet plus its LP shares at the NAV itself (the share price).
    function _wealth(address who) internal view returns (uint256) {
        return usdc.balanceOf(who) + pool.convertToAssets(pool.balanceOf(who));
    }

    /// The close end on a position that has moved (a second review): the lag a close can take is the lag times what
    /// its tokens are worth now, not its entry size, so the fee is on that value. A position held through a real move
    /// (a long up to +90%, a short down to -60%), then closed at the stale price just before a known adverse update,
    /// gains over closing after it at most the close fee it paid. Before, a 1M long at +80% took 9,000 for a 5,000 fee.
    function testFuzz_closeBeforeAKnownUpdate_theFeeCoversTheLagOnTheValue(uint256 moveSeed, bool isLong) public {
        uint256 size = 1_000_000 * USD;
        uint256 lag = reader.marketConfig(ETH).oracleLagBps;
        _open(alice, ETH, isLong, 700_000 * USD, size);
        uint256 moved = isLong
            ? 3000e18 * bound(moveSeed, 10_000, 19_000) / 10_000  // long: in profit, under its cap
            : 3000e18 * bound(moveSeed, 10_000, 16_000) / 10_000; // short: in loss
        _setPrice(ETH, moved);
        skip(1);
        _refreshPrices();
        uint256 tokens = engine.position(alice, ETH, isLong).sizeTokens;
        uint256 snap = vm.snapshotState();
        skip(1); // the same second as the close after the update (the same borrow and funding)
        _refreshPrices();
        uint256 before = usdc.balanceOf(alice);
        vm.recordLogs();
        _close(alice, ETH, isLong); // at the stale price
        uint256 stale = usdc.balanceOf(alice) - before;
        uint256 feePaid = _closeFeePaid();
        vm.revertToState(snap);
        _setPrice(ETH, isLong ? moved * (10_000 - lag) / 10_000 : moved * (10_000 + lag) / 10_000);
        before = usdc.balanceOf(alice);
        _close(alice, ETH, isLong); // after the update
        uint256 fresh = usdc.balanceOf(alice) - before;
        // From first principles, what the stale close took is the lag on its tokens' value at the stale price, and the
        // fee it paid covers it: at least the lag of that value. To second order: after an adverse update a short in
        // loss is worth the lag more, so the close after it would have paid the fee on the larger value (lag x fee).
        uint256 valueUsd = tokens * moved / 1e30;
        assertGe(feePaid + 1, valueUsd * lag / 10_000, "the close fee is at least the lag on the value closed");
        assertLe(stale, fresh + feePaid + feePaid * lag / 10_000 + 2, "timing the close gains at most the fee it paid");
    }

    /// A position kept at its maintenance edge (collateral top-ups are unchecked) and liquidated by its own keeper
    /// account at the stale price, just before a known adverse update, gets no more than closing at that price would
    /// pay: a liquidation costs at least the close fee plus the keeper's reward (a second review: +3,750 over the close
    /// with the 20 bps liquidation fee, half of it back as the keeper).
    function test_selfLiquidation_neverBeatsClosing() public {
        uint256 size = 1_000_000 * USD;
        _open(alice, ETH, true, size / 10 + _openFeeUsd(ETH, size), size);
        _setPrice(ETH, 2720e18); // a drift past its maintenance
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        assertTrue(s.liquidatable, "drifted past maintenance");
        uint256 topUp = uint256(int256(s.maintenanceUsd) - s.equityUsd) + 1; // to one unit above it
        _mint(alice, topUp);
        vm.prank(alice);
        engine.increasePosition(ETH, true, topUp, 0, MAX_PRICE);
        skip(1); // a second's accrual tips it over
        uint256 snap = vm.snapshotState();
        uint256 before = usdc.balanceOf(alice);
        vm.prank(alice); // its own keeper
        engine.liquidate(alice, ETH, true);
        uint256 selfLiquidated = usdc.balanceOf(alice) - before;
        vm.revertToState(snap);
        before = usdc.balanceOf(alice);
        _close(alice, ETH, true);
        uint256 closed = usdc.balanceOf(alice) - before;
        assertGt(selfLiquidated, 0, "the equity beyond the fee came back");
        assertLe(selfLiquidated, closed, "liquidating oneself is no cheaper an exit than closing");
    }

    /// @dev The close fee of the last PositionDecreased event recorded (vm.recordLogs before the close).
    function _closeFeePaid() internal returns (uint256) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].topics[0] == IPerpEngine.PositionDecreased.selector) {
                return abi.decode(logs[i - 1].data, (IPerpEngine.TradeResult)).feeUsd;
            }
        }
        revert("no PositionDecreased");
    }
}
