'use client';

import { TableHead } from '@/components/common/Stat';
import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { annualize, bytes32ToString, fmtPct, fmtUsd, SECONDS_PER_YEAR } from '@/lib/format';
import { OptionsBoards } from './OptionsBoards';
import { StressPanel } from './StressPanel';

const RANGES = [
  { label: '15m', sec: 900, res: 5 },
  { label: '1h', sec: 3600, res: 15 },
  { label: '6h', sec: 21_600, res: 60 },
  { label: '24h', sec: 86_400, res: 300 },
];

type Point = Record<string, string | number | null>;

function useSeries(path: string, market: number | null, range: (typeof RANGES)[number]) {
  return useQuery({
    queryKey: [path, market, range.sec],
    queryFn: (): Promise<Point[]> => {
      const from = Math.floor(Date.now() / 1000) - range.sec;
      return path === 'history' ? api.history(market ?? -1, from, range.res) : api.activity(from, range.res).then((rows): Point[] => rows.map((r) => ({ ...r })));
    },
    refetchInterval: 5000,
  });
}

const n = (v: unknown, scale: number) => (v === null || v === undefined ? null : Number(v) / scale);
const time = (t: number) => new Date(t * 1000).toLocaleTimeString();
const AX = { stroke: '#a1a1aa', fontSize: 11 };
const TT = { contentStyle: { background: '#18181b', border: '1px solid #3f3f46' }, labelFormatter: (t: unknown) => time(Number(t)) };

function Chart({ title, children, data, testId }: { title: string; children: React.ReactNode; data?: Point[]; testId: string }) {
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
    </section>
  );
}

