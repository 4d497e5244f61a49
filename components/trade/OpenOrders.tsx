'use client';

import { useState } from 'react';
import { formatUnits, parseUnits } from 'viem';
import { useAccount } from 'wagmi';
import { TableHead } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useReaderView } from '@/components/common/useReaderView';
import { useTx } from '@/components/tx/useTx';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { describeTrigger, FAILED_FILL_SHARE_BPS, MAX_FAILED_FILLS, NO_BOUND, ORDER_KIND_LABELS, triggered, WHOLE_POSITION } from '@/lib/orders';
import { useOpenOrders, type OpenOrderRow } from './useOpenOrders';
import { useChainNowSec } from '@/components/common/chainClock';

/** The account's open trigger orders, each with an inline trigger edit and a cancel (the fee is refunded). */
export function OpenOrders() {
  const q = useOpenOrders();
  const { isConnected } = useAccount();
  const rows = q.data ?? [];
  return (
    <section aria-labelledby="orders-title" className="card overflow-x-auto" tabIndex={0}>
      <h2 id="orders-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Open orders
      </h2>
      {!isConnected ? (
        <p className="text-sm text-zinc-400" data-testid="orders-disconnected">
          Connect a wallet to see your orders.
        </p>
      ) : q.isError && !q.data ? (
        // a failed read is not an empty book: a live stop-loss must not read as "no open orders" (review BG)
        <p role="alert" className="text-sm text-amber-400" data-testid="orders-error">
          Orders unavailable (the node did not answer the read; retrying): {(q.error as Error).message.split('\n')[0]}
        </p>
      ) : q.isLoading ? (
        <div className="skeleton h-10 w-full" />
      ) : rows.length === 0 ? (
        <p className="text-sm text-zinc-400" data-testid="orders-empty">
          No open orders.
        </p>
      ) : (
        <table className="num w-full min-w-[900px] text-left text-xs">
          <TableHead columns={['Market', 'Side', 'Type', 'Trigger', 'Fill bound', 'Size', 'Collateral', 'Keeper fee', 'Placed', 'Expires', '']} />
          <tbody>
            {rows.map((o) => (
              <OrderRow key={o.id.toString()} o={o} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OrderRow({ o }: { o: OpenOrderRow }) {
  const c = useContracts();
  const { send, pending } = useTx();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(formatUnits(o.triggerPriceWad, 18));
  const name = c.markets.find((m) => m.id === o.marketId)?.name ?? `#${o.marketId}`;
  let newTrigger: bigint | undefined;
  let error: string | undefined;
  try {
    newTrigger = /^\d+(\.\d{1,18})?$/.test(text.trim()) ? parseUnits(text.trim(), 18) : undefined;
    if (newTrigger === undefined || newTrigger === 0n) error = 'Enter a price, like 2950.5';
  } catch {
    error = 'Enter a price, like 2950.5';
  }
  // the same query the trade page polls (one read): a trigger moved past the price fills at the keeper's next pass
  const chainNow = useChainNowSec();
  const priceWad = useReaderView('markets', [], { refetchInterval: 2000 }).data?.[Number(o.marketId)]?.priceWad;
  const firesNow = !error && newTrigger !== undefined && priceWad !== undefined && triggered({ ...o, triggerPriceWad: newTrigger }, priceWad);
  // the next block comes after the latest: an order at its expiry second now is past it when an edit lands
  const expired = BigInt(o.expiresAt) <= chainNow;
  if (!error && expired) error = 'This order has expired: cancel it (the fee is refunded) and place a new one';
  return (
    <>
      <tr className="border-t border-zinc-800" data-testid={`order-${o.id}`}>
        <td className="py-2 pr-3">{name}</td>
        <td className={`pr-3 ${o.isLong ? 'text-emerald-400' : 'text-rose-400'}`}>{o.isLong ? 'Long' : 'Short'}</td>
        <td className="pr-3">
          {ORDER_KIND_LABELS[o.kind]}
          {o.inherited && (
            <span
              className="ml-1 text-amber-400"
              data-testid="order-inherited"
              title="placed before this position was opened: the book ties a take-profit or stop-loss to the market and side, so it carried over from a closed position; cancel it if it should not apply"
            >
              (from a closed position)
            </span>
          )}
          {o.failedFills > 0 && (
            <span
              className="ml-1 text-amber-400"
              data-testid="order-failed-fills"
              title={`triggered, but the engine refused the keeper's fill ${o.failedFills} time${o.failedFills > 1 ? 's' : ''} (slippage bound, margin, liquidity or approval); each refusal pays the keeper ${FAILED_FILL_SHARE_BPS / 100}% of the escrowed fee, and after ${MAX_FAILED_FILLS} the order is cancelled and the rest refunded`}
            >
              (refused {o.failedFills}/{MAX_FAILED_FILLS})
            </span>
          )}
        </td>
        <td className="pr-3" data-testid="order-trigger">
          {describeTrigger(o)} {fmtPrice(o.triggerPriceWad)}
        </td>
        <td className="pr-3">{o.slippageBps === NO_BOUND ? 'any price' : `±${o.slippageBps / 100}%`}</td>
        <td className="pr-3">{o.sizeDeltaUsd === WHOLE_POSITION ? 'whole position' : fmtUsd(o.sizeDeltaUsd)}</td>
        <td className="pr-3">{o.collateralUsd > 0n ? fmtUsd(o.collateralUsd) : 'reduce-only'}</td>
        <td className="pr-3" title="escrowed: paid to the keeper that fills it, refunded if you cancel">{fmtUsd(BigInt(o.executionFeeUsd))}</td>
        <td className="pr-3" data-testid="order-placed">
          {new Date(o.placedAt * 1000).toLocaleString()}
        </td>
        <td className="pr-3">{new Date(o.expiresAt * 1000).toLocaleString()}</td>
        <td className="whitespace-nowrap">
          <button className="btn-ghost mr-1 px-2 py-1 text-xs" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
          <button
            className="btn-ghost px-2 py-1 text-xs"
            disabled={pending}
            onClick={() => send({ ...c.orderBook, functionName: 'cancelOrder', args: [o.id], label: `Cancel order #${o.id}` })}
          >
            Cancel
          </button>
        </td>
      </tr>
      {editing && (
        <tr>
          <td colSpan={11} className="pb-3">
            <form
              className="flex flex-wrap items-start gap-2"
              onSubmit={async (e) => {
                e.preventDefault();
                if (newTrigger === undefined || error) return;
                const ok = await send({
                  ...c.orderBook,
                  functionName: 'updateOrder',
                  args: [o.id, newTrigger, BigInt(o.slippageBps), o.sizeDeltaUsd, o.collateralUsd, BigInt(o.expiresAt)],
                  label: `Move order #${o.id} to ${fmtPrice(newTrigger)}`,
                });
                if (ok) setEditing(false);
              }}
            >
              <label className="sr-only" htmlFor={`trigger-${o.id}`}>
                New trigger price
              </label>
              <input id={`trigger-${o.id}`} className="input num w-40" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`trigger-err-${o.id}`} />
              <button className="btn" disabled={pending || !!error}>
                Save trigger
              </button>
              {error && (
                <span id={`trigger-err-${o.id}`} role="alert" className="self-center text-xs text-rose-400">
                  {error}
                </span>
              )}
              {firesNow && (
                <span className="self-center text-xs text-amber-400" data-testid="trigger-fires-now">
                  Already crossed at {fmtPrice(priceWad!)} ({describeTrigger(o)} {fmtPrice(newTrigger!)}): the keeper fills it at once, within its fill bound
                </span>
              )}
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
