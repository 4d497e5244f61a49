// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice A liquidation raises the NAV at once: the pool keeps its share of the liquidation fee, the close impact the
///         refund is charged and the position's forfeited rebate, none of which the NAV showed before. Anyone may
///         liquidate, so an LP can time a deposit to the moment; when the liquidated position leans against the skew
///         the net exposure, and with it the LP band, is near zero. Found by a review: a 50M deposit in front of such a
///         liquidation redeemed 61 s later for +22,886 taken from the other LP. The gain now vests over GAIN_VEST_SEC
///         and redemptions leave out what has not vested (P-96): a depositor, before or after the liquidation, earns
///         it only at the pace it vests, as every LP does.
contract LiquidationJitAttacksTest is BaseTest {
    uint256 internal constant SIZE = 10_000_000 * USD;

    struct Run {
        uint256 shares;
        uint256 navJumpUsd; // the mid NAV's rise at the liquidation
        uint256 navAfterLiquidationUsd;
        uint256 depositedAt;
        uint256 supplyAfterDeposit;
    }

    function setUp() public override {
        super.setUp();
        _deposit(carol, 25_000_000 * USD);
        _open(dave, ETH, true, 2_000_000 * USD, SIZE); // the whale's skew
        (, uint256 imr,) = reader.marginRates(ETH, SIZE);
        _open(bob, ETH, false, SIZE * imr / 1e18 + _openFeeUsd(ETH, SIZE) + 7000 * USD, SIZE); // a rebate, least margin
        assertGt(engine.position(bob, ETH, false).rebateUsd, 0, "the short holds a rebate");
    }

    /// @dev Walks the price up until bob's short is liquidatable; returns that price.
    function _walkToLiquidation() internal returns (uint256 p) {
        p = 3000e18;
        while (!_status(bob, ETH, false).liquidatable) {
            p = p * 10_010 / 10_000;
            _setPriceAfter(ETH, p, 10 minutes);
        }
    }

    function _depositAs(address lp, uint256 amount, Run memory r) internal {
        _mint(lp, amount);
        vm.prank(lp);
        r.shares = pool.deposit(amount, lp);
        r.depositedAt = block.timestamp;
        r.supplyAfterDeposit = pool.totalSupply();
    }

    /// The attacker deposits just before or just after a liquidation anyone may trigger (their own keeper account
    /// triggers it), holds for the cooldown or longer, then redeems at the same price. From first principles: the
    /// deposit's share f of the pool may earn f x the gain's vested part over its hold (gain x hold / GAIN_VEST_SEC)
    /// plus f x what the pool earned meanwhile from fees (the mid NAV's move over the hold), never the gain at once.
    function testFuzz_jitDeposit_earnsTheLiquidationGainOnlyAsItVests(
        uint256 depositSeed,
        uint256 holdSeed,
        bool before
    ) public {
        uint256 amount = bound(depositSeed, 1_000_000, 50_000_000) * USD;
        uint256 hold = bound(holdSeed, 61, 1 hours);
        uint256 p = _walkToLiquidation();
        Run memory r;
        if (before) _depositAs(attacker, amount, r);
        uint256 navBefore = core.poolValueUsd();
        vm.prank(keeper);
        engine.liquidate(bob, ETH, false);
        r.navAfterLiquidationUsd = core.poolValueUsd();
        r.navJumpUsd = r.navAfterLiquidationUsd - navBefore;
        assertGt(r.navJumpUsd, 50_000 * USD, "the liquidation raised the NAV (fee share, impact, rebate)");
        if (!before) _depositAs(attacker, amount, r);
        uint256 navAtDeposit = core.poolValueUsd();

        _setPriceAfter(ETH, p, hold);
        uint256 navEnd = core.poolValueUsd();
        uint256 before_ = usdc.balanceOf(attacker);
        vm.prank(attacker);
        pool.redeem(r.shares, attacker, attacker);
        int256 pnl = int256(usdc.balanceOf(attacker) - before_) - int256(amount);

        uint256 elapsed = block.timestamp - r.depositedAt;
        uint256 vested = r.navJumpUsd * elapsed / core.GAIN_VEST_SEC() + 1; // one unit for the lock's rounding
        uint256 income = navEnd > navAtDeposit ? navEnd - navAtDeposit : 0;
        if (before) income = navEnd > r.navAfterLiquidationUsd ? navEnd - r.navAfterLiquidationUsd : 0;
        uint256 bound_ = (vested + income) * r.shares / r.supplyAfterDeposit + 2 * USD;
        assertLe(pnl, int256(bound_), "a deposit around a liquidation earns its gain only as it vests");
    }

    /// A queued request is paid a liquidation's gain only as it vests, like an instant redemption (P-89, P-96): the
    /// attacker deposits, queues all its shares while the skew is hedged (the band is narrow), liquidates, and the
    /// keeper fills it. From first principles its fill is at most its shares' part of the mid NAV less the gain still
    /// vesting (review of BS: the fill's cap at the request's band was taken on the NAV with the gain in it).
    function test_queuedRequest_liquidationAfterTheRequest_earnsTheGainOnlyAsItVests() public {
        uint256 shares = _deposit(attacker, 10_000_000 * USD);
        _walkToLiquidation(); // past the attacker's cooldown
        vm.prank(attacker);
        pool.requestRedeem(shares, attacker, 0);
        vm.prank(keeper);
        engine.liquidate(bob, ETH, false);
        uint256 unvested = core.poolState().unvestedGainUsd;
        assertGt(unvested, 50_000 * USD, "the liquidation locked its gain");
        uint256 cap = shares * (core.poolValueUsd() - unvested) / pool.totalSupply() + 1;
        pool.processQueue(10); // the keeper's fill, right after
        assertLe(usdc.balanceOf(attacker), cap, "the fill leaves the unvested gain out");
        assertGt(usdc.balanceOf(attacker), 0, "and fills");
    }

    /// The gain the liquidation locks is what the mid NAV rose by (to rounding), vests linearly and is paid to
    /// redemptions in full once vested: an LP who stays loses nothing to the lock.
    function test_liquidationGain_vestsLinearlyAndIsPaidInFull() public {
        uint256 p = _walkToLiquidation();
        uint256 navBefore = core.poolValueUsd();
        vm.prank(keeper);
        engine.liquidate(bob, ETH, false);
        uint256 jump = core.poolValueUsd() - navBefore;
        uint256 locked = core.poolState().unvestedGainUsd;
        assertApproxEqAbs(locked, jump, jump / 1000, "the lock is the NAV's jump: fee share, impact, rebate");
        uint256 gap0 = _redemptionGap();
        assertGe(gap0, locked, "redemptions leave the whole gain out at first");

        // The price and the skew stay put, so the rest of the gap (the oracle-lag band) stays put too.
        uint256 vest = core.GAIN_VEST_SEC();
        _setPriceAfter(ETH, p, vest / 2);
        uint256 half = core.poolState().unvestedGainUsd;
        assertApproxEqAbs(half, locked / 2, 1, "half vested at half time");
        assertApproxEqAbs(_redemptionGap(), gap0 - locked + half, 10 * USD, "redemptions are paid the vested half");

        _setPriceAfter(ETH, p, vest / 2);
        assertEq(core.poolState().unvestedGainUsd, 0, "all vested");
        assertApproxEqAbs(_redemptionGap(), gap0 - locked, 10 * USD, "once vested, redemptions are paid all of it");
    }

    /// At any price from the first liquidatable one to far past the position's bankruptcy, what redemptions are paid
    /// (the mid NAV less the unvested gains) does not rise at the liquidation: the lock covers the whole jump, the
    /// floor book's excess included. Near and past its floor the NAV valued the position at the price clamped at its
    /// floor's grid price (P-56), up to one grid step (1/128) of its notional above what it recovers at the price;
    /// before that excess was locked, a deposit timed to such a liquidation took its share of that step (59,874 on
    /// this 10M short). From first principles the NAV never falls at the liquidation by more than rounding either:
    /// it had already valued the loss.
    function testFuzz_liquidation_anyOvershoot_redemptionValueDoesNotJump(uint256 overshootSeed) public {
        uint256 p = _walkToLiquidation();
        p = p * (10_000 + bound(overshootSeed, 0, 2500)) / 10_000;
        _setPriceAfter(ETH, p, 1);
        IPerpEngine.Position memory pos = engine.position(bob, ETH, false);
        uint256 notionalUsd = uint256(pos.sizeTokens) * p / 1e30;
        uint256 navBefore = core.poolValueUsd();
        uint256 paidBefore = navBefore - core.poolState().unvestedGainUsd;
        vm.prank(keeper);
        engine.liquidate(bob, ETH, false);
        uint256 navAfter = core.poolValueUsd();
        uint256 paidAfter = navAfter - core.poolState().unvestedGainUsd;
        // to the NAV's own rounding: its aggregate PnL rounds per side and bucket (P-03: 4 units a position)
        assertLe(paidAfter, paidBefore + 4, "redemptions are not paid the liquidation's jump at once");
        assertGe(navAfter + 100 * USD, navBefore, "the NAV had already valued the loss (P-56)");
        assertLe(navAfter, navBefore + notionalUsd / 20, "the jump is at most the fee, impact and rebate, or a step");
    }

    /// The same position past its floor closed or topped up by its owner instead (a keeper's stop-loss fill is the same
    /// close): it realizes the position's backing where the NAV had valued it at the floor's grid price, as a
    /// liquidation does, so the trade locks what it takes off the floor book (FloorReleaseAttacks.t.sol has the
    /// review's attacks). What redemptions are paid rises at the close by at most the close fee and impact up to the
    /// fee (income the pool counts at once, P-98), the fee from its rule on the value closed (a short's tokens x the
    /// price), and at a top-up of any size by nothing but the NAV's rounding; before, it rose by up to a grid step of
    /// the notional plus the keeper's reward.
    function testFuzz_ownerCloseOrTopUp_pastTheFloor_redemptionValueDoesNotJump(
        uint256 overshootSeed,
        uint256 topUpSeed,
        bool close
    ) public {
        uint256 p = _walkToLiquidation();
        p = p * (10_000 + bound(overshootSeed, 0, 2500)) / 10_000;
        _setPriceAfter(ETH, p, 1);
        uint256 paidBefore = core.poolValueUsd() - core.poolState().unvestedGainUsd;
        uint256 allowedUsd;
        if (close) {
            uint256 valueUsd = uint256(engine.position(bob, ETH, false).sizeTokens) * p / 1e30 + 1;
            allowedUsd = 2 * (valueUsd * reader.marketConfig(ETH).closeFeeBps / 10_000 + 1);
            _close(bob, ETH, false);
        } else {
            uint256 addUsd = bound(topUpSeed, 1 * USD, 3_000_000 * USD);
            _mint(bob, addUsd);
            vm.prank(bob);
            engine.increasePosition(ETH, false, addUsd, 0, 0);
        }
        uint256 paidAfter = core.poolValueUsd() - core.poolState().unvestedGainUsd;
        assertLe(paidAfter, paidBefore + allowedUsd + 4, "redemptions are not paid the floor's release at once");
    }

    /// A keeper's batch of positions, two sharing a floor bucket, past the floor: the NAV rounds a bucket's excess once,
    /// the locks round each position's, and the sum locked is the NAV's jump to a few wei (a second review's check).
    function testFuzz_liquidateBatch_sameFloorBucket_locksTheNavJump(uint256 overshootSeed) public {
        address[3] memory shorts = [makeAddr("s1"), makeAddr("s2"), makeAddr("s3")];
        _deposit(carol, 15_000_000 * USD);
        for (uint256 i; i < 3; ++i) {
            _open(shorts[i], ETH, false, 130_000 * USD, 3_000_000 * USD); // 23x, each paying more impact than the last
        }
        uint256 p = 3000e18;
        while (
            !_status(shorts[0], ETH, false).liquidatable || !_status(shorts[1], ETH, false).liquidatable
                || !_status(shorts[2], ETH, false).liquidatable
        ) {
            p = p * 10_010 / 10_000;
            _setPriceAfter(ETH, p, 10 minutes);
        }
        _setPriceAfter(ETH, p * (10_000 + bound(overshootSeed, 0, 1500)) / 10_000, 1);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](3);
        for (uint256 i; i < 3; ++i) {
            refs[i] = IPerpEngine.PositionRef(shorts[i], ETH, false);
        }
        uint256 b0 = engine.position(shorts[0], ETH, false).floorBucket;
        uint256 b1 = engine.position(shorts[1], ETH, false).floorBucket;
        assertTrue(b0 == b1 || b1 == engine.position(shorts[2], ETH, false).floorBucket, "two share a floor bucket");
        uint256 navBefore = core.poolValueUsd();
        uint256 lockedBefore = core.poolState().unvestedGainUsd;
        vm.prank(keeper);
        (uint256 n,) = engine.liquidateBatch(refs);
        assertEq(n, 3, "all three");
        uint256 locked = core.poolState().unvestedGainUsd - lockedBefore;
        int256 jump = int256(core.poolValueUsd()) - int256(navBefore);
        if (jump > 0) assertApproxEqAbs(locked, uint256(jump), 10, "the lock is the NAV's jump, to wei rounding");
        else assertLe(locked, 10, "nothing locked when the NAV falls");
    }

    /// The review's residual, end to end: with the oracle-lag band at 0 (the config allows it) a 50M deposit in front
    /// of a liquidation past the position's floor's grid price, redeemed 61 s later at the same price, earns at most
    /// its share of what vested meanwhile (+23,296 before the floor excess was locked).
    function testFuzz_jitDeposit_pastTheFloor_atZeroLag_earnsOnlyWhatVests(uint256 overshootSeed, uint256 depositSeed)
        public
    {
        IPerpEngine.MarketConfig memory mc = reader.marketConfig(ETH);
        mc.oracleLagBps = 0;
        vm.prank(admin);
        engine.setMarketConfig(ETH, mc);
        uint256 p = _walkToLiquidation();
        p = p * (10_000 + bound(overshootSeed, 50, 2500)) / 10_000;
        _setPriceAfter(ETH, p, 1);
        Run memory r;
        uint256 deposited = bound(depositSeed, 1_000_000, 50_000_000) * USD;
        _depositAs(attacker, deposited, r);
        uint256 navBefore = core.poolValueUsd();
        vm.prank(keeper);
        engine.liquidate(bob, ETH, false);
        uint256 navAfter = core.poolValueUsd();
        uint256 jump = navAfter > navBefore ? navAfter - navBefore : 0;
        _setPriceAfter(ETH, p, 61);
        uint256 income = core.poolValueUsd() > navAfter ? core.poolValueUsd() - navAfter : 0;
        uint256 before_ = usdc.balanceOf(attacker);
        vm.prank(attacker);
        pool.redeem(r.shares, attacker, attacker);
        uint256 got = usdc.balanceOf(attacker) - before_;
        uint256 vested = jump * (block.timestamp - r.depositedAt) / core.GAIN_VEST_SEC() + 1;
        assertLe(
            int256(got) - int256(deposited),
            int256((vested + income) * r.shares / r.supplyAfterDeposit + 2 * USD),
            "a deposit timed to a liquidation past the floor earns its jump only as it vests"
        );
    }

    /// @dev How far below the mid NAV redemptions are paid.
    function _redemptionGap() internal view returns (uint256) {
        (uint256 low,) = core.poolValueBoundsUsd();
        return core.poolValueUsd() - low;
    }
}
