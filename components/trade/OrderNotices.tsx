'use client';

import { fmtPrice } from '@/lib/format';
import { describeTrigger, stopPastLiquidation } from '@/lib/orders';
import type { useOrderPlan } from './useOrderPlan';

type Plan = ReturnType<typeof useOrderPlan>;

/** What the order form warns about under its preview: a trigger the price already crossed, a stop-loss past the
 *  liquidation price, why the engine would refuse the open, the L2 sequencer, a stale oracle price. */
export function OrderNotices({ plan }: { plan: Plan }) {
  const { m, preview, orderFields, isLong } = plan;
  return (
    <>
      {plan.crossedNow && m && plan.terms && plan.typedTrigger !== undefined && (
        <p className="mt-2 text-xs text-amber-400" data-testid="order-trigger-crossed">
          The price {fmtPrice(m.priceWad)} has already crossed this trigger ({describeTrigger(plan.terms)} {fmtPrice(plan.typedTrigger)}): the
          keeper fills it at once, at the price then, previewed below at the price now.
        </p>
      )}
      {orderFields.stopLoss !== undefined && preview && preview.liquidationPriceWad > 0n && stopPastLiquidation(isLong, orderFields.stopLoss, preview.liquidationPriceWad) && (
        <p className="mt-2 text-xs text-amber-400" data-testid="stop-past-liquidation">
          The stop-loss {fmtPrice(orderFields.stopLoss)} is past the previewed liquidation price {fmtPrice(preview.liquidationPriceWad)}: the position would be liquidated before it fires.
        </p>
      )}
    </>
  );
}

/** Why the order cannot go now: the engine's refusal, the L2 sequencer down or in its grace period, a stale price. */
export function OrderBlockers({ plan }: { plan: Plan }) {
  const { sequencer } = plan;
  return (
    <>
      {plan.poolError && (
        <p role="alert" className="mt-2 text-xs text-rose-400" data-testid="order-error">
          {plan.poolError}
        </p>
      )}
      {plan.newRiskWaits && (
        <p role="alert" className="mt-2 text-xs text-amber-400" data-testid="sequencer-notice">
          {sequencer.down
            ? 'The L2 sequencer is down: trading waits until it is back.'
            : `The L2 sequencer restarted: new positions, added size and liquidations wait until ${new Date(sequencer.graceEndsAt! * 1000).toLocaleTimeString()}. Closing and adding collateral work now.`}
        </p>
      )}
    </>
  );
}

/** Long or short. */
export function SideToggle({ isLong, onChange }: { isLong: boolean; onChange: (isLong: boolean) => void }) {
  return (
    <div role="radiogroup" aria-label="Side" className="mb-3 grid grid-cols-2 gap-2">
      {[true, false].map((side) => (
        <button
          key={String(side)}
          type="button"
          role="radio"
          aria-checked={isLong === side}
          onClick={() => onChange(side)}
          className={`rounded py-2 text-sm font-medium ${isLong === side ? (side ? 'bg-emerald-700 text-white' : 'bg-rose-600 text-white') : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}
        >
          {side ? 'Long' : 'Short'}
        </button>
      ))}
    </div>
  );
}
