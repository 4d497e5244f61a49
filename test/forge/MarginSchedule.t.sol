// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice The anti-procyclical margin rules (PROPERTIES.md P-60 to P-64), checked against the documented rules:
///         maintenance of open positions rises at most `maintenanceRampWadPerHour` per hour and never at the instant of
///         a sample; initial margin answers at once; a sample's return is winsorized at `clipSigmas`; a long-run
///         variance floors the margin through calm spells; a position that met initial margin is not liquidated at its
///         entry price by the rising rate before its notice period.
contract MarginScheduleTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant SIZE = 100_000 * USD;
    uint256 internal interval;
    uint256 internal ramp;

    function setUp() public override {
        super.setUp();
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        interval = cfg.sampleIntervalSec;
        ramp = cfg.maintenanceRampWadPerHour;
        _deposit(carol, 10_000_000 * USD);
    }

    function _rates() internal view returns (uint256 mmr, uint256 imr) {
        (mmr, imr,) = reader.marginRates(ETH, SIZE);
    }

    /// @dev The next sampling boundary plus `offset` seconds, with a new price there.
    function _sampleAt(uint256 priceWad, uint256 offset) internal {
        _setPriceAtBoundary(ETH, priceWad, offset);
        engine.poke(ETH);
    }

    /// P-60: whatever the samples (moves up to +-50%, any spacing), maintenance never rises faster than the ramp.
    function testFuzz_maintenance_risesAtMostRampPerHour(uint256 seed) public {
        uint256 p = 3000e18;
        for (uint256 i; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            (uint256 mmrBefore,) = _rates();
            uint256 t0 = block.timestamp;
            skip(bound(r, 1, 3 * interval));
            uint256 move = bound(r >> 64, 5000, 15_000); // x0.5 .. x1.5
            p = p * move / 10_000;
            vm.prank(admin);
            _feed(ETH).setPrice(p);
            engine.poke(ETH);
            (uint256 mmrAfter,) = _rates();
            uint256 allowed = ramp * (block.timestamp - t0) / 1 hours + 1; // + rounding up of the ramp
            assertLe(mmrAfter, mmrBefore + allowed, "rise bounded by the ramp");
        }
    }

    /// P-61: initial margin (new risk) answers a turbulent sample at once while maintenance (existing risk) waits.
    function test_initialMargin_respondsAtOnce_maintenanceRamps() public {
        _sampleAt(3000e18, 0);
        (uint256 mmr0, uint256 imr0) = _rates();
        _sampleAt(2400e18, 0); // -20% in one interval
        (uint256 mmr1, uint256 imr1) = _rates();
        assertGt(imr1, imr0, "initial margin up at once");
        assertEq(mmr1, mmr0, "maintenance unchanged at the instant");
        skip(1 hours);
        _refreshPrices();
        (uint256 mmr2,) = _rates();
        assertGt(mmr2, mmr1, "maintenance catches up");
        assertLe(mmr2, mmr1 + ramp + 1, "by at most the ramp per hour");
    }

    /// P-62: a crash is one winsorized observation: a -40% sample raises the variance by at most the factor
    /// (tau + k^2 dt) / (tau + dt) of the documented outlier rule, not by r^2 / tau (which would be x46 here).
    function test_crashSample_isWinsorized() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        _sampleAt(3000e18, 0);
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        uint256 v0 = st.varianceWad > st.longVarianceWad ? st.varianceWad : st.longVarianceWad;
        _sampleAt(1800e18, 0);
        uint256 v1 = reader.marketState(ETH).varianceWad;
        uint256 dt = interval;
        uint256 k2 = uint256(cfg.clipSigmas) ** 2;
        assertLe(v1, (cfg.volTauSec * v0 + k2 * v0 * dt) / (cfg.volTauSec + dt) + 1, "bounded by the k-sigma rule");
        assertGt(v1, v0, "but the crash still counts");
        // unclipped, ln(0.6)^2 / tau alone would add 0.26 / 172,800 per second: about 46 times the 60% variance
        assertLt(v1, 2 * v0, "not an explosion");
    }

    /// P-62: the clip spans at least one interval: a 5% jump between two samples one second apart (either side of a
    /// boundary) still counts as a 10-sigma move of an interval (variance +34%), not of one second (+0.06%).
    function test_clip_spansAtLeastOneInterval() public {
        _sampleAt(3000e18, interval - 1); // the last second of an interval
        uint256 v0 = reader.marketState(ETH).varianceWad;
        _setPriceAfter(ETH, 3150e18, 1); // the first second of the next: a sample 1 s later
        engine.poke(ETH);
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        assertEq(st.lastSampleAt, block.timestamp, "a sample");
        assertGt(st.varianceWad * 100, v0 * 120, "the jump counts");
    }

    /// P-63: through a week of a flat price the current variance decays toward zero, but the long-run variance floors
    /// the margin: maintenance stays above 85% of its level before (it would fall to the 0.5% rate floor without it).
    /// The keeper samples every interval (a sample counts for at most its interval plus the max price age, P-92).
    function test_longRunFloor_keepsCalmMarginsUp() public {
        _sampleAt(3000e18, 0);
        (uint256 mmrBefore, uint256 imrBefore) = _rates();
        for (uint256 i; i < 7 days / interval; ++i) {
            _setPriceAfter(ETH, 3000e18, interval); // one sample every interval, zero return
            engine.poke(ETH);
        }
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        assertLt(st.varianceWad * 10, st.longVarianceWad, "the current variance decayed far below the long-run one");
        (uint256 mmrAfter, uint256 imrAfter) = _rates();
        assertGt(mmrAfter * 100, mmrBefore * 85, "maintenance held up by the long-run sigma");
        assertGt(imrAfter * 100, imrBefore * 85, "initial margin too");
    }

    /// P-92: a sample counts for at most two intervals plus the max price age after the last: one that comes after a
    ///       gap (no trade or poke for hours, up to a month) sets exactly the variances one at the window's end
    ///       sets, after a flat spell or a move of up to 10% either way. A gap neither shortens the memory (a quiet
    ///       feed's late sample cannot drain the variance) nor widens the outlier cap (what the next sample can set is
    ///       bounded over the window: the options' trade prices and the LP band rely on it).
    function testFuzz_lateSample_countsAsTheWindowsEnd(uint256 gapSeed, uint256 moveSeed, uint256 offsetSeed) public {
        _sampleAt(3000e18, bound(offsetSeed, 0, interval - 1));
        uint256 windowEnd = block.timestamp + 2 * interval + reader.marketConfig(ETH).maxPriceAgeSec;
        uint256 p = 3000e18 * bound(moveSeed, 9000, 11_000) / 10_000;
        uint256 snap = vm.snapshotState();
        vm.warp(windowEnd);
        vm.prank(admin);
        _feed(ETH).setPrice(p);
        engine.poke(ETH);
        IPerpEngine.MarketState memory atEnd = reader.marketState(ETH);
        vm.revertToState(snap);
        vm.warp(windowEnd + bound(gapSeed, 1, 30 days));
        vm.prank(admin);
        _feed(ETH).setPrice(p);
        engine.poke(ETH);
        IPerpEngine.MarketState memory late = reader.marketState(ETH);
        assertEq(late.lastSampleAt, block.timestamp, "a sample");
        assertEq(late.varianceWad, atEnd.varianceWad, "the variance as at the window's end");
        assertEq(late.longVarianceWad, atEnd.longVarianceWad, "the long-run variance too");
    }

    /// P-92 (a review): the estimator counts each return for the time it spans, wherever in their intervals the samples
    ///       fall. The same prices sampled late in every interval (offset 593 of 600 on a 7 s pull feed: the window
    ///       was measured from the last sample's boundary, so each 600 s return counted for 14 s) and early (offset 2)
    ///       set the same variances; before, the late path's were about 43 times higher in steady state.
    function testFuzz_samplesLateInTheirIntervals_countTheirWholeReturn(uint256 moveSeed, uint256 offsetSeed) public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxPriceAgeSec = 7; // a pull feed's
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        uint256 late = bound(offsetSeed, interval / 2, interval - 1);
        uint256 moveBps = bound(moveSeed, 10, 200);
        uint256 snap = vm.snapshotState();
        (uint256 vLate, uint256 vLongLate) = _alternatingSamples(late, moveBps);
        vm.revertToState(snap);
        (uint256 vEarly, uint256 vLongEarly) = _alternatingSamples(2, moveBps);
        assertEq(vLate, vEarly, "the variance does not depend on where in its interval a sample falls");
        assertEq(vLongLate, vLongEarly, "nor does the long-run variance");
    }

    /// P-92 (a second review): samples alternating between an interval's start and the next one's end (1,199 s, then
    ///       1 s apart) keep the variance where returns of the same per-second variance sampled once per interval do:
    ///       each return counts for the time it spans. With a window of one interval plus the max age the 1,199 s
    ///       returns counted for 607 s, and two days of such samples raised the variance by about a third.
    function test_samplesAlternatingAcrossIntervals_countTheirWholeReturn() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxPriceAgeSec = 7; // a pull feed's
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        _sampleAt(3000e18, 0);
        uint256 perSecondWad = reader.marketState(ETH).varianceWad; // the returns' variance: the estimate's own
        uint256 snap = vm.snapshotState();
        uint256 vAlternating = _samplesAtVariance(perSecondWad, true);
        vm.revertToState(snap);
        uint256 vRegular = _samplesAtVariance(perSecondWad, false);
        assertApproxEqRel(vAlternating, vRegular, 0.02e18, "the spacing of the samples does not bias the estimate");
        assertApproxEqRel(vRegular, perSecondWad, 0.02e18, "returns at the estimate's variance keep it");
    }

    /// @dev 288 samples (two days) whose returns are +-sqrt(v x elapsed) (alternating signs): at offsets alternating
    ///      between interval - 1 and 0 of consecutive intervals, or at offset 0 of every interval.
    function _samplesAtVariance(uint256 perSecondWad, bool alternating) internal returns (uint256) {
        uint256 p = 3000e18;
        for (uint256 i; i < 288; ++i) {
            uint256 last = block.timestamp;
            uint256 offset = alternating && i % 2 == 0 ? interval - 1 : 0;
            uint256 at = (block.timestamp / interval + 1) * interval + offset;
            uint256 rWad = Math.sqrt(perSecondWad * (at - last) * WAD); // the return's size, WAD
            p = i % 2 == 0 ? p * (WAD + rWad) / WAD : p * WAD / (WAD + rWad);
            _sampleAt(p, offset);
        }
        return reader.marketState(ETH).varianceWad;
    }

    /// @dev 24 samples one interval apart at `offset` seconds past each boundary, alternating the price +-moveBps.
    function _alternatingSamples(uint256 offset, uint256 moveBps) internal returns (uint256, uint256) {
        for (uint256 i; i < 24; ++i) {
            _sampleAt(3000e18 * (i % 2 == 0 ? 10_000 + moveBps : 10_000 - moveBps) / 10_000, offset);
        }
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        return (st.varianceWad, st.longVarianceWad);
    }

    /// P-64 (a review): the initial multiplier is at least 1.2, so a position opened at its initial margin always has
    ///       a notice period; at 1 the initial margin was the target and the next sample's ramp could liquidate it.
    function test_setMarketConfig_initialMultiplierLeavesANotice() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.imrMultiplierWad = 1.19e18;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.InvalidParameter.selector, bytes32("imrMultiplierWad"), 1.19e18, 1.2e18, 5e18
            )
        );
        engine.setMarketConfig(ETH, cfg);
        cfg.imrMultiplierWad = 1.2e18;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        assertEq(reader.marketConfig(ETH).imrMultiplierWad, 1.2e18);
    }

    /// P-64: a position opened at its initial margin is not liquidated at its entry price by the rising rate alone
    /// before its notice period: (initial - maintenance) / ramp hours, less the fees it owes by then.
    function testFuzz_noLiquidationAtEntryWithinNotice(uint256 seed) public {
        _sampleAt(3000e18, 0);
        (uint256 mmr0, uint256 imr0, uint256 maxLev) = reader.marginRates(ETH, SIZE);
        // at the max leverage, plus the open fee and (100 USD for) the impact
        uint256 collateral = SIZE * WAD / maxLev + SIZE * reader.marketConfig(ETH).openFeeBps / 10_000 + 100 * USD;
        _open(alice, ETH, true, collateral, SIZE);
        _open(bob, ETH, false, collateral, SIZE); // skew zero: no funding
        uint256 openedAt = block.timestamp;
        // half the notice: the slack (imr - mmr) over the ramp, with room for the borrow fee
        uint256 notice = (imr0 - mmr0) * 1 hours / ramp / 2;
        // turbulence: samples 5-10% away every interval (up or down), back at the entry price at the end of each pair
        for (uint256 i; block.timestamp + interval < openedAt + notice; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 move = bound(r, 500, 1000);
            uint256 p = i % 2 == 0 ? 3000e18 * (r >> 128 & 1 == 0 ? 10_000 - move : 10_000 + move) / 10_000 : 3000e18;
            _sampleAt(p, bound(r >> 64, 0, 30));
            if (p == 3000e18) {
                assertFalse(_status(alice, ETH, true).liquidatable, "long at entry safe within notice");
                assertFalse(_status(bob, ETH, false).liquidatable, "short at entry safe within notice");
            }
        }
        (, uint256 imrNow,) = reader.marginRates(ETH, SIZE);
        assertGt(imrNow, imr0, "the turbulence did raise margin for new risk");
    }

    /// @dev Alice's ~43x long opened at 3,000, then six samples an interval apart of +-6% each (clipped), ending at
    ///      3,003: she is in profit and the schedule's base trails its raised target (review AD's setup).
    function _winnerBehindARise() internal {
        _deposit(carol, 2_000_000 * USD);
        _open(alice, ETH, true, 2850 * USD, 100_000 * USD);
        uint256 t0 = block.timestamp - block.timestamp % interval;
        uint256[6] memory px = [uint256(3180e18), 2999e18, 3180e18, 2999e18, 3180e18, 3003e18];
        for (uint256 i; i < 6; ++i) {
            vm.warp(t0 + (i + 1) * interval);
            _setPrice(ETH, px[i]);
            engine.poke(ETH);
        }
        assertGt(_status(alice, ETH, true).pnlUsd, 0, "alice is in profit");
        assertFalse(_status(alice, ETH, true).liquidatable);
    }

    /// P-60 (review AD): the ramp is the notice. Raised from 0.5 to 50 points an hour while the base trailed its
    /// target, it made this winner liquidatable two minutes after the change (maintenance 3,587 USD against equity
    /// 2,445). A faster ramp is refused while the base trails its target with open interest; at the old ramp she is
    /// still safe two minutes on (and an hour on).
    function test_setMarketConfig_fasterRampBehindTarget_refused() public {
        _winnerBehindARise();
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        uint256 base = reader.market(ETH).maintenanceBaseWad;
        assertGt(st.marginTargetWad, base, "the base trails its target");
        IPerpEngine.MarketConfig memory faster = reader.marketConfig(ETH);
        faster.maintenanceRampWadPerHour = 0.5e18;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpEngine.RampRaisedBehindTarget.selector, ETH, base, st.marginTargetWad)
        );
        engine.setMarketConfig(ETH, faster);
        _setPriceAfter(ETH, 3003e18, 2 minutes);
        assertFalse(_status(alice, ETH, true).liquidatable, "the old ramp's notice still holds");
        _setPriceAfter(ETH, 3003e18, 58 minutes);
        assertFalse(_status(alice, ETH, true).liquidatable, "an hour on at the old ramp");

        // A slower ramp is always taken (it only lengthens the notice).
        IPerpEngine.MarketConfig memory slower = reader.marketConfig(ETH);
        slower.maintenanceRampWadPerHour = uint64(ramp / 2);
        vm.prank(admin);
        engine.setMarketConfig(ETH, slower);
        assertEq(reader.marketConfig(ETH).maintenanceRampWadPerHour, ramp / 2);
    }

    /// Once the base stands on its target, or with no open interest, a faster ramp is taken: it applies to later
    /// rises only.
    function test_setMarketConfig_fasterRampOnTarget_taken() public {
        _winnerBehindARise();
        IPerpEngine.MarketConfig memory faster = reader.marketConfig(ETH);
        faster.maintenanceRampWadPerHour = uint64(ramp * 2);
        // the base reaches the target: it climbs at the old pace while flat samples bring the target down
        for (uint256 i; i < 48 && reader.market(ETH).maintenanceBaseWad < reader.marketState(ETH).marginTargetWad; ++i) {
            vm.warp(block.timestamp + 1 hours);
            _setPrice(ETH, 3003e18);
            engine.poke(ETH); // a flat sample: the variance decays, the target with it
        }
        uint256 base = reader.market(ETH).maintenanceBaseWad;
        assertGe(base, reader.marketState(ETH).marginTargetWad, "the base caught up");
        vm.prank(admin);
        engine.setMarketConfig(ETH, faster);
        assertEq(reader.marketConfig(ETH).maintenanceRampWadPerHour, ramp * 2);
        assertEq(reader.market(ETH).maintenanceBaseWad, base, "nothing moves at the change");
    }

    /// P-60: the size term applies to open positions at once, so a stricter one enters through the schedule: the base
    /// drops by what the new term adds at the side's open interest, so no position's maintenance rises at the change,
    /// then climbs back at the ramp's pace. A review's admin had raised it from 1% to 5% under a 10M long in profit,
    /// which became liquidatable in the same block.
    function test_setMarketConfig_stricterSizeTerm_entersThroughTheSchedule() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        _deposit(carol, 40_000_000 * USD);
        _open(alice, ETH, true, 500_000 * USD, 5_000_000 * USD);
        _open(bob, ETH, true, 20_000 * USD, 200_000 * USD);
        _setPriceAfter(ETH, 3030e18, 10 minutes); // +1%: the longs are in profit
        engine.poke(ETH);
        assertGt(_status(alice, ETH, true).pnlUsd, 0);
        uint256 aliceBefore = _status(alice, ETH, true).maintenanceMarginWad;
        uint256 bobBefore = _status(bob, ETH, true).maintenanceMarginWad;

        IPerpEngine.MarketConfig memory stricter = reader.marketConfig(ETH);
        stricter.sizeTermWad = cfg.sizeTermWad * 3 / 2;
        vm.prank(admin);
        engine.setMarketConfig(ETH, stricter);
        // From first principles: the new term adds (1.5% - 1%) x size / 10M; the base dropped by that at 5.2M (+1 wei).
        uint256 delta = stricter.sizeTermWad - cfg.sizeTermWad;
        uint256 added = delta * 5_200_000 * USD / cfg.sizeScaleUsd;
        assertLe(_status(alice, ETH, true).maintenanceMarginWad, aliceBefore, "the largest does not rise");
        assertApproxEqAbs(
            _status(bob, ETH, true).maintenanceMarginWad,
            bobBefore - added + delta * 200_000 * USD / cfg.sizeScaleUsd,
            2,
            "a smaller one gets the notice too"
        );
        assertFalse(_status(alice, ETH, true).liquidatable);

        // Then the base ramps back: at most `ramp` an hour, until the new term is fully paid on top of the target.
        for (uint256 h = 1; h <= 12; ++h) {
            _setPriceAfter(ETH, 3030e18, 1 hours);
            engine.poke(ETH);
            uint256 mmr = _status(alice, ETH, true).maintenanceMarginWad;
            assertLe(mmr, aliceBefore + ramp * h + 1, "rises at most at the ramp's pace");
        }
        (uint256 mmrNow,,) = reader.marginRates(ETH, 5_200_000 * USD);
        (uint256 mmrOld,,) = reader.marginRates(ETH, 0);
        assertApproxEqAbs(
            mmrNow - mmrOld,
            uint256(stricter.sizeTermWad) * 5_200_000 * USD / cfg.sizeScaleUsd,
            2,
            "the stricter term applies in full"
        );
        assertEq(mmrOld, reader.marketState(ETH).marginTargetWad, "the base is back on its target");
    }

    /// P-60: a raise larger than one change may take (an hour of the ramp, within the base's room above the floor) is
    /// refused with the numbers; looser applies at once; a flat market takes any raise (no position to give notice to).
    function test_setMarketConfig_stricterSizeTerm_tooLargeARaiseWaits() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        _deposit(carol, 40_000_000 * USD);
        _open(alice, ETH, true, 2_000_000 * USD, 10_000_000 * USD);
        IPerpEngine.MarketConfig memory stricter = reader.marketConfig(ETH);
        stricter.sizeTermWad = cfg.sizeTermWad * 5; // +4% at 10M: more than the base
        uint256 room = _status(alice, ETH, true).maintenanceMarginWad - cfg.sizeTermWad - cfg.mmrFloorWad;
        if (room > ramp) room = ramp;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.SizeTermRaiseTooLarge.selector, ETH, 10_000_000 * USD, cfg.sizeTermWad * 4 + 1, room
            )
        );
        engine.setMarketConfig(ETH, stricter);
        // The same tightening by a smaller scale is the same change.
        stricter.sizeTermWad = cfg.sizeTermWad;
        stricter.sizeScaleUsd = cfg.sizeScaleUsd / 5;
        vm.prank(admin);
        vm.expectPartialRevert(IPerpEngine.SizeTermRaiseTooLarge.selector);
        engine.setMarketConfig(ETH, stricter);
        // Looser applies at once.
        uint256 before = _status(alice, ETH, true).maintenanceMarginWad;
        stricter.sizeScaleUsd = cfg.sizeScaleUsd * 2;
        vm.prank(admin);
        engine.setMarketConfig(ETH, stricter);
        assertLt(_status(alice, ETH, true).maintenanceMarginWad, before);
        // Flat market: stricter is accepted.
        vm.prank(alice);
        engine.decreasePosition(ETH, true, 0, 10_000_000 * USD, 0);
        stricter.sizeTermWad = cfg.sizeTermWad * 5;
        stricter.sizeScaleUsd = cfg.sizeScaleUsd;
        vm.prank(admin);
        engine.setMarketConfig(ETH, stricter);
        assertEq(reader.marketConfig(ETH).sizeTermWad, cfg.sizeTermWad * 5);
    }

    /// P-60, fuzzed over positions on both sides and any stricter term and scale: either the change is refused (the
    /// raise at the larger side exceeds an hour of the ramp or the base's room above the floor), or no open position's
    /// maintenance rate rises at it and the base drops by at most an hour of the ramp, never below the floor.
    function testFuzz_setMarketConfig_stricterSizeTerm_noMaintenanceRisesAtTheChange(
        uint256 longSeed,
        uint256 shortSeed,
        uint256 termSeed,
        uint256 scaleSeed
    ) public {
        uint256 longSize = bound(longSeed, 1000, 8_000_000) * USD;
        uint256 shortSize = bound(shortSeed, 1000, 8_000_000) * USD;
        _deposit(carol, 60_000_000 * USD);
        _open(alice, ETH, true, longSize / 5, longSize);
        _open(bob, ETH, false, shortSize / 5, shortSize);
        _open(dave, ETH, true, 10_000 * USD, 50_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        IPerpEngine.MarketConfig memory stricter = reader.marketConfig(ETH);
        stricter.sizeTermWad = uint64(bound(termSeed, cfg.sizeTermWad, cfg.sizeTermWad * 4));
        stricter.sizeScaleUsd = uint128(bound(scaleSeed, cfg.sizeScaleUsd / 4, cfg.sizeScaleUsd));
        uint256[3] memory before = [
            _status(alice, ETH, true).maintenanceMarginWad,
            _status(bob, ETH, false).maintenanceMarginWad,
            _status(dave, ETH, true).maintenanceMarginWad
        ];
        vm.prank(admin);
        try engine.setMarketConfig(ETH, stricter) {
            assertLe(_status(alice, ETH, true).maintenanceMarginWad, before[0], "long");
            assertLe(_status(bob, ETH, false).maintenanceMarginWad, before[1], "short");
            assertLe(_status(dave, ETH, true).maintenanceMarginWad, before[2], "small");
        } catch (bytes memory err) {
            assertEq(bytes4(err), IPerpEngine.SizeTermRaiseTooLarge.selector, "refused only as too large");
            // From first principles: the raise at the larger side exceeds the base's room above the floor.
            uint256 side = longSize + 50_000 * USD > shortSize ? longSize + 50_000 * USD : shortSize;
            uint256 raise = uint256(stricter.sizeTermWad) * side / stricter.sizeScaleUsd - uint256(cfg.sizeTermWad)
                * side / cfg.sizeScaleUsd;
            uint256 base = before[2] - uint256(cfg.sizeTermWad) * 50_000 * USD / cfg.sizeScaleUsd;
            uint256 room = base > cfg.mmrFloorWad ? base - cfg.mmrFloorWad : 0;
            assertGe(raise + 2, room < ramp ? room : ramp, "more than an hour of the ramp, or than the floor allows");
            return;
        }
        // The base dropped by at most an hour of the ramp, never below the floor.
        (uint256 base_,,) = reader.marginRates(ETH, 0);
        assertGe(base_, cfg.mmrFloorWad, "never below the maintenance floor");
        assertGe(base_ + ramp, before[2] - uint256(cfg.sizeTermWad) * 50_000 * USD / cfg.sizeScaleUsd - 1, "an hour");
    }
}
