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
  return (
    <div className="h-56" data-testid="payoff-chart" aria-label="Profit at expiry by index price">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ left: 8, right: 8, top: 8, bottom: 12 }}>
          <XAxis dataKey="price" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11, fill: '#a1a1aa' }} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Index price at expiry', position: 'insideBottom', offset: -8, fill: '#71717a', fontSize: 10 }} />
          <YAxis tick={{ fontSize: 11, fill: '#a1a1aa' }} width={64} tickFormatter={(v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })} label={{ value: 'Profit (USD)', angle: -90, position: 'insideLeft', fill: '#71717a', fontSize: 10 }} />
          <Tooltip formatter={(v) => [`$${Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 })}`, 'Profit at expiry']} labelFormatter={(l) => `Index ${Number(l).toLocaleString('en-US')}`} contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }} />
          <ReferenceLine y={0} stroke="#52525b" />
          <ReferenceLine x={Math.round(spot * 100) / 100} stroke="#14b8a6" strokeDasharray="3 3" label={{ value: 'spot', fill: '#14b8a6', fontSize: 10 }} />
          <Line type="linear" dataKey="profit" stroke="#f4f4f5" dot={false} strokeWidth={1.5} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
