// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev 1e18: the fixed-point unit of every `...Wad` value, defined once (imported with MathLib).
uint256 constant WAD = 1e18;

/// @title MathLib
/// @notice Fixed-point helpers. Every name says which way it rounds; callers pick the direction that favours the pool.
/// @dev WAD = 1e18. All functions are mirrored bit-for-bit in lib/math/fixed.ts.
library MathLib {
    uint256 internal constant BPS = 10_000;
    /// @dev ln(2) in WAD, floor.
    int256 internal constant LN2_WAD = 693_147_180_559_945_309;

    /// @notice Thrown when the logarithm of zero is requested.
    error LnOfZero();

    /// @notice floor(x * y / d); reverts when d == 0 or the result overflows.
    /// @dev Fast path when x * y fits in 256 bits (every amount in this codebase), full-width mulDiv otherwise.
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        unchecked {
            z = x * y;
            if (d != 0 && (x == 0 || z / x == y)) return z / d;
        }
        return Math.mulDiv(x, y, d);
    }

    /// @notice ceil(x * y / d); reverts when d == 0 or the result overflows.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        unchecked {
            z = x * y;
            if (d != 0 && (x == 0 || z / x == y)) return z / d + (z % d == 0 ? 0 : 1);
        }
        return Math.mulDiv(x, y, d, Math.Rounding.Ceil);
    }

    function wadMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, WAD);
    }

    function wadMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, WAD);
    }

    function wadDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, WAD, y);
    }

    function wadDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, WAD, y);
    }

    function bpsUp(uint256 x, uint256 bps) internal pure returns (uint256) {
        return mulDivUp(x, bps, BPS);
    }

    function bpsDown(uint256 x, uint256 bps) internal pure returns (uint256) {
        return mulDivDown(x, bps, BPS);
    }

    /// @notice Signed x * y / d, rounded toward +infinity (the pool's side when x*y is an amount owed to it).
    function mulDivSignedUp(int256 x, uint256 y, uint256 d) internal pure returns (int256) {
        if (x >= 0) return int256(mulDivUp(uint256(x), y, d));
        return -int256(mulDivDown(uint256(-x), y, d));
    }

    /// @notice Signed x * y / d, rounded toward -infinity.
    function mulDivSignedDown(int256 x, uint256 y, uint256 d) internal pure returns (int256) {
        if (x >= 0) return int256(mulDivDown(uint256(x), y, d));
        // Unchecked negations: -x of type(int256).min wraps to itself, whose uint256 is its magnitude 2^255; a
        // magnitude of 2^255 negates to type(int256).min, its exact value.
        unchecked {
            return -int256(mulDivUp(uint256(-x), y, d));
        }
    }

    /// @notice Floor of the square root.
    function sqrtDown(uint256 x) internal pure returns (uint256) {
        return Math.sqrt(x);
    }

    /// @notice |x| for every int256 (|type(int256).min| = 2^255: the unchecked negation wraps to itself, whose uint256
    ///         is exactly that).
    function abs(int256 x) internal pure returns (uint256) {
        unchecked {
            return x >= 0 ? uint256(x) : uint256(-x);
        }
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function clamp(int256 x, int256 lo, int256 hi) internal pure returns (int256) {
        return x < lo ? lo : (x > hi ? hi : x);
    }

    /// @notice Natural logarithm of a WAD number, truncated toward zero at each step (error < 1e-16 relative).
    /// @dev Range reduction x = m * 2^k with m in [1/2, 2) (no shift at all for x in [1/2, 2), where price returns
    ///      live), then ln m = 2 * atanh((m - 1) / (m + 1)) by its series, which converges in a few terms near 1.
    function lnWad(uint256 x) internal pure returns (int256) {
        if (x == 0) revert LnOfZero();
        int256 k;
        if (x >= 2 * WAD) {
            uint256 s = Math.log2(x / WAD);
            k = int256(s);
            x >>= s;
        } else if (x < WAD / 2) {
            uint256 s = Math.log2((WAD - 1) / x) + 1;
            k = -int256(s);
            x <<= s;
        }
        // |y| < 1/3 WAD, so no product below overflows.
        unchecked {
            int256 y = (int256(x) - int256(WAD)) * int256(WAD) / (int256(x) + int256(WAD));
            int256 y2 = y * y / int256(WAD);
            // sum = y + y^3/3 + y^5/5 + ..., each power from the last (truncated toward zero), until one is zero. Four
            // terms at a time between checks (a zero power keeps the next ones zero, so computing them changes nothing):
            // the sum is the one-term loop's to the wei, with a quarter of its jumps.
            int256 term = y;
            int256 sum = y;
            for (int256 i = 3; term != 0; i += 8) {
                term = term * y2 / int256(WAD);
                sum += term / i;
                term = term * y2 / int256(WAD);
                sum += term / (i + 2);
                term = term * y2 / int256(WAD);
                sum += term / (i + 4);
                term = term * y2 / int256(WAD);
                sum += term / (i + 6);
            }
            return 2 * sum + k * LN2_WAD;
        }
    }
}
