'use client';

import { useQuery } from '@tanstack/react-query';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { api } from '@/lib/api/client';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { AccountLink } from './AccountLink';

/** Recent liquidations from the index: when, whose, what, at which price and PnL, the keeper's reward, the trader's
 *  refund and any bad debt. */
export function LiquidationsTable() {
  const c = useContracts();
  const q = useQuery({ queryKey: ['liquidations'], queryFn: () => api.liquidations(50), refetchInterval: 5000 });
  return (
    <section aria-labelledby="liqs-title" className="card overflow-x-auto" tabIndex={0} data-testid="liquidations-table">
      <h2 id="liqs-title" className="mb-2 text-sm font-semibold text-zinc-300">
        Liquidations
      </h2>
      {q.isError ? (
        <p className="text-sm text-amber-400">Liquidations unavailable (indexer not reachable).</p>
      ) : !q.data ? (
        <div className="skeleton h-16 w-full" />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-zinc-400">No liquidations yet.</p>
      ) : (
        <table className="num w-full min-w-[900px] text-left text-xs">
          <TableHead columns={['Time', 'Account', 'Market', 'Size', 'Price', 'PnL', 'Equity', 'Keeper reward', 'Refund to trader', 'Bad debt']} />
          <tbody>
            {q.data.map((l) => {
              const r = l.args.result;
              return (
                <tr key={`${l.tx_hash}-${l.account}-${l.market_id}-${l.is_long}`} className="border-t border-zinc-800" data-tx={l.tx_hash}>
                  <td className="py-1 pr-3">{new Date(Number(l.timestamp) * 1000).toLocaleString()}</td>
                  <td className="pr-3">
                    <AccountLink account={l.account} />
                  </td>
                  <td className="pr-3">
                    {c.markets.find((m) => m.id === l.market_id)?.name ?? `market ${l.market_id}`} {l.is_long ? 'long' : 'short'}
                  </td>
                  <td className="pr-3">{fmtUsd(BigInt(r.sizeUsd), 0)}</td>
                  <td className="pr-3">{fmtPrice(BigInt(r.priceWad))}</td>
                  {/* the capped PnL at the liquidation price: a margin-rate jump alone never liquidates a winner (P-64) */}
                  <td className={`pr-3 ${BigInt(r.pnlUsd) > 0n ? 'text-emerald-400' : ''}`} data-testid="liq-pnl" data-wei={String(r.pnlUsd)}>
                    {fmtUsd(BigInt(r.pnlUsd))}
                  </td>
                  <td className="pr-3">{fmtUsd(BigInt(r.equityUsd))}</td>
                  <td className="pr-3">{fmtUsd(BigInt(r.keeperRewardUsd))}</td>
                  <td className="pr-3">{fmtUsd(BigInt(r.traderRefundUsd))}</td>
                  <td className={`pr-3 ${BigInt(r.badDebtUsd) > 0n ? 'text-rose-400' : ''}`}>{fmtUsd(BigInt(r.badDebtUsd))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
