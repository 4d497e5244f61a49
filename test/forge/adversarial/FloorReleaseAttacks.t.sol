// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {console} from "forge-std/console.sol";

/// @notice A position past its floor's grid price F_b, closed or topped up by its owner instead of liquidated. The NAV
///         values it at F_b (P-56), which the grid puts up to one step above its true floor F* (where its backing,
///         collateral + rebate less the keeper's reward, is spent), and sets the reward aside. A liquidation locks what
///         that valuation left out (P-96); a review found an owner's close (decreasePosition, also a keeper's fill of
///         its stop-loss) and a collateral top-up locked none of it: the NAV rose at once by reward + T x (F_b - F*)
///         (70,800 USD on a 10M long), and the attacker's own deposit in front of its self-close took +29,761 over its
///         best honest exit (liquidating itself), a top-up in front of its own keeper's liquidation +31,624. Every
///         position update now locks what it takes off the floor book (CapBook.movePosition's releasedUsd), and a close
///         with bad debt its fee and impact whole, so what vests is the NAV's jump.
contract FloorReleaseAttacksTest is BaseTest {
    address internal atkTrader = makeAddr("atkTrader");
    address internal honestShort1 = makeAddr("honestShort1");
    address internal honestShort2 = makeAddr("honestShort2");
    uint256 internal constant SIZE = 10_000_000 * USD;
    uint256 internal constant ATTACK_DEPOSIT = 100_000_000 * USD;

    struct R {
        uint256 depositShares;
        int256 attackerLp; // LP redemption - deposit
        uint256 keeperReward; // paid to the attacker's keeper (liquidation branch)
        uint256 carolValue; // carol's redemption value at the end
        int256 navJump;
        uint256 lockDelta;
        uint256 topUp;
    }

    function _setLag(uint16 lagBps) internal {
        IPerpEngine.MarketConfig memory mc = reader.marketConfig(ETH);
        mc = deployer.withOracleLag(mc, lagBps);
        vm.prank(admin);
        engine.setMarketConfig(ETH, mc);
    }

    function _setUpMarket(uint16 lagBps) internal returns (uint256 fStar, uint256 fB, uint256 gapPrice) {
        _setLag(lagBps);
        _deposit(carol, 25_000_000 * USD);
        // a balanced book before the gap: attacker's 10M long against two honest 5M shorts (net exposure 0)
        _open(honestShort1, ETH, false, 1_000_000 * USD, SIZE / 2);
        _open(honestShort2, ETH, false, 1_000_000 * USD, SIZE / 2);
        (, uint256 imr,) = reader.marginRates(ETH, SIZE);
        _open(atkTrader, ETH, true, SIZE * imr / 1e18 + 2 * _openFeeUsd(ETH, SIZE) + 2000 * USD, SIZE);
        IPerpEngine.Position memory pos = engine.position(atkTrader, ETH, true);
        // top up so that the true floor F* sits just above the grid point below F_b: the NAV's floor valuation then
        // leaves out almost a whole grid step (the attacker picks its collateral; anyone may add collateral)
        uint256 reward = uint256(SIZE) * 20 / 10_000 / 2;
        uint256 backing = uint256(pos.collateralUsd) + pos.rebateUsd - reward;
        fStar = (uint256(SIZE) - backing) * 1e30 / pos.sizeTokens;
        uint256 below = CapGrid.priceOf(pos.floorBucket - 1);
        uint256 addUsd = (fStar - below) * pos.sizeTokens / 1e30;
        addUsd = addUsd > 5 * USD ? addUsd - 5 * USD : 0;
        _mint(atkTrader, addUsd);
        vm.prank(atkTrader);
        engine.increasePosition(ETH, true, addUsd, 0, MAX_PRICE);
        pos = engine.position(atkTrader, ETH, true);
        backing = uint256(pos.collateralUsd) + pos.rebateUsd - reward;
        fStar = (uint256(SIZE) - backing) * 1e30 / pos.sizeTokens;
        fB = CapGrid.priceOf(pos.floorBucket);
        gapPrice = CapGrid.priceOf(pos.floorBucket - 1) - 1e18; // just below F*: a gap past bankruptcy
        // the opens' own locked impact vests first, so the runs below start from no lock
        _setPriceAfter(ETH, _price(ETH), core.GAIN_VEST_SEC());
        console.log(
            "liquidation price (USD x1e6)", reader.liquidationPrice(pos, true, _status(atkTrader, ETH, true)) / 1e12
        );
        console.log("F* (true floor, USD x1e6)", fStar / 1e12);
        console.log("F_b (floor grid price, USD x1e6)", fB / 1e12);
        console.log("gap price (USD x1e6)", gapPrice / 1e12);
    }

    function _runAttack(uint16 lagBps, bool selfClose, bool lpDeposit) internal returns (R memory r) {
        return _runAttack(lagBps, selfClose ? 1 : 0, lpDeposit);
    }

    /// @param mode 0: the attacker's keeper liquidates; 1: the owner closes; 2: the owner tops up a few dollars (its
    ///        floor moves onto the grid point below, no grid rounding left), then its keeper liquidates.
    function _runAttack(uint16 lagBps, uint256 mode, bool lpDeposit) internal returns (R memory r) {
        bool selfClose = mode == 1;
        (,, uint256 gapPrice) = _setUpMarket(lagBps);
        // the gap lands (the position is past its floor's grid price: the NAV already values its loss at F_b);
        // the attacker's LP deposits after it, at the NAV's upper bound (the floor in reach: the larger side x lag)
        _setPriceAfter(ETH, gapPrice, 1);
        assertTrue(_status(atkTrader, ETH, true).liquidatable, "bankrupt");
        _logBounds("at the deposit");
        if (lpDeposit) {
            _mint(attacker, ATTACK_DEPOSIT);
            vm.prank(attacker);
            r.depositShares = pool.deposit(ATTACK_DEPOSIT, attacker);
        }
        uint256 navBefore = core.poolValueUsd();
        uint256 lockBefore = core.poolState().unvestedGainUsd;
        if (selfClose) {
            _close(atkTrader, ETH, true);
        } else {
            if (mode == 2) {
                IPerpEngine.Position memory pos = engine.position(atkTrader, ETH, true);
                IPerpEngine.PositionStatus memory st = _status(atkTrader, ETH, true);
                uint256 reward = uint256(SIZE) * 20 / 10_000 / 2;
                uint256 owed = st.borrowFeeUsd + uint256(st.fundingFeeUsd > 0 ? st.fundingFeeUsd : int256(0));
                uint256 target = uint256(SIZE) - CapGrid.priceOf(pos.floorBucket - 1) * pos.sizeTokens / 1e30 + 1;
                uint256 addUsd = target + reward + owed - pos.collateralUsd - pos.rebateUsd;
                console.log("top-up (USD)", addUsd / USD);
                _mint(atkTrader, addUsd);
                vm.prank(atkTrader);
                engine.increasePosition(ETH, true, addUsd, 0, MAX_PRICE);
                console.log("NAV jump at the top-up so far (USD)", (core.poolValueUsd() - navBefore) / USD);
                r.topUp = addUsd;
            }
            uint256 k0 = usdc.balanceOf(attacker);
            vm.prank(attacker); // the attacker's own keeper account
            engine.liquidate(atkTrader, ETH, true);
            r.keeperReward = usdc.balanceOf(attacker) - k0;
        }
        r.navJump = int256(core.poolValueUsd()) - int256(navBefore);
        r.lockDelta = core.poolState().unvestedGainUsd - lockBefore;
        _setPriceAfter(ETH, gapPrice, 61);
        _logBounds("at the redemption");
        if (lpDeposit) {
            uint256 b0 = usdc.balanceOf(attacker);
            vm.prank(attacker);
            pool.redeem(r.depositShares, attacker, attacker);
            r.attackerLp = int256(usdc.balanceOf(attacker) - b0) - int256(ATTACK_DEPOSIT);
        }
        // carol stays: her value once every lock has vested (same price), at the redemption bound
        _setPriceAfter(ETH, gapPrice, core.GAIN_VEST_SEC());
        r.carolValue = pool.previewRedeem(pool.balanceOf(carol));
    }

    function _logBounds(string memory what) internal view {
        (uint256 lo, uint256 hi) = core.poolValueBoundsUsd();
        uint256 nav = core.poolValueUsd();
        console.log(what, "NAV - low, high - NAV (USD):", (nav - lo) / USD, (hi - nav) / USD);
        console.log("   unvested (USD)", core.poolState().unvestedGainUsd / USD);
    }

    function _report(string memory label, R memory r) internal pure {
        console.log(label);
        console.log("  NAV jump at the close/liquidation (USD)", _s(r.navJump));
        console.log("  locked by it (USD)", r.lockDelta / USD);
        console.log("  attacker LP result (USD)", _s(r.attackerLp));
        console.log("  attacker keeper reward (USD)", r.keeperReward / USD);
        console.log("  carol's redemption value (USD)", r.carolValue / USD);
    }

    function _s(int256 x) internal pure returns (string memory) {
        return x >= 0 ? vm.toString(uint256(x) / USD) : string.concat("-", vm.toString(uint256(-x) / USD));
    }

    function _compare(uint16 lagBps) internal {
        uint256 snap = vm.snapshotState();
        R memory honest = _runAttack(lagBps, false, false); // no deposit, the keeper (attacker's account) liquidates
        vm.revertToState(snap);
        R memory liq = _runAttack(lagBps, false, true); // the same deposit timed to a liquidation (P-96 holds)
        vm.revertToState(snap);
        R memory cls = _runAttack(lagBps, true, true); // the attack: deposit, close it yourself, redeem after 61 s
        console.log("oracle lag bps", lagBps);
        _report("no deposit, liquidated by the attacker's keeper:", honest);
        _report("deposit timed to the liquidation:", liq);
        _report("deposit, closed by its owner (the attack):", cls);
        int256 attackerGain = cls.attackerLp - int256(honest.keeperReward);
        int256 carolLoss = int256(honest.carolValue) - int256(cls.carolValue);
        console.log("attacker's gain over its best honest exit (liquidating itself) (USD)", _s(attackerGain));
        console.log("carol's loss against the honest liquidation, all vested (USD)", _s(carolLoss));
        // closing it yourself with a timed deposit must not beat liquidating it yourself (failed at an 11 bps lag
        // before the close locked the floor's release; at 50 bps the LP band covered it)
        assertLe(attackerGain, 0, "a timed deposit and a self-close beat self-liquidation");
    }

    function test_selfClosePastTheFloor_timedDepositGainsNothing_pythLag() public {
        _compare(11); // the deployment's ETH lag on a Pyth market (Deploy.pullLagBps(60))
    }

    function test_topUpPastTheFloor_timedDepositGainsNothing_pythLag() public {
        uint256 snap = vm.snapshotState();
        R memory honest = _runAttack(11, 0, false);
        vm.revertToState(snap);
        R memory top = _runAttack(11, 2, true);
        _report("no deposit, liquidated by the attacker's keeper:", honest);
        _report("deposit, top-up of a few dollars, liquidated by the attacker's keeper (the attack):", top);
        int256 attackerGain =
            top.attackerLp + int256(top.keeperReward) - int256(top.topUp) - int256(honest.keeperReward);
        console.log("attacker's gain over its best honest exit, top-up counted as lost (USD)", _s(attackerGain));
        console.log(
            "carol's loss against the honest liquidation, all vested (USD)",
            _s(int256(honest.carolValue) - int256(top.carolValue))
        );
        assertLe(attackerGain, 0, "a top-up releases the floor's grid rounding at once");
    }

    function test_selfClosePastTheFloor_timedDepositGainsNothing_chainlinkLag() public {
        _compare(50);
    }

    /// The NAV's jump at a bankrupt position's own close, from first principles: the pool receives the position's
    /// whole backing (collateral + rebate; the trader gets nothing), where the NAV had counted backing - reward -
    /// T x (F_b - F*) (valued at F_b) less the fees it had accrued. So the jump is reward + T x (F_b - F*) - fees, all
    /// of it locked, and what redemptions are paid does not rise (before the fix none of it was locked).
    function test_selfClosePastTheFloor_locksTheNavJump() public {
        (uint256 fStar, uint256 fB, uint256 gapPrice) = _setUpMarket(11);
        IPerpEngine.Position memory pos = engine.position(atkTrader, ETH, true);
        _setPriceAfter(ETH, gapPrice, 1);
        IPerpEngine.PositionStatus memory st = _status(atkTrader, ETH, true);
        uint256 navBefore = core.poolValueUsd();
        uint256 lockBefore = core.poolState().unvestedGainUsd;
        (uint256 lowBefore,) = core.poolValueBoundsUsd();
        _close(atkTrader, ETH, true);
        uint256 navAfter = core.poolValueUsd();
        (uint256 lowAfter,) = core.poolValueBoundsUsd();
        uint256 reward = uint256(SIZE) * 20 / 10_000 / 2;
        // fees accrued since its last update: the NAV counted them as owed, the bankrupt position cannot pay them
        uint256 owed = st.borrowFeeUsd + uint256(st.fundingFeeUsd > 0 ? st.fundingFeeUsd : int256(0));
        uint256 expected = reward + uint256(pos.sizeTokens) * (fB - fStar) / 1e30 - owed;
        console.log("expected jump: reward + T x (F_b - F*) (USD)", expected / USD);
        console.log("NAV jump (USD)", (navAfter - navBefore) / USD);
        console.log("lock added (USD)", (core.poolState().unvestedGainUsd - lockBefore) / USD);
        console.log("redemption NAV bound before / after (USD)", lowBefore / USD, lowAfter / USD);
        assertApproxEqAbs(navAfter - navBefore, expected, 5 * USD, "jump from first principles");
        assertApproxEqAbs(core.poolState().unvestedGainUsd - lockBefore, expected, 5 * USD, "all of it locked");
        assertLe(lowAfter, lowBefore + 5 * USD, "the redemption bound does not rise");
    }
}
