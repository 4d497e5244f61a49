// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../contracts/interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {SharesMath} from "../../contracts/libraries/SharesMath.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

contract LiquidityPoolTest is BaseTest {
    function test_deposit_mintsAtShareOfNav() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        assertEq(shares, 10_000 * USD * 1e6, "1:1 with the 6-decimal offset");
        assertEq(pool.totalAssets(), 10_000 * USD);
        assertEq(_poolCash(), 10_000 * USD);
        assertEq(usdc.balanceOf(address(core)), 10_000 * USD, "assets sit in the engine");
        assertEq(usdc.balanceOf(address(pool)), 0);
    }

    function test_deposit_revertsBelowMinimum() public {
        _mint(carol, 1 * USD);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.DepositTooSmall.selector, 999_999, 1 * USD));
        pool.deposit(999_999, carol);
    }

    /// @dev The NAV a deposit prices at is the live one after the borrow accrual: shares equal the preview taken in
    ///      the same block, with open interest on both markets, fees accruing and prices moved.
    function test_deposit_pricesAtTheLiveNavWithOpenInterest() public {
        _deposit(dave, 500_000 * USD);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD);
        _open(bob, BTC, false, 4000 * USD, 30_000 * USD);
        _setPrice(ETH, 3100e18);
        _setPriceAfter(BTC, 59_000e18, 3600);
        _refreshPrices();
        uint256 preview = pool.previewDeposit(10_000 * USD);
        uint256 navBefore = pool.totalAssets();
        assertLt(navBefore, 500_000 * USD, "traders are in profit: NAV below the deposits");
        uint256 shares = _deposit(carol, 10_000 * USD);
        assertEq(shares, preview, "shares at the previewed NAV");
        assertEq(pool.totalAssets(), navBefore + 10_000 * USD, "NAV grows by the deposit exactly");
    }

    /// @dev `mint` charges the previewed assets (rounded up) and locks the new shares like a deposit.
    function test_mint_chargesThePreviewAndLocksTheShares() public {
        _deposit(dave, 100_000 * USD);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD);
        _setPrice(ETH, 2950e18);
        uint256 shares = 1000 * USD * 1e6;
        uint256 assets = pool.previewMint(shares);
        _mint(carol, assets);
        vm.expectEmit(address(pool));
        emit IERC4626.Deposit(carol, carol, assets, shares);
        vm.prank(carol);
        assertEq(pool.mint(shares, carol), assets);
        assertEq(usdc.balanceOf(carol), 0, "charged exactly the preview");
        assertEq(pool.balanceOf(carol), shares);
        assertEq(pool.lockedShares(carol), shares);
        assertEq(pool.withdrawableAt(carol), block.timestamp + 60);
    }

    function test_redeem_afterCooldownReturnsNav() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.SharesLocked.selector, carol, shares, 0, block.timestamp + 60)
        );
        pool.redeem(shares, carol, carol);
        assertEq(pool.maxRedeem(carol), 0);
        assertEq(pool.maxWithdraw(carol), 0);
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
            abi.encodeWithSelector(ILiquidityPool.SharesLocked.selector, carol, shares, 0, block.timestamp + 60)
        );
        pool.transfer(dave, shares);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.SharesLocked.selector, carol, shares, 0, block.timestamp + 60)
        );
        pool.requestRedeem(shares, carol, 0);
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

    /// @dev A top-up locks only the new shares: what was deposited before and has cooled down stays redeemable.
    function test_cooldown_locksOnlyNewShares() public {
        uint256 first = _deposit(carol, 10_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 second = _deposit(carol, 5000 * USD);
        assertEq(pool.lockedShares(carol), second);
        assertEq(pool.maxRedeem(carol), first, "the first deposit is free");
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.SharesLocked.selector, carol, first + 1, first, block.timestamp + 60)
        );
        pool.redeem(first + 1, carol, carol);
        vm.prank(carol);
        pool.redeem(first, carol, carol);
        assertEq(usdc.balanceOf(carol), 10_000 * USD);
        // A second deposit inside the cooldown joins the locked shares and restarts the cooldown for both.
        skip(30);
        _refreshPrices();
        uint256 third = _deposit(carol, 1000 * USD);
        assertEq(pool.lockedShares(carol), second + third);
        assertEq(pool.withdrawableAt(carol), block.timestamp + 60);
        skip(60);
        assertEq(pool.lockedShares(carol), 0);
        assertEq(pool.withdrawableAt(carol), 0);
    }

    /// @dev Nobody can keep another LP's deposit locked by depositing in their name (the fix of a griefing vector:
    ///      1 USD per cooldown period used to be enough); once the LP's cooldown is over a gift deposit locks only
    ///      itself.
    function test_cooldown_cannotBeExtendedByOthers() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        _mint(attacker, 10 * USD);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.ReceiverInCooldown.selector, carol, block.timestamp + 60));
        pool.deposit(1 * USD, carol);
        skip(61);
        _refreshPrices();
        vm.prank(attacker);
        uint256 gift = pool.deposit(1 * USD, carol);
        assertEq(pool.lockedShares(carol), gift, "only the gift is locked");
        assertEq(pool.maxRedeem(carol), shares, "carol's own shares stay free");
        vm.prank(carol);
        pool.redeem(shares, carol, carol);
    }

    /// Review AY: a dust deposit in carol's name at each cooldown's end kept a zap from ever depositing for her. A
    /// depositor carol approved deposits whatever cooldown runs (restarting it, as her own deposits do); an
    /// unapproved one is still refused, and a revoked one again.
    function test_setDepositor_approvedDepositorJoinsARunningCooldown() public {
        _deposit(dave, 1_000_000 * USD);
        address zap = makeAddr("zap");
        _mint(zap, 100_000 * USD);
        vm.prank(zap);
        usdc.approve(address(pool), type(uint256).max);
        _mint(attacker, 10 * USD);
        vm.prank(attacker);
        pool.deposit(1 * USD, carol); // starts carol's cooldown
        vm.prank(zap);
        assertEq(pool.maxDeposit(carol), 0, "unapproved: refused while the cooldown runs");
        vm.prank(zap);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.ReceiverInCooldown.selector, carol, block.timestamp + 60));
        pool.deposit(10_000 * USD, carol);

        vm.expectEmit(address(pool));
        emit ILiquidityPool.DepositorSet(carol, zap, true);
        vm.prank(carol);
        pool.setDepositor(zap, true);
        assertTrue(pool.isDepositor(carol, zap));
        skip(30);
        vm.prank(zap);
        assertEq(pool.maxDeposit(carol), _cashRoom(), "approved: maxDeposit says so");
        uint256 before = pool.lockedShares(carol);
        vm.prank(zap);
        uint256 shares = pool.deposit(10_000 * USD, carol);
        assertEq(pool.lockedShares(carol), before + shares, "joins the running cooldown");
        assertEq(pool.withdrawableAt(carol), block.timestamp + 60, "which restarts, as for carol's own deposits");

        vm.prank(carol);
        pool.setDepositor(zap, false);
        vm.prank(zap);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.ReceiverInCooldown.selector, carol, block.timestamp + 60));
        pool.deposit(10_000 * USD, carol);
        // the approval is carol's alone: the zap approved by carol is no depositor for dave
        assertFalse(pool.isDepositor(dave, zap));
    }

    /// Review AY: when free liquidity binds, maxRedeem converted it to shares at the NAV's high bound while a
    /// redemption pays at the low one, understating the exit by the band's share of it (0.69% of the free liquidity
    /// in the review's case). Now maxRedeem takes all of it, to one USD unit.
    function test_maxRedeem_atTheBoundRedemptionsPay() public {
        _deposit(carol, 10_000_000 * USD);
        _open(alice, ETH, true, 1_000_000 * USD, 7_000_000 * USD);
        skip(61);
        _setPrice(ETH, 3000e18);
        (uint256 low, uint256 high) = core.poolValueBoundsUsd();
        assertGt(high, low, "a band");
        uint256 maxShares = pool.maxRedeem(carol);
        assertLt(maxShares, pool.balanceOf(carol), "free liquidity binds");
        uint256 free = core.freeLiquidityUsd(); // nothing queued: all of it is an instant exit's
        assertLe(pool.previewRedeem(maxShares), free, "maxRedeem pays within the free liquidity");
        assertLe(free - pool.previewRedeem(maxShares), 1, "and leaves at most one USD unit of it unused");
        uint256 want = SharesMath.toAssetsDown(maxShares, pool.totalSupply(), low); // paid at the low bound
        vm.prank(carol);
        assertEq(pool.redeem(maxShares, carol, carol), want);
    }

    function test_withdraw_limitedToFreeLiquidity() public {
        _deposit(carol, 100_000 * USD);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD); // reserves 50,000 -> locks 55,556 at 90%
        skip(60);
        _refreshPrices();
        uint256 free = core.freeLiquidityUsd();
        assertEq(pool.maxWithdraw(carol), free);
        vm.prank(carol);
        vm.expectPartialRevert(ERC4626.ERC4626ExceededMaxWithdraw.selector);
        pool.withdraw(free + 1, carol, carol);
        vm.prank(carol);
        pool.withdraw(free, carol, carol);
        assertLe(core.poolState().reservedUsd, _poolCash() * 9000 / 10_000 + 1);
    }

    function test_queue_fillsInOrderAsLiquidityFrees() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        uint256 dShares = _deposit(dave, 40_000 * USD);
        _open(alice, ETH, true, 8000 * USD, 80_000 * USD);
        skip(60);
        _refreshPrices();

        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, carol, 0);
        vm.prank(dave);
        uint256 idD = pool.requestRedeem(dShares, dave, 0);
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
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 feesUsd = 80_000 * USD * (cfg.openFeeBps + cfg.closeFeeBps) / 10_000; // the LPs' income
        assertApproxEqAbs(usdc.balanceOf(carol) + usdc.balanceOf(dave), 100_000 * USD + feesUsd, 200 * USD);
    }

    /// P-23: the queue is first in, first out for instant exits too. Liquidity a position frees while a request waits
    ///       is the request's: a later LP's instant redemption or withdrawal may take only what the queued requests'
    ///       value leaves (maxRedeem and maxWithdraw say so), so the keeper's next fill pays the request. Before, the
    ///       later LP redeemed the freed liquidity first and the request kept waiting.
    function test_instantExit_waitsBehindTheQueue() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        _deposit(dave, 30_000 * USD);
        uint256 bShares = _deposit(bob, 10_000 * USD);
        _open(alice, ETH, true, 8000 * USD, 80_000 * USD);
        skip(60);
        _refreshPrices();
        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, carol, 0);
        pool.processQueue(10); // carol takes what is free now and waits for the rest
        uint256 waiting = pool.withdrawalRequest(idC).shares;
        assertGt(waiting, 0, "carol waits on liquidity");

        vm.prank(alice);
        engine.decreasePosition(ETH, true, 0, 20_000 * USD, 0); // frees about a quarter of the reserve
        uint256 freedUsd = core.freeLiquidityUsd();
        assertGt(freedUsd, 10_000 * USD, "more than bob's whole balance is free");
        assertLt(freedUsd, pool.previewRedeem(waiting), "less than carol still waits for");
        assertEq(pool.maxRedeem(bob), 0, "nothing is left for an instant exit");
        assertEq(pool.maxWithdraw(bob), 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, bob, bShares, 0));
        pool.redeem(bShares, bob, bob);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, bob, 1, 0));
        pool.withdraw(1, bob, bob);

        uint256 before = usdc.balanceOf(carol);
        pool.processQueue(10);
        assertGe(usdc.balanceOf(carol) - before, freedUsd - 1, "carol gets all that was freed");
        assertEq(core.freeLiquidityUsd(), 0);
    }

    /// P-23 (reviews S and X): only requests a keeper's fill left waiting on liquidity hold liquidity back from instant
    ///       exits, and a request that holds it takes it when the fill reaches it. A large LP's request with a minimum
    ///       no fill meets shut every instant exit (review S: 12M asked against 9.9M free, re-requested after each
    ///       refusal; review X: behind 20 dust requests, where the keeper's processQueue(20) left it waiting, block after
    ///       block). Such a minimum is now refused at the request, and one with the room it must leave is paid.
    function test_unpayableRequest_doesNotShutInstantExits() public {
        _deposit(carol, 10_000_000 * USD);
        uint256 bShares = _deposit(bob, 100_000 * USD);
        uint256 aShares = _deposit(attacker, 12_000_000 * USD);
        _open(alice, ETH, true, 2_000_000 * USD, 10_000_000 * USD);
        skip(60);
        _refreshPrices();
        uint256 value = pool.previewRedeem(aShares);
        uint256 free = core.freeLiquidityUsd();
        assertLt(free, value, "the request is worth more than is free");
        uint256 maxMin = _maxQueueMinimum(value);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, type(uint96).max, maxMin));
        pool.requestRedeem(aShares, attacker, type(uint96).max);
        vm.prank(attacker);
        uint256 id = pool.requestRedeem(aShares, attacker, maxMin);
        assertEq(pool.maxRedeem(bob), bShares, "bob may still leave at once: no fill has run since the request");
        pool.processQueue(10); // the fill reaches it: it takes what is free, pro rata above its minimum
        assertEq(usdc.balanceOf(attacker), free, "the request took all the free liquidity it could hold back");
        assertGt(pool.withdrawalRequest(id).shares, 0, "the rest waits");
        assertEq(core.freeLiquidityUsd(), 0);
    }

    /// P-23 (review T): a fill that stops at maxRequests, or calls with none, never clears the queue's hold on
    ///       liquidity. With waiting cleared whenever a fill ended with liquidity left, carol's request behind 20 dust
    ///       requests (the keeper calls processQueue(20)) let bob redeem 10,020 USD of the liquidity due to her.
    function test_fillStoppedByMaxRequests_keepsTheQueueFirst() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        _deposit(dave, 30_000 * USD);
        uint256 bShares = _deposit(bob, 10_000 * USD);
        uint256 aShares = _deposit(attacker, 1000 * USD);
        _open(alice, ETH, true, 8000 * USD, 80_000 * USD);
        skip(60);
        _refreshPrices();
        for (uint256 k; k < 20; ++k) {
            vm.prank(attacker);
            pool.requestRedeem(aShares / 1000, attacker, 0);
        }
        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, carol, 0);
        vm.prank(alice);
        engine.decreasePosition(ETH, true, 0, 20_000 * USD, 0);
        pool.processQueue(20); // the keeper service's call: the dust only
        pool.processQueue(0);
        assertEq(pool.withdrawalRequest(idC).shares, cShares, "carol not reached");
        assertGt(core.freeLiquidityUsd(), 10_000 * USD, "liquidity is free, and carol's");
        assertEq(pool.maxRedeem(bob), 0, "none of it for a later instant exit");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, bob, bShares, 0));
        pool.redeem(bShares, bob, bob);
    }

    /// P-91: the slippage-checked entry points (EIP-5143) pay exactly what the plain ones pay when the limit holds (at
    ///       the limit included) and revert VaultSlippageExceeded with both numbers one unit past it, moving nothing.
    function test_slippageChecked_entryPoints_holdTheirLimits() public {
        _deposit(dave, 500_000 * USD);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD);
        _setPriceAfter(ETH, 3100e18, 600);
        _mint(carol, 40_000 * USD);
        uint256 sharesOut = pool.previewDeposit(10_000 * USD);
        vm.startPrank(carol);
        usdc.approve(address(pool), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.VaultSlippageExceeded.selector, sharesOut, sharesOut + 1));
        pool.deposit(10_000 * USD, carol, sharesOut + 1);
        assertEq(pool.deposit(10_000 * USD, carol, sharesOut), sharesOut, "at the minimum: the plain deposit's shares");
        uint256 assetsIn = pool.previewMint(sharesOut);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.VaultSlippageExceeded.selector, assetsIn, assetsIn - 1));
        pool.mint(sharesOut, carol, assetsIn - 1);
        assertEq(pool.mint(sharesOut, carol, assetsIn), assetsIn, "at the maximum: the plain mint's assets");
        vm.stopPrank();
        vm.warp(block.timestamp + pool.cooldownSec());
        _refreshPrices();
        vm.startPrank(carol);
        uint256 sharesBurnt = pool.previewWithdraw(5000 * USD);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.VaultSlippageExceeded.selector, sharesBurnt, sharesBurnt - 1)
        );
        pool.withdraw(5000 * USD, carol, carol, sharesBurnt - 1);
        assertEq(pool.withdraw(5000 * USD, carol, carol, sharesBurnt), sharesBurnt, "at the maximum");
        uint256 assetsOut = pool.previewRedeem(sharesOut);
        uint256 walletBefore = usdc.balanceOf(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.VaultSlippageExceeded.selector, assetsOut, assetsOut + 1));
        pool.redeem(sharesOut, carol, carol, assetsOut + 1);
        assertEq(usdc.balanceOf(carol), walletBefore, "a refused redemption moves nothing");
        assertEq(pool.redeem(sharesOut, carol, carol, assetsOut), assetsOut, "at the minimum");
        vm.stopPrank();
    }

    /// A fill that would pay a request less than its minimum refuses it (the shares go back to the owner) and moves on
    /// to the requests behind it; the minimum holds pro rata, per share.
    function test_queue_fillBelowMinimum_refusedAndQueueMovesOn() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        uint256 dShares = _deposit(dave, 40_000 * USD);
        _open(alice, ETH, true, 4000 * USD, 20_000 * USD);
        skip(60);
        _refreshPrices();
        uint256 cValue = pool.previewRedeem(cShares);
        uint256 cMin = _maxQueueMinimum(cValue); // the most it may ask: 1 bp under its value now
        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, carol, cMin);
        // alice's long gains 10%: about 2% of the pool's value, past carol's room
        _setPriceAfter(ETH, _price(ETH) * 110 / 100, 1);
        uint256 cNow = pool.previewRedeem(cShares);
        assertLt(cNow, cMin, "carol's shares are now worth less than her minimum");
        uint256 dValue = pool.previewRedeem(dShares);
        uint256 dMin = _maxQueueMinimum(dValue);
        vm.prank(dave);
        uint256 idD = pool.requestRedeem(dShares, dave, dMin);
        // A fill pays at the low bound, at no wider a band than the request saw (P-89): each request's value at
        // max(low, NAV less its band), its shares' part of it rounded down (the virtual shares' part kept).
        uint256 cFill = _queueFillUsd(idC, cShares);
        uint256 dFill = _queueFillUsd(idD, dShares);
        assertGe(cFill, cNow);
        assertLt(cFill, cMin, "below carol's minimum at her band too");
        // (the minimum is kept per share, rounded up: the event reports it for the shares)
        vm.expectEmit(true, true, false, true, address(pool));
        emit ILiquidityPool.WithdrawalRefused(idC, carol, cShares, cFill, cMin);
        assertEq(pool.processQueue(10), 1, "dave's request filled");
        assertEq(pool.balanceOf(carol), cShares, "carol's shares returned");
        assertEq(usdc.balanceOf(carol), 0);
        assertEq(pool.withdrawalRequest(idC).shares, 0, "carol's request closed");
        assertEq(pool.withdrawalRequest(idD).shares, 0);
        assertEq(usdc.balanceOf(dave), dFill, "dave paid his shares' value at his band, above his minimum");
        assertGe(dFill, dValue);
        assertEq(pool.queuedShares(), 0);
    }

    /// @dev What a queue fill pays request `id` for `shares` now, from the documented rule.
    function _queueFillUsd(uint256 id, uint256 shares) internal view returns (uint256) {
        (uint256 nav, uint256 low,) = core.poolValueTermsUsd();
        uint256 band = pool.withdrawalRequest(id).bandBps;
        uint256 capped = nav - (nav * band + 9999) / 10_000;
        uint256 fill = capped > low ? capped : low;
        return shares * (fill + 1) / (pool.totalSupply() + 1e6);
    }

    /// Only a keeper fills the queue (whoever picks the moment of a fill could widen the LP band around it first),
    /// until the head request has waited KEEPERLESS_QUEUE_SEC: then anyone may (the keeper is down).
    function test_processQueue_keeperOnlyUntilTheHeadHasWaited() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        skip(60);
        _refreshPrices();
        vm.prank(carol);
        pool.requestRedeem(cShares, carol, 0);
        uint256 keeperlessAt = block.timestamp + pool.KEEPERLESS_QUEUE_SEC();
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.QueueKeeperOnly.selector, bob, keeperlessAt));
        vm.prank(bob);
        pool.processQueue(10);
        vm.warp(keeperlessAt);
        _refreshPrices();
        vm.prank(bob);
        assertEq(pool.processQueue(10), 1, "anyone fills once the head has waited");
        assertGt(usdc.balanceOf(carol), 59_000 * USD);
    }

    /// P-89: a head request that waits a day on free liquidity while the keeper runs does not open the queue to anyone
    ///       (a review's attacker held the liquidity the queue waited on, then freed it and filled the queue in one
    ///       transaction at a band it had widened with options: the queued LP lost 9,487 USD to the attacker's shares).
    ///       Only a day without a keeper's call does, counted from its last call.
    function test_processQueue_waitingOnLiquidity_staysKeeperOnlyWhileTheKeeperRuns() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        // alice's position reserves its maximum profit: most of the pool is not free
        _open(alice, ETH, true, 8000 * USD, 50_000 * USD);
        skip(60);
        _refreshPrices();
        vm.prank(carol);
        pool.requestRedeem(cShares, carol, 0);
        uint256 requestedAt = block.timestamp;
        pool.processQueue(10); // the keeper (this test): liquidity short, a partial fill at most
        assertGt(pool.queuedShares(), 0, "the request waits on liquidity");
        vm.warp(requestedAt + 20 hours);
        _refreshPrices();
        pool.processQueue(10); // the keeper's call while the request still waits
        uint256 keeperCallAt = block.timestamp;
        assertGt(pool.queuedShares(), 0);
        // a day after the request: the keeper ran 4 hours ago, so the queue is still the keeper's
        vm.warp(requestedAt + pool.KEEPERLESS_QUEUE_SEC());
        _refreshPrices();
        uint256 keeperlessAt = keeperCallAt + pool.KEEPERLESS_QUEUE_SEC();
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.QueueKeeperOnly.selector, bob, keeperlessAt));
        vm.prank(bob);
        pool.processQueue(10);
        // a day without a keeper's call: anyone may fill (alice closes, so the liquidity is free)
        _close(alice, ETH, true);
        vm.warp(keeperlessAt);
        _refreshPrices();
        vm.prank(bob);
        assertEq(pool.processQueue(10), 1, "anyone fills once the keeper has been silent a day");
        assertEq(pool.queuedShares(), 0);
    }

    /// @dev The queue-padding tests' start: carol (1M) and the attacker (1 USD) hold shares past the cooldown.
    function _queuePaddingSetup() internal returns (uint256 cShares, uint256 aShares) {
        cShares = _deposit(carol, 1_000_000 * USD);
        aShares = _deposit(attacker, 1000 * USD); // 400 requests of 2.50 (each at least the vault's minimum, P-103)
        skip(61);
        _refreshPrices();
    }

    /// @dev A review padded the queue with 1-share requests cancelled at once (they cost it no shares): each 20 of them
    ///      cost the keeper a processQueue(20) call before the real request behind them. Cancelled entries are now
    ///      stepped over without counting, up to MAX_SKIPPED_PER_CALL a call: 400 of them delay nothing.
    function test_processQueue_stepsOverCancelledEntriesWithoutCountingThem() public {
        (uint256 cShares, uint256 aShares) = _queuePaddingSetup();
        vm.startPrank(attacker);
        for (uint256 k; k < 400; ++k) {
            pool.cancelRedeem(pool.requestRedeem(aShares / 400, attacker, 0));
        }
        vm.stopPrank();
        assertEq(pool.balanceOf(attacker), aShares, "the padding cost the attacker no shares");
        vm.prank(carol);
        uint256 id = pool.requestRedeem(cShares / 10, carol, 0);
        assertEq(pool.processQueue(20), 1, "the real request fills in the keeper's first call");
        assertEq(pool.withdrawalRequest(id).shares, 0);
        (uint256 head,) = pool.queueBounds();
        assertEq(head, id + 1);

        // past MAX_SKIPPED_PER_CALL empty entries each further one counts: a call's reads stay bounded
        uint256 cap = pool.MAX_SKIPPED_PER_CALL();
        vm.startPrank(attacker);
        for (uint256 k; k < cap + 5; ++k) {
            pool.cancelRedeem(pool.requestRedeem(aShares / 400, attacker, 0));
        }
        vm.stopPrank();
        vm.prank(carol);
        uint256 id2 = pool.requestRedeem(cShares / 10, carol, 0);
        assertEq(pool.processQueue(4), 0, "1,000 skipped and 4 more counted: not there yet");
        (head,) = pool.queueBounds();
        assertEq(head, id + 1 + cap + 4);
        assertEq(pool.processQueue(4), 1);
        assertEq(pool.withdrawalRequest(id2).shares, 0);
    }

    /// @dev A later review padded it with requests refused when reached instead (1 share asking 1,000 USD: its share
    ///      comes back, no cancel needed), which counted in full: 400 of them still cost 21 calls. A refusal now counts
    ///      as 1/REFUSED_PER_REQUEST of a request. Such a request is refused at once now (review X: a request worth less
    ///      than the vault's minimum, or asking more than its value less 1 bp); here the NAV falls 2% after 400 requests
    ///      at the highest minimum allowed, so each is refused when reached.
    function test_processQueue_refusedPaddingCountsAnEighth() public {
        (uint256 cShares, uint256 aShares) = _queuePaddingSetup();
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestTooSmall.selector, 0, pool.minDepositAssets()));
        pool.requestRedeem(1, attacker, 0);
        _open(alice, ETH, true, 40_000 * USD, 200_000 * USD);
        uint256 value = pool.previewRedeem(aShares / 400);
        vm.startPrank(attacker);
        for (uint256 k; k < 400; ++k) {
            pool.requestRedeem(aShares / 400, attacker, _maxQueueMinimum(value));
        }
        vm.stopPrank();
        _setPriceAfter(ETH, _price(ETH) * 110 / 100, 1); // alice's long gains 20,000: 2% of the pool
        assertLt(pool.previewRedeem(aShares / 400), _maxQueueMinimum(value), "below every padding minimum");
        vm.prank(carol);
        uint256 id = pool.requestRedeem(cShares / 10, carol, 0);
        uint256 calls;
        while (pool.withdrawalRequest(id).shares > 0) {
            pool.processQueue(20);
            ++calls;
        }
        assertEq(calls, 400 / (20 * pool.REFUSED_PER_REQUEST()) + 1, "3 calls, not 21");
        assertEq(pool.balanceOf(attacker), aShares, "every padding share came back");
    }

    /// @dev EIP-4626: maxDeposit and maxMint never overstate and never revert. A review found them at the maximum
    ///      where a deposit reverts: to a receiver in its cooldown from anyone but the receiver (ReceiverInCooldown),
    ///      and reverting themselves while the NAV cannot be read.
    function test_maxDeposit_zeroWhereADepositWouldRevert_neverReverts() public {
        _deposit(carol, 100_000 * USD);
        _mint(bob, 1000 * USD);
        vm.prank(bob);
        usdc.approve(address(pool), type(uint256).max);
        vm.prank(bob);
        assertEq(pool.maxDeposit(carol), 0, "carol is in her cooldown: bob's deposit to her reverts");
        vm.prank(bob);
        vm.expectRevert();
        pool.deposit(100 * USD, carol);
        vm.prank(carol);
        assertEq(pool.maxDeposit(carol), _cashRoom(), "carol may add to her own");
        vm.prank(bob);
        assertEq(pool.maxMint(carol), 0);
        assertEq(pool.maxDeposit(address(pool)), 0, "the vault as receiver is refused");
        assertEq(pool.maxDeposit(address(0)), 0);
        skip(pool.cooldownSec());
        _refreshPrices();
        vm.prank(bob);
        assertEq(pool.maxDeposit(carol), _cashRoom(), "after the cooldown anyone may");
        // a NAV that cannot be read (a market with open interest and a price older than its max age): 0, no revert
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        skip(1 days);
        vm.expectRevert();
        pool.totalAssets();
        assertEq(pool.maxDeposit(bob), 0);
        assertEq(pool.maxMint(bob), 0);
        // and the withdrawal side the same (a review found these two reverted): carol's shares are past their cooldown
        assertEq(pool.maxWithdraw(carol), 0, "maxWithdraw: 0 while the NAV cannot be read");
        assertEq(pool.maxRedeem(carol), 0, "maxRedeem: 0 while the NAV cannot be read");
        assertEq(pool.maxRedeem(makeAddr("nobody")), 0, "an account without shares: 0");
        _refreshPrices();
        assertGt(pool.maxRedeem(carol), 0, "readable again");
    }

    /// @dev What the core's pool cash (64 bits) can still take.
    function _cashRoom() internal view returns (uint256) {
        return type(uint64).max - core.poolState().poolCashUsd;
    }

    /// @dev EIP-4626: maxDeposit and maxMint never overstate. The core keeps pool cash in 64 bits (1.8e13 USD): they
    ///      said uint256 max, and a deposit past the field reverted (SafeCast). Now a deposit of maxDeposit fills,
    ///      one unit more reverts, and maxMint's shares cost at most maxDeposit's assets.
    function test_maxDeposit_isWhatThePoolCashCanHold() public {
        _deposit(carol, 100_000 * USD);
        uint256 cash = core.poolState().poolCashUsd;
        uint256 room = pool.maxDeposit(bob);
        assertEq(room, uint256(type(uint64).max) - cash, "the cash field's room, from first principles");
        _mint(bob, room + 1);
        // one unit past it reverts where the core adds it to the cash field
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 64, cash + room + 1));
        pool.deposit(room + 1, bob);
        // maxMint's shares cost no more than maxDeposit's assets, and minting them fills
        uint256 shares = pool.maxMint(bob);
        assertLe(pool.previewMint(shares), room, "maxMint within maxDeposit");
        assertGt(pool.previewMint(shares) + 1e6, room, "and within a dollar of it");
        uint256 cost = pool.previewMint(shares);
        uint256 snap = vm.snapshotState();
        vm.prank(bob);
        assertEq(pool.mint(shares, bob), cost, "maxMint's shares mint at their preview");
        vm.revertToState(snap);
        vm.prank(bob);
        pool.deposit(room, bob);
        assertEq(core.poolState().poolCashUsd, type(uint64).max, "the field is full");
        assertEq(pool.maxDeposit(bob), 0, "nothing more fits");
        assertEq(pool.maxMint(bob), 0);
    }

    /// @dev maxDeposit and maxMint return 0, never revert, while the NAV cannot be read, whatever the supply: with no
    ///      shares yet maxDeposit skipped its NAV read, so under the core's lock it stated the room and maxMint reverted
    ///      reading the bounds (a review's finding).
    function test_maxDepositAndMint_zeroWhileTheNavCannotBeRead_evenWithNoShares() public {
        assertEq(pool.totalSupply(), 0);
        assertGt(pool.maxMint(bob), 0, "an empty vault takes deposits");
        vm.mockCallRevert(address(core), abi.encodeWithSelector(core.poolValueUsd.selector), "");
        vm.mockCallRevert(address(core), abi.encodeWithSelector(core.poolValueBoundsUsd.selector), "");
        assertEq(pool.maxDeposit(bob), 0);
        assertEq(pool.maxMint(bob), 0);
        vm.clearMockedCalls();
        assertGt(pool.maxDeposit(bob), 0, "readable again");
    }

    /// @dev P-23 (review X): a request is valued at the request as a fill values it. One worth less than the vault's
    ///      minimum deposit is refused (dust requests filled for nothing padded the queue), as is a minimum above its
    ///      value less QUEUE_MIN_ROOM_BPS; while the NAV cannot be valued (a stale price) a request is still taken, with
    ///      no minimum, so it can always be paid.
    function test_requestRedeem_valuedAtTheRequest() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 small = pool.previewWithdraw(pool.minDepositAssets()) - 2; // worth just under the minimum
        uint256 smallValue = pool.previewRedeem(small);
        assertLt(smallValue, pool.minDepositAssets());
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.RequestTooSmall.selector, smallValue, pool.minDepositAssets())
        );
        pool.requestRedeem(small, carol, 0);
        uint256 value = pool.previewRedeem(shares / 2);
        uint256 maxMin = _maxQueueMinimum(value);
        assertEq(maxMin, value - (value + 9999) / 10_000, "1 bp of room, rounded up");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, maxMin + 1, maxMin));
        pool.requestRedeem(shares / 2, carol, maxMin + 1);
        vm.prank(carol);
        pool.requestRedeem(shares / 2, carol, maxMin);
        // every price stale: no NAV, so no minimum (no fill can run before the prices return)
        _open(alice, ETH, true, 1000 * USD, 5000 * USD);
        skip(reader.marketConfig(ETH).maxPriceAgeSec + 1);
        vm.expectRevert();
        pool.previewRedeem(1e12);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, 1, 0));
        pool.requestRedeem(shares / 4, carol, 1);
        // (dust is still refused: counted at the first deposit's share price, 1e6 shares a unit)
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPool.RequestTooSmall.selector, 999_999, pool.minDepositAssets())
        );
        pool.requestRedeem(1e12 - 1, carol, 0);
        vm.prank(carol);
        uint256 id = pool.requestRedeem(shares / 4, carol, 0);
        assertEq(pool.withdrawalRequest(id).shares, shares / 4, "taken with no minimum");
    }

    /// @dev A queued request whose minimum is exactly what a fill pays is filled: its minimum is kept per share at 1e27
    ///      (rounded up) and taken back to assets rounded down at the fill. A review's odd-sized request for exactly its
    ///      previewRedeem was refused (both roundings up at 1e18 made the minimum 1 wei more than asked). The value is
    ///      recomputed here from the NAV's low bound and the supply (the vault's 1e6 virtual shares and 1 virtual unit).
    function testFuzz_queue_minimumExactlyTheValue_isFilled(uint256 sharesSeed, uint256 oddSeed) public {
        _deposit(carol, 10_000 * USD);
        _deposit(dave, 3333 * USD + bound(oddSeed, 0, 999_999));
        skip(pool.cooldownSec());
        _refreshPrices();
        uint256 shares = bound(sharesSeed, pool.convertToShares(2 * USD), pool.balanceOf(carol)); // past the minimum
        (uint256 low,) = core.poolValueBoundsUsd();
        uint256 value = shares * (low + 1) / (pool.totalSupply() + 1e6);
        assertEq(pool.previewRedeem(shares), value, "the value from first principles");
        // The most a request may ask is its value less QUEUE_MIN_ROOM_BPS (P-23), rounded against the request.
        uint256 maxMin = _maxQueueMinimum(value);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, maxMin + 1, maxMin));
        pool.requestRedeem(shares, carol, maxMin + 1);
        vm.prank(carol);
        uint256 id = pool.requestRedeem(shares, carol, maxMin);
        // The NAV fell to exactly the minimum: emulated by writing the stored minimum up to the fill's value (the
        // fill's arithmetic is what is tested; the request slot is requests[id] + 1: receiver, then minAssets).
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(id, uint256(8)))) + 1);
        vm.store(address(pool), slot, bytes32(uint256(uint160(carol)) | (value << 160)));
        assertEq(pool.withdrawalRequest(id).minAssets, value, "the stored minimum is the value");
        uint256 before = usdc.balanceOf(carol);
        assertEq(pool.processQueue(1), 1, "filled");
        assertEq(usdc.balanceOf(carol) - before, value, "paid exactly its minimum");
        assertEq(pool.withdrawalRequest(id).shares, 0);
    }

    /// @dev The Reader's queue view lists an owner's unfilled requests from the chain with what waits ahead of each:
    ///      recomputed here from the requests as queued, a cancelled one in between, and after a partial fill.
    function test_withdrawalQueue_listsOwnerRequestsWithWhatIsAhead() public {
        uint256 cShares = _deposit(carol, 60_000 * USD);
        uint256 dShares = _deposit(dave, 40_000 * USD);
        _open(alice, ETH, true, 8000 * USD, 80_000 * USD);
        skip(60);
        _refreshPrices();
        vm.startPrank(carol);
        uint256 c1 = pool.requestRedeem(cShares / 2, carol, 0);
        vm.stopPrank();
        vm.prank(dave);
        uint256 d1 = pool.requestRedeem(dShares / 4, dave, 0);
        vm.prank(dave);
        uint256 d2 = pool.requestRedeem(dShares / 4, bob, 0); // to another receiver
        vm.prank(carol);
        uint256 c2 = pool.requestRedeem(cShares / 4, carol, 0);
        vm.prank(dave);
        pool.cancelRedeem(d1);

        (Reader.QueuedRequestView[] memory cv, bool all) = reader.withdrawalQueue(carol, 100);
        assertTrue(all);
        assertEq(cv.length, 2);
        assertEq(cv[0].requestId, c1);
        assertEq(cv[0].aheadRequests, 0);
        assertEq(cv[0].aheadShares, 0);
        assertEq(cv[1].requestId, c2);
        assertEq(cv[1].aheadRequests, 2, "carol's first and dave's second; the cancelled one is gone");
        assertEq(cv[1].aheadShares, cShares / 2 + dShares / 4);
        (Reader.QueuedRequestView[] memory dv,) = reader.withdrawalQueue(dave, 100);
        assertEq(dv.length, 1);
        assertEq(dv[0].requestId, d2);
        assertEq(dv[0].receiver, bob);
        assertEq(dv[0].shares, dShares / 4);
        assertEq(dv[0].aheadShares, cShares / 2);

        pool.processQueue(10); // free liquidity fills part of the head
        uint256 headLeft = pool.withdrawalRequest(c1).shares;
        assertLt(headLeft, cShares / 2, "partly filled");
        (cv,) = reader.withdrawalQueue(carol, 100);
        assertEq(cv[0].shares, headLeft, "what is left of the head");
        assertEq(cv[1].aheadShares, headLeft + dShares / 4);

        (cv, all) = reader.withdrawalQueue(carol, 2); // a scan shorter than the queue says so
        assertFalse(all);
        assertEq(cv.length, 1);
    }

    function test_queue_cancelReturnsShares() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(60);
        vm.prank(carol);
        uint256 id = pool.requestRedeem(shares, carol, 0);
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

    /// P-116: with a market's price past its max age and interest open, the NAV cannot be valued: the ERC-4626 views
    /// that need it revert rather than return a number, and the limits say nothing can be done (0).
    function test_erc4626Views_revertWhileTheNavCannotBeValued() public {
        uint256 shares = _deposit(carol, 1_000_000 * USD);
        _open(alice, ETH, true, 10_000 * USD, 100_000 * USD);
        skip(reader.marketConfig(ETH).maxPriceAgeSec + 1);
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        pool.totalAssets();
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        pool.convertToAssets(shares);
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        pool.convertToShares(1000 * USD);
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        pool.previewRedeem(shares);
        assertEq(pool.maxRedeem(carol), 0);
        assertEq(pool.maxWithdraw(carol), 0);
        assertEq(pool.maxDeposit(carol), 0);
        _refreshPrices(); // a fresh price values it again
        assertGt(pool.convertToAssets(shares), 0);
    }

    function test_setCooldown_bounded() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.CooldownTooLong.selector, 8 days, 7 days));
        pool.setCooldown(8 days);
    }

    /// P-11 at any share price: a trader's round trip first moves it off 1:1 (its loss or gain is the LPs'), so the
    /// conversions' roundings run on uneven ratios.
    function testFuzz_depositRedeem_roundTripNeverGains(uint256 a, uint256 b, uint256 priceSeed) public {
        a = bound(a, 100_000 * USD, 10_000_000 * USD);
        b = bound(b, 1 * USD, 10_000_000 * USD);
        _deposit(carol, a);
        _open(alice, ETH, true, 5000 * USD, 50_000 * USD);
        _setPriceAfter(ETH, bound(priceSeed, 2800e18, 3200e18), 60);
        _close(alice, ETH, true);
        assertTrue(pool.convertToAssets(1e24) != 1e18, "the share price is off 1:1");
        uint256 shares = _deposit(dave, b);
        skip(60);
        vm.prank(dave);
        uint256 out = pool.redeem(shares, dave, dave);
        assertLe(out, b);
    }

    /// P-47: a queued request cannot name an unpayable zero receiver (or the vault itself).
    function test_requestRedeem_refusesZeroReceiver() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(61);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        pool.requestRedeem(shares, address(0), 0);
    }

    /// P-47: a receiver the token refuses never blocks the queue: its payout becomes the owner's claimable balance,
    ///       the requests behind it are filled, and the owner claims to another address.
    function test_queue_blockedReceiverDoesNotBlockOthers() public {
        address blocked = makeAddr("blocked");
        uint256 cShares = _deposit(carol, 10_000 * USD);
        uint256 dShares = _deposit(dave, 20_000 * USD);
        skip(61);
        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cShares, blocked, 0);
        vm.prank(dave);
        pool.requestRedeem(dShares, dave, 0);
        // The token refuses every transfer to `blocked` (a blocklisted address).
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(IERC20.transfer.selector, blocked), "blocked");
        uint256 expectedC = pool.convertToAssets(cShares);
        uint256 daveBefore = usdc.balanceOf(dave);
        vm.expectEmit(true, true, false, true, address(pool));
        emit ILiquidityPool.PayoutDeferred(idC, carol, blocked, expectedC);
        assertEq(pool.processQueue(10), 2, "both requests filled");
        assertEq(usdc.balanceOf(dave) - daveBefore, 20_000 * USD, "the request behind was paid");
        assertEq(pool.claimable(carol), expectedC, "carol's payout waits for her");
        assertEq(usdc.balanceOf(address(pool)), expectedC, "held by the vault, outside the NAV");
        assertEq(pool.totalAssets(), _poolCash(), "NAV excludes the held payout");
        vm.clearMockedCalls();
        address elsewhere = makeAddr("carol-2");
        vm.prank(carol);
        pool.claim(elsewhere);
        assertEq(usdc.balanceOf(elsewhere), expectedC);
        assertEq(pool.claimable(carol), 0);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.NothingToClaim.selector, carol));
        pool.claim(elsewhere);
    }

    /// P-48: a cooldown change never relocks shares whose cooldown had ended (the end is fixed at mint), and a stale
    ///       lock larger than the balance cannot underflow maxRedeem or transfers.
    function test_setCooldown_neverRelocksEndedCooldowns() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(61);
        vm.prank(carol);
        pool.transfer(dave, shares * 8 / 10); // the stale lock (all shares) now exceeds carol's balance
        vm.prank(admin);
        pool.setCooldown(7 days);
        assertEq(pool.lockedShares(carol), 0, "ended cooldowns stay ended");
        assertEq(pool.maxRedeem(carol), shares - shares * 8 / 10, "no underflow, all free");
        vm.prank(carol);
        pool.transfer(dave, 1);
        // New deposits take the new cooldown.
        uint256 fresh = _deposit(bob, 1000 * USD);
        assertEq(pool.lockedShares(bob), fresh);
        assertEq(pool.withdrawableAt(bob), block.timestamp + 7 days);
    }

    /// P-49: shares cannot be sent to the vault's own address, where they would be stuck (the queue escrows there only
    ///       through requestRedeem, which still works).
    function test_transfer_toTheVaultIsRefused() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(61);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(pool)));
        pool.transfer(address(pool), shares);
        vm.prank(carol);
        pool.approve(dave, shares);
        vm.prank(dave);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(pool)));
        pool.transferFrom(carol, address(pool), shares);
        vm.prank(carol);
        pool.requestRedeem(shares, carol, 0);
        assertEq(pool.balanceOf(address(pool)), shares, "the queue escrow still works");
    }

    /// P-49: nor minted to it (a review's finding: a deposit naming the vault as receiver left 100,000 USD of shares
    ///       there for good, outside any request).
    function test_depositAndMint_toTheVaultAreRefused() public {
        _mint(carol, 200_000 * USD);
        vm.startPrank(carol);
        usdc.approve(address(pool), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(pool)));
        pool.deposit(100_000 * USD, address(pool));
        uint256 shares = pool.previewDeposit(100_000 * USD);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(pool)));
        pool.mint(shares, address(pool));
        vm.stopPrank();
        assertEq(pool.balanceOf(address(pool)), 0);
        assertEq(usdc.balanceOf(carol), 200_000 * USD, "nothing taken");
    }

    /// P-49: nor are assets paid to the vault or the core, where they would be stuck outside every ledger (review BB:
    ///       a redemption naming the vault as receiver left 10,000 USD there for good, and the NAV fell by as much).
    function test_payouts_toTheVaultOrTheCoreAreRefused() public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(61);
        uint256 navBefore = pool.totalAssets();
        address[2] memory sinks = [address(pool), address(core)];
        for (uint256 i; i < 2; ++i) {
            vm.startPrank(carol);
            vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, sinks[i]));
            pool.redeem(shares, sinks[i], carol);
            vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, sinks[i]));
            pool.withdraw(1000 * USD, sinks[i], carol);
            vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, sinks[i]));
            pool.requestRedeem(shares, sinks[i], 0);
            vm.stopPrank();
        }
        assertEq(pool.balanceOf(carol), shares, "nothing burnt");
        assertEq(pool.totalAssets(), navBefore, "the NAV is whole");

        // A deferred payout cannot be claimed to them either.
        address blocked = makeAddr("blocked");
        vm.prank(carol);
        pool.requestRedeem(shares, blocked, 0);
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(IERC20.transfer.selector, blocked), "blocked");
        pool.processQueue(1);
        vm.clearMockedCalls();
        uint256 owed = pool.claimable(carol);
        assertGt(owed, 0);
        for (uint256 i; i < 2; ++i) {
            vm.prank(carol);
            vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, sinks[i]));
            pool.claim(sinks[i]);
        }
        assertEq(pool.claimable(carol), owed, "still owed");
        vm.prank(carol);
        pool.claim(carol);
        assertEq(usdc.balanceOf(carol), owed);
    }
}