export function Analytics() {
  const c = useContracts();
  const [range, setRange] = useState(RANGES[1]);
  const [market, setMarket] = useState(0);
  const pool = useSeries('history', -1, range);
  const mk = useSeries('history', market, range);
  const activity = useSeries('activity', null, range);
  const markets = useReadContract({ ...c.reader, functionName: 'markets' });
  const poolConfig = useReadContract({ ...c.core, functionName: 'poolConfig' });

  const poolData = pool.data?.map((p) => ({ t: p.t, utilization: n(p.utilization, 1e16), nav: n(p.nav, 1e6), sharePrice: n(p.share_price, 1e18), reserved: n(p.reserved, 1e6), free: n(p.free_liquidity, 1e6), badDebt: n(p.bad_debt, 1e6) }));
  const mkData = mk.data?.map((p) => ({
    t: p.t,
    long: n(p.long_oi, 1e6),
    short: n(p.short_oi, 1e6),
    net: n(p.net_exposure, 1e6),
    funding: n(p.funding_rate, 1e16 / Number(SECONDS_PER_YEAR)),
    borrow: n(p.borrow_rate, 1e16 / Number(SECONDS_PER_YEAR)),
    sigma: n(p.sigma, 1e16),
    mmr: n(p.mmr, 1e16),
    maxLev: n(p.max_leverage, 1e18),
    // the pool's side: short the perpetual skew and short the options traders hold
    netDelta: p.price === null || p.net_exposure === null ? null : -(n(p.net_exposure, 1e6) ?? 0) - ((n(p.options_delta, 1e18) ?? 0) * (n(p.price, 1e18) ?? 0)),
    optionsDelta: p.price === null ? null : -((n(p.options_delta, 1e18) ?? 0) * (n(p.price, 1e18) ?? 0)),
    optionsVega: p.options_vega === null || p.options_vega === undefined ? null : -(n(p.options_vega, 1e18) ?? 0) / 100,
    optionsValue: n(p.options_value, 1e18),
  }));
  const actData = activity.data?.map((p) => ({ t: p.t, fees: n(p.feesUsd, 1e6), liquidations: Number(p.liquidations), badDebt: n(p.badDebtUsd, 1e6), traderPnl: n(p.traderPnlUsd, 1e6), lpPnl: -(n(p.traderPnlUsd, 1e6) ?? 0) + (n(p.feesUsd, 1e6) ?? 0) }));
  const err = pool.error ?? mk.error ?? activity.error;

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <div role="group" aria-label="Time range" className="flex gap-1">
          {RANGES.map((r) => (
            <button key={r.label} aria-pressed={r === range} onClick={() => setRange(r)} className={`rounded px-3 py-1 text-sm ${r === range ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300'}`}>
              {r.label}
            </button>
          ))}
        </div>
        <label className="text-sm text-zinc-400">
          Market{' '}
          <select className="input ml-1 inline-block w-auto py-1" value={market} onChange={(e) => setMarket(Number(e.target.value))}>
            {(markets.data ?? []).map((m, i) => (
              <option key={i} value={i}>
                {bytes32ToString(m.name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {err && (
        <p role="alert" className="card text-sm text-amber-400">
          Metrics API unavailable: {(err as Error).message}
        </p>
      )}
      <div className="grid gap-4 md:grid-cols-2">
        <Chart title="Utilization (%)" data={poolData} testId="chart-utilization">
          <AreaChart data={poolData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis {...AX} />
            <Tooltip {...TT} />
            <Area dataKey="utilization" stroke="#f59e0b" fill="#f59e0b33" isAnimationActive={false} />
          </AreaChart>
        </Chart>
        <Chart title="NAV (USD) and share price" data={poolData} testId="chart-nav">
          <LineChart data={poolData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis yAxisId="l" {...AX} width={80} />
            <YAxis yAxisId="r" orientation="right" {...AX} domain={['auto', 'auto']} />
            <Tooltip {...TT} />
            <Legend />
            <Line yAxisId="l" dataKey="nav" name="NAV" stroke="#2dd4bf" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="sharePrice" name="share price" stroke="#a78bfa" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="Open interest per side and net exposure (USD)" data={mkData} testId="chart-oi">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis {...AX} width={80} />
            <Tooltip {...TT} />
            <Legend />
            <Line dataKey="long" stroke="#10b981" dot={false} isAnimationActive={false} />
            <Line dataKey="short" stroke="#f43f5e" dot={false} isAnimationActive={false} />
            <Line dataKey="net" name="net (pool is short this)" stroke="#eab308" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="Funding and borrow rates (APR %)" data={mkData} testId="chart-rates">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis {...AX} />
            <Tooltip {...TT} />
            <Legend />
            <Line dataKey="funding" stroke="#38bdf8" dot={false} isAnimationActive={false} />
            <Line dataKey="borrow" stroke="#f97316" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="σ over the horizon and maintenance margin (%), max leverage (x)" data={mkData} testId="chart-risk">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis yAxisId="l" {...AX} />
            <YAxis yAxisId="r" orientation="right" {...AX} />
            <Tooltip {...TT} />
            <Legend />
            <Line yAxisId="l" dataKey="sigma" name="σ_h %" stroke="#e879f9" dot={false} isAnimationActive={false} />
            <Line yAxisId="l" dataKey="mmr" name="maintenance %" stroke="#fb7185" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="maxLev" name="max leverage" stroke="#a3e635" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="Fees, LP vs trader PnL (USD per bucket)" data={actData} testId="chart-pnl">
          <BarChart data={actData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis {...AX} width={70} />
            <Tooltip {...TT} />
            <Legend />
            <Bar dataKey="fees" name="fees, impact, borrow, funding" fill="#2dd4bf" isAnimationActive={false} />
            <Bar dataKey="traderPnl" name="trader realized PnL" fill="#f43f5e" isAnimationActive={false} />
            <Bar dataKey="lpPnl" name="LP (fees − trader PnL)" fill="#a78bfa" isAnimationActive={false} />
          </BarChart>
        </Chart>
        <Chart title="Liquidations (count) and bad debt (USD)" data={actData} testId="chart-liquidations">
          <BarChart data={actData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis yAxisId="l" {...AX} />
            <YAxis yAxisId="r" orientation="right" {...AX} />
            <Tooltip {...TT} />
            <Legend />
            <Bar yAxisId="l" dataKey="liquidations" fill="#f59e0b" isAnimationActive={false} />
            <Bar yAxisId="r" dataKey="badDebt" name="bad debt" fill="#ef4444" isAnimationActive={false} />
          </BarChart>
        </Chart>
        <Chart title="Pool greeks on this market: net delta (perpetuals + options, USD) and options vega (USD per vol point)" data={mkData} testId="chart-greeks">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis yAxisId="l" {...AX} width={80} />
            <YAxis yAxisId="r" orientation="right" {...AX} width={70} />
            <Tooltip {...TT} />
            <Legend />
            <Line yAxisId="l" dataKey="netDelta" name="pool net delta" stroke="#eab308" dot={false} isAnimationActive={false} />
            <Line yAxisId="l" dataKey="optionsDelta" name="of which options" stroke="#38bdf8" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="optionsVega" name="options vega" stroke="#e879f9" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="Reserved vs free liquidity (USD)" data={poolData} testId="chart-liquidity">
          <AreaChart data={poolData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={time} {...AX} />
            <YAxis {...AX} width={80} />
            <Tooltip {...TT} />
            <Legend />
            <Area dataKey="reserved" stackId="1" stroke="#f97316" fill="#f9731633" isAnimationActive={false} />
            <Area dataKey="free" stackId="1" stroke="#22c55e" fill="#22c55e33" isAnimationActive={false} />
          </AreaChart>
        </Chart>
      </div>
      <OptionsBoards />
      <StressPanel />
      <section aria-labelledby="params-title" className="card overflow-x-auto" tabIndex={0}>
        <h2 id="params-title" className="mb-2 text-sm font-semibold text-zinc-300">
          Risk parameters and oracle policy in force
        </h2>
        {poolConfig.data && (
          <p className="mb-2 text-xs text-zinc-400">
            Borrow curve: {fmtPct(annualize(poolConfig.data.baseRateWad))} + {fmtPct(annualize(poolConfig.data.slope1Wad))} up to the{' '}
            {fmtPct(poolConfig.data.kinkWad)} kink, + {fmtPct(annualize(poolConfig.data.slope2Wad))} above (APR). Solvency: reserved ≤{' '}
            {poolConfig.data.maxUtilizationBps / 100}% of pool cash. Keeper share of the liquidation fee: {poolConfig.data.keeperShareBps / 100}%.
          </p>
        )}
        <table className="num w-full min-w-[800px] text-left text-xs">
          <TableHead columns={['Market', 'Max oracle age', 'Fees open/close', 'Liq. fee', 'Max lev.', 'Profit cap', 'MMR floor', 'z', 'Horizon', 'σ memory τ', 'IMR ×', 'OI caps L/S']} />
          <tbody>
            {(markets.data ?? []).map((m, i) => (
              <tr key={i} className="border-t border-zinc-800">
                <td className="py-1 pr-3">{bytes32ToString(m.name)}</td>
                <td className="pr-3">{m.config.maxPriceAgeSec} s</td>
                <td className="pr-3">
                  {m.config.openFeeBps}/{m.config.closeFeeBps} bps
                </td>
                <td className="pr-3">{m.config.liquidationFeeBps} bps</td>
                <td className="pr-3">{m.config.maxLeverage}x</td>
                <td className="pr-3">{m.config.maxProfitBps / 100}%</td>
                <td className="pr-3">{fmtPct(m.config.mmrFloorWad)}</td>
                <td className="pr-3">{(Number(m.config.zWad) / 1e18).toFixed(2)}</td>
                <td className="pr-3">{m.config.horizonSec / 60} min</td>
                <td className="pr-3">{Number(m.config.volTauSec) / 60} min</td>
                <td className="pr-3">{(Number(m.config.imrMultiplierWad) / 1e18).toFixed(2)}</td>
                <td className="pr-3">
                  {fmtUsd(m.config.maxLongOiUsd, 0)} / {fmtUsd(m.config.maxShortOiUsd, 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-zinc-400">
          Oracles: prices older than the market&apos;s max age, in the future, zero or negative, at a Chainlink feed&apos;s min/max answer bounds,
          while an L2 sequencer is down or within its grace period, or with a Pyth confidence wider than its bound are rejected; one price per
          transaction; σ is a continuous-time EWMA of log returns updated on every new price.
        </p>
      </section>
    </div>
  );
}
