'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** A card listing an account's indexed history: asks for a wallet, says when the indexer cannot answer, shows a
 *  skeleton while it loads and `empty` when there is nothing yet; else renders the rows. */
export function HistoryCard<T>({
  id,
  title,
  address,
  q,
  empty,
  children,
}: {
  id: string;
  title: string;
  address?: string;
  q: UseQueryResult<T[]>;
  empty: string;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="card overflow-x-auto" tabIndex={0}>
      <h2 id={id} className="mb-3 text-sm font-semibold text-zinc-300">
        {title}
      </h2>
      {!address ? (
        <p className="text-sm text-zinc-400">Connect a wallet to see your history.</p>
      ) : q.isError ? (
        <p role="alert" className="text-sm text-amber-400">
          History unavailable (indexer not reachable): {(q.error as Error).message}
        </p>
      ) : q.isLoading ? (
        <div className="skeleton h-16 w-full" />
      ) : (q.data ?? []).length === 0 ? (
        <p className="text-sm text-zinc-400">{empty}</p>
      ) : (
        children(q.data!)
      )}
    </section>
  );
}
