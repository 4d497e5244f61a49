'use client';

import { useState } from 'react';
import { FieldError } from '@/components/common/Stat';
import { checkStressField, type StressField } from '@/lib/validation';

interface Field {
  id: string;
  label: string;
  kind: StressField;
  value: string;
  set: (v: string) => void;
  /** the API query parameter the checked value goes to */
  param: string;
}

/**
 * The custom shock: a price move per market, a σ multiplier, an LP cash-out and how long σ lasts. Each field is
 * checked as typed with a plain message (the limits are the API's); Run stays disabled until all are valid.
 */
export function StressForm({ markets, pending, onRun }: { markets: readonly { id: number; name: string }[]; pending: boolean; onRun: (query: string) => void }) {
  const [moves, setMoves] = useState<Record<number, string>>({});
  const [vol, setVol] = useState('2');
  const [cashOut, setCashOut] = useState('0');
  const [hours, setHours] = useState('0');
  const fields: Field[] = [
    ...markets.map((m) => {
      const asset = m.name.split('-')[0];
      return {
        id: `stress-${asset.toLowerCase()}`,
        label: `${asset} move %`,
        kind: 'move' as const,
        value: moves[m.id] ?? '-20',
        set: (v: string) => setMoves((x) => ({ ...x, [m.id]: v })),
        param: `price.${m.id}`,
      };
    }),
    { id: 'stress-vol', label: 'σ multiplier', kind: 'vol', value: vol, set: setVol, param: 'vol' },
    { id: 'stress-cash', label: 'LP cash out %', kind: 'cashOut', value: cashOut, set: setCashOut, param: 'cashOut' },
    { id: 'stress-hours', label: 'σ lasts (hours)', kind: 'hours', value: hours, set: setHours, param: 'hours' },
  ];
  const checks = fields.map((f) => checkStressField(f.kind, f.value));
  const valid = checks.every((c) => c.error === undefined);

  return (
    <form
      className="grid grid-cols-2 gap-3 sm:grid-cols-6"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        onRun(fields.map((f, i) => `${f.param}=${checks[i].value}`).join('&'));
      }}
    >
      {fields.map((f, i) => (
        <div key={f.id}>
          <label htmlFor={f.id} className="label">
            {f.label}
          </label>
          <input
            id={f.id}
            className="input num"
            inputMode="decimal"
            autoComplete="off"
            value={f.value}
            aria-invalid={!!checks[i].error}
            aria-describedby={`${f.id}-error`}
            onChange={(e) => f.set(e.target.value)}
          />
          <FieldError id={`${f.id}-error`} message={checks[i].error} />
        </div>
      ))}
      <button className="btn self-end" disabled={pending || !valid}>
        {pending ? 'Running…' : 'Run custom shock'}
      </button>
    </form>
  );
}
