// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-106 from the attacker's side: options reserve their whole maximum payout and pay no borrow, while the pool's
///         utilization, reserves over cash whatever product holds them, sets the borrow rate every perpetual pays. A
///         review bought the far out-of-the-money strikes of a daily board at the 5 bps minimum premium (10,000 USD)
///         and took a 100M pool from 69% to 89% utilization: the perpetuals' borrow over a day rose from 16,649 to
///         108,240 USD, and the attacker's LP account (half the pool) collected +50,795 of it, +40,794 net. A buy may
///         now not take utilization past the borrow curve's kink (the room above it, where the rate climbs steeply, is
///         the perpetuals'), and its least premium is the rate at the kink on its maximum payout for its life, which
///         is at least the borrow the perpetuals pay on the utilization it adds (slope1 x utilization <= the kink
///         rate on the reserve), so no LP share can recover it. A later review (N) bought to the kink and then withdrew
///         from its LP account, taking the pool to 89.5% with the options' reserve on the curve's steep part: +23,878
///         over 32 hours against the withdrawal alone. LP flows (withdrawals, redemptions, queue fills) now stop at the
///         kink: only new positions, which pay the steep part themselves, take the pool past it.
contract ReserveLockAttacksTest is BaseTest {
    /// @dev Each LP's deposit (the attacker's LP account holds half the pool) and each side's perpetual notional.
    uint256 internal constant POOL_EACH = 50_000_000 * USD;
    uint256 internal constant OI_EACH = 35_000_000 * USD;

    uint256[] internal ids;
    address internal attackerLp = makeAddr("attackerLp");
    address internal attackerOpt = makeAddr("attackerOpt");

    function setUp() public override {
        super.setUp();
        _deposit(carol, POOL_EACH);
        _deposit(attackerLp, POOL_EACH);
        _open(alice, ETH, true, 5_000_000 * USD, OI_EACH);
        _open(bob, ETH, false, 5_000_000 * USD, OI_EACH);
        ids = _listBoards(ETH);
        options.refresh(ETH);
    }

    /// @dev Past the LPs' deposit cooldown, with prices, the sample and the greek cache fresh.
    function _pastTheCooldown() internal {
        skip(pool.cooldownSec());
        vm.roll(block.number + 1);
        _refreshPrices();
        engine.poke(ETH);
        options.refresh(ETH);
    }

    /// @dev Where option buys stop: the kink less the LP exit room, in bps of utilization.
    function _optionsLimitBps() internal view returns (uint256) {
        return (core.poolConfig().kinkWad - options.LP_EXIT_ROOM_WAD()) / 1e14;
    }

    function _utilizationBps() internal view returns (uint256) {
        IClearingCore.PoolState memory p = core.poolState();
        return p.reservedUsd * 1e4 / p.poolCashUsd;
    }

    /// @dev The attacker's options account buys strike `k` of `board` (a call above the money, a put below) until the
    ///      pool's reserve reaches `targetBps` of its cash, the board's reserve cap or the strike's cap; the premium.
    function _lockAt(uint256 board, uint256 k, uint256 targetBps) internal returns (uint256) {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        IClearingCore.PoolState memory p = core.poolState();
        uint256 room = p.poolCashUsd * targetBps / 1e4;
        if (room <= p.reservedUsd) return 0;
        room -= p.reservedUsd;
        IOptionsBook.Board memory b = options.board(board);
        if (cfg.maxBoardReserveUsd - b.reservedUsd < room) room = cfg.maxBoardReserveUsd - b.reservedUsd;
        uint256 amount = room * 1e30 / (b.firstStrikeWad + k * b.strikeStepWad);
        if (amount > cfg.maxStrikeOiWad) amount = cfg.maxStrikeOiWad;
        amount = amount * 99 / 100 / 1e9 * 1e9;
        if (amount == 0) return 0;
        return _buyOption(attackerOpt, board, k, k > 5, amount);
    }

    function _lock(uint256 board, uint256 targetBps) internal returns (uint256 paid) {
        uint256[6] memory ks = [uint256(0), 10, 1, 9, 2, 8]; // the farthest out of the money first
        for (uint256 j; j < 6; ++j) {
            paid += _lockAt(board, ks[j], targetBps);
        }
    }

    /// @dev The attacker's run (or the control's, `attack` false): the lock, `holdSec` of time with prices kept fresh,
    ///      the options sold back at the bid. Returns the attacker's LP value, the premium paid and the sale's proceeds.
    function _run(bool attack, uint256 board, uint256 holdSec)
        internal
        returns (uint256 lpValue, uint256 paid, uint256 back)
    {
        if (attack) paid = _lock(board, _optionsLimitBps() - 10);
        skip(holdSec);
        vm.roll(block.number + 1);
        _refreshPrices();
        engine.poke(ETH);
        options.refresh(ETH);
        if (attack) back = _sellAll(board);
        lpValue = pool.convertToAssets(pool.balanceOf(attackerLp));
    }

    function _sellAll(uint256 board) internal returns (uint256 back) {
        IOptionsBook.Board memory b = options.board(board);
        for (uint256 k; k < b.strikeCount; ++k) {
            for (uint256 c; c < 2; ++c) {
                uint256 h = options.holding(attackerOpt, board, k, c == 1);
                if (h == 0) continue;
                vm.prank(attackerOpt);
                back += options.sell(board, k, c == 1, h, 0);
            }
        }
        options.refresh(ETH);
    }

    /// Review N's sequel to the lock: buy options to the kink, then withdraw from the attacker's LP account to put the
    /// options' reserve on the curve's steep part. Against the same withdrawal alone (fuzzed over its size, the board
    /// and the hold up to the cutoff), the attacker's combined result (LP value, less premiums, plus the sale) is never
    /// positive. Fails on the code before (withdrawals went to maxUtilizationBps: +42,810 USD on its first
    /// counterexample).
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_reserveLockThenWithdraw_neverProfits(uint256 boardSeed, uint256 holdSec, uint256 fracBps) public {
        _pastTheCooldown();
        uint256 board = ids[1 + bound(boardSeed, 0, ids.length - 2)];
        uint256 cutoff = options.board(board).expiry - options.config(ETH).tradingCutoffSec;
        holdSec = bound(holdSec, 1 hours, cutoff - block.timestamp - 1 hours);
        fracBps = bound(fracBps, 1000, 10_000);
        uint256 snap = vm.snapshotState();
        // the attack first, to size the withdrawal within what the lock leaves free
        uint256 paid = _lock(board, _optionsLimitBps() - 10);
        assertGt(paid, 0, "the attacker bought");
        options.refresh(ETH); // anyone may: the buys moved the book past its range
        uint256 amount = pool.maxWithdraw(attackerLp) * fracBps / 10_000;
        (uint256 lp1, uint256 back) = _runWithdrawing(true, board, holdSec, amount);
        vm.revertToState(snap);
        (uint256 lp0,) = _runWithdrawing(false, board, holdSec, amount);
        int256 combined = int256(lp1) - int256(lp0) - int256(paid) + int256(back);
        assertLe(combined, 0, "the lock and the withdrawal never pay their maker");
    }

    /// @dev The withdrawal of `amount` from the attacker's LP account (the lock, if any, already made), the hold and,
    ///      for the attack, the sale. Returns the attacker's LP value after and the sale's proceeds.
    function _runWithdrawing(bool attack, uint256 board, uint256 holdSec, uint256 amount)
        internal
        returns (uint256 lpValue, uint256 back)
    {
        if (amount > 0) {
            vm.prank(attackerLp);
            pool.withdraw(amount, attackerLp, attackerLp);
        }
        (lpValue,,) = _run(false, board, holdSec);
        if (attack) {
            back = _sellAll(board);
            lpValue = pool.convertToAssets(pool.balanceOf(attackerLp));
        }
    }

    /// LP flows stop at the kink (reserved / cash <= kink after the largest withdrawal, and a unit more is refused),
    /// while new positions may still take the pool past it, up to the solvency limit, paying the steep part.
    function test_withdraw_stopsAtTheKink() public {
        _pastTheCooldown();
        IClearingCore.PoolConfig memory c = core.poolConfig();
        uint256 max = pool.maxWithdraw(attackerLp);
        assertGt(max, 0, "something is free");
        vm.prank(attackerLp);
        pool.withdraw(max, attackerLp, attackerLp);
        IClearingCore.PoolState memory p = core.poolState();
        assertLe(p.reservedUsd * 1e18, c.kinkWad * p.poolCashUsd, "at or below the kink");
        assertGe(p.reservedUsd * 1e18, c.kinkWad * (p.poolCashUsd - 2), "at the kink to the rounding");
        assertEq(pool.maxWithdraw(attackerLp), 0, "nothing more");
        vm.prank(attackerLp);
        vm.expectRevert();
        pool.withdraw(1 * USD, attackerLp, attackerLp);
        // a perpetual may go past it (it pays the steep part), up to the solvency limit
        uint256 rateAtKink = core.accrualNow().borrowRateWad;
        _open(alice, ETH, true, 1_000_000 * USD, 3_000_000 * USD);
        assertGt(core.utilizationWad(), c.kinkWad, "past the kink");
        assertGt(core.accrualNow().borrowRateWad, rateAtKink + c.slope2Wad / 20, "on the steep part");
    }

    /// The lock the review built (to 89%): the buy that takes utilization past the options' limit (the kink less the LP
    /// exit room) is refused.
    function test_buy_pastTheOptionsLimit_isRefused() public {
        uint256 board = ids[1];
        _lock(board, _optionsLimitBps() - 10);
        uint256 before = _utilizationBps();
        assertLe(before, _optionsLimitBps(), "up to the limit buys go through");
        IOptionsBook.Board memory b = options.board(board);
        uint256 amount = 200_000 * USD * 1e30 / (b.firstStrikeWad + 3 * b.strikeStepWad) / 1e9 * 1e9;
        _mint(attackerOpt, 1_000_000 * USD);
        vm.startPrank(attackerOpt);
        usdc.approve(address(options), type(uint256).max);
        vm.expectPartialRevert(IOptionsBook.UtilizationPastOptionsLimit.selector);
        options.buy(board, 3, false, amount, type(uint256).max);
        vm.stopPrank();
        assertEq(_utilizationBps(), before, "nothing changed");
    }

    /// Review P: with LP exits stopping at the kink, options bought to the kink froze every LP exit for 5,312 USD of
    /// premium (12,599 USD left free in a 100M pool). Options now stop LP_EXIT_ROOM_WAD below it: whatever they lock,
    /// LPs can still take out the cash beyond reserved / kink, about 12% of the pool here, and do.
    function test_optionsAlone_leaveLpsRoomToExit() public {
        _pastTheCooldown();
        for (uint256 j = 1; j < ids.length; ++j) {
            _lock(ids[j], _optionsLimitBps() - 10); // to just under the limit, every board
        }
        options.refresh(ETH);
        IClearingCore.PoolState memory p = core.poolState();
        uint256 kinkWad = core.poolConfig().kinkWad;
        assertLe(p.reservedUsd * 1e4, p.poolCashUsd * _optionsLimitBps(), "options stopped at their limit");
        uint256 room = p.poolCashUsd - p.reservedUsd * 1e18 / kinkWad;
        assertGe(core.freeLiquidityUsd() + 1, room, "LPs may take the cash beyond reserved / kink");
        assertGe(
            room, p.poolCashUsd / 9, "at least the exit room's share of the pool (10 points of 80%, less rounding)"
        );
        uint256 max = pool.maxWithdraw(carol);
        assertGt(max, 10_000_000 * USD, "carol can leave with more than 10M at once");
        vm.prank(carol);
        pool.withdraw(max, carol, carol);
    }

    /// The attacker's combined result (its LP account's value against the control's, less the premiums, plus what the
    /// sale brought back) is never positive, on any board, for any hold up to its trading cutoff.
    function testFuzz_reserveLock_neverProfitsTheAttacker(uint256 boardSeed, uint256 holdSec) public {
        uint256 board = ids[1 + bound(boardSeed, 0, ids.length - 2)];
        IOptionsBook.Board memory b = options.board(board);
        uint256 cutoff = b.expiry - options.config(ETH).tradingCutoffSec;
        holdSec = bound(holdSec, 1 hours, cutoff - block.timestamp - 1 hours);
        uint256 snap = vm.snapshotState();
        (uint256 lp0,,) = _run(false, board, holdSec);
        vm.revertToState(snap);
        (uint256 lp1, uint256 paid, uint256 back) = _run(true, board, holdSec);
        assertGt(paid, 0, "the attacker bought");
        int256 combined = int256(lp1) - int256(lp0) - int256(paid) + int256(back);
        assertLe(combined, 0, "the lock never pays its maker");
    }
}
