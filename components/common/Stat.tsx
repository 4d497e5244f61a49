import { formatUnits } from 'viem';
import type { ReactNode } from 'react';
import { fmtUsd } from '@/lib/format';

export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: string; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-zinc-400" title={hint}>
        {label}
      </dt>
      <dd className="num break-words text-lg leading-tight text-zinc-100" data-testid={testId}>
        {value ?? <span className="skeleton inline-block h-5 w-20" />}
      </dd>
    </div>
  );
}

/** A field's error, tied to it by aria-describedby; a polite live region (review: an assertive alert on every keystroke
 *  interrupted the screen reader while the user typed). */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} role="status" className="mt-1 text-xs text-rose-400">
      {message}
    </p>
  );
}

/** A labelled decimal amount input with its inline error (shown once the user typed something). */
export function AmountField({
  id,
  label,
  value,
  onChange,
  error,
  help,
  max,
  onMax,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  help?: string;
  /** the most the field may take (6 decimals), shown with a Max button: e.g. the wallet's balance */
  max?: { value?: bigint; label: string };
  /** what Max does instead of filling in `max.value` (e.g. switch a withdrawal to "all shares") */
  onMax?: () => void;
}) {
  const shown = value !== '' ? error : undefined;
  return (
    <>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="label">
          {label}
        </label>
        {max && max.value !== undefined && (
          <span className="text-xs text-zinc-400">
            {max.label} <span className="num" title={formatUnits(max.value, 6)}>{fmtUsd(max.value).replace('$', '')}</span>{' '}
            <button type="button" className="text-teal-400 hover:underline" data-testid={`${id}-max`} onClick={() => (onMax ? onMax() : onChange(formatUnits(max.value!, 6)))}>
              Max
            </button>
          </span>
        )}
      </div>
      <input
        id={id}
        className="input num"
        inputMode="decimal"
        autoComplete="off"
        placeholder="0.00"
        value={value}
        aria-invalid={!!shown}
        aria-describedby={help ? `${id}-error ${id}-help` : `${id}-error`}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldError id={`${id}-error`} message={shown} />
    </>
  );
}

/** Column headers of the app's dense data tables. */
/** A table's header row; `stickyFirst` keeps the first column's header in view with a sticky first column. */
export function TableHead({ columns, stickyFirst = false }: { columns: string[]; stickyFirst?: boolean }) {
  return (
    <thead className="text-zinc-400">
      <tr>
        {columns.map((h, i) => (
          <th key={h} scope="col" className={`py-1 pr-3 font-medium${stickyFirst && i === 0 ? ' sticky left-0 z-10 bg-[#121214]' : ''}`}>
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One label/value pair of a preview's definition list (data-wei carries the exact value for tests). */
export function PreviewRow({ label, value, testId, wei, title }: { label: string; value: string; testId?: string; wei?: bigint; title?: string }) {
  return (
    <>
      <dt className="text-zinc-400" title={title}>
        {label}
      </dt>
      <dd className="num text-right text-zinc-200" data-testid={testId} data-wei={wei?.toString()}>
        {value}
      </dd>
    </>
  );
}
