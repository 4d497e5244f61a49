// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {Reader} from "../../../contracts/periphery/Reader.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {console2} from "forge-std/console2.sol";

/// @notice The fair-margin issue's crash scenario, held as a test and printed for bench/report.md (`npm run bench`
///         scrapes the `SCENARIO|` lines): ETH falls 40% in four equal steps with a keeper liquidating everything
///         liquidatable after each, then calms. Targets: no position with positive PnL is liquidated; every
///         liquidation returns the equity beyond the liquidation fee and the close impact; max leverage for new
///         positions is back to at least 10x within 30 minutes of calm.
contract CrashScenarioTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant TRADERS = 24;
    address[] internal traders;
    uint256 internal interval;

    struct Tally {
        uint256 liquidated;
        uint256 winnersLiquidated;
        uint256 refundedUsd;
        uint256 equitySeizedBeyondFeesUsd; // equity kept by the pool beyond fee and impact (must stay 0)
        uint256 badDebtUsd;
    }

    function setUp() public override {
        super.setUp();
        interval = reader.marketConfig(ETH).sampleIntervalSec;
        _deposit(carol, 20_000_000 * USD);
        _setPriceAtBoundary(ETH, 3000e18, 0);
        engine.poke(ETH);
        // 24 traders, longs and shorts alternately, from 2x to just under the max leverage
        (,, uint256 maxLevWad) = reader.marginRates(ETH, 100_000 * USD);
        uint16[12] memory levX10 = [uint16(20), 30, 50, 80, 120, 160, 200, 250, 300, 350, 400, 420];
        for (uint256 i; i < TRADERS; ++i) {
            address t = makeAddr(string.concat("trader", vm.toString(i)));
            traders.push(t);
            uint256 lev = uint256(levX10[i % 12]) * WAD / 10;
            if (lev > maxLevWad * 85 / 100) lev = maxLevWad * 85 / 100;
            uint256 collateral = (5000 + 1000 * i) * USD;
            // leverage on the equity left after the open fee: size x (1 / lev + fee) = collateral
            uint256 size = collateral * lev / (WAD + lev * reader.marketConfig(ETH).openFeeBps / 10_000);
            _open(t, ETH, i % 2 == 0, collateral, size * 99 / 100);
        }
    }

    function _row(string memory label, Tally memory tally) internal view {
        (, uint256 imr, uint256 maxLev) = reader.marginRates(ETH, 10_000 * USD);
        Reader.MarketView memory m = reader.market(ETH);
        string memory margins = string.concat(
            _pct(m.annualizedVolatilityWad),
            "|",
            _pct(m.longRunVolatilityWad),
            "|",
            _pct(m.maintenanceBaseWad),
            "|",
            _pct(m.marginTargetWad),
            "|",
            _pct(imr),
            "|",
            vm.toString(maxLev / 1e17 / 10),
            ".",
            vm.toString(maxLev / 1e17 % 10),
            "x"
        );
        string memory counts = string.concat(
            vm.toString(tally.liquidated),
            "|",
            vm.toString(tally.winnersLiquidated),
            "|",
            vm.toString(tally.refundedUsd / USD),
            "|",
            vm.toString(tally.badDebtUsd / USD)
        );
        console2.log(string.concat("SCENARIO|", label, "|", vm.toString(_price(ETH) / 1e18), "|", margins, "|", counts));
    }

    function _pct(uint256 wad) internal pure returns (string memory) {
        uint256 bps = wad / 1e14;
        return string.concat(vm.toString(bps / 100), ".", bps % 100 < 10 ? "0" : "", vm.toString(bps % 100), "%");
    }

    /// @dev The keeper's pass: liquidates every liquidatable position, checking each against the rules from first
    ///      principles (fee = liquidationFeeBps of the value closed, or closeFeeBps of it plus the keeper's reward where
    ///      that is more (P-97); impact = the skew's quadratic cost of closing, 0 if it improves the skew; the trader
    ///      gets equity - fee - impact when positive).
    function _keeperPass(Tally memory tally) internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        for (uint256 i; i < TRADERS; ++i) {
            bool isLong = i % 2 == 0;
            IPerpEngine.PositionStatus memory s = _status(traders[i], ETH, isLong);
            if (!s.liquidatable) continue;
            uint256 expectedRefund = _expectedRefund(cfg, traders[i], isLong, s);
            uint256 balanceBefore = usdc.balanceOf(traders[i]);
            uint256 badDebtBefore = core.poolState().badDebtUsd;
            vm.prank(keeper);
            engine.liquidate(traders[i], ETH, isLong);
            uint256 refund = usdc.balanceOf(traders[i]) - balanceBefore;
            tally.liquidated++;
            if (s.pnlUsd > 0) tally.winnersLiquidated++;
            tally.refundedUsd += refund;
            if (expectedRefund > refund) tally.equitySeizedBeyondFeesUsd += expectedRefund - refund;
            tally.badDebtUsd += core.poolState().badDebtUsd - badDebtBefore;
            assertEq(refund, expectedRefund, "refund = equity - liquidation fee - close impact");
        }
    }

    function _expectedRefund(
        IPerpEngine.MarketConfig memory cfg,
        address trader,
        bool isLong,
        IPerpEngine.PositionStatus memory s
    ) internal view returns (uint256) {
        IPerpEngine.Position memory pos = engine.position(trader, ETH, isLong);
        uint256 size = pos.sizeUsd;
        int256 equityUsd = s.equityUsd;
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        int256 skew = int256(uint256(st.longOiUsd)) - int256(uint256(st.shortOiUsd));
        int256 skewAfter = isLong ? skew - int256(size) : skew + int256(size);
        uint256 impact = _abs(skewAfter) > _abs(skew)
            ? _divUp(_abs(skewAfter) ** 2 - _abs(skew) ** 2, 2 * uint256(cfg.impactScaleUsd))
            : 0;
        uint256 reward = _divUp(size * cfg.liquidationFeeBps, 10_000) * core.poolConfig().keeperShareBps / 10_000;
        if (reward > uint256(pos.collateralUsd) + pos.rebateUsd) reward = uint256(pos.collateralUsd) + pos.rebateUsd;
        uint256 fee = _liquidationChargeUsd(ETH, isLong, size, s.pnlUsd, reward);
        return equityUsd > int256(fee + impact) ? uint256(equityUsd) - fee - impact : 0;
    }

    function _crash(bool stepPerInterval) internal returns (Tally memory tally) {
        _row("start", tally);
        uint256 p = 3000e18;
        for (uint256 step = 1; step <= 4; ++step) {
            p = p * 8801 / 10_000; // 0.6^(1/4): -40% over four steps
            if (stepPerInterval) _setPriceAtBoundary(ETH, p, 0);
            else _setPrice(ETH, p); // ticks 1 s apart: all four inside one interval (the simulator's crash)
            engine.poke(ETH);
            _keeperPass(tally);
            _row(string.concat("step ", vm.toString(step)), tally);
        }
        // calm: three samples 10 minutes apart with +-0.1% moves
        for (uint256 i; i < 3; ++i) {
            p = i % 2 == 0 ? p * 10_010 / 10_000 : p * 10_000 / 10_010;
            _setPriceAtBoundary(ETH, p, 0);
            engine.poke(ETH);
            _keeperPass(tally);
        }
        _row("calm +30 min", tally);
        (,, uint256 maxLev) = reader.marginRates(ETH, 10_000 * USD);
        assertGe(maxLev, 10 * WAD, "max leverage back to 10x within 30 minutes of calm");
        assertEq(tally.winnersLiquidated, 0, "no position with positive PnL liquidated");
        assertEq(tally.equitySeizedBeyondFeesUsd, 0, "every liquidation returns the equity beyond fee and impact");
        assertGt(tally.liquidated, 0, "the crash does liquidate the over-leveraged losers");
    }

    /// Each step lands in a new sampling interval: four samples (the estimator's worst case).
    function test_crash_fourSamples() public {
        console2.log("SCENARIO-TITLE|-40% in four steps, one per sampling interval (10 min apart)");
        _crash(true);
    }

    /// The simulator's crash: four ticks one second apart, one sample.
    function test_crash_oneInterval() public {
        console2.log("SCENARIO-TITLE|-40% in four steps one second apart (the simulator's crash: one sample)");
        _crash(false);
    }

    /// The issue's -43% replay as a sustained sell-off: 48 samples 10 minutes apart (8 hours), each -1.16% on trend
    /// with +-1.5% noise, so sigma and the margin target climb for hours while maintenance follows at the ramp's pace.
    function test_replay_minus43_overEightHours() public {
        console2.log("SCENARIO-TITLE|-43% over 8 hours: 48 samples 10 min apart, -1.16% trend with +-1.5% noise");
        Tally memory tally;
        _row("start", tally);
        uint256 p = 3000e18;
        for (uint256 i = 1; i <= 48; ++i) {
            uint256 noise = uint256(keccak256(abi.encode(i))) % 301; // 0 .. 300 bps
            p = p * 9884 / 10_000 * (10_000 + noise - 150) / 10_000;
            _setPriceAtBoundary(ETH, p, 0);
            engine.poke(ETH);
            _keeperPass(tally);
            if (i % 12 == 0) _row(string.concat(vm.toString(i / 6), " h"), tally);
        }
        assertLt(_price(ETH), 3000e18 * 60 / 100, "the replay fell by about 43%");
        assertEq(tally.winnersLiquidated, 0, "no position with positive PnL liquidated");
        assertEq(tally.equitySeizedBeyondFeesUsd, 0, "every liquidation returns the equity beyond fee and impact");
        (uint256 mmr,,) = reader.marginRates(ETH, 10_000 * USD);
        (,, uint256 maxLev) = reader.marginRates(ETH, 10_000 * USD);
        assertGt(mmr, 0.0149e18, "a sustained sell-off does raise maintenance");
        assertLt(maxLev, 44e18, "and lowers max leverage");
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return uint256(x >= 0 ? x : -x);
    }

    function _divUp(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
