// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {OptionMath} from "../../../contracts/options/OptionMath.sol";
import {OptionPricing} from "../../../contracts/options/OptionPricing.sol";

/// @notice Exposes the options math in batches for the TypeScript differential test (test/ts/options.diff.test.ts).
contract OptionsHarness {
    function expWad(int256[] calldata xs) external pure returns (uint256[] memory out) {
        out = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = OptionMath.expWad(xs[i]);
        }
    }

    function normCdfWad(int256[] calldata xs) external pure returns (uint256[] memory out, uint256[] memory pdf) {
        out = new uint256[](xs.length);
        pdf = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = OptionMath.normCdfWad(xs[i]);
            pdf[i] = OptionMath.normPdfWad(xs[i]);
        }
    }

    /// @dev Each case: (spot, strike, vol, tauSec, rate) -> (call, put, callDelta, gamma, vega, callTheta, putTheta).
    function blackScholes(uint256[5][] calldata a) external pure returns (int256[7][] memory out) {
        out = new int256[7][](a.length);
        for (uint256 i; i < a.length; ++i) {
            OptionMath.Greeks memory g = OptionMath.blackScholes(
                a[i][0], a[i][1], OptionMath.lnMoneynessWad(a[i][0], a[i][1]), a[i][2], a[i][3], a[i][4]
            );
            out[i] = [
                int256(g.callWad),
                int256(g.putWad),
                int256(g.callDeltaWad),
                int256(g.gammaWad),
                int256(g.vegaWad),
                g.callThetaWad,
                g.putThetaWad
            ];
        }
    }

    /// @dev Each case: (isCall, spot, strike, vol, tauSec, callCapBps) -> (value, delta, gamma, grossGamma, vega, theta,
    ///      grossTheta).
    function optionGreeks(uint256[6][] calldata a) external pure returns (int256[7][] memory out) {
        out = new int256[7][](a.length);
        IOptionsBook.OptionsConfig memory cfg;
        for (uint256 i; i < a.length; ++i) {
            cfg.callCapBps = uint16(a[i][5]);
            IOptionsBook.OptionGreeks memory g = OptionPricing.optionGreeks(
                a[i][0] == 1, a[i][1], a[i][2], OptionMath.lnMoneynessWad(a[i][1], a[i][2]), a[i][3], a[i][4], cfg
            );
            out[i] = [
                int256(g.valueWad),
                g.deltaWad,
                g.gammaWad,
                int256(g.grossGammaWad),
                g.vegaWad,
                g.thetaWad,
                int256(g.grossThetaWad)
            ];
        }
    }

    /// @dev Each case: (isCall, spot, strike, vol, capVol, tauSec, callCapBps) -> the trade value, leg by leg.
    function tradeValue(uint256[7][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            OptionPricing.Expiry memory e = OptionPricing.expiryTerms(0, a[i][5], a[i][6]);
            out[i] = OptionPricing.tradeValueWad(
                a[i][0] == 1, a[i][1], a[i][2], OptionMath.lnMoneynessWad(a[i][1], a[i][2]), a[i][3], a[i][4], e
            );
        }
    }

    /// @dev Each case: (deltaBefore, deltaAfter, vegaBefore, vegaAfter, deltaScaleUsd, vegaScaleUsd) -> the impact.
    function impact(int256[6][] calldata a) external pure returns (uint256[] memory out) {
        out = new uint256[](a.length);
        IOptionsBook.OptionsConfig memory cfg;
        for (uint256 i; i < a.length; ++i) {
            cfg.deltaScaleUsd = uint64(uint256(a[i][4]));
            cfg.vegaScaleUsd = uint64(uint256(a[i][5]));
            out[i] = OptionPricing.impactUp(a[i][0], a[i][1], a[i][2], a[i][3], cfg);
        }
    }

    /// @dev Each case: (variance, longVariance, tauSec, meanReversion, samplePrice, strike, skew (signed as uint),
    ///      smile) with ivMin 0.2, ivMax 3 -> (term variance, mid vol).
    function surface(uint256[8][] calldata a) external pure returns (uint256[2][] memory out) {
        out = new uint256[2][](a.length);
        IOptionsBook.OptionsConfig memory cfg;
        cfg.ivMinWad = 0.2e18;
        cfg.ivMaxWad = 3e18;
        for (uint256 i; i < a.length; ++i) {
            cfg.skewWad = int64(int256(a[i][6]) - 0.3e18);
            cfg.smileWad = uint64(a[i][7]);
            uint256 tv = OptionPricing.termVarianceWad(a[i][0], a[i][1], a[i][2], a[i][3]);
            out[i] = [tv, OptionPricing.midVolWad(tv, OptionMath.lnMoneynessWad(a[i][4], a[i][5]), a[i][2], cfg)];
        }
    }
}
