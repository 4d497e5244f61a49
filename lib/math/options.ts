/**
 * Options math, operation for operation the mirror of contracts/options/OptionMath.sol (e^x, the normal density and
 * distribution, Black-Scholes) and OptionPricing.sol / OptionsLogic.quote (volatility surface, capped call, spread,
 * impact, premium rounding). bigint throughout; Solidity's `/` truncates toward zero like bigint's.
 * test/ts/options.diff.test.ts proves equality to the wei against the contracts on anvil, and closeness to an
 * independent double-precision Black-Scholes.
 */
import { WAD, abs, clamp, lnWad, max, min, mulDivDown, mulDivSignedDown, mulDivUp, sqrtDown } from './fixed';
import { type Estimator, nextSampleVariancesUp } from './risk';

export const RAY = 10n ** 27n;
export const YEAR_SEC = 365n * 86_400n;
const LN2_8_RAY = 86_643_397_569_993_163_677_154_015n;
const INV_SQRT_2PI_WAD = 398_942_280_401_432_677n;
const CDF_TAIL_WAD = 9n * WAD;
const HART_LIMIT_WAD = 7_071_067_811_865_470_000n;
const POW2_EIGHTHS = [
  RAY,
  1_090_507_732_665_257_659_207_010_655n,
  1_189_207_115_002_721_066_717_499_970n,
  1_296_839_554_651_009_665_933_754_117n,
  1_414_213_562_373_095_048_801_688_724n,
  1_542_210_825_407_940_823_612_291_862n,
  1_681_792_830_507_429_086_062_250_952n,
  1_834_008_086_409_342_463_487_083_189n,
];
const AMOUNT_TO_USD = 10n ** 30n;
const MAX_MONEYNESS_WAD = 3n * WAD;
const MIN_SKEW_MULT_WAD = WAD / 2n;
const MAX_SKEW_MULT_WAD = 2n * WAD;

/** e^x, x in WAD (OptionMath.expWad). */
export function expWad(x: bigint): bigint {
  if (x < -42n * WAD) return 0n;
  if (x > 100n * WAD) throw new RangeError('expWad overflow');
  const xr = x * 10n ** 9n;
  const n = (xr + (xr >= 0n ? LN2_8_RAY / 2n : -LN2_8_RAY / 2n)) / LN2_8_RAY;
  const r = xr - n * LN2_8_RAY;
  let term = RAY;
  let sum = RAY;
  for (let i = 1n; term !== 0n; i++) {
    term = (term * r) / RAY / i;
    sum += term;
  }
  const k = n >= 0n ? n / 8n : -((-n + 7n) / 8n);
  const m = (sum * POW2_EIGHTHS[Number(n - k * 8n)]) / RAY;
  if (k >= 0n) return (m << k) / 10n ** 9n;
  return m / (10n ** 9n << -k);
}

export function gaussKernelWad(absX: bigint): bigint {
  return absX >= CDF_TAIL_WAD * 2n ? 0n : expWad(-((absX * absX) / (2n * WAD)));
}

export function normPdfWad(x: bigint): bigint {
  return (gaussKernelWad(abs(x)) * INV_SQRT_2PI_WAD) / WAD;
}

function lowerTailWad(a: bigint, kernel: bigint): bigint {
  if (a >= CDF_TAIL_WAD) return 0n;
  if (a < HART_LIMIT_WAD) {
    let num = 35_262_496_599_891_100n;
    num = (num * a) / WAD + 700_383_064_443_688_000n;
    num = (num * a) / WAD + 6_373_962_203_531_650_000n;
    num = (num * a) / WAD + 33_912_866_078_383_000_000n;
    num = (num * a) / WAD + 112_079_291_497_871_000_000n;
    num = (num * a) / WAD + 221_213_596_169_931_000_000n;
    num = (num * a) / WAD + 220_206_867_912_376_000_000n;
    let den = 88_388_347_648_318_400n;
    den = (den * a) / WAD + 1_755_667_163_182_640_000n;
    den = (den * a) / WAD + 16_064_177_579_207_000_000n;
    den = (den * a) / WAD + 86_780_732_202_946_100_000n;
    den = (den * a) / WAD + 296_564_248_779_674_000_000n;
    den = (den * a) / WAD + 637_333_633_378_831_000_000n;
    den = (den * a) / WAD + 793_826_512_519_948_000_000n;
    den = (den * a) / WAD + 440_413_735_824_752_000_000n;
    return (kernel * num) / den;
  }
  let b = a + 650_000_000_000_000_000n;
  b = a + 4n * 10n ** 36n / b;
  b = a + 3n * 10n ** 36n / b;
  b = a + 2n * 10n ** 36n / b;
  b = a + 10n ** 36n / b;
  return (((kernel * WAD) / b) * WAD) / 2_506_628_274_631_000_000n;
}

