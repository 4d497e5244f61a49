// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-59 (review U): a liquidation charges the impact its close would pay. Moved in front of it in the same
///         transaction (a short opened to flip a long-heavy skew, the liquidation, the short closed), the skew made the
///         victim's close pay up to its whole refund in impact, which went to the pool: an LP holding most of the pool
///         took its share back once the lock vested (+73,600 USD at 90% of a 250M pool with a 14M short, +146,800 with
///         24M; +8,000 at half of a 50M pool). The impact is now the lower of the skew now and before the block's trades.
contract LiquidationSkewAttacksTest is BaseTest {
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

    /// @dev Bob's 10M long with 60,000 USD beyond its initial margin, walked down 0.1% per sample until liquidatable.
    function _bobLiquidatable() internal {
        uint256 size = 10_000_000 * USD;
        (, uint256 imr,) = reader.marginRates(ETH, size);
        _open(bob, ETH, true, size * imr / 1e18 + _openFeeUsd(ETH, size) + 60_000 * USD, size);
        uint256 p = _price(ETH);
        while (!_status(bob, ETH, true).liquidatable) {
            p = p * 9990 / 10_000;
            _setPriceAfter(ETH, p, 10 minutes);
        }
    }

    /// The attacker holds `shareBps` of the pool (deposited long before), as LP, trader and keeper; bob's 10M long is
    /// liquidatable. Against its best honest alternative (liquidating with its own keeper account), moving the skew
    /// in front never pays, and the victim gets back what an honest liquidation refunds.
    function testFuzz_skewMovedBeforeALiquidation_neverPays(uint256 shareBps, uint256 shortSeed, uint256 poolSeed)
        public
    {
        shareBps = bound(shareBps, 5000, 9500);
        uint256 poolUsd = bound(poolSeed, 50_000_000, 250_000_000) * USD;
        uint256 shortSize = bound(shortSeed, 11_000_000, 30_000_000) * USD;
        _deposit(attacker, poolUsd * shareBps / 10_000);
        _deposit(carol, poolUsd - poolUsd * shareBps / 10_000);
        _bobLiquidatable();
        uint256 snap = vm.snapshotState();
        Out memory honest = _run(false, 0);
        vm.revertToState(snap);
        Out memory atk = _run(true, shortSize);
        assertGe(atk.refund, honest.refund, "the victim pays no impact the block's trades added");
        int256 profit = int256(atk.lpValue) + atk.traderDelta - int256(honest.lpValue) - honest.traderDelta;
        assertLe(profit, 0, "moving the skew in front of a liquidation never pays");
    }

    /// Review U's case: 90% of a 250M pool, a 14M short: bob's refund is the honest one (184,555 USD; it was 94,555).
    function test_majorityLp_short14M_victimRefundUnchanged() public {
        _deposit(attacker, 225_000_000 * USD);
        _deposit(carol, 25_000_000 * USD);
        _bobLiquidatable();
        IPerpEngine.PositionStatus memory s = _status(bob, ETH, true);
        assertGt(s.equityUsd, 0);
        uint256 snap = vm.snapshotState();
        Out memory honest = _run(false, 0);
        vm.revertToState(snap);
        Out memory atk = _run(true, 14_000_000 * USD);
        assertEq(atk.refund, honest.refund, "the same refund");
        assertGt(honest.refund, 150_000 * USD);
    }
}
