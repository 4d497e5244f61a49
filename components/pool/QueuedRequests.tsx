'use client';

import { useContracts } from '@/components/common/useContracts';
import { useTx } from '@/components/tx/useTx';
import { fmtShares, fmtUsd } from '@/lib/format';
import { toAssetsDown, toAssetsUp } from '@/lib/math/shares';
import type { PoolView, QueuedRequest } from './types';

/**
 * The LP's waiting withdrawal requests, read from the chain (Reader.withdrawalQueue), so they and their Cancel buttons
 * stay when the indexer or the API is down. Each shows its place in the queue and whether today's free liquidity
 * reaches it: requests fill in order, at the NAV's low bound at the time of the fill but at no wider a band than each
 * request saw (P-89), so at most the NAV less the gains still vesting: that is what "covers it" is judged at.
 */
export function QueuedRequests({ requests, scannedAll, pool }: { requests: readonly QueuedRequest[]; scannedAll: boolean; pool?: PoolView }) {
  const c = useContracts();
  const { send, pending } = useTx();
  if (requests.length === 0) return null;
  // What shares are worth to the queue now: the vault's own conversion at the NAV's low bound, rounded down.
  const value = (shares: bigint) => (pool?.navValid ? toAssetsDown(shares, pool.totalShares, pool.navLowUsd) : undefined);
  // The most a fill can pay for shares now (the NAV less the gains still vesting, rounded up): liquidity covers a
  // request only if it covers this for the requests ahead and for it.
  const most = (shares: bigint) =>
    pool?.navValid ? toAssetsUp(shares, pool.totalShares, pool.navUsd > pool.unvestedGainUsd ? pool.navUsd - pool.unvestedGainUsd : 0n) : undefined;
  return (
    <div className="mt-4" data-testid="lp-queue">
      <h3 className="label">Queued withdrawals</h3>
      <ul className="space-y-2 text-xs">
        {requests.map((r) => {
          const own = value(r.shares);
          const ownMost = most(r.shares);
          const ahead = most(r.aheadShares);
          const free = pool?.freeLiquidityUsd;
          const reach = ownMost !== undefined && ahead !== undefined && free !== undefined ? (free > ahead ? (free - ahead >= ownMost ? ownMost : free - ahead) : 0n) : undefined;
          return (
            <li key={r.requestId.toString()} className="rounded border border-zinc-800 p-2" data-testid={`lp-queue-${r.requestId}`}>
              <div className="flex items-center justify-between gap-2">
                <span className="num">
                  #{r.requestId.toString()}: {fmtShares(r.shares)} shares{own !== undefined && <> ≈ {fmtUsd(own)}</>}, since{' '}
                  {new Date(Number(r.requestedAt) * 1000).toLocaleString()}
                </span>
                <button
                  className="btn-ghost px-2 py-1 text-xs"
                  disabled={pending}
                  onClick={() => send({ ...c.pool, functionName: 'cancelRedeem', args: [r.requestId], label: `Cancel withdrawal #${r.requestId}` })}
                >
                  Cancel
                </button>
              </div>
              <p className="mt-1 text-zinc-400" data-testid={`lp-queue-place-${r.requestId}`}>
                {r.aheadRequests === 0n ? 'First in the queue' : `${r.aheadRequests} request${r.aheadRequests === 1n ? '' : 's'} ahead`}
                {ahead !== undefined && r.aheadRequests > 0n && <> ({fmtUsd(ahead)})</>}.{' '}
                {reach === undefined
                  ? null
                  : reach === ownMost
                    ? `Free liquidity (${fmtUsd(free)}) covers it: it fills at the next queue processing.`
                    : reach > 0n
                      ? `Free liquidity (${fmtUsd(free)}) covers ${fmtUsd(reach)} of it now; the rest waits for positions to close.`
                      : `Free liquidity (${fmtUsd(free)}) does not reach it yet: ${fmtUsd((ahead ?? 0n) - (free ?? 0n))} more must free up ahead of it.`}
              </p>
            </li>
          );
        })}
      </ul>
      {!scannedAll && <p className="mt-1 text-xs text-zinc-400">The queue is longer than the part read here; later requests of yours are not shown.</p>}
    </div>
  );
}
