// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {ConfigValidation} from "../libraries/ConfigValidation.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {OptionsLogic} from "./OptionsLogic.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OptionsNav
/// @notice The options book's risk bounds: its parameters' hard bounds (`validate`) and its O(1) claim on the pool for one market (IProduct.poolClaimUsd): the cached expansion's
///         liability at the pinned price, and the LP band around it: the expansion's error bound, the oracle lag of
///         the book's delta, and the most the next volatility sample can reprice the book (`resampleBoundWad`).
/// @dev The next sample is predictable: it is the first price of the next interval, and the price already published
///      in this one (within the oracle's lag of the market) tells how far it will move the variance estimators and
///      re-centre the skew. Without the last term, an LP who redeemed just before a sampling boundary and deposited
///      back after the keeper's refresh took the repricing from the other LPs (P-88).
library OptionsNav {
    using MathLib for uint256;
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 internal constant YEAR_SEC = 365 days;
    /// @dev 1/sqrt(2 pi), rounded up: the largest vega per token per unit of volatility per sqrt(year) per USD of spot
    ///      (vega = S sqrt(T) phi(d1) <= S sqrt(T) / sqrt(2 pi), for a put, a call and a capped call's difference).
    uint256 internal constant INV_SQRT_2PI_UP_WAD = 398_942_280_401_432_678;

    /// @notice The market's price and volatility estimators now (IPerpEngine.volatilityNow).
    struct Estimator {
        uint256 spotWad;
        uint256 varianceWad;
        uint256 longVarianceWad;
        uint256 samplePriceWad;
        uint256 sampleAt;
    }

    /// @notice The range of the next sample: its squared return and its elapsed time since the last sample.
    struct NextSample {
        uint256 r2Hi;
        uint256 r2Lo;
        uint256 dtMin;
        uint256 dtMax;
    }

    /// @notice Hard bounds on a market's options parameters (InvalidParameter(name, value, min, max) beyond them).
    function validate(IOptionsBook.OptionsConfig memory c) external pure {
        ConfigValidation.bound("strikeStepWad", c.strikeStepWad, 1e12, type(uint96).max); // the field is 96 bits
        ConfigValidation.bound("strikesPerSide", c.strikesPerSide, 1, 7);
        ConfigValidation.bound("dailyExpiries", c.dailyExpiries, 0, 7);
        ConfigValidation.bound("weeklyExpiries", c.weeklyExpiries, 0, 8);
        ConfigValidation.bound("monthlyExpiries", c.monthlyExpiries, 0, 3);
        ConfigValidation.bound("tradingCutoffSec", c.tradingCutoffSec, 5 minutes, 2 days);
        ConfigValidation.bound("callCapBps", c.callCapBps, 1000, 50_000);
        ConfigValidation.bound("minPremiumBps", c.minPremiumBps, 1, 1000);
        ConfigValidation.bound("ivMinWad", c.ivMinWad, 0.05e18, 1e18);
        ConfigValidation.bound("ivMaxWad", c.ivMaxWad, c.ivMinWad, 5e18);
        ConfigValidation.bound("spreadVolWad", c.spreadVolWad, 0.001e18, 0.5e18);
        ConfigValidation.bound("meanReversionWad", c.meanReversionWad, 0, 18e18);
        ConfigValidation.bound("skewAbsWad", MathLib.abs(c.skewWad), 0, 0.3e18);
        // At most 1/9: the surface B m(x) then rises with the board volatility B (its slope is 1 - smile x^2, |x| <= 3),
        // so a trade's worst-case surface is at the extreme variances (OptionsLogic._tradeVolWad).
        ConfigValidation.bound("smileWad", c.smileWad, 0, 0.111e18);
        ConfigValidation.bound("deltaScaleUsd", c.deltaScaleUsd, 1, type(uint64).max);
        ConfigValidation.bound("vegaScaleUsd", c.vegaScaleUsd, 1, type(uint64).max);
        ConfigValidation.bound("maxStrikeOiWad", c.maxStrikeOiWad, 0, 1e27); // 1e18 lots: below 2^64 (OptionsLogic)
        ConfigValidation.bound("maxBoardReserveUsd", c.maxBoardReserveUsd, 0, 1e18);
        ConfigValidation.bound("cacheMaxAgeSec", c.cacheMaxAgeSec, 60, 1 days);
        ConfigValidation.bound("cacheMaxMoveBps", c.cacheMaxMoveBps, 1, 1000);
        ConfigValidation.bound("cacheSdFracBps", c.cacheSdFracBps, 1, 10_000);
    }

    /// @notice Rebuilds a market's expansion (the cache the NAV moves) exactly from its open interest at `c` with its config
    ///         (IOptionsBook.refresh, which has checked options are enabled) and emits IOptionsBook.BookRefreshed.
    function rebuild(OptionsLogic.State storage s, uint256 marketId, OptionsLogic.Ctx memory c) external {
        IOptionsBook.OptionsConfig memory cfg = s.configs[marketId];
        OptionsLogic.Acc memory acc;
        uint32[] memory ids = s.live[marketId];
        for (uint256 j; j < ids.length; ++j) {
            OptionsLogic.accumulateBoard(s, acc, ids[j], c, cfg);
        }
        OptionsLogic.Book storage bk = s.books[marketId];
        OptionsLogic.Book memory nb;
        nb.valueWad = acc.valueWad.toInt128();
        nb.deltaWad = acc.deltaWad.toInt128();
        nb.gammaWad = acc.gammaWad.toInt128();
        nb.thetaWad = acc.thetaWad.toInt128();
        nb.vegaWad = acc.vegaWad.toInt128();
        nb.owedUsd = bk.owedUsd;
        nb.errConstWad = int128(int256(acc.strikes) * 2 * OptionsLogic.ROUNDING_ALLOWANCE_WAD);
        nb.errCurveWad = ((acc.grossGammaWad + 1) / 2).toUint128();
        nb.errTimeWad = acc.grossThetaWad.toUint128();
        nb.refPriceWad = c.spotWad.toUint96();
        // With nothing open there is no expansion to keep fresh: the book restarts at its next trade (as a market's
        // first does), and the NAV skips the market (the payouts still owed left the pool's cash at settlement), with
        // no staleness to wait on.
        nb.refAt = acc.strikes > 0 ? uint32(block.timestamp) : 0;
        nb.refSampleAt = uint32(c.sampleAt);
        nb.lagBps = uint16(c.lagBps);
        nb.nearestExpiry = uint32(acc.nearest);
        nb.tokensE9 = OptionsLogic._e9Up(acc.tokensWad);
        nb.rootTauE9 = OptionsLogic._e9Up(acc.rootTauWad);
        nb.rootTauShortE9 = OptionsLogic._e9Up(acc.rootTauShortWad);
        (nb.maxMoveWad, nb.validUntil) = OptionsLogic._range(c, cfg, acc.nearest);
        // This block's buys stay out of the deposit side: their record (`blockBuys`) is not touched (a review found a
        // permissionless refresh between the buys and a deposit brought the sandwich back). The rebuilt sums count
        // each of those options with terms at least its buy's (the same T now; the weight at a later time is no
        // smaller), and the subtraction stops at zero, so what is left still bounds the options opened before the
        // block.
        // P-104's cap: the smallest power of two at least twice the rebuilt edge bound plus the floor; not raised in
        // a block with buys (a review bought 1,600 calls, refreshed while holding them so the cap covered them, and
        // sold them back in one transaction, leaving room for round trips past the bound). Set before the one write.
        uint256 oldCap = bk.errCapLog2;
        nb.errCapLog2 = OptionsLogic._bitLength(
            2
                * OptionsLogic.edgeBoundWad(
                    nb.errConstWad, 0, nb.errCurveWad, nb.errTimeWad, nb.maxMoveWad, nb.validUntil, nb.refAt
                ) + OptionsLogic.ERR_CAP_FLOOR_WAD - 1
        );
        if (nb.errCapLog2 > oldCap && oldCap != 0 && s.blockBuys[marketId].buysBlock == block.number) {
            nb.errCapLog2 = uint8(oldCap);
        }
        OptionsLogic.storeBook(bk, nb);
        if (acc.strikes > 0) s.activeMarkets |= 1 << marketId;
        else s.activeMarkets &= ~(1 << marketId);
        emit IOptionsBook.BookRefreshed(
            marketId, c.spotWad, nb.valueWad, nb.deltaWad, nb.gammaWad, nb.vegaWad, nb.thetaWad, acc.strikes
        );
    }

    /// @notice Every open option of a market at mid volatility, at `c`'s price and now (USD WAD).
    function exactValueWad(
        OptionsLogic.State storage s,
        uint256 marketId,
        OptionsLogic.Ctx memory c,
        IOptionsBook.OptionsConfig memory cfg
    ) external view returns (uint256) {
        OptionsLogic.Acc memory acc;
        uint32[] memory ids = s.live[marketId];
        for (uint256 j; j < ids.length; ++j) {
            OptionsLogic.accumulateBoard(s, acc, ids[j], c, cfg);
        }
        return uint256(acc.valueWad);
    }

    /// @notice One market's claim: -(expanded liability, rounded up); the lag risk adds the expansion's
    ///         error bound, the oracle-lag move of the options (|delta| h + |gamma| h^2 / 2, h = S lagBps) and the
    ///         resampling bound: over
    ///         every open option for redemptions (`riskDownUsd`), and without what this block's buys added for deposits
    ///         (`riskUpUsd`, P-93). Reverts OptionsBookStale outside the expansion's range: LP flows wait for the
    ///         keeper's refresh.
    /// @param p the perpetual market's inputs now (IPerpEngine.volatilityNow): price, estimator, oracle lag
    function marketClaim(OptionsLogic.State storage s, IPerpEngine.PricingInputs memory p, uint256 marketId)
        external
        view
        returns (int256 claimUsd, uint256 riskDownUsd, uint256 riskUpUsd)
    {
        OptionsLogic.Book storage bk = s.books[marketId];
        Estimator memory x = Estimator(p.priceWad, p.varianceWad, p.longVarianceWad, p.samplePriceWad, p.sampleAt);
        uint256 oracleLagBps = p.oracleLagBps;
        IOptionsBook.Staleness st = OptionsLogic.staleness(bk, x.spotWad, x.sampleAt);
        if (st != IOptionsBook.Staleness.Fresh) revert IOptionsBook.OptionsBookStale(marketId, st);
        uint256 baseWad;
        {
            (uint256 liability, uint256 bound) = OptionsLogic.expand(bk, x.spotWad);
            claimUsd = -int256(liability.mulDivUp(1, 1e12));
            int256 delta =
                bk.deltaWad + bk.gammaWad * (int256(x.spotWad) - int256(uint256(bk.refPriceWad))) / int256(WAD);
            // The lag copied at the refresh, or the perpetual config's if it was raised since: a move h = S x lag the
            // oracle can hide moves the expansion by at most |delta| h + |gamma| h^2 / 2, the second-order term the
            // options' convexity makes large near expiry. The book's net gamma: a sale takes off what its buy added,
            // so a round trip leaves the band where it was (P-88).
            uint256 hWad = x.spotWad.bpsUp(MathLib.max(bk.lagBps, oracleLagBps));
            baseWad = bound + _lagTermWad(bk, x, hWad, delta);
        }
        (uint256 resampleWad, uint256 resampleUpWad) =
            resampleBoundsWad(bk, s.blockBuys[marketId], s.configs[marketId], p.est, oracleLagBps, x);
        riskDownUsd = (baseWad + resampleWad).mulDivUp(1, 1e12);
        riskUpUsd = (baseWad + resampleUpWad).mulDivUp(1, 1e12);
    }

    /// @dev What an oracle lag of h can hide in the book's value: |delta| h + |gamma| h^2 / 2, the second-order term a
    ///      guide only within about one standard deviation of the nearest expiry's move (S sigma sqrt T, the smaller
    ///      sigma). Past it (minutes before an expiry, where a lag-sized move carries an out-of-the-money strike
    ///      through) gamma is none: a review found the band 3,136 USD short 5 minutes before expiry on 1,600 calls.
    ///      There every open token's value moves by at most h (|delta| <= 1), which bounds it whatever the greeks.
    function _lagTermWad(OptionsLogic.Book storage bk, Estimator memory x, uint256 hWad, int256 delta)
        private
        view
        returns (uint256 lagWad)
    {
        lagWad =
            MathLib.abs(delta).wadMulUp(hWad) + (MathLib.abs(bk.gammaWad).wadMulUp(hWad).wadMulUp(hWad) + 1) / 2;
        uint256 nearest = bk.nearestExpiry;
        if (nearest <= block.timestamp) return lagWad;
        uint256 sdWad = x.spotWad
            .wadMulDown(
                MathLib.sqrtDown(MathLib.min(x.varianceWad, x.longVarianceWad) * (nearest - block.timestamp) * WAD)
            );
        if (hWad > sdWad) lagWad = MathLib.max(lagWad, (uint256(bk.tokensE9) * 1e9).wadMulUp(hWad));
    }

    /// @notice The most the next volatility sample can change the value of the book's open options (USD WAD, rounded
    ///         up), for every sample the next valid price can make: published at or after the next sampling boundary
    ///         and counting for at most two intervals plus the market's max price age (RiskMath.sampleSpanSec; the
    ///         later, the more a quiet spell decays the variance), within the oracle's lag of the current price. `allWad` bounds
    ///         every open option; `beforeBlockWad` leaves out what this block's buys added (net of its sales).
    /// @dev Each option's implied volatility is iv = clamp(B m(x), ivMin, ivMax) with B^2 = w vS + (1 - w) vL (annual,
    ///      w in (0, 1]) and x = clamp(ln(K / Ss) / (B sqrt T), -3, 3), m = clamp(1 - skew x + smile x^2, 0.5, 2).
    ///      A sample moves vS, vL and the sample price Ss. Step 1, B -> B' at the old Ss: d(B m)/dB is m where x or
    ///      m is clamped and 1 - smile x^2 otherwise, so |d iv| <= Mb |dB| with Mb = max(9 smile - 1, min(2, 1 + 3
    ///      |skew| + 9 smile)); |dB| = |dB^2| / (B + B') <= (w |dvS| + |dvL|) Y / (B + B'), and also <= sqrt(|dB^2|).
    ///      Step 2, Ss -> Ss' at B': x moves by |ln(Ss'/Ss)| / (B' sqrt T) and |m'| <= L = |skew| + 6 smile, so
    ///      |d iv| <= L |ln(Ss'/Ss)| / sqrt T. Each option's vega is at most S sqrt(T) / sqrt(2 pi) at any volatility,
    ///      so |dV| <= S / sqrt(2 pi) (a sqrt(T) Mb |dB| + a L |r'|), r' = ln(Ss'/Ss). Summed with the book's sums
    ///      (a, a sqrt T and a sqrt T w, upper bounds kept by the refresh and raised by buys).
    function resampleBoundsWad(
        OptionsLogic.Book storage bk,
        OptionsLogic.BlockBuys storage bb,
        IOptionsBook.OptionsConfig storage oc,
        RiskMath.Estimator memory est,
        uint256 oracleLagBps,
        Estimator memory x
    ) internal view returns (uint256 allWad, uint256 beforeBlockWad) {
        Slopes memory k;
        {
            // r' = ln(S' / Ss) for a sample price S' within the lag of S: |r'| in [r - l', r + l'], l' = lag + lag^2
            // >= -ln(1 - lag) >= ln(1 + lag); one wei more for the logarithm's truncation.
            uint256 lag = MathLib.max(bk.lagBps, oracleLagBps) * 1e14;
            lag += lag.wadMulUp(lag) + 2;
            uint256 r = MathLib.abs(MathLib.lnWad(x.spotWad.mulDivDown(WAD, x.samplePriceWad)));
            k.rHi = r + lag;
            uint256 vLo;
            (k.dvS, k.dvL, vLo) = _estimatorMoves(est, x, k.rHi, r > lag ? r - lag : 0);
            k.rootMove = MathLib.sqrtDown(MathLib.max(k.dvS, k.dvL) * YEAR_SEC * WAD) + 1;
            k.denominator = MathLib.sqrtDown(MathLib.min(x.varianceWad, x.longVarianceWad) * YEAR_SEC * WAD)
                + MathLib.sqrtDown(vLo * YEAR_SEC * WAD);
        }
        (k.mB, k.l) = _surfaceSlopesWad(oc);
        k.spotWad = x.spotWad;
        allWad = _resampleWad(k, bk.tokensE9, bk.rootTauE9, bk.rootTauShortE9);
        beforeBlockWad = bb.buysBlock == block.number
            ? _resampleWad(
                k,
                _lessE9(bk.tokensE9, bb.blockTokensE9),
                _lessE9(bk.rootTauE9, bb.blockRootTauE9),
                _lessE9(bk.rootTauShortE9, bb.blockRootTauShortE9)
            )
            : allWad;
    }

    /// @dev What the sample can move, computed once for both sets of sums.
    struct Slopes {
        uint256 rHi; // the largest |r'|
        uint256 dvS; // how far each variance estimator can move
        uint256 dvL;
        uint256 rootMove; // sqrt(max(dvS, dvL) Y), rounded up
        uint256 denominator; // B + B' from below (0: only the square-root bound applies)
        uint256 mB; // the surface's slopes (_surfaceSlopesWad)
        uint256 l;
        uint256 spotWad;
    }

    /// @dev The resampling bound on sums (a, a sqrt T, a sqrt T w; 1e9 units): S / sqrt(2 pi) (Mb sum a sqrt(T) |dB| +
    ///      L |r'| sum a), with sum a sqrt(T) |dB| bounded both ways (the smaller holds): sum a sqrt(T) (w |dvS| +
    ///      |dvL|) Y / (B + B'), and sum a sqrt(T) sqrt(max(|dvS|, |dvL|) Y).
    function _resampleWad(Slopes memory k, uint256 tokensE9, uint256 rootTauE9, uint256 rootTauShortE9)
        private
        pure
        returns (uint256)
    {
        uint256 rootTau = rootTauE9 * 1e9;
        uint256 dB = rootTau.wadMulUp(k.rootMove);
        if (k.denominator > 0) {
            dB = MathLib.min(dB, (rootTauShortE9 * 1e9 * k.dvS + rootTau * k.dvL).mulDivUp(YEAR_SEC, k.denominator));
        }
        uint256 volTokens = k.mB.wadMulUp(dB) + k.l.wadMulUp(k.rHi).wadMulUp(tokensE9 * 1e9);
        return volTokens.wadMulUp(k.spotWad).wadMulUp(INV_SQRT_2PI_UP_WAD);
    }

    /// @dev `sumE9` less `partE9`, floored at 0.
    function _lessE9(uint256 sumE9, uint256 partE9) private pure returns (uint256) {
        return sumE9 > partE9 ? sumE9 - partE9 : 0;
    }

    /// @dev The surface's slopes: Mb bounds |d(B m)/dB| and L bounds |dm/dx| (see resampleBoundWad).
    ///      Reads the config's two surface fields from storage (two of its four slots), not the whole struct.
    function _surfaceSlopesWad(IOptionsBook.OptionsConfig storage oc) private view returns (uint256 mB, uint256 l) {
        uint256 skewAbs = MathLib.abs(oc.skewWad);
        uint256 smileWad = oc.smileWad;
        uint256 smile9 = 9 * smileWad;
        mB = MathLib.max(smile9 > WAD ? smile9 - WAD : 0, MathLib.min(2 * WAD, WAD + 3 * skewAbs + smile9));
        l = skewAbs + 6 * smileWad;
    }

    /// @dev How far the next sample can move each variance estimator (its span from the next boundary to the longest a
    ///      sample counts for, RiskMath.sampleSpanSec; the squared return between the smallest clipped and the largest
    ///      unclipped), and the lowest either can reach.
    function _estimatorMoves(RiskMath.Estimator memory est, Estimator memory x, uint256 rHi, uint256 rLo)
        private
        view
        returns (uint256 dvS, uint256 dvL, uint256 vLo)
    {
        NextSample memory n;
        n.r2Hi = rHi.mulDivUp(rHi, WAD);
        n.r2Lo = MathLib.min(
            rLo.mulDivDown(rLo, WAD),
            est.clipSigmas * est.clipSigmas * MathLib.max(x.varianceWad, x.longVarianceWad) * est.intervalSec
        );
        uint256 next = (x.sampleAt / est.intervalSec + 1) * est.intervalSec;
        n.dtMin = next - x.sampleAt;
        n.dtMax = RiskMath.maxSampleSpanSec(est);
        uint256 lo;
        (dvS, vLo) = _varianceMove(x.varianceWad, n, est.tauSec);
        (dvL, lo) = _varianceMove(x.longVarianceWad, n, est.longTauSec);
        vLo = MathLib.min(vLo, lo);
    }

    /// @dev How far one sample can move a variance EWMA (RiskMath.ewmaVarianceUp) from `v`, given the squared return
    ///      and elapsed time ranges; and the lowest value it can reach.
    function _varianceMove(uint256 v, NextSample memory n, uint256 tauSec)
        private
        pure
        returns (uint256 move, uint256 lo)
    {
        uint256 hi = RiskMath.ewmaVarianceUp(v, n.r2Hi, n.dtMin, tauSec);
        lo = MathLib.min((tauSec * v + n.r2Lo) / (tauSec + n.dtMax), RiskMath.MAX_VARIANCE_WAD);
        move = MathLib.max(hi > v ? hi - v : 0, v > lo ? v - lo : 0);
    }
}
