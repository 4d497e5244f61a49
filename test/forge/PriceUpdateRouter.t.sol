// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {OracleErrors} from "../../contracts/oracles/OracleErrors.sol";
import {PriceUpdateRouter} from "../../contracts/periphery/PriceUpdateRouter.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {PythBaseTest} from "./utils/PythBase.t.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice A Pyth market traded through the engine's PriceUpdateRouter: the update and the trade in one transaction.
contract PriceUpdateRouterTest is PythBaseTest {
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
        _setPrice(ETH, 2400e18); // bob's 5x long has lost its margin
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

    // ------------------------------------------------------------ LP actions and reads on a pull-oracle deployment

    /// @dev Bob's SOL long gives the pull market open interest, so the NAV needs its price; then SOL's stored price
    ///      goes stale (the push markets are refreshed).
    function _solOpenInterestThenStale() internal {
        _mint(bob, 1000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(bob);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
        skip(120);
        _refreshPrices();
    }

    function test_router_depositsForTheCallerAtThePostedPrice() public {
        _solOpenInterestThenStale();
        _mint(alice, 10_000 * USD);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.StalePrice.selector, block.timestamp - 120, block.timestamp, 60)
        );
        pool.deposit(10_000 * USD, alice);

        // What the same deposit mints right after the same price is posted by anyone: the router adds nothing.
        uint256 snap = vm.snapshotState();
        _post(148e8, block.timestamp);
        vm.prank(alice);
        uint256 direct = pool.deposit(10_000 * USD, alice);
        vm.revertToState(snap);

        uint256 ethBefore = alice.balance;
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(148e8);
        vm.prank(alice);
        bytes memory ret = router.callPool{value: 10}(u, abi.encodeCall(IERC4626.deposit, (10_000 * USD, alice)));
        uint256 shares = abi.decode(ret, (uint256));
        assertEq(shares, direct, "the shares a direct deposit at that price mints");
        assertEq(pool.balanceOf(alice), shares, "minted to the caller");
        assertEq(usdc.balanceOf(alice), 0, "the assets come from the caller");
        assertEq(pool.balanceOf(address(router)) + usdc.balanceOf(address(router)) + address(router).balance, 0);
        assertEq(alice.balance, ethBefore - FEE_WEI, "only the oracle fee is spent");
    }

    /// @dev The router names only its caller: a redemption of another LP's shares through it needs that LP's
    ///      allowance like any other, and a contract the core does not trust cannot name anyone by appending.
    function test_router_poolActsOnlyForTheCaller() public {
        _solOpenInterestThenStale();
        _mint(alice, 10_000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(alice);
        router.callPool{value: FEE_WEI}(u, abi.encodeCall(IERC4626.deposit, (10_000 * USD, alice)));
        uint256 shares = pool.balanceOf(alice);
        skip(pool.cooldownSec());
        _refreshPrices();

        u = _updates(150e8);
        bytes memory steal = abi.encodeCall(IERC4626.redeem, (shares, bob, alice));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, shares));
        router.callPool{value: FEE_WEI}(u, steal);

        _post(150e8, block.timestamp);
        vm.prank(bob);
        (bool ok, bytes memory err) = address(pool).call(abi.encodePacked(steal, alice));
        assertFalse(ok, "an untrusted caller appending the owner acts as itself");
        assertEq(err, abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, shares));

        uint256 before = usdc.balanceOf(alice);
        u = _updates(150e8);
        vm.prank(alice);
        bytes memory ret = router.callPool{value: FEE_WEI}(u, abi.encodeCall(IERC4626.redeem, (shares, alice, alice)));
        uint256 assets = abi.decode(ret, (uint256));
        assertGt(assets, 0);
        assertEq(pool.balanceOf(alice), 0);
        assertEq(usdc.balanceOf(alice), before + assets, "paid to the caller's receiver");
    }

    /// @dev The vault takes the products' rule: a trusted forwarder that appends anything but one address reverts
    ///      rather than acting as itself.
    function test_pool_trustedForwarderMustAppendExactlyOneAddress() public {
        _mint(alice, 1000 * USD);
        bytes memory call = abi.encodePacked(abi.encodeCall(IERC4626.deposit, (1000 * USD, alice)), bytes19(0));
        vm.prank(address(router));
        (bool ok, bytes memory err) = address(pool).call(call);
        assertFalse(ok);
        assertEq(err, abi.encodeWithSelector(IPerpEngine.MalformedForwardedCall.selector, address(router), call.length));
    }

    function test_router_callPoolRefusesPaddedCalldata() public {
        bytes memory padded = abi.encodePacked(abi.encodeCall(IERC4626.deposit, (1, alice)), bytes1(0));
        vm.expectRevert(abi.encodeWithSelector(PriceUpdateRouter.MalformedCall.selector, padded.length));
        router.callPool(new PriceUpdateRouter.PriceUpdate[](0), padded);
    }

    /// @dev A keeper reads a pull market's positions at the price it is about to post: the same answer as the Reader
    ///      gives once that price is stored, while the stored price alone is too old to read.
    function test_router_readAfterUpdate_answersAtThePostedPrice() public {
        _solOpenInterestThenStale();
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef(bob, sol, true);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.StalePrice.selector, block.timestamp - 120, block.timestamp, 60)
        );
        reader.statuses(refs);

        uint256 snap = vm.snapshotState();
        _post(121e8, block.timestamp);
        bytes memory direct = abi.encode(reader.statuses(refs));
        vm.revertToState(snap);

        bytes memory read = abi.encodeCall(Reader.statuses, (refs));
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(121e8);
        vm.prank(keeper);
        bytes memory viaRouter = router.readAfterUpdate{value: FEE_WEI}(u, address(reader), read);
        assertEq(viaRouter, direct);
        IPerpEngine.PositionStatus[] memory st = abi.decode(viaRouter, (IPerpEngine.PositionStatus[]));
        assertTrue(st[0].liquidatable, "a -19% move takes bob's 5x long past maintenance");
        assertEq(address(router).balance, 0);

        vm.revertToState(snap);
        u = _updates(150e8);
        vm.prank(keeper);
        st = abi.decode(
            router.readAfterUpdate{value: FEE_WEI}(u, address(reader), read), (IPerpEngine.PositionStatus[])
        );
        assertFalse(st[0].liquidatable, "at its entry price it is not");
    }
}
