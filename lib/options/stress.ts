/**
 * The options book under a stress scenario: every open option revalued at the shocked price, the shocked volatility
 * and the time the shock lasts, with the chain's pricing (lib/math/options.ts: the volatility surface from the scaled
 * variance, a mean-reverting term structure, the skew and smile measured from the shocked price as the next sample
 * would, Black-Scholes on the capped call or the put, values rounded up as the NAV counts a liability). Options that
 * expire within the shock's hours are worth their payoff at the shocked price.
 */
import { lnMoneynessWad, midVolWad, optionGreeks, payoffWad, termVarianceWad, type OptionsPricingConfig } from '../math/options';
import { mulDivUp } from '../math/fixed';

export interface StressOption {
  marketId: number;
  expiry: bigint;
  strikeWad: bigint;
  isCall: boolean;
  amountWad: bigint;
  /** its board's call cap, fixed at listing */
  callCapBps: bigint;
}

export interface StressOptionsMarket {
  marketId: number;
  cfg: OptionsPricingConfig;
  varianceWad: bigint;
  longVarianceWad: bigint;
}

/** What every open option is worth to its holders at `priceWad` per market, the variance scaled by k^2 (k = k1000 /
 *  1000), `elapsedSec` after `nowSec` (USD, 6 decimals, rounded up). */
export function optionsLiabilityUsd(
  options: StressOption[],
  markets: Map<number, StressOptionsMarket>,
  priceWad: (marketId: number) => bigint,
  k1000: bigint,
  nowSec: bigint,
  elapsedSec: bigint,
): bigint {
  let valueWad = 0n;
  const at = nowSec + elapsedSec;
  for (const o of options) {
    const m = markets.get(o.marketId);
    if (!m) continue;
    const spot = priceWad(o.marketId);
    const cfg = { ...m.cfg, callCapBps: o.callCapBps };
    if (o.expiry <= at) {
      valueWad += mulDivUp(o.amountWad, payoffWad(o.isCall, o.strikeWad, spot, cfg.callCapBps), 10n ** 18n);
      continue;
    }
    const tau = o.expiry - at;
    const variance = mulDivUp(m.varianceWad * k1000 * k1000, 1n, 1_000_000n);
    const termVar = termVarianceWad(variance, m.longVarianceWad, tau, cfg.meanReversionWad);
    const lnM = lnMoneynessWad(spot, o.strikeWad);
    const iv = midVolWad(termVar, lnM, tau, cfg);
    valueWad += mulDivUp(o.amountWad, optionGreeks(o.isCall, spot, o.strikeWad, lnM, iv, tau, cfg).valueWad, 10n ** 18n);
  }
  return mulDivUp(valueWad, 1n, 10n ** 12n);
}
