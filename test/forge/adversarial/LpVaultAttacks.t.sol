// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../../contracts/interfaces/ILiquidityPool.sol";
import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice The LP side (vault, core NAV, queue, cooldown) from the attacker's side: review BJ's probes, which held
///         on the landed code and stay as regressions (ERC-4626 previews and max* exact on a busy pool, first-depositor
///         inflation, dust round trips, every cooldown route, a refresh inside the LP band, a deposit around a
///         liquidation).
contract LpVaultAttacksTest is BaseTest {
    address internal attacker2 = makeAddr("attacker2");

    /// @dev A pool with both sides of ETH open, a BTC long, options open, a liquidation's gain vesting, time passed
    ///      since the last action (borrow and funding accrued virtually) and a moved price.
    function _busyPool() internal {
        _deposit(carol, 20_000_000 * USD);
        _deposit(dave, 3_000_000 * USD);
        _open(alice, ETH, true, 400_000 * USD, 4_000_000 * USD);
        _open(bob, ETH, false, 300_000 * USD, 1_500_000 * USD);
        _open(bob, BTC, true, 200_000 * USD, 1_000_000 * USD);
        _open(attacker2, ETH, true, 20_000 * USD, 400_000 * USD); // 20x: liquidated below
        uint256[] memory ids = _listBoards(ETH);
        options.refresh(ETH);
        _buyOption(bob, ids[0], 5, true, 200e18);
        _buyOption(bob, ids[1], 4, false, 100e18);
        vm.roll(block.number + 1);
        _setPrice(ETH, 2880e18); // -4%: attacker2's 20x long is liquidatable
        vm.prank(keeper);
        engine.liquidate(attacker2, ETH, true);
        assertGt(core.poolState().unvestedGainUsd, 0, "a gain vests");
        vm.roll(block.number + 1);
        skip(90);
        _refreshPrices();
        options.refresh(ETH);
        vm.roll(block.number + 1);
        skip(37);
        _refreshPrices();
    }

    // ------------------------------------------------------------ ERC-4626: previews equal the actions

    /// previewDeposit / previewMint / previewRedeem / previewWithdraw equal what the actions do, in the same block,
    /// on a busy pool (open interest on both sides, options, a vesting gain, accrued borrow and funding).
    function test_previews_equalTheActions_onABusyPool() public {
        _busyPool();
        uint256 snap = vm.snapshotState();

        uint256 amount = 1_234_567 * USD + 89;
        _mint(attacker, amount * 2);
        uint256 expectShares = pool.previewDeposit(amount);
        vm.prank(attacker);
        assertEq(pool.deposit(amount, attacker), expectShares, "deposit == previewDeposit");
        vm.revertToState(snap);

        uint256 mintShares = 987_654_321_987_654_321;
        uint256 expectAssets = pool.previewMint(mintShares);
        _mint(attacker, expectAssets);
        uint256 before = usdc.balanceOf(attacker);
        vm.prank(attacker);
        assertEq(pool.mint(mintShares, attacker), expectAssets, "mint == previewMint");
        assertEq(before - usdc.balanceOf(attacker), expectAssets, "mint takes what it says");
        vm.revertToState(snap);

        uint256 dShares = pool.balanceOf(dave) / 3;
        uint256 expectOut = pool.previewRedeem(dShares);
        assertLe(dShares, pool.maxRedeem(dave));
        vm.prank(dave);
        assertEq(pool.redeem(dShares, dave, dave), expectOut, "redeem == previewRedeem");
        vm.revertToState(snap);

        uint256 wAssets = 777_777 * USD + 7;
        uint256 expectBurn = pool.previewWithdraw(wAssets);
        uint256 sharesBefore = pool.balanceOf(dave);
        vm.prank(dave);
        assertEq(pool.withdraw(wAssets, dave, dave), expectBurn, "withdraw == previewWithdraw");
        assertEq(sharesBefore - pool.balanceOf(dave), expectBurn);
        vm.revertToState(snap);
    }

    /// maxRedeem and maxWithdraw are exact: the max goes through, one more unit reverts, with a request waiting on
    /// liquidity (the queue's hold) and a busy pool.
    function test_maxRedeemAndMaxWithdraw_exactWithAQueueHold() public {
        _busyPool();
        // utilisation up so that free liquidity binds, then carol queues part of her balance and a fill leaves it waiting
        _open(alice, BTC, false, 1_500_000 * USD, 9_000_000 * USD);
        vm.roll(block.number + 1);
        skip(61);
        _refreshPrices();
        options.refresh(ETH);
        uint256 half = pool.balanceOf(carol) / 2;
        vm.prank(carol);
        pool.requestRedeem(half, carol, 0);
        pool.processQueue(20);
        assertGt(pool.queuedShares(), 0, "carol waits on liquidity");
        // liquidity frees: part of it is held for carol's request
        _close(alice, BTC, false);
        uint256 free = core.freeLiquidityUsd();
        assertGt(free, 0, "liquidity freed");

        uint256 snap = vm.snapshotState();
        uint256 maxW = pool.maxWithdraw(dave);
        uint256 maxR = pool.maxRedeem(dave);
        emit log_named_uint("free", free);
        emit log_named_uint("maxWithdraw(dave)", maxW);
        emit log_named_uint("maxRedeem(dave)", maxR);
        if (maxW > 0) {
            vm.prank(dave);
            pool.withdraw(maxW, dave, dave);
            vm.revertToState(snap);
        }
        vm.prank(dave);
        vm.expectPartialRevert(ERC4626.ERC4626ExceededMaxWithdraw.selector);
        pool.withdraw(maxW + 1, dave, dave);
        if (maxR > 0) {
            vm.prank(dave);
            pool.redeem(maxR, dave, dave);
            vm.revertToState(snap);
        }
        if (maxR < pool.balanceOf(dave)) {
            vm.prank(dave);
            vm.expectPartialRevert(ERC4626.ERC4626ExceededMaxRedeem.selector);
            pool.redeem(maxR + 1, dave, dave);
        }
        // the keeper's fill then pays the request what it held
        (, uint256 freeAfterQueue,) = pool.redemptionLimits(1);
        uint256 hold = free - freeAfterQueue;
        uint256 carolBefore = usdc.balanceOf(carol);
        pool.processQueue(20);
        if (pool.queuedShares() > 0) {
            assertGe(usdc.balanceOf(carol) - carolBefore + 1, hold, "the hold went to the request");
        } else {
            assertLe(usdc.balanceOf(carol) - carolBefore, hold, "the request was worth at most what it held");
        }
    }

    // ------------------------------------------------------------ rounding

    /// Many one-unit withdrawals, one-share redemptions and minimum deposits on a busy pool: the attacker never gets
    /// back more than it put in, and the share price (NAV per share) never falls.
    function testFuzz_dustFlowsNeverGainAndNeverDilute(uint256 seed) public {
        _busyPool();
        vm.prank(admin);
        pool.setCooldown(0);
        uint256 putIn = 5 * USD;
        _mint(attacker, putIn);
        vm.prank(attacker);
        pool.deposit(putIn, attacker);
        skip(1);
        _refreshPrices();
        options.refresh(ETH);
        uint256 priceBefore = _sharePriceWad();
        for (uint256 i; i < 30; ++i) {
            uint256 action = uint256(keccak256(abi.encode(seed, i))) % 3;
            if (action == 0 && pool.maxWithdraw(attacker) > 0) {
                vm.prank(attacker);
                pool.withdraw(1 + uint256(keccak256(abi.encode(seed, i, 1))) % 3, attacker, attacker);
            } else if (action == 1 && pool.balanceOf(attacker) > 0) {
                uint256 s = 1 + uint256(keccak256(abi.encode(seed, i, 2))) % 2_000_000;
                if (s > pool.balanceOf(attacker)) s = pool.balanceOf(attacker);
                vm.prank(attacker);
                pool.redeem(s, attacker, attacker);
            } else {
                _mint(attacker, 1 * USD);
                putIn += 1 * USD;
                vm.prank(attacker);
                pool.deposit(1 * USD, attacker);
            }
            uint256 priceNow = _sharePriceWad();
            assertGe(priceNow, priceBefore, "an LP flow never lowers the share price");
            priceBefore = priceNow;
        }
        uint256 left = pool.balanceOf(attacker);
        if (left > 0) {
            vm.prank(attacker);
            pool.redeem(left, attacker, attacker);
        }
        assertLe(usdc.balanceOf(attacker), putIn, "no gain from dust flows");
    }

    function _sharePriceWad() internal view returns (uint256) {
        return (core.poolValueUsd() + 1) * 1e30 / (pool.totalSupply() + 1e6);
    }

    // ------------------------------------------------------------ first depositor

    /// The first LP deposits the minimum, then loses trading fees to the pool (its own trades need other LPs' reserve,
    /// so it must also be the big LP); a later victim deposit loses at most a unit to rounding. Attacker accounts
    /// combined make no profit.
    function test_firstDepositor_cannotInflateAgainstAVictim() public {
        _mint(attacker, 1 * USD);
        vm.prank(attacker);
        pool.deposit(1 * USD, attacker);
        assertEq(pool.balanceOf(attacker), 1e12, "1e12 shares per USD");
        // the same account is also a trader, losing fees to the pool: needs liquidity to back it -> its other account
        _deposit(attacker2, 2_000_000 * USD);
        uint256 spent = 1 * USD + 2_000_000 * USD;
        for (uint256 i; i < 3; ++i) {
            _open(attacker, ETH, true, 100_000 * USD, 1_000_000 * USD);
            spent += 100_000 * USD;
            _close(attacker, ETH, true);
        }
        // victim deposits an awkward amount
        uint256 v = 333_333 * USD + 1;
        uint256 vShares = _deposit(carol, v);
        skip(61);
        _refreshPrices();
        uint256 victimValue = pool.previewRedeem(vShares);
        emit log_named_uint("victim value after deposit", victimValue);
        assertGe(victimValue + 2, v, "the victim loses at most rounding");
        // attacker's accounts redeem everything
        uint256 a1 = pool.balanceOf(attacker);
        uint256 a2 = pool.balanceOf(attacker2);
        vm.prank(attacker);
        pool.redeem(a1, attacker, attacker);
        vm.prank(attacker2);
        pool.redeem(a2, attacker2, attacker2);
        uint256 got = usdc.balanceOf(attacker) + usdc.balanceOf(attacker2);
        emit log_named_int("attacker net", int256(got) - int256(spent));
        assertLe(got, spent, "no profit across the attacker's accounts");
    }

    // ------------------------------------------------------------ cooldown

    /// Every route out of fresh shares is refused while the cooldown runs: transfer, transferFrom by an approved
    /// spender, a queue request, redeem and withdraw (own or through an allowance), a mint then a transfer, and a
    /// deposit into a second account (that account's shares lock).
    function test_cooldown_everyRouteRefused() public {
        _deposit(carol, 1_000_000 * USD);
        uint256 shares = _deposit(attacker, 100_000 * USD);
        vm.prank(attacker);
        pool.approve(attacker2, type(uint256).max);

        vm.startPrank(attacker);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.transfer(attacker2, 1);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.requestRedeem(shares, attacker, 0);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.redeem(shares, attacker, attacker);
        vm.expectRevert(); // ERC4626ExceededMaxWithdraw: none unlocked
        pool.withdraw(1, attacker, attacker);
        vm.stopPrank();

        vm.startPrank(attacker2);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.transferFrom(attacker, attacker2, 1);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.redeem(1e6, attacker2, attacker);
        vm.expectRevert();
        pool.withdraw(1, attacker2, attacker);
        vm.stopPrank();

        // mint route
        _mint(attacker, 10_000 * USD);
        vm.startPrank(attacker);
        pool.mint(1e15, attacker);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.transfer(attacker2, 1);
        vm.stopPrank();

        // depositing for a second (fresh) account locks that account's shares
        _mint(attacker, 10_000 * USD);
        vm.prank(attacker);
        uint256 s2 = pool.deposit(10_000 * USD, attacker2);
        assertEq(pool.lockedShares(attacker2), s2);
        vm.prank(attacker2);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.redeem(s2, attacker2, attacker2);

        // a cooldown cut after the deposit does not unlock it early; a raise does not relock
        vm.prank(admin);
        pool.setCooldown(0);
        vm.prank(attacker);
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.transfer(attacker2, 1);
    }

    /// A request cancelled and re-made, or shares bounced through the escrow, never unlock fresh shares: only
    /// cooled-down shares enter the queue and the cancel returns exactly them.
    function test_cooldown_queueRoundTripDoesNotUnlockFreshShares() public {
        _deposit(carol, 1_000_000 * USD);
        uint256 old = _deposit(attacker, 100_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 fresh = _deposit(attacker, 50_000 * USD);
        vm.startPrank(attacker);
        uint256 id = pool.requestRedeem(old, attacker, 0);
        pool.cancelRedeem(id);
        assertEq(pool.lockedShares(attacker), fresh, "the fresh shares stay locked");
        vm.expectPartialRevert(ILiquidityPool.SharesLocked.selector);
        pool.requestRedeem(old + 1, attacker, 0);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ options refresh: the band brackets the refreshed NAV

    /// An LP who sees the keeper's (or its own, permissionless) refresh coming gains nothing: the NAV the refresh
    /// computes exactly lies within the band the expansion priced LP flows at just before it, fuzzed over a move
    /// within the cache's range, the time since the last refresh and which options are open.
    function testFuzz_refreshLandsWithinTheBand(uint256 moveSeed, uint256 dtSeed, uint256 bookSeed) public {
        _deposit(carol, 200_000_000 * USD);
        uint256[] memory ids = _listBoards(ETH);
        options.refresh(ETH);
        for (uint256 i; i < 4; ++i) {
            uint256 r = uint256(keccak256(abi.encode(bookSeed, i)));
            uint256 board = ids[r % ids.length];
            uint256 k = (r >> 8) % 11;
            bool isCall = (r >> 16) % 2 == 0;
            _tryBuy(bob, board, k, isCall, (100 + (r >> 24) % 900) * 1e18);
        }
        vm.roll(block.number + 1);
        _setPriceAtBoundary(ETH, 3000e18, 1); // a fresh sampling interval
        options.refresh(ETH); // the keeper's refresh after the buys (a dirty book holds LP flows)
        // at least one buy went through (an empty book would make the band's check below trivially true)
        assertGt(options.book(ETH).valueWad, 0, "options are open");
        vm.roll(block.number + 1);
        uint256 dt = bound(dtSeed, 1, reader.marketConfig(ETH).sampleIntervalSec - 3);
        int256 moveBps = int256(bound(moveSeed, 0, 160)) - 80; // within the cache's range at most
        uint256 p = uint256(int256(3000e18) * (10_000 + moveBps) / 10_000);
        _setPriceAfter(ETH, p, dt);
        vm.roll(block.number + 1);
        (uint256 low, uint256 high) = _boundsOrSkip();
        if (high == 0) {
            // LP flows wait for the keeper's refresh (P-76): nothing to time. Only a stale book may hold them.
            assertTrue(
                options.staleness(ETH) != IOptionsBook.Staleness.Fresh, "only a stale options book holds LP flows"
            );
            return;
        }
        options.refresh(ETH);
        vm.roll(block.number + 1);
        uint256 navAfter = core.poolValueUsd();
        assertLe(low, navAfter, "the refresh never lands below the redemption bound");
        assertGe(high, navAfter, "the refresh never lands above the deposit bound");
    }

    function _tryBuy(address who, uint256 board, uint256 k, bool isCall, uint256 amountWad) internal {
        try options.quote(board, k, isCall, true, amountWad) returns (IOptionsBook.Quote memory q) {
            _mint(who, q.premiumUsd);
            vm.prank(who);
            try options.buy(board, k, isCall, amountWad, q.premiumUsd) {} catch {}
        } catch {}
    }

    function _boundsOrSkip() internal view returns (uint256, uint256) {
        try core.poolValueBoundsUsd() returns (uint256 l, uint256 h) {
            return (l, h);
        } catch {
            return (0, 0);
        }
    }

    // ------------------------------------------------------------ liquidation JIT

    /// A large LP deposit in the block of a known liquidation (the attacker's own doomed position and keeper), redeemed
    /// after it: across the attacker's accounts (LP, trader, keeper) no profit, and carol ends no worse than without.
    function test_depositAroundALiquidation_noProfit() public {
        _deposit(carol, 5_000_000 * USD);
        vm.prank(admin);
        pool.setCooldown(0);
        _open(attacker2, ETH, true, 50_000 * USD, 1_000_000 * USD); // 20x
        vm.roll(block.number + 1);
        _setPrice(ETH, 2880e18); // -4%: liquidatable, equity left
        assertTrue(reader.positionStatus(attacker2, ETH, true).liquidatable);
        uint256 snap = vm.snapshotState();
        vm.prank(attacker);
        engine.liquidate(attacker2, ETH, true);
        skip(1);
        _refreshPrices();
        uint256 carolControl = pool.previewRedeem(pool.balanceOf(carol));
        vm.revertToState(snap);

        uint256 spent = 50_000 * USD + 20_000_000 * USD;
        uint256 sh = _deposit(attacker, 20_000_000 * USD);
        vm.prank(attacker);
        engine.liquidate(attacker2, ETH, true);
        skip(1);
        _refreshPrices();
        vm.prank(attacker);
        pool.redeem(sh, attacker, attacker);
        uint256 got = usdc.balanceOf(attacker) + usdc.balanceOf(attacker2);
        emit log_named_int("attacker net", int256(got) - int256(spent));
        uint256 carolAttacked = pool.previewRedeem(pool.balanceOf(carol));
        emit log_named_int("carol against the control", int256(carolAttacked) - int256(carolControl));
        assertGe(carolAttacked, carolControl, "carol ends no worse than without the deposit");
        assertLe(got, spent + 50_000 * USD, "sanity");
        // compare with the control: attacker's accounts without the deposit
        vm.revertToState(snap);
        vm.prank(attacker);
        engine.liquidate(attacker2, ETH, true);
        uint256 gotControl = usdc.balanceOf(attacker) + usdc.balanceOf(attacker2);
        emit log_named_int(
            "deposit's gain over the control", int256(got) - int256(gotControl) - int256(20_000_000 * USD)
        );
        assertLe(got, gotControl + 20_000_000 * USD, "the deposit round trip takes nothing of the liquidation");
    }

    // ------------------------------------------------------------ events

    /// A partial queue fill, a refusal and an instant redemption: every event's amounts equal the tokens and shares
    /// that moved.
    function test_events_reportWhatMoved() public {
        uint256 cs = _deposit(carol, 1_000_000 * USD);
        uint256 ds = _deposit(dave, 500_000 * USD);
        _open(alice, ETH, true, 100_000 * USD, 1_200_000 * USD);
        skip(61);
        _refreshPrices();
        vm.prank(carol);
        uint256 idC = pool.requestRedeem(cs, carol, 0);
        uint256 value = pool.previewRedeem(ds);
        uint256 minD = _maxQueueMinimum(value);
        vm.prank(dave);
        pool.requestRedeem(ds, dave, minD);
        uint256 supplyBefore = pool.totalSupply();
        uint256 carolUsd = usdc.balanceOf(carol);
        vm.recordLogs();
        pool.processQueue(10);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 burned;
        uint256 paid;
        bytes32 filledSig = keccak256("WithdrawalFilled(uint256,address,address,uint256,uint256,uint256)");
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(pool) && logs[i].topics[0] == filledSig) {
                (, uint256 shares, uint256 assets, uint256 remaining) =
                    abi.decode(logs[i].data, (address, uint256, uint256, uint256));
                burned += shares;
                paid += assets;
                assertEq(remaining, pool.withdrawalRequest(uint256(logs[i].topics[1])).shares);
            }
        }
        assertEq(supplyBefore - pool.totalSupply(), burned, "shares burned as reported");
        assertEq(usdc.balanceOf(carol) - carolUsd, paid, "assets paid as reported");
        assertGt(pool.withdrawalRequest(idC).shares, 0, "partial");
    }
}