/** N(x), WAD (OptionMath.normCdfWad). */
export function normCdfWad(x: bigint): bigint {
  const tail = lowerTailWad(abs(x), gaussKernelWad(abs(x)));
  return x > 0n ? WAD - tail : tail;
}

export const yearsDown = (tauSec: bigint) => (tauSec * WAD) / YEAR_SEC;
/** OptionMath.sqrtYearsWad: sqrt of `tauWad` years (floor), shared by every strike of one expiry. */
export const sqrtYearsWad = (tauWad: bigint) => sqrtDown(tauWad * WAD);
export const stdDevDown = (volWad: bigint, tauSec: bigint) => (volWad * sqrtYearsWad(yearsDown(tauSec))) / WAD;
export const lnMoneynessWad = (spotWad: bigint, strikeWad: bigint) => lnWad((spotWad * WAD) / strikeWad);

export interface BsGreeks {
  callWad: bigint;
  putWad: bigint;
  callDeltaWad: bigint;
  gammaWad: bigint;
  vegaWad: bigint;
  callThetaWad: bigint;
  putThetaWad: bigint;
}

/** OptionMath.blackScholes. */
export function blackScholes(
  spotWad: bigint,
  strikeWad: bigint,
  lnMoneyness: bigint,
  volWad: bigint,
  tauSec: bigint,
  rateWad: bigint,
): BsGreeks {
  const tauWad = yearsDown(tauSec);
  return blackScholesAt(spotWad, strikeWad, lnMoneyness, volWad, tauWad, sqrtYearsWad(tauWad), rateWad);
}

/** OptionMath.blackScholesAt: the expiry's time terms computed once by the caller. */
export function blackScholesAt(
  spotWad: bigint,
  strikeWad: bigint,
  lnMoneyness: bigint,
  volWad: bigint,
  tauWad: bigint,
  sqrtTauWad: bigint,
  rateWad: bigint,
): BsGreeks {
  const g: BsGreeks = { callWad: 0n, putWad: 0n, callDeltaWad: 0n, gammaWad: 0n, vegaWad: 0n, callThetaWad: 0n, putThetaWad: 0n };
  const sdWad = (volWad * sqrtTauWad) / WAD;
  const kDiscWad = rateWad === 0n ? strikeWad : (strikeWad * expWad(-((rateWad * tauWad) / WAD))) / WAD;
  if (sdWad === 0n) {
    g.callWad = spotWad > kDiscWad ? spotWad - kDiscWad : 0n;
    g.putWad = kDiscWad > spotWad ? kDiscWad - spotWad : 0n;
    g.callDeltaWad = spotWad > kDiscWad ? WAD : 0n;
    return g;
  }
  const d1 = ((lnMoneyness + ((rateWad + (volWad * volWad) / (2n * WAD)) * tauWad) / WAD) * WAD) / sdWad;
  const d2 = d1 - sdWad;
  // one exponential for both kernels (OptionMath._fill): the smaller derived from the larger by S / K e^(-r tau)
  let k1: bigint;
  let k2: bigint;
  if (spotWad <= kDiscWad) {
    k1 = gaussKernelWad(abs(d1));
    k2 = (k1 * spotWad) / kDiscWad;
  } else {
    k2 = gaussKernelWad(abs(d2));
    k1 = (k2 * kDiscWad) / spotWad;
  }
  let nD1 = lowerTailWad(abs(d1), k1);
  nD1 = d1 > 0n ? WAD - nD1 : nD1;
  let nD2 = lowerTailWad(abs(d2), k2);
  nD2 = d2 > 0n ? WAD - nD2 : nD2;
  let a = (spotWad * nD1) / WAD;
  let b = (kDiscWad * nD2) / WAD;
  g.callWad = a > b ? a - b : 0n;
  a = (kDiscWad * (WAD - nD2)) / WAD;
  b = (spotWad * (WAD - nD1)) / WAD;
  g.putWad = a > b ? a - b : 0n;
  g.callDeltaWad = nD1;
  const pdf = (k1 * INV_SQRT_2PI_WAD) / WAD;
  g.gammaWad = (((pdf * WAD) / spotWad) * WAD) / sdWad;
  g.vegaWad = (((spotWad * pdf) / WAD) * sqrtTauWad) / WAD;
  const decay = -(((((spotWad * pdf) / WAD) * volWad) / WAD) * WAD / (2n * sqrtTauWad));
  g.callThetaWad = decay - (((rateWad * kDiscWad) / WAD) * nD2) / WAD;
  g.putThetaWad = decay + (((rateWad * kDiscWad) / WAD) * (WAD - nD2)) / WAD;
  return g;
}

