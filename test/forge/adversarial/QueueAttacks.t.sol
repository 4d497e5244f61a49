// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../../contracts/interfaces/ILiquidityPool.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Items 7 and 8 of the value-leaks issue, from the attacker's side: requests whose receivers the token
///         refuses are spread through the withdrawal queue to block it, and a cooldown change is used to trap LPs.
contract QueueAttacksTest is BaseTest {
    /// However many unpayable requests an attacker interleaves with honest ones, one processQueue pass pays every
    /// honest LP exactly its request's value; the attacker's payouts wait as claimable balances (outside the NAV),
    /// worth no more than their shares were.
    function testFuzz_unpayableRequestsNeverBlockTheQueue(uint256 layoutSeed, uint256 countSeed) public {
        uint256 n = bound(countSeed, 2, 12);
        address blocked = makeAddr("blocked");
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(IERC20.transfer.selector, blocked), "blocked");
        address[] memory owners = new address[](n);
        uint256[] memory shares = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            owners[i] = makeAddr(string.concat("lp", vm.toString(i)));
            shares[i] = _deposit(owners[i], (1000 + 250 * i) * USD);
        }
        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        bool[] memory attack = new bool[](n);
        for (uint256 i; i < n; ++i) {
            attack[i] = uint256(keccak256(abi.encode(layoutSeed, i))) % 3 == 0;
            vm.prank(owners[i]);
            pool.requestRedeem(shares[i], attack[i] ? blocked : owners[i], 0);
        }
        uint256[] memory fair = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            fair[i] = pool.convertToAssets(shares[i]);
        }
        assertEq(pool.processQueue(n), n, "every request filled in one pass");
        for (uint256 i; i < n; ++i) {
            uint256 paid = usdc.balanceOf(owners[i]) + pool.claimable(owners[i]);
            assertLe(paid, fair[i] + 1, "no request is worth more than its shares");
            assertGe(paid + 2, fair[i], "and every one gets its value, paid or claimable");
            if (attack[i]) assertEq(usdc.balanceOf(owners[i]), 0, "an unpayable request waits as a claim");
            else assertEq(pool.claimable(owners[i]), 0, "an honest request is paid in the pass");
        }
        assertEq(pool.totalAssets(), _poolCash(), "claimable payouts are outside the NAV");
    }

    /// Raising the cooldown to its maximum never relocks shares whose cooldown had ended, whoever holds them.
    function testFuzz_cooldownChangeNeverTrapsUnlockedShares(uint256 waitSeed, uint256 cooldownSeed) public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(bound(waitSeed, pool.cooldownSec() + 1, 30 days));
        _refreshPrices();
        vm.prank(admin);
        pool.setCooldown(bound(cooldownSeed, 0, 7 days));
        assertEq(pool.lockedShares(carol), 0, "ended cooldowns stay ended");
        assertEq(pool.maxRedeem(carol), shares, "all of it redeemable");
    }

    /// P-23 and P-103 (review X): an LP queued 20 one-share requests (each filled for nothing) and then a request whose
    /// minimum no fill meets; the keeper's processQueue(20) filled the dust and left the large request waiting, so it
    /// held 4.77M of free liquidity back from every instant exit, re-placed each block for 20 shares (0 USD) and gas,
    /// and was refused (its shares returned) whenever a fill reached it. Now a request is worth at least the vault's
    /// minimum and its minimum leaves room (QUEUE_MIN_ROOM_BPS): the padding costs real requests, and the held request, once reached,
    /// takes the liquidity it held (the attacker exits at the NAV, which is what the queue is for).
    function testFuzz_requestBehindPadding_takesWhatItHolds(uint256 freeSeed, uint256 paddingSeed) public {
        address attacker2 = makeAddr("attacker2");
        _deposit(carol, 10_000_000 * USD);
        uint256 bShares = _deposit(bob, 100_000 * USD);
        uint256 aShares = _deposit(attacker, 12_000_000 * USD);
        uint256 pShares = _deposit(attacker2, 1000 * USD);
        _open(alice, ETH, true, 2_800_000 * USD, bound(freeSeed, 10_000_000, 14_000_000) * USD);
        skip(60);
        _refreshPrices();
        // dust is refused outright
        vm.prank(attacker2);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestTooSmall.selector, 0, pool.minDepositAssets()));
        pool.requestRedeem(1, attacker2, 0);
        // the padding: 20 requests of the smallest allowed value or more
        uint256 each = pool.previewWithdraw(bound(paddingSeed, 1, 50) * USD); // worth that at the fill's value
        vm.startPrank(attacker2);
        for (uint256 k; k < 20; ++k) {
            pool.requestRedeem(each, attacker2, 0);
        }
        vm.stopPrank();
        uint256 value = pool.previewRedeem(aShares);
        uint256 maxMin = _maxQueueMinimum(value);
        vm.startPrank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, type(uint96).max, maxMin));
        pool.requestRedeem(aShares, attacker, type(uint96).max);
        uint256 id = pool.requestRedeem(aShares, attacker, maxMin);
        vm.stopPrank();
        pool.processQueue(20); // the keeper: the padding only
        uint256 free = core.freeLiquidityUsd();
        assertGt(free, 0, "liquidity is free");
        assertEq(pool.maxRedeem(bob), 0, "held for the request ahead of bob (first in, first out)");
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
        free = core.freeLiquidityUsd();
        pool.processQueue(20); // the keeper's next call reaches it
        assertGe(usdc.balanceOf(attacker), free, "the request took every dollar it held back");
        assertGt(pool.withdrawalRequest(id).shares, 0, "and waits for the rest");
        assertEq(pool.balanceOf(attacker), 0, "nothing was refused back to it");
        assertEq(bShares, pool.balanceOf(bob));
        assertGe(pool.balanceOf(attacker2) + 20 * each, pShares, "the padding's shares were paid, not kept");
    }

    /// P-23 (review Y): the hold without the take, by cancel. Between two keeper fills the attacker queued 20 paid
    /// padding requests and a second tranche of its shares, then cancelled the tranche the last fill had left waiting:
    /// a cancel only capped `waiting` at what was left queued, so the hold passed to the new tranche, which the next
    /// processQueue(20) left waiting behind the padding; every block, 5.4M of free liquidity held back from every
    /// instant exit and not a dollar taken. Now a cancel releases exactly its own shares, and only if the last fill
    /// left it waiting: the new tranche holds nothing until a fill passes it.
    function test_cancelAfterRequeue_releasesTheHold() public {
        address tranche2 = makeAddr("tranche2");
        address padder = makeAddr("padder");
        _deposit(carol, 10_000_000 * USD);
        uint256 bShares = _deposit(bob, 100_000 * USD);
        uint256 sA = _deposit(attacker, 10_000_000 * USD);
        uint256 sB = _deposit(tranche2, 10_000_000 * USD);
        _deposit(padder, 1000 * USD);
        _open(alice, ETH, true, 3_500_000 * USD, 20_000_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 each = pool.previewWithdraw(2 * USD);
        vm.startPrank(padder);
        for (uint256 k; k < 20; ++k) {
            pool.requestRedeem(each, padder, 0);
        }
        vm.stopPrank();
        vm.prank(attacker);
        uint256 idA = pool.requestRedeem(sA, attacker, 0);
        pool.processQueue(20); // the keeper: the padding only; tranche A waits
        assertGt(core.freeLiquidityUsd(), 0, "liquidity is free");
        assertEq(pool.maxRedeem(bob), 0, "held for tranche A, ahead of bob");
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
        // the attacker's next transaction: queue tranche B, then cancel A
        vm.prank(tranche2);
        pool.requestRedeem(sB, tranche2, 0);
        vm.prank(attacker);
        pool.cancelRedeem(idA);
        assertEq(pool.balanceOf(attacker), sA, "A's shares are back");
        assertEq(pool.maxRedeem(bob), bShares, "the hold went with A: B, queued after the fill, holds nothing");
        vm.prank(bob);
        assertGt(pool.redeem(bShares, bob, bob), 99_000 * USD, "bob left at once");
    }

    /// @dev `waiting` (packed after the supply in slot 7) and `waitingEnd` (slot 15), read from storage.
    function _waiting() internal view returns (uint256) {
        return uint256(vm.load(address(pool), bytes32(uint256(7)))) >> 112 & type(uint112).max;
    }

    function _waitingEnd() internal view returns (uint256) {
        return uint256(vm.load(address(pool), bytes32(uint256(15))));
    }

    /// P-23 (review Z): random requests, cancels, fills (any batch) and positions moving the free liquidity to and from
    /// 0: the hold `waiting` always equals the shares still pending in the requests the last fill left queued (those
    /// below `waitingEnd`), recomputed request by request, and never exceeds the queued shares.
    function testFuzz_waitingMatchesTheRequestsItCounts(uint256 seed) public {
        address[4] memory lps = [makeAddr("l0"), makeAddr("l1"), makeAddr("l2"), makeAddr("l3")];
        _deposit(carol, 1_000_000 * USD);
        for (uint256 k; k < 4; ++k) {
            _deposit(lps[k], 200_000 * USD);
        }
        skip(61);
        _refreshPrices();
        bool open;
        for (uint256 step; step < 40; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = r % 5;
            address lp = lps[(r >> 8) % 4];
            if (op == 0 || op == 4) {
                uint256 sh = pool.balanceOf(lp) * (1 + (r >> 16) % 60) / 100;
                if (sh > 0 && pool.previewRedeem(sh) >= 2 * USD) {
                    vm.prank(lp);
                    pool.requestRedeem(sh, lp, 0);
                }
            } else if (op == 1) {
                (uint256 h, uint256 t) = pool.queueBounds();
                if (t > h) {
                    uint256 id = h + (r >> 24) % (t - h);
                    ILiquidityPool.WithdrawalRequest memory q = pool.withdrawalRequest(id);
                    if (q.shares > 0) {
                        vm.prank(q.owner);
                        pool.cancelRedeem(id);
                    }
                }
            } else if (op == 2) {
                pool.processQueue((r >> 32) % 4);
                (, uint256 tail) = pool.queueBounds();
                assertEq(_waitingEnd(), tail, "a fill leaves every queued request waiting");
                assertEq(_waiting(), pool.queuedShares());
            } else if (!open) {
                uint256 size = core.freeLiquidityUsd() * (80 + (r >> 40) % 60) / 100;
                if (size > 10_000 * USD) {
                    _mint(alice, size);
                    vm.startPrank(alice);
                    usdc.approve(address(engine), type(uint256).max);
                    try engine.increasePosition(ETH, true, size / 4, size, MAX_PRICE) {
                        open = true;
                    } catch {}
                    vm.stopPrank();
                }
            } else {
                _close(alice, ETH, true);
                open = false;
            }
            skip(2);
            _refreshPrices();
            (uint256 h2, uint256 t2) = pool.queueBounds();
            uint256 sum;
            for (uint256 id = h2; id < _waitingEnd() && id < t2; ++id) {
                sum += pool.withdrawalRequest(id).shares;
            }
            assertEq(_waiting(), sum, "the hold is the pending shares the last fill left queued");
            assertLe(_waiting(), pool.queuedShares());
        }
    }

    /// @dev Ten minutes on, with nothing free, dave queues all his shares at the pool form's 2% minimum (counted at
    ///      once: a fill then would leave it waiting); ten minutes later the attacker cuts its long by 360,000 and
    ///      takes what it can instantly in the same block. Returns dave's request, its value and the attacker's exit.
    function _daveQueuesThenAttackerFreesAndExits(uint256 dShares)
        internal
        returns (uint256 id, uint256 dValue, uint256 exitUsd)
    {
        skip(600);
        _refreshPrices();
        dValue = pool.previewRedeem(dShares);
        vm.prank(dave);
        id = pool.requestRedeem(dShares, dave, dValue * 98 / 100);
        assertEq(_waitingEnd(), id + 1, "every pending request counted at once");
        assertEq(_waiting(), pool.queuedShares());
        skip(600);
        _refreshPrices();
        vm.prank(attacker);
        engine.decreasePosition(ETH, true, 0, 360_000 * USD, 0);
        uint256 maxR = pool.maxRedeem(attacker);
        if (maxR > 0) {
            vm.prank(attacker);
            exitUsd = pool.redeem(maxR, attacker, attacker);
        }
    }

    /// P-23 (review AE): with nothing free the keeper calls only every heartbeat (an hour), so a request made then held
    /// nothing until the next fill: a trader who freed liquidity took it with an instant exit in the same transaction,
    /// ahead of the earlier request (100,382 USD ahead of an honest 300,096 request, which was paid 205,070). A request
    /// made while nothing is free behind only counted ones now holds its place at once.
    function test_requestWhileNothingFree_holdsItsPlaceAtOnce() public {
        _deposit(carol, 600_000 * USD);
        uint256 dShares = _deposit(dave, 300_000 * USD);
        uint256 aShares = _deposit(attacker, 100_000 * USD);
        _open(attacker, ETH, true, 80_000 * USD, 800_000 * USD); // the attacker's position takes the free liquidity
        skip(61);
        _refreshPrices();
        uint256 carolQueued = pool.balanceOf(carol) / 4;
        vm.prank(carol);
        pool.requestRedeem(carolQueued, carol, 0);
        pool.processQueue(20); // the keeper's last call: carol left waiting, nothing free
        assertEq(core.freeLiquidityUsd(), 0);
        (uint256 id, uint256 dValue, uint256 exitUsd) = _daveQueuesThenAttackerFreesAndExits(dShares);
        assertLt(exitUsd, 5000 * USD, "the exit waits behind the earlier requests");
        assertGt(pool.balanceOf(attacker), aShares / 2, "most of its stake stays behind the queue");
        uint256 before = usdc.balanceOf(dave);
        pool.processQueue(20);
        assertGe(usdc.balanceOf(dave) - before, dValue * 98 / 100, "dave, queued first, is paid");
        assertEq(pool.withdrawalRequest(id).shares, 0, "in full");
    }

    /// P-23 (review AE): a fill with nothing free pays no one, so it keeps the head request whatever its minimum: the
    /// keeper's heartbeat refused an honest request during a NAV dip it was never going to be paid at, and its owner
    /// lost their place.
    function test_fillWithNothingFree_keepsTheHeadWhateverItsMinimum() public {
        _deposit(carol, 600_000 * USD);
        uint256 dShares = _deposit(dave, 300_000 * USD);
        _open(attacker, ETH, true, 80_000 * USD, 800_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 w = pool.maxWithdraw(carol);
        vm.prank(carol);
        pool.withdraw(w, carol, carol); // takes what is free
        assertEq(core.freeLiquidityUsd(), 0);
        uint256 dValue = pool.previewRedeem(dShares);
        vm.prank(dave);
        uint256 id = pool.requestRedeem(dShares, dave, dValue * 98 / 100); // the pool form's 2%
        _setPriceAfter(ETH, _price(ETH) * 104 / 100, 60); // the long gains: the NAV dips past 2%
        _refreshPrices();
        assertEq(core.freeLiquidityUsd(), 0);
        assertLt(pool.previewRedeem(dShares), dValue * 98 / 100, "below its minimum now");
        pool.processQueue(20); // the keeper's heartbeat
        assertEq(pool.withdrawalRequest(id).shares, dShares, "kept in its place");
        assertEq(pool.balanceOf(dave), 0);
    }

    /// EIP-4626 (review AE): the vault's own balance is the queue's escrow, which no one can redeem: max* report 0.
    function test_maxRedeemOfTheEscrow_isZero() public {
        uint256 cShares = _deposit(carol, 100_000 * USD);
        skip(61);
        _refreshPrices();
        vm.prank(carol);
        pool.requestRedeem(cShares / 2, carol, 0);
        assertEq(pool.balanceOf(address(pool)), cShares / 2);
        assertEq(pool.maxRedeem(address(pool)), 0);
        assertEq(pool.maxWithdraw(address(pool)), 0);
    }

    /// P-23 (review AF): counting only the new request when every earlier one was counted left a way around: one
    /// minimum-size request made while liquidity was still free (never counted until the next fill) switched the rule
    /// off, and review AE's attack took 100,381 USD ahead of dave again (dave paid 200,559 of 300,097). With nothing
    /// free a request now counts every pending one, as a fill then would. `gap` adds that request; `blip` makes the
    /// gap after a heartbeat counted everything (a sliver of the attacker's long closed, the request, reopened).
    function testFuzz_requestWhileNothingFree_countsEveryPendingRequest(bool gap, bool blip) public {
        _deposit(carol, 600_000 * USD);
        uint256 dShares = _deposit(dave, 300_000 * USD);
        _deposit(attacker, 100_000 * USD);
        skip(61);
        _refreshPrices();
        uint256 small = pool.balanceOf(carol) / 100;
        vm.prank(carol);
        pool.requestRedeem(small, carol, 0);
        pool.processQueue(20); // the keeper's last fill, with liquidity free
        uint256 minimum = pool.previewWithdraw(pool.minDepositAssets() + USD);
        if (gap && !blip) {
            vm.prank(attacker);
            pool.requestRedeem(minimum, attacker, 0); // not counted: liquidity is free
        }
        _open(attacker, ETH, true, 80_000 * USD, 800_000 * USD); // takes the free liquidity
        assertEq(core.freeLiquidityUsd(), 0);
        if (blip) {
            pool.processQueue(20); // a heartbeat: everything counted
            vm.prank(attacker);
            engine.decreasePosition(ETH, true, 0, 60_000 * USD, 0); // liquidity free for a moment
            assertGt(core.freeLiquidityUsd(), 0);
            vm.prank(attacker);
            pool.requestRedeem(minimum, attacker, 0); // not counted
            _mint(attacker, 10_000 * USD);
            vm.prank(attacker);
            engine.increasePosition(ETH, true, 10_000 * USD, 120_000 * USD, MAX_PRICE);
            assertEq(core.freeLiquidityUsd(), 0);
        }
        uint256 quarter = pool.balanceOf(carol) / 4;
        vm.prank(carol);
        pool.requestRedeem(quarter, carol, 0); // carol queues first: the queue then asks for more than will free
        (uint256 id, uint256 dValue, uint256 exitUsd) = _daveQueuesThenAttackerFreesAndExits(dShares);
        assertLt(exitUsd, 10_000 * USD, "the exit waits behind the earlier requests");
        uint256 before = usdc.balanceOf(dave);
        pool.processQueue(20);
        // what freed went to the queue in order: dave is paid past his minimum, or all of it went to the requests
        assertTrue(usdc.balanceOf(dave) - before >= dValue * 98 / 100 || core.freeLiquidityUsd() == 0, "dave first");
    }
}
