// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {PositionMath} from "../../../contracts/libraries/PositionMath.sol";
import {RiskMath} from "../../../contracts/libraries/RiskMath.sol";
import {SharesMath} from "../../../contracts/libraries/SharesMath.sol";

/// @notice Exposes the math libraries in batches for the TypeScript differential test (test/ts/math.diff.test.ts).
contract MathHarness {
    function lnWad(uint256[] calldata xs) external pure returns (int256[] memory out) {
        out = new int256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = MathLib.lnWad(xs[i]);
        }
    }

    function sqrtDown(uint256[] calldata xs) external pure returns (uint256[] memory out) {
        out = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = MathLib.sqrtDown(xs[i]);
        }
    }

    function borrowRateUp(uint256[5][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.borrowRateUp(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4]);
        }
    }

    function utilizationUp(uint256[2][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.utilizationUp(a[i][0], a[i][1]);
        }
    }

    /// @dev Each case: (isLong 0/1, oiUsd, sizeTokens, priceWad, bucket)
    ///      -> [sidePnlUp, bucketExcessUsd(up, round down), priceOf(bucket), bucketDown(price), bucketUp(price),
    ///          bucketExcessUsd(down, round up), floorBucketFor(isLong, oiUsd, sizeTokens, backing = bucket x 1e6)].
    function sideTerms(uint256[5][] calldata a) external pure returns (int256[7][] memory out) {
        out = new int256[7][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            out[i][0] = PositionMath.sidePnlUp(isLong, a[i][1], a[i][2], a[i][3]);
            out[i][1] = int256(PositionMath.bucketExcessUsd(isLong, a[i][2], a[i][4], a[i][3], false));
            out[i][2] = int256(CapGrid.priceOf(a[i][4]));
            out[i][3] = int256(CapGrid.bucketDown(a[i][3]));
            out[i][4] = int256(CapGrid.bucketUp(a[i][3]));
            out[i][5] = int256(PositionMath.bucketExcessUsd(!isLong, a[i][2], a[i][4], a[i][3], true));
            out[i][6] = int256(CapGrid.floorBucketFor(isLong, a[i][1], a[i][2], a[i][4] * 1e6));
        }
    }

    /// @dev Each case: (amount, totalShares, totalAssets); returns (toSharesDown, toSharesUp, toAssetsDown, toAssetsUp).
    function shares(uint256[3][] calldata a) external pure returns (uint256[4][] memory out) {
        out = new uint256[4][](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i][0] = SharesMath.toSharesDown(a[i][0], a[i][1], a[i][2]);
            out[i][1] = SharesMath.toSharesUp(a[i][0], a[i][1], a[i][2]);
            out[i][2] = SharesMath.toAssetsDown(a[i][0], a[i][1], a[i][2]);
            out[i][3] = SharesMath.toAssetsUp(a[i][0], a[i][1], a[i][2]);
        }
    }

    function freeLiquidityDown(uint256[3][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.freeLiquidityDown(a[i][0], a[i][1], a[i][2]);
        }
    }

    function nextFunding(int256[6][] calldata a) external pure returns (int256[2][] memory out) {
        out = new int256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            (out[i][0], out[i][1]) = RiskMath.nextFunding(
                int64(a[i][0]),
                a[i][1],
                uint256(a[i][2]),
                uint64(uint256(a[i][3])),
                uint64(uint256(a[i][4])),
                uint32(uint256(a[i][5]))
            );
        }
    }

    function impactCostUsd(int256[4][] calldata a) external pure returns (int256[] memory out) {
        out = new int256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.impactCostUsd(a[i][0], a[i][1], uint256(a[i][2]), uint256(a[i][3]));
        }
    }

    function nextVarianceUp(uint256[5][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.nextVarianceUp(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4]);
        }
    }

    /// @dev Each case: (variance, samplePrice, sampleAt, price, at, interval, tau) -> [variance, isSample 0/1].
    function sampledVarianceUp(uint256[7][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            (uint256 v, bool sample) =
                RiskMath.sampledVarianceUp(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4], a[i][5], a[i][6]);
            out[i][0] = v;
            out[i][1] = sample ? 1 : 0;
        }
    }

    function margins(uint256[11][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            uint256 mmr = RiskMath.maintenanceMarginUp(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4], a[i][5], a[i][6]);
            out[i][0] = mmr;
            out[i][1] = RiskMath.initialMarginUp(mmr, a[i][7], a[i][8], a[i][9], a[i][10], 50);
        }
    }

    /// @dev Per case: [isLong, sizeUsd, priceWad, closePriceWad, maxProfitBps, collateralUsd, feesOwed, mmrWad]
    ///      -> [sizeTokens, pnl, cappedPnl, liquidationPrice, capBucket]
    function position(int256[8][] calldata a) external pure returns (int256[5][] memory out) {
        out = new int256[5][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            uint256 size = uint256(a[i][1]);
            uint256 tokens = PositionMath.sizeTokensFor(isLong, size, uint256(a[i][2]));
            out[i][0] = int256(tokens);
            out[i][1] = PositionMath.pnlUsd(isLong, size, tokens, uint256(a[i][3]));
            uint256 bucket = CapGrid.bucketFor(isLong, size, tokens, uint256(a[i][4]));
            out[i][4] = int256(bucket);
            out[i][2] = PositionMath.cappedPnlUsd(isLong, size, tokens, uint256(a[i][3]), bucket);
            out[i][3] = int256(
                PositionMath.liquidationPriceWad(isLong, size, tokens, uint256(a[i][5]), a[i][6], uint256(a[i][7]))
            );
        }
    }

    /// @dev Per case: [priceWad, sizeDeltaUsd, impactUsd, buying] -> execution price
    function executionPrice(int256[4][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = PositionMath.executionPriceWad(uint256(a[i][0]), uint256(a[i][1]), a[i][2], a[i][3] == 1);
        }
    }

    /// @dev Per case: [isLong, sizeUsd, borrowIndex, borrowSnap, fundingIndex, fundingSnap] -> [borrowFee, fundingFee]
    function fees(int256[6][] calldata a) external pure returns (int256[2][] memory out) {
        out = new int256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i][0] = int256(PositionMath.borrowFeeUp(uint256(a[i][1]), uint256(a[i][2]), uint256(a[i][3])));
            out[i][1] = PositionMath.fundingFeeUp(a[i][0] == 1, uint256(a[i][1]), a[i][4], a[i][5]);
        }
    }
}
