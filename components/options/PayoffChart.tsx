'use client';

import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { payoffWad } from '@/lib/math/options';

/** Profit at expiry of buying `amountWad` of the option for `premiumUsd`, across index prices around spot (the call's
 *  payout flattens at its cap). */
export function PayoffChart({ isCall, strikeWad, amountWad, premiumUsd, spotWad, callCapBps }: { isCall: boolean; strikeWad: bigint; amountWad: bigint; premiumUsd: bigint; spotWad: bigint; callCapBps: bigint }) {
  const spot = Number(spotWad) / 1e18;
  const lo = Math.min(spot * 0.6, (Number(strikeWad) / 1e18) * 0.8);
  const hi = Math.max(spot * 1.4, (Number(strikeWad) / 1e18) * 1.2 + (isCall ? (Number(strikeWad) / 1e18) * (Number(callCapBps) / 10_000) : 0));
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
  const maxGain = Math.max(...points.map((p) => p.profit));
  const usd = (v: number) => `$${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
  return (
    <div className="h-56" data-testid="payoff-chart" aria-label="Profit at expiry by index price">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ left: 8, right: 8, top: 8, bottom: 12 }}>
          <XAxis dataKey="price" type="number" domain={['dataMin', 'dataMax']} ticks={ticks} tick={{ fontSize: 11, fill: '#a1a1aa' }} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Index price at expiry', position: 'insideBottom', offset: -8, fill: '#71717a', fontSize: 10 }} />
          <YAxis tick={{ fontSize: 11, fill: '#a1a1aa' }} width={64} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Profit (USD)', angle: -90, position: 'insideLeft', fill: '#71717a', fontSize: 10 }} />
          <Tooltip formatter={(v) => [`$${Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 })}`, 'Profit at expiry']} labelFormatter={(l) => `Index ${Number(l).toLocaleString('en-US')}`} contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }} />
          <ReferenceLine y={0} stroke="#52525b" />
          <ReferenceLine y={maxLoss} stroke="#f43f5e" strokeDasharray="2 4" label={{ value: `most you lose ${usd(maxLoss)}`, position: 'insideBottomRight', fill: '#f43f5e', fontSize: 10 }} />
          {isCall && maxGain > 0 && <ReferenceLine y={maxGain} stroke="#10b981" strokeDasharray="2 4" label={{ value: `most you gain ${usd(maxGain)} (cap)`, position: 'insideTopLeft', fill: '#10b981', fontSize: 10 }} />}
          <ReferenceLine x={Math.round(spot * 100) / 100} stroke="#14b8a6" strokeDasharray="3 3" label={{ value: 'spot', fill: '#14b8a6', fontSize: 10 }} />
          <Line type="linear" dataKey="profit" stroke="#f4f4f5" dot={false} strokeWidth={1.5} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
