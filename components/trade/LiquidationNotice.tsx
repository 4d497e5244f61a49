'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useAccount } from 'wagmi';
import { api } from '@/lib/api/client';
import { useContracts } from '@/components/common/useContracts';
import { fmtPrice, fmtUsd } from '@/lib/format';

const KEY = (a: string) => `counterpool.liquidationsSeen.${a.toLowerCase()}`;

/** A visible notice when one of the trader's positions was liquidated (from the indexed PositionLiquidated events),
 *  until they dismiss it: what was liquidated, at which price, and what came back to them. */
export function LiquidationNotice() {
  const { address } = useAccount();
  const names = useContracts().markets.map((m) => m.name);
  const [seenBlock, setSeenBlock] = useState<number | null>(null);
  useEffect(() => {
    if (address) setSeenBlock(Number(window.localStorage.getItem(KEY(address)) ?? '0'));
  }, [address]);
  const q = useQuery({ queryKey: ['trades', address], enabled: !!address, queryFn: () => api.trades(address!, 50), refetchInterval: 4000 });
  if (!address || seenBlock === null) return null;
  const dayAgo = Date.now() / 1000 - 86_400; // on a new device, only the last day's
  const fresh = (q.data ?? []).filter((r) => r.name === 'PositionLiquidated' && Number(r.block_number) > seenBlock && Number(r.timestamp) > dayAgo);
  if (fresh.length === 0) return null;
  const dismiss = () => {
    const newest = Math.max(...fresh.map((r) => Number(r.block_number)));
    window.localStorage.setItem(KEY(address), String(newest));
    setSeenBlock(newest);
  };
  return (
    <section role="alert" className="card border border-rose-700 bg-rose-950/40 text-sm" data-testid="liquidation-notice">
      <div className="flex items-start justify-between gap-3">
        <ul className="space-y-1">
          {fresh.map((r) => {
            const x = r.args.result as Record<string, string>;
            return (
              <li key={`${r.block_number}-${r.log_index}`}>
                Your {names[r.market_id] ?? `market ${r.market_id}`} {r.is_long ? 'long' : 'short'} of {fmtUsd(BigInt(x.sizeUsd))} was liquidated at{' '}
                {fmtPrice(BigInt(x.priceWad))} ({new Date(Number(r.timestamp) * 1000).toLocaleString()}): equity {fmtUsd(BigInt(x.equityUsd))}, of which{' '}
                {fmtUsd(BigInt(x.traderRefundUsd ?? '0'))} came back to you after the liquidation fee.
              </li>
            );
          })}
        </ul>
        <button className="btn-ghost shrink-0 px-2 py-1 text-xs" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </section>
  );
}
