'use client';

import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api/client';

/**
 * Says when the charts and totals below are behind the chain: they are built from the indexer's snapshots and events,
 * and an indexer behind its thresholds (/api/health) leaves the latest buckets empty or missing (review: nothing on
 * the page said so; the activity bars read "no fees" where nothing was indexed yet).
 */
export function IndexLagNotice() {
  const q = useQuery({ queryKey: ['api-health'], queryFn: api.health, refetchInterval: 10_000 });
  const ix = q.data?.indexer;
  const behind = q.data?.problems.filter((p) => p.startsWith('indexer') || p.startsWith('data')) ?? [];
  if (!q.data || (ix?.reachable && behind.length === 0)) return null;
  return (
    <p role="status" className="card text-sm text-amber-400" data-testid="index-lag">
      {ix?.reachable === false
        ? 'The index cannot be read: charts, totals and histories below may be missing or old.'
        : `Charts and totals below are behind the chain (indexed to block ${ix?.cursor ?? '?'}): ${behind.join('; ')}. The latest buckets are incomplete until it catches up.`}
    </p>
  );
}
