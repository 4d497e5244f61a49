'use client';

import { FieldError } from '@/components/common/Stat';
import { fmtPrice } from '@/lib/format';
import type { Market, Row, useTpSlPlan } from './useTpSlPlan';

type Fields = ReturnType<typeof useTpSlPlan>['fields'];

/** The take-profit and stop-loss prices and the size they close (empty: the whole position, whatever its size when
 *  they fire), each with its inline error. */
export function TpSlFields({ p, m, fields, id }: { p: Row; m: Market; fields: Fields; id: string }) {
  const prices = [
    [`tp-${id}`, `Take profit (${p.isLong ? 'above' : 'below'} ${fmtPrice(m.priceWad)})`, fields.tp, fields.setTp, fields.errors.takeProfit],
    [`sl-${id}`, `Stop loss (${p.isLong ? 'below' : 'above'}; fills at any price)`, fields.sl, fields.setSl, fields.errors.stopLoss],
  ] as const;
  return (
    <>
      {prices.map(([fid, label, value, set, err]) => (
        <div key={fid} className="w-56">
          <label htmlFor={fid} className="label">
            {label}
          </label>
          <input id={fid} className="input num" inputMode="decimal" placeholder="price" value={value} onChange={(e) => set(e.target.value)} aria-invalid={!!err} aria-describedby={`${fid}-error`} />
          <FieldError id={`${fid}-error`} message={err} />
        </div>
      ))}
      <div className="w-44">
        <label htmlFor={`tpsl-size-${id}`} className="label">
          Size to close (empty: all)
        </label>
        <input
          id={`tpsl-size-${id}`}
          className="input num"
          inputMode="decimal"
          placeholder="whole position"
          value={fields.sizeText}
          onChange={(e) => fields.setSizeText(e.target.value)}
          aria-invalid={!!fields.errors.size}
          aria-describedby={`tpsl-size-${id}-error`}
        />
        <FieldError id={`tpsl-size-${id}-error`} message={fields.errors.size} />
      </div>
    </>
  );
}
