// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice A liquidation's close impact is the one on the skew at the liquidation (P-59), whoever moved it: the pool is
///         paid for the skew the liquidation leaves, and no ordering of trades around a liquidation exits a position for
///         less than closing it (P-97). Review U: a skew flipped in front of a liquidation costs its victim more impact,
///         which goes to the pool; an LP holding most of it takes back its share once the lock vests: at most its share
///         of the victim's loss, less what its own trades paid (stated in P-59). Review W: a fix that charged the
///         impact on the skew before the block's trades let the waived impact fall on the LPs (a self-liquidation flip
///         +89,999 USD, a split long liquidated in one batch +148,782); it was withdrawn, and these cases hold it off.
contract LiquidationSkewAttacksTest is BaseTest {
    /// @dev `who`'s long of `size` with 60,000 USD beyond its initial margin, walked down 0.1% per sample until
    ///      liquidatable.
    function _longLiquidatable(address who, uint256 size) internal {
        (, uint256 imr,) = reader.marginRates(ETH, size);
        _open(who, ETH, true, size * imr / 1e18 + _openFeeUsd(ETH, size) + 60_000 * USD, size);
        uint256 p = _price(ETH);
        while (!_status(who, ETH, true).liquidatable) {
            p = p * 9990 / 10_000;
            _setPriceAfter(ETH, p, 10 minutes);
        }
    }

    struct Out {
        uint256 refund;
        uint256 lpValue;
        int256 traderDelta;
    }

    function _run(bool attack, uint256 shortSize) internal returns (Out memory o) {
        vm.roll(block.number + 1); // one transaction in a block of its own, as on a chain
        uint256 b0 = usdc.balanceOf(bob);
        uint256 a0 = usdc.balanceOf(alice);
        if (attack) {
            _mint(alice, shortSize / 10);
            a0 = usdc.balanceOf(alice);
            vm.startPrank(alice);
            engine.increasePosition(ETH, false, shortSize / 10, shortSize, 0);
            engine.liquidate(bob, ETH, true);
            engine.decreasePosition(ETH, false, 0, shortSize, MAX_PRICE);
            vm.stopPrank();
        } else {
            vm.prank(alice); // the attacker's own keeper account liquidates without moving the skew: the same reward
            engine.liquidate(bob, ETH, true);
        }
        o.refund = usdc.balanceOf(bob) - b0;
        o.traderDelta = int256(usdc.balanceOf(alice)) - int256(a0);
        _setPriceAfter(ETH, _price(ETH), core.GAIN_VEST_SEC() + 1); // the pool's gain has vested
        o.lpValue = _redemptionNow(attacker);
    }

    /// P-59's stated bound: an LP holding `shareBps` of the pool (deposited long before) that flips the skew in front
    /// of bob's 10M long's liquidation as trader and keeper gains, against liquidating it with its own keeper account,
    /// at most its share of what the victim's refund lost (its own trades' fees and impact count against it): it takes
    /// nothing from the other LPs.
    function testFuzz_skewMovedBeforeALiquidation_atMostTheLpShareOfTheVictimsLoss(
        uint256 shareBps,
        uint256 shortSeed,
        uint256 poolSeed
    ) public {
        shareBps = bound(shareBps, 5000, 9500);
        uint256 poolUsd = bound(poolSeed, 50_000_000, 250_000_000) * USD;
        uint256 shortSize = bound(shortSeed, 11_000_000, 30_000_000) * USD;
        uint256 stake = poolUsd * shareBps / 10_000;
        _deposit(attacker, stake);
        _deposit(carol, poolUsd - stake);
        _longLiquidatable(bob, 10_000_000 * USD);
        uint256 snap = vm.snapshotState();
        Out memory honest = _run(false, 0);
        vm.revertToState(snap);
        Out memory atk = _run(true, shortSize);
        int256 profit = int256(atk.lpValue) + atk.traderDelta - int256(honest.lpValue) - honest.traderDelta;
        uint256 victimLoss = honest.refund - atk.refund;
        // the attacker's share of the pool after its deposit (other LPs' deposits are carol's), rounded up
        uint256 share = (stake * 1e18 + poolUsd - 1) / poolUsd;
        assertLe(profit, int256(victimLoss * share / 1e18) + 1, "at most its LP share of the victim's loss");
    }

    struct Flip {
        uint256 groupUsdc;
        uint256 carolValue;
    }

    /// @dev Bob's long at its maintenance edge flips to a 14M short with its second account alice: honestly (close the
    ///      long, open the short) or by opening the short and liquidating the long with alice as its keeper. Both close
    ///      the short a block later at the same price.
    function _flip(bool viaLiquidation, uint256 shortSize) internal returns (Flip memory f) {
        vm.roll(block.number + 1);
        uint256 coll = shortSize / 10;
        _mint(alice, coll);
        uint256 g0 = usdc.balanceOf(bob) + usdc.balanceOf(alice);
        if (viaLiquidation) {
            vm.startPrank(alice);
            engine.increasePosition(ETH, false, coll, shortSize, 0);
            engine.liquidate(bob, ETH, true);
            vm.stopPrank();
        } else {
            _close(bob, ETH, true);
            vm.prank(alice);
            engine.increasePosition(ETH, false, coll, shortSize, 0);
        }
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, _price(ETH), 1);
        _close(alice, ETH, false);
        f.groupUsdc = usdc.balanceOf(bob) + usdc.balanceOf(alice) - g0;
        _setPriceAfter(ETH, _price(ETH), core.GAIN_VEST_SEC() + 1);
        f.carolValue = _redemptionNow(carol);
    }

    /// P-97 (review W): flipping a long at its maintenance edge into a short through a self-liquidation is never a
    /// cheaper exit than closing and reopening, and the LPs lose nothing by it.
    function test_selfLiquidationFlip_neverBeatsClosing() public {
        _deposit(carol, 200_000_000 * USD);
        _longLiquidatable(bob, 10_000_000 * USD);
        uint256 snap = vm.snapshotState();
        Flip memory honest = _flip(false, 14_000_000 * USD);
        vm.revertToState(snap);
        Flip memory viaLiq = _flip(true, 14_000_000 * USD);
        assertLe(viaLiq.groupUsdc, honest.groupUsdc, "self-liquidation is never a cheaper exit than closing");
        assertGe(viaLiq.carolValue, honest.carolValue, "the LPs lose nothing by it");
    }

    /// P-97 (review W): a long split over `n` accounts at the maintenance edge, liquidated in one batch by the
    /// trader's own keeper account, never exits for less than closing the same positions.
    function _splitCase(uint256 n, uint256 size, uint256 poolUsd) internal {
        _deposit(carol, poolUsd);
        _open(dave, ETH, false, size / 5, size); // an independent short of the same size: the skew is 0 after
        address[] memory who = new address[](n);
        (, uint256 imr,) = reader.marginRates(ETH, size);
        for (uint256 i; i < n; ++i) {
            who[i] = makeAddr(string.concat("piece", vm.toString(i)));
            _open(who[i], ETH, true, size / n * imr / 1e18 + _openFeeUsd(ETH, size / n) + 60_000 * USD / n, size / n);
        }
        uint256 p = _price(ETH);
        for (bool all; !all;) {
            p = p * 9990 / 10_000;
            _setPriceAfter(ETH, p, 10 minutes);
            all = true;
            for (uint256 i; i < n; ++i) {
                if (!_status(who[i], ETH, true).liquidatable) all = false;
            }
        }
        vm.roll(block.number + 1);
        uint256 snap = vm.snapshotState();
        uint256 g0 = _groupBalance(who);
        for (uint256 i; i < n; ++i) {
            _close(who[i], ETH, true);
        }
        uint256 closeGain = _groupBalance(who) - g0;
        vm.revertToState(snap);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](n);
        for (uint256 i; i < n; ++i) {
            refs[i] = IPerpEngine.PositionRef(who[i], ETH, true);
        }
        vm.prank(alice);
        engine.liquidateBatch(refs);
        assertLe(_groupBalance(who) - g0, closeGain, "self-liquidation is never a cheaper exit than closing");
    }

    function _groupBalance(address[] memory who) internal view returns (uint256 b) {
        for (uint256 i; i < who.length; ++i) {
            b += usdc.balanceOf(who[i]);
        }
        b += usdc.balanceOf(alice);
    }

    function test_splitSelfLiquidation_10Min4_neverBeatsClosing() public {
        _splitCase(4, 10_000_000 * USD, 200_000_000 * USD);
    }

    function test_splitSelfLiquidation_30Min8_neverBeatsClosing() public {
        _splitCase(8, 30_000_000 * USD, 400_000_000 * USD);
    }
}
