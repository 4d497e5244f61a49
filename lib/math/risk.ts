/** Mirrors contracts/libraries/RiskMath.sol to the wei. */
import { WAD, BPS, abs, clamp, max, min, mulDivDown, mulDivUp, sqrtDown, lnWad } from './fixed';

export const MAX_MAINTENANCE_WAD = 5n * 10n ** 17n;

/** reserved / pool cash, WAD, rounded up; 1e18 when reserves exist and cash is zero (RiskMath.utilizationUp). */
export function utilizationUp(reservedUsd: bigint, cashUsd: bigint): bigint {
  if (reservedUsd === 0n) return 0n;
  if (cashUsd === 0n) return WAD;
  return mulDivUp(reservedUsd, WAD, cashUsd);
}

/** The utilization LP flows may take the pool to: min(solvency limit, kink), WAD (RiskMath.lpExitLimitWad, P-106). */
export function lpExitLimitWad(maxUtilizationBps: bigint, kinkWad: bigint): bigint {
  return min(maxUtilizationBps * (WAD / BPS), kinkWad);
}

/** Pool cash beyond max(reserved / maxUtilization, reserved / kink): LP flows stop at the kink (RiskMath.freeLiquidityDown, P-106). */
export function freeLiquidityDown(cashUsd: bigint, reservedUsd: bigint, maxUtilizationBps: bigint, kinkWad: bigint): bigint {
  const locked = mulDivUp(reservedUsd, WAD, lpExitLimitWad(maxUtilizationBps, kinkWad));
  return cashUsd > locked ? cashUsd - locked : 0n;
}

export function borrowRateUp(u: bigint, base: bigint, slope1: bigint, slope2: bigint, kink: bigint): bigint {
  if (u <= kink) return base + mulDivUp(slope1, u, kink);
  return base + slope1 + mulDivUp(slope2, u - kink, WAD - kink);
}

/** The funding rate's velocity, WAD per second per second: the skew as a share of `skewScaleUsd`, within +-1, times
 *  `maxVelocityWad`, truncated toward zero (RiskMath.fundingVelocityWad). */
export function fundingVelocityWad(skewUsd: bigint, skewScaleUsd: bigint, maxVelocityWad: bigint): bigint {
  return (clamp((skewUsd * WAD) / skewScaleUsd, -WAD, WAD) * maxVelocityWad) / WAD;
}

/** RiskMath.nextFunding: velocity funding; the index delta is the exact integral of the rate, which ramps linearly and
 *  stays at the cap once it reaches it (truncated toward zero). */
export function nextFunding(
  rateWad: bigint,
  skewUsd: bigint,
  skewScaleUsd: bigint,
  maxVelocityWad: bigint,
  maxRateWad: bigint,
  elapsed: bigint,
): { nextRateWad: bigint; indexDeltaWad: bigint } {
  const velocity = fundingVelocityWad(skewUsd, skewScaleUsd, maxVelocityWad);
  const rate = clamp(rateWad, -maxRateWad, maxRateWad);
  const nextRateWad = clamp(rate + velocity * elapsed, -maxRateWad, maxRateWad);
  // rate x dt + the ramp's part: (next - rate) x dt less the triangle above the cap, (next - rate)^2 / (2 v); 0 when v is.
  const ramp = nextRateWad - rate;
  const rampPart = velocity === 0n ? 0n : (2n * ramp * elapsed * velocity - ramp * ramp) / (2n * velocity);
  return { nextRateWad, indexDeltaWad: rate * elapsed + rampPart };
}

/** RiskMath.nettedImpactCostUsd: the larger of the impact on the net skew (perpetual + options) and on the perpetual
 *  skew alone (a hedge of the options' delta pays what it would without options, never an unfunded rebate), a rebate
 *  at most `maxRebateUsd`, the fee the trade pays (P-98). */
export function nettedImpactCostUsd(
  perpBefore: bigint,
  perpAfter: bigint,
  optionsSkew: bigint,
  impactScaleUsd: bigint,
  positiveImpactBps: bigint,
  maxRebateUsd: bigint,
): bigint {
  let cost = impactCostUsd(perpBefore, perpAfter, impactScaleUsd, positiveImpactBps);
  if (optionsSkew !== 0n) {
    const net = impactCostUsd(perpBefore + optionsSkew, perpAfter + optionsSkew, impactScaleUsd, positiveImpactBps);
    if (net > cost) cost = net;
  }
  return cost < -maxRebateUsd ? -maxRebateUsd : cost;
}

