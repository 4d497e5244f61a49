'use client';

import { useAccount } from 'wagmi';
import { ReceiverField, useReceiver } from '@/components/common/ReceiverField';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTx } from '@/components/tx/useTx';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { OptionsBookStaleError, payoffWad, quoteOption, toUsdDown, TradingClosedError } from '@/lib/math/options';
import type { Selection } from './OptionsChain';
import { boardCfg, markOf, type Holding, type OptionsData } from './useOptionsData';

function status(d: OptionsData, h: Holding) {
  if (h.settled) {
    const payout = toUsdDown(h.amountWad, payoffWad(h.isCall, h.strikeWad, h.settlementPriceWad, h.callCapBps));
    return { kind: 'settled' as const, value: payout };
  }
  if (h.expiry <= d.ctx.nowSec) return { kind: 'awaiting' as const, value: undefined };
  const mark = toUsdDown(h.amountWad, markOf(d, h.expiry, h.strikeWad, h.isCall, h.callCapBps).greeks.valueWad);
  let bid: bigint | undefined;
  let closed = false;
  let paused = false;
  try {
    bid = quoteOption(h, h.strikeWad, h.isCall, false, h.amountWad, boardCfg(d, h.callCapBps), d.ctx).premiumUsd;
  } catch (e) {
    // past the greek cache's range, sales wait for the keeper's refresh; past the trading cutoff, held to settlement
    paused = e instanceof OptionsBookStaleError;
    closed = e instanceof TradingClosedError;
  }
  return { kind: 'live' as const, value: mark, bid, paused, closed };
}

/** The account's options on this market: mark (mid) value, what selling back pays now, PnL against the net premium
 *  paid; settled ones show their payoff and a Claim button, paid to this wallet or, for a wallet the token refuses, to
 *  another address (claimTo); a worthless one says so, and Clear (a claim of 0) moves it to the history. */
export function OptionPositions({ d, onSell }: { d: OptionsData; onSell: (s: Selection) => void }) {
  const c = useContracts();
  const { send, pending } = useTx();
  const { address } = useAccount();
  const r = useReceiver(address);
  if (d.holdings.length === 0) return <p className="text-sm text-zinc-400">No options on this market yet.</p>;
  // the receiver field is for payouts: a worthless option's claim pays nothing
  const claimable = d.holdings.some((h) => h.settled && status(d, h).value !== 0n);
  const claim = (h: Holding, payout: bigint) => {
    const what = `${fmtPrice(h.strikeWad, 0)} ${h.isCall ? 'call' : 'put'} payoff`;
    // a worthless option's claim pays nothing: it only records the expiry and takes the row off this table
    if (payout === 0n) {
      send({ ...c.optionsBook, functionName: 'claim', args: [h.boardId, h.strikeIndex, h.isCall], label: `Clear the worthless ${fmtPrice(h.strikeWad, 0)} ${h.isCall ? 'call' : 'put'}` });
    } else if (r.other) {
      send({ ...c.optionsBook, functionName: 'claimTo', args: [h.boardId, h.strikeIndex, h.isCall, r.receiver!], label: `Claim ${fmtUsd(payout)} ${what} to ${r.receiver!.slice(0, 8)}…` });
    } else {
      send({ ...c.optionsBook, functionName: 'claim', args: [h.boardId, h.strikeIndex, h.isCall], label: `Claim ${what}` });
    }
  };
  return (
    <div className="space-y-2">
      {claimable && <ReceiverField id="option-claim-to" r={r} wallet={address} />}
      <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Your options (scrolls sideways)">
        <table className="w-full text-left text-xs" data-testid="option-positions">
          <TableHead columns={['Expiry (UTC)', 'Option', 'Amount', 'Cost (average)', 'Mark value', 'Sell now', 'PnL (mark)', '']} />
          <tbody>
            {d.holdings.map((h) => {
              const st = status(d, h);
              const pnl = st.value !== undefined ? st.value - h.costUsd : undefined;
              const key = `${h.boardId}-${h.strikeIndex}-${h.isCall}`;
              return (
                <tr key={key} className="border-t border-zinc-800/60" data-testid="option-position-row">
                  <td className="py-1 pr-3">{new Date(Number(h.expiry) * 1000).toUTCString().slice(5, 22)}</td>
                  <td className="py-1 pr-3">
                    {fmtPrice(h.strikeWad, 0)} {h.isCall ? 'call' : 'put'}
                  </td>
                  <td className="num py-1 pr-3">{fmtPrice(h.amountWad, 4)}</td>
                  <td className="num py-1 pr-3" title={h.realizedUsd !== 0n ? `Sales realized ${fmtUsd(h.realizedUsd)} against the average cost` : undefined}>
                    {fmtUsd(h.costUsd)}
                    {h.realizedUsd !== 0n && <span className={`block text-[10px] ${h.realizedUsd >= 0n ? 'text-emerald-400' : 'text-rose-400'}`}>realized {fmtUsd(h.realizedUsd)}</span>}
                  </td>
                  <td className="num py-1 pr-3" data-testid="option-mark">
                    {st.kind === 'settled'
                      ? st.value === 0n
                        ? payoffWad(h.isCall, h.strikeWad, h.settlementPriceWad, h.callCapBps) > 0n
                          ? `Pays under a cent at ${fmtPrice(h.settlementPriceWad)}`
                          : `Expired worthless at ${fmtPrice(h.settlementPriceWad)}`
                        : `${fmtUsd(st.value)} payoff at ${fmtPrice(h.settlementPriceWad)}`
                      : st.kind === 'awaiting' ? 'Awaiting settlement' : fmtUsd(st.value)}
                  </td>
                  <td className="num py-1 pr-3">{st.kind === 'live' ? (st.bid !== undefined ? fmtUsd(st.bid) : st.paused ? 'after the refresh' : st.closed ? 'closed: held to expiry' : 'cannot be priced') : '—'}</td>
                  <td className={`num py-1 pr-3 ${pnl === undefined ? '' : pnl >= 0n ? 'text-emerald-400' : 'text-rose-400'}`}>{pnl === undefined ? '—' : fmtUsd(pnl)}</td>
                  <td className="py-1">
                    {st.kind === 'settled' && st.value === 0n ? (
                      <button
                        className="btn-ghost px-2 py-1 text-xs"
                        data-testid="option-clear"
                        disabled={pending}
                        title="Pays nothing: records the expiry on chain and moves the option to your history"
                        aria-label={`Clear the worthless ${fmtPrice(h.strikeWad, 0)} ${h.isCall ? 'call' : 'put'}: pays nothing, moves it to your history`}
                        onClick={() => claim(h, st.value)}
                      >
                        Clear
                      </button>
                    ) : st.kind === 'settled' ? (
                      <button
                        className="btn px-2 py-1 text-xs"
                        data-testid="option-claim"
                        disabled={pending || !!r.error}
                        onClick={() => claim(h, st.value)}
                      >
                        Claim {fmtUsd(st.value)}
                      </button>
                    ) : st.kind === 'live' && st.bid !== undefined ? (
                      <button className="btn-ghost px-2 py-1 text-xs" data-testid="option-sell" onClick={() => onSell({ boardId: h.boardId, expiry: h.expiry, strikeIndex: h.strikeIndex, strikeWad: h.strikeWad, isCall: h.isCall, isBuy: false, callCapBps: h.callCapBps, topStrikeWad: h.topStrikeWad })}>
                        Sell
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
