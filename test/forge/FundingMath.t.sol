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
