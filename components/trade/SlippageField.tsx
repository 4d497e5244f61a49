'use client';

import { useEffect, useId, useState } from 'react';
import { FieldError } from '@/components/common/Stat';
import { checkSlippage, markSlippageTyped, type SlippageKind, useSlippage } from './useSlippage';

/** A slippage tolerance: every trade on the page (open, close, partial close), or on /pool every deposit and
 *  withdrawal (`kind` pool), refuses to fill beyond it. One stored value per kind (useSlippage). */
export function SlippageField({
  hint = 'applies to opens and closes',
  kind = 'trade',
  onValidChange,
}: {
  hint?: string;
  kind?: SlippageKind;
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
        <label htmlFor="slippage" className="label mb-0">
          Slippage tolerance %
        </label>
        <input
          id="slippage"
          className="input num w-20 py-1"
          inputMode="decimal"
          value={text}
          aria-invalid={!!check.error}
          aria-describedby="slippage-error"
          onChange={(e) => {
            setText(e.target.value);
            const c = checkSlippage(e.target.value);
            if (c.bps !== undefined) setBps(c.bps);
          }}
        />
        <span className="text-xs text-zinc-400">{hint}</span>
      </div>
      <FieldError id="slippage-error" message={check.error} />
    </div>
  );
}
