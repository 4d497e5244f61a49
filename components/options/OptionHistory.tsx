'use client';

import { useQuery } from '@tanstack/react-query';
import { useAccount } from 'wagmi';
import { HistoryCard } from '@/components/common/HistoryCard';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { api, type OptionHistoryRow } from '@/lib/api/client';
import { fmtPct, fmtPrice, fmtUsd } from '@/lib/format';

/** What a history row did, in words: a claim of a settled option that paid nothing says it expired worthless. */
export function optionAction(r: Pick<OptionHistoryRow, 'kind' | 'usd'>): string {
  if (r.kind === 'buy') return 'Buy';
  if (r.kind === 'sell') return 'Sell back';
  return BigInt(r.usd) === 0n ? 'Expired worthless' : 'Payoff claimed';
}

/** The connected wallet's option purchases, sales back and claimed payoffs on every market, newest first, from the
 *  indexer: an option claimed (or cleared as worthless) leaves "Your options" and stays here. */
export function OptionHistory() {
  const { address } = useAccount();
  const names = useContracts().markets.map((m) => m.name);
  const q = useQuery({ queryKey: ['option-history', address], enabled: !!address, queryFn: () => api.optionHistory(address!, 50), refetchInterval: 4000 });
  return (
    <HistoryCard id="option-history-title" title="Option history" address={address} q={q} empty="No option trades yet.">
      {(rows) => (
        <table className="num w-full min-w-[760px] text-left text-xs" data-testid="option-history">
          <TableHead columns={['Time', 'Market', 'Expiry (UTC)', 'Option', 'Action', 'Amount', 'Premium / payoff', 'At']} />
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.tx_hash}-${r.kind}-${r.boardId}-${r.strikeWad}-${r.isCall}`} className="border-t border-zinc-800" data-testid="option-history-row">
                <td className="py-1 pr-3">{new Date(Number(r.timestamp) * 1000).toLocaleString()}</td>
                <td className="pr-3">{r.marketId === null ? '—' : (names[r.marketId] ?? r.marketId)}</td>
                <td className="pr-3">{r.expiry === null ? '—' : new Date(Number(r.expiry) * 1000).toUTCString().slice(5, 22)}</td>
                <td className="pr-3">
                  {r.strikeWad === null ? '—' : fmtPrice(BigInt(r.strikeWad), 0)} {r.isCall ? 'call' : 'put'}
                </td>
                <td className="pr-3" data-testid="option-history-action">
                  {optionAction(r)}
                </td>
                <td className="pr-3">{fmtPrice(BigInt(r.amountWad), 4)}</td>
                <td className={`pr-3 ${r.kind === 'buy' ? 'text-rose-400' : BigInt(r.usd) > 0n ? 'text-emerald-400' : ''}`}>
                  {r.kind === 'buy' ? '−' : r.kind === 'sell' || BigInt(r.usd) > 0n ? '+' : ''}
                  {fmtUsd(BigInt(r.usd))}
                </td>
                <td className="pr-3">
                  {r.kind === 'claim'
                    ? r.settlementPriceWad === null
                      ? '—'
                      : `settled at ${fmtPrice(BigInt(r.settlementPriceWad))}`
                    : `spot ${fmtPrice(BigInt(r.spotWad!))}, IV ${fmtPct(BigInt(r.ivWad!), 1)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </HistoryCard>
  );
}
