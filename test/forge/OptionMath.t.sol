// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {OptionMath} from "../../contracts/options/OptionMath.sol";
import {OptionPricing} from "../../contracts/options/OptionPricing.sol";
import {Test} from "forge-std/Test.sol";

/// @notice P-95: the pricing's unchecked arithmetic cannot wrap. Black-Scholes refuses inputs outside its domain, and
///         over the whole domain, drawn to its corners (every magnitude from 1 wei to the bound is as likely), each
///         figure obeys bounds that hold for any correct Black-Scholes and that a wrapped product (off by a multiple of
///         2^256) cannot meet: 0 <= call <= S, 0 <= put <= K, 0 <= N(d1) <= 1, put-call parity to 4 wei while both
///         prices are positive, gamma, vega and theta within the magnitudes the domain allows.
contract OptionMathTest is Test {
    uint256 internal constant WAD = 1e18;

    /// @dev A value in [1, max] whose bit length is uniform: the corners are drawn as often as the middle.
    function _wide(uint256 seed, uint256 max) internal pure returns (uint256) {
        uint256 bits = bound(seed >> 128, 0, 255);
        uint256 cap = bits >= 256 ? max : MathLib.min(max, (uint256(1) << bits));
        return bound(uint256(uint128(seed)), 1, cap);
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
        OptionMath.Greeks memory g =
            OptionMath.blackScholesAt(spot, strike, OptionMath.lnMoneynessWad(spot, strike), vol, tauWad, rootTau, 0);
        assertLe(g.callWad, spot, "call <= spot");
        assertLe(g.putWad, strike, "put <= strike");
        assertLe(g.callDeltaWad, WAD, "N(d1) <= 1");
        if (g.callWad > 0 && g.putWad > 0) {
            int256 parity = int256(g.callWad) - int256(g.putWad) - (int256(spot) - int256(strike));
            assertLe(MathLib.abs(parity), 4, "put-call parity");
        }
        // phi <= 0.4: gamma = phi / (S sd) <= 2^59 x 1e36 / S / sd; vega = S phi sqrt(T) <= S sqrt(T); |theta| = S phi
        // vol / (2 sqrt T) <= S vol / sqrt T (all in WAD).
        assertLe(g.gammaWad, uint256(0.4e18) * 1e36 / spot / (vol * rootTau / WAD == 0 ? 1 : vol * rootTau / WAD));
        assertLe(g.vegaWad, spot * rootTau / WAD + 1);
        assertLe(MathLib.abs(g.callThetaWad), spot * vol / (rootTau == 0 ? 1 : rootTau) + 1);
        assertEq(g.callThetaWad, g.putThetaWad, "no rate: the call's and the put's theta agree");
    }

    function testFuzz_optionGreeks_wholeDomainCappedCallWithinItsLegs(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volSeed,
        uint256 tauSec,
        uint16 capBps
    ) public pure {
        uint256 spot = _wide(spotSeed, OptionMath.MAX_SPOT_WAD) + 6;
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
        // floor: q <= x y / d < q + 1, exactly (x y fits in 248 bits).
        assertLe(q * int256(d), x * int256(y));
        assertGt((q + 1) * int256(d), x * int256(y));
    }
}
