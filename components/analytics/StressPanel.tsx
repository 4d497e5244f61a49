'use client';

import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { useState } from 'react';
import { fmtPct, fmtUsd } from '@/lib/format';

export function StressPanel() {
  const [eth, setEth] = useState('-20');
  const [btc, setBtc] = useState('-20');
  const [vol, setVol] = useState('2');
  const [cashOut, setCashOut] = useState('0');
  const run = useMutation({
    mutationFn: api.stress,
  });
  const pct = (s: string) => Math.round(Number(s) * 100);
  const custom = () => run.mutate(`price.0=${pct(eth)}&price.1=${pct(btc)}&vol=${vol}&cashOut=${pct(cashOut)}`);
  const r = run.data;
  return (
    <section aria-labelledby="stress-title" className="card">
      <h2 id="stress-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Stress test on the live book
      </h2>
      <div className="mb-3 flex flex-wrap gap-2">
        {['crash', 'spike', 'volsurge', 'bankrun'].map((s) => (
          <button key={s} className="btn-ghost" onClick={() => run.mutate(`scenario=${s}`)} disabled={run.isPending}>
            {s}
          </button>
        ))}
      </div>
      <form
        className="grid grid-cols-2 gap-3 sm:grid-cols-5"
        onSubmit={(e) => {
          e.preventDefault();
          custom();
        }}
      >
        {[
          ['ETH move %', eth, setEth, 'stress-eth'],
          ['BTC move %', btc, setBtc, 'stress-btc'],
          ['σ multiplier', vol, setVol, 'stress-vol'],
          ['LP cash out %', cashOut, setCashOut, 'stress-cash'],
        ].map(([label, value, set, id]) => (
          <div key={id as string}>
            <label htmlFor={id as string} className="label">
              {label as string}
            </label>
            <input id={id as string} className="input num" value={value as string} onChange={(e) => (set as (v: string) => void)(e.target.value)} />
          </div>
        ))}
        <button className="btn self-end" disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run custom shock'}
        </button>
      </form>
      {run.isError && (
        <p role="alert" className="mt-2 text-xs text-rose-400">
          {(run.error as Error).message}
        </p>
      )}
      {r && (
        <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-7" data-testid="stress-result">
          <div>
            <dt className="text-xs text-zinc-500">NAV after shock</dt>
            <dd className="num">{fmtUsd(BigInt(r.navShockedUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">NAV after liquidations</dt>
            <dd className="num">{fmtUsd(BigInt(r.navAfterLiquidationsUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Positions liquidated</dt>
            <dd className="num" data-testid="stress-liquidated">
              {r.positionsLiquidated} / {r.positionsTotal}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Bad debt</dt>
            <dd className="num">{fmtUsd(BigInt(r.badDebtUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500" title="the asked share of pool cash, capped at the free liquidity LPs may take">
              LP outflow
            </dt>
            <dd className="num">{fmtUsd(BigInt(r.lpOutflowUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Utilization before</dt>
            <dd className="num">{fmtPct(BigInt(r.utilizationBeforeWad))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Utilization after</dt>
            <dd className="num">{fmtPct(BigInt(r.utilizationAfterWad))}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
