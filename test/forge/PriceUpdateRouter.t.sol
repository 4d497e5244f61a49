// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {IPriceFeed} from "../../contracts/oracles/IPriceFeed.sol";
import {IUpdatablePriceFeed} from "../../contracts/oracles/IUpdatablePriceFeed.sol";
import {OracleErrors} from "../../contracts/oracles/OracleErrors.sol";
import {PythPriceFeed} from "../../contracts/oracles/PythPriceFeed.sol";
import {PriceUpdateRouter} from "../../contracts/periphery/PriceUpdateRouter.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice A Pyth market traded through the engine's PriceUpdateRouter: the update and the trade in one transaction.
contract PriceUpdateRouterTest is BaseTest {
    bytes32 internal constant SOL_ID = keccak256("SOL/USD");
    uint256 internal constant FEE_WEI = 1;

    MockPyth internal pyth;
    PythPriceFeed internal solFeed;
    uint256 internal sol;

    function setUp() public override {
        super.setUp();
        pyth = new MockPyth(60, FEE_WEI);
        solFeed = new PythPriceFeed(IPyth(address(pyth)), SOL_ID, 60, 100);
        _post(150e8, block.timestamp);
        IPerpEngine.MarketConfig memory cfg =
            deployer.marketConfig(IPriceFeed(address(solFeed)), 0.8e18, deployer.PULL_MAX_PRICE_AGE_SEC());
        vm.prank(admin);
        sol = engine.addMarket("SOL-USD", cfg);
        _deposit(carol, 1_000_000 * USD);
        vm.deal(alice, 1 ether);
        vm.deal(bob, 1 ether);
        vm.deal(keeper, 1 ether);
        skip(120); // the stored Pyth price is now stale (max age 60 s)
        _refreshPrices();
    }

    function _post(int64 price8, uint256 publishTime) internal {
        bytes[] memory data = _data(price8, publishTime);
        solFeed.updatePrice{value: FEE_WEI}(data);
    }

    function _data(int64 price8, uint256 publishTime) internal view returns (bytes[] memory data) {
        data = new bytes[](1);
        data[0] = pyth.createPriceFeedUpdateData(SOL_ID, price8, 1e6, -8, price8, 1e6, uint64(publishTime), 0);
    }

    function _updates(int64 price8) internal view returns (PriceUpdateRouter.PriceUpdate[] memory u) {
        u = new PriceUpdateRouter.PriceUpdate[](1);
        u[0] = PriceUpdateRouter.PriceUpdate(
            IUpdatablePriceFeed(address(solFeed)), _data(price8, block.timestamp), FEE_WEI
        );
    }

    function test_router_isDeployedByTheEngine() public view {
        assertEq(address(router.engine()), address(engine));
    }

    function test_router_updatesPythAndOpensInOneTransaction() public {
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.StalePrice.selector, block.timestamp - 120, block.timestamp, 60)
        );
        engine.increasePosition(sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);

        uint256 ethBefore = alice.balance;
        PriceUpdateRouter.PriceUpdate[] memory u151e8 = _updates(151e8);
        vm.prank(alice);
        router.increasePosition{value: 10}(u151e8, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);

        IPerpEngine.Position memory p = engine.position(alice, sol, true);
        assertEq(p.sizeUsd, 5000 * USD, "the position belongs to the caller");
        assertEq(engine.position(address(router), sol, true).sizeUsd, 0, "never to the router");
        assertEq(alice.balance, ethBefore - FEE_WEI, "only the oracle fee is spent");
        assertEq(address(router).balance, 0);
        assertEq(usdc.balanceOf(address(router)), 0);
        (uint256 priceWad,) = solFeed.latestPrice();
        assertEq(priceWad, 151e18);
    }

    function test_router_decreasesOnlyTheCallersPosition() public {
        _mint(alice, 1000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u150e8 = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u150e8, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);

        skip(1);
        PriceUpdateRouter.PriceUpdate[] memory later = _updates(150e8);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NoPosition.selector, bob, sol, true));
        router.decreasePosition{value: FEE_WEI}(later, sol, true, 0, 5000 * USD, 0);

        uint256 usdcBefore = usdc.balanceOf(alice);
        PriceUpdateRouter.PriceUpdate[] memory u152e8 = _updates(152e8);
        vm.prank(alice);
        router.decreasePosition{value: FEE_WEI}(u152e8, sol, true, 0, 5000 * USD, 0);
        assertEq(engine.position(alice, sol, true).sizeUsd, 0);
        assertGt(usdc.balanceOf(alice), usdcBefore + 1000 * USD, "proceeds (collateral + profit) go to the trader");
    }

    function test_router_liquidatesWithAFreshPriceAndPaysTheCaller() public {
        _mint(alice, 200 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u150e8 = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u150e8, sol, true, 200 * USD, 5000 * USD, MAX_PRICE);

        skip(1);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef(alice, sol, true);
        uint256 before = usdc.balanceOf(keeper);
        PriceUpdateRouter.PriceUpdate[] memory u143e8 = _updates(143e8);
        vm.recordLogs();
        vm.prank(keeper);
        (uint256 n, uint256 reward) = router.liquidateBatch{value: FEE_WEI}(u143e8, refs);
        assertEq(n, 1);
        assertGt(reward, 0);
        assertEq(usdc.balanceOf(keeper), before + reward, "the engine pays the caller");
        assertEq(usdc.balanceOf(address(router)), 0);
        // The event names the caller, not the router, as the keeper.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != IPerpEngine.PositionLiquidated.selector) continue;
            (IPerpEngine.LiquidationResult memory r) = abi.decode(logs[i].data, (IPerpEngine.LiquidationResult));
            assertEq(r.keeper, keeper, "keeper named");
            seen = true;
        }
        assertTrue(seen, "liquidation event emitted");
    }

    function test_router_revertsWhenFeesExceedValue() public {
        _mint(alice, 1000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u150e8 = _updates(150e8);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(PriceUpdateRouter.FeesExceedValue.selector, FEE_WEI, 0));
        router.increasePosition(u150e8, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
    }

    /// @dev No balance can build up for a later caller: ether sent outside a call is refused.
    function test_router_refusesStrayEther() public {
        vm.prank(bob);
        (bool ok, bytes memory ret) = address(router).call{value: 1}("");
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(PriceUpdateRouter.UnexpectedEther.selector, bob, 1));
        assertEq(address(router).balance, 0);
    }

    /// @dev Only the router may name the trader: anyone else appending an address still trades as themselves.
    function test_engine_ignoresAnAppendedAccountFromOtherCallers() public {
        _mint(bob, 1000 * USD);
        bytes memory call = abi.encodePacked(
            abi.encodeCall(IPerpEngine.increasePosition, (ETH, true, 1000 * USD, 5000 * USD, MAX_PRICE)), alice
        );
        vm.prank(bob);
        (bool ok,) = address(engine).call(call);
        assertTrue(ok);
        assertEq(engine.position(bob, ETH, true).sizeUsd, 5000 * USD);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0);

        // Nor can a keeper calling directly redirect the reward by appending an address.
        _deposit(carol, 1_000_000 * USD);
        _setPrice(ETH, 2500e18); // bob's 5x long is far below maintenance
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef(bob, ETH, true);
        uint256 before = usdc.balanceOf(keeper);
        vm.prank(keeper);
        (ok,) = address(engine).call(abi.encodePacked(abi.encodeCall(IPerpEngine.liquidateBatch, (refs)), alice));
        assertTrue(ok);
        assertEq(engine.position(bob, ETH, true).sizeUsd, 0, "liquidated");
        assertGt(usdc.balanceOf(keeper), before, "the caller is paid");
        assertEq(usdc.balanceOf(alice), 0, "the appended address is not");
    }

    function _updatesAt(int64 price8, uint256 publishTime)
        internal
        view
        returns (PriceUpdateRouter.PriceUpdate[] memory u)
    {
        u = new PriceUpdateRouter.PriceUpdate[](1);
        u[0] = PriceUpdateRouter.PriceUpdate(IUpdatablePriceFeed(address(solFeed)), _data(price8, publishTime), FEE_WEI);
    }

    /// P-14 on a pull market (item 5): within one transaction an attacker who holds two signed prices cannot open at
    ///       the older and close at the newer. Fuzzed over the older price's lag (1 s to the market's max age), the move between them
    ///       (up to +-30%) and the side; both routes: open at the stored price then post the newer one to close, and
    ///       post one price to open and a newer one to close. The market keeps the first price the transaction read.
    function testFuzz_pull_openUpdateCloseInOneTransactionNeverProfits(
        uint256 lag,
        int256 moveBps,
        bool isLong,
        bool storedFirst
    ) public {
        lag = bound(lag, 1, deployer.PULL_MAX_PRICE_AGE_SEC());
        moveBps = bound(moveBps, -3000, 3000);
        int64 older = 150e8;
        int64 newer = int64(int256(older) * (10_000 + moveBps) / 10_000);
        _mint(attacker, 10_000 * USD);
        vm.deal(attacker, 1 ether);
        uint256 start = usdc.balanceOf(attacker);
        vm.startPrank(attacker);
        if (storedFirst) {
            _post(older, block.timestamp - lag); // someone posted it earlier; the attacker trades on it directly
            engine.increasePosition(sol, isLong, 10_000 * USD, 50_000 * USD, isLong ? MAX_PRICE : 0);
        } else {
            router.increasePosition{value: FEE_WEI}(
                _updatesAt(older, block.timestamp - lag),
                sol,
                isLong,
                10_000 * USD,
                50_000 * USD,
                isLong ? MAX_PRICE : 0
            );
        }
        uint256 size = engine.position(attacker, sol, isLong).sizeUsd;
        router.decreasePosition{value: FEE_WEI}(
            _updatesAt(newer, block.timestamp), sol, isLong, 0, size, isLong ? 0 : MAX_PRICE
        );
        vm.stopPrank();
        (uint256 oraclePrice,) = solFeed.latestPrice();
        assertEq(oraclePrice, uint256(uint64(newer)) * 1e10, "the newer price did reach the oracle");
        assertLe(usdc.balanceOf(attacker), start, "open then close in one transaction never profits");
    }

    /// Item 5: timestamps are monotone per market: once a market has used a price, an answer older than it is refused
    ///       with both times (here a feed that went back in time, e.g. after a feed swap).
    function test_pull_olderThanLastUsedPriceIsRefused() public {
        _mint(alice, 2000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
        uint256 usedAt = block.timestamp;
        skip(5);
        vm.mockCall(
            address(solFeed),
            abi.encodeWithSelector(IPriceFeed.latestPrice.selector),
            abi.encode(uint256(140e18), usedAt - 3)
        );
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.PriceOlderThanLastUsed.selector, sol, usedAt - 3, usedAt));
        engine.increasePosition(sol, true, 1000 * USD, 0, MAX_PRICE);
    }

    /// Item 5: a pull market accepts only a price of seconds (here 10 s): a stored price older than that is refused,
    ///       so the option of trading on an old price while a newer one is known is bounded by seconds of movement.
    function test_pull_storedPriceOlderThanSecondsIsRefused() public {
        uint256 maxAge = deployer.PULL_MAX_PRICE_AGE_SEC();
        _post(150e8, block.timestamp - maxAge - 1);
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.PriceTooOld.selector, sol, block.timestamp - maxAge - 1, block.timestamp, maxAge
            )
        );
        engine.increasePosition(sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
    }
}