/** RiskMath.nextFundingSplit: the rate follows the net skew (perpetual + options delta); the side its sign names pays
 *  the rate's integral, the pool keeps its share on the net skew on the paying side and the receivers are paid the rest,
 *  at most the rate. The path is monotone, so a crossing splits the integral once, at -rate^2 / (2 v). */
export function nextFundingSplit(
  rateWad: bigint,
  longOiUsd: bigint,
  shortOiUsd: bigint,
  netSkew: bigint,
  skewScaleUsd: bigint,
  maxVelocityWad: bigint,
  maxRateWad: bigint,
  elapsed: bigint,
): { nextRateWad: bigint; longDeltaWad: bigint; shortDeltaWad: bigint } {
  const r = nextFunding(rateWad, netSkew, skewScaleUsd, maxVelocityWad, maxRateWad, elapsed);
  const rate = clamp(rateWad, -maxRateWad, maxRateWad);
  const total = r.indexDeltaWad;
  let longsPay = 0n;
  let shortsPay = 0n;
  if (rate >= 0n && r.nextRateWad >= 0n) longsPay = total;
  else if (rate <= 0n && r.nextRateWad <= 0n) shortsPay = -total;
  else {
    const v = fundingVelocityWad(netSkew, skewScaleUsd, maxVelocityWad);
    const toCrossing = -(rate * rate) / (2n * v); // BigInt division truncates toward zero, as Solidity's
    const rest = total - toCrossing; // each truncated: within 2 wei, floored at 0
    if (rate > 0n) {
      longsPay = toCrossing;
      shortsPay = rest < 0n ? -rest : 0n;
    } else {
      shortsPay = -toCrossing;
      longsPay = rest > 0n ? rest : 0n;
    }
  }
  const netLong = netSkew > 0n ? netSkew : 0n;
  const netShort = netSkew < 0n ? -netSkew : 0n;
  let longDeltaWad = longsPay - receivedDown(shortsPay, shortOiUsd, longOiUsd, netShort);
  let shortDeltaWad = receivedDown(longsPay, longOiUsd, shortOiUsd, netLong) - shortsPay;
  // a side with no open interest moves with the other (its index is no one's): nothing is withheld
  if (shortOiUsd === 0n) shortDeltaWad = longDeltaWad;
  else if (longOiUsd === 0n) longDeltaWad = shortDeltaWad;
  return { nextRateWad: r.nextRateWad, longDeltaWad, shortDeltaWad };
}

/** The funding rate each side pays now, per second (negative: is paid), at the rate `rateWad` and the sides' open
 *  interest and net skew: the split nextFundingSplit applies to the rate's integral, at one instant (the receivers'
 *  share of the rate, rounded down as the chain rounds it). */
export function fundingRatesBySide(rateWad: bigint, longOiUsd: bigint, shortOiUsd: bigint, netSkew: bigint): { longWad: bigint; shortWad: bigint } {
  const s = nextFundingSplit(rateWad, longOiUsd, shortOiUsd, netSkew, 1n, 0n, rateWad < 0n ? -rateWad : rateWad, 1n);
  return { longWad: s.longDeltaWad, shortWad: -s.shortDeltaWad };
}

/** RiskMath.receivedDown: what the receivers are paid per unit when the payers pay `paidWad`: the payers' total less
 *  the pool's share on the net skew, over the receivers, at most `paidWad`, rounded down; 0 without receivers. */
export function receivedDown(paidWad: bigint, payerOiUsd: bigint, receiverOiUsd: bigint, netOnPayersUsd: bigint): bigint {
  if (paidWad === 0n || receiverOiUsd === 0n) return 0n;
  const funded = payerOiUsd > netOnPayersUsd ? payerOiUsd - netOnPayersUsd : 0n;
  if (funded >= receiverOiUsd) return paidWad;
  return (paidWad * funded) / receiverOiUsd;
}

