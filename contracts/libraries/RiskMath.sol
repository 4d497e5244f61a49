// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {MathLib, WAD} from "./MathLib.sol";

/// @title RiskMath
/// @notice The clearing house's rate, impact, volatility and margin formulas, as pure functions.
/// @dev Units: USD amounts in settlement-token units (6 decimals, `...Usd`); rates per second in WAD; fractions in
///      WAD or bps as named. Mirrored to the wei in lib/math/risk.ts (differential-tested).
library RiskMath {
    using MathLib for uint256;

    /// @notice Ceiling of the maintenance margin rate: whatever sigma does, a position at 2x or less is never
    ///         liquidated by the volatility term alone.
    uint256 internal constant MAX_MAINTENANCE_WAD = 0.5e18;

    /// @notice A market's volatility estimator parameters (IPerpEngine.MarketConfig's sampling fields).
    struct Estimator {
        uint256 intervalSec; // one sample per interval
        uint256 clipSigmas; // outlier rule (clippedSquaredReturnUp)
        uint256 tauSec; // memory of the variance EWMA
        uint256 longTauSec; // memory of the long-run variance EWMA
        uint256 maxAgeSec; // the market's max price age: how late after its boundary a sample is assumed to come
    }

    /// @notice Kinked (two-slope) borrow rate per second for a utilization, rounded up.
    /// @param utilizationWad reserved / pool cash, WAD (may exceed 1e18).
    /// @param baseRateWad rate at zero utilization, per second.
    /// @param slope1Wad extra rate reached at the kink, per second.
    /// @param slope2Wad extra rate from the kink to 100% utilization, per second.
    /// @param kinkWad utilization of the kink, WAD, in (0, 1e18).
    function borrowRateUp(
        uint256 utilizationWad,
        uint256 baseRateWad,
        uint256 slope1Wad,
        uint256 slope2Wad,
        uint256 kinkWad
    ) internal pure returns (uint256 ratePerSecWad) {
        if (utilizationWad <= kinkWad) {
            return baseRateWad + slope1Wad.mulDivUp(utilizationWad, kinkWad);
        }
        return baseRateWad + slope1Wad + slope2Wad.mulDivUp(utilizationWad - kinkWad, WAD - kinkWad);
    }

    /// @notice Pool utilization: reserved maximum payouts / pool cash, WAD, rounded up (1e18 when reserves exist and
    ///         cash is zero). The one definition: the core's borrow rate and initial margin, the Reader, the TS previews
    ///         and the stress test all use it.
    function utilizationUp(uint256 reservedUsd, uint256 cashUsd) internal pure returns (uint256) {
        if (reservedUsd == 0) return 0;
        if (cashUsd == 0) return WAD;
        return reservedUsd.mulDivUp(WAD, cashUsd);
    }

    /// @notice The utilization LP flows may take the pool to: the lower of the solvency limit and the borrow curve's
    ///         kink, WAD (P-106). The one definition freeLiquidityDown and fitsFreeLiquidity share. For a limit in
    ///         basis points below 2^64 (the core's is 16 bits), where the product cannot overflow.
    function lpExitLimitWad(uint256 maxUtilizationBps, uint256 kinkWad) internal pure returns (uint256) {
        unchecked {
            return MathLib.min(maxUtilizationBps * (WAD / MathLib.BPS), kinkWad);
        }
    }

    /// @notice Pool cash LPs may take out: cash beyond what keeps utilization at or below both the solvency limit
    ///         and the borrow curve's kink, i.e. beyond max(reserved / maxUtilization, reserved / kink) (the locked
    ///         part rounded up, so the free part rounds down). LP flows never take the pool past the kink: only new
    ///         positions, which pay the steep part of the rate, do (P-106).
    function freeLiquidityDown(uint256 cashUsd, uint256 reservedUsd, uint256 maxUtilizationBps, uint256 kinkWad)
        internal
        pure
        returns (uint256)
    {
        // reserved / min(limit, kink), rounded up: the larger of the two locks, in one division
        uint256 locked = reservedUsd.mulDivUp(WAD, lpExitLimitWad(maxUtilizationBps, kinkWad));
        return cashUsd > locked ? cashUsd - locked : 0;
    }

    /// @notice Whether an LP flow of `amountUsd` fits the free liquidity: exactly amountUsd <= freeLiquidityDown(...)
    ///         (ceil(r W / L) <= c - a  <=>  r W <= L (c - a), c - a an integer), without the division. For amounts
    ///         below 2^64 and a kink at most 1e18 (the core's), where nothing can overflow.
    function fitsFreeLiquidity(
        uint256 cashUsd,
        uint256 reservedUsd,
        uint256 maxUtilizationBps,
        uint256 kinkWad,
        uint256 amountUsd
    ) internal pure returns (bool) {
        if (amountUsd == 0) return true; // as 0 <= freeLiquidityDown, even with nothing free
        if (amountUsd > cashUsd) return false;
        unchecked {
            // amounts below 2^64 (the core's fields) and a limit at most 1e18: no product reaches 2^256
            return reservedUsd * WAD <= lpExitLimitWad(maxUtilizationBps, kinkWad) * (cashUsd - amountUsd);
        }
    }

    /// @notice The funding rate's velocity, WAD per second per second: the skew as a share of `skewScaleUsd`,
    ///         within +-1, times `maxVelocityWad`, truncated toward zero.
    function fundingVelocityWad(int256 skewUsd, uint256 skewScaleUsd, uint64 maxVelocityWad)
        internal
        pure
        returns (int256)
    {
        int256 proportionalWad = MathLib.clamp(skewUsd * int256(WAD) / int256(skewScaleUsd), -int256(WAD), int256(WAD));
        unchecked {
            return proportionalWad * int256(uint256(maxVelocityWad)) / int256(WAD);
        }
    }

    /// @notice Velocity funding: the rate drifts toward the side that is short of open interest while skew persists.
    /// @param rateWad current funding rate per second (positive: longs pay).
    /// @param skewUsd long minus short open interest.
    /// @param skewScaleUsd skew at which the velocity saturates.
    /// @param maxVelocityWad rate change per second at full skew.
    /// @param maxRateWad cap on |rate|.
    /// @param elapsed seconds since the last accrual.
    /// @return nextRateWad rate after `elapsed`.
    /// @return indexDeltaWad funding per USD of size accrued over `elapsed`: the integral of the rate, which moves
    ///         linearly from `rateWad` (clamped to the cap) and stays at the cap once it reaches it. Until the cap it
    ///         is the two rates' average x `elapsed`; a gap in which the rate reaches the cap adds the cap for the rest
    ///         (cap x elapsed - (cap - rate)^2 / (2 v)), where the average alone undercounts what the crowded side
    ///         owes. The ramp's part is truncated toward zero (at most one wei per USD of size from the exact value).
    function nextFunding(
        int64 rateWad,
        int256 skewUsd,
        uint256 skewScaleUsd,
        uint64 maxVelocityWad,
        uint64 maxRateWad,
        uint32 elapsed
    ) internal pure returns (int256 nextRateWad, int256 indexDeltaWad) {
        (nextRateWad, indexDeltaWad,) = _rateIntegral(
            rateWad, fundingVelocityWad(skewUsd, skewScaleUsd, maxVelocityWad), maxRateWad, elapsed
        );
    }

    /// @dev nextFunding's integral at velocity `velocityWad`; also returns the starting rate clamped to the cap.
    function _rateIntegral(int64 rateWad, int256 velocityWad, uint64 maxRateWad, uint32 elapsed)
        private
        pure
        returns (int256 nextRateWad, int256 indexDeltaWad, int256 rate)
    {
        // Unchecked: |velocity| < 2^64 and the other factors are 64- or 32-bit (the parameter types), so no product
        // below exceeds 2^160.
        unchecked {
            int256 dt = int256(uint256(elapsed));
            int256 maxRate = int256(uint256(maxRateWad));
            rate = MathLib.clamp(rateWad, -maxRate, maxRate);
            nextRateWad = MathLib.clamp(rate + velocityWad * dt, -maxRate, maxRate);
            // The integral of a rate that ramps at v from `rate` and holds at the cap once there: next x dt less the
            // ramp's triangle, (next - rate)^2 / (2 v), written as rate x dt + the ramp's part; without the cap that is
            // the two rates' average x dt. The ramp's part is truncated toward zero, and 0 when v is (EVM sdiv).
            int256 rampWad = nextRateWad - rate;
            int256 rampPartWad = 2 * rampWad * dt * velocityWad - rampWad * rampWad;
            assembly ("memory-safe") {
                rampPartWad := sdiv(rampPartWad, shl(1, velocityWad))
            }
            indexDeltaWad = rate * dt + rampPartWad;
        }
    }

    /// @notice Price impact of moving the skew from `skewBeforeUsd` to `skewAfterUsd`, quadratic in the imbalance.
    /// @dev A worsening move costs (s1^2 - s0^2) / (2 K), rounded up; an improving one earns the same times
    ///      positiveImpactBps, rounded down. Crossing zero earns on the way to zero and pays from zero onward. With
    ///      positiveImpactBps < 10_000 any path back to the starting skew costs more than it earns.
    /// @return costUsd positive: the trader pays; negative: the trader receives a rebate.
    function impactCostUsd(int256 skewBeforeUsd, int256 skewAfterUsd, uint256 impactScaleUsd, uint256 positiveImpactBps)
        internal
        pure
        returns (int256 costUsd)
    {
        uint256 before2 = MathLib.abs(skewBeforeUsd) ** 2;
        uint256 after2 = MathLib.abs(skewAfterUsd) ** 2;
        uint256 denom = 2 * impactScaleUsd;
        bool crossing = (skewBeforeUsd > 0 && skewAfterUsd < 0) || (skewBeforeUsd < 0 && skewAfterUsd > 0);
        if (crossing) {
            uint256 rebate = before2.mulDivDown(positiveImpactBps, denom * MathLib.BPS);
            uint256 cost = after2.mulDivUp(1, denom);
            return int256(cost) - int256(rebate);
        }
        if (after2 >= before2) return int256((after2 - before2).mulDivUp(1, denom));
        return -int256((before2 - after2).mulDivDown(positiveImpactBps, denom * MathLib.BPS));
    }

    /// @notice Price impact of a perpetual trade moving the perpetual skew from `perpBeforeUsd` to `perpAfterUsd` while
    ///         the options traders hold `optionsSkewUsd` of delta: the larger of the impact on the net skew (perpetual +
    ///         options) and the impact on the perpetual skew alone.
    /// @dev A trade that adds to the pool's net exposure pays for it, options included (the net cost is the larger);
    ///      a trade that offsets the options' delta pays what it would without options, never less and never a rebate
    ///      the perpetual skew alone would not pay. Why not the net skew alone: the options' delta moves without any
    ///      perpetual trade paying impact (price moves, time, expiry, settlement), so rebates on it would be unfunded;
    ///      here over any path that returns the perpetual skew to where it started the trades pay at least what the
    ///      same path pays without options (each step is >= its perpetual-only impact), which is >= 0 by the
    ///      asymmetry of impactCostUsd. Reduces to impactCostUsd when optionsSkewUsd is 0.
    ///      A rebate is at most `maxRebateUsd`, the fee the trade pays (P-98): no fill pays a trader net of its fee, so
    ///      a round trip's rebates never exceed its fees whatever trades land between its legs (a trader who opens in
    ///      front of a known order, a keeper's stop-loss fill, and closes behind it earned a rebate on both legs).
    function nettedImpactCostUsd(
        int256 perpBeforeUsd,
        int256 perpAfterUsd,
        int256 optionsSkewUsd,
        uint256 impactScaleUsd,
        uint256 positiveImpactBps,
        uint256 maxRebateUsd
    ) internal pure returns (int256 costUsd) {
        costUsd = impactCostUsd(perpBeforeUsd, perpAfterUsd, impactScaleUsd, positiveImpactBps);
        if (optionsSkewUsd != 0) {
            int256 net = impactCostUsd(
                perpBeforeUsd + optionsSkewUsd, perpAfterUsd + optionsSkewUsd, impactScaleUsd, positiveImpactBps
            );
            if (net > costUsd) costUsd = net;
        }
        if (costUsd < -int256(maxRebateUsd)) costUsd = -int256(maxRebateUsd);
    }

    /// @notice Funding over `elapsed`, split between the perpetual sides and the pool. The rate follows the net skew
    ///         (perpetual + the options traders' delta, `netSkewUsd`); while it is positive the longs pay its integral
    ///         on their open interest, while negative the shorts do. The pool, the counterparty of the net skew, keeps
    ///         its share first: the net skew on the paying side (0 if the net is on the other side), up to the payers'
    ///         whole interest; the receiving side is paid what is left, and never more than the rate (P-83):
    ///         receivers' rate = rate x min(receiverOi, max(0, payerOi - max(net on the paying side, 0))) / receiverOi.
    ///         The pool's take, payerOi x paid - receiverOi x received, is never negative, so it never pays.
    /// @dev Without options the net skew is the perpetual one and, while the crowded side pays, the receivers get the
    ///      whole rate (payerOi - skew = receiverOi), as a single index pays; while the rate lags a skew that changed
    ///      sides the pool's share is 0 and the receivers share what the payers pay (payerOi / receiverOi of the rate).
    ///      With options the receivers' share shrinks by the options' delta on the paying side, so options cannot
    ///      pin a rate whose payments the pool's perpetual counterparties then receive in its place (a review's
    ///      diversion: a perpetual skew matched to 0 while calls kept the rate at its cap). The rate's path is
    ///      monotone, so it changes sign at most once, at t* = -rate / v, where the part before the crossing is
    ///      -rate^2 / (2 v) (truncated toward zero); the OIs and the net skew are constant between accruals, so one
    ///      accrual equals any split of the gap up to rounding, which withholds from the receivers (never the pool).
    /// @return nextRateWad the rate after `elapsed`
    /// @return longDeltaWad what a long owes per unit of size (negative: is owed), the long index's move
    /// @return shortDeltaWad what a short is owed per unit of size (negative: owes), the short index's move
    function nextFundingSplit(
        int64 rateWad,
        uint256 longOiUsd,
        uint256 shortOiUsd,
        int256 netSkewUsd,
        uint256 skewScaleUsd,
        uint64 maxVelocityWad,
        uint64 maxRateWad,
        uint32 elapsed
    ) internal pure returns (int256 nextRateWad, int256 longDeltaWad, int256 shortDeltaWad) {
        uint256 longsPayWad;
        uint256 shortsPayWad;
        (nextRateWad, longsPayWad, shortsPayWad) =
            paidPerUnit(rateWad, netSkewUsd, skewScaleUsd, maxVelocityWad, maxRateWad, elapsed);
        (longDeltaWad, shortDeltaWad) = splitPaid(longsPayWad, shortsPayWad, longOiUsd, shortOiUsd, netSkewUsd);
    }

    /// @notice nextFundingSplit's first step: the rate after `elapsed` and what each side pays per unit of size over
    ///         it (both >= 0): the rate's integral's positive part falls on the longs, its negative part on the
    ///         shorts; a crossing splits it at -rate^2 / (2 v) (v != 0 there; |rate|, |v| < 2^64), each part
    ///         truncated toward zero and the second floored at 0 (review AC).
    function paidPerUnit(
        int64 rateWad,
        int256 netSkewUsd,
        uint256 skewScaleUsd,
        uint64 maxVelocityWad,
        uint64 maxRateWad,
        uint32 elapsed
    ) internal pure returns (int256 nextRateWad, uint256 longsPayWad, uint256 shortsPayWad) {
        int256 velocityWad = fundingVelocityWad(netSkewUsd, skewScaleUsd, maxVelocityWad);
        int256 totalWad;
        int256 rate;
        (nextRateWad, totalWad, rate) = _rateIntegral(rateWad, velocityWad, maxRateWad, elapsed);
        if (rate >= 0 && nextRateWad >= 0) return (nextRateWad, uint256(totalWad), 0);
        if (rate <= 0 && nextRateWad <= 0) return (nextRateWad, 0, uint256(-totalWad));
        // Unchecked: |rate|, |v| < 2^64 and |total| < 2^97 (a 64-bit rate over a 32-bit gap).
        unchecked {
            int256 toCrossingWad = -(rate * rate) / (2 * velocityWad);
            int256 restWad = totalWad - toCrossingWad;
            if (rate > 0) return (nextRateWad, uint256(toCrossingWad), restWad < 0 ? uint256(-restWad) : 0);
            return (nextRateWad, restWad > 0 ? uint256(restWad) : 0, uint256(-toCrossingWad));
        }
    }

    /// @notice nextFundingSplit's second step: the long and short index moves when the longs pay `longsPayWad` and
    ///         the shorts `shortsPayWad` per unit (receivedDown on each side). A side with no open interest moves with
    ///         the other: its index is no one's (a position opened there snapshots it), so nothing is withheld.
    function splitPaid(
        uint256 longsPayWad,
        uint256 shortsPayWad,
        uint256 longOiUsd,
        uint256 shortOiUsd,
        int256 netSkewUsd
    ) internal pure returns (int256 longDeltaWad, int256 shortDeltaWad) {
        uint256 netShort = netSkewUsd < 0 ? uint256(-netSkewUsd) : 0;
        uint256 netLong = netSkewUsd > 0 ? uint256(netSkewUsd) : 0;
        // Unchecked: every amount is below 2^97 (paidPerUnit), and a receiver's share below its payers'.
        unchecked {
            longDeltaWad = int256(longsPayWad) - int256(receivedDown(shortsPayWad, shortOiUsd, longOiUsd, netShort));
            shortDeltaWad = int256(receivedDown(longsPayWad, longOiUsd, shortOiUsd, netLong)) - int256(shortsPayWad);
        }
        if (shortOiUsd == 0) shortDeltaWad = longDeltaWad;
        else if (longOiUsd == 0) longDeltaWad = shortDeltaWad;
    }

    /// @notice What the receiving side is paid per unit when the payers pay `paidWad` per unit: the payers' total less
    ///         the pool's share on the net skew (`netOnPayersUsd`), spread over the receivers, at most `paidWad`;
    ///         rounded down (the rounding stays with the pool). 0 without receivers.
    function receivedDown(uint256 paidWad, uint256 payerOiUsd, uint256 receiverOiUsd, uint256 netOnPayersUsd)
        internal
        pure
        returns (uint256)
    {
        if (paidWad == 0 || receiverOiUsd == 0) return 0;
        uint256 fundedOi = payerOiUsd > netOnPayersUsd ? payerOiUsd - netOnPayersUsd : 0;
        if (fundedOi >= receiverOiUsd) return paidWad;
        return paidWad * fundedOi / receiverOiUsd; // paid < 2^97 (a 64-bit rate over a 32-bit gap), OI < 2^128
    }

    /// @notice Largest variance the estimator stores (the engine's 64-bit fields): far above the level where
    ///         maintenance reaches MAX_MAINTENANCE_WAD, so saturating loses nothing a margin could use.
    uint256 internal constant MAX_VARIANCE_WAD = type(uint64).max;

    /// @notice Whether a price published at `at` is the estimator's next sample: the first price the market sees in a
    ///         new sampling interval (at / interval > sampleAt / interval). Ticks inside one interval, however many and
    ///         whoever posts them, are not samples.
    function isNewSample(uint256 sampleAt, uint256 at, uint256 intervalSec) internal pure returns (bool) {
        return at / intervalSec > sampleAt / intervalSec;
    }

    /// @notice A sample's squared log return ln(p1/p0)^2, WAD, rounded up, winsorized (the outlier rule) at
    ///         `clipSigmas` standard deviations of the larger of the two estimates over the `elapsed` seconds it
    ///         spans: min(r^2, k^2 * refVariance * elapsed). One sample can therefore raise a variance by at most the
    ///         factor (tau + k^2 dt) / (tau + dt): a crash is a k-sigma observation, not an explosion, and a sustained
    ///         regime change still compounds sample after sample.
    function clippedSquaredReturnUp(
        uint256 samplePriceWad,
        uint256 priceWad,
        uint256 elapsed,
        uint256 refVarianceWad,
        uint256 clipSigmas
    ) internal pure returns (uint256) {
        uint256 r2 = squaredReturnUp(samplePriceWad, priceWad);
        uint256 cap = clipSigmas * clipSigmas * refVarianceWad * elapsed;
        return r2 < cap ? r2 : cap;
    }

    /// @notice One step of a continuous-time EWMA of the per-second variance of log returns, rounded up and
    ///         saturated at MAX_VARIANCE_WAD: var' = (tau * var + r^2) / (tau + dt).
    /// @dev The sample r^2/dt weighted by dt / (tau + dt): unbiased for any sampling interval (steady state
    ///      var = E[r^2] / dt).
    /// @param tauSec time constant of the average (its memory), seconds.
    function ewmaVarianceUp(uint256 varianceWad, uint256 squaredReturnWad, uint256 elapsed, uint256 tauSec)
        internal
        pure
        returns (uint256)
    {
        uint256 v = (tauSec * varianceWad + squaredReturnWad).mulDivUp(1, tauSec + elapsed);
        return v < MAX_VARIANCE_WAD ? v : MAX_VARIANCE_WAD;
    }

    /// @notice How many seconds a sample at `at` counts for, the last sample having been at `lastSampleAt`: the time
    ///         since, but at most two sampling intervals plus the max price age (the longest two samples of
    ///         consecutive intervals can be apart). A sample that comes later (a whole interval went unsampled: nobody
    ///         traded or poked) counts as one that came at the end of that window: a gap neither widens the outlier cap
    ///         nor shortens the memory, so what the next sample can set is bounded whenever it comes
    ///         (nextSampleVariancesUp, the options' trade prices and the LP band rely on it).
    /// @dev Measured from the last sample, and long enough that every return between samples of consecutive intervals
    ///      counts for the whole time it spans, wherever in their intervals the samples fall. Two reviews: measured
    ///      from the last sample's boundary, a sample late in its interval left the next one a window of the max age
    ///      alone (14 s on a 7 s pull feed: samples late in every interval counted 600 s returns for 14 s, about 43
    ///      times the variance); one interval plus the max age still counted a 1,199 s return (one interval's start to
    ///      the next one's end) for 607 s, so alternating samples doubled it. Only a skipped interval is capped.
    function sampleSpanSec(uint256 lastSampleAt, uint256 at, Estimator memory est) internal pure returns (uint256) {
        uint256 window = maxSampleSpanSec(est);
        uint256 elapsed = at - lastSampleAt;
        return elapsed < window ? elapsed : window;
    }

    /// @notice The longest a sample counts for (sampleSpanSec): two sampling intervals plus the max price age.
    function maxSampleSpanSec(Estimator memory est) internal pure returns (uint256) {
        return 2 * est.intervalSec + est.maxAgeSec;
    }

    /// @notice Both variance EWMAs after one sample: the price `priceWad`, counting for `spanSec` (sampleSpanSec)
    ///         after the last sample at `lastPriceWad`. Its squared return is winsorized at `clipSigmas` of the larger
    ///         estimate over at least one interval (two samples either side of a boundary cannot shrink a jump to k
    ///         sigma of one second). The perpetual estimator's step (PerpRisk.observe).
    function sampledVariancesUp(
        uint256 varianceWad,
        uint256 longVarianceWad,
        uint256 lastPriceWad,
        uint256 priceWad,
        uint256 spanSec,
        Estimator memory est
    ) internal pure returns (uint256, uint256) {
        return _sampledAtUp(varianceWad, longVarianceWad, squaredReturnUp(lastPriceWad, priceWad), spanSec, est);
    }

    /// @notice The variances the next sample can set if its price is `priceWad`: it comes at or after the next
    ///         sampling boundary, `earliest` seconds after the last sample, and counts for at most two intervals plus
    ///         `maxAgeSec` (sampleSpanSec), so a bound over that window holds whenever it comes. `highest`: an upper bound of each
    ///         variance; else a lower bound.
    /// @dev f(e) = (tau v + min(r^2, k^2 V max(e, I))) / (tau + e), V = max(v, vL), e in [earliest, 2 I + maxAge]:
    ///      decreasing while the cap is constant (e < I) or does not bind, increasing while it binds and grows
    ///      (I <= e < e* = r^2 / (k^2 V)). So the maximum is at earliest or at e* (both integer neighbours, within the
    ///      window), and the minimum at the window's ends or at I. A later sample after a large move sets a larger
    ///      variance than a prompt one, up to the window's end.
    function nextSampleVariancesUp(
        uint256 varianceWad,
        uint256 longVarianceWad,
        uint256 lastPriceWad,
        uint256 priceWad,
        uint256 earliest,
        Estimator memory est,
        bool highest
    ) internal pure returns (uint256 vWad, uint256 longWad) {
        uint256 r2 = squaredReturnUp(lastPriceWad, priceWad);
        (vWad, longWad) = _sampledAtUp(varianceWad, longVarianceWad, r2, earliest, est);
        uint256 until = maxSampleSpanSec(est); // earliest <= I: the window is never empty
        uint256 e;
        if (highest) {
            uint256 k2v = est.clipSigmas * est.clipSigmas * MathLib.max(varianceWad, longVarianceWad);
            // Past the interval and `earliest` the cap binds up to e*: the peak is at its integer neighbours.
            if (k2v == 0 || r2 <= k2v * MathLib.max(earliest, est.intervalSec)) return (vWad, longWad);
            e = r2 / k2v;
            if (e < until) until = e + 1;
            else e = until;
        } else {
            e = est.intervalSec > earliest && est.intervalSec < until ? est.intervalSec : until;
        }
        for (; e <= until; e = e == until ? until + 1 : until) {
            (uint256 v, uint256 vL) = _sampledAtUp(varianceWad, longVarianceWad, r2, e, est);
            (vWad, longWad) = highest
                ? (MathLib.max(vWad, v), MathLib.max(longWad, vL))
                : (MathLib.min(vWad, v), MathLib.min(longWad, vL));
        }
    }

    /// @notice ln(p1/p0)^2, WAD, rounded up.
    function squaredReturnUp(uint256 p0Wad, uint256 p1Wad) internal pure returns (uint256) {
        uint256 r = MathLib.abs(MathLib.lnWad(p1Wad.mulDivDown(WAD, p0Wad)));
        return r.mulDivUp(r, WAD);
    }

    /// @dev One sample's step at a squared return `r2`, `elapsed` after the last: winsorized, then both EWMAs.
    function _sampledAtUp(uint256 v, uint256 vLong, uint256 r2, uint256 elapsed, Estimator memory est)
        private
        pure
        returns (uint256, uint256)
    {
        uint256 cap =
            est.clipSigmas * est.clipSigmas * MathLib.max(v, vLong) * MathLib.max(elapsed, est.intervalSec);
        uint256 r2c = r2 < cap ? r2 : cap;
        return (ewmaVarianceUp(v, r2c, elapsed, est.tauSec), ewmaVarianceUp(vLong, r2c, elapsed, est.longTauSec));
    }

    /// @notice Volatility over the liquidation horizon, sqrt(var * h), WAD, rounded down by the square root.
    function horizonVolatilityDown(uint256 varianceWad, uint256 horizonSec) internal pure returns (uint256) {
        return MathLib.sqrtDown(varianceWad * horizonSec * WAD);
    }

    /// @notice A market's base margin rate at a variance: min(max(floor, z * sigma_h), 50%), WAD, rounded up. The
    ///         margin engine's target (initial margin applies it at once; maintenance ramps toward it).
    function baseMarginUp(uint256 varianceWad, uint256 horizonSec, uint256 zWad, uint256 floorWad)
        internal
        pure
        returns (uint256)
    {
        uint256 volTerm = zWad.mulDivUp(horizonVolatilityDown(varianceWad, horizonSec), WAD);
        return MathLib.min(MathLib.max(floorWad, volTerm), MAX_MAINTENANCE_WAD);
    }

    /// @notice The base maintenance rate at `nowSec` on its schedule: it follows a lower target at once and rises
    ///         toward a higher one by at most `rampWadPerHour` per hour from the anchor (its value at `anchorAt`):
    ///         min(target, anchor + ramp * (now - anchorAt) / 1 hour), rounded up.
    function rampedMarginUp(
        uint256 anchorWad,
        uint256 anchorAt,
        uint256 targetWad,
        uint256 rampWadPerHour,
        uint256 nowSec
    ) internal pure returns (uint256) {
        if (targetWad <= anchorWad) return targetWad;
        uint256 elapsed = nowSec > anchorAt ? nowSec - anchorAt : 0;
        uint256 ramped = anchorWad + rampWadPerHour.mulDivUp(elapsed, 1 hours);
        return ramped < targetWad ? ramped : targetWad;
    }

    /// @notice A position's margin rate from a base rate: min(base + b * size / sizeScale, 50%), WAD, rounded up.
    function maintenanceMarginUp(uint256 baseWad, uint256 sizeUsd, uint256 sizeScaleUsd, uint256 sizeTermWad)
        internal
        pure
        returns (uint256)
    {
        return MathLib.min(baseWad + sizeTermWad.mulDivUp(sizeUsd, sizeScaleUsd), MAX_MAINTENANCE_WAD);
    }

    /// @notice Initial margin rate: max(mmr * multiplier + a * utilization excess over the kink, 1 / maxLeverage).
    function initialMarginUp(
        uint256 maintenanceWad,
        uint256 multiplierWad,
        uint256 utilizationWad,
        uint256 kinkWad,
        uint256 utilTermWad,
        uint256 maxLeverage
    ) internal pure returns (uint256) {
        uint256 excessWad = utilizationWad > kinkWad ? (utilizationWad - kinkWad).mulDivUp(WAD, WAD - kinkWad) : 0;
        uint256 imr = maintenanceWad.mulDivUp(multiplierWad, WAD) + utilTermWad.mulDivUp(excessWad, WAD);
        return MathLib.max(imr, WAD.mulDivUp(1, maxLeverage));
    }
}
