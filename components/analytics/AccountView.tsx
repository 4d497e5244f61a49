'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { isAddress } from 'viem';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { TradeHistory } from '@/components/trade/TradeHistory';
import { useEntryPrices } from '@/components/trade/useEntryPrices';
import { api } from '@/lib/api/client';
import { fmtLev, fmtLiquidationPrice, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';

/** One account as analysts see it: its open positions valued now and its trade and liquidation history. */
export function AccountView({ address }: { address: string }) {
  const c = useContracts();
  const valid = isAddress(address, { strict: false });
  const q = useQuery({ queryKey: ['account-positions', address], enabled: valid, queryFn: () => api.accountPositions(address), refetchInterval: 5000 });
  // the entry as /trade shows it: the average execution price of the fills, impact included (the oracle entry until
  // the history reaches the position's opening)
  const entries = useEntryPrices(
    (q.data?.positions ?? []).map((p) => ({ marketId: BigInt(p.marketId), isLong: p.isLong, position: { sizeUsd: BigInt(p.sizeUsd) } })),
    valid ? address : undefined,
  );
  if (!valid) {
    return (
      <p role="alert" className="card text-sm text-rose-400">
        “{address}” is not an address (0x and 40 hex digits).
      </p>
    );
  }
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-semibold text-zinc-50">
          Account <span className="num text-base text-zinc-300">{q.data?.account ?? address}</span>
        </h1>
        <Link href="/analytics" className="text-sm text-teal-300 hover:underline">
          ← Pool health
        </Link>
      </div>
      <section aria-labelledby="acct-positions" className="card overflow-x-auto" tabIndex={0} data-testid="account-positions">
        <h2 id="acct-positions" className="mb-2 text-sm font-semibold text-zinc-300">
          Open positions
        </h2>
        {q.isError ? (
          <p className="text-sm text-amber-400">Positions unavailable: {(q.error as Error).message}</p>
        ) : !q.data ? (
          <div className="skeleton h-12 w-full" />
        ) : q.data.positions.length === 0 ? (
          <p className="text-sm text-zinc-400">No open positions.</p>
        ) : (
          <table className="num w-full min-w-[760px] text-left text-xs">
            <TableHead columns={['Market', 'Size', 'Collateral', 'Entry', 'PnL', 'Equity', 'Leverage', 'Liq. price', 'To liquidation']} />
            <tbody>
              {q.data.positions.map((p) => (
                <tr key={`${p.marketId}-${p.isLong}`} className="border-t border-zinc-800">
                  <td className="py-1 pr-3">
                    {c.markets.find((m) => m.id === p.marketId)?.name ?? p.marketId} {p.isLong ? 'long' : 'short'}
                  </td>
                  <td className="pr-3">{fmtUsd(BigInt(p.sizeUsd), 0)}</td>
                  <td className="pr-3">{fmtUsd(BigInt(p.collateralUsd))}</td>
                  <td className="pr-3" title={entries.has(`${p.marketId}:${p.isLong}`) ? 'average execution price of the fills, impact included' : 'oracle price at entry: the fills are not indexed yet'}>
                    {fmtPrice(entries.get(`${p.marketId}:${p.isLong}`) ?? BigInt(p.entryPriceWad))}
                  </td>
                  <td className={`pr-3 ${BigInt(p.pnlUsd) >= 0n ? 'text-emerald-400' : 'text-rose-400'}`}>{fmtUsd(BigInt(p.pnlUsd))}</td>
                  <td className="pr-3">{fmtUsd(BigInt(p.equityUsd))}</td>
                  <td className="pr-3">{BigInt(p.leverageWad) > 0n ? fmtLev(BigInt(p.leverageWad)) : '—'}</td>
                  <td className="pr-3">{fmtLiquidationPrice(p.isLong, BigInt(p.liquidationPriceWad))}</td>
                  <td className="pr-3">{p.liquidatable ? 'liquidatable' : fmtPct(BigInt(p.distanceToLiquidationWad))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <TradeHistory account={address} />
    </div>
  );
}
