'use client';

import { useEffect, useId, useState } from 'react';
import { FieldError } from '@/components/common/Stat';
import { checkSlippage, markSlippageTyped, type SlippageKind, useSlippage } from './useSlippage';

/** A slippage tolerance: every trade on the page (open, close, partial close), or on /pool every deposit and
 *  withdrawal (`kind` pool), refuses to fill beyond it. One stored value per kind (useSlippage). */
export function SlippageField({
  hint = 'applies to opens and closes',
  kind = 'trade',
  id = 'slippage',
  onValidChange,
}: {
  hint?: string;
  kind?: SlippageKind;
  /** the input's DOM id (its error's is `${id}-error`): a second field on one page passes its own */
  id?: string;
  /** told whether the typed tolerance is valid: a form sends nothing while it is not */
  onValidChange?: (valid: boolean) => void;
}) {
  const [bps, setBps] = useSlippage(kind);
  const fieldId = useId();
  const [text, setText] = useState((Number(bps) / 100).toString());
  useEffect(() => setText((Number(bps) / 100).toString()), [bps]);
  const check = checkSlippage(text);
  const valid = !check.error;
  useEffect(() => onValidChange?.(valid), [valid, onValidChange]);
  useEffect(() => {
    markSlippageTyped(kind, fieldId, valid);
    return () => markSlippageTyped(kind, fieldId, true); // a field that leaves the page holds no form back
  }, [kind, fieldId, valid]);
  return (
    <div className="mt-3">
      <div className="flex items-center gap-2">
        <label htmlFor={id} className="label mb-0">
          Slippage tolerance %
        </label>
        <input
          id={id}
          className="input num w-20 py-1"
          inputMode="decimal"
          value={text}
          aria-invalid={!!check.error}
          aria-describedby={`${id}-error`}
          onChange={(e) => {
            setText(e.target.value);
            const c = checkSlippage(e.target.value);
            if (c.bps !== undefined) setBps(c.bps);
          }}
        />
        <span className="text-xs text-zinc-400">{hint}</span>
      </div>
      <FieldError id={`${id}-error`} message={check.error} />
    </div>
  );
}