/** Positive: the trader pays; negative: rebate. */
export function impactCostUsd(before: bigint, after: bigint, impactScaleUsd: bigint, positiveImpactBps: bigint): bigint {
  const b2 = abs(before) ** 2n;
  const a2 = abs(after) ** 2n;
  const denom = 2n * impactScaleUsd;
  const crossing = (before > 0n && after < 0n) || (before < 0n && after > 0n);
  if (crossing) {
    return mulDivUp(a2, 1n, denom) - mulDivDown(b2, positiveImpactBps, denom * BPS);
  }
  if (a2 >= b2) return mulDivUp(a2 - b2, 1n, denom);
  return -mulDivDown(b2 - a2, positiveImpactBps, denom * BPS);
}

/** Largest variance the estimator stores (RiskMath.MAX_VARIANCE_WAD: the engine's 64-bit fields). */
export const MAX_VARIANCE_WAD = (1n << 64n) - 1n;

/** Whether a price published at `at` is the next sample: the first of a new interval (RiskMath.isNewSample). */
export function isNewSample(sampleAt: bigint, at: bigint, intervalSec: bigint): boolean {
  return at / intervalSec > sampleAt / intervalSec;
}

/** ln(p1/p0)^2 rounded up, winsorized at k sigma of `refVarianceWad` over `elapsed` (RiskMath.clippedSquaredReturnUp). */
export function clippedSquaredReturnUp(
  samplePriceWad: bigint,
  priceWad: bigint,
  elapsed: bigint,
  refVarianceWad: bigint,
  clipSigmas: bigint,
): bigint {
  const r2 = squaredReturnUp(samplePriceWad, priceWad);
  const cap = clipSigmas * clipSigmas * refVarianceWad * elapsed;
  return r2 < cap ? r2 : cap;
}

/** Continuous-time EWMA step (tau * var + r^2) / (tau + dt), rounded up, saturated (RiskMath.ewmaVarianceUp). */
export function ewmaVarianceUp(varianceWad: bigint, squaredReturnWad: bigint, elapsed: bigint, tauSec: bigint): bigint {
  const v = mulDivUp(tauSec * varianceWad + squaredReturnWad, 1n, tauSec + elapsed);
  return v < MAX_VARIANCE_WAD ? v : MAX_VARIANCE_WAD;
}

/** A market's volatility estimator parameters (RiskMath.Estimator; PerpRisk.estimator reads them from its config). */
export interface Estimator {
  intervalSec: bigint;
  clipSigmas: bigint;
  tauSec: bigint;
  longTauSec: bigint;
  /** the market's max price age: how late after its boundary a sample is assumed to come */
  maxAgeSec: bigint;
}

/** ln(p1/p0)^2, rounded up (RiskMath.squaredReturnUp). */
export function squaredReturnUp(p0Wad: bigint, p1Wad: bigint): bigint {
  const r = abs(lnWad(mulDivDown(p1Wad, WAD, p0Wad)));
  return mulDivUp(r, r, WAD);
}

/** RiskMath._sampledAtUp: one sample's step at squared return `r2`, `elapsed` after the last. */
function sampledAtUp(v: bigint, vLong: bigint, r2: bigint, elapsed: bigint, est: Estimator): [bigint, bigint] {
  const cap = est.clipSigmas * est.clipSigmas * max(v, vLong) * max(elapsed, est.intervalSec);
  const r2c = r2 < cap ? r2 : cap;
  return [ewmaVarianceUp(v, r2c, elapsed, est.tauSec), ewmaVarianceUp(vLong, r2c, elapsed, est.longTauSec)];
}

/** RiskMath.maxSampleSpanSec: the longest a sample counts for, two intervals plus the max price age. */
export function maxSampleSpanSec(est: Estimator): bigint {
  return 2n * est.intervalSec + est.maxAgeSec;
}

/** RiskMath.sampleSpanSec: the seconds a sample at `at` counts for, the time since the last sample but at most
 *  maxSampleSpanSec. */
export function sampleSpanSec(lastSampleAt: bigint, at: bigint, est: Estimator): bigint {
  const window = maxSampleSpanSec(est);
  const elapsed = at - lastSampleAt;
  return elapsed < window ? elapsed : window;
}

/** Both variance EWMAs after one sample counting for `spanSec` (sampleSpanSec) after the last
 *  (RiskMath.sampledVariancesUp). */
