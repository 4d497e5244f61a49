// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IAggregatorV3} from "../../../contracts/oracles/IAggregatorV3.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {MockAggregator} from "../utils/Mocks.sol";

/// @notice P-102's refusal charge falls only on refusals that are the order's doing (review L). A refusal the protocol
///         imposes on every new risk (a guardian pause, the L2 sequencer down or in its grace period) was charged and
///         counted like any other: the keeper's back-off (2, 4, ... 256 blocks) puts the 16th attempt 2,302 blocks after
///         the first, about 9.6 minutes on 0.25 s blocks, inside a one-hour grace period, so an honest limit order lost
///         323,945 of its 500,000 fee and was removed though it would have filled when the grace ended. And one batch
///         naming an order 16 times counted 16 refusals and removed it in one transaction on a one-block gap.
contract OrderRefusalAttacksTest is BaseTest {
    MockAggregator internal sequencer;
    OrderBook internal book;
    uint256 internal constant FEE = 0.5e6;

    function setUp() public override {
        sequencer = new MockAggregator(0);
        super.setUp();
        sequencer.set(0, block.timestamp - 1 days); // up for a day
        book = _deployOrderBook();
        _deposit(carol, 2_000_000 * USD);
        _mint(alice, 10_000 * USD);
        vm.prank(alice);
        usdc.approve(address(book), type(uint256).max);
    }

    function _sequencer() internal view override returns (IAggregatorV3) {
        return IAggregatorV3(address(sequencer));
    }

    function _limitLong() internal returns (uint256 id) {
        vm.prank(alice);
        id = book.createOrder(
            ETH, true, IOrderBook.Kind.LimitOpen, 2950e18, 50, 10_000 * USD, 1000 * USD, block.timestamp + 7 days, FEE
        );
    }

    /// The keeper service's schedule for an order that keeps missing, `attempts` batches on blocks `msPerBlock` apart;
    /// the oracle keeps publishing below the limit's trigger.
    function _keeperSchedule(uint256 id, uint256 attempts, uint256 msPerBlock) internal {
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        (uint256 startBlock, uint256 startTs, uint256 off) = (block.number, block.timestamp, 0);
        for (uint256 a = 1; a <= attempts; ++a) {
            off += a == 1 ? 0 : 1 << (a - 1 < 8 ? a - 1 : 8);
            vm.roll(startBlock + off);
            vm.warp(startTs + off * msPerBlock / 1000);
            vm.prank(admin);
            ethFeed.setPrice(2940e18);
            vm.prank(keeper);
            book.executeOrders(ids);
        }
    }

    function _assertUntouched(uint256 id, uint256 walletBefore) internal view {
        IOrderBook.Order memory o = book.order(id);
        assertEq(o.account, alice, "the order is still on the book");
        assertEq(o.failedFills, 0, "no refusal counted");
        assertEq(o.executionFeeUsd, FEE, "no fee charged");
        assertEq(book.owedUsd(keeper), 0, "the keeper was paid nothing for it");
        assertEq(usdc.balanceOf(alice), walletBefore, "the owner's wallet untouched");
    }

    function test_executeOrders_inSequencerGrace_chargesNothing_andTheOrderFillsAfter() public {
        uint256 id = _limitLong();
        uint256 walletBefore = usdc.balanceOf(alice);
        skip(10);
        sequencer.set(1, block.timestamp); // down for 20 minutes, then back
        skip(20 minutes);
        uint256 upSince = block.timestamp;
        sequencer.set(0, upSince);
        _refreshPrices();
        _keeperSchedule(id, 20, 250); // every attempt inside the one-hour grace on 0.25 s blocks
        assertLt(block.timestamp, upSince + core.sequencerGraceSec(), "all inside the grace period");
        _assertUntouched(id, walletBefore);

        vm.warp(upSince + core.sequencerGraceSec() + 1);
        _refreshPrices();
        vm.prank(admin);
        ethFeed.setPrice(2940e18);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.prank(keeper);
        (uint256 filled,) = book.executeOrders(ids);
        assertEq(filled, 1, "the same order fills once the grace period is over");
        assertEq(engine.position(alice, ETH, true).sizeUsd, 10_000 * USD);
    }

    function test_executeOrders_whilePaused_chargesNothing() public {
        uint256 id = _limitLong();
        uint256 walletBefore = usdc.balanceOf(alice);
        vm.prank(admin);
        core.pause();
        _keeperSchedule(id, 20, 2000);
        _assertUntouched(id, walletBefore);
    }

    function test_executeOrders_sequencerDown_chargesNothing() public {
        uint256 id = _limitLong();
        uint256 walletBefore = usdc.balanceOf(alice);
        sequencer.set(1, block.timestamp);
        _keeperSchedule(id, 20, 2000);
        _assertUntouched(id, walletBefore);
    }

    /// A refusal the order deserves is still charged once per order and block, however many times a batch names it.
    function testFuzz_executeOrders_duplicateIds_countOnce(uint256 copies) public {
        copies = bound(copies, 2, 40);
        _open(alice, ETH, true, 2000 * USD, 10_000 * USD);
        vm.prank(alice);
        uint256 id = book.createOrder(
            ETH, true, IOrderBook.Kind.StopLoss, 2900e18, 0, 10_000 * USD, 0, block.timestamp + 7 days, FEE
        );
        _setPrice(ETH, 2850e18); // a gap through a slippage-0 stop: a sale bounded at 2,900 cannot fill
        uint256[] memory ids = new uint256[](copies);
        for (uint256 i; i < copies; ++i) {
            ids[i] = id;
        }
        vm.prank(keeper);
        book.executeOrders(ids);
        IOrderBook.Order memory o = book.order(id);
        assertEq(o.account, alice, "still on the book");
        assertEq(o.failedFills, 1, "one refusal counted");
        uint256 charge = FEE * book.FAILED_FILL_SHARE_BPS() / 10_000;
        assertEq(book.owedUsd(keeper), charge, "one charge");
        assertEq(o.executionFeeUsd, FEE - charge);
    }

    /// Review AG: the once-per-block rule held only within one transaction (a transient mark), so sixteen one-order
    /// batches in one block (two keeper instances, or one sending several transactions) charged an order sixteen
    /// times and removed it in that block, where the keeper's back-off spreads the attempts over about 2,500 blocks.
    /// Run isolated (each call its own transaction, as on a chain): one refusal counted per block, however many
    /// transactions or keepers try it; the next block counts again.
    /// forge-config: default.isolate = true
    function test_executeOrders_manyTransactionsInOneBlock_countOnce() public {
        _open(alice, ETH, true, 2000 * USD, 10_000 * USD);
        vm.prank(alice);
        uint256 id = book.createOrder(
            ETH, true, IOrderBook.Kind.StopLoss, 2900e18, 0, 10_000 * USD, 0, block.timestamp + 7 days, FEE
        );
        _setPrice(ETH, 2850e18); // past the trigger: a sale bounded at 2,900 cannot fill
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        uint256 attempts = book.MAX_FAILED_FILLS();
        for (uint256 n; n < attempts; ++n) {
            vm.prank(keeper);
            book.executeOrders(ids); // a transaction each, one block
        }
        IOrderBook.Order memory o = book.order(id);
        assertEq(o.account, alice, "still on the book");
        assertEq(o.failedFills, 1, "one refusal counted in the block");
        uint256 charge = FEE * book.FAILED_FILL_SHARE_BPS() / 10_000;
        assertEq(book.owedUsd(keeper), charge, "one charge");
        vm.roll(block.number + 1);
        vm.prank(keeper);
        book.executeOrders(ids);
        assertEq(book.order(id).failedFills, 2, "the next block counts again");
    }

    /// A keeper's single executeOrder reverts with the engine's reason and changes nothing, the refusal that would be
    /// the order's last included (it returned false and removed the order before).
    function test_executeOrder_lastRefusal_revertsAndChargesNothing() public {
        _open(alice, ETH, true, 2000 * USD, 10_000 * USD);
        vm.prank(alice);
        uint256 id = book.createOrder(
            ETH, true, IOrderBook.Kind.StopLoss, 2900e18, 0, 10_000 * USD, 0, block.timestamp + 7 days, FEE
        );
        _setPrice(ETH, 2850e18);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        for (uint256 n = 1; n < book.MAX_FAILED_FILLS(); ++n) {
            vm.prank(keeper);
            book.executeOrders(ids);
            vm.roll(block.number + 1);
        }
        assertEq(book.order(id).failedFills, book.MAX_FAILED_FILLS() - 1);
        uint256 owedBefore = book.owedUsd(keeper);
        vm.prank(keeper);
        vm.expectRevert();
        book.executeOrder(id);
        assertEq(book.order(id).account, alice, "still on the book");
        assertEq(book.owedUsd(keeper), owedBefore, "nothing charged");
    }
}
