// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {MathLib, WAD} from "../libraries/MathLib.sol";

/// @title OptionMath
/// @notice Black-Scholes in 18-decimal fixed point: e^x, the normal density and distribution, prices and greeks.
/// @dev Mirrored operation for operation in lib/math/options.ts (test/ts/options.diff.test.ts proves equality to the
///      wei and closeness to a double-precision Black-Scholes). Every step truncates toward zero, like `lnWad`; the
///      approximations' errors are stated per function. Prices here are per whole index token; the rounding that
///      favours the pool is applied where prices become amounts (OptionPricing: ask up, bid down, payouts down).
library OptionMath {
    using MathLib for uint256;

    uint256 internal constant RAY = 1e27;
    uint256 internal constant YEAR_SEC = 365 days;
    /// @dev ln 2 / 8 in RAY (27 decimals), floor.
    int256 internal constant LN2_8_RAY = 86_643_397_569_993_163_677_154_015;
    /// @dev 1/sqrt(2 pi) in WAD, floor.
    uint256 internal constant INV_SQRT_2PI_WAD = 398_942_280_401_432_677;
    /// @dev |x| beyond which the normal tail is below 1e-18 (N(-9) = 1.1e-19).
    uint256 internal constant CDF_TAIL_WAD = 9e18;
    /// @dev |x| below which Hart's rational approximation applies (10 / sqrt 2).
    uint256 internal constant HART_LIMIT_WAD = 7_071_067_811_865_470_000;

    /// @dev The pricing domain: blackScholesAt refuses inputs beyond it (OutsidePricingDomain), so its unchecked
    ///      arithmetic cannot wrap. A spot below 2^96 (7.9e10 USD per token); a strike below 2^104 (a board's strikes
    ///      are below 15 x 2^96, a cap strike at most six times its strike); a volatility and a rate below 2^64 (1,800%
    ///      a year; the surface's bound is ivMax <= 500% plus a spread <= 50%); a time below 2^70 (1.2e21 = 1,180
    ///      years: uint32 expiries are at most 136 years away) with its square root below 2^65; |ln(S/K)| below 2^79
    ///      (the logarithm of any 256-bit ratio is below 178e18 < 2^68).
    uint256 internal constant MAX_SPOT_WAD = type(uint96).max;
    uint256 internal constant MAX_STRIKE_WAD = type(uint104).max;
    uint256 internal constant MAX_VOL_WAD = type(uint64).max;
    uint256 internal constant MAX_TAU_WAD = (1 << 70) - 1;
    uint256 internal constant MAX_ROOT_TAU_WAD = (1 << 65) - 1;
    int256 internal constant MAX_LN_WAD = int256(1 << 79);

    /// @notice e^x above the largest argument the pricing needs (e^100 x 1e27 fits 256 bits with room).
    error ExpOverflow(int256 xWad);

    /// @notice Black-Scholes inputs outside the pricing domain (MAX_SPOT_WAD and the bounds after it).
    error OutsidePricingDomain(
        uint256 spotWad, uint256 strikeWad, int256 lnMoneynessWad, uint256 volWad, uint256 tauWad, uint256 rateWad
    );

    /// @notice Black-Scholes prices and greeks of one strike, per whole index token.
    struct Greeks {
        uint256 callWad; // call price, USD (WAD)
        uint256 putWad; // put price, USD (WAD)
        uint256 callDeltaWad; // dCall/dS = N(d1); the put's delta is callDelta - 1
        uint256 gammaWad; // d2V/dS2, per USD of price (same for the call and the put)
        uint256 vegaWad; // dV/dsigma per 1.0 (100 vol points) of annualized volatility, USD
        int256 callThetaWad; // dCall/dt, USD per year (negative: time decay)
        int256 putThetaWad; // dPut/dt, USD per year
    }

    /// @notice e^x for x in WAD, x <= 100. Returns 0 below e^-41.5 (under 1 wei). Relative error below 1e-17.
    /// @dev x = (8k + j) ln2/8 + r with |r| <= ln2/16 (in RAY), e^r by its Taylor series in RAY (13 terms), then
    ///      e^x = e^r 2^(j/8) 2^k with 2^(j/8) from a table (floor, RAY).
    function expWad(int256 xWad) internal pure returns (uint256) {
        if (xWad < -42e18) return 0;
        if (xWad > 100e18) revert ExpOverflow(xWad);
        unchecked {
            int256 xr = xWad * 1e9;
            int256 n = (xr + (xr >= 0 ? LN2_8_RAY / 2 : -LN2_8_RAY / 2)) / LN2_8_RAY;
            int256 r = xr - n * LN2_8_RAY;
            // The series' terms r^i / i! in RAY, each from the last (truncated toward zero), summed until one is zero.
            // With |r| <= ln2/16 the 13th is already zero, so the first twelve are written out (a zero term keeps the
            // next ones zero, so computing them changes nothing) and the loop after them is a guard that never runs:
            // the sum is the loop's to the wei, without its per-term jumps.
            int256 term = r;
            int256 sum = int256(RAY) + term;
            term = term * r / int256(RAY) / 2;
            sum += term;
            term = term * r / int256(RAY) / 3;
            sum += term;
            term = term * r / int256(RAY) / 4;
            sum += term;
            term = term * r / int256(RAY) / 5;
            sum += term;
            term = term * r / int256(RAY) / 6;
            sum += term;
            term = term * r / int256(RAY) / 7;
            sum += term;
            term = term * r / int256(RAY) / 8;
            sum += term;
            term = term * r / int256(RAY) / 9;
            sum += term;
            term = term * r / int256(RAY) / 10;
            sum += term;
            term = term * r / int256(RAY) / 11;
            sum += term;
            term = term * r / int256(RAY) / 12;
            sum += term;
            for (int256 i = 13; term != 0; ++i) {
                term = term * r / int256(RAY) / i;
                sum += term;
            }
            int256 k = n >= 0 ? n / 8 : -((-n + 7) / 8); // floor(n / 8)
            uint256 m = uint256(sum) * _pow2Eighths(uint256(n - k * 8)) / RAY;
            if (k >= 0) return (m << uint256(k)) / 1e9;
            return m / (uint256(1e9) << uint256(-k));
        }
    }

    /// @dev 2^(j/8) in RAY, floor, j in [0, 8).
    function _pow2Eighths(uint256 j) private pure returns (uint256) {
        if (j < 4) {
            if (j == 0) return RAY;
            if (j == 1) return 1_090_507_732_665_257_659_207_010_655;
            if (j == 2) return 1_189_207_115_002_721_066_717_499_970;
            return 1_296_839_554_651_009_665_933_754_117;
        }
        if (j == 4) return 1_414_213_562_373_095_048_801_688_724;
        if (j == 5) return 1_542_210_825_407_940_823_612_291_862;
        if (j == 6) return 1_681_792_830_507_429_086_062_250_952;
        return 1_834_008_086_409_342_463_487_083_189;
    }

    /// @notice e^(-x^2/2) for x in WAD: the Gaussian kernel shared by the density and the distribution.
    function gaussKernelWad(uint256 absXWad) internal pure returns (uint256) {
        if (absXWad >= CDF_TAIL_WAD * 2) return 0;
        unchecked {
            return expWad(-int256(absXWad * absXWad / (2 * WAD))); // below 18e18 squared: 3.3e38
        }
    }

    /// @notice The standard normal density phi(x), WAD.
    function normPdfWad(int256 xWad) internal pure returns (uint256) {
        return gaussKernelWad(MathLib.abs(xWad)) * INV_SQRT_2PI_WAD / WAD;
    }

    /// @notice The standard normal distribution N(x), WAD. Hart's double-precision rational approximation (algorithm
    ///         5666, as given by West, "Better approximations to cumulative normal functions", 2005) for |x| < 7.07, its
    ///         continued fraction beyond, 0 or 1 past |x| = 9 (the tail is below 1e-18). Error below 1e-14 (measured
    ///         against an independent double-precision erfc in test/ts/options.diff.test.ts).
    function normCdfWad(int256 xWad) internal pure returns (uint256) {
        uint256 tail = _lowerTailWad(MathLib.abs(xWad), gaussKernelWad(MathLib.abs(xWad)));
        return xWad > 0 ? WAD - tail : tail;
    }

    /// @dev N(-a) for a = |x| >= 0, given kernel = e^(-a^2/2).
    function _lowerTailWad(uint256 a, uint256 kernel) internal pure returns (uint256) {
        if (a >= CDF_TAIL_WAD) return 0;
        if (a < HART_LIMIT_WAD) {
            // Every intermediate is below 1e40 for a < 7.08: unchecked is safe.
            unchecked {
                uint256 num = 35_262_496_599_891_100;
                num = num * a / WAD + 700_383_064_443_688_000;
                num = num * a / WAD + 6_373_962_203_531_650_000;
                num = num * a / WAD + 33_912_866_078_383_000_000;
                num = num * a / WAD + 112_079_291_497_871_000_000;
                num = num * a / WAD + 221_213_596_169_931_000_000;
                num = num * a / WAD + 220_206_867_912_376_000_000;
                uint256 den = 88_388_347_648_318_400;
                den = den * a / WAD + 1_755_667_163_182_640_000;
                den = den * a / WAD + 16_064_177_579_207_000_000;
                den = den * a / WAD + 86_780_732_202_946_100_000;
                den = den * a / WAD + 296_564_248_779_674_000_000;
                den = den * a / WAD + 637_333_633_378_831_000_000;
                den = den * a / WAD + 793_826_512_519_948_000_000;
                den = den * a / WAD + 440_413_735_824_752_000_000;
                return kernel * num / den;
            }
        }
        uint256 b = a + 650_000_000_000_000_000;
        b = a + 4e36 / b;
        b = a + 3e36 / b;
        b = a + 2e36 / b;
        b = a + 1e36 / b;
        return kernel * WAD / b * WAD / 2_506_628_274_631_000_000;
    }

    /// @notice ln(spot / strike), WAD: the log-moneyness Black-Scholes and the volatility surface share.
    function lnMoneynessWad(uint256 spotWad, uint256 strikeWad) internal pure returns (int256) {
        return MathLib.lnWad(spotWad * WAD / strikeWad);
    }

    /// @notice Years in `tauSec` seconds, WAD (floor).
    function yearsDown(uint256 tauSec) internal pure returns (uint256) {
        return tauSec * WAD / YEAR_SEC;
    }

    /// @notice sigma x sqrt(tau): the standard deviation of the log price to expiry, WAD (floor).
    function stdDevDown(uint256 volWad, uint256 tauSec) internal pure returns (uint256) {
        return volWad * sqrtYearsWad(yearsDown(tauSec)) / WAD;
    }

    /// @dev Black-Scholes inputs after the time conversions.
    struct Inputs {
        uint256 spotWad;
        uint256 kDiscWad; // strike x e^(-r tau)
        uint256 volWad;
        uint256 rateWad;
        uint256 sqrtTauWad; // sqrt of years to expiry
        uint256 sdWad; // vol x sqrtTau
    }

    /// @notice Black-Scholes prices and greeks of a European call and put on one strike.
    /// @param spotWad index price, USD per token
    /// @param strikeWad strike, USD per token
    /// @param lnMoneynessWad ln(spot / strike) (`lnWad(spot * 1e18 / strike)`; callers pricing several volatilities
    ///        on one strike compute it once)
    /// @param volWad annualized implied volatility (1e18 = 100%)
    /// @param tauSec seconds to expiry; 0 gives the intrinsic values
    /// @param rateWad annual risk-free rate of the settlement currency, continuously compounded
    function blackScholes(
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        uint256 tauSec,
        uint256 rateWad
    ) internal pure returns (Greeks memory) {
        uint256 tauWad = yearsDown(tauSec);
        return blackScholesAt(spotWad, strikeWad, lnMoneynessWad, volWad, tauWad, sqrtYearsWad(tauWad), rateWad);
    }

    /// @notice sqrt of `tauWad` years, WAD (floor): what every strike of one expiry shares.
    function sqrtYearsWad(uint256 tauWad) internal pure returns (uint256) {
        return MathLib.sqrtDown(tauWad * WAD);
    }

    /// @notice `blackScholes` with the expiry's time terms computed once by the caller (a board prices many strikes
    ///         and legs on one expiry): `tauWad` = yearsDown(tauSec), `sqrtTauWad` = sqrtYearsWad(tauWad).
    function blackScholesAt(
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        uint256 tauWad,
        uint256 sqrtTauWad,
        uint256 rateWad
    ) internal pure returns (Greeks memory g) {
        Inputs memory p;
        p.spotWad = spotWad;
        p.volWad = volWad;
        p.rateWad = rateWad;
        p.sqrtTauWad = sqrtTauWad;
        unchecked {
            // Inside the domain no product below reaches 2^140: vol x sqrt(tau) < 2^64 x 2^65, (rate + vol^2 / 2) x tau
            // < 2^68 x 2^70, (ln(S/K) + that / 1e18) x 1e18 < 2^80 x 2^60, strike x e^(-r tau) < 2^104 x 2^60.
            if (
                spotWad > MAX_SPOT_WAD || strikeWad > MAX_STRIKE_WAD || (volWad | rateWad) > MAX_VOL_WAD
                    || tauWad > MAX_TAU_WAD || sqrtTauWad > MAX_ROOT_TAU_WAD
                    || uint256(lnMoneynessWad + MAX_LN_WAD) > uint256(2 * MAX_LN_WAD)
            ) revert OutsidePricingDomain(spotWad, strikeWad, lnMoneynessWad, volWad, tauWad, rateWad);
            p.sdWad = volWad * sqrtTauWad / WAD;
            p.kDiscWad = rateWad == 0 ? strikeWad : strikeWad * expWad(-int256(rateWad * tauWad / WAD)) / WAD;
            if (p.sdWad == 0) {
                g.callWad = spotWad > p.kDiscWad ? spotWad - p.kDiscWad : 0;
                g.putWad = p.kDiscWad > spotWad ? p.kDiscWad - spotWad : 0;
                g.callDeltaWad = spotWad > p.kDiscWad ? WAD : 0;
                return g;
            }
            int256 d1 = (lnMoneynessWad + int256((rateWad + volWad * volWad / (2 * WAD)) * tauWad / WAD)) * int256(WAD)
                / int256(p.sdWad);
            _fill(g, p, d1);
        }
    }

    /// @dev Prices and greeks from d1 (d2 = d1 - sd).
    function _fill(Greeks memory g, Inputs memory p, int256 d1) private pure {
        // Inputs are in the pricing domain (blackScholesAt): no product below reaches 2^180 (the largest: the rate x
        // the discounted strike, 2^64 x 2^104; gamma's pdf x WAD / S x WAD, below 2^180).
        unchecked {
            // One exponential for both kernels: e^(-d2^2/2) = e^(-d1^2/2) x S / K e^(-r tau) (d1 sd - sd^2/2 =
            // ln(S / K e^(-r tau))). The larger kernel is computed and the smaller derived from it by a factor below
            // one, so the derived one is as exact (to the wei) as a direct exponential.
            uint256 k1;
            uint256 nD2;
            {
                int256 d2 = d1 - int256(p.sdWad);
                uint256 k2;
                if (p.spotWad <= p.kDiscWad) {
                    k1 = gaussKernelWad(MathLib.abs(d1));
                    k2 = k1 * p.spotWad / p.kDiscWad;
                } else {
                    k2 = gaussKernelWad(MathLib.abs(d2));
                    k1 = k2 * p.kDiscWad / p.spotWad;
                }
                nD2 = _lowerTailWad(MathLib.abs(d2), k2);
                nD2 = d2 > 0 ? WAD - nD2 : nD2; // N(d2)
            }
            uint256 nD1 = _lowerTailWad(MathLib.abs(d1), k1); // N(-|d1|)
            nD1 = d1 > 0 ? WAD - nD1 : nD1; // N(d1)
            uint256 a = p.spotWad * nD1 / WAD;
            uint256 b = p.kDiscWad * nD2 / WAD;
            g.callWad = a > b ? a - b : 0;
            a = p.kDiscWad * (WAD - nD2) / WAD;
            b = p.spotWad * (WAD - nD1) / WAD;
            g.putWad = a > b ? a - b : 0;
            g.callDeltaWad = nD1;
            uint256 pdf = k1 * INV_SQRT_2PI_WAD / WAD;
            g.gammaWad = pdf * WAD / p.spotWad * WAD / p.sdWad;
            g.vegaWad = p.spotWad * pdf / WAD * p.sqrtTauWad / WAD;
            int256 decay = -int256(p.spotWad * pdf / WAD * p.volWad / WAD * WAD / (2 * p.sqrtTauWad));
            g.callThetaWad = decay - int256(p.rateWad * p.kDiscWad / WAD * nD2 / WAD);
            g.putThetaWad = decay + int256(p.rateWad * p.kDiscWad / WAD * (WAD - nD2) / WAD);
        }
    }
}
