'use client';

import { useQuery } from '@tanstack/react-query';
import { Stat, TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { api } from '@/lib/api/client';
import { fmtPrice, fmtUsd } from '@/lib/format';

const usd = (s: string | null | undefined) => (s === null || s === undefined ? undefined : BigInt(s));

/** Options from indexed events: the pool's premium income (premiums in less premiums paid on sales back) against the
 *  payoffs it owed at settlement, and open interest per board and type. */
export function OptionsBoards() {
  const c = useContracts();
  const q = useQuery({ queryKey: ['api-options'], queryFn: () => api.options(), refetchInterval: 5000 });
  const d = q.data;
  // the chain's clock (the API's 24 h window ends there), not the browser's: a local chain's can run days ahead
  const now = d ? d.last24hFromSec + 86_400 : Date.now() / 1000;
  const boards = (d?.boards ?? []).filter((b) => !b.settled || Number(b.expiry) > now - 7 * 86_400);
  return (
    <section aria-labelledby="options-title" className="card overflow-x-auto" tabIndex={0} data-testid="analytics-options">
      <h2 id="options-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Options: premium income and open interest per board
      </h2>
      <p className="mb-2 text-xs text-zinc-400">Open interest in tokens of the market&apos;s asset, on boards not yet settled; a settled board&apos;s holders claim its payoffs.</p>
      {q.error && <p className="text-sm text-amber-400">Options data unavailable: {(q.error as Error).message}</p>}
      <dl className="mb-3 grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Stat label="Premium income, all time" testId="options-premium-income" value={d ? fmtUsd(usd(d.totals.premiumIncomeUsd)) : undefined} hint="premiums in − premiums paid back on sales" />
        <Stat label="Premium income, 24 h" value={d ? fmtUsd(usd(d.totals.premiumIncomeSinceUsd)) : undefined} />
        <Stat label="Payoffs owed at settlement" value={d ? fmtUsd(usd(d.totals.payoutsUsd)) : undefined} />
        <Stat label="Net, settled and open" value={d ? fmtUsd(BigInt(d.totals.premiumIncomeUsd) - BigInt(d.totals.payoutsUsd)) : undefined} hint="premium income − payoffs owed (open options are still a liability: see the pool page)" />
      </dl>
      {d && boards.length < d.boards.length && (
        <p className="mb-2 text-xs text-zinc-400" data-testid="options-boards-hidden">
          {d.boards.length - boards.length} board{d.boards.length - boards.length > 1 ? 's' : ''} settled more than 7 days ago not listed below; the totals above include them.
        </p>
      )}
      {d && boards.length === 0 ? (
        <p className="text-sm text-zinc-400">{d.boards.length === 0 ? 'No boards listed yet.' : 'No board open or settled in the last 7 days.'}</p>
      ) : (
        <table className="w-full text-left text-xs">
          <TableHead columns={['Market', 'Expiry (UTC)', 'Strikes', 'Call OI', 'Put OI', 'Premiums in', 'Paid back', 'Settlement', 'Payoffs']} />
          <tbody>
            {boards.map((b) => (
              <tr key={b.boardId} className="border-t border-zinc-800/60">
                <td className="py-1 pr-3">{c.markets.find((m) => m.id === b.marketId)?.name ?? b.marketId}</td>
                <td className="py-1 pr-3">{new Date(Number(b.expiry) * 1000).toUTCString().slice(5, 22)}</td>
                <td className="num py-1 pr-3">
                  {fmtPrice(BigInt(b.firstStrikeWad), 0)}–{fmtPrice(BigInt(b.firstStrikeWad) + BigInt(b.strikeStepWad) * BigInt(b.strikeCount - 1), 0)}
                </td>
                {/* a settled board's holdings are claims at a known payoff, no longer open risk (review BP) */}
                <td className="num py-1 pr-3">{b.settled ? '—' : fmtPrice(BigInt(b.callOiWad), 3)}</td>
                <td className="num py-1 pr-3">{b.settled ? '—' : fmtPrice(BigInt(b.putOiWad), 3)}</td>
                <td className="num py-1 pr-3">{fmtUsd(BigInt(b.premiumsInUsd))}</td>
                <td className="num py-1 pr-3">{fmtUsd(BigInt(b.premiumsOutUsd))}</td>
                <td className="num py-1 pr-3">{b.settled && b.settlementPriceWad ? fmtPrice(BigInt(b.settlementPriceWad)) : Number(b.expiry) <= now ? 'awaiting settlement' : 'open'}</td>
                <td className="num py-1 pr-3">{b.settled ? fmtUsd(BigInt(b.payoutUsd)) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
