'use client';

import { useQuery } from '@tanstack/react-query';
import { usePublicClient } from 'wagmi';
import { ResponsiveContainer } from 'recharts';
import { api } from '@/lib/api/client';
import { chainNowSec } from '@/components/common/chainClock';

/** The analytics ranges: snapshot resolution for the lines, a coarser one for the per-bucket bars (readable bars). */
export const RANGES = [
  { label: '15m', sec: 900, res: 5, barRes: 60 },
  { label: '1h', sec: 3600, res: 15, barRes: 300 },
  { label: '6h', sec: 21_600, res: 60, barRes: 1800 },
  { label: '24h', sec: 86_400, res: 300, barRes: 3600 },
  { label: '7d', sec: 7 * 86_400, res: 1800, barRes: 6 * 3600 },
];
export type Range = (typeof RANGES)[number];
export type Point = Record<string, string | number | null>;

export function useHistory(market: number, range: Range) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ['history', market, range.sec],
    queryFn: async (): Promise<Point[]> => withGaps(await api.history(market, (await chainNowSec(client)) - range.sec, range.res), range.res),
    refetchInterval: 5000,
  });
}

/**
 * A history with a blank point (`gap: 1`, no values) after every bucket the next one does not follow: the API returns
 * only buckets with snapshots, and a line drawn on through an indexer outage or a stalled market looked like data
 * (review). Lines break at the blank; counts of unvalued points leave blanks out.
 */
export function withGaps(points: Point[], res: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    out.push(points[i]);
    const t = Number(points[i].t);
    if (i + 1 < points.length && Number(points[i + 1].t) - t > res) out.push({ t: t + res, gap: 1 });
  }
  return out;
}

/** Activity per bar bucket over the range, every bucket present (zero when nothing happened). */
export function useActivity(range: Range) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ['activity', range.sec],
    queryFn: async (): Promise<Point[]> => {
      const to = await chainNowSec(client);
      const from = wholeBucketsFrom(to, range.sec, range.barRes);
      const rows = await api.activity(from, range.barRes);
      return fillBuckets(rows.map((r) => ({ ...r })), from, to, range.barRes);
    },
    refetchInterval: 5000,
  });
}

/** The start of the first whole `res`-second bucket that covers the last `sec` seconds before `to`: a range that started
 *  inside a bucket drew it as a bar of part of its span, lower than the rest for no reason in the data. */
export const wholeBucketsFrom = (to: number, sec: number, res: number) => Math.floor((to - sec) / res) * res;

/** One point per `res`-second bucket from `from` to `to`: the given rows where they exist, zeros elsewhere. */
export function fillBuckets(rows: Point[], from: number, to: number, res: number): Point[] {
  const byT = new Map(rows.map((r) => [Number(r.t), r]));
  const out: Point[] = [];
  for (let t = Math.floor(from / res) * res; t <= to; t += res) {
    out.push(byT.get(t) ?? { t, feesUsd: '0', volumeUsd: '0', liquidations: 0, badDebtUsd: '0', traderPnlUsd: '0' });
  }
  return out;
}

export const n = (v: unknown, scale: number) => (v === null || v === undefined ? null : Number(v) / scale);
export const time = (t: number) => new Date(t * 1000).toLocaleTimeString();
/** An axis tick for a range: the time of day within a day, the date and hour beyond (a 7-day axis is unambiguous). */
export const tickFor = (range: Range) => (t: number) =>
  range.sec > 86_400
    ? new Date(t * 1000).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' })
    : new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: range.sec <= 3600 ? '2-digit' : undefined });
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 6 });
/** A value axis: 1,400,000 reads 1.4M and 50,000 50K; a share price keeps its six significant digits (1.00275). */
export const AX = { stroke: '#a1a1aa', fontSize: 11, tickFormatter: (v: number) => COMPACT.format(v) };
/** A tooltip's value: thousands separated, cents on dollar amounts, six decimals below 10 (share prices, rates). */
const tooltipValue = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 6 : 2 }) : String(v));
/** A time axis: positions follow the clock, so a gap in the data (a stalled market, an indexer outage) keeps its width
 *  instead of being squeezed out as it is on a category axis; `withGaps` breaks the lines across it. */
export const TIME_AX = { stroke: AX.stroke, fontSize: AX.fontSize, type: 'number' as const, scale: 'time' as const, domain: ['dataMin', 'dataMax'] as [string, string], minTickGap: 24 };
export const TT = {
  contentStyle: { background: '#18181b', border: '1px solid #3f3f46' },
  labelFormatter: (t: unknown) => new Date(Number(t) * 1000).toLocaleString(),
  formatter: tooltipValue,
};

/** A titled chart card; `note` (optional) is a caption under the plot. */
export function Chart({ title, children, data, testId, note }: { title: string; children: React.ReactNode; data?: Point[]; testId: string; note?: string }) {
  return (
    <section className="card" aria-label={title}>
      <h3 className="mb-2 text-sm font-semibold text-zinc-300">{title}</h3>
      {!data ? (
        <div className="skeleton h-48 w-full" />
      ) : data.length === 0 ? (
        <p className="h-48 text-sm text-zinc-400">No data in this range yet.</p>
      ) : (
        <div className="h-48" data-testid={testId} data-points={data.length}>
          <ResponsiveContainer width="100%" height="100%">
            {children as React.ReactElement}
          </ResponsiveContainer>
        </div>
      )}
      {note && <p className="mt-2 text-xs text-zinc-400">{note}</p>}
    </section>
  );
}