// ------------------------------------------------------------------ OptionPricing

/** The options parameters of a market (IOptionsBook.OptionsConfig), as the pricing reads them. */
export interface OptionsPricingConfig {
  /** the board's cap (fixed at listing): pass the board's, not the market config's */
  callCapBps: bigint;
  minPremiumBps: bigint;
  ivMinWad: bigint;
  ivMaxWad: bigint;
  spreadVolWad: bigint;
  meanReversionWad: bigint;
  skewWad: bigint;
  smileWad: bigint;
  deltaScaleUsd: bigint;
  vegaScaleUsd: bigint;
  /** trading on a board closes this long before its expiry (OptionsBook._tradeInputs: TradingClosed) */
  tradingCutoffSec: bigint;
}

export function termVarianceWad(varianceWad: bigint, longVarianceWad: bigint, tauSec: bigint, meanReversionWad: bigint): bigint {
  return termVarianceAt(varianceWad, longVarianceWad, termWeightWad(tauSec, meanReversionWad));
}

/** OptionPricing.termWeightWad: the current variance's weight (1 - e^(-kT)) / (kT) in an expiry's term variance. */
export function termWeightWad(tauSec: bigint, meanReversionWad: bigint): bigint {
  const kT = (meanReversionWad * tauSec) / YEAR_SEC;
  return kT < 10n ** 9n ? WAD : ((WAD - expWad(-kT)) * WAD) / kT;
}

/** OptionPricing.termVarianceAt: termVarianceWad at a precomputed weight. */
export function termVarianceAt(varianceWad: bigint, longVarianceWad: bigint, weightWad: bigint): bigint {
  const vS = varianceWad * YEAR_SEC;
  const vL = longVarianceWad * YEAR_SEC;
  const v = vL + ((vS - vL) * weightWad) / WAD;
  return v > 0n ? v : 0n;
}

/** OptionPricing.midVolWad; `lnMoneyness` = ln(sample price / strike). */
export function midVolWad(termVarWad: bigint, lnMoneyness: bigint, tauSec: bigint, cfg: OptionsPricingConfig): bigint {
  return midVolAt(expiryTerms(termVarWad, tauSec, cfg.callCapBps ?? 0n), lnMoneyness, cfg);
}

/** What every strike and leg of one expiry shares (OptionPricing.Expiry). */
export interface ExpiryTerms {
  tauWad: bigint;
  sqrtTauWad: bigint;
  boardVolWad: bigint;
  boardSdWad: bigint;
  callCapBps: bigint;
  capLogWad: bigint;
}

/** OptionPricing.expiryTerms. */
export function expiryTerms(termVarWad: bigint, tauSec: bigint, callCapBps: bigint): ExpiryTerms {
  const tauWad = yearsDown(tauSec);
  const sqrtTauWad = sqrtYearsWad(tauWad);
  const boardVolWad = sqrtDown(termVarWad * WAD);
  return { tauWad, sqrtTauWad, boardVolWad, boardSdWad: (boardVolWad * sqrtTauWad) / WAD, callCapBps, capLogWad: capLogWad(callCapBps) };
}

/** OptionPricing.withTermVariance: the same expiry on another term variance. */
export function withTermVariance(e: ExpiryTerms, termVarWad: bigint): ExpiryTerms {
  const boardVolWad = sqrtDown(termVarWad * WAD);
  return { ...e, boardVolWad, boardSdWad: (boardVolWad * e.sqrtTauWad) / WAD };
}

