// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {PythPriceFeed} from "../../contracts/oracles/PythPriceFeed.sol";
import {PriceUpdateRouter} from "../../contracts/periphery/PriceUpdateRouter.sol";
import {PythBaseTest} from "./utils/PythBase.t.sol";
import {PythErrors} from "@pythnetwork/pyth-sdk-solidity/PythErrors.sol";

/// @notice Options on a Pyth (pull-oracle) market settle at the first Pyth update published at or after expiry, within
///         the adapter's settlement window (P-84). The payoffs are recomputed from the documented rule.
contract PythSettlementTest is PythBaseTest {
    uint256 internal constant AMOUNT = 100e18; // 100 SOL of options
    uint256 internal boardId;
    uint256 internal expiry;

    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        options.setConfig(sol, deployer.optionsConfig(deployer.marketSpecs()[2])); // SOL-USD's grid: 5 USD steps
        vm.stopPrank();
        _post(150e8, block.timestamp);
        options.listBoards(sol);
        boardId = options.liveBoards(sol)[0];
        expiry = options.board(boardId).expiry;
    }

    /// @dev Settlers get their unspent fee back.
    receive() external payable {}

    function _buy(address who, uint256 k, bool isCall, uint256 amountWad) internal returns (uint256 premium) {
        _post(150e8, block.timestamp);
        IOptionsBook.Quote memory q = options.quote(boardId, k, isCall, true, amountWad);
        _mint(who, q.premiumUsd);
        vm.prank(who);
        premium = options.buy(boardId, k, isCall, amountWad, q.premiumUsd);
    }

    /// @dev One Pyth update at `publishTime` whose previous update was at `prevPublishTime`.
    function _update(int64 price8, uint256 publishTime, uint256 prevPublishTime)
        internal
        view
        returns (bytes[] memory data)
    {
        data = new bytes[](1);
        data[0] = pyth.createPriceFeedUpdateData(
            SOL_ID, price8, 1e6, -8, price8, 1e6, uint64(publishTime), uint64(prevPublishTime)
        );
    }

    /// P-84: the first update at or after expiry settles the board; holders claim exactly their payoff.
    function test_settle_firstPythUpdateAfterExpiry() public {
        _buy(alice, 4, true, AMOUNT); // strike 145 call
        _buy(bob, 6, false, AMOUNT); // strike 155 put
        vm.warp(expiry + 30);
        vm.expectRevert(abi.encodeWithSelector(PythPriceFeed.SettlementPriceNotRecorded.selector, expiry));
        options.settleBoard(boardId, 0);

        uint256 balance = attacker.balance;
        vm.deal(attacker, 1 ether);
        bytes[] memory first = _update(152e8, expiry + 2, expiry - 1);
        vm.prank(attacker); // anyone records and settles
        (uint256 priceWad, uint256 publishedAt) = solFeed.recordSettlementPrice{value: 1 ether}(first, expiry);
        assertEq(priceWad, 152e18);
        assertEq(publishedAt, expiry + 2);
        assertEq(attacker.balance, balance + 1 ether - FEE_WEI, "the fee beyond Pyth's is sent back");
        options.settleBoard(boardId, 0);
        assertEq(options.board(boardId).settlementPriceWad, 152e18);

        vm.prank(alice);
        assertEq(options.claim(boardId, 4, true), AMOUNT * (152e18 - 145e18) / 1e30, "call: S - K");
        vm.prank(bob);
        assertEq(options.claim(boardId, 6, false), AMOUNT * (155e18 - 152e18) / 1e30, "put: K - S");
    }

    /// P-84: no later price can be chosen: an update whose previous update was already at or after expiry is not the
    ///       first and is refused, as is the first one published past the window; an update before expiry does not
    ///       qualify; a recorded price never changes.
    function test_record_refusesAnyUpdateButTheFirst() public {
        vm.warp(expiry + 120);
        uint256 w = solFeed.SETTLEMENT_WINDOW_SEC();
        bytes[] memory notFirst = _update(180e8, expiry + 9, expiry + 2);
        bytes[] memory tooLate = _update(180e8, expiry + w + 1, expiry - 1);
        bytes[] memory before_ = _update(180e8, expiry - 1, expiry - 5);
        vm.expectRevert(PythErrors.PriceFeedNotFoundWithinRange.selector);
        solFeed.recordSettlementPrice{value: FEE_WEI}(notFirst, expiry);
        vm.expectRevert(PythErrors.PriceFeedNotFoundWithinRange.selector);
        solFeed.recordSettlementPrice{value: FEE_WEI}(tooLate, expiry);
        vm.expectRevert(PythErrors.PriceFeedNotFoundWithinRange.selector);
        solFeed.recordSettlementPrice{value: FEE_WEI}(before_, expiry);
        solFeed.recordSettlementPrice{value: FEE_WEI}(_update(151e8, expiry + w, expiry - 1), expiry); // at the edge
        (uint256 p,) = solFeed.recordSettlementPrice{value: FEE_WEI}(_update(180e8, expiry, expiry - 1), expiry);
        assertEq(p, 151e18, "recorded once");
        (uint256 served, uint256 at) = solFeed.priceAtOrAfter(expiry, 12_345);
        assertEq(served, 151e18);
        assertEq(at, expiry + w);
    }

    /// P-84: options on a pull market trade through the router with the update in the same call, for the caller (the
    ///       forwarded account pays the premium and holds the option); without a fresh price the book refuses; the
    ///       router forwards only to products the core lists.
    function test_router_tradesOptionsWithTheUpdateInTheSameCall() public {
        skip(120); // the stored price is older than the pull market's max age
        vm.expectRevert();
        options.quote(boardId, 5, true, true, AMOUNT);
        _mint(alice, 100_000 * USD);
        uint256 balance = usdc.balanceOf(alice);
        PriceUpdateRouter.PriceUpdate[] memory u = _updatesAt(150e8, block.timestamp);
        bytes memory buy = abi.encodeCall(IOptionsBook.buy, (boardId, 5, true, AMOUNT, type(uint256).max));
        vm.prank(alice);
        bytes memory ret = router.callProduct{value: FEE_WEI}(u, address(options), buy);
        uint256 premium = abi.decode(ret, (uint256));
        assertGt(premium, 0);
        assertEq(usdc.balanceOf(alice), balance - premium, "the caller paid the premium");
        assertEq(options.holding(alice, boardId, 5, true), AMOUNT, "and holds the option");
        assertEq(options.holding(address(router), boardId, 5, true), 0);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(PriceUpdateRouter.UnknownProduct.selector, address(usdc)));
        router.callProduct{value: FEE_WEI}(u, address(usdc), buy);
    }

    /// P-84: the one qualifying update settles whatever its confidence interval (trades would refuse it; a settlement
    ///       has no other price to choose), and a settler who comes second gets its whole fee back.
    function test_record_wideConfidenceSettlesAndSecondSettlerIsRefunded() public {
        vm.warp(expiry + 10);
        bytes[] memory wide = new bytes[](1);
        wide[0] = pyth.createPriceFeedUpdateData(
            SOL_ID, 150e8, 30e8, -8, 150e8, 30e8, uint64(expiry + 1), uint64(expiry - 1)
        );
        (uint256 p,) = solFeed.recordSettlementPrice{value: FEE_WEI}(wide, expiry); // conf 2% > the 1% trades accept
        assertEq(p, 150e18);
        vm.deal(bob, 1 ether);
        uint256 before_ = bob.balance;
        vm.prank(bob);
        solFeed.recordSettlementPrice{value: 0.5 ether}(wide, expiry);
        assertEq(bob.balance, before_, "nothing kept from the second settler");
    }

    /// The router forwards only whole ABI words: padding would hide the appended caller.
    function test_router_refusesPaddedCalldata() public {
        PriceUpdateRouter.PriceUpdate[] memory u = _updatesAt(150e8, block.timestamp);
        bytes memory padded = abi.encodePacked(abi.encodeCall(IOptionsBook.refresh, (sol)), bytes12(0));
        vm.expectRevert(abi.encodeWithSelector(PriceUpdateRouter.MalformedCall.selector, padded.length));
        router.callProduct{value: FEE_WEI}(u, address(options), padded);
    }

    /// A settlement time still in the future cannot be recorded (nothing is published at or after it yet).
    function test_record_refusesAFutureTime() public {
        bytes[] memory data = _update(150e8, expiry, expiry - 1);
        vm.expectRevert(
            abi.encodeWithSelector(PythPriceFeed.SettlementTimeNotReached.selector, expiry, block.timestamp)
        );
        solFeed.recordSettlementPrice{value: FEE_WEI}(data, expiry);
    }
}
