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

    /// The netting rule (the index moves only while the rate's sign makes the perpetual skew's side pay) holds per
    /// instant, so accrual stays path-independent: one accrual equals two over any split, within 2 wei per accrual
    /// (review AB: zeroing a whole gap by its net sign let a poke at the zero crossing move 45,662 USD between sides).
    uint64 internal constant DEPLOYED_CAP = uint64(uint256(1e18) / 365 days);

    /// @dev The deployment's funding config with 5M of perpetual longs; the rate driven by `netSkew`.
    function _netted(int256 rate, int256 netSkew, uint32 elapsed) internal pure returns (int256, int256) {
        return RiskMath.nextFundingNetted(
            int64(rate), netSkew, 5_000_000e6, 10_000_000e6, DEPLOYED_CAP / 8 hours, DEPLOYED_CAP, elapsed
        );
    }

    function testFuzz_nextFundingNetted_splittingAGapChangesNothing(
        int256 rateSeed,
        int256 netSkewSeed,
        uint32 first,
        uint32 second
    ) public pure {
        int256 rate = bound(rateSeed, -int256(uint256(DEPLOYED_CAP)), int256(uint256(DEPLOYED_CAP)));
        int256 netSkew = bound(netSkewSeed, -20_000_000e6, 20_000_000e6);
        first = uint32(bound(first, 1, 30 days));
        second = uint32(bound(second, 1, 30 days));
        (int256 mid, int256 d1) = _netted(rate, netSkew, first);
        (, int256 d2) = _netted(mid, netSkew, second);
        (, int256 whole) = _netted(rate, netSkew, first + second);
        assertApproxEqAbs(d1 + d2, whole, 4, "one accrual equals two over any split");
        assertGe(d1, 0);
        assertGe(d2, 0);
    }

    /// The rule from first principles, with the longs crowded (the index may only rise): the rate starts at -cap/2 and
    /// ramps up at v = cap / 1000 per second over 3,000 s. It is negative (the pool would pay) for the first 500 s, then
    /// ramps 0 -> cap over 1,000 s (a triangle of 500 x cap) and holds the cap for 1,500 s: 2,000 x cap. Zeroing by
    /// the whole gap's net sign gave 1,875 x cap (the negative part netted against the rest).
    function test_nextFundingNetted_crossingUpward_countsOnlyThePayingPart() public pure {
        uint64 cap = 1e12;
        (int256 rate, int256 delta) =
            RiskMath.nextFundingNetted(-int64(cap / 2), 1e18, 1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(rate, int256(uint256(cap)));
        assertEq(delta, 2000 * int256(uint256(cap)));
    }

    /// Rounding never takes the index past 0 (review AC): v = 3 wei/s^2 over 5 s from -14 ends at +1; the exact paying
    /// part is 1 / 6 of a wei, and the whole less the part before, each truncated, gave -1 (the pool paying).
    function test_nextFundingNetted_crossingRounding_neverMakesThePoolPay() public pure {
        (int256 rate, int256 delta) = RiskMath.nextFundingNetted(-14, 1e18, 1e18, 1e18, 3, 1e12, 5);
        assertEq(rate, 1);
        assertEq(delta, 0);
        (rate, delta) = RiskMath.nextFundingNetted(14, -1e18, -1e18, 1e18, 3, 1e12, 5);
        assertEq(rate, -1);
        assertEq(delta, 0);
    }

    /// Over every parameter, not only the deployment's (any velocity and cap, a starting rate above a lowered cap,
    /// options delta of either sign against a perpetual skew of either sign or none): the index never moves the way
    /// that makes the pool pay, and one accrual equals two over any split within 4 wei (review AC's fuzz).
    function testFuzz_nextFundingNetted_anyParameters_poolNeverPaysAndSplitChangesNothing(
        int64 rate,
        int256 netSkew,
        int256 perpSkew,
        uint64 velocity,
        uint64 cap,
        uint32 first,
        uint32 second
    ) public pure {
        cap = uint64(bound(cap, 1, uint64(type(int64).max)));
        rate = int64(bound(rate, type(int64).min + 1, type(int64).max));
        netSkew = bound(netSkew, -1e30, 1e30);
        perpSkew = bound(perpSkew, -1e30, 1e30);
        first = uint32(bound(first, 1, 365 days));
        second = uint32(bound(second, 1, 365 days));
        (int256 mid, int256 d1) = RiskMath.nextFundingNetted(rate, netSkew, perpSkew, 1e24, velocity, cap, first);
        (, int256 d2) = RiskMath.nextFundingNetted(int64(mid), netSkew, perpSkew, 1e24, velocity, cap, second);
        (, int256 whole) = RiskMath.nextFundingNetted(rate, netSkew, perpSkew, 1e24, velocity, cap, first + second);
        if (perpSkew != 0) {
            assertGe(d1 * (perpSkew > 0 ? int256(1) : -1), 0, "the pool never pays");
            assertGe(d2 * (perpSkew > 0 ? int256(1) : -1), 0, "the pool never pays");
            assertGe(whole * (perpSkew > 0 ? int256(1) : -1), 0, "the pool never pays");
        }
        assertApproxEqAbs(d1 + d2, whole, 4, "one accrual equals two over any split");
    }

    /// The other way: the rate starts at the cap and ramps down at v = -cap / 1000 while the longs stay crowded: it
    /// is positive for 1,000 s (a triangle of 500 x cap), then negative (0 -> -cap over 1,000 s, then -cap): the index
    /// rises by 500 x cap. Zeroing by the net sign (500 - 500 - 1,000 = -1,000 x cap) gave 0.
    function test_nextFundingNetted_crossingDownward_countsOnlyThePayingPart() public pure {
        uint64 cap = 1e12;
        (int256 rate, int256 delta) = RiskMath.nextFundingNetted(int64(cap), -1e18, 1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(rate, -int256(uint256(cap)));
        assertEq(delta, 500 * int256(uint256(cap)));
        // and with the shorts crowded the same path pays the negative part only: -(500 + 1,000) x cap
        (, delta) = RiskMath.nextFundingNetted(int64(cap), -1e18, -1e18, 1e18, cap / 1000, cap, 3000);
        assertEq(delta, -1500 * int256(uint256(cap)));
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
