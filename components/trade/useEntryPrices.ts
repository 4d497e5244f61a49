'use client';

import { useQuery } from '@tanstack/react-query';
import { useAccount } from 'wagmi';
import { api } from '@/lib/api/client';
import { executionEntryPriceWad, type Fill } from '@/lib/math/entry';

/**
 * Each open position's entry as the trader paid it (the average execution price of its fills, impact included), keyed
 * `${marketId}:${isLong}`, from the indexed history the history table also reads (one cached query). Missing while the
 * history is unavailable or does not reach back to the position's opening; the table then shows the oracle entry.
 * `account`: whose positions (the connected wallet's by default).
 */
export function useEntryPrices(positions: readonly { marketId: bigint; isLong: boolean; position: { sizeUsd: bigint } }[], account?: string) {
  const connected = useAccount().address;
  const address = account ?? connected;
  const q = useQuery({ queryKey: ['trades', address, 500], enabled: !!address && positions.length > 0, queryFn: () => api.trades(address!, 500), refetchInterval: 4000 });
  const out = new Map<string, bigint>();
  if (!q.data) return out;
  const oldestFirst = [...q.data].reverse();
  for (const p of positions) {
    const fills: Fill[] = oldestFirst
      .filter((r) => BigInt(r.market_id) === p.marketId && r.is_long === p.isLong)
      .map((r) => ({
        name: r.name,
        sizeDeltaUsd: BigInt(r.args.result.sizeDeltaUsd ?? '0'),
        executionPriceWad: BigInt(r.args.result.executionPriceWad ?? '0'),
        priceWad: BigInt(r.args.result.priceWad ?? '0'),
        // a liquidation reports the size it closed: the position is gone after it
        sizeUsd: r.name === 'PositionLiquidated' ? 0n : BigInt(r.args.result.sizeUsd ?? '0'),
      }));
    const entry = executionEntryPriceWad(fills, p.position.sizeUsd);
    if (entry !== undefined) out.set(`${p.marketId}:${p.isLong}`, entry);
  }
  return out;
}
