'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '@/lib/api/client';
import { usePublicClient } from 'wagmi';
import { chainNowSec } from '@/components/common/chainClock';

const RANGES = [
  { label: '1h', sec: 3600, res: 15 },
  { label: '24h', sec: 86_400, res: 300 },
  { label: '7d', sec: 7 * 86_400, res: 3600 },
  { label: '30d', sec: 30 * 86_400, res: 4 * 3600 },
];
const YEAR = 31_536_000;
/** APR points need this much history behind them: shorter spans annualize noise. */
const MIN_APR_SPAN_SEC = 3600;

export interface SharePricePoint {
  t: number;
  sharePrice: number | null;
  /** annualized growth of the share price since the range's first point (simple, not compounded), % */
  aprPct: number | null;
}

/** Share price per bucket and the APR it implies since the range's start. Exported for tests. */
export function sharePriceSeries(points: { t: number; share_price?: string | number | null }[]): SharePricePoint[] {
  const priced = points.filter((p) => p.share_price !== null && p.share_price !== undefined);
  const first = priced[0];
  const p0 = first ? Number(first.share_price) / 1e18 : null;
  return points.map((p) => {
    const sp = p.share_price === null || p.share_price === undefined ? null : Number(p.share_price) / 1e18;
    const span = first ? p.t - first.t : 0;
    const aprPct = sp !== null && p0 && span >= MIN_APR_SPAN_SEC ? (sp / p0 - 1) * (YEAR / span) * 100 : null;
    return { t: p.t, sharePrice: sp, aprPct };
  });
}

/** LP history: the share price and the APR it implies, from the indexer's pool snapshots. */
export function SharePriceChart() {
  const [range, setRange] = useState(RANGES[1]);
  const client = usePublicClient();
  const q = useQuery({
    queryKey: ['history', -1, 'share', range.sec],
    queryFn: async () => api.history(-1, (await chainNowSec(client)) - range.sec, range.res),
    refetchInterval: 10_000,
  });
  const data = q.data ? sharePriceSeries(q.data) : undefined;
  // Axis decimals that tell the ticks apart, and a domain padded around the data (one point must not read as -1..3).
  const prices = (data ?? []).map((p) => p.sharePrice).filter((v): v is number => v !== null);
  const lo = prices.length ? Math.min(...prices) : 0;
  const hi = prices.length ? Math.max(...prices) : 1;
  const pad = Math.max((hi - lo) * 0.1, hi * 1e-5, 1e-9);
  const decimals = Math.min(8, Math.max(2, Math.ceil(-Math.log10((hi - lo + 2 * pad) / 4)) + 1));
  const hasApr = (data ?? []).some((p) => p.aprPct !== null);
  const fmtT = (t: number) => (range.sec > 86_400 ? new Date(t * 1000).toLocaleDateString() : new Date(t * 1000).toLocaleTimeString());
  return (
    <section aria-labelledby="share-history-title" className="card lg:col-span-2">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 id="share-history-title" className="text-sm font-semibold text-zinc-300">
          Share price and APR
        </h2>
        <div role="group" aria-label="History range" className="flex gap-1">
          {RANGES.map((r) => (
            <button key={r.label} type="button" aria-pressed={r === range} onClick={() => setRange(r)} className={`rounded px-2 py-0.5 text-xs ${r === range ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300'}`}>
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {q.isError ? (
        <p className="h-48 text-sm text-amber-400">History unavailable (indexer not reachable).</p>
      ) : !data ? (
        <div className="skeleton h-48 w-full" />
      ) : data.length === 0 ? (
        <p className="h-48 text-sm text-zinc-400">No pool history in this range yet.</p>
      ) : (
        <div className="h-48" data-testid="chart-share-price" data-points={data.length}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data}>
              <CartesianGrid stroke="#27272a" />
              <XAxis dataKey="t" tickFormatter={fmtT} stroke="#a1a1aa" fontSize={11} type="number" scale="time" domain={["dataMin", "dataMax"]} minTickGap={24} />
              <YAxis yAxisId="l" stroke="#a1a1aa" fontSize={11} domain={[lo - pad, hi + pad]} width={76} tickFormatter={(v: number) => v.toFixed(decimals)} />
              {hasApr && <YAxis yAxisId="r" orientation="right" stroke="#a1a1aa" fontSize={11} width={50} tickFormatter={(v: number) => `${v.toFixed(0)}%`} />}
              <Tooltip contentStyle={{ background: '#18181b', border: '1px solid #3f3f46' }} labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleString()} />
              <Legend />
              <Line yAxisId="l" dataKey="sharePrice" name="share price (USD)" stroke="#a78bfa" dot={false} isAnimationActive={false} />
              {hasApr && <Line yAxisId="r" dataKey="aprPct" name="APR since range start (%)" stroke="#2dd4bf" dot={false} isAnimationActive={false} connectNulls />}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <p className="mt-2 text-xs text-zinc-400">APR is the share price&apos;s growth since the range&apos;s first point, annualized (shown once an hour of history backs it).</p>
    </section>
  );
}
