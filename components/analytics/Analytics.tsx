'use client';

import { useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { useReaderView } from '@/components/common/useReaderView';
import { bytes32ToString, SECONDS_PER_YEAR } from '@/lib/format';
import { IndexLagNotice } from './IndexLagNotice';
import { AX, Chart, n, RANGES, tickFor, TIME_AX, TT, useActivity, useHistory, type Point } from './charts';
import { HeadlineTotals } from './HeadlineTotals';
import { LiquidationsTable } from './LiquidationsTable';
import { OptionsBoards } from './OptionsBoards';
import { PoolNow } from './PoolNow';
import { RiskParams } from './RiskParams';
import { StressPanel } from './StressPanel';
import { TopPositions } from './TopPositions';

const barLabel = (sec: number) => (sec % 3600 === 0 ? `${sec / 3600} h` : `${sec / 60} min`);

export function Analytics() {
  const [range, setRange] = useState(RANGES[1]);
  const tick = tickFor(range);
  const [market, setMarket] = useState(0);
  const pool = useHistory(-1, range);
  const mk = useHistory(market, range);
  const activity = useActivity(range);
  const markets = useReaderView('markets', []);

  const poolData = pool.data?.map((p) => ({ t: p.t, utilization: n(p.utilization, 1e16), nav: n(p.nav, 1e6), sharePrice: n(p.share_price, 1e18), reserved: n(p.reserved, 1e6), free: n(p.free_liquidity, 1e6), held: heldBack(p), badDebt: n(p.bad_debt, 1e6) }));
  // σ is indexed over the market's liquidation horizon; analysts read volatility a year: σ_h × √(year / horizon), at the
  // horizon the market has now
  const horizonSec = markets.data?.[market]?.config.horizonSec;
  const perYear = horizonSec ? Math.sqrt(Number(SECONDS_PER_YEAR) / Number(horizonSec)) : null;
  const mkData = mk.data?.map((p) => ({
    t: p.t,
    long: n(p.long_oi, 1e6),
    short: n(p.short_oi, 1e6),
    net: n(p.net_exposure, 1e6),
    funding: n(p.funding_rate, 1e16 / Number(SECONDS_PER_YEAR)),
    borrow: n(p.borrow_rate, 1e16 / Number(SECONDS_PER_YEAR)),
    sigma: n(p.sigma, 1e16),
    sigmaYear: perYear === null || p.sigma === null || p.sigma === undefined ? null : (n(p.sigma, 1e16) ?? 0) * perYear,
    mmr: n(p.mmr, 1e16),
    maxLev: n(p.max_leverage, 1e18),
    // the pool's side: short the perpetual traders' net tokens and the options traders' delta, at the price (the
    // skew in entry notional is not a delta once the price has moved: review AS). Snapshots indexed before the
    // column existed have none: there the skew stands in, as it did then.
    netDelta:
      p.price === null || p.price === undefined // a gap's blank point has no price: the line breaks there
        ? null
        : p.perp_net_tokens === null || p.perp_net_tokens === undefined
          ? p.net_exposure === null
            ? null
            : -(n(p.net_exposure, 1e6) ?? 0) - (n(p.options_delta, 1e18) ?? 0) * (n(p.price, 1e18) ?? 0)
          : -((n(p.perp_net_tokens, 1e18) ?? 0) + (n(p.options_delta, 1e18) ?? 0)) * (n(p.price, 1e18) ?? 0),
    optionsDelta: p.price === null || p.price === undefined ? null : -((n(p.options_delta, 1e18) ?? 0) * (n(p.price, 1e18) ?? 0)),
    optionsVega: p.options_vega === null || p.options_vega === undefined ? null : -(n(p.options_vega, 1e18) ?? 0) / 100,
    optionsValue: n(p.options_value, 1e18),
  }));
  const actData = activity.data?.map((p) => ({ t: p.t, fees: n(p.feesUsd, 1e6), liquidations: Number(p.liquidations), badDebt: n(p.badDebtUsd, 1e6), traderPnl: n(p.traderPnlUsd, 1e6), lpPnl: -(n(p.traderPnlUsd, 1e6) ?? 0) + (n(p.feesUsd, 1e6) ?? 0) }));
  // A snapshot whose NAV could not be valued (a market's price too old, or an options greek cache beyond its bound)
  // has no NAV: the line breaks there rather than drawing a value the chain would not have used.
  const navGaps = pool.data?.filter((p) => !p.gap && (p.nav === null || p.nav === undefined)).length ?? 0;
  const err = pool.error ?? mk.error ?? activity.error;

  return (
    <div className="grid gap-4">
      <IndexLagNotice />
      <PoolNow />
      <HeadlineTotals />
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
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis {...AX} />
            <Tooltip {...TT} />
            <Area dataKey="utilization" stroke="#f59e0b" fill="#f59e0b33" isAnimationActive={false} />
          </AreaChart>
        </Chart>
        <Chart
          title="NAV (USD) and share price"
          data={poolData}
          testId="chart-nav"
          note={navGaps > 0 ? `${navGaps} of ${poolData?.length} points not valued (a market's price too old, or an options greek cache past its bound): LP deposits and redemptions could not be priced then, so the line breaks.` : undefined}
        >
          <LineChart data={poolData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
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
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis {...AX} width={80} />
            <Tooltip {...TT} />
            <Legend />
            <Line dataKey="long" stroke="#10b981" dot={false} isAnimationActive={false} />
            <Line dataKey="short" stroke="#f43f5e" dot={false} isAnimationActive={false} />
            <Line dataKey="net" name="net at entry notional (pool is short this)" stroke="#eab308" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="Funding (positive: longs pay) and borrow rates (APR %)" data={mkData} testId="chart-rates">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis {...AX} />
            <Tooltip {...TT} />
            <Legend />
            <Line dataKey="funding" stroke="#38bdf8" dot={false} isAnimationActive={false} />
            <Line dataKey="borrow" stroke="#f97316" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title="σ over the liquidation horizon and maintenance margin (%, left); max leverage (x) and σ a year (%, right); for a minimum-size position" data={mkData} testId="chart-risk">
          <LineChart data={mkData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis yAxisId="l" {...AX} />
            <YAxis yAxisId="r" orientation="right" {...AX} />
            <Tooltip {...TT} />
            <Legend />
            <Line yAxisId="l" dataKey="sigma" name="σ_h %" stroke="#e879f9" dot={false} isAnimationActive={false} />
            <Line yAxisId="l" dataKey="mmr" name="maintenance %" stroke="#fb7185" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="maxLev" name="max leverage" stroke="#a3e635" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="sigmaYear" name="σ a year %" stroke="#c084fc" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        <Chart title={`Fees, LP vs trader PnL (USD per ${barLabel(range.barRes)})`} data={actData} testId="chart-pnl">
          <BarChart data={actData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" {...AX} tickFormatter={tick} />
            <YAxis {...AX} width={70} />
            <Tooltip {...TT} />
            <Legend />
            <Bar dataKey="fees" name="perpetuals: fees, impact, borrow, funding" fill="#2dd4bf" isAnimationActive={false} />
            <Bar dataKey="traderPnl" name="trader realized PnL" fill="#f43f5e" isAnimationActive={false} />
            <Bar dataKey="lpPnl" name="LP, perpetuals realized (fees − trader PnL)" fill="#a78bfa" isAnimationActive={false} />
          </BarChart>
        </Chart>
        <Chart title={`Liquidations (count) and bad debt (USD) per ${barLabel(range.barRes)}`} data={actData} testId="chart-liquidations">
          <BarChart data={actData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" {...AX} tickFormatter={tick} />
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
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis yAxisId="l" {...AX} width={80} />
            <YAxis yAxisId="r" orientation="right" {...AX} width={70} />
            <Tooltip {...TT} />
            <Legend />
            <Line yAxisId="l" dataKey="netDelta" name="pool net delta" stroke="#eab308" dot={false} isAnimationActive={false} />
            <Line yAxisId="l" dataKey="optionsDelta" name="of which options" stroke="#38bdf8" dot={false} isAnimationActive={false} />
            <Line yAxisId="r" dataKey="optionsVega" name="options vega" stroke="#e879f9" dot={false} isAnimationActive={false} />
          </LineChart>
        </Chart>
        {/* the three parts add up to the pool's cash (review: reserved + free alone added up to nothing) */}
        <Chart title="Pool cash: reserved, held back, free (USD)" data={poolData} testId="chart-liquidity">
          <AreaChart data={poolData}>
            <CartesianGrid stroke="#27272a" />
            <XAxis dataKey="t" tickFormatter={tick} {...TIME_AX} />
            <YAxis {...AX} width={80} />
            <Tooltip {...TT} />
            <Legend />
            <Area dataKey="reserved" stackId="1" stroke="#f97316" fill="#f9731633" isAnimationActive={false} />
            <Area dataKey="held" name="held back (utilization cap)" stackId="1" stroke="#a1a1aa" fill="#a1a1aa33" isAnimationActive={false} />
            <Area dataKey="free" stackId="1" stroke="#22c55e" fill="#22c55e33" isAnimationActive={false} />
          </AreaChart>
        </Chart>
      </div>
      <TopPositions />
      <LiquidationsTable />
      <OptionsBoards />
      <StressPanel />
      <RiskParams />
    </div>
  );
}

/** The cash neither reserved nor free: what the utilization limit (the borrow curve's kink or the maximum) holds back
 *  so reserved payouts stay within their share of the cash. Null where the snapshot lacks a field. */
function heldBack(p: Point): number | null {
  const [cash, reserved, free] = [p.pool_cash, p.reserved, p.free_liquidity];
  if (cash == null || reserved == null || free == null) return null;
  const held = BigInt(cash) - BigInt(reserved) - BigInt(free);
  return Number(held > 0n ? held : 0n) / 1e6;
}
