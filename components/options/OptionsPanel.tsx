'use client';

import { useState } from 'react';
import { FaucetButton } from '@/components/common/FaucetButton';
import { Stat } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { fmtPct, fmtPrice } from '@/lib/format';
import { tradingPausedBy } from '@/lib/math/options';
import { OptionHistory } from './OptionHistory';
import { OptionPositions } from './OptionPositions';
import { OptionsChain, type Selection } from './OptionsChain';
import { OptionTradeForm } from './OptionTradeForm';
import { useOptionsData, type OptionsData } from './useOptionsData';

const STALE_TEXT: Record<string, string> = {
  Dirty: 'the greek cache is being rebuilt after a trade or settlement',
  TooOld: 'the greek cache is older than its limit',
  PriceMoved: 'the price moved past the cache’s range',
  VolatilityResampled: 'volatility was resampled',
  AwaitingSettlement: 'an expired board waits for settlement',
};

export function OptionsPanel() {
  const c = useContracts();
  const [marketId, setMarketId] = useState(0);
  const [boardIdx, setBoardIdx] = useState(0);
  const [sel, setSel] = useState<Selection | undefined>();
  const q = useOptionsData(marketId);
  const d = q.data;
  const board = d?.boards[Math.min(boardIdx, Math.max(0, (d?.boards.length ?? 1) - 1))];
  const held = sel && d ? d.holdings.find((h) => h.boardId === sel.boardId && h.strikeIndex === sel.strikeIndex && h.isCall === sel.isCall)?.amountWad : undefined;
  return (
    <div className="grid min-w-0 gap-4 [&>*]:min-w-0">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div role="tablist" aria-label="Market" className="flex gap-2">
          {c.markets.map((m) => (
            <button
              key={m.id}
              role="tab"
              aria-selected={m.id === marketId}
              onClick={() => {
                setMarketId(m.id);
                setSel(undefined);
                setBoardIdx(0);
              }}
              className={`rounded px-3 py-1.5 text-sm ${m.id === marketId ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}
            >
              {m.name}
            </button>
          ))}
        </div>
        <FaucetButton />
      </div>
      {q.error && (
        <p role="alert" className="card text-sm text-rose-300">
          Options data unavailable: {(q.error as Error).message.split('\n')[0]}
        </p>
      )}
      {d && (
        <dl className="card grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Stat label="Index price" value={fmtPrice(d.ctx.spotWad)} testId="options-spot" />
          <Stat label="Realized vol (sampled)" value={fmtPct(BigInt(Math.floor(Math.sqrt(Number(d.ctx.varianceWad) * 31_536_000 * 1e18))))} hint="The perpetual market's EWMA volatility, sampled once per interval: the surface's base" />
          <Stat label="Long-run vol" value={fmtPct(BigInt(Math.floor(Math.sqrt(Number(d.ctx.longVarianceWad) * 31_536_000 * 1e18))))} />
          <Stat label="Greek cache" value={d.staleness === 'Fresh' || d.staleness === null ? 'Fresh' : `Refreshing: ${STALE_TEXT[d.staleness] ?? d.staleness}`} hint="LP deposits and redemptions price the options book from this cache; the keeper refreshes it" />
        </dl>
      )}
      <div className="grid min-w-0 gap-4 lg:grid-cols-[1fr_22rem] [&>*]:min-w-0">
        <section className="card" aria-label="Option chain">
          {!d ? (
            <div className="skeleton h-64" />
          ) : !d.enabled ? (
            <p className="text-sm text-zinc-400">Options are not enabled on this market.</p>
          ) : d.boards.length === 0 || !board ? (
            <p className="text-sm text-zinc-400">No board is open for trading yet: the keeper lists boards on the schedule (dailies, Fridays and the month's last Friday, 08:00 UTC).</p>
          ) : (
            <>
              <div role="tablist" aria-label="Expiry" className="mb-3 flex flex-wrap gap-2">
                {d.boards.map((b, i) => (
                  <button key={String(b.id)} role="tab" aria-selected={b.id === board.id} data-testid={`board-tab-${i}`} onClick={() => (setBoardIdx(i), setSel(undefined))} className={`rounded px-2 py-1 text-xs ${b.id === board.id ? 'bg-teal-700 text-white' : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}>
                    {new Date(Number(b.expiry) * 1000).toUTCString().slice(0, 11)} {new Date(Number(b.expiry) * 1000).toISOString().slice(11, 16)} UTC
                  </button>
                ))}
              </div>
              <TradingPaused d={d} />
              <OptionsChain d={d} board={board} selected={sel} onSelect={setSel} />
            </>
          )}
        </section>
        <aside className="card grid content-start gap-4" aria-label="Trade an option">
          {d && sel ? (
            <>
              <OptionTradeForm d={d} s={sel} held={held} onDone={() => undefined} />
            </>
          ) : (
            <p className="text-sm text-zinc-400">Pick a price in the chain: an ask to buy, a bid to sell back.</p>
          )}
        </aside>
      </div>
      <section className="card" aria-label="Your options">
        <h2 className="mb-2 text-sm font-medium text-zinc-300">Your options</h2>
        {d ? <OptionPositions d={d} onSell={setSel} /> : <div className="skeleton h-16" />}
      </section>
      <OptionHistory />
    </div>
  );
}

/** While the greek cache cannot price a trade's impact (past its range, P-108; from an expiry until the settlement and
 *  the refresh after it) every quote and trade on the market waits: the chain's prices show as dashes, and this says why. */
function TradingPaused({ d }: { d: OptionsData }) {
  const stale = tradingPausedBy(d.ctx);
  if (!stale) return null;
  return (
    <p role="status" data-testid="options-paused" className="mb-3 rounded border border-amber-700/60 bg-amber-950/40 px-3 py-2 text-xs text-amber-200">
      Trading waits for the keeper: {stale.message}. A trade&apos;s impact is priced on the greek cache&apos;s delta and vega, which must hold now; the keeper{' '}
      {stale.reason === 'AwaitingSettlement' ? 'settles the board at the first price after its expiry, then refreshes' : 'refreshes it'}, usually within a block or two.
    </p>
  );
}
