// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPriceFeed} from "../../../contracts/oracles/IPriceFeed.sol";
import {IUpdatablePriceFeed} from "../../../contracts/oracles/IUpdatablePriceFeed.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {PriceUpdateRouter} from "../../../contracts/periphery/PriceUpdateRouter.sol";
import {PythBaseTest} from "../utils/PythBase.t.sol";

/// @dev A caller-chosen "feed": inside the router's call it tries to act for others and to re-enter, then hands back
///      what it was sent (the caller's own value).
contract HostileFeed {
    PriceUpdateRouter public router;
    OrderBook public book;
    uint256 public orderId;
    address public victim;
    bool public reentered;
    uint256 public filledAsAppended;

    constructor(PriceUpdateRouter r, OrderBook b, uint256 id, address v) {
        router = r;
        book = b;
        orderId = id;
        victim = v;
    }

    function updatePrice(bytes[] calldata) external payable {
        PriceUpdateRouter.PriceUpdate[] memory none = new PriceUpdateRouter.PriceUpdate[](0);
        (reentered,) = address(router).call(abi.encodeCall(router.readAfterUpdate, (none, address(this), "")));
        uint256[] memory ids = new uint256[](1);
        ids[0] = orderId;
        // append a keeper-role address as the router would: the book must ignore it (we are no trusted forwarder)
        (bool ok, bytes memory ret) =
            address(book).call(abi.encodePacked(abi.encodeCall(book.executeOrders, (ids)), victim));
        if (ok) (filledAsAppended,) = abi.decode(ret, (uint256, uint256));
        (bool sent,) = address(router).call{value: msg.value}("");
        require(sent);
    }
}

/// @dev A caller whose refund callback tries to re-enter the router for a second refund.
contract RefundReenterer {
    PriceUpdateRouter public router;
    bool public reentered;
    uint256 public refunds;

    constructor(PriceUpdateRouter r) {
        router = r;
    }

    function go(PriceUpdateRouter.PriceUpdate[] calldata u, address target, bytes calldata data) external payable {
        router.readAfterUpdate{value: msg.value}(u, target, data);
    }

    receive() external payable {
        ++refunds;
        PriceUpdateRouter.PriceUpdate[] memory none = new PriceUpdateRouter.PriceUpdate[](0);
        (bool ok,) = address(router).call(abi.encodeCall(router.readAfterUpdate, (none, address(router), "")));
        reentered = ok;
    }
}

