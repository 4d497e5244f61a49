// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {PositionMath} from "../../../contracts/libraries/PositionMath.sol";
import {RiskMath} from "../../../contracts/libraries/RiskMath.sol";
import {SharesMath} from "../../../contracts/libraries/SharesMath.sol";
import {PerpRisk} from "../../../contracts/perps/PerpRisk.sol";

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
    ///      -> [sidePnlUp, capExcessDown(isLong), priceOf(bucket), bucketDown(price), bucketUp(price),
    ///          floorExcessUp(!isLong), floorBucketFor(isLong, oiUsd, sizeTokens, backing = bucket x 1e6)].
    function sideTerms(uint256[5][] calldata a) external pure returns (int256[7][] memory out) {
        out = new int256[7][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            out[i][0] = PositionMath.sidePnlUp(isLong, a[i][1], a[i][2], a[i][3]);
            out[i][1] = int256(PositionMath.capExcessDown(isLong, a[i][2], a[i][4], a[i][3]));
            out[i][2] = int256(CapGrid.priceOf(a[i][4]));
            out[i][3] = int256(CapGrid.bucketDown(a[i][3]));
            out[i][4] = int256(CapGrid.bucketUp(a[i][3]));
            out[i][5] = int256(PositionMath.floorExcessUp(!isLong, a[i][2], a[i][4], a[i][3]));
            out[i][6] = int256(CapGrid.floorBucketFor(isLong, a[i][1], a[i][2], a[i][4] * 1e6));
        }
    }

    /// @dev Each case: (isLong 0/1, tokens, priceWad, bucket, sizeUsd, maxProfitUsd)
    ///      -> [headroomDown(isLong, tokens, price, bucket), bucketForProfit(isLong, sizeUsd, tokens, maxProfitUsd)].
    function mergedCap(uint256[6][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            out[i][0] = CapGrid.headroomDown(isLong, a[i][1], a[i][2], a[i][3]);
            out[i][1] = CapGrid.bucketForProfit(isLong, a[i][4], a[i][1], a[i][5]);
        }
    }

    /// @dev Each case: (isLong 0/1, sizeUsd, sizeTokens, oldTokens, oldBucket, sizeDeltaUsd, maxProfitBps, priceWad)
    ///      -> [mergedBucket(..), capAhead(isLong, priceWad, that bucket) ? 1 : 0]: what PerpState.mergedCapBucket
    ///      returns, or (0 in the second) that it reverts AtProfitCap.
    function mergedCapBucket(uint256[8][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            uint256 b = CapGrid.mergedBucket(isLong, a[i][1], a[i][2], a[i][3], a[i][4], a[i][5], a[i][6], a[i][7]);
            out[i] = [b, CapGrid.capAhead(isLong, a[i][7], b) ? 1 : 0];
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

    function freeLiquidityDown(uint256[4][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.freeLiquidityDown(a[i][0], a[i][1], a[i][2], a[i][3]);
        }
    }

    function fitsFreeLiquidity(uint256[5][] calldata a) external pure returns (bool[] memory out) {
        out = new bool[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.fitsFreeLiquidity(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4]);
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

    function nettedImpactCostUsd(int256[6][] calldata a) external pure returns (int256[] memory out) {
        out = new int256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = RiskMath.nettedImpactCostUsd(
                a[i][0], a[i][1], a[i][2], uint256(a[i][3]), uint256(a[i][4]), uint256(a[i][5])
            );
        }
    }

    function nextFundingSplit(int256[8][] calldata a) external pure returns (int256[3][] memory out) {
        out = new int256[3][](a.length);
        for (uint256 i; i < a.length; ++i) {
            (out[i][0], out[i][1], out[i][2]) = RiskMath.nextFundingSplit(
                int64(a[i][0]),
                uint256(a[i][1]),
                uint256(a[i][2]),
                a[i][3],
                uint256(a[i][4]),
                uint64(uint256(a[i][5])),
                uint64(uint256(a[i][6])),
                uint32(uint256(a[i][7]))
            );
        }
    }

    /// @dev Each case: (samplePrice, price, elapsed, refVariance, clipSigmas, variance, tau) ->
    ///      [clipped r^2, ewma variance].
    function variance(uint256[7][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i][0] = RiskMath.clippedSquaredReturnUp(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4]);
            out[i][1] = RiskMath.ewmaVarianceUp(a[i][5], out[i][0], a[i][2], a[i][6]);
        }
    }

    /// @dev Each case: (variance, longVariance, samplePrice, sampleAt, target, anchor, anchorAt, price, at, now,
    ///      interval, tau, longTau, clipSigmas, rampWadPerHour, horizon, z, floor, maxAge) -> [variance, longVariance,
    ///      samplePrice, sampleAt, target, anchor, anchorAt, isSample, maintenance base now] (PerpRisk.observe).
    function observe(uint256[19][] calldata a) external pure returns (uint256[9][] memory out) {
        out = new uint256[9][](a.length);
        for (uint256 i; i < a.length; ++i) {
            uint256[19] calldata c = a[i];
            IPerpEngine.MarketConfig memory cfg;
            cfg.sampleIntervalSec = uint32(c[10]);
            cfg.volTauSec = uint64(c[11]);
            cfg.longVolTauSec = uint64(c[12]);
            cfg.clipSigmas = uint16(c[13]);
            cfg.maintenanceRampWadPerHour = uint64(c[14]);
            cfg.horizonSec = uint32(c[15]);
            cfg.zWad = uint64(c[16]);
            cfg.mmrFloorWad = uint64(c[17]);
            cfg.maxPriceAgeSec = uint32(c[18]);
            IPerpEngine.MarketState memory st;
            st.varianceWad = uint128(c[0]);
            st.longVarianceWad = uint128(c[1]);
            st.lastPriceWad = uint128(c[2]);
            st.lastSampleAt = uint64(c[3]);
            st.marginTargetWad = uint128(c[4]);
            st.marginAnchorWad = uint128(c[5]);
            st.marginAnchorAt = uint64(c[6]);
            bool sample = PerpRisk.observe(cfg, st, c[7], c[8], c[9]);
            out[i] = [
                uint256(st.varianceWad),
                st.longVarianceWad,
                st.lastPriceWad,
                st.lastSampleAt,
                st.marginTargetWad,
                st.marginAnchorWad,
                st.marginAnchorAt,
                sample ? 1 : 0,
                PerpRisk.maintenanceBaseUp(cfg, st, c[9])
            ];
        }
    }

    /// @dev Each case: (variance, horizon, z, floor, anchor, anchorAt, ramp, now, size, sizeScale, sizeTerm,
    ///      multiplier, utilization, kink, utilTerm) -> [base at variance, ramped base, maintenance, initial].
    function margins(uint256[15][] calldata a) external pure returns (uint256[4][] memory out) {
        out = new uint256[4][](a.length);
        for (uint256 i; i < a.length; ++i) {
            uint256[15] calldata c = a[i];
            uint256 target = RiskMath.baseMarginUp(c[0], c[1], c[2], c[3]);
            uint256 ramped = RiskMath.rampedMarginUp(c[4], c[5], target, c[6], c[7]);
            uint256 mmr = RiskMath.maintenanceMarginUp(ramped, c[8], c[9], c[10]);
            uint256 atTarget = RiskMath.maintenanceMarginUp(target, c[8], c[9], c[10]);
            out[i] = [target, ramped, mmr, RiskMath.initialMarginUp(atTarget, c[11], c[12], c[13], c[14], 50)];
        }
    }

    /// @dev Per case: [isLong, sizeUsd, priceWad, closePriceWad, maxProfitBps, collateralUsd, feesOwed, mmrWad]
    ///      -> [sizeTokens, pnl, cappedPnl, liquidationPrice, capBucket, valueClosed, marginNotional at closePrice]
    function position(int256[8][] calldata a) external pure returns (int256[7][] memory out) {
        out = new int256[7][](a.length);
        for (uint256 i; i < a.length; ++i) {
            bool isLong = a[i][0] == 1;
            uint256 size = uint256(a[i][1]);
            uint256 tokens = PositionMath.sizeTokensFor(isLong, size, uint256(a[i][2]));
            out[i][0] = int256(tokens);
            out[i][1] = PositionMath.pnlUsd(isLong, size, tokens, uint256(a[i][3]));
            uint256 bucket = CapGrid.bucketFor(isLong, size, tokens, uint256(a[i][4]));
            out[i][4] = int256(bucket);
            out[i][2] = PositionMath.cappedPnlUsd(isLong, size, tokens, uint256(a[i][3]), bucket);
            out[i][5] = int256(PositionMath.valueClosedUsd(isLong, size, out[i][2]));
            out[i][6] = int256(PositionMath.marginNotionalUp(isLong, size, tokens, uint256(a[i][3])));
            out[i][3] = int256(
                PositionMath.liquidationPriceWad(
                    isLong, size, tokens, uint256(a[i][5]), a[i][6], uint256(a[i][7]), bucket
                )
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