/** OptionPricing.midVolAt. */
export function midVolAt(e: ExpiryTerms, lnMoneyness: bigint, cfg: OptionsPricingConfig): bigint {
  let x = 0n;
  if (e.boardSdWad > 0n) x = clamp((-lnMoneyness * WAD) / e.boardSdWad, -MAX_MONEYNESS_WAD, MAX_MONEYNESS_WAD);
  const mult = WAD - (cfg.skewWad * x) / WAD + (((cfg.smileWad * x) / WAD) * x) / WAD;
  const m = clamp(mult, MIN_SKEW_MULT_WAD, MAX_SKEW_MULT_WAD);
  const iv = (e.boardVolWad * m) / WAD;
  return iv < cfg.ivMinWad ? cfg.ivMinWad : iv > cfg.ivMaxWad ? cfg.ivMaxWad : iv;
}

export function tradeVolWad(midWad: bigint, isBuy: boolean, cfg: OptionsPricingConfig): bigint {
  if (isBuy) return midWad + cfg.spreadVolWad;
  const floor = cfg.ivMinWad / 2n;
  return midWad > cfg.spreadVolWad + floor ? midWad - cfg.spreadVolWad : floor;
}

export const capStrikeWad = (strikeWad: bigint, callCapBps: bigint) => strikeWad + (strikeWad * callCapBps) / 10_000n;
export const capLogWad = (callCapBps: bigint) => lnWad(WAD + (callCapBps * WAD) / 10_000n);

export interface OptionGreeks {
  valueWad: bigint;
  deltaWad: bigint;
  gammaWad: bigint;
  grossGammaWad: bigint;
  vegaWad: bigint;
  thetaWad: bigint;
  /** the legs' |theta| per second, plus one unit: the NAV error bound's time input */
  grossThetaWad: bigint;
}

/** OptionPricing's gross theta: legs' annual |theta| (each <= 0 at rate 0) per second, plus one unit. */
const grossPerSecond = (annualWad: bigint) => annualWad / YEAR_SEC + 1n;

/** OptionPricing.optionGreeks: a capped call (call spread K / capStrike) or a put, per token. */
export function optionGreeks(
  isCall: boolean,
  spotWad: bigint,
  strikeWad: bigint,
  lnMoneyness: bigint,
  volWad: bigint,
  tauSec: bigint,
  cfg: OptionsPricingConfig,
): OptionGreeks {
  return optionGreeksAt(isCall, spotWad, strikeWad, lnMoneyness, volWad, expiryTerms(0n, tauSec, cfg.callCapBps));
}

/** OptionPricing.optionGreeksAt: on an expiry's precomputed terms. */
export function optionGreeksAt(isCall: boolean, spotWad: bigint, strikeWad: bigint, lnMoneyness: bigint, volWad: bigint, e: ExpiryTerms): OptionGreeks {
  const g = blackScholesAt(spotWad, strikeWad, lnMoneyness, volWad, e.tauWad, e.sqrtTauWad, 0n);
  if (!isCall) {
    return {
      valueWad: g.putWad,
      deltaWad: g.callDeltaWad - WAD,
      gammaWad: g.gammaWad,
      grossGammaWad: g.gammaWad,
      vegaWad: g.vegaWad,
      thetaWad: g.putThetaWad / YEAR_SEC,
      grossThetaWad: grossPerSecond(-g.putThetaWad),
    };
  }
  const c = blackScholesAt(spotWad, capStrikeWad(strikeWad, e.callCapBps), lnMoneyness - e.capLogWad, volWad, e.tauWad, e.sqrtTauWad, 0n);
  return {
    valueWad: g.callWad > c.callWad ? g.callWad - c.callWad : 0n,
    deltaWad: g.callDeltaWad - c.callDeltaWad,
    gammaWad: g.gammaWad - c.gammaWad,
    grossGammaWad: g.gammaWad + c.gammaWad,
    vegaWad: g.vegaWad - c.vegaWad,
    thetaWad: (g.callThetaWad - c.callThetaWad) / YEAR_SEC,
    grossThetaWad: grossPerSecond(-g.callThetaWad - c.callThetaWad),
  };
}

/** OptionPricing.tradeValueWad: one token priced leg by leg, a put at `volWad`, a capped call as the call on the strike
 *  at `volWad` less the call on the cap strike at `capVolWad` (the ask's cap leg at the bid's volatility and the reverse,
 *  so bid <= mid <= ask whatever the sign of the spread's vega); at most the maximum payout per token. */
