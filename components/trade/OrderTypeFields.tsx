'use client';

import { FieldError } from '@/components/common/Stat';
import type { OrderType } from '@/lib/orders';

export interface OrderTypeState {
  type: OrderType;
  trigger: string;
  takeProfit: string;
  stopLoss: string;
}

/** Order type tabs (market, limit, stop), the trigger price of a limit or stop, and optional take-profit and
 *  stop-loss prices placed as reduce-only orders once the position is open. */
export function OrderTypeFields({
  isLong,
  state,
  onChange,
  errors,
}: {
  isLong: boolean;
  state: OrderTypeState;
  onChange: (s: OrderTypeState) => void;
  errors: { trigger?: string; takeProfit?: string; stopLoss?: string };
}) {
  const set = (patch: Partial<OrderTypeState>) => onChange({ ...state, ...patch });
  const hint =
    state.type === 'limit'
      ? `fills when the price is at or ${isLong ? 'below' : 'above'} it`
      : state.type === 'stop'
        ? `fills when the price is at or ${isLong ? 'above' : 'below'} it`
        : '';
  return (
    <div className="mb-3">
      <div role="tablist" aria-label="Order type" className="mb-2 flex gap-1">
        {(['market', 'limit', 'stop'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={state.type === t}
            onClick={() => set({ type: t })}
            className={`rounded px-3 py-1 text-xs capitalize ${state.type === t ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}
          >
            {t}
          </button>
        ))}
      </div>
      {state.type !== 'market' && (
        <div>
          <label htmlFor="trigger-price" className="label">
            {state.type === 'limit' ? 'Limit' : 'Stop'} price ({hint}; collateral is taken from your wallet when it fills)
          </label>
          <input id="trigger-price" className="input num" inputMode="decimal" value={state.trigger} onChange={(e) => set({ trigger: e.target.value })} aria-invalid={!!errors.trigger} aria-describedby="trigger-price-error" />
          <FieldError id="trigger-price-error" message={state.trigger !== '' ? errors.trigger : undefined} />
        </div>
      )}
      {state.type !== 'market' ? (
        <p className="mt-2 text-xs text-zinc-400">Take-profit and stop-loss go on the position once the order has filled (Positions → TP/SL).</p>
      ) : (
      <div className="mt-2 grid grid-cols-2 gap-2">
        {(
          [
            ['take-profit', 'Take profit (optional)', 'takeProfit'],
            ['stop-loss', 'Stop loss (optional)', 'stopLoss'],
          ] as const
        ).map(([id, label, key]) => (
          <div key={id}>
            <label htmlFor={id} className="label">
              {label}
            </label>
            <input id={id} className="input num" inputMode="decimal" placeholder="price" value={state[key]} onChange={(e) => set({ [key]: e.target.value })} aria-invalid={!!errors[key]} aria-describedby={`${id}-error`} />
            <FieldError id={`${id}-error`} message={errors[key]} />
          </div>
        ))}
      </div>
      )}
    </div>
  );
}
