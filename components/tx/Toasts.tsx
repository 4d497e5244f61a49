'use client';

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type ToastKind = 'pending' | 'success' | 'error' | 'info';
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
}

interface ToastApi {
  push(t: Omit<Toast, 'id'>): number;
  update(id: number, t: Partial<Omit<Toast, 'id'>>): void;
  dismiss(id: number): void;
}

const ToastContext = createContext<ToastApi | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (t: Omit<Toast, 'id'>) => {
      const id = Date.now() + Math.random();
      setToasts((ts) => keepRecent([...ts, { ...t, id }]));
      if (autoDismisses(t.kind)) setTimeout(() => dismiss(id), AUTO_DISMISS_MS);
      return id;
    },
    [dismiss],
  );
  const update = useCallback(
    (id: number, patch: Partial<Omit<Toast, 'id'>>) => {
      setToasts((ts) => ts.map((t) => (t.id === id ? { ...t, ...patch } : t)));
      if (patch.kind && autoDismisses(patch.kind)) setTimeout(() => dismiss(id), AUTO_DISMISS_MS);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ push, update, dismiss }), [push, update, dismiss]);
  const color: Record<ToastKind, string> = {
    pending: 'border-sky-500',
    success: 'border-emerald-500',
    error: 'border-rose-500',
    info: 'border-zinc-500',
  };
  return (
    <ToastContext.Provider value={api}>
      {children}
      {/* In flow below the page (the layout's last row): it takes its own height while it has toasts and none when
          empty, so the page above shrinks instead of being covered. Newest last, at most three shown. */}
      {/* one polite live region that is always there (a region inserted with its text is often not read out); a
          failure's own role=alert is read at once */}
      <div aria-live="polite" data-testid="toast-tray" className={`flex-none border-zinc-800 bg-zinc-950 ${toasts.length ? 'border-t' : ''}`}>
        <div className="mx-auto grid max-w-7xl gap-2 px-3 sm:px-6 lg:grid-cols-3 [&:not(:empty)]:py-2">
          {toasts.slice(-3).map((t) => (
            <div key={t.id} role={t.kind === 'error' ? 'alert' : undefined} data-testid={`toast-${t.kind}`} className={`rounded border-l-4 bg-zinc-900 p-2 text-sm ${color[t.kind]}`}>
              <div className="flex items-start justify-between gap-2">
                <span className="font-medium text-zinc-100">{t.title}</span>
                <button aria-label="Dismiss notification" className="text-zinc-400 hover:text-zinc-200" onClick={() => dismiss(t.id)}>
                  ×
                </button>
              </div>
              {t.detail && <p className="mt-1 line-clamp-2 break-words text-xs text-zinc-400" title={t.detail}>{t.detail}</p>}
            </div>
          ))}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

/** Success and info toasts leave after this; a pending one stays until its outcome, a failure until dismissed. */
const AUTO_DISMISS_MS = 8000;
const autoDismisses = (kind: ToastKind) => kind === 'success' || kind === 'info';

/** At most five kept: the oldest settled ones go first, so a pending transaction's toast is never pushed out before
 *  it can show the outcome. */
function keepRecent(ts: Toast[]): Toast[] {
  const out = [...ts];
  while (out.length > 5) {
    const i = out.findIndex((t) => t.kind !== 'pending');
    out.splice(i === -1 ? 0 : i, 1);
  }
  return out;
}

export function useToasts(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToasts outside ToastProvider');
  return ctx;
}