export function tradeValueWad(isCall: boolean, spotWad: bigint, strikeWad: bigint, lnMoneyness: bigint, volWad: bigint, capVolWad: bigint, e: ExpiryTerms): bigint {
  const g = blackScholesAt(spotWad, strikeWad, lnMoneyness, volWad, e.tauWad, e.sqrtTauWad, 0n);
  // never above what one token can pay (a call's legs at two volatilities can pass its cap when the cap is narrow)
  if (!isCall) return min(g.putWad, strikeWad);
  const capCallWad = blackScholesAt(spotWad, capStrikeWad(strikeWad, e.callCapBps), lnMoneyness - e.capLogWad, capVolWad, e.tauWad, e.sqrtTauWad, 0n).callWad;
  return g.callWad > capCallWad ? min(g.callWad - capCallWad, capStrikeWad(strikeWad, e.callCapBps) - strikeWad) : 0n;
}

/** What one token pays at `priceWad` (OptionPricing.payoffWad). */
export function payoffWad(isCall: boolean, strikeWad: bigint, priceWad: bigint, callCapBps: bigint): bigint {
  if (!isCall) return strikeWad > priceWad ? strikeWad - priceWad : 0n;
  if (priceWad <= strikeWad) return 0n;
  return min(priceWad - strikeWad, capStrikeWad(strikeWad, callCapBps) - strikeWad);
}

/** OptionPricing.laggedSpotWad: the price a trade is valued at, moved by the oracle's lag the way that favours the
 *  pool: S (1 + lag) rounded up for a call bought or a put sold, S (1 - lag) rounded down for the others. */
export function laggedSpotWad(spotWad: bigint, lagBps: bigint, isCall: boolean, isBuy: boolean): bigint {
  const moveWad = mulDivUp(spotWad, lagBps, 10_000n);
  return isCall === isBuy ? spotWad + moveWad : spotWad - min(moveWad, spotWad);
}

/** OptionPricing.minPremiumUp: the larger of minPremiumBps of the maximum payout per token and the pool's borrow rate at
 *  its kink (`reserveRateWad`, per second) on that payout over the option's life (`tauSec`), each rounded up. */
export function minPremiumUp(isCall: boolean, strikeWad: bigint, callCapBps: bigint, minPremiumBps: bigint, reserveRateWad: bigint, tauSec: bigint): bigint {
  const most = maxPayoutWad(isCall, strikeWad, callCapBps);
  return max(mulDivUp(most, minPremiumBps, 10_000n), mulDivUp(most, reserveRateWad * tauSec, WAD));
}

/** OptionPricing.maxPayoutWad: the most one token can pay (a call its cap, a put its strike). */
export function maxPayoutWad(isCall: boolean, strikeWad: bigint, callCapBps: bigint): bigint {
  return isCall ? capStrikeWad(strikeWad, callCapBps) - strikeWad : strikeWad;
}

export function maxPayoutUp(isCall: boolean, strikeWad: bigint, amountWad: bigint, callCapBps: bigint): bigint {
  return mulDivUp(amountWad, maxPayoutWad(isCall, strikeWad, callCapBps), AMOUNT_TO_USD);
}

export const toUsdUp = (amountWad: bigint, perTokenWad: bigint) => mulDivUp(amountWad, perTokenWad, AMOUNT_TO_USD);
export const toUsdDown = (amountWad: bigint, perTokenWad: bigint) => mulDivDown(amountWad, perTokenWad, AMOUNT_TO_USD);

/** OptionPricing._quadraticUp: across zero only the exposure past it counts. */
function quadraticUp(before: bigint, after: bigint, scaleUsd: bigint): bigint {
  const b = before < 0n === after < 0n ? abs(before) : 0n;
  const a = abs(after);
  if (a <= b || scaleUsd === 0n) return 0n;
  return mulDivUp(a - b, a + b, 2n * scaleUsd * 10n ** 30n);
}

export function impactUp(deltaBefore: bigint, deltaAfter: bigint, vegaBefore: bigint, vegaAfter: bigint, cfg: OptionsPricingConfig): bigint {
  return quadraticUp(deltaBefore, deltaAfter, cfg.deltaScaleUsd) + quadraticUp(vegaBefore, vegaAfter, cfg.vegaScaleUsd);
}

