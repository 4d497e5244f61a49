'use client';

import { useQuery } from '@tanstack/react-query';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { api, type TopPosition } from '@/lib/api/client';
import { fmtLev, fmtLiquidationPrice, fmtPct, fmtUsd } from '@/lib/format';
import { AccountPositionCells } from './AccountLink';

/** The book's largest positions and those closest to liquidation, valued live from the chain. */
export function TopPositions() {
  const q = useQuery({ queryKey: ['top-positions'], queryFn: () => api.topPositions(10), refetchInterval: 5000 });
  const c = useContracts();
  return (
    <section aria-labelledby="top-title" className="card" data-testid="top-positions">
      <h2 id="top-title" className="mb-2 text-sm font-semibold text-zinc-300">
        Top positions {q.data && <span className="font-normal text-zinc-400">({q.data.openPositions} open)</span>}
      </h2>
      {q.data && q.data.staleMarkets.length > 0 && (
        <p className="mb-2 text-xs text-amber-400">
          Not valued (no fresh price): {q.data.staleMarkets.map((id) => c.markets.find((m) => m.id === id)?.name ?? id).join(', ')}.
        </p>
      )}
      {q.isError ? (
        <p className="text-sm text-amber-400">Positions unavailable: {(q.error as Error).message}</p>
      ) : !q.data ? (
        <div className="skeleton h-24 w-full" />
      ) : (
        <div className="grid gap-4 xl:grid-cols-2">
          <PositionTable title="By size" rows={q.data.bySize} testId="top-by-size" />
          <PositionTable title="Closest to liquidation" rows={q.data.byRisk} testId="top-by-risk" />
        </div>
      )}
    </section>
  );
}

function PositionTable({ title, rows, testId }: { title: string; rows: TopPosition[]; testId: string }) {
  const c = useContracts();
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={`Top positions ${title.toLowerCase()}`} data-testid={testId}>
      <h3 className="label">{title}</h3>
      {rows.length === 0 ? (
        <p className="text-xs text-zinc-400">No open positions.</p>
      ) : (
        <table className="num w-full min-w-[640px] text-left text-xs">
          <TableHead columns={['Account', 'Market', 'Size', 'Leverage', 'PnL', 'Liq. price', 'To liquidation']} />
          <tbody>
            {rows.map((p) => (
              <tr key={`${p.account}-${p.marketId}-${p.isLong}`} className="border-t border-zinc-800">
                <AccountPositionCells account={p.account} market={c.markets.find((m) => m.id === p.marketId)?.name ?? p.marketId} isLong={p.isLong} />
                <td className="pr-3">{fmtUsd(BigInt(p.sizeUsd), 0)}</td>
                <td className="pr-3">{BigInt(p.leverageWad) > 0n ? fmtLev(BigInt(p.leverageWad)) : '—'}</td>
                <td className={`pr-3 ${BigInt(p.pnlUsd) >= 0n ? 'text-emerald-400' : 'text-rose-400'}`}>{fmtUsd(BigInt(p.pnlUsd))}</td>
                <td className="pr-3">{fmtLiquidationPrice(p.isLong, BigInt(p.liquidationPriceWad))}</td>
                <td className={`pr-3 ${p.liquidatable ? 'text-rose-400' : ''}`} title="price move to the liquidation price, toward it">
                  {p.liquidatable ? 'liquidatable' : fmtPct(BigInt(p.distanceToLiquidationWad))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