export function sampledVariancesUp(
  varianceWad: bigint,
  longVarianceWad: bigint,
  lastPriceWad: bigint,
  priceWad: bigint,
  spanSec: bigint,
  est: Estimator,
): [bigint, bigint] {
  return sampledAtUp(varianceWad, longVarianceWad, squaredReturnUp(lastPriceWad, priceWad), spanSec, est);
}

/** RiskMath.nextSampleVariancesUp: the variances the next sample can set at `priceWad`, coming `earliest` seconds after
 *  the last sample or later and counting for at most two intervals plus the max price age: `highest`, an upper bound;
 *  else a lower bound. */
export function nextSampleVariancesUp(
  varianceWad: bigint,
  longVarianceWad: bigint,
  lastPriceWad: bigint,
  priceWad: bigint,
  earliest: bigint,
  est: Estimator,
  highest: boolean,
): [bigint, bigint] {
  const r2 = squaredReturnUp(lastPriceWad, priceWad);
  let [v, vL] = sampledAtUp(varianceWad, longVarianceWad, r2, earliest, est);
  let until = maxSampleSpanSec(est);
  let e: bigint;
  if (highest) {
    const k2v = est.clipSigmas * est.clipSigmas * max(varianceWad, longVarianceWad);
    if (k2v === 0n || r2 <= k2v * max(earliest, est.intervalSec)) return [v, vL];
    e = r2 / k2v;
    if (e < until) until = e + 1n;
    else e = until;
  } else {
    e = est.intervalSec > earliest && est.intervalSec < until ? est.intervalSec : until;
  }
  for (; e <= until; e = e === until ? until + 1n : until) {
    const [a, b] = sampledAtUp(varianceWad, longVarianceWad, r2, e, est);
    [v, vL] = highest ? [max(v, a), max(vL, b)] : [min(v, a), min(vL, b)];
  }
  return [v, vL];
}

/** PerpRisk.estimator. */
export function estimator(
  c: Pick<VolConfig, 'sampleIntervalSec' | 'clipSigmas' | 'volTauSec' | 'longVolTauSec' | 'maxPriceAgeSec'>,
): Estimator {
  return { intervalSec: c.sampleIntervalSec, clipSigmas: c.clipSigmas, tauSec: c.volTauSec, longTauSec: c.longVolTauSec, maxAgeSec: c.maxPriceAgeSec };
}

export function horizonVolatilityDown(varianceWad: bigint, horizonSec: bigint): bigint {
  return sqrtDown(varianceWad * horizonSec * WAD);
}

/** min(max(floor, z * sigma_h), 50%), rounded up (RiskMath.baseMarginUp). */
export function baseMarginUp(varianceWad: bigint, horizonSec: bigint, zWad: bigint, floorWad: bigint): bigint {
  const volTerm = mulDivUp(zWad, horizonVolatilityDown(varianceWad, horizonSec), WAD);
  return min(max(floorWad, volTerm), MAX_MAINTENANCE_WAD);
}

/** The base maintenance rate on its schedule at `nowSec` (RiskMath.rampedMarginUp). */
export function rampedMarginUp(anchorWad: bigint, anchorAt: bigint, targetWad: bigint, rampWadPerHour: bigint, nowSec: bigint): bigint {
  if (targetWad <= anchorWad) return targetWad;
  const elapsed = nowSec > anchorAt ? nowSec - anchorAt : 0n;
  const ramped = anchorWad + mulDivUp(rampWadPerHour, elapsed, 3600n);
  return ramped < targetWad ? ramped : targetWad;
}

/** min(base + b * size / sizeScale, 50%), rounded up (RiskMath.maintenanceMarginUp). */
export function maintenanceMarginUp(baseWad: bigint, sizeUsd: bigint, sizeScaleUsd: bigint, sizeTermWad: bigint): bigint {
  return min(baseWad + mulDivUp(sizeTermWad, sizeUsd, sizeScaleUsd), MAX_MAINTENANCE_WAD);
}

