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
///         rate on the reserve), so no LP share can recover it.
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
        if (attack) paid = _lock(board, 7990);
        skip(holdSec);
        vm.roll(block.number + 1);
        _refreshPrices();
        engine.poke(ETH);
        options.refresh(ETH);
        if (attack) {
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
        lpValue = pool.convertToAssets(pool.balanceOf(attackerLp));
    }

    /// The lock the review built (to 89%): the buy that takes utilization past the kink is refused.
    function test_buy_pastTheKink_isRefused() public {
        uint256 board = ids[1];
        _lock(board, 7990);
        uint256 before = _utilizationBps();
        assertLe(before, 8000, "up to the kink buys go through");
        IOptionsBook.Board memory b = options.board(board);
        uint256 amount = 200_000 * USD * 1e30 / (b.firstStrikeWad + 3 * b.strikeStepWad) / 1e9 * 1e9;
        _mint(attackerOpt, 1_000_000 * USD);
        vm.startPrank(attackerOpt);
        usdc.approve(address(options), type(uint256).max);
        vm.expectPartialRevert(IOptionsBook.UtilizationPastKink.selector);
        options.buy(board, 3, false, amount, type(uint256).max);
        vm.stopPrank();
        assertEq(_utilizationBps(), before, "nothing changed");
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
