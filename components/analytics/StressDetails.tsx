'use client';

import { TableHead } from '@/components/common/Stat';
import type { StressResult } from '@/lib/api/client';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { AccountPositionCells } from './AccountLink';

/** The shock a run applied, in words: each market's move and the price it moved to, the σ multiplier and how long it
 *  lasted, the LP run (a named scenario is expanded over the listed markets, so this is what it stood for). */
export function StressApplied({ r, names }: { r: StressResult; names: string[] }) {
  const moves = Object.entries(r.shock.priceBps).filter(([, bps]) => bps !== 0);
  const parts = [
    ...moves.map(([id, bps]) => `${names[Number(id)] ?? `market ${id}`} ${bps > 0 ? '+' : ''}${(bps / 100).toFixed(2)}% to ${fmtPrice(BigInt(r.shockedPricesWad[id] ?? '0'))}`),
    r.shock.volMultiplier !== 1 ? `σ ×${r.shock.volMultiplier}${r.shock.hours ? ` for ${r.shock.hours} h` : ' (the instant of the shock)'}` : undefined,
    r.shock.cashOutflowBps > 0 ? `LPs ask for ${(r.shock.cashOutflowBps / 100).toFixed(2)}% of pool cash` : undefined,
  ].filter((x): x is string => x !== undefined);
  return (
    <p className="mt-3 text-xs text-zinc-300" data-testid="stress-applied">
      Applied: {parts.length > 0 ? parts.join('; ') : 'no shock (the book as it is)'}.
    </p>
  );
}

/** The positions a run liquidates, the least equity first: who, where, their size and their equity at the shock. */
export function StressLiquidated({ r, names }: { r: StressResult; names: string[] }) {
  if (r.liquidated.length === 0) return null;
  // the API lists them by equity, the least first
  const rows = r.liquidated.slice(0, 20);
  return (
    <div className="mt-3 overflow-x-auto" tabIndex={0} role="region" aria-label="Positions the shock liquidates (scrolls sideways)">
      <table className="num w-full min-w-[480px] text-left text-xs" data-testid="stress-liquidated-list">
        <TableHead columns={['Account', 'Position', 'Size', 'Equity at the shock']} />
        <tbody>
          {rows.map((p) => (
            <tr key={`${p.account}-${p.marketId}-${p.isLong}`} className="border-t border-zinc-800">
              <AccountPositionCells account={p.account} market={names[p.marketId] ?? p.marketId} isLong={p.isLong} />
              <td className="pr-3">{fmtUsd(BigInt(p.sizeUsd))}</td>
              <td className={`pr-3 ${BigInt(p.equityUsd) < 0n ? 'text-rose-400' : ''}`}>{fmtUsd(BigInt(p.equityUsd))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.positionsLiquidated > rows.length && <p className="mt-1 text-xs text-zinc-400">and {r.positionsLiquidated - rows.length} more (the least equity shown first)</p>}
    </div>
  );
}