/** What the estimator and margin schedule read and write (a subset of Reader.MarketState). */
export interface VolState {
  varianceWad: bigint;
  longVarianceWad: bigint;
  lastPriceWad: bigint;
  lastSampleAt: bigint;
  marginTargetWad: bigint;
  marginAnchorWad: bigint;
  marginAnchorAt: bigint;
}
export interface VolConfig {
  sampleIntervalSec: bigint;
  /** the market's max price age: a sample counts for at most the rest of its interval plus this */
  maxPriceAgeSec: bigint;
  volTauSec: bigint;
  longVolTauSec: bigint;
  clipSigmas: bigint;
  maintenanceRampWadPerHour: bigint;
  horizonSec: bigint;
  zWad: bigint;
  mmrFloorWad: bigint;
}

/** The margin target: the base rate at the larger of the two variances (PerpRisk.targetMarginUp). */
export function targetMarginUp(c: Pick<VolConfig, 'horizonSec' | 'zWad' | 'mmrFloorWad'>, varianceWad: bigint, longVarianceWad: bigint): bigint {
  return baseMarginUp(max(varianceWad, longVarianceWad), c.horizonSec, c.zWad, c.mmrFloorWad);
}

/** The base maintenance rate of a market state at `nowSec` (PerpRisk.maintenanceBaseUp). */
export function maintenanceBaseUp(c: Pick<VolConfig, 'maintenanceRampWadPerHour'>, st: VolState, nowSec: bigint): bigint {
  return rampedMarginUp(st.marginAnchorWad, st.marginAnchorAt, st.marginTargetWad, c.maintenanceRampWadPerHour, nowSec);
}

/** Observes a price published at `at`: returns the state after it and whether it was a sample (PerpRisk.observe). */
export function observe(c: VolConfig, st: VolState, priceWad: bigint, at: bigint, nowSec: bigint): [VolState, boolean] {
  const next = { ...st };
  if (st.lastSampleAt !== 0n) {
    if (!isNewSample(st.lastSampleAt, at, c.sampleIntervalSec)) return [next, false];
    next.marginAnchorWad = maintenanceBaseUp(c, st, nowSec);
    next.marginAnchorAt = nowSec;
    [next.varianceWad, next.longVarianceWad] = sampledVariancesUp(st.varianceWad, st.longVarianceWad, st.lastPriceWad, priceWad, sampleSpanSec(st.lastSampleAt, at, estimator(c)), estimator(c));
    next.marginTargetWad = targetMarginUp(c, next.varianceWad, next.longVarianceWad);
  }
  const maxPrice = (1n << 96n) - 1n;
  next.lastPriceWad = priceWad < maxPrice ? priceWad : maxPrice;
  next.lastSampleAt = at;
  return [next, true];
}

export function initialMarginUp(
  maintenanceWad: bigint,
  multiplierWad: bigint,
  utilizationWad: bigint,
  kinkWad: bigint,
  utilTermWad: bigint,
  maxLeverage: bigint,
): bigint {
  const excess = utilizationWad > kinkWad ? mulDivUp(utilizationWad - kinkWad, WAD, WAD - kinkWad) : 0n;
  const imr = mulDivUp(maintenanceWad, multiplierWad, WAD) + mulDivUp(utilTermWad, excess, WAD);
  return max(imr, mulDivUp(WAD, 1n, maxLeverage));
}

/** The maintenance rate of a position of `sizeUsd` at each of `times` if no new sample arrives: the schedule the
 *  engine applies (Reader.maintenanceSchedule; times before now count as now). */
export function maintenanceScheduleUp(
  c: Pick<VolConfig, 'maintenanceRampWadPerHour'> & { sizeScaleUsd: bigint; sizeTermWad: bigint },
  st: VolState,
  sizeUsd: bigint,
  nowSec: bigint,
  times: bigint[],
): bigint[] {
  return times.map((t) => maintenanceMarginUp(maintenanceBaseUp(c, st, t > nowSec ? t : nowSec), sizeUsd, c.sizeScaleUsd, c.sizeTermWad));
}

/** Hours until the scheduled maintenance reaches its target (0 when it is there). */
export function hoursToTarget(anchorWad: bigint, anchorAt: bigint, targetWad: bigint, rampWadPerHour: bigint, nowSec: bigint): number {
  if (targetWad <= anchorWad) return 0;
  const reachAt = Number(anchorAt) + (Number(targetWad - anchorWad) / Number(rampWadPerHour)) * 3600;
  return Math.max(0, (reachAt - Number(nowSec)) / 3600);
}
