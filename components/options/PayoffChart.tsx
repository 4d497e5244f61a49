'use client';

import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { payoffWad } from '@/lib/math/options';

/** Profit at expiry of buying `amountWad` of the option for `premiumUsd`, across the index prices the expiry can
 *  plausibly see: spot ± three standard deviations of the move to expiry (`sigmaSqrtT`, the sampled σ over the time
 *  left), widened to take in the strike, the breakeven and a call's cap, so the kink fills the chart whether the
 *  option expires in an hour or a month (a fixed ±40% squeezed a daily option's payoff into a corner: review BK). */
export function PayoffChart({
  isCall,
  strikeWad,
  amountWad,
  premiumUsd,
  spotWad,
  callCapBps,
  sigmaSqrtT,
}: {
  isCall: boolean;
  strikeWad: bigint;
  amountWad: bigint;
  premiumUsd: bigint;
  spotWad: bigint;
  callCapBps: bigint;
  /** σ √(time to expiry): the standard deviation of the log move to expiry */
  sigmaSqrtT: number;
}) {
  const spot = Number(spotWad) / 1e18;
  const strike = Number(strikeWad) / 1e18;
  const perToken = Number(premiumUsd) / 1e6 / (Number(amountWad) / 1e18);
  const breakeven = isCall ? strike + perToken : strike - perToken;
  const capPrice = isCall ? strike * (1 + Number(callCapBps) / 10_000) : strike;
  // three standard deviations either way, at least 2% of spot so a last-minute option still shows its kink
  const move = spot * Math.max(0.02, Math.min(0.9, 3 * sigmaSqrtT));
  const lo = Math.max(0, Math.min(spot - move, strike, breakeven) * 0.98);
  // a call's cap joins the range when it lies within twice the move or inside the range anyway; past it, the cap is said
  // under the chart
  const hiBase = Math.max(spot + move, strike, breakeven) * 1.02;
  const capShown = isCall && (capPrice <= spot + 2 * move || capPrice <= hiBase);
  const hi = Math.max(hiBase, capShown ? capPrice * 1.02 : 0);
  const points = Array.from({ length: 61 }, (_, i) => {
    const price = lo + ((hi - lo) * i) / 60;
    const priceWad = BigInt(Math.round(price * 1e6)) * 10n ** 12n;
    const pay = (amountWad * payoffWad(isCall, strikeWad, priceWad, callCapBps)) / 10n ** 30n;
    return { price: Math.round(price * 100) / 100, profit: Number(pay - premiumUsd) / 1e6 };
  });
  // round x ticks (1, 2 or 5 x 10^k apart), and the most it can lose (the premium) and gain (the cap) marked
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? 10 * mag;
  const ticks = Array.from({ length: Math.floor(hi / step) - Math.ceil(lo / step) + 1 }, (_, i) => (Math.ceil(lo / step) + i) * step);
  const maxLoss = -Number(premiumUsd) / 1e6;
  // the most a call can gain: its payout at the cap less the premium (the pool's side is a call spread)
  const maxGain = (Number(amountWad) / 1e18) * (capPrice - strike) - Number(premiumUsd) / 1e6;
  const usd = (v: number) => `$${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
  return (
    <div data-testid="payoff-chart" role="img" aria-label="Profit at expiry by index price">
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={points} margin={{ left: 8, right: 8, top: 8, bottom: 12 }}>
            <XAxis dataKey="price" type="number" domain={['dataMin', 'dataMax']} ticks={ticks} tick={{ fontSize: 11, fill: '#a1a1aa' }} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Index price at expiry', position: 'insideBottom', offset: -8, fill: '#71717a', fontSize: 10 }} />
            <YAxis tick={{ fontSize: 11, fill: '#a1a1aa' }} width={64} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Profit (USD)', angle: -90, position: 'insideLeft', fill: '#71717a', fontSize: 10 }} />
            <Tooltip formatter={(v) => [`$${Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 })}`, 'Profit at expiry']} labelFormatter={(l) => `Index ${Number(l).toLocaleString('en-US')}`} contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }} />
            <ReferenceLine y={0} stroke="#52525b" />
            <ReferenceLine y={maxLoss} stroke="#f43f5e" strokeDasharray="2 4" label={{ value: `most you lose ${usd(maxLoss)}`, position: 'insideBottomRight', fill: '#f43f5e', fontSize: 10 }} />
            {capShown && maxGain > 0 && <ReferenceLine y={maxGain} stroke="#10b981" strokeDasharray="2 4" label={{ value: `most you gain ${usd(maxGain)} (cap)`, position: 'insideTopLeft', fill: '#10b981', fontSize: 10 }} />}
            <ReferenceLine x={Math.round(spot * 100) / 100} stroke="#14b8a6" strokeDasharray="3 3" label={{ value: 'spot', fill: '#14b8a6', fontSize: 10 }} />
            <Line type="linear" dataKey="profit" stroke="#f4f4f5" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      {isCall && !capShown && (
        <p className="text-[10px] text-zinc-400" data-testid="payoff-cap-note">
          {maxGain > 0 ? `Gain capped at ${usd(maxGain)}` : `At best a loss of ${usd(maxGain)} (the premium is above the capped payout)`}, reached at an index of{' '}
          {capPrice.toLocaleString('en-US', { maximumFractionDigits: 0 })} (off this chart).
        </p>
      )}
    </div>
  );
}
