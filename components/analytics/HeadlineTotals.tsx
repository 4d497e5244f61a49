'use client';

import { useQuery } from '@tanstack/react-query';
import { api, type WindowTotals } from '@/lib/api/client';
import { fmtUsd } from '@/lib/format';
import { coverageLabel, lpPnlSince } from '@/components/pool/AprBreakdown';

const ROWS: [string, (w: WindowTotals) => string, string][] = [
  ['Volume', (w) => fmtUsd(BigInt(w.volumeUsd), 0), 'notional opened, closed and liquidated'],
  ['Fees paid to the pool', (w) => fmtUsd(BigInt(w.feesUsd)), 'open/close fees, price impact, borrow and funding'],
  ["Traders' PnL (realized)", (w) => fmtUsd(BigInt(w.traderPnlUsd)), 'closes, less what liquidations kept, plus what closes left as bad debt (as the pool settled them); positive when traders won'],
  ["LPs' PnL", (w) => (w.lpPnlUsd === null ? '—' : `${fmtUsd(BigInt(w.lpPnlUsd))}${lpPnlSince(w) ? ` (since ${lpPnlSince(w)})` : ''}`), 'NAV now − NAV at the start − net deposits: realized and unrealized, options included'],
  ['Trades', (w) => w.trades.toLocaleString('en-US'), ''],
  ['Liquidations', (w) => w.liquidations.toLocaleString('en-US'), ''],
  ['Bad debt', (w) => fmtUsd(BigInt(w.badDebtUsd)), 'losses beyond collateral, absorbed by the pool'],
];

/** Volume, fees, traders' and LPs' PnL over 24 h, 7 d and all time, each saying what span its data covers. */
export function HeadlineTotals() {
  const q = useQuery({ queryKey: ['summary'], queryFn: api.summary, refetchInterval: 10_000 });
  const windows = q.data?.windows;
  return (
    <section aria-labelledby="totals-title" className="card overflow-x-auto" tabIndex={0} data-testid="headline-totals">
      <h2 id="totals-title" className="mb-2 text-sm font-semibold text-zinc-300">
        Totals
      </h2>
      {q.isError || (q.data && !windows) ? (
        <p className="text-sm text-amber-400">Totals unavailable (indexer not reachable).</p>
      ) : !windows ? (
        <div className="skeleton h-24 w-full" />
      ) : (
        <table className="num w-full min-w-[560px] text-left text-sm">
          <thead className="text-xs text-zinc-400">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium" />
              {windows.map((w) => (
                <th key={w.window} scope="col" className="py-1 pr-3 text-right font-medium" title={`covers ${coverageLabel(w)}`}>
                  {w.window === 'all' ? 'All time' : w.window}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ROWS.map(([label, cell, hint]) => (
              <tr key={label} className="border-t border-zinc-800">
                <th scope="row" className="py-1 pr-3 text-left font-normal text-zinc-400" title={hint}>
                  {label}
                </th>
                {windows.map((w) => (
                  <td key={w.window} className="py-1 pr-3 text-right" data-testid={`total-${w.window}-${label}`}>
                    {cell(w)}
                  </td>
                ))}
              </tr>
            ))}
            <tr className="border-t border-zinc-800 text-xs text-zinc-400">
              <th scope="row" className="py-1 pr-3 text-left font-normal">
                Data covers
              </th>
              {windows.map((w) => (
                <td key={w.window} className="py-1 pr-3 text-right">
                  {coverageLabel(w)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
