'use client';

import dynamic from 'next/dynamic';
import { useAccount, useReadContracts } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useReaderView, useViewAtPrices } from '@/components/common/useReaderView';
import { AprBreakdown } from './AprBreakdown';
import { DepositForm } from './DepositForm';
import { LpPosition } from './LpPosition';
import { PoolStats } from './PoolStats';
import { ZERO_ADDRESS } from './types';
import { WithdrawForm } from './WithdrawForm';

// recharts is the heaviest dependency: load the share-price chart after the deposit and withdraw forms are interactive
// (as /trade loads its price chart).
const SharePriceChart = dynamic(() => import('./SharePriceChart').then((m) => m.SharePriceChart), {
  ssr: false,
  loading: () => <div className="card skeleton h-72" />,
});

/** Requests the page reads from the queue's head: enough for any realistic queue, bounded for the RPC call. */
const QUEUE_SCAN = 500n;

/** /pool: the pool's state, the LP's position and queue (from the chain), APR and history, deposit and withdraw. */
export function PoolPanel() {
  const c = useContracts();
  const { address, isConnected } = useAccount();
  const user = address ?? ZERO_ADDRESS;
  const pool = useReaderView('poolView', []);
  const acct = useReadContracts({
    contracts: [
      { ...c.token, functionName: 'balanceOf', args: [user] },
      { ...c.token, functionName: 'allowance', args: [user, c.pool.address] },
      { ...c.pool, functionName: 'balanceOf', args: [user] },
      { ...c.pool, functionName: 'withdrawableAt', args: [user] },
      { ...c.pool, functionName: 'lockedShares', args: [user] },
      { ...c.reader, functionName: 'withdrawalQueue', args: [user, QUEUE_SCAN] },
    ],
    // Each read stands alone: while the NAV cannot be valued (a stale market) maxWithdraw and maxRedeem revert, and
    // the balances, the cooldown and the queue (with its Cancel buttons) must still show.
    query: { enabled: isConnected, refetchInterval: 3000 },
  });
  const d = acct.data;
  const [walletUsd, allowance, shares, withdrawableAt, lockedShares, queue] = [
    d?.[0].result,
    d?.[1].result,
    d?.[2].result,
    d?.[3].result,
    d?.[4].result,
    d?.[5].result,
  ] as const;
  // What the vault would pay or burn now needs the NAV: read at the prices the next transaction posts (useViewAtPrices).
  const maxWithdrawUsd = useViewAtPrices(c.pool, 'maxWithdraw', [user], { enabled: isConnected }).data;
  const maxRedeemShares = useViewAtPrices(c.pool, 'maxRedeem', [user], { enabled: isConnected }).data;
  // Shares waiting in the withdrawal queue are escrowed by the vault but still the LP's until filled: they count in
  // the LP's value (and PnL) at the pool's own conversion.
  const queuedShares = queue?.[0].reduce((sum, r) => sum + r.shares, 0n) ?? 0n;
  const value = useViewAtPrices(c.pool, 'convertToAssets', [(shares ?? 0n) + queuedShares], { enabled: shares !== undefined });
  const p = pool.data;

  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <PoolStats pool={p} error={pool.error} />
      <LpPosition
        pool={p}
        lp={{ walletUsd, shares, valueUsd: value.data, maxWithdrawUsd, withdrawableAt, lockedShares, queue: queue?.[0] ?? [], queueScannedAll: queue?.[1] ?? true }}
      />
      <SharePriceChart />
      <AprBreakdown navUsd={p?.navValid ? p.navUsd : undefined} />
      <DepositForm walletUsd={walletUsd} allowance={allowance} lockedShares={lockedShares} pool={p} />
      <WithdrawForm pool={p} shares={shares} lockedShares={lockedShares} unlockAt={withdrawableAt} maxWithdrawUsd={maxWithdrawUsd} maxRedeemShares={maxRedeemShares} />
    </div>
  );
}