// ------------------------------------------------------------------ quote (OptionsLogic._quote)

/** What a quote reads from the chain: the market's price and estimators (the perpetual engine's storage) and book. */
export interface QuoteContext {
  nowSec: bigint;
  spotWad: bigint;
  varianceWad: bigint;
  longVarianceWad: bigint;
  /** the estimator's last sampled price, a due sample applied (volatilityNow: the first price seeds it) */
  samplePriceWad: bigint;
  /** when that sample's price was published */
  sampleAt: bigint;
  /** the perpetual estimator's parameters (the next sample's preview prices trades, OptionsLogic._tradeVolWad) */
  est: Estimator;
  /** the pool's perpetual delta: short tokens - long tokens */
  perpDeltaTokens: bigint;
  /** the perpetual market's oracle lag (its feed's deviation threshold, bps): a trade is valued at the price it can reach (OptionPricing.laggedSpotWad) */
  lagBps: bigint;
  book: {
    refAt: bigint; refPriceWad: bigint; maxMoveWad: bigint; validUntil: bigint; deltaWad: bigint; gammaWad: bigint; vegaWad: bigint;
    /** the earliest expiry with open options (0: none) and whether a board settled since the refresh is still in the greeks */
    nearestExpiry: bigint; holdsSettled: boolean;
    /** tokens open, calls and puts (an upper bound): the book's delta stays within plus or minus this */
    tokensWad: bigint;
  };
  /** the pool's borrow rate at its kink, per second (IClearingCore.poolConfig: base + slope1): a buy's least premium
   *  covers it on the option's maximum payout for its life (P-106) */
  reserveRateWad: bigint;
}

export interface OptionQuote {
  premiumUsd: bigint;
  impactUsd: bigint;
  ivWad: bigint;
  /** a call's cap leg's volatility (the other side's); 0 for a put */
  capIvWad: bigint;
  midIvWad: bigint;
  spotWad: bigint;
  perTokenWad: bigint;
  reserveUsd: bigint;
  greeks: OptionGreeks;
  /** What set a buy's price per token: the model (Black-Scholes at the ask volatility and at the price the oracle lag can reach), the intrinsic
   *  value, the minimum premium (minPremiumBps of the maximum payout per token, a call's at its board's highest strike so no call asks less than a higher strike's, and at least the pool's borrow rate at its kink on it for the option's life), or the
   *  maximum payout (a ceiling: a narrow-capped call's legs at two volatilities can price above it); a sale is always
   *  'model'. */
  askFloor: 'model' | 'intrinsic' | 'minimum' | 'maximum';
}

/** OptionsLogic.OI_LOT_WAD: option amounts are whole lots of 1e-9 token (open interest is kept in lots, four to a
 *  slot); the book refuses any other amount (AmountNotInLots), for a quote as for a trade. */
export const OPTION_LOT_WAD = 10n ** 9n;

const PAUSED_BECAUSE = {
  Dirty: 'a board settled since the last refresh is still in the greek cache',
  AwaitingSettlement: 'an expired board waits for its settlement',
  TooOld: 'the greek cache is past its time',
  PriceMoved: 'the price moved past the greek cache’s range',
} as const;

/** OptionsBook.TradingClosed: the board is past its trading cutoff (`cutoffAt`), its options held to settlement. */
export class TradingClosedError extends Error {
  constructor(readonly cutoffAt: bigint) {
    super(`trading on this board closed at ${new Date(Number(cutoffAt) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC, before its expiry`);
  }
}

/** OptionsBookStale(marketId, reason) from a quote or trade: the impact's cached delta and vega do not hold, so trades
 *  wait: from the book's nearest expiry until the settlement, and from a settlement until the refresh after it
 *  (OptionsBook._tradeInputs), and past the cache's time or price range until the keeper's refresh
 *  (OptionsLogic._requireInRange, P-108). */
export class OptionsBookStaleError extends Error {
  constructor(readonly reason: keyof typeof PAUSED_BECAUSE) {
    super(PAUSED_BECAUSE[reason]);
  }
}

/** Why every quote and trade on the market waits now, in the chain's order (OptionsBook._tradeInputs, then
 *  OptionsLogic._requireInRange), or undefined while they may go on. */
export function tradingPausedBy(ctx: QuoteContext): OptionsBookStaleError | undefined {
  return settlementPauseBy(ctx) ?? rangePauseBy(ctx);
}

