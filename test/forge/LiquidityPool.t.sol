// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../contracts/interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

contract LiquidityPoolTest is BaseTest {
    function test_deposit_mintsAtShareOfNav() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        assertEq(shares, 10_000 * USD * 1e6, "1:1 with the 6-decimal offset");
        assertEq(pool.totalAssets(), 10_000 * USD);
        assertEq(_poolCash(), 10_000 * USD);
        assertEq(usdc.balanceOf(address(engine)), 10_000 * USD, "assets sit in the engine");
        assertEq(usdc.balanceOf(address(pool)), 0);
    }

    function test_deposit_revertsBelowMinimum() public {
        _mint(carol, 1 * USD);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.DepositTooSmall.selector, 999_999, 1 * USD));
        pool.deposit(999_999, carol);
    }

    function test_redeem_afterCooldownReturnsNav() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.CooldownActive.selector, carol, block.timestamp + 60, block.timestamp)
        );
        pool.redeem(shares, carol, carol);
        skip(60);
        vm.prank(carol);
        uint256 assets = pool.redeem(shares, carol, carol);
        assertEq(assets, 10_000 * USD);
        assertEq(usdc.balanceOf(carol), 10_000 * USD);
    }

    function test_cooldown_followsTransferredShares() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        // Shares in their cooldown cannot move, so the cooldown cannot be skipped through another address.
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.CooldownActive.selector, carol, block.timestamp + 60, block.timestamp)
        );
        pool.transfer(dave, shares);
        // After it, they move freely, and a transfer never restarts the receiver's cooldown (no dust griefing).
        uint256 daveShares = _deposit(dave, 1000 * USD);
        skip(61);
        _refreshPrices();
        vm.prank(carol);
        pool.transfer(dave, 1);
        assertEq(pool.maxRedeem(dave), daveShares + 1);
        vm.prank(dave);
        pool.redeem(daveShares + 1, dave, dave);
    }

    function test_withdraw_limitedToFreeLiquidity() public {
        _deposit(carol, 100_000 * USD);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD); // reserves 50,000 -> locks 55,556 at 90%
        skip(60);
        _refreshPrices();
        uint256 free = engine.freeLiquidityUsd();
        assertEq(pool.maxWithdraw(carol), free);
        vm.prank(carol);
        vm.expectPartialRevert(ERC4626.ERC4626ExceededMaxWithdraw.selector);
        pool.withdraw(free + 1, carol, carol);
        vm.prank(carol);
        pool.withdraw(free, carol, carol);
        assertLe(engine.poolState().reservedUsd, _poolCash() * 9000 / 10_000 + 1);
    }

    function test_queue_fillsInOrderAsLiquidityFrees() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        uint256 dShares = _deposit(dave, 40_000 * USD);
        _open(alice, ETH, true, 8000 * USD, 80_000 * USD);
        skip(60);
        _refreshPrices();

        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, carol);
        vm.prank(dave);
        uint256 idD = pool.requestRedeem(dShares, dave);
        assertEq(pool.queuedShares(), cShares + dShares);

        pool.processQueue(10); // only the small free part goes to carol
        ILiquidityPool.WithdrawalRequest memory rc = pool.withdrawalRequest(idC);
        assertGt(rc.shares, 0, "carol partly filled");
        assertEq(pool.withdrawalRequest(idD).shares, dShares, "dave waits behind carol");
        uint256 carolPaid = usdc.balanceOf(carol);
        assertGt(carolPaid, 0);

        _close(alice, ETH, true); // frees the reserve
        pool.processQueue(10);
        assertEq(pool.withdrawalRequest(idC).shares, 0);
        assertEq(pool.withdrawalRequest(idD).shares, 0);
        assertEq(pool.queuedShares(), 0);
        (uint256 head, uint256 tail) = pool.queueBounds();
        assertEq(head, tail);
        assertApproxEqAbs(usdc.balanceOf(carol) + usdc.balanceOf(dave), 100_000 * USD, 200 * USD);
    }

    function test_queue_cancelReturnsShares() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(60);
        vm.prank(carol);
        uint256 id = pool.requestRedeem(shares, carol);
        vm.prank(dave);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.NotRequestOwner.selector, id, dave, carol));
        pool.cancelRedeem(id);
        vm.prank(carol);
        pool.cancelRedeem(id);
        assertEq(pool.balanceOf(carol), shares);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestNotPending.selector, id));
        pool.cancelRedeem(id);
    }

    function test_sharePrice_risesWithFeesAndTraderLosses() public {
        _deposit(carol, 100_000 * USD);
        uint256 before = pool.convertToAssets(1e12);
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        assertGt(pool.convertToAssets(1e12), before, "open fee and impact raise the share price");
        uint256 mid = pool.convertToAssets(1e12);
        _setPriceAfter(ETH, 2900e18, 60);
        assertGt(pool.convertToAssets(1e12), mid, "trader loss is LP gain");
    }

    function test_setCooldown_bounded() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.CooldownTooLong.selector, 8 days, 7 days));
        pool.setCooldown(8 days);
    }

    function testFuzz_depositRedeem_roundTripNeverGains(uint256 a, uint256 b) public {
        a = bound(a, 1 * USD, 10_000_000 * USD);
        b = bound(b, 1 * USD, 10_000_000 * USD);
        _deposit(carol, a);
        uint256 shares = _deposit(dave, b);
        skip(60);
        vm.prank(dave);
        uint256 out = pool.redeem(shares, dave, dave);
        assertLe(out, b);
    }
}
