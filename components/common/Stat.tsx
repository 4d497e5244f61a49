import type { ReactNode } from 'react';

export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: string; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-zinc-500" title={hint}>
        {label}
      </dt>
      <dd className="num truncate text-lg text-zinc-100" data-testid={testId}>
        {value ?? <span className="skeleton inline-block h-5 w-20" />}
      </dd>
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} role="alert" className="mt-1 text-xs text-rose-400">
      {message}
    </p>
  );
}