/** OptionsBook._tradeBoard's own checks, before the board's trading cutoff: a board settled since the refresh, or the
 *  nearest expiry passed and not settled. */
function settlementPauseBy(ctx: QuoteContext): OptionsBookStaleError | undefined {
  const bk = ctx.book;
  if (bk.holdsSettled) return new OptionsBookStaleError('Dirty');
  if (bk.nearestExpiry !== 0n && ctx.nowSec >= bk.nearestExpiry) return new OptionsBookStaleError('AwaitingSettlement');
  return undefined;
}

/** OptionsLogic._requireInRange, after the cutoff: the cache too old, or the price past its range. */
function rangePauseBy(ctx: QuoteContext): OptionsBookStaleError | undefined {
  const bk = ctx.book;
  if (bk.refAt === 0n) return undefined;
  if (ctx.nowSec > bk.validUntil) return new OptionsBookStaleError('TooOld');
  if (abs(ctx.spotWad - bk.refPriceWad) > bk.maxMoveWad) return new OptionsBookStaleError('PriceMoved');
  return undefined;
}

/** The board terms a quote needs: its expiry and its highest strike (a call's least premium is that strike's,
 *  OptionsLogic._askWad, so no call on a board asks less than a higher strike's). */
export interface QuoteBoard {
  expiry: bigint;
  topStrikeWad: bigint;
}

/** A listed board's highest strike (IOptionsBook.Board: strike i = first + i x step). */
export function topStrikeWad(b: { firstStrikeWad: bigint; strikeStepWad: bigint; strikeCount: number | bigint }): bigint {
  return b.firstStrikeWad + (BigInt(b.strikeCount) - 1n) * b.strikeStepWad;
}

