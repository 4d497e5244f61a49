// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {OracleErrors} from "../../../contracts/oracles/OracleErrors.sol";
import {PythPriceFeed} from "../../../contracts/oracles/PythPriceFeed.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {PriceUpdateRouter} from "../../../contracts/periphery/PriceUpdateRouter.sol";
import {PythBaseTest} from "../utils/PythBase.t.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";

/// @notice Review AG: a genuine Pyth update published ahead of the chain's clock (an L1 block is stamped at its slot's
///         start, an L2's timestamp can trail wall time; Pyth's own SDK takes |now - publishTime|). Pyth keeps only
///         its newest update, so an adapter that refused it froze the market until the clock caught up: no
///         liquidation, close or order fill, and an attacker re-posting the newest such update each block kept it
///         frozen through a wick. Now a publish time up to the feed's maxLeadSec ahead is served as published now (P-24).
contract PythClockSkewAttacksTest is PythBaseTest {
    IPerpEngine.PositionRef[] internal refs;

    /// @dev The attacker posts, each second, the newest genuine update published 2 s ahead while the price falls
    ///      from 137 to 128; returns what the keeper's liquidation attempt at each step did.
    function _skewedPath(int64[6] memory path) internal returns (uint256 liquidatedAtStep) {
        for (uint256 i; i < path.length; ++i) {
            vm.deal(attacker, 1 ether);
            bytes[] memory ahead = _data(path[i], block.timestamp + 2);
            vm.prank(attacker);
            solFeed.updatePrice{value: FEE_WEI}(ahead);
            PriceUpdateRouter.PriceUpdate[] memory u = _updates(path[i]); // the keeper's own, published now
            vm.prank(keeper);
            (uint256 n,) = router.liquidateBatch{value: FEE_WEI}(u, refs);
            if (n == 1) return i + 1;
            skip(1);
        }
    }

    function test_updateAheadOfTheClock_isServedAsPublishedNow() public {
        uint256 nowTs = block.timestamp;
        _post(151e8, nowTs + solFeed.maxLeadSec());
        (uint256 priceWad, uint256 updatedAt) = solFeed.latestPrice();
        assertEq(priceWad, 151e18);
        assertEq(updatedAt, nowTs, "on the chain's clock");
        // a trade on it records the price as of now, so later prices published up to now stay usable
        _mint(alice, 500 * USD);
        vm.prank(alice);
        engine.increasePosition(sol, true, 500 * USD, 2000 * USD, MAX_PRICE);
        skip(1);
        PriceUpdateRouter.PriceUpdate[] memory u = _updatesAt(152e8, nowTs + solFeed.maxLeadSec() + 1);
        vm.prank(alice);
        router.decreasePosition{value: FEE_WEI}(u, sol, true, 0, 2000 * USD, 0);
        assertEq(engine.position(alice, sol, true).sizeUsd, 0, "closed");
    }

    function test_updateBeyondTheTolerance_refusedWithItsNumbers() public {
        uint256 ahead = block.timestamp + solFeed.maxLeadSec() + 1;
        _post(151e8, ahead);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.FuturePrice.selector, ahead, block.timestamp));
        solFeed.latestPrice();
    }

    /// Review AG's case: alice's 10x long (5,000 size, 500 collateral at 150) is liquidatable at 138 with about 45 of
    /// equity left. The attacker's updates 2 s ahead froze every liquidation for 7 s while the price fell to 128, and
    /// alice got nothing back (44.99 lost); now the keeper liquidates at the first step, at the attacker's own price.
    function test_futureStampedUpdates_doNotFreezeLiquidations() public {
        _deposit(carol, 2_000_000 * USD);
        _mint(alice, 500 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 500 * USD, 5000 * USD, MAX_PRICE);
        refs.push(IPerpEngine.PositionRef(alice, sol, true));
        skip(1);
        uint256 aliceBefore = usdc.balanceOf(alice);
        uint256 step = _skewedPath([int64(137e8), 135e8, 133e8, 131e8, 129e8, 128e8]);
        assertEq(step, 1, "liquidated at the first attempt");
        // the refund is the equity at 137 beyond the liquidation fee and the keeper's reward (P-59): recomputed from
        // the position's terms rather than read back
        uint256 refund = usdc.balanceOf(alice) - aliceBefore;
        assertGt(refund, 0, "the trader keeps its equity");
        int256 pnlUsd = int256(5000 * USD) * (137 - 150) / 150; // -433.33
        assertLe(refund, uint256(int256(500 * USD) + pnlUsd), "at most collateral + PnL");
    }

    /// The order side of review AG's case: a whole-position stop-loss (trigger 140, any price) that the keeper's
    /// batches could not fill for 7 s (filled at 129: 199.90 less to its owner) fills at the first attempt.
    function test_futureStampedUpdates_doNotFreezeOrderFills() public {
        OrderBook book = _deployOrderBook();
        _deposit(carol, 2_000_000 * USD);
        _mint(bob, 10_000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(bob);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 2000 * USD, 20_000 * USD, MAX_PRICE);
        vm.startPrank(bob);
        usdc.approve(address(book), type(uint256).max);
        uint256 id = book.createOrder(
            sol, true, IOrderBook.Kind.StopLoss, 140e18, book.NO_BOUND(), 20_000 * USD, 0, block.timestamp + 1 days, 1e6
        );
        vm.stopPrank();
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        skip(1);
        vm.deal(attacker, 1 ether);
        bytes[] memory ahead = _data(137e8, block.timestamp + 2);
        vm.prank(attacker);
        solFeed.updatePrice{value: FEE_WEI}(ahead);
        u = _updates(137e8);
        vm.prank(keeper);
        (uint256 filled,) = router.executeOrders{value: FEE_WEI}(u, book, ids);
        assertEq(filled, 1, "filled at the attacker's own (genuine) price");
        assertEq(engine.position(bob, sol, true).sizeUsd, 0);
    }

    /// The attacker's gain in review AG: the owner of a 10x long froze its own market through a wick to 138 and
    /// closed at 150 for 405.01 more than its liquidation would have paid it. Now the wick's first update (its own)
    /// is enough for the keeper.
    function test_ownerCannotFreezeItsMarketThroughAWick() public {
        _deposit(carol, 2_000_000 * USD);
        _mint(attacker, 500 * USD);
        vm.deal(attacker, 1 ether);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(attacker);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 500 * USD, 5000 * USD, MAX_PRICE);
        refs.push(IPerpEngine.PositionRef(attacker, sol, true));
        skip(1);
        bytes[] memory ahead = _data(138e8, block.timestamp + 2);
        vm.prank(attacker);
        solFeed.updatePrice{value: FEE_WEI}(ahead);
        u = _updates(138e8);
        vm.prank(keeper);
        (uint256 n,) = router.liquidateBatch{value: FEE_WEI}(u, refs);
        assertEq(n, 1, "liquidated on the wick");
        assertEq(engine.position(attacker, sol, true).sizeUsd, 0);
    }

    /// Review AI: a round trip sees the stored price's age plus the lead of a price served as published now. With a
    /// 15 s lead on a 10 s age, an open on a price 10 s old and a close in the same block (its own transaction) on one
    /// published 15 s ahead took +2,187.50 USD on a 1M long from a 5 bp/s trend, where the fees were sized on 10 s.
    /// Now the lead is 3 s and the age 7 s (Deploy.pullLagBps sizes the lag on their sum): over the widest span a
    /// round trip can see, a move up to the market's lag never pays. Isolated: each call is its own transaction.
    /// forge-config: default.isolate = true
    function testFuzz_roundTripOverAgePlusLead_neverProfits(uint256 moveBps, bool isLong) public {
        _deposit(carol, 10_000_000 * USD);
        uint256 lagBps = reader.marketConfig(sol).oracleLagBps;
        moveBps = bound(moveBps, 0, lagBps);
        uint256 t0 = block.timestamp;
        _post(150e8, t0);
        skip(deployer.PULL_MAX_PRICE_AGE_SEC()); // the stored price is as old as the market accepts
        _mint(attacker, 200_000 * USD);
        vm.deal(attacker, 1 ether);
        uint256 start = usdc.balanceOf(attacker);
        vm.prank(attacker);
        engine.increasePosition(sol, isLong, 200_000 * USD, 1_000_000 * USD, isLong ? MAX_PRICE : 0);
        uint256 sizeUsd = engine.position(attacker, sol, isLong).sizeUsd;
        // the same block, a price published as far ahead as the feed serves, moved the position's way
        int64 later = int64(int256(150e8) * int256(isLong ? 10_000 + moveBps : 10_000 - moveBps) / 10_000);
        PriceUpdateRouter.PriceUpdate[] memory u = _updatesAt(later, block.timestamp + solFeed.maxLeadSec());
        vm.prank(attacker);
        router.decreasePosition{value: FEE_WEI}(u, sol, isLong, 0, sizeUsd, isLong ? 0 : MAX_PRICE);
        assertEq(engine.position(attacker, sol, isLong).sizeUsd, 0, "closed");
        assertLe(usdc.balanceOf(attacker), start, "the round trip never pays");
        // and a price published further ahead is not served, so no round trip sees more
        bytes[] memory beyond = _data(later, block.timestamp + solFeed.maxLeadSec() + 1);
        solFeed.updatePrice{value: FEE_WEI}(beyond);
        vm.expectPartialRevert(OracleErrors.FuturePrice.selector);
        solFeed.latestPrice();
    }

    /// Review AJ: a lead shorter than the chain's clock trail brings the freeze back (updates 4 s ahead on a 3 s lead
    /// froze a fall and left 263.35 USD of bad debt), so the lead is the feed's, set per chain at deployment: a feed
    /// deployed with a 15 s lead (an L1, whose blocks are stamped at their slot's start) serves that update.
    function test_leadIsSetPerChain() public {
        PythPriceFeed l1Feed = new PythPriceFeed(IPyth(address(pyth)), SOL_ID, 60, 15, 100);
        uint256 ahead = block.timestamp + solFeed.maxLeadSec() + 1;
        _post(151e8, ahead);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.FuturePrice.selector, ahead, block.timestamp));
        solFeed.latestPrice();
        (uint256 priceWad, uint256 updatedAt) = l1Feed.latestPrice();
        assertEq(priceWad, 151e18);
        assertEq(updatedAt, block.timestamp);
        uint256 tooLong = l1Feed.SETTLEMENT_WINDOW_SEC() + 1;
        vm.expectRevert(OracleErrors.InvalidOracleConfig.selector);
        new PythPriceFeed(IPyth(address(pyth)), SOL_ID, 60, tooLong, 100);
    }
}
