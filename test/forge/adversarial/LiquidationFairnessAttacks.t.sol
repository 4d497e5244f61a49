// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../../contracts/interfaces/IClearingCore.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Fair liquidation under a regime change, from the attacker's and the trader's side (review BI's probes,
///         which held on the landed code and stay as regressions): a winner at the max leverage called only after
///         the margin schedule's notice and refunded all but the documented charge and the close impact; the Reader
///         (the keeper's view) and the engine agree with a volatility sample due; a batch naming positions twice
///         liquidates each once.
contract LiquidationFairnessAttacksTest is BaseTest {
    uint256 internal constant P0 = 3000e18;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant SIZE = 1_000_000 * USD;

    function _sampleAt(uint256 priceWad, uint256 offset) internal {
        _setPriceAtBoundary(ETH, priceWad, offset);
        engine.poke(ETH);
    }

    /// @dev Alice's long at the max leverage (plus the open fee and 100 USD), bob's 5x short against it (no skew).
    ///      Returns the notice the schedule gives (initial - maintenance at open, over the ramp), in seconds.
    function _maxLeverageLong() internal returns (uint256 notice) {
        _deposit(carol, 10_000_000 * USD);
        _sampleAt(P0, 0);
        (uint256 mmr0, uint256 imr0, uint256 maxLev) = reader.marginRates(ETH, SIZE);
        _open(alice, ETH, true, SIZE * WAD / maxLev + _openFeeUsd(ETH, SIZE) + 600 * USD, SIZE); // + the 500 USD impact
        _open(bob, ETH, false, SIZE / 5, SIZE);
        notice = (imr0 - mmr0) * 1 hours / reader.marketConfig(ETH).maintenanceRampWadPerHour;
    }

    /// @dev A regime change: samples one interval apart alternating +6% and +0.1% from 3,000 (each clipped at 10 sigma),
    ///      so alice's long is in profit at every second sample. Stops at the first in-profit sample where she is
    ///      liquidatable; returns the seconds since the open.
    function _turbulenceUntilLiquidatable(uint256 maxSamples) internal returns (uint256 elapsed, bool liquidatable) {
        uint256 openedAt = block.timestamp;
        for (uint256 i; i < maxSamples; ++i) {
            _sampleAt(i % 2 == 0 ? P0 * 106 / 100 : P0 * 1001 / 1000, 0);
            if (i % 2 == 1) {
                IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
                assertGt(s.pnlUsd, 0, "in profit");
                if (s.liquidatable) return (block.timestamp - openedAt, true);
            }
        }
        return (block.timestamp - openedAt, false);
    }

    /// (P-60, P-64, P-59): a winner at the max leverage is called only after the ramp's notice, never by a jump,
    /// and its liquidation takes the documented charge and the close impact, nothing more: the rest of its equity is
    /// refunded. (Rule 3 read literally, "no position with positive PnL is liquidated by the margin rate", holds only
    /// within the notice: the ramp does call an in-profit position at its edge later, as P-64 states.)
    function test_winnerAtMaxLeverage_calledOnlyAfterTheNotice_refundedBeyondTheCharge() public {
        uint256 notice = _maxLeverageLong();
        (uint256 elapsed, bool called) = _turbulenceUntilLiquidatable(40);
        assertTrue(called, "the regime change does call her in the end");
        emit log_named_uint("notice (s)", notice);
        emit log_named_uint("called after (s)", elapsed);
        assertGe(elapsed, notice / 2, "not before half the notice (fees accrue meanwhile)");
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        IPerpEngine.Position memory pos = engine.position(alice, ETH, true);
        uint256 reward = (uint256(pos.sizeUsd) * 20 + 9999) / 10_000 * core.poolConfig().keeperShareBps / 10_000;
        uint256 charge = _liquidationChargeUsd(ETH, true, pos.sizeUsd, s.pnlUsd, reward);
        // the close impact: the long leaves a book with bob's 1M short (no rebate on a liquidation)
        IPerpEngine.MarketState memory ms = reader.marketState(ETH);
        int256 before = int256(uint256(ms.longOiUsd)) - int256(uint256(ms.shortOiUsd));
        int256 afterSkew = before - int256(uint256(pos.sizeUsd));
        uint256 impact = uint256(afterSkew * afterSkew - (before < 0 ? before * before : int256(0)))
            / (2 * reader.marketConfig(ETH).impactScaleUsd);
        uint256 balBefore = usdc.balanceOf(alice);
        uint256 keeperBefore = usdc.balanceOf(keeper);
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);
        uint256 refund = usdc.balanceOf(alice) - balBefore;
        emit log_named_int("equity at the call", s.equityUsd);
        emit log_named_uint("charge (fee + reward rule)", charge);
        emit log_named_uint("close impact", impact);
        emit log_named_uint("refund", refund);
        assertEq(usdc.balanceOf(keeper) - keeperBefore, reward, "keeper paid its reward");
        assertApproxEqAbs(int256(refund), s.equityUsd - int256(charge) - int256(impact), 2, "refund = equity - charge");
    }

    /// (keeper vs engine): with a volatility sample due (the keeper's Reader read applies it in memory, the
    /// liquidation takes it), the Reader's status and the engine's liquidation agree at any price around the shown
    /// liquidation price, and at the shown price the engine does not liquidate.
    function testFuzz_readerAndEngineAgree_withADueSample(uint256 offsetSeed, uint256 secondsSeed) public {
        _maxLeverageLong();
        _turbulenceUntilLiquidatable(6); // the base now trails a raised target
        uint256 liqPrice = reader.positionLiquidationPrice(alice, ETH, true);
        int256 offsetBps = bound(int256(offsetSeed), -100, 100);
        uint256 p = uint256(int256(liqPrice) * (10_000 + offsetBps) / 10_000);
        _setPriceAtBoundary(ETH, p, bound(secondsSeed, 0, 300)); // a sample is due at p
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        assertLt(st.lastSampleAt / 600, block.timestamp / 600, "a sample is due");
        bool readerSays = _status(alice, ETH, true).liquidatable;
        uint256 shown = reader.positionLiquidationPrice(alice, ETH, true);
        vm.prank(keeper);
        try engine.liquidate(alice, ETH, true) {
            assertTrue(readerSays, "the engine liquidated what the Reader called safe");
            assertLt(p, shown, "liquidated at or above the shown price");
        } catch {
            assertFalse(readerSays, "the Reader called liquidatable what the engine refused");
        }
    }

    /// (batch): a batch naming a position twice, a healthy one between and both sides interleaved liquidates each
    /// eligible position once, pays the sum of the rewards, refunds each its equity beyond its charge, and leaves the
    /// core's books whole (P-01).
    function test_batch_duplicatesAndInterleavedSides_liquidateOnce() public {
        _deposit(carol, 10_000_000 * USD);
        _open(alice, ETH, true, 30_000 * USD, 1_000_000 * USD);
        _open(dave, ETH, true, 40_000 * USD, 1_000_000 * USD);
        _open(bob, ETH, false, 400_000 * USD, 2_000_000 * USD);
        _setPrice(ETH, P0 * 9775 / 10_000);
        assertTrue(_status(alice, ETH, true).liquidatable && _status(dave, ETH, true).liquidatable);
        assertFalse(_status(bob, ETH, false).liquidatable);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](5);
        refs[0] = IPerpEngine.PositionRef(alice, ETH, true);
        refs[1] = IPerpEngine.PositionRef(bob, ETH, false);
        refs[2] = IPerpEngine.PositionRef(dave, ETH, true);
        refs[3] = IPerpEngine.PositionRef(alice, ETH, true);
        refs[4] = IPerpEngine.PositionRef(dave, ETH, true);
        uint256 snap = vm.snapshotState();
        vm.startPrank(keeper);
        uint256 r1 = engine.liquidate(alice, ETH, true);
        uint256 r2 = engine.liquidate(dave, ETH, true);
        vm.stopPrank();
        uint256 aliceRefund = usdc.balanceOf(alice);
        uint256 daveRefund = usdc.balanceOf(dave);
        vm.revertToState(snap);
        vm.prank(keeper);
        (uint256 n, uint256 reward) = engine.liquidateBatch(refs);
        assertEq(n, 2, "two liquidated");
        assertEq(reward, r1 + r2, "rewards as one by one");
        assertEq(usdc.balanceOf(alice), aliceRefund, "alice refunded as alone");
        assertEq(usdc.balanceOf(dave), daveRefund, "dave refunded as alone");
        assertGt(engine.position(bob, ETH, false).sizeUsd, 0, "bob untouched");
        IClearingCore.PoolState memory ps = core.poolState();
        assertEq(
            usdc.balanceOf(address(core)), ps.poolCashUsd + ps.totalCollateralUsd + ps.refundsOwedUsd, "P-01 exact"
        );
    }
}
