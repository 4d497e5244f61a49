// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../interfaces/IOptionsBook.sol";
import {MathLib, WAD} from "../libraries/MathLib.sol";
import {OptionMath} from "./OptionMath.sol";

/// @title OptionPricing
/// @notice The options product's rules on top of Black-Scholes: the volatility surface (sampled realized variance, a
///         mean-reverting term structure, a per-strike skew and smile, hard bounds), the capped call, the bid/ask
///         spread, the exposure impact and the rounding of premiums, reserves and payouts. Mirrored in
///         lib/math/options.ts.
/// @dev Units: prices and strikes USD per index token (WAD), amounts index tokens (WAD), premiums and payouts
///      settlement-token units (6 decimals), variances per second (WAD, as the perpetuals' estimator stores them).
library OptionPricing {
    using MathLib for uint256;

    uint256 internal constant YEAR_SEC = 365 days;
    /// @dev WAD amount x WAD price = 1e36 per USD; USD amounts have 6 decimals.
    uint256 internal constant AMOUNT_TO_USD = 1e30;
    /// @dev Standardized moneyness beyond which the skew stops growing.
    int256 internal constant MAX_MONEYNESS_WAD = 3e18;
    /// @dev The skew multiplier's bounds.
    uint256 internal constant MIN_SKEW_MULT_WAD = 0.5e18;
    uint256 internal constant MAX_SKEW_MULT_WAD = 2e18;

    /// @notice What every strike and leg of one expiry shares, computed once per board (`expiryTerms`).
    struct Expiry {
        uint256 tauWad; // years to expiry (OptionMath.yearsDown)
        uint256 sqrtTauWad; // its square root (OptionMath.sqrtYearsWad)
        uint256 boardVolWad; // sqrt of the term variance: the board's at-the-money volatility before the skew
        uint256 boardSdWad; // boardVol x sqrtTau: the standardizer of the skew's moneyness
        uint256 callCapBps; // the board's call cap
        int256 capLogWad; // ln(capStrike / strike) = ln(1 + callCapBps / 10_000)
    }

    /// @notice Annualized variance for an expiry `tauSec` away: the long-run variance plus the current one's excess,
    ///         decaying at the mean-reversion speed (the average expected variance to expiry under mean reversion):
    ///         v(T) = vL + (vS - vL) (1 - e^(-kT)) / (kT). Floored at zero.
    /// @param varianceWad current (sampled) variance per second
    /// @param longVarianceWad long-run variance per second
    function termVarianceWad(uint256 varianceWad, uint256 longVarianceWad, uint256 tauSec, uint256 meanReversionWad)
        internal
        pure
        returns (uint256)
    {
        return termVarianceAt(varianceWad, longVarianceWad, termWeightWad(tauSec, meanReversionWad));
    }

    /// @notice `termVarianceWad` at a precomputed term weight (termWeightWad).
    function termVarianceAt(uint256 varianceWad, uint256 longVarianceWad, uint256 weightWad)
        internal
        pure
        returns (uint256)
    {
        uint256 vS = varianceWad * YEAR_SEC;
        uint256 vL = longVarianceWad * YEAR_SEC;
        int256 v = int256(vL) + (int256(vS) - int256(vL)) * int256(weightWad) / int256(WAD);
        return v > 0 ? uint256(v) : 0;
    }

    /// @notice The current variance's weight in the term variance of an expiry `tauSec` away: (1 - e^(-kT)) / (kT), in
    ///         (0, 1], falling as the expiry lengthens (rounded down).
    function termWeightWad(uint256 tauSec, uint256 meanReversionWad) internal pure returns (uint256) {
        uint256 kT = meanReversionWad * tauSec / YEAR_SEC;
        // (1 - e^-x)/x -> 1 as x -> 0; below 1e-9 the series' first term is exact to the wei.
        return kT < 1e9 ? WAD : (WAD - OptionMath.expWad(-int256(kT))) * WAD / kT;
    }

    /// @notice Mid implied volatility of a strike: the board's volatility times a skew/smile multiplier in the
    ///         standardized log-moneyness x = ln(K/S) / (sigma sqrt T) (clamped to +-3), S the last sampled price:
    ///         m = 1 - skew x + smile x^2, clamped to [0.5, 2]; the result clamped to [ivMin, ivMax].
    /// @param lnMoneynessWad ln(S/K) at the volatility estimator's last sampled price S (OptionMath.lnMoneynessWad)
    function midVolWad(uint256 termVarWad, int256 lnMoneynessWad, uint256 tauSec, IOptionsBook.OptionsConfig memory cfg)
        internal
        pure
        returns (uint256)
    {
        return midVolAt(expiryTerms(termVarWad, tauSec, cfg.callCapBps), lnMoneynessWad, cfg);
    }

    /// @notice The terms of an expiry `tauSec` away with term variance `termVarWad` and call cap `callCapBps`.
    function expiryTerms(uint256 termVarWad, uint256 tauSec, uint256 callCapBps)
        internal
        pure
        returns (Expiry memory e)
    {
        e.tauWad = OptionMath.yearsDown(tauSec);
        e.sqrtTauWad = OptionMath.sqrtYearsWad(e.tauWad);
        e.boardVolWad = MathLib.sqrtDown(termVarWad * WAD);
        e.boardSdWad = e.boardVolWad * e.sqrtTauWad / WAD;
        e.callCapBps = callCapBps;
        e.capLogWad = capLogWad(callCapBps);
    }

    /// @notice The same expiry on another term variance: its time and cap terms, the board volatility recomputed.
    function withTermVariance(Expiry memory e, uint256 termVarWad) internal pure returns (Expiry memory n) {
        n.tauWad = e.tauWad;
        n.sqrtTauWad = e.sqrtTauWad;
        n.boardVolWad = MathLib.sqrtDown(termVarWad * WAD);
        n.boardSdWad = n.boardVolWad * e.sqrtTauWad / WAD;
        n.callCapBps = e.callCapBps;
        n.capLogWad = e.capLogWad;
    }

    /// @notice `midVolWad` on an expiry's precomputed terms.
    /// @dev `lnMoneynessWad` is a logarithm (MathLib.lnWad: |x| < 178e18 for any 256-bit ratio) and the board's terms
    ///      come from `expiryTerms` (a volatility below 2^76: the square root of a term variance below 2^89 x 1e18), so
    ///      no product below reaches 2^140 and the arithmetic is unchecked: ln x 1e18 < 2^68 x 2^60, skew x x < 2^63
    ///      x 2^62, smile x x < 2^64 x 2^62, board volatility x m < 2^76 x 2^61.
    function midVolAt(Expiry memory e, int256 lnMoneynessWad, IOptionsBook.OptionsConfig memory cfg)
        internal
        pure
        returns (uint256)
    {
        unchecked {
            int256 x;
            if (e.boardSdWad > 0) {
                x = MathLib.clamp(
                    -lnMoneynessWad * int256(WAD) / int256(e.boardSdWad), -MAX_MONEYNESS_WAD, MAX_MONEYNESS_WAD
                );
            }
            int256 mult = int256(WAD) - int256(cfg.skewWad) * x / int256(WAD) + int256(uint256(cfg.smileWad)) * x
                / int256(WAD) * x / int256(WAD);
            uint256 m = uint256(MathLib.clamp(mult, int256(MIN_SKEW_MULT_WAD), int256(MAX_SKEW_MULT_WAD)));
            uint256 iv = e.boardVolWad * m / WAD;
            return iv < cfg.ivMinWad ? cfg.ivMinWad : (iv > cfg.ivMaxWad ? cfg.ivMaxWad : iv);
        }
    }

    /// @notice The volatility a trade is priced at: mid + spread to buy, mid - spread (never below ivMin / 2) to sell.
    function tradeVolWad(uint256 midWad, bool isBuy, IOptionsBook.OptionsConfig memory cfg)
        internal
        pure
        returns (uint256)
    {
        if (isBuy) return midWad + cfg.spreadVolWad;
        uint256 floor = cfg.ivMinWad / 2;
        return midWad > cfg.spreadVolWad + floor ? midWad - cfg.spreadVolWad : floor;
    }

    /// @notice The price a trade is valued at: the oracle's, moved by the lag it can hide (its deviation threshold
    ///         `lagBps`) the way that favours the pool. A capped call gains value with the price and a put loses it, so
    ///         a buy of a call and a sale of a put are valued at S (1 + lag), rounded up, the others at S (1 - lag),
    ///         rounded down: the option fully revalued there, its convexity included.
    function laggedSpotWad(uint256 spotWad, uint256 lagBps, bool isCall, bool isBuy) internal pure returns (uint256) {
        uint256 moveWad = spotWad.bpsUp(lagBps);
        return isCall == isBuy ? spotWad + moveWad : spotWad - MathLib.min(moveWad, spotWad);
    }

    /// @notice The capped call's cap strike: a call pays at most K x callCapBps, so it is the call spread K / capStrike.
    function capStrikeWad(uint256 strikeWad, uint256 callCapBps) internal pure returns (uint256) {
        return strikeWad + strikeWad * callCapBps / 10_000;
    }

    /// @notice ln(capStrike / strike) = ln(1 + callCapBps / 10_000), WAD.
    function capLogWad(uint256 callCapBps) internal pure returns (int256) {
        return MathLib.lnWad(WAD + callCapBps * WAD / 10_000);
    }

    /// @notice Value and greeks of one option (a capped call or a put) per token, at volatility `volWad`.
    /// @dev The capped call is C(K) - C(capStrike) at the same volatility. Its greeks subtract likewise; `grossGamma`
    ///      adds the legs' gammas (the NAV's error bound needs the gross figure).
    /// @param lnMoneynessWad ln(S/K) (OptionMath.lnMoneynessWad); the cap leg's is ln(S/K) - ln(1 + callCapBps)
    function optionGreeks(
        bool isCall,
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        uint256 tauSec,
        IOptionsBook.OptionsConfig memory cfg
    ) internal pure returns (IOptionsBook.OptionGreeks memory) {
        return optionGreeksAt(
            isCall, spotWad, strikeWad, lnMoneynessWad, volWad, expiryTerms(0, tauSec, cfg.callCapBps)
        );
    }

    /// @notice `optionGreeks` on an expiry's precomputed terms (its time terms and call cap; the volatility is `volWad`).
    function optionGreeksAt(
        bool isCall,
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        Expiry memory e
    ) internal pure returns (IOptionsBook.OptionGreeks memory) {
        OptionMath.Greeks memory g = strikeLeg(spotWad, strikeWad, lnMoneynessWad, volWad, e);
        return isCall ? callFromLeg(g, spotWad, strikeWad, lnMoneynessWad, volWad, e) : putFromLeg(g);
    }

    /// @notice The Black-Scholes leg on the strike itself (rate 0): a put is this leg, a capped call this leg less the
    ///         cap's. A strike with calls and puts open prices it once for both.
    function strikeLeg(uint256 spotWad, uint256 strikeWad, int256 lnMoneynessWad, uint256 volWad, Expiry memory e)
        internal
        pure
        returns (OptionMath.Greeks memory)
    {
        return OptionMath.blackScholesAt(spotWad, strikeWad, lnMoneynessWad, volWad, e.tauWad, e.sqrtTauWad, 0);
    }

    /// @notice A put's figures from its strike leg `g`.
    function putFromLeg(OptionMath.Greeks memory g) internal pure returns (IOptionsBook.OptionGreeks memory o) {
        // Unchecked: every figure of a leg inside the pricing domain (OptionMath.blackScholesAt) is below 2^180, so
        // nothing below can wrap; at rate 0 a theta is the decay, <= 0.
        unchecked {
            o.valueWad = g.putWad;
            o.deltaWad = int256(g.callDeltaWad) - int256(WAD);
            o.gammaWad = int256(g.gammaWad);
            o.grossGammaWad = g.gammaWad;
            o.vegaWad = int256(g.vegaWad);
            o.thetaWad = g.putThetaWad / int256(YEAR_SEC);
            o.grossThetaWad = uint256(-g.putThetaWad) / YEAR_SEC + 1;
        }
    }

    /// @notice A capped call's figures from its strike leg `g` and the cap leg (priced here at the same volatility).
    function callFromLeg(
        OptionMath.Greeks memory g,
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        Expiry memory e
    ) internal pure returns (IOptionsBook.OptionGreeks memory o) {
        OptionMath.Greeks memory c = OptionMath.blackScholesAt(
            spotWad,
            capStrikeWad(strikeWad, e.callCapBps),
            lnMoneynessWad - e.capLogWad,
            volWad,
            e.tauWad,
            e.sqrtTauWad,
            0
        );
        // Unchecked: both legs' figures are below 2^180 (the cap leg's inputs are checked in blackScholesAt too), so
        // the differences and the gross sums cannot wrap.
        unchecked {
            o.valueWad = g.callWad > c.callWad ? g.callWad - c.callWad : 0;
            o.deltaWad = int256(g.callDeltaWad) - int256(c.callDeltaWad);
            o.gammaWad = int256(g.gammaWad) - int256(c.gammaWad);
            o.grossGammaWad = g.gammaWad + c.gammaWad;
            o.vegaWad = int256(g.vegaWad) - int256(c.vegaWad);
            o.thetaWad = (g.callThetaWad - c.callThetaWad) / int256(YEAR_SEC);
            // each leg's |theta| (at rate 0 both are the decay, <= 0), per second and above the exact quotient
            o.grossThetaWad = uint256(-g.callThetaWad - c.callThetaWad) / YEAR_SEC + 1;
        }
    }

    /// @notice One token's trade value, leg by leg: a put at `volWad`; a capped call as the call on the strike at
    ///         `volWad` less the call on the cap strike at `capVolWad` (at least zero). Each vanilla leg rises with
    ///         its volatility, so with `volWad` at or above and `capVolWad` at or below every volatility a trade may
    ///         be priced on, the value is at least the spread's value at any of them whatever the sign of its vega
    ///         (deep in the money the cap leg's vega is the larger): an ask. The reverse order gives a bid. At most
    ///         the option's maximum payout per token.
    function tradeValueWad(
        bool isCall,
        uint256 spotWad,
        uint256 strikeWad,
        int256 lnMoneynessWad,
        uint256 volWad,
        uint256 capVolWad,
        Expiry memory e
    ) internal pure returns (uint256) {
        OptionMath.Greeks memory g = OptionMath.blackScholesAt(
            spotWad, strikeWad, lnMoneynessWad, volWad, e.tauWad, e.sqrtTauWad, 0
        );
        // Never above what one token can pay: a put's value is below its strike but for the legs' fixed-point error;
        // a call's legs at two volatilities can pass its cap by much when the cap is narrow and the spread wide.
        if (!isCall) return MathLib.min(g.putWad, strikeWad);
        uint256 capWad = capStrikeWad(strikeWad, e.callCapBps);
        uint256 capCallWad =
            OptionMath.blackScholesAt(
            spotWad, capWad, lnMoneynessWad - e.capLogWad, capVolWad, e.tauWad, e.sqrtTauWad, 0
        )
        .callWad;
        return g.callWad > capCallWad ? MathLib.min(g.callWad - capCallWad, capWad - strikeWad) : 0;
    }

    /// @notice What one token of the option pays at `priceWad`: a put max(K - S, 0); a call min(max(S - K, 0), cap).
    function payoffWad(bool isCall, uint256 strikeWad, uint256 priceWad, uint256 callCapBps)
        internal
        pure
        returns (uint256)
    {
        if (!isCall) return strikeWad > priceWad ? strikeWad - priceWad : 0;
        if (priceWad <= strikeWad) return 0;
        return MathLib.min(priceWad - strikeWad, capStrikeWad(strikeWad, callCapBps) - strikeWad);
    }

    /// @notice The most `amountWad` of the option can pay (reserved from the pool while it is open), rounded up.
    function maxPayoutUp(bool isCall, uint256 strikeWad, uint256 amountWad, uint256 callCapBps)
        internal
        pure
        returns (uint256)
    {
        return amountWad.mulDivUp(maxPayoutWad(isCall, strikeWad, callCapBps), AMOUNT_TO_USD);
    }

    /// @notice The most one token of the option can pay: a call its cap (capStrike - strike), a put its strike.
    function maxPayoutWad(bool isCall, uint256 strikeWad, uint256 callCapBps) internal pure returns (uint256) {
        return isCall ? capStrikeWad(strikeWad, callCapBps) - strikeWad : strikeWad;
    }

    /// @notice The least an option may be sold for per token (rounded up): minPremiumBps of its maximum payout, and at
    ///         least the borrow rate at the pool's kink (`reserveRateWad`, per second) on that payout for the option's
    ///         life (`tauSec`), so the liquidity a buy locks in the pool is never free to lock and never cheaper to lock
    ///         than the perpetuals' borrow it can raise (a review locked a 100M pool's reserve with far out-of-the-money
    ///         options at 5 bps, which pay no borrow, and its LP account collected its share of the perpetuals' borrow
    ///         the lock raised: P-106).
    function minPremiumUp(
        bool isCall,
        uint256 strikeWad,
        uint256 callCapBps,
        uint256 minPremiumBps,
        uint256 reserveRateWad,
        uint256 tauSec
    ) internal pure returns (uint256) {
        uint256 most = maxPayoutWad(isCall, strikeWad, callCapBps);
        return MathLib.max(most.bpsUp(minPremiumBps), most.mulDivUp(reserveRateWad * tauSec, WAD));
    }

    /// @notice USD amount of `amountWad` tokens at `perTokenWad`, rounded up (what the pool charges).
    function toUsdUp(uint256 amountWad, uint256 perTokenWad) internal pure returns (uint256) {
        return amountWad.mulDivUp(perTokenWad, AMOUNT_TO_USD);
    }

    /// @notice USD amount of `amountWad` tokens at `perTokenWad`, rounded down (what the pool pays).
    function toUsdDown(uint256 amountWad, uint256 perTokenWad) internal pure returns (uint256) {
        return amountWad.mulDivDown(perTokenWad, AMOUNT_TO_USD);
    }

    /// @notice Impact of a trade that moves the pool's net delta (USD) from `deltaBeforeWad` to `deltaAfterWad` and its
    ///         net vega (USD per 1.0 of volatility) likewise: (after^2 - before^2) / (2 scale) for each, counted only
    ///         when the trade adds exposure, and from zero onward when it carries the exposure through zero (as the
    ///         perpetuals' impact: one trade from -S to +S pays S^2 / (2 scale), as its two halves do). Trades that
    ///         reduce the pool's risk pay none; none is ever paid out, so no sequence of trades earns impact back.
    ///         Rounded up, USD (6 decimals).
    function impactUp(
        int256 deltaBeforeWad,
        int256 deltaAfterWad,
        int256 vegaBeforeWad,
        int256 vegaAfterWad,
        IOptionsBook.OptionsConfig memory cfg
    ) internal pure returns (uint256) {
        return _quadraticUp(deltaBeforeWad, deltaAfterWad, cfg.deltaScaleUsd)
            + _quadraticUp(vegaBeforeWad, vegaAfterWad, cfg.vegaScaleUsd);
    }

    /// @dev max(0, a^2 - b^2) / (2 scale), a and b in USD WAD, scale in whole USD; result USD (6 decimals), up. Across
    ///      zero b is 0: the way to zero reduces the exposure (free), the way past it adds a^2 (review AR: the flip of a
    ///      4M USD delta paid nothing in one trade and 8,000 USD in two).
    function _quadraticUp(int256 beforeWad, int256 afterWad, uint256 scaleUsd) private pure returns (uint256) {
        uint256 b = (beforeWad < 0) == (afterWad < 0) ? MathLib.abs(beforeWad) : 0;
        uint256 a = MathLib.abs(afterWad);
        if (a <= b || scaleUsd == 0) return 0;
        // (a - b)(a + b) / (2 scale): WAD^2 / (USD) -> 6-decimal USD: divide by 2 x scale x 1e30.
        return (a - b).mulDivUp(a + b, 2 * scaleUsd * 1e30);
    }
}