/** The premium of a trade: the TS mirror of OptionsLogic.quote (test/ts/options.diff.test.ts: equal to the wei). */
export function quoteOption(
  board: QuoteBoard,
  strikeWad: bigint,
  isCall: boolean,
  isBuy: boolean,
  amountWad: bigint,
  cfg: OptionsPricingConfig,
  ctx: QuoteContext,
): OptionQuote {
  const tau = board.expiry - ctx.nowSec;
  if (amountWad % OPTION_LOT_WAD !== 0n) throw new RangeError(`amount ${amountWad} is not a whole number of lots (${OPTION_LOT_WAD})`);
  const bk = ctx.book;
  // in the chain's order: the settlement pauses, the board's cutoff (a sale past it reverted while the app quoted a
  // bid), then the cache's range
  const settling = settlementPauseBy(ctx);
  if (settling) throw settling;
  const cutoffAt = board.expiry - cfg.tradingCutoffSec;
  if (ctx.nowSec >= cutoffAt) throw new TradingClosedError(cutoffAt);
  const stale = rangePauseBy(ctx);
  if (stale) throw stale;
  if (tau <= 0n) throw new RangeError('board expired');
  const weightWad = termWeightWad(tau, cfg.meanReversionWad);
  const e = expiryTerms(termVarianceAt(ctx.varianceWad, ctx.longVarianceWad, weightWad), tau, cfg.callCapBps);
  const lnM = lnMoneynessWad(ctx.spotWad, strikeWad);
  const midIvWad = midVolAt(e, lnMoneynessWad(ctx.samplePriceWad, strikeWad), cfg);
  // OptionsLogic._tradeVolWad: priced on whichever of today's surface and the next sample's favours the pool, the next
  // sample at its worst time for the pool (P-90)
  const interval = ctx.est.intervalSec;
  const earliest = (ctx.sampleAt / interval + 1n) * interval - ctx.sampleAt;
  const sideVolWad = (buy: boolean) => {
    const [vS, vL] = nextSampleVariancesUp(ctx.varianceWad, ctx.longVarianceWad, ctx.samplePriceWad, ctx.spotWad, earliest, ctx.est, buy);
    const nextMidWad = midVolAt(withTermVariance(e, termVarianceAt(vS, vL, weightWad)), lnM, cfg);
    return tradeVolWad(buy ? max(midIvWad, nextMidWad) : min(midIvWad, nextMidWad), buy, cfg);
  };
  const ivWad = sideVolWad(isBuy);
  // a call's cap leg is the pool's: priced at the other side's volatility (P-72)
  const capIvWad = isCall ? sideVolWad(!isBuy) : 0n;
  const greeks = optionGreeksAt(isCall, ctx.spotWad, strikeWad, lnM, midIvWad, e);
  // OptionsLogic._quote: valued at the price the oracle's lag can reach against the pool (a full revaluation)
  const atWad = laggedSpotWad(ctx.spotWad, ctx.lagBps, isCall, isBuy);
  let perTokenWad = tradeValueWad(isCall, atWad, strikeWad, atWad === ctx.spotWad ? lnM : lnMoneynessWad(atWad, strikeWad), ivWad, capIvWad, e);
  let askFloor: OptionQuote['askFloor'] = 'model';
  if (isBuy) {
    const model = perTokenWad;
    const intrinsic = payoffWad(isCall, strikeWad, ctx.spotWad, cfg.callCapBps);
    const minimum = minPremiumUp(isCall, isCall ? board.topStrikeWad : strikeWad, cfg.callCapBps, cfg.minPremiumBps, ctx.reserveRateWad, tau);
    const most = maxPayoutWad(isCall, strikeWad, cfg.callCapBps);
    perTokenWad = min(max(model, max(intrinsic, minimum)), most); // OptionsLogic._askWad
    askFloor = perTokenWad === model ? 'model' : perTokenWad === intrinsic ? 'intrinsic' : perTokenWad === minimum ? 'minimum' : 'maximum';
  }
  const reserveUsd = maxPayoutUp(isCall, strikeWad, amountWad, cfg.callCapBps);

  const dS = clamp(ctx.spotWad - bk.refPriceWad, -bk.maxMoveWad, bk.maxMoveWad); // OptionsLogic.bookDeltaTokens
  const bookDelta = bk.refAt === 0n ? 0n : clamp(bk.deltaWad + (bk.gammaWad * dS) / WAD, -bk.tokensWad, bk.tokensWad);
  const poolDelta = ((ctx.perpDeltaTokens - bookDelta) * ctx.spotWad) / WAD;
  const poolVega = -bk.vegaWad;
  const side = isBuy ? -1n : 1n;
  let impactUsd = impactUp(
    poolDelta,
    poolDelta + (side * mulDivSignedDown(greeks.deltaWad, amountWad, WAD) * ctx.spotWad) / WAD,
    poolVega,
    poolVega + side * mulDivSignedDown(greeks.vegaWad, amountWad, WAD),
    cfg,
  );
  let premiumUsd: bigint;
  if (isBuy) premiumUsd = toUsdUp(amountWad, perTokenWad) + impactUsd;
  else {
    // a sale's impact is taken from its bid, at most all of it: the quote reports what was taken (OptionsLogic.quote)
    const gross = toUsdDown(amountWad, perTokenWad);
    if (impactUsd > gross) impactUsd = gross;
    premiumUsd = gross - impactUsd;
  }
  return { premiumUsd, impactUsd, ivWad, capIvWad, midIvWad, spotWad: ctx.spotWad, perTokenWad, reserveUsd, greeks, askFloor };
}

/**
 * The options book's mark and delta at `spotWad` and `nowSec` from its cached expansion, as the chain moves them:
 * OptionsLogic.expand's value (V + delta dS + gamma dS^2 / 2 + theta dt, each product truncated toward zero in the same
 * order) and the delta along its gamma (OptionsNav.marketClaim: delta + gamma dS). Traders' side, USD and tokens WAD; a
 * book with no expansion (nothing open at its last refresh) is worth nothing.
 */
export function bookAt(
  b: { valueWad: bigint; deltaWad: bigint; gammaWad: bigint; thetaWad: bigint; refPriceWad: bigint; refAt: bigint },
  spotWad: bigint,
  nowSec: bigint,
): { valueWad: bigint; deltaWad: bigint } {
  if (b.refAt === 0n) return { valueWad: b.valueWad, deltaWad: b.deltaWad };
  const dS = spotWad - b.refPriceWad;
  const dt = nowSec - b.refAt;
  const valueWad = b.valueWad + (b.deltaWad * dS) / WAD + (((b.gammaWad * dS) / WAD) * dS) / WAD / 2n + b.thetaWad * dt;
  return {
    valueWad: valueWad > 0n ? valueWad : 0n, // the liability floored at 0, as OptionsLogic.expand floors it
    deltaWad: b.deltaWad + (b.gammaWad * dS) / WAD,
  };
}
