'use client';

import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useHistory } from './useMarketData';

export function PriceChart({ marketId, name }: { marketId: number; name: string }) {
  const history = useHistory(marketId, 3600, 10);
  const points = (history.data ?? []).filter((p) => p.price !== null).map((p) => ({ t: p.t * 1000, price: Number(p.price) / 1e18 }));
  return (
    <section aria-labelledby="chart-title" className="card">
      <h2 id="chart-title" className="mb-2 text-sm font-semibold text-zinc-300">
        {name} price, last hour
      </h2>
      {history.isError ? (
        <p role="alert" className="text-sm text-amber-400">
          Price history unavailable: {(history.error as Error).message}. Live trading still works.
        </p>
      ) : history.isLoading ? (
        <div className="skeleton h-56 w-full" />
      ) : points.length < 2 ? (
        <p className="h-56 text-sm text-zinc-400">Not enough history yet: the indexer records a snapshot every few blocks.</p>
      ) : (
        <div className="h-56" data-testid="price-chart">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ left: 8, right: 8, top: 4, bottom: 4 }}>
              <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(t) => new Date(t).toLocaleTimeString()} stroke="#a1a1aa" fontSize={11} />
              <YAxis domain={['auto', 'auto']} stroke="#a1a1aa" fontSize={11} width={70} tickFormatter={(v) => Number(v).toLocaleString()} />
              <Tooltip contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }} labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} />
              <Line type="monotone" dataKey="price" stroke="#2dd4bf" dot={false} strokeWidth={1.5} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
