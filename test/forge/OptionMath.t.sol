// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {OptionMath} from "../../contracts/options/OptionMath.sol";
import {OptionPricing} from "../../contracts/options/OptionPricing.sol";
import {Test} from "forge-std/Test.sol";

/// @notice P-95: the pricing's unchecked arithmetic cannot wrap and computes what the checked code computed.
///         Black-Scholes refuses inputs outside its domain; over the whole domain, every input drawn so that each bit
///         length is as likely, it equals a checked copy of the code as it was to the wei (an overflow would revert
///         the copy, a wrap would differ), and prices obey no-arbitrage bounds. e^x's and ln's series equal their
///         one-term loops to the wei.
contract OptionMathTest is Test {
    uint256 internal constant WAD = 1e18;

    /// @dev A value in [1, max] whose bit length is uniform (the seed is hashed: the fuzzer's own seeds are small
    ///      half the time): the corners are drawn as often as the middle.
    function _wide(uint256 seed, uint256 max) internal pure returns (uint256) {
        uint256 h = uint256(keccak256(abi.encode(seed)));
        uint256 bits = (h & 0xff) % (_bitLength(max) + 1);
        return bound(h >> 8, 1, MathLib.min(max, bits >= 256 ? type(uint256).max : uint256(1) << bits));
    }

    function _bitLength(uint256 x) internal pure returns (uint256 n) {
        while (x != 0) {
            x >>= 1;
            ++n;
        }
    }

    /// @dev Black-Scholes as written before its arithmetic was unchecked (commit 246f04c's parent), checked throughout:
    ///      the reference the unchecked code must equal to the wei. A wrap anywhere would differ; an overflow here
    ///      would revert the test.
    function _blackScholesChecked(
        uint256 spot,
        uint256 strike,
        int256 lnM,
        uint256 vol,
        uint256 tauWad,
        uint256 rootTau,
        uint256 rate
    ) internal pure returns (OptionMath.Greeks memory g) {
        OptionMath.Inputs memory p;
        p.spotWad = spot;
        p.volWad = vol;
        p.rateWad = rate;
        p.sqrtTauWad = rootTau;
        p.sdWad = vol * rootTau / WAD;
        p.kDiscWad = rate == 0 ? strike : strike * OptionMath.expWad(-int256(rate * tauWad / WAD)) / WAD;
        if (p.sdWad == 0) {
            g.callWad = spot > p.kDiscWad ? spot - p.kDiscWad : 0;
            g.putWad = p.kDiscWad > spot ? p.kDiscWad - spot : 0;
            g.callDeltaWad = spot > p.kDiscWad ? WAD : 0;
            return g;
        }
        int256 d1 = (lnM + int256((rate + vol * vol / (2 * WAD)) * tauWad / WAD)) * int256(WAD) / int256(p.sdWad);
        _fillChecked(g, p, d1);
    }

    function _fillChecked(OptionMath.Greeks memory g, OptionMath.Inputs memory p, int256 d1) internal pure {
        uint256 k1;
        uint256 nD2;
        {
            int256 d2 = d1 - int256(p.sdWad);
            uint256 k2;
            if (p.spotWad <= p.kDiscWad) {
                k1 = OptionMath.gaussKernelWad(MathLib.abs(d1));
                k2 = k1 * p.spotWad / p.kDiscWad;
            } else {
                k2 = OptionMath.gaussKernelWad(MathLib.abs(d2));
                k1 = k2 * p.kDiscWad / p.spotWad;
            }
            nD2 = OptionMath._lowerTailWad(MathLib.abs(d2), k2);
            nD2 = d2 > 0 ? WAD - nD2 : nD2;
        }
        uint256 nD1 = OptionMath._lowerTailWad(MathLib.abs(d1), k1);
        nD1 = d1 > 0 ? WAD - nD1 : nD1;
        {
            uint256 a = p.spotWad * nD1 / WAD;
            uint256 b = p.kDiscWad * nD2 / WAD;
            g.callWad = a > b ? a - b : 0;
            a = p.kDiscWad * (WAD - nD2) / WAD;
            b = p.spotWad * (WAD - nD1) / WAD;
            g.putWad = a > b ? a - b : 0;
        }
        g.callDeltaWad = nD1;
        uint256 pdf = k1 * OptionMath.INV_SQRT_2PI_WAD / WAD;
        g.gammaWad = pdf * WAD / p.spotWad * WAD / p.sdWad;
        g.vegaWad = p.spotWad * pdf / WAD * p.sqrtTauWad / WAD;
        int256 decay = -int256(p.spotWad * pdf / WAD * p.volWad / WAD * WAD / (2 * p.sqrtTauWad));
        g.callThetaWad = decay - int256(p.rateWad * p.kDiscWad / WAD * nD2 / WAD);
        g.putThetaWad = decay + int256(p.rateWad * p.kDiscWad / WAD * (WAD - nD2) / WAD);
    }

    function _assertSame(OptionMath.Greeks memory g, OptionMath.Greeks memory r) internal pure {
        assertEq(g.callWad, r.callWad, "call");
        assertEq(g.putWad, r.putWad, "put");
        assertEq(g.callDeltaWad, r.callDeltaWad, "delta");
        assertEq(g.gammaWad, r.gammaWad, "gamma");
        assertEq(g.vegaWad, r.vegaWad, "vega");
        assertEq(g.callThetaWad, r.callThetaWad, "call theta");
        assertEq(g.putThetaWad, r.putThetaWad, "put theta");
    }

    function bs(uint256 spot, uint256 strike, int256 lnM, uint256 vol, uint256 tauWad, uint256 rootTau, uint256 rate)
        external
        pure
        returns (OptionMath.Greeks memory)
    {
        return OptionMath.blackScholesAt(spot, strike, lnM, vol, tauWad, rootTau, rate);
    }

    function testFuzz_blackScholes_wholeDomainObeysNoArbitrageBounds(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volSeed,
        uint256 tauSeed
    ) public pure {
        uint256 spot = _wide(spotSeed, OptionMath.MAX_SPOT_WAD);
        // ln(S/K) is defined down to S/K = 1e-18 (lnWad of one wei).
        uint256 strike = MathLib.min(_wide(strikeSeed, OptionMath.MAX_STRIKE_WAD), spot * WAD);
        uint256 vol = _wide(volSeed, OptionMath.MAX_VOL_WAD);
        uint256 tauWad = _wide(tauSeed, OptionMath.MAX_TAU_WAD);
        uint256 rootTau = OptionMath.sqrtYearsWad(tauWad);
        int256 lnM = OptionMath.lnMoneynessWad(spot, strike);
        OptionMath.Greeks memory g = OptionMath.blackScholesAt(spot, strike, lnM, vol, tauWad, rootTau, 0);
        _assertSame(g, _blackScholesChecked(spot, strike, lnM, vol, tauWad, rootTau, 0));
        assertLe(g.callWad, spot, "call <= spot");
        assertLe(g.putWad, strike, "put <= strike");
        assertLe(g.callDeltaWad, WAD, "N(d1) <= 1");
    }

    /// @dev Every input drawn independently to the domain's corners, a rate and an ln(S/K) that need not match the
    ///      prices included: the unchecked code equals the checked reference to the wei.
    function testFuzz_blackScholes_equalsCheckedReference(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volSeed,
        uint256 tauSeed,
        uint256 rateSeed,
        int256 lnM
    ) public pure {
        uint256[5] memory v = [
            _wide(spotSeed, OptionMath.MAX_SPOT_WAD),
            _wide(strikeSeed, OptionMath.MAX_STRIKE_WAD),
            _wide(volSeed, OptionMath.MAX_VOL_WAD),
            _wide(tauSeed, OptionMath.MAX_TAU_WAD),
            _wide(rateSeed, OptionMath.MAX_VOL_WAD) - 1
        ];
        _assertSameAt(v, bound(lnM, -OptionMath.MAX_LN_WAD, OptionMath.MAX_LN_WAD));
    }

    /// @dev v = (spot, strike, vol, tauWad, rate).
    function _assertSameAt(uint256[5] memory v, int256 lnM) internal pure {
        uint256 rootTau = OptionMath.sqrtYearsWad(v[3]);
        _assertSame(
            OptionMath.blackScholesAt(v[0], v[1], lnM, v[2], v[3], rootTau, v[4]),
            _blackScholesChecked(v[0], v[1], lnM, v[2], v[3], rootTau, v[4])
        );
    }

    /// @dev e^x's series written out equals the one-term loop it replaced, to the wei, over its whole range.
    function testFuzz_expWad_equalsTheSeriesLoop(int256 x) public pure {
        x = bound(x, -42e18, 100e18);
        assertEq(OptionMath.expWad(x), _expLoop(x));
    }

    /// @dev ln's series four terms at a time equals the one-term loop it replaced, to the wei, for every magnitude.
    function testFuzz_lnWad_equalsTheOneTermLoop(uint256 seed) public pure {
        uint256 x = _wide(seed, type(uint256).max);
        assertEq(MathLib.lnWad(x), _lnLoop(x));
    }

    function _expLoop(int256 xWad) internal pure returns (uint256) {
        if (xWad < -42e18) return 0;
        int256 lnTwoEighths = OptionMath.LN2_8_RAY;
        int256 xr = xWad * 1e9;
        int256 n = (xr + (xr >= 0 ? lnTwoEighths / 2 : -lnTwoEighths / 2)) / lnTwoEighths;
        int256 r = xr - n * lnTwoEighths;
        int256 term = 1e27;
        int256 sum = 1e27;
        for (int256 i = 1; term != 0; ++i) {
            term = term * r / 1e27 / i;
            sum += term;
        }
        int256 k = n >= 0 ? n / 8 : -((-n + 7) / 8);
        uint256 m = uint256(sum) * _pow2EighthsRef(uint256(n - k * 8)) / 1e27;
        if (k >= 0) return (m << uint256(k)) / 1e9;
        return m / (uint256(1e9) << uint256(-k));
    }

    /// @dev 2^(j/8) in RAY, floor (the table expWad uses, re-stated).
    function _pow2EighthsRef(uint256 j) internal pure returns (uint256) {
        return [
            uint256(1e27),
            1_090_507_732_665_257_659_207_010_655,
            1_189_207_115_002_721_066_717_499_970,
            1_296_839_554_651_009_665_933_754_117,
            1_414_213_562_373_095_048_801_688_724,
            1_542_210_825_407_940_823_612_291_862,
            1_681_792_830_507_429_086_062_250_952,
            1_834_008_086_409_342_463_487_083_189
        ][j];
    }

    function _lnLoop(uint256 x) internal pure returns (int256) {
        int256 k;
        if (x >= 2 * WAD) {
            uint256 sh = _bitLength(x / WAD) - 1;
            k = int256(sh);
            x >>= sh;
        } else if (x < WAD / 2) {
            uint256 sh = _bitLength((WAD - 1) / x);
            k = -int256(sh);
            x <<= sh;
        }
        int256 y = (int256(x) - int256(WAD)) * int256(WAD) / (int256(x) + int256(WAD));
        int256 y2 = y * y / int256(WAD);
        int256 term = y;
        int256 sum = y;
        for (int256 i = 3; term != 0; i += 2) {
            term = term * y2 / int256(WAD);
            sum += term / i;
        }
        return 2 * sum + k * MathLib.LN2_WAD;
    }

    function testFuzz_optionGreeks_wholeDomainCappedCallWithinItsLegs(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volSeed,
        uint256 tauSec,
        uint16 capBps
    ) public pure {
        uint256 spot = _wide(spotSeed, OptionMath.MAX_SPOT_WAD - 6) + 6;
        // Listed strikes: below 15 x 2^96, their cap at most six times (callCapBps <= 50,000).
        uint256 strike = MathLib.min(_wide(strikeSeed, 15 * uint256(type(uint96).max)), spot * WAD / 6);
        uint256 vol = _wide(volSeed, 5.5e18);
        tauSec = bound(tauSec, 0, type(uint32).max);
        capBps = uint16(bound(capBps, 1000, 50_000));
        OptionPricing.Expiry memory e = OptionPricing.expiryTerms(0, tauSec, capBps);
        int256 lnM = OptionMath.lnMoneynessWad(spot, strike);
        IOptionsBook.OptionGreeks memory c = OptionPricing.optionGreeksAt(true, spot, strike, lnM, vol, e);
        IOptionsBook.OptionGreeks memory p = OptionPricing.optionGreeksAt(false, spot, strike, lnM, vol, e);
        assertLe(c.valueWad, strike * capBps / 10_000 + 1, "a capped call is worth at most its cap");
        assertLe(p.valueWad, strike, "a put at most its strike");
        // A call spread's delta is N(d1) at the strike less N(d1) at the cap: within [-1, 1] whatever the numerics (at
        // the domain's far corners the normal approximations' tails can make it a few 1e-8 negative; a wrap could
        // not stay this close).
        assertLe(MathLib.abs(c.deltaWad), WAD, "a call spread's delta within one");
        assertGe(p.deltaWad, -int256(WAD), "a put's delta is in [-1, 0]");
        assertLe(p.deltaWad, 0);
        assertGe(c.grossGammaWad, MathLib.abs(c.gammaWad), "gross gamma covers the net");
    }

    function test_blackScholes_refusesInputsOutsideTheDomain() public {
        uint256 tau = 0.25e18;
        uint256 root = OptionMath.sqrtYearsWad(tau);
        uint256[6][6] memory cases = [
            [OptionMath.MAX_SPOT_WAD + 1, 3000e18, 0.8e18, tau, root, 0],
            [uint256(3000e18), OptionMath.MAX_STRIKE_WAD + 1, 0.8e18, tau, root, 0],
            [uint256(3000e18), 3000e18, OptionMath.MAX_VOL_WAD + 1, tau, root, 0],
            [uint256(3000e18), 3000e18, 0.8e18, OptionMath.MAX_TAU_WAD + 1, root, 0],
            [uint256(3000e18), 3000e18, 0.8e18, tau, OptionMath.MAX_ROOT_TAU_WAD + 1, 0],
            [uint256(3000e18), 3000e18, 0.8e18, tau, root, OptionMath.MAX_VOL_WAD + 1]
        ];
        for (uint256 i; i < cases.length; ++i) {
            uint256[6] memory a = cases[i];
            vm.expectRevert(
                abi.encodeWithSelector(
                    OptionMath.OutsidePricingDomain.selector, a[0], a[1], int256(0), a[2], a[3], a[5]
                )
            );
            this.bs(a[0], a[1], 0, a[2], a[3], a[4], a[5]);
        }
        int256 maxLn = OptionMath.MAX_LN_WAD;
        for (uint256 i; i < 4; ++i) {
            int256 lnM = [maxLn + 1, -maxLn - 1, type(int256).max, type(int256).min][i];
            vm.expectRevert(
                abi.encodeWithSelector(OptionMath.OutsidePricingDomain.selector, 3000e18, 3000e18, lnM, 0.8e18, tau, 0)
            );
            this.bs(3000e18, 3000e18, lnM, 0.8e18, tau, root, 0);
        }
        // The edges themselves price.
        this.bs(OptionMath.MAX_SPOT_WAD, OptionMath.MAX_STRIKE_WAD, maxLn, OptionMath.MAX_VOL_WAD, tau, root, 0);
        this.bs(1, 1, -maxLn, 1, OptionMath.MAX_TAU_WAD, OptionMath.MAX_ROOT_TAU_WAD, OptionMath.MAX_VOL_WAD);
    }

    function testFuzz_abs_everyInt(int256 x) public pure {
        uint256 a = MathLib.abs(x);
        if (x == type(int256).min) assertEq(a, uint256(1) << 255);
        else assertEq(a, x >= 0 ? uint256(x) : uint256(-x));
    }

    function testFuzz_mulDivSignedDown_floorsEveryNegative(int256 x, uint256 y, uint256 d) public pure {
        x = bound(x, -int256(uint256(1) << 127), int256(uint256(1) << 127));
        y = bound(y, 0, uint256(1) << 120);
        d = bound(d, 1, type(uint128).max);
        int256 q = MathLib.mulDivSignedDown(x, y, d);
        // type(int256).min, whose negation used to revert: its exact floors.
        assertEq(MathLib.mulDivSignedDown(type(int256).min, 1, 1), type(int256).min);
        assertEq(MathLib.mulDivSignedDown(type(int256).min, 1, 2), -int256(uint256(1) << 254));
        assertEq(MathLib.mulDivSignedDown(type(int256).min, 1, 3), -int256((uint256(1) << 255) / 3) - 1);
        // floor: q <= x y / d < q + 1, exactly (x y fits in 248 bits).
        assertLe(q * int256(d), x * int256(y));
        assertGt((q + 1) * int256(d), x * int256(y));
    }
}
