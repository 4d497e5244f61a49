'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type LpIncome, type WindowName, type WindowTotals } from '@/lib/api/client';
import { fmtPct, fmtSignedUsd, SECONDS_PER_YEAR } from '@/lib/format';

/** Below this much history an annualized rate says more about noise than about the pool. */
const MIN_ANNUALIZE_SEC = 3600;
const WINDOW_LABEL: Record<WindowName, string> = { '24h': 'last 24 h', '7d': 'last 7 days', all: 'all time' };
const ROWS: [string, keyof LpIncome][] = [
  ['Trading fees and impact', 'tradingFeesUsd'],
  ['Borrow fees', 'borrowFeesUsd'],
  ['Funding imbalance', 'fundingUsd'],
  ['Trader PnL (pool side)', 'traderPnlUsd'],
];

export function duration(sec: number): string {
  if (sec < 3600) return `${Math.max(1, Math.round(sec / 60))} min`;
  if (sec < 2 * 86_400) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86_400).toFixed(1)} days`;
}

/** The span a window's figures really cover: the nominal window once the data reaches back that far. */
export function coverageLabel(w: WindowTotals): string {
  const nominal = w.window === '24h' ? 86_400 : w.window === '7d' ? 7 * 86_400 : null;
  if (nominal !== null && w.coveredSec >= nominal - 60) return WINDOW_LABEL[w.window];
  return `since ${new Date(w.fromSec * 1000).toLocaleString()} (${duration(w.coveredSec)} of data)`;
}

/** When the LP PnL starts more than an hour before its window (its start snapshot is the last valued one before the
 *  window: an indexer outage or an unvalued stretch puts it earlier), that time; undefined when it starts on time. */
export function lpPnlSince(w: Pick<WindowTotals, 'fromSec' | 'lpPnlFromSec'>): string | undefined {
  return w.fromSec - w.lpPnlFromSec > 3600 ? new Date(w.lpPnlFromSec * 1000).toLocaleString() : undefined;
}

/** LP APR by source: realized income over the span the window really covers, annualized over that span. */
export function AprBreakdown({ navUsd }: { navUsd?: bigint }) {
  const [name, setName] = useState<WindowName>('24h');
  const q = useQuery({ queryKey: ['summary'], queryFn: api.summary, refetchInterval: 10_000 });
  const w = q.data?.windows?.find((x) => x.window === name);
  const canAnnualize = !!w && w.coveredSec >= MIN_ANNUALIZE_SEC && !!navUsd && navUsd > 0n;
  const apr = (usd: bigint) => (canAnnualize ? fmtPct((usd * SECONDS_PER_YEAR * 10n ** 18n) / (BigInt(w!.coveredSec) * navUsd!)) : '—');
  const total = w ? ROWS.reduce((t, [, k]) => t + BigInt(w.lpIncomeUsd[k]), 0n) : undefined;
  return (
    <section aria-labelledby="apr-title" className="card">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 id="apr-title" className="text-sm font-semibold text-zinc-300">
          LP APR, annualized
        </h2>
        <div role="group" aria-label="APR window" className="flex gap-1">
          {(['24h', '7d', 'all'] as const).map((n) => (
            <button key={n} type="button" aria-pressed={n === name} onClick={() => setName(n)} className={`rounded px-2 py-0.5 text-xs ${n === name ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300'}`}>
              {n}
            </button>
          ))}
        </div>
      </div>
      {q.isError || (q.data && !q.data.windows) ? (
        <p className="text-sm text-amber-400">Activity unavailable (indexer not reachable).</p>
      ) : !w ? (
        <div className="skeleton h-20 w-full" />
      ) : (
        <>
          <p className="mb-2 text-xs text-zinc-400" data-testid="apr-window">
            Covers {coverageLabel(w)}
            {!canAnnualize && w.coveredSec < MIN_ANNUALIZE_SEC && <>: too little history to annualize (at least {duration(MIN_ANNUALIZE_SEC)} needed); amounts only</>}.
          </p>
          {/* to the LPs: + is income, − is a loss (traders' net gains) */}
          <dl className="grid grid-cols-[1fr_auto_auto] gap-x-3 gap-y-1 text-xs">
            <dt className="sr-only">Source</dt>
            <dd className="col-start-2 text-right text-zinc-400">to LPs</dd>
            <dd className="text-right text-zinc-400">APR</dd>
            {ROWS.map(([label, k]) => (
              <div key={k} className="contents">
                <dt className="text-zinc-400">{label}</dt>
                <dd className="num text-right">{fmtSignedUsd(BigInt(w.lpIncomeUsd[k]))}</dd>
                <dd className="num text-right text-zinc-400">{apr(BigInt(w.lpIncomeUsd[k]))}</dd>
              </div>
            ))}
            <dt className="font-medium text-zinc-300">Total realized</dt>
            <dd className="num text-right font-medium">{fmtSignedUsd(total)}</dd>
            <dd className="num text-right font-medium" data-testid="pool-apr">
              {total !== undefined ? apr(total) : '—'}
            </dd>
            <dt className="text-zinc-400">LP PnL, NAV based</dt>
            <dd className="num text-right" data-testid="pool-lp-pnl" title="NAV now − NAV at the window's start − net deposits: realized and unrealized, options included">
              {w.lpPnlUsd === null ? '—' : fmtSignedUsd(BigInt(w.lpPnlUsd))}
              {w.lpPnlUsd !== null && lpPnlSince(w) && <span className="block text-[10px] text-amber-400">since {lpPnlSince(w)}</span>}
            </dd>
            <dd />
          </dl>
        </>
      )}
      <p className="mt-2 text-xs text-zinc-400">Realized perpetuals income; unrealized trader PnL and options move the NAV (LP PnL above).</p>
    </section>
  );
}
