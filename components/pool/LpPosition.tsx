'use client';

import { useQuery } from '@tanstack/react-query';
import { useAccount, useReadContract } from 'wagmi';
import { FaucetButton } from '@/components/common/FaucetButton';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { Stat } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { lastTxBlockKey, useTx } from '@/components/tx/useTx';
import { api } from '@/lib/api/client';
import { fmtShares, fmtUsd } from '@/lib/format';
import { QueuedRequests } from './QueuedRequests';
import { ZERO_ADDRESS, type PoolView, type QueuedRequest } from './types';
import { useChainNowSec } from '@/components/common/chainClock';

export interface LpAccountState {
  walletUsd?: bigint;
  shares?: bigint;
  /** the LP's shares (queued ones included) at the pool's conversion */
  valueUsd?: bigint;
  maxWithdrawUsd?: bigint;
  withdrawableAt?: bigint;
  lockedShares?: bigint;
  queue: readonly QueuedRequest[];
  queueScannedAll: boolean;
}

/** "Your liquidity": value, withdrawable now, PnL from indexed flows, shares, cooldown, the queue and claims. */
export function LpPosition({ lp: a, pool }: { lp: LpAccountState; pool?: PoolView }) {
  const sym = useTokenSymbol();
  const chainNow = useChainNowSec(); // the cooldown ends on the chain's clock
  const { address, isConnected } = useAccount();
  const user = address ?? ZERO_ADDRESS;
  const flows = useQuery({ queryKey: ['lp', address], enabled: !!address, queryFn: () => api.lp(address!), refetchInterval: 4000 });
  // The PnL sums indexed flows: right after this app confirmed a deposit or withdrawal, wait for the indexer to reach
  // that block instead of showing a PnL that misses it (set by useTx; a disabled query just follows the cache).
  const lastTx = useQuery<bigint>({ queryKey: lastTxBlockKey(user), queryFn: () => 0n, enabled: false });
  // The same for a keeper's fill of the LP's queued request, which no transaction of this app marks: the chain shows
  // the shares gone before the index has the payout (the API compares the two).
  // Until the API's next answer the chain's own queue (read every few seconds) tells: shares waiting on chain that differ
  // from the answer's mean a fill since it.
  const sum = (xs: readonly bigint[]) => xs.reduce((t, x) => t + x, 0n);
  const queueMatches =
    !a.queueScannedAll || !flows.data || sum(a.queue.map((q) => q.shares)) === sum(flows.data.requests.map((r) => BigInt(r.sharesPending)));
  const synced =
    !!flows.data &&
    !flows.data.fillUnindexed &&
    queueMatches &&
    (lastTx.data === undefined || (flows.data.indexedBlock !== null && BigInt(flows.data.indexedBlock) >= lastTx.data));
  // While the NAV cannot be valued (a stale market), value-based reads revert: say so instead of loading forever.
  const waiting = pool !== undefined && !pool.navValid ? 'waiting for prices' : undefined;
  const pnl =
    flows.data && a.valueUsd !== undefined
      ? synced
        ? fmtUsd(a.valueUsd + BigInt(flows.data.withdrawnUsd) - BigInt(flows.data.depositedUsd))
        : 'indexing…'
      : flows.isError
        ? 'n/a'
        : waiting;
  const cooldown =
    a.withdrawableAt === undefined || a.lockedShares === undefined
      ? undefined
      : a.lockedShares === 0n || a.withdrawableAt < chainNow
        ? 'none'
        : `until ${new Date(Number(a.withdrawableAt) * 1000).toLocaleTimeString()}`;

  return (
    <section aria-labelledby="lp-position" className="card">
      <h2 id="lp-position" className="mb-3 text-sm font-semibold text-zinc-300">
        Your liquidity
      </h2>
      {!isConnected ? (
        <p className="text-sm text-zinc-400">Connect a wallet to deposit.</p>
      ) : (
        <dl className="grid grid-cols-2 gap-3">
          <Stat label={`Wallet ${sym}`} testId="wallet-usdc" value={a.walletUsd !== undefined ? fmtUsd(a.walletUsd) : undefined} />
          <Stat label="Your value" testId="lp-value" hint="your shares, including any waiting in the withdrawal queue" value={a.valueUsd !== undefined ? fmtUsd(a.valueUsd) : waiting} />
          <Stat label="Withdrawable now" testId="lp-max-withdraw" value={a.maxWithdrawUsd !== undefined ? fmtUsd(a.maxWithdrawUsd) : waiting} />
          <Stat label="Your PnL" testId="lp-pnl" hint="value + withdrawn − deposited (indexed)" value={pnl} />
          <Stat label="Shares" value={a.shares !== undefined ? fmtShares(a.shares) : undefined} />
          <Stat
            label="Cooldown"
            testId="lp-cooldown"
            hint={a.lockedShares ? `${fmtShares(a.lockedShares)} shares locked; older shares are free` : 'newly deposited shares are locked for the cooldown'}
            value={cooldown}
          />
        </dl>
      )}
      <QueuedRequests requests={a.queue} scannedAll={a.queueScannedAll} pool={pool} />
      {isConnected && <ClaimDeferred />}
      <div className="mt-4">
        <FaucetButton />
      </div>
    </section>
  );
}

/** Queue payouts the token refused to deliver to a receiver wait here for the owner, who claims them to itself. */
function ClaimDeferred() {
  const c = useContracts();
  const { address } = useAccount();
  const { send, pending } = useTx();
  const owed = useReadContract({ ...c.pool, functionName: 'claimable', args: [address ?? ZERO_ADDRESS], query: { enabled: !!address } }).data;
  if (!address || !owed) return null;
  return (
    <p className="mt-3 flex items-center justify-between gap-3 text-sm" data-testid="lp-claimable">
      <span>{fmtUsd(owed)} from a queued withdrawal could not be delivered to its receiver and waits for you.</span>
      <button className="btn-ghost" disabled={pending} onClick={() => send({ ...c.pool, functionName: 'claim', args: [address], label: `Claim ${fmtUsd(owed)}` })}>
        Claim
      </button>
    </p>
  );
}
