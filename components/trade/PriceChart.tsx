'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, ComposedChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, type Candle } from '@/lib/api/client';
import { usePublicClient } from 'wagmi';
import { chainNowSec } from '@/components/common/chainClock';

/** Timeframes: seconds per candle and how many candles the chart shows. */
const FRAMES = [
  { label: '1m', res: 60, count: 120 },
  { label: '5m', res: 300, count: 120 },
  { label: '1h', res: 3600, count: 120 },
] as const;

interface CandlePoint {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** [low, high]: the bar recharts positions; the shape draws the wick over it and the body inside it */
  range: [number, number];
}

export function toCandlePoints(candles: Candle[]): CandlePoint[] {
  return candles.map((c) => {
    const [open, high, low, close] = [c.open, c.high, c.low, c.close].map((v) => Number(v) / 1e18);
    return { t: c.t, open, high, low, close, range: [low, high] };
  });
}

/** One candle: a wick from low to high and a body from open to close, green when the price rose. */
function CandleShape(props: { x?: number; y?: number; width?: number; height?: number; payload?: CandlePoint }) {
  const { x = 0, y = 0, width = 0, height = 0, payload } = props;
  if (!payload) return null;
  const { open, close, high, low } = payload;
  const up = close >= open;
  const color = up ? '#10b981' : '#f43f5e';
  // y is the high's pixel, y + height the low's: map prices into that span
  const span = high - low;
  const at = (v: number) => (span === 0 ? y + height / 2 : y + ((high - v) / span) * height);
  const top = at(Math.max(open, close));
  const bodyHeight = Math.max(1, at(Math.min(open, close)) - top);
  const cx = x + width / 2;
  const bodyWidth = Math.max(1, width * 0.7);
  return (
    <g>
      <line x1={cx} x2={cx} y1={y} y2={y + Math.max(height, 1)} stroke={color} />
      <rect x={cx - bodyWidth / 2} y={top} width={bodyWidth} height={bodyHeight} fill={color} />
    </g>
  );
}

/** The market's oracle price as candles (1m, 5m, 1h) from the indexer's price snapshots. */
export function PriceChart({ marketId, name }: { marketId: number; name: string }) {
  const [frame, setFrame] = useState<(typeof FRAMES)[number]>(FRAMES[0]);
  const client = usePublicClient();
  const q = useQuery({
    queryKey: ['candles', marketId, frame.res],
    // the last `count` candles on the chain's clock, as the API buckets them (the browser's can be hours off)
    queryFn: async () => api.candles(marketId, (await chainNowSec(client)) - frame.res * frame.count, frame.res),
    refetchInterval: 5000,
  });
  const points = q.data ? toCandlePoints(q.data) : [];
  const fmtT = (t: number) => (frame.res >= 3600 ? new Date(t * 1000).toLocaleString([], { month: 'numeric', day: 'numeric', hour: '2-digit' }) : new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  return (
    <section aria-labelledby="chart-title" className="card">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 id="chart-title" className="text-sm font-semibold text-zinc-300">
          {name} oracle price
        </h2>
        <div role="group" aria-label="Candle timeframe" className="flex gap-1">
          {FRAMES.map((f) => (
            <button key={f.label} type="button" aria-pressed={f === frame} data-testid={`candles-${f.label}`} onClick={() => setFrame(f)} className={`rounded px-2 py-0.5 text-xs ${f === frame ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300'}`}>
              {f.label}
            </button>
          ))}
        </div>
      </div>
      {q.isError ? (
        <p role="alert" className="text-sm text-amber-400">
          Price history unavailable: {(q.error as Error).message}. Live trading still works.
        </p>
      ) : q.isLoading ? (
        <div className="skeleton h-56 w-full" />
      ) : points.length === 0 ? (
        <p className="h-56 text-sm text-zinc-400">No candles yet: the indexer records the price every few blocks.</p>
      ) : (
        <div className="h-56" data-testid="price-chart" data-candles={points.length} data-frame={frame.res}>
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={points} margin={{ left: 8, right: 8, top: 4, bottom: 4 }}>
              <XAxis dataKey="t" tickFormatter={fmtT} stroke="#a1a1aa" fontSize={11} minTickGap={24} />
              <YAxis domain={['auto', 'auto']} stroke="#a1a1aa" fontSize={11} width={70} tickFormatter={(v) => Number(v).toLocaleString()} />
              <Tooltip
                contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }}
                labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleString()}
                formatter={(_v, _n, item) => {
                  const c = (item as { payload: CandlePoint }).payload;
                  return [`O ${c.open.toLocaleString()} H ${c.high.toLocaleString()} L ${c.low.toLocaleString()} C ${c.close.toLocaleString()}`, 'price'];
                }}
              />
              <Bar dataKey="range" shape={<CandleShape />} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
