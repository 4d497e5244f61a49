'use client';

import { fmtDelta, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';
import { quoteOption } from '@/lib/math/options';
import { boardCfg, markOf, type BoardRow, type OptionsData } from './useOptionsData';

export interface Selection {
  boardId: bigint;
  expiry: bigint;
  strikeIndex: bigint;
  strikeWad: bigint;
  isCall: boolean;
  isBuy: boolean;
  callCapBps: bigint;
  topStrikeWad: bigint;
}

const ONE = 10n ** 18n;
/** Header positions of the Δ and IV columns: a phone shows bid, strike and ask only, so the chain fits without scrolling. */
const GREEK_COLUMNS = new Set([0, 1, 7, 8]);
const GREEK_CELL = 'num hidden py-0.5 pr-2 text-right text-zinc-400 sm:table-cell';

function safeQuote(d: OptionsData, b: BoardRow, strikeWad: bigint, isCall: boolean, isBuy: boolean) {
  try {
    return quoteOption(b, strikeWad, isCall, isBuy, ONE, boardCfg(d, b.callCapBps), d.ctx).premiumUsd;
  } catch {
    return undefined;
  }
}

/** One board's chain: per strike, each side's bid and ask for one whole token (impact included), mid IV and delta.
 *  Clicking a price selects that trade. Prices come from the TS mirror of OptionsBook.quote. */
export function OptionsChain({ d, board, selected, onSelect }: { d: OptionsData; board: BoardRow; selected?: Selection; onSelect: (s: Selection) => void }) {
  const spot = d.ctx.spotWad;
  const cell = (strikeIndex: number, isCall: boolean, isBuy: boolean) => {
    const strikeWad = board.strikes[strikeIndex];
    const premium = safeQuote(d, board, strikeWad, isCall, isBuy);
    const active = selected?.boardId === board.id && selected.strikeIndex === BigInt(strikeIndex) && selected.isCall === isCall && selected.isBuy === isBuy;
    return (
      <td className="py-0.5 pr-2">
        <button
          type="button"
          data-testid={`chain-${isBuy ? 'ask' : 'bid'}-${isCall ? 'call' : 'put'}-${strikeIndex}`}
          disabled={premium === undefined || (!isBuy && premium < 5_000n)} // a bid under half a cent shows as $0.00: nothing to sell for
          onClick={() => onSelect({ boardId: board.id, expiry: board.expiry, strikeIndex: BigInt(strikeIndex), strikeWad, isCall, isBuy, callCapBps: board.callCapBps, topStrikeWad: board.topStrikeWad })}
          className={`num w-full rounded px-1.5 py-0.5 text-right ${active ? 'bg-teal-500 text-zinc-950' : isBuy ? 'text-rose-300 hover:bg-zinc-800' : 'text-emerald-300 hover:bg-zinc-800'} disabled:opacity-40`}
          aria-label={`${isBuy ? 'Buy' : 'Sell'} ${isCall ? 'call' : 'put'} ${fmtPrice(strikeWad, 0)} at ${fmtUsd(premium)}`}
        >
          {fmtUsd(premium)}
        </button>
      </td>
    );
  };
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Option chain (scrolls sideways)">
      <table className="w-full text-left text-xs" data-testid="options-chain">
        <thead className="text-zinc-400">
          <tr>
            <th scope="col" className="hidden py-1 pr-2 font-medium sm:table-cell" colSpan={4}>
              Calls (payout capped at {Number(board.callCapBps) / 100}% of strike)
            </th>
            <th scope="col" className="py-1 pr-2 font-medium sm:hidden" colSpan={2}>
              Calls (capped at {Number(board.callCapBps) / 100}%)
            </th>
            <th scope="col" className="py-1 pr-2 text-center font-medium">
              Strike
            </th>
            <th scope="col" className="hidden py-1 pr-2 font-medium sm:table-cell" colSpan={4}>
              Puts
            </th>
            <th scope="col" className="py-1 pr-2 font-medium sm:hidden" colSpan={2}>
              Puts
            </th>
          </tr>
          <tr>
            {['Δ', 'IV', 'Bid', 'Ask', '', 'Bid', 'Ask', 'IV', 'Δ'].map((h, i) => (
              <th key={i} scope="col" className={`py-1 pr-2 text-right font-normal ${GREEK_COLUMNS.has(i) ? 'hidden sm:table-cell' : ''}`}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {board.strikes.map((k, i) => {
            const call = markOf(d, board.expiry, k, true, board.callCapBps);
            const put = markOf(d, board.expiry, k, false, board.callCapBps);
            const atm = i > 0 && board.strikes[i - 1] < spot && k >= spot;
            return (
              <tr key={i} className={`border-t border-zinc-800/60 ${atm ? 'border-t-teal-700' : ''}`}>
                <td className={GREEK_CELL}>{fmtDelta(call.greeks.deltaWad)}</td>
                <td className={GREEK_CELL}>{fmtPct(call.iv, 1)}</td>
                {cell(i, true, false)}
                {cell(i, true, true)}
                <td className={`num py-0.5 pr-2 text-center font-medium ${k < spot ? 'text-zinc-100' : 'text-zinc-300'}`}>{fmtPrice(k, 0)}</td>
                {cell(i, false, false)}
                {cell(i, false, true)}
                <td className={GREEK_CELL}>{fmtPct(put.iv, 1)}</td>
                <td className={GREEK_CELL}>{fmtDelta(put.greeks.deltaWad)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-zinc-400">
        Prices per 1 token, impact included: buy at the ask (red), sell back at the bid (green). IV is the mid (shown with Δ on wider screens). Each side is priced at the spot moved {(Number(d.ctx.lagBps) / 100).toFixed(2)}% against the trader (the most the oracle can lag the market: without it a trader who sees the next price first would trade on the stale one), at ±{(Number(d.cfg.spreadVolWad) / 1e16).toFixed(1)} volatility points (the implied volatility plus or minus that much), and after a move since the last volatility sample on the side of the next sample's surface that favours the pool. Near expiry the lag is most of the spread.
      </p>
    </div>
  );
}
