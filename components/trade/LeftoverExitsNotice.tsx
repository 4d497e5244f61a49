'use client';

import { fmtPrice } from '@/lib/format';
import { isOpenKind, ORDER_KIND_LABELS } from '@/lib/orders';
import { useOpenOrders } from './useOpenOrders';

/**
 * A take-profit or stop-loss stays tied to its market and side, not to one position: while no position is open there,
 * the keeper clears it, but one opened before that happens inherits it (the book cannot tell positions apart). Before
 * a trader opens on a market and side where such orders are left, they are named, so none fires on the new position
 * unexpectedly.
 */
export function LeftoverExitsNotice({ marketId, isLong, hasPosition }: { marketId: number; isLong: boolean; hasPosition: boolean }) {
  const q = useOpenOrders();
  if (hasPosition) return null;
  const left = (q.data ?? []).filter((o) => o.marketId === marketId && o.isLong === isLong && !isOpenKind(o.kind));
  if (left.length === 0) return null;
  const list = left.map((o) => `#${o.id} ${ORDER_KIND_LABELS[o.kind].toLowerCase()} at ${fmtPrice(o.triggerPriceWad)}`).join(', ');
  return (
    <p role="status" className="mt-2 text-xs text-amber-400" data-testid="leftover-exits">
      Still on the book from a closed {isLong ? 'long' : 'short'}: {list}. It would apply to the position you open now; cancel it under Open orders if it should not.
    </p>
  );
}
