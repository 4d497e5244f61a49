'use client';

import { capStrikeWad, maxPayoutWad, type OptionQuote } from '@/lib/math/options';
import { fmtDelta, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';
import type { Selection } from './OptionsChain';

/** What the trade pays or receives and why: premium, impact, the oracle-lag allowance, the slippage bound, the
 *  volatilities, delta, a floor or ceiling it is priced at, and for a buy the breakeven and the most it can pay. */
export function OptionPreview({ s, q, lagUsd, lagBps, limitUsd, minPremiumBps }: { s: Selection; q: OptionQuote; lagUsd?: bigint; lagBps: bigint; limitUsd: bigint; minPremiumBps: number }) {
  const perToken = q.perTokenWad;
  const breakeven = s.isCall ? s.strikeWad + perToken : s.strikeWad > perToken ? s.strikeWad - perToken : 0n;
  const rows: [string, string, string?][] = [
    [s.isBuy ? 'Premium you pay' : 'Premium you receive', fmtUsd(q.premiumUsd), 'option-premium'],
    ['Impact (in the premium)', fmtUsd(q.impactUsd)],
    // what pricing at the spot moved by the oracle's lag costs against the same option at the spot (OptionPricing.laggedSpotWad)
    ...(lagUsd !== undefined && lagUsd > 0n ? [[`Oracle-lag allowance (spot ${s.isBuy === s.isCall ? '+' : '−'}${(Number(lagBps) / 100).toFixed(2)}%)`, fmtUsd(lagUsd), 'option-lag'] as [string, string, string]] : []),
    [s.isBuy ? 'Most you pay (slippage)' : 'Least you receive (slippage)', fmtUsd(limitUsd)],
    ['Implied volatility (mid / trade)', `${fmtPct(q.midIvWad, 1)} / ${fmtPct(q.ivWad, 1)}`],
    // the cap leg is the pool's short call: priced at the other side's volatility
    ...(s.isCall ? [['Cap leg volatility', fmtPct(q.capIvWad, 1)] as [string, string]] : []),
    ['Delta per token', fmtDelta(q.greeks.deltaWad)],
  ];
  if (s.isBuy && q.askFloor === 'maximum') {
    // the model price is above what a token can pay: the buyer pays that ceiling, and cannot gain at expiry
    rows.push(['Priced at its ceiling', 'the most it can pay: it cannot gain at expiry', 'option-ask-floor']);
  } else if (s.isBuy && q.askFloor !== 'model') {
    // the model price is below a floor: say which, so a flat premium across far strikes is not a surprise
    rows.push([
      'Priced at its floor',
      q.askFloor === 'intrinsic'
        ? 'intrinsic value'
        : // the larger of minPremiumBps and the pool's borrow rate at its kink over the option's life (P-106)
          s.isCall
          ? `minimum: ${fmtPct((perToken * 10n ** 18n) / maxPayoutWad(true, s.topStrikeWad, BigInt(s.callCapBps)))} of the most the board's highest-strike call can pay (at least ${(minPremiumBps / 100).toFixed(2)}%, and the pool's borrow rate at its kink for the option's life), so no call here costs less than a higher strike's`
          : `minimum: ${fmtPct((perToken * 10n ** 18n) / maxPayoutWad(false, s.strikeWad, BigInt(s.callCapBps)))} of the most it can pay (at least ${(minPremiumBps / 100).toFixed(2)}%, and the pool's borrow rate at its kink for the option's life)`,
      'option-ask-floor',
    ]);
  }
  if (s.isBuy) {
    rows.push(['Breakeven at expiry', fmtPrice(breakeven)]);
    rows.push(['Most it can pay', s.isCall ? `${fmtUsd(q.reserveUsd)} (capped at ${fmtPrice(capStrikeWad(s.strikeWad, s.callCapBps), 0)})` : fmtUsd(q.reserveUsd)]);
  }
  return (
    <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs" data-testid="option-preview">
      {rows.map(([k, v, id]) => (
        <div key={k} className="contents">
          <dt className="text-zinc-400">{k}</dt>
          <dd className="num text-right text-zinc-200" data-testid={id}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}

