// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {Test} from "forge-std/Test.sol";

/// @notice P-99: funding accrues the integral of the rate's path (a linear ramp that holds at the cap), so when the
///         accruals happen changes nothing: one accrual over a gap equals two over its halves, split anywhere, to
///         within the truncation of each (one wei per USD of size per accrual). The two rates' average, which this
///         replaced, undercounted every gap in which the rate reached the cap: the split test fails on it.
contract FundingMathTest is Test {
    struct Params {
        int64 rate;
        int256 skew;
        uint256 scale;
        uint64 velocity;
        uint64 cap;
    }

    /// @dev Per-second rates up to 1e12 (3,150% a year), velocities up to the cap per second, skews up to +-2x scale.
    function _params(int256 rateSeed, int256 skewSeed, uint256 scaleSeed, uint256 velSeed, uint256 capSeed)
        internal
        pure
        returns (Params memory p)
    {
        p.cap = uint64(bound(capSeed, 1, 1e12));
        p.velocity = uint64(bound(velSeed, 0, p.cap));
        p.rate = int64(bound(rateSeed, -int256(uint256(p.cap)), int256(uint256(p.cap))));
        p.scale = bound(scaleSeed, 1e6, 1e18);
        p.skew = bound(skewSeed, -2 * int256(p.scale), 2 * int256(p.scale));
    }

    function _accrue(Params memory p, int256 rate, uint32 elapsed) internal pure returns (int256, int256) {
        return RiskMath.nextFunding(int64(rate), p.skew, p.scale, p.velocity, p.cap, elapsed);
    }

    function testFuzz_nextFunding_splittingAGapChangesNothing(
        int256 rateSeed,
        int256 skewSeed,
        uint256 scaleSeed,
        uint256 velSeed,
        uint256 capSeed,
        uint32 first,
        uint32 second
    ) public pure {
        Params memory p = _params(rateSeed, skewSeed, scaleSeed, velSeed, capSeed);
        first = uint32(bound(first, 1, 365 days));
        second = uint32(bound(second, 1, 365 days));
        (int256 midRate, int256 firstDelta) = _accrue(p, p.rate, first);
        (int256 endRate, int256 secondDelta) = _accrue(p, midRate, second);
        (int256 wholeRate, int256 wholeDelta) = _accrue(p, p.rate, first + second);
        assertEq(endRate, wholeRate, "same rate at the end");
        assertApproxEqAbs(firstDelta + secondDelta, wholeDelta, 2, "same funding");
        // never beyond the cap for the whole gap
        int256 capArea = int256(uint256(p.cap)) * int256(uint256(first) + second);
        assertLe(wholeDelta, capArea);
        assertGe(wholeDelta, -capArea);
    }

    /// The unchecked block against a checked reference over every value of the parameter types (not only the config
    /// bounds): no wrap, and the result is the exact integral of the clamped ramp truncated toward zero (error in
    /// [0, 1) wei, toward zero), so the side that pays gains under a wei of index per accrual.
    function testFuzz_nextFunding_equalsTheCheckedIntegral(
        int64 rate,
        int256 skew,
        uint256 scale,
        uint64 velocity,
        uint64 cap,
        uint32 dt
    ) public pure {
        scale = bound(scale, 1e6, type(uint128).max);
        skew = bound(
            skew, -int256(uint256(type(uint64).max)) - 2 ** 31 * 1e6, int256(uint256(type(uint64).max)) + 2 ** 31 * 1e6
        );
        (int256 next, int256 delta) = RiskMath.nextFunding(rate, skew, scale, velocity, cap, dt);
        int256 p = skew * 1e18 / int256(scale);
        p = p > 1e18 ? int256(1e18) : (p < -1e18 ? -1e18 : p);
        int256 v = p * int256(uint256(velocity)) / 1e18;
        int256 c = int256(uint256(cap));
        int256 r = rate > c ? c : (rate < -c ? -c : int256(rate));
        int256 n = r + v * int256(uint256(dt));
        n = n > c ? c : (n < -c ? -c : n);
        assertEq(next, n, "rate");
        if (v == 0) {
            assertEq(delta, r * int256(uint256(dt)));
            return;
        }
        // exact = r dt + ((n - r) dt - (n - r)^2 / (2 v)): the ramp's part as num / den
        int256 num = 2 * (n - r) * int256(uint256(dt)) * v - (n - r) * (n - r);
        int256 den = 2 * v;
        int256 err = (delta - r * int256(uint256(dt))) * den - num; // (code - exact) x den
        assertTrue(err <= 0 && -err < (den > 0 ? den : -den), "truncated toward zero, under a wei");
    }

    uint64 internal constant DEPLOYED_CAP = uint64(uint256(1e18) / 365 days);

    /// @dev The split with the deployment's funding config (skew scale 10M, velocity cap / 8 h).
    function _split(int256 rate, uint256 longOi, uint256 shortOi, int256 netSkew, uint32 elapsed)
        internal
        pure
        returns (int256 next, int256 longDelta, int256 shortDelta)
    {
        return RiskMath.nextFundingSplit(
            int64(rate), longOi, shortOi, netSkew, 10_000_000e6, DEPLOYED_CAP / 8 hours, DEPLOYED_CAP, elapsed
        );
    }

    /// @dev The pool's take per unit of WAD: what the longs owe less what the shorts are owed, over the sides' sizes.
    function _poolTake(int256 longDelta, int256 shortDelta, uint256 longOi, uint256 shortOi)
        internal
        pure
        returns (int256)
    {
        return longDelta * int256(longOi) - shortDelta * int256(shortOi);
    }

    /// @dev One accrual's inputs but the rate and the gap.
    struct SplitCase {
        uint256 longOi;
        uint256 shortOi;
        int256 net;
        uint256 scale;
        uint64 velocity;
        uint64 cap;
    }

    function _run(SplitCase memory c, int256 rate, uint32 elapsed) internal pure returns (int256, int256, int256) {
        return RiskMath.nextFundingSplit(int64(rate), c.longOi, c.shortOi, c.net, c.scale, c.velocity, c.cap, elapsed);
    }

    /// @dev Two accruals over `first` then `second` against one over both: equal within a few wei per side, the pool's
    ///      take never negative, no receiver paid more per unit than the payers pay.
    function _checkSplit(SplitCase memory c, int256 rate, uint32 first, uint32 second) internal pure {
        (int256 mid, int256 l1, int256 s1) = _run(c, rate, first);
        (, int256 l2, int256 s2) = _run(c, mid, second);
        assertGe(_poolTake(l1, s1, c.longOi, c.shortOi), 0, "the pool never pays");
        assertGe(_poolTake(l2, s2, c.longOi, c.shortOi), 0, "the pool never pays");
        (, int256 lw, int256 sw) = _run(c, rate, first + second);
        assertGe(_poolTake(lw, sw, c.longOi, c.shortOi), 0, "the pool never pays");
        assertGe(lw, sw, "the receivers get at most what the payers pay, per unit");
        assertApproxEqAbs(l1 + l2, lw, 6, "longs: one accrual equals two");
        assertApproxEqAbs(s1 + s2, sw, 6, "shorts: one accrual equals two");
    }

    /// One accrual equals two over any split (the OIs and the net skew are constant between accruals, so the split is
    /// per instant), within a few wei per side; the pool's take is never negative on either part or the whole.
    function testFuzz_nextFundingSplit_splittingAGapChangesNothing(
        int256 rateSeed,
        uint256 longOi,
        uint256 shortOi,
        int256 optionsSeed,
        uint32 first,
        uint32 second
    ) public pure {
        int256 rate = bound(rateSeed, -int256(uint256(DEPLOYED_CAP)), int256(uint256(DEPLOYED_CAP)));
        longOi = bound(longOi, 0, 20_000_000e6);
        shortOi = bound(shortOi, 0, 20_000_000e6);
        int256 net = int256(longOi) - int256(shortOi) + bound(optionsSeed, -20_000_000e6, 20_000_000e6);
        SplitCase memory c = SplitCase(longOi, shortOi, net, 10_000_000e6, DEPLOYED_CAP / 8 hours, DEPLOYED_CAP);
        _checkSplit(c, rate, uint32(bound(first, 1, 30 days)), uint32(bound(second, 1, 30 days)));
    }

    /// From first principles (3 longs, 2 shorts, no options: net skew 1 long): the rate starts at -cap/2 and ramps up
    /// at v = cap / 1000 per second over 3,000 s. The shorts pay its negative part, a triangle of 500 s x cap/2 / 2 =
    /// 125 x cap, and the pool's share on the net skew is 0 there (the net is long), so the 2 shorts' 250 x cap go to
    /// the 3 longs: 83.33 x cap each. Then the longs pay the positive part, 500 x cap (0 -> cap over 1,000 s) + 1,500 x
    /// cap at the cap = 2,000 x cap; the pool keeps the net skew's share (1 of the 3) and the 2 shorts are paid the
    /// rest, 2,000 x cap each (the whole rate). Before, the negative part moved nothing (the pool would have paid).
    function test_nextFundingSplit_crossingUpward_eachPartToItsPayers() public pure {
        uint64 cap = 1e12;
        (int256 rate, int256 longDelta, int256 shortDelta) =
            RiskMath.nextFundingSplit(-int64(cap / 2), 3e18, 2e18, 1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(rate, int256(uint256(cap)));
        int256 negative = 125 * int256(uint256(cap));
        assertEq(longDelta, 2000 * int256(uint256(cap)) - negative * 2 / 3, "longs pay 2,000 and receive 2/3 of 125");
        assertEq(shortDelta, 2000 * int256(uint256(cap)) - negative, "shorts receive 2,000 and pay 125");
        // the pool: the net skew's share of the positive part, and the third of a wei the longs' share rounds off
        assertEq(_poolTake(longDelta, shortDelta, 3e18, 2e18), 2000 * int256(uint256(cap)) * 1e18 + 1e18);
    }

    /// Rounding never makes the pool pay (review AC): v = 3 wei/s^2 over 5 s from -14 ends at +1; the exact positive
    /// part is 1 / 6 of a wei and the whole less the part before, each truncated, gives -1: floored at 0.
    function test_nextFundingSplit_crossingRounding_neverMakesThePoolPay() public pure {
        (int256 rate, int256 longDelta, int256 shortDelta) =
            RiskMath.nextFundingSplit(-14, 2e18, 1e18, 1e18, 1e18, 3, 1e12, 5);
        assertEq(rate, 1);
        assertGe(_poolTake(longDelta, shortDelta, 2e18, 1e18), 0);
        (rate, longDelta, shortDelta) = RiskMath.nextFundingSplit(14, 1e18, 2e18, -1e18, 1e18, 3, 1e12, 5);
        assertEq(rate, -1);
        assertGe(_poolTake(longDelta, shortDelta, 1e18, 2e18), 0);
    }

    /// Over every parameter, not only the deployment's (any velocity and cap, a starting rate above a lowered cap, any
    /// sides and options delta): the pool's take is never negative, no receiver is paid more per unit than the payers
    /// pay, and one accrual equals two over any split.
    function testFuzz_nextFundingSplit_anyParameters_poolNeverPaysAndSplitChangesNothing(
        int64 rate,
        uint256 longOi,
        uint256 shortOi,
        int256 optionsSkew,
        uint64 velocity,
        uint64 cap,
        uint32 first,
        uint32 second
    ) public pure {
        cap = uint64(bound(cap, 1, uint64(type(int64).max)));
        rate = int64(bound(rate, type(int64).min + 1, type(int64).max));
        longOi = bound(longOi, 0, 1e30);
        shortOi = bound(shortOi, 0, 1e30);
        int256 net = int256(longOi) - int256(shortOi) + bound(optionsSkew, -1e30, 1e30);
        _checkSplit(
            SplitCase(longOi, shortOi, net, 1e24, velocity, cap),
            rate,
            uint32(bound(first, 1, 365 days)),
            uint32(bound(second, 1, 365 days))
        );
    }

    /// The review's diversion (P-83): a crowded long side matched by a short (perpetual skew 0) while options delta
    /// keeps the net skew, and so the rate, where it was. The longs pay the rate; the pool, the net skew's
    /// counterparty, keeps its share first: with options delta at least the longs' interest the short is paid nothing
    /// (before: the whole rate, 350,066 USD over 30 days at the cap on 4.32M); with less, the rest of the payers' money.
    function test_nextFundingSplit_optionsDeltaCannotDivertThePoolsFunding() public pure {
        uint256 oi = 4_320_000e6;
        // options delta 5M long: the net skew covers the longs' whole interest
        (, int256 longDelta, int256 shortDelta) = _split(int256(uint256(DEPLOYED_CAP)), oi, oi, 5_000_000e6, 30 days);
        assertEq(longDelta, int256(uint256(DEPLOYED_CAP)) * 30 days, "the longs pay the rate");
        assertEq(shortDelta, 0, "the matching short is paid nothing");
        assertEq(_poolTake(longDelta, shortDelta, oi, oi), longDelta * int256(oi), "the pool keeps it all");
        // options delta 1.08M long (a quarter of the longs): the short is paid the other three quarters
        (, longDelta, shortDelta) = _split(int256(uint256(DEPLOYED_CAP)), oi, oi, 1_080_000e6, 30 days);
        assertEq(shortDelta, longDelta * 3 / 4, "paid what the payers fund beyond the pool's share");
        // without options the same balanced book pays the short the whole rate: nothing is the pool's
        (, longDelta, shortDelta) = _split(int256(uint256(DEPLOYED_CAP)), oi, oi, 0, 30 days);
        assertEq(shortDelta, longDelta);
    }

    /// A perpetual short that hedges the options' delta (calls open, the shorts crowded, the net still long): the
    /// longs pay and the shorts are paid what the longs fund beyond the net skew, the pool's share. Before, the index
    /// did not move at all there (the pool would have paid the shorts' excess).
    function test_nextFundingSplit_hedgersPaidWhatThePayersFundBeyondTheNet() public pure {
        // longs 2M, shorts 3M, options delta +2M: net +1M
        (, int256 longDelta, int256 shortDelta) =
            _split(int256(uint256(DEPLOYED_CAP)), 2_000_000e6, 3_000_000e6, 1_000_000e6, 1 days);
        assertEq(longDelta, int256(uint256(DEPLOYED_CAP)) * 1 days);
        assertEq(shortDelta, longDelta / 3, "the 3M shorts share the 1M the longs fund beyond the net");
        assertApproxEqAbs(
            _poolTake(longDelta, shortDelta, 2_000_000e6, 3_000_000e6), longDelta * 1_000_000e6, 3_000_000e6
        );
    }

    /// The other way: the rate starts at the cap and ramps down at v = -cap / 1000 with the shorts crowded (1 long, 2
    /// shorts): it is positive for 1,000 s (a triangle of 500 x cap), which the long pays and the shorts share (the
    /// net is short: the pool's share on the longs' side is 0): 250 x cap each; then negative (0 -> -cap over 1,000 s,
    /// then -cap for 1,000 s: 1,500 x cap), which the shorts pay, the pool keeping the net's share (1 of 2) and the
    /// long paid the whole rate.
    function test_nextFundingSplit_crossingDownward_eachPartToItsPayers() public pure {
        uint64 cap = 1e12;
        int256 c = int256(uint256(cap));
        (int256 rate, int256 longDelta, int256 shortDelta) =
            RiskMath.nextFundingSplit(int64(cap), 1e18, 2e18, -1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(rate, -c);
        assertEq(longDelta, 500 * c - 1500 * c, "pays 500, receives 1,500");
        assertEq(shortDelta, 250 * c - 1500 * c, "receives 250, pays 1,500");
    }

    /// The documented rule at one point: the rate starts at 0 and ramps at v = cap / 1000 per second; over 3,000 s it
    /// reaches the cap after 1,000 s: 1,000 x cap / 2 + 2,000 x cap. The two rates' average gave 1,500 x cap.
    function test_nextFunding_rampThenCap() public pure {
        uint64 cap = 1e12;
        (int256 rate, int256 delta) = RiskMath.nextFunding(0, 1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(rate, int256(uint256(cap)));
        assertEq(delta, 2500 * int256(uint256(cap)));
    }

    /// A rate above the cap (the cap was lowered) is clamped first: the gap pays at most the cap.
    function test_nextFunding_rateAboveALoweredCapPaysTheCap() public pure {
        uint64 cap = 1e12;
        (int256 rate, int256 delta) = RiskMath.nextFunding(int64(uint64(3 * cap)), 1e18, 1e18, 1, cap, 1000);
        assertEq(rate, int256(uint256(cap)));
        assertEq(delta, 1000 * int256(uint256(cap)));
    }
}
