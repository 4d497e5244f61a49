// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {BlockBandBase} from "../utils/BlockBandBase.t.sol";

/// @notice P-94 and liquidations (review BE): the deposit side of the LP band takes the lower of the lag risk at the
///         block's first trade and now, to leave out perpetuals opened in front of a deposit. A liquidation in the
///         deposit's own block raises the net exposure (the liquidated side leaves, the other stays) and is not the
///         depositor's position, so its tokens leave the block's record too: a keeper who liquidates and deposits in one
///         block, ahead of an update the market already shows, pays the band on what the liquidation left.
contract LiquidationBandAttacksTest is BlockBandBase {
    function _bobCollateralUsd() internal pure override returns (uint256) {
        return 175_000 * USD; // ~29x: liquidatable after +1.5%
    }

    /// @dev The attacker's keeper account liquidates bob after a +1.5% update and its LP account deposits depositUsd in
    ///      the same block; the next update is `nextMoveBps` (negative: down) from there. Alice closes later, the
    ///      gains vest and the attacker redeems. Returns the attacker's profit over both accounts (the keeper reward
    ///      included) and what the deposit paid for the band.
    function _run(int256 nextMoveBps) internal returns (int256 profit, uint256 bandPaidUsd) {
        uint256 snap = vm.snapshotState();
        _mint(attacker, depositUsd);
        uint256 start = usdc.balanceOf(attacker);
        vm.roll(block.number + 1);
        uint256 p1 = P0 * 10_150 / 10_000;
        _setPrice(ETH, p1);
        assertTrue(_status(bob, ETH, false).liquidatable, "bob liquidatable");
        vm.prank(attacker);
        engine.liquidate(bob, ETH, false);
        (profit, bandPaidUsd) = _depositThenRedeem(start, p1, nextMoveBps);
        vm.revertToState(snap);
    }

    /// Knowing the next update (-0.5%, the feed's deviation threshold, which the market already shows) gains a
    /// deposit made in the liquidation's block no more than the band it paid (P-57): it pays the band on the long the
    /// liquidation left, which is what the update then gives it. Before: the block's record held the balanced book, the
    /// deposit paid no band (1 unit) and the update gave it +22,712 USD, from carol.
    function test_liquidateThenDepositInOneBlock_paysTheBandOnWhatTheLiquidationLeft() public {
        (int256 still, uint256 bandPaid) = _run(0);
        (int256 moved,) = _run(-50);
        emit log_named_uint("band paid by the deposit in the liquidation's block", bandPaid);
        emit log_named_int("what the known -0.5% update gave it", moved - still);
        assertLe(moved - still, int256(bandPaid), "the known update pays the deposit more than its band");
        // the band is on the long the liquidation left (about 0.5% of 5.07M at the attacker's 90%), not on the book
        // balanced before it
        assertGt(bandPaid, 20_000 * USD, "the deposit band prices the exposure the liquidation left");
    }

    /// The same over deposit sizes and any next update within the feed's deviation threshold (50 bps): what the update
    /// gives the deposit is never more than the band it paid.
    function testFuzz_liquidateThenDeposit_updateGivesNoMoreThanTheBand(uint256 depositSeed, int256 moveSeed) public {
        depositUsd = bound(depositSeed, 1_000_000, 180_000_000) * USD;
        int256 moveBps = bound(moveSeed, -50, 50);
        (int256 still, uint256 bandPaid) = _run(0);
        (int256 moved,) = _run(moveBps);
        assertLe(moved - still, int256(bandPaid), "the update pays the deposit more than its band");
    }

    /// @dev Review BH's history: alice's 5M long stands from an earlier block, the book holds nothing else. In the
    ///      attack block dave opens a 5M long at about 31x, an update in the same block (a pull oracle's, or an L2's
    ///      blocks under one L1 number) makes it liquidatable, the attacker's keeper account liquidates it and its LP
    ///      account deposits; without `liquidated` the block has only a poke. The next update is `nextMoveBps`.
    function _runSameBlockOpen(bool liquidated, int256 nextMoveBps)
        internal
        returns (int256 profit, uint256 bandPaidUsd)
    {
        uint256 snap = vm.snapshotState();
        _close(bob, ETH, false); // only alice's long is left
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
        _mint(attacker, depositUsd);
        uint256 start = usdc.balanceOf(attacker);
        vm.roll(block.number + 1);
        uint256 p1 = P0;
        if (liquidated) {
            _refreshPrices();
            _open(dave, ETH, true, 230_000 * USD, 5_000_000 * USD);
            p1 = P0 * 9800 / 10_000;
            _setPrice(ETH, p1);
            assertTrue(_status(dave, ETH, true).liquidatable, "dave liquidatable");
            vm.prank(attacker);
            engine.liquidate(dave, ETH, true);
        } else {
            _setPrice(ETH, p1);
            vm.prank(attacker);
            engine.poke(ETH);
        }
        (profit, bandPaidUsd) = _depositThenRedeem(start, p1, nextMoveBps);
        vm.revertToState(snap);
    }

    /// A position opened and liquidated in the deposit's block was never in the block's record: its liquidation
    /// leaves the older exposure (alice's long) in the band. Review BH: subtracting its tokens from the record erased
    /// alice's, the deposit paid a band of 0 (22,493 without the liquidation) and the known update gave it 22,014 USD.
    function test_openedAndLiquidatedInTheDepositsBlock_leavesTheOlderExposureInTheBand() public {
        (, uint256 bandControl) = _runSameBlockOpen(false, 0);
        (int256 still, uint256 bandPaid) = _runSameBlockOpen(true, 0);
        (int256 moved,) = _runSameBlockOpen(true, -50);
        emit log_named_uint("band, no liquidation", bandControl);
        emit log_named_uint("band after the same-block open and liquidation", bandPaid);
        emit log_named_int("what the known -0.5% update gave the deposit", moved - still);
        assertGt(bandPaid, 20_000 * USD, "alice's older long is in the band");
        assertLe(moved - still, int256(bandPaid), "the known update pays the deposit more than its band");
    }
}
