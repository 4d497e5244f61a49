// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Review AH: margins were measured on a position's entry notional. A short in loss holds tokens worth more
///         than that, without bound, so its initial margin (a collateral withdrawal) and its maintenance covered only
///         entry / value of a move: a 1x short after +80% took collateral out to 64x on what it held (34x allowed) and a
///         2.5% gap left 17,995 USD of bad debt; a 1x short at 1.95x its entry price was not liquidatable with equity of
///         1.4% of what it held and a 1.5% gap left 3,238. Margins are now measured on the entry notional or a short's
///         tokens' value, the larger (PositionMath.marginNotionalUp, P-109). The first two tests fail before.
contract MarginNotionalAttacksTest is BaseTest {
    address internal hedge = makeAddr("hedge"); // the attacker's second account

    /// @dev What `who`'s short tokens are worth now, from its tokens and the price (rounded up, as a short owes).
    function _valueUsd(address who, uint256 m) internal view returns (uint256) {
        uint256 tokens = engine.position(who, m, false).sizeTokens;
        return (tokens * _price(m) + 1e30 - 1) / 1e30;
    }

    /// @dev The largest collateral `who` can take out of its short now, by bisection on the engine's own check.
    function _maxRemovable(address who, uint256 m) internal returns (uint256 lo) {
        uint256 hi = engine.position(who, m, false).collateralUsd;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            uint256 snap = vm.snapshotState();
            vm.prank(who);
            bool ok;
            try engine.decreasePosition(m, false, mid, 0, MAX_PRICE) {
                ok = true;
            } catch {}
            vm.revertToState(snap);
            if (ok) lo = mid;
            else hi = mid;
        }
    }

    /// A short in loss takes collateral out only down to the initial margin on what it holds: its leverage on its
    /// tokens' value stays within the max, and the review's gap then leaves the pool no bad debt.
    function test_shortInLoss_withdrawsOnlyToTheMarginOnItsValue() public {
        _deposit(carol, 20_000_000 * USD);
        uint256 size = 1_000_000 * USD;
        _open(attacker, ETH, false, size, size); // a 1x short
        _open(hedge, ETH, true, 200_000 * USD, size); // and its hedge
        _walkPrice(ETH, _price(ETH) * 18 / 10); // +80% in calm daily steps
        _refreshPrices();

        uint256 out = _maxRemovable(attacker, ETH);
        vm.prank(attacker);
        engine.decreasePosition(ETH, false, out, 0, MAX_PRICE);
        IPerpEngine.PositionStatus memory s = _status(attacker, ETH, false);
        uint256 value = _valueUsd(attacker, ETH);
        assertGt(value, size * 17 / 10, "its tokens are worth 1.8x its entry notional");
        // the initial-margin rate at its entry size (the rate's size term reads the entry notional)
        (, uint256 imr, uint256 maxLeverageWad) = reader.marginRates(ETH, size);
        uint256 leverageOnValueWad = value * 1e18 / uint256(s.equityUsd);
        assertLe(leverageOnValueWad, maxLeverageWad, "leverage on what it holds within the max");
        assertGe(uint256(s.equityUsd), value * imr / 1e18, "equity covers the initial margin on its value");
        // the Reader reports leverage on the same notional (review AI: 19.83x shown for 35.70x held)
        uint256 equity = uint256(s.equityUsd);
        assertEq(reader.positionView(attacker, ETH, false).leverageWad, (value * 1e18 + equity - 1) / equity);

        uint256 badDebtBefore = core.poolState().badDebtUsd;
        _setPrice(ETH, _price(ETH) * 1025 / 1000); // the review's +2.5% gap
        assertTrue(_status(attacker, ETH, false).liquidatable, "the gap makes it liquidatable");
        vm.prank(keeper);
        engine.liquidate(attacker, ETH, false);
        assertEq(core.poolState().badDebtUsd, badDebtBefore, "the gap leaves the pool no bad debt (17,995 before)");
    }

    /// Maintenance is on what a short in loss holds: at 1.95x its entry price a 1x short is liquidatable (not before:
    /// maintenance on entry 15,936 against equity 27,011), and its liquidation leaves no bad debt.
    function test_shortInLoss_maintenanceOnItsValue() public {
        _deposit(carol, 20_000_000 * USD);
        uint256 size = 1_000_000 * USD;
        _open(attacker, ETH, false, size, size);
        _walkPrice(ETH, _price(ETH) * 1950 / 1000);
        _refreshPrices();

        IPerpEngine.PositionStatus memory s = _status(attacker, ETH, false);
        uint256 value = _valueUsd(attacker, ETH);
        // recomputed from first principles: the rate on the schedule now, at the entry size, times what it holds
        assertEq(s.maintenanceUsd, (value * s.maintenanceMarginWad + 1e18 - 1) / 1e18, "maintenance on its value");
        assertTrue(s.liquidatable, "liquidatable on what it holds");
        uint256 badDebtBefore = core.poolState().badDebtUsd;
        uint256 walletBefore = usdc.balanceOf(attacker);
        vm.prank(keeper);
        engine.liquidate(attacker, ETH, false);
        assertEq(core.poolState().badDebtUsd, badDebtBefore, "no bad debt");
        assertGt(usdc.balanceOf(attacker), walletBefore, "the trader gets back its equity beyond fee and reward");
    }

    /// The liquidation price the Reader reports for a short in loss is where it becomes liquidatable on its value:
    /// one basis point below it the short stands, one above it is liquidatable. Fuzzed over leverage.
    function testFuzz_shortLiquidationPrice_onItsValue(uint256 leverageX10) public {
        leverageX10 = bound(leverageX10, 10, 200); // 1x to 20x
        _deposit(carol, 20_000_000 * USD);
        uint256 size = 100_000 * USD;
        _open(attacker, ETH, false, size * 10 / leverageX10, size);
        uint256 liqPrice = reader.positionLiquidationPrice(attacker, ETH, false);
        assertGt(liqPrice, _price(ETH), "above the price");
        uint256 snap = vm.snapshotState();
        _setPrice(ETH, liqPrice * 9999 / 10_000);
        assertFalse(_status(attacker, ETH, false).liquidatable, "a basis point below: stands");
        vm.revertToState(snap);
        _setPrice(ETH, liqPrice * 10_001 / 10_000);
        assertTrue(_status(attacker, ETH, false).liquidatable, "a basis point above: liquidatable");
    }

    /// Longs are measured on their entry notional as before: a long in profit holds no more maintenance than its
    /// entry calls for, so no winner is called for more margin by a rise.
    function test_longInProfit_maintenanceOnItsEntryNotional() public {
        _deposit(carol, 20_000_000 * USD);
        uint256 size = 1_000_000 * USD;
        _open(alice, ETH, true, 100_000 * USD, size);
        _walkPrice(ETH, _price(ETH) * 15 / 10);
        _refreshPrices();
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        assertEq(s.maintenanceUsd, (size * s.maintenanceMarginWad + 1e18 - 1) / 1e18);
        assertFalse(s.liquidatable);
    }
}