/// Value through the periphery (review AQ: the router, the order book, Pyth fees). Each test is an attack the code
/// refuses; the numbers are what each party ends with.
contract PeripheryValueAttacksTest is PythBaseTest {
    OrderBook internal book;
    uint256 internal constant FEE = 0.5e6;

    function setUp() public override {
        super.setUp();
        book = _deployOrderBook();
        _mint(alice, 10_000 * USD);
        vm.prank(alice);
        usdc.approve(address(book), type(uint256).max);
    }

    function _aliceLongWithStopLoss(uint256 slippageBps) internal returns (uint256 id) {
        PriceUpdateRouter.PriceUpdate[] memory u0 = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u0, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
        vm.prank(alice);
        id = book.createOrder(
            sol, true, IOrderBook.Kind.StopLoss, 149e18, slippageBps, 5000 * USD, 0, block.timestamp + 1 days, FEE
        );
    }

    /// A feed the caller names runs inside the router's guard: it cannot re-enter, cannot name a keeper to the book,
    /// and every wei the caller sent comes back to the caller (the router ends at 0).
    function test_hostileFeed_cannotReenterOrActForOthers_valueReturnsToCaller() public {
        uint256 id = _aliceLongWithStopLoss(book.NO_BOUND());
        skip(1);
        _post(148e8, block.timestamp); // triggered
        HostileFeed f = new HostileFeed(router, book, id, keeper);
        PriceUpdateRouter.PriceUpdate[] memory u = new PriceUpdateRouter.PriceUpdate[](1);
        u[0] = PriceUpdateRouter.PriceUpdate(IUpdatablePriceFeed(address(f)), new bytes[](0), 0.3 ether);
        uint256 bobEth = bob.balance;
        vm.prank(bob);
        router.readAfterUpdate{value: 0.5 ether}(u, address(solFeed), abi.encodeCall(IPriceFeed.latestPrice, ()));
        assertFalse(f.reentered(), "no re-entry");
        assertEq(f.filledAsAppended(), 0, "the appended keeper is ignored: the feed is no keeper");
        assertEq(book.order(id).account, alice, "the stop-loss is untouched");
        assertEq(book.owedUsd(keeper), 0);
        assertEq(bob.balance, bobEth, "bob gets back all 0.5 ETH (0.3 via the feed, 0.2 unspent)");
        assertEq(address(router).balance, 0);
    }

    /// The refund callback cannot re-enter for a second refund: exactly one refund of value - fee.
    function test_refundCallback_cannotReenterForASecondRefund() public {
        RefundReenterer r = new RefundReenterer(router);
        vm.deal(address(r), 0);
        vm.deal(address(this), 1 ether);
        r.go{value: 1 ether}(_updates(151e8), address(solFeed), abi.encodeCall(IPriceFeed.latestPrice, ()));
        assertFalse(r.reentered());
        assertEq(r.refunds(), 1);
        assertEq(address(r).balance, 1 ether - FEE_WEI, "one refund of the unspent value");
        assertEq(address(router).balance, 0);
    }

    /// Native currency forced into the router (selfdestruct) is never paid to a later caller (stated in the code).
    function test_forcedEther_isNotPaidToTheNextCaller() public {
        vm.deal(address(router), 1 ether);
        uint256 before = alice.balance;
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(151e8);
        vm.prank(alice);
        router.readAfterUpdate{value: 0.5 ether}(u, address(solFeed), abi.encodeCall(IPriceFeed.latestPrice, ()));
        assertEq(alice.balance, before - FEE_WEI, "alice pays only the oracle fee");
        assertEq(address(router).balance, 1 ether, "the forced ether stays");
    }

    /// A refused fill is charged once per block whether the keeper comes through the router or directly, and the book
    /// always holds the open orders' fees plus what it owes.
    function test_refusal_viaRouterThenDirect_chargedOncePerBlock() public {
        uint256 id = _aliceLongWithStopLoss(0); // bounded at its trigger: past it a sale never fills
        skip(1);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(147e8);
        vm.prank(keeper);
        (uint256 filled,) = router.executeOrders{value: FEE_WEI}(u, book, ids);
        assertEq(filled, 0);
        uint256 charge = FEE * 500 / 10_000;
        assertEq(book.owedUsd(keeper), charge, "one 5% charge via the router");
        vm.prank(keeper);
        book.executeOrders(ids);
        vm.prank(keeper);
        router.executeOrders{value: FEE_WEI}(u, book, ids);
        assertEq(book.owedUsd(keeper), charge, "no second charge in the block");
        assertEq(usdc.balanceOf(address(book)), book.order(id).executionFeeUsd + book.owedUsd(keeper));
        assertEq(address(router).balance, 0);
        // the owner cancelling now gets the remaining 95%
        uint256 w = usdc.balanceOf(alice);
        vm.prank(alice);
        book.cancelOrder(id);
        assertEq(usdc.balanceOf(alice) - w, FEE - charge);
        assertEq(usdc.balanceOf(address(book)), charge);
    }

    /// Cancel in front of a keeper's fill in the same block: the keeper is paid nothing and loses only the call's gas
    /// and the Pyth fee (measured); the owner recovers 100% of the fee. Suspicion-level grief, symmetric in gas.
    function test_cancelInFrontOfTheKeepersFill_keeperGetsNothing() public {
        uint256 id = _aliceLongWithStopLoss(book.NO_BOUND());
        skip(1);
        vm.prank(alice);
        book.cancelOrder(id);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(147e8);
        uint256 g = gasleft();
        vm.prank(keeper);
        (uint256 filled,) = router.executeOrders{value: FEE_WEI}(u, book, ids);
        g -= gasleft();
        emit log_named_uint("keeper gas for the emptied batch", g);
        assertEq(filled, 0);
        assertEq(book.owedUsd(keeper), 0);
        assertEq(usdc.balanceOf(address(book)), 0);
    }
}
