'use client';

import { useQuery } from '@tanstack/react-query';
import { api, type LpIncome } from '@/lib/api/client';
import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useAccount, useReadContract, useReadContracts } from 'wagmi';
import { FaucetButton } from '@/components/common/FaucetButton';
import { AmountField, Stat } from '@/components/common/Stat';
import { OptionsShare } from './OptionsShare';
import { useContracts } from '@/components/common/useContracts';
import { lastTxBlockKey, useTx } from '@/components/tx/useTx';
import { annualize, fmtPct, fmtShares, fmtUsd, staleMarketIds } from '@/lib/format';
import { checkAmount } from '@/lib/validation';
import { toSharesUp } from '@/lib/math/shares';

const ZERO = '0x0000000000000000000000000000000000000000' as const;

export function PoolPanel() {
  const c = useContracts();
  const { address, isConnected } = useAccount();
  const user = address ?? ZERO;
  const pool = useReadContract({ ...c.reader, functionName: 'poolView' });
  const acct = useReadContracts({
    contracts: [
      { ...c.token, functionName: 'balanceOf', args: [user] },
      { ...c.token, functionName: 'allowance', args: [user, c.pool.address] },
      { ...c.pool, functionName: 'balanceOf', args: [user] },
      { ...c.pool, functionName: 'maxWithdraw', args: [user] },
      { ...c.pool, functionName: 'withdrawableAt', args: [user] },
      { ...c.pool, functionName: 'lockedShares', args: [user] },
    ],
    allowFailure: false,
    query: { enabled: isConnected },
  });
  const shares = acct.data?.[2];
  const sharesValue = useReadContract({
    ...c.pool,
    functionName: 'convertToAssets',
    args: [shares ?? 0n],
    query: { enabled: shares !== undefined },
  });

  const lp = useQuery({
    queryKey: ['lp', address],
    enabled: !!address,
    queryFn: () => api.lp(address!),
    refetchInterval: 4000,
  });
  // Shares waiting in the withdrawal queue are escrowed by the vault but still the LP's until filled: they count in
  // the LP's value and PnL (the deposit that bought them is in the sums; the fill is not yet).
  const queuedShares = lp.data?.requests.reduce((sum, r) => sum + BigInt(r.sharesPending), 0n) ?? 0n;
  const queuedValue = useReadContract({
    ...c.pool,
    functionName: 'convertToAssets',
    args: [queuedShares],
    query: { enabled: queuedShares > 0n },
  });
  const totalValue = sharesValue.data === undefined ? undefined : sharesValue.data + (queuedShares > 0n ? (queuedValue.data ?? 0n) : 0n);
  // The PnL sums indexed flows: right after this app confirmed a deposit or withdrawal, wait for the indexer to reach
  // that block instead of showing a PnL that misses it (set by useTx; a disabled query just follows the cache).
  const lastTx = useQuery<bigint>({ queryKey: lastTxBlockKey(user), queryFn: () => 0n, enabled: false });
  const lastTxBlock = lastTx.data;
  const lpSynced = !!lp.data && (lastTxBlock === undefined || (lp.data.indexedBlock !== null && BigInt(lp.data.indexedBlock) >= lastTxBlock));
  const p = pool.data;
  const [walletUsd, allowance, , maxWithdraw, withdrawableAt, lockedShares] = acct.data ?? [];

  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <section aria-labelledby="pool-stats" className="card lg:col-span-2">
        <h2 id="pool-stats" className="mb-3 text-sm font-semibold text-zinc-300">
          Pool
        </h2>
        {pool.isError && (
          <p role="alert" className="text-sm text-rose-400">
            The chain is unreachable: {pool.error.message.split('\n')[0]}
          </p>
        )}
        {p && !p.navValid && (
          <p role="status" className="mb-3 text-sm text-amber-400" data-testid="pool-stale">
            {staleMarketIds(p.staleMarkets).length > 0 ? (
              <>
                {staleMarketIds(p.staleMarkets)
                  .map((id) => c.markets.find((m) => m.id === id)?.name ?? `market ${id}`)
                  .join(', ')}{' '}
                has open interest and no fresh price: the NAV cannot be valued, so deposits and withdrawals wait for its next price update.
                Trading, closing and liquidations on the other markets go on.
              </>
            ) : (
              <>The options book&apos;s greek cache is out of its range (a price move, a new volatility sample, or an expiry to settle): deposits and withdrawals wait for the keeper&apos;s refresh, usually a block or two. Trading goes on.</>
            )}
          </p>
        )}
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          <Stat label="NAV" testId="pool-nav" value={p && (p.navValid ? fmtUsd(p.navUsd) : 'waiting for prices')} hint="cash + fees owed to the pool − what traders would be paid" />
          <Stat
            label="Deposit / withdraw at"
            testId="pool-nav-bounds"
            value={p && (p.navValid ? `${fmtUsd(p.navHighUsd, 0)} / ${fmtUsd(p.navLowUsd, 0)}` : '—')}
            hint="the NAV ± how far it could move if the oracles were as far behind the market as they can be unseen (traders' net exposure × each feed's deviation threshold)"
          />
          <Stat label="Share price" testId="pool-share-price" value={p && (p.navValid ? `$${(Number(p.sharePriceWad) / 1e18).toFixed(6)}` : '—')} />
          <Stat label="Utilization" testId="pool-utilization" value={p && fmtPct(p.utilizationWad)} hint="reserved payouts / pool cash" />
          <Stat label="Borrow APR" value={p && fmtPct(annualize(p.borrowRateWad))} />
          <Stat label="Pool cash" value={p && fmtUsd(p.poolCashUsd, 0)} />
          <Stat label="Reserved" value={p && fmtUsd(p.reservedUsd, 0)} hint="max payouts of open positions" />
          <Stat label="Free liquidity" testId="pool-free" value={p && fmtUsd(p.freeLiquidityUsd, 0)} hint="what LPs can withdraw now" />
          <Stat label="Bad debt" value={p && fmtUsd(p.badDebtUsd)} />
        </dl>
        <div className="mt-4 border-t border-zinc-800 pt-4">
          <OptionsShare navUsd={p?.navValid ? p.navUsd : undefined} reservedUsd={p?.reservedUsd} />
        </div>
      </section>

      <section aria-labelledby="lp-position" className="card">
        <h2 id="lp-position" className="mb-3 text-sm font-semibold text-zinc-300">
          Your liquidity
        </h2>
        {!isConnected ? (
          <p className="text-sm text-zinc-400">Connect a wallet to deposit.</p>
        ) : (
          <dl className="grid grid-cols-2 gap-3">
            <Stat label="Wallet USDC" testId="wallet-usdc" value={walletUsd !== undefined ? fmtUsd(walletUsd) : undefined} />
            <Stat label="Your value" testId="lp-value" hint="your shares, including any waiting in the withdrawal queue" value={totalValue !== undefined ? fmtUsd(totalValue) : undefined} />
            <Stat label="Withdrawable now" testId="lp-max-withdraw" value={maxWithdraw !== undefined ? fmtUsd(maxWithdraw) : undefined} />
            <Stat
              label="Your PnL"
              testId="lp-pnl"
              hint="value + withdrawn − deposited (indexed)"
              value={
                lp.data && totalValue !== undefined
                  ? lpSynced
                    ? fmtUsd(totalValue + BigInt(lp.data.withdrawnUsd) - BigInt(lp.data.depositedUsd))
                    : 'indexing…'
                  : lp.isError
                    ? 'n/a'
                    : undefined
              }
            />
            <Stat label="Shares" value={shares !== undefined ? fmtShares(shares) : undefined} />
            <Stat
              label="Cooldown"
              testId="lp-cooldown"
              hint={lockedShares ? `${fmtShares(lockedShares)} shares locked; older shares are free` : 'newly deposited shares are locked for the cooldown'}
              value={
                withdrawableAt === undefined || lockedShares === undefined
                  ? undefined
                  : lockedShares === 0n || Number(withdrawableAt) * 1000 < Date.now()
                    ? 'none'
                    : `until ${new Date(Number(withdrawableAt) * 1000).toLocaleTimeString()}`
              }
            />
          </dl>
        )}
        {lp.data && lp.data.requests.length > 0 && <QueuedRequests requests={lp.data.requests} />}
        {isConnected && <ClaimDeferred />}
        <div className="mt-4">
          <FaucetButton />
        </div>
      </section>

      <AprBreakdown navUsd={p?.navUsd} />
      <DepositForm walletUsd={walletUsd} allowance={allowance} lockedShares={lockedShares} cooldownSec={p?.cooldownSec} />
      <WithdrawForm
        maxWithdraw={maxWithdraw}
        shares={shares}
        lockedShares={lockedShares}
        unlockAt={withdrawableAt}
        valueUsd={sharesValue.data}
        pool={p ? { totalShares: p.totalShares, navLowUsd: p.navLowUsd } : undefined}
      />
    </div>
  );
}

function DepositForm({ walletUsd, allowance, lockedShares, cooldownSec }: { walletUsd?: bigint; allowance?: bigint; lockedShares?: bigint; cooldownSec?: bigint }) {
  const c = useContracts();
  const { address, isConnected } = useAccount();
  const { send, pending, error } = useTx();
  const [text, setText] = useState('');
  const minDeposit = useReadContract({ ...c.pool, functionName: 'minDepositAssets' }).data;
  const base = checkAmount(text, { max: walletUsd, maxLabel: 'your wallet balance' });
  const check = base.value !== undefined && minDeposit !== undefined && base.value < minDeposit ? { error: `Deposits start at ${fmtUsd(minDeposit)}` } : base;
  const needsApproval = check.value !== undefined && allowance !== undefined && allowance < check.value;

  return (
    <form
      aria-labelledby="deposit-title"
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (check.value === undefined || !address) return;
        if (needsApproval) {
          await send({ ...c.token, functionName: 'approve', args: [c.pool.address, maxUint256], label: 'Approve USDC' });
          return;
        }
        if (await send({ ...c.pool, functionName: 'deposit', args: [check.value, address], label: `Deposit ${text} USDC` })) setText('');
      }}
    >
      <h2 id="deposit-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Deposit
      </h2>
      <AmountField id="deposit-amount" label="Amount (USDC)" value={text} onChange={setText} error={check.error} />
      {!!lockedShares && lockedShares > 0n && (
        <p className="mt-1 text-xs text-amber-400" data-testid="deposit-restarts-cooldown">
          Your {fmtShares(lockedShares)} shares still in their cooldown will join this deposit&apos;s: all of them unlock
          {cooldownSec !== undefined ? ` ${Number(cooldownSec)} s after it` : ' after its cooldown'}.
        </p>
      )}
      <button type="submit" className="btn mt-3 w-full" disabled={!isConnected || pending || check.value === undefined}>
        {pending ? 'Confirming…' : needsApproval ? 'Approve USDC' : 'Deposit'}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}

function WithdrawForm({
  maxWithdraw,
  shares,
  lockedShares,
  unlockAt,
  valueUsd,
  pool,
}: {
  /** the pool's share supply and the NAV bound withdrawals use, for the vault's own conversion (SharesMath mirror) */
  pool?: { totalShares: bigint; navLowUsd: bigint };
  maxWithdraw?: bigint;
  shares?: bigint;
  lockedShares?: bigint;
  unlockAt?: bigint;
  valueUsd?: bigint;
}) {
  const c = useContracts();
  const { address, isConnected } = useAccount();
  const { send, pending, error } = useTx();
  const [text, setText] = useState('');
  // Shares still in their deposit cooldown can neither be withdrawn nor queued: only the rest is available.
  const unlocked = shares !== undefined && lockedShares !== undefined ? shares - lockedShares : shares;
  const unlockedValue = valueUsd !== undefined && shares && unlocked !== undefined ? (valueUsd * unlocked) / shares : valueUsd;
  const base = checkAmount(text, { max: valueUsd, maxLabel: 'your pool value' });
  const check =
    base.value !== undefined && unlockedValue !== undefined && base.value > unlockedValue
      ? { error: `Only ${fmtUsd(unlockedValue)} is past its deposit cooldown; the rest unlocks at ${new Date(Number(unlockAt ?? 0n) * 1000).toLocaleTimeString()}` }
      : base;
  const instant = check.value !== undefined && maxWithdraw !== undefined && check.value <= maxWithdraw;

  return (
    <form
      aria-labelledby="withdraw-title"
      className="card lg:col-span-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (check.value === undefined || !address) return;
        if (instant) {
          if (await send({ ...c.pool, functionName: 'withdraw', args: [check.value, address, address], label: `Withdraw ${text} USDC` }))
            setText('');
          return;
        }
        // Not free now: queue the matching shares; they are paid at the NAV of the fill.
        // Shares worth the amount as the vault burns them for a withdrawal: at the NAV's low bound, rounded up.
        const wanted = pool ? toSharesUp(check.value, pool.totalShares, pool.navLowUsd) : 0n;
        const queued = wanted > (unlocked ?? 0n) ? (unlocked ?? 0n) : wanted;
        if (await send({ ...c.pool, functionName: 'requestRedeem', args: [queued, address], label: `Queue withdrawal of ${text} USDC` }))
          setText('');
      }}
    >
      <h2 id="withdraw-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Withdraw
      </h2>
      <AmountField id="withdraw-amount" label="Amount (USDC)" value={text} onChange={setText} error={check.error} help="yes" />
      <p id="withdraw-amount-help" className="mt-1 text-xs text-zinc-500">
        Withdrawals are limited to free liquidity (cash not backing open positions); newly deposited shares wait out the deposit cooldown, earlier ones stay free.
        Larger amounts join a queue that fills in order at the NAV of the fill; you can cancel while it waits.
      </p>
      <button type="submit" className="btn mt-3" disabled={!isConnected || pending || check.value === undefined}>
        {pending ? 'Confirming…' : instant || check.value === undefined ? 'Withdraw' : 'Queue withdrawal'}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}

type Income = LpIncome;

/** LP APR over the last 24 hours of indexed activity, annualized, by source. */
function AprBreakdown({ navUsd }: { navUsd?: bigint }) {
  const q = useQuery({
    queryKey: ['summary'],
    queryFn: api.summary,
    refetchInterval: 10_000,
  });
  const inc = q.data?.last24h?.lpIncomeUsd;
  const apr = (x: string) => (navUsd && navUsd > 0n ? fmtPct((BigInt(x) * 365n * 10n ** 18n) / navUsd) : '—');
  const rows: [string, keyof Income][] = [
    ['Trading fees and impact', 'tradingFeesUsd'],
    ['Borrow fees', 'borrowFeesUsd'],
    ['Funding imbalance', 'fundingUsd'],
    ['Trader PnL (pool side)', 'traderPnlUsd'],
  ];
  const total = inc ? rows.reduce((t, [, k]) => t + BigInt(inc[k]), 0n) : undefined;
  return (
    <section aria-labelledby="apr-title" className="card">
      <h2 id="apr-title" className="mb-3 text-sm font-semibold text-zinc-300">
        APR (last 24 h, annualized)
      </h2>
      {q.isError || (q.data && !q.data.last24h) ? (
        <p className="text-sm text-amber-400">Activity unavailable (indexer not reachable).</p>
      ) : !inc ? (
        <div className="skeleton h-20 w-full" />
      ) : (
        <dl className="grid grid-cols-2 gap-y-1 text-xs">
          {rows.map(([label, k]) => (
            <div key={k} className="contents">
              <dt className="text-zinc-500">{label}</dt>
              <dd className="num text-right">
                {apr(inc[k])} <span className="text-zinc-500">({fmtUsd(BigInt(inc[k]))})</span>
              </dd>
            </div>
          ))}
          <dt className="font-medium text-zinc-300">Total realized</dt>
          <dd className="num text-right font-medium" data-testid="pool-apr">
            {total !== undefined ? apr(total.toString()) : '—'}
          </dd>
        </dl>
      )}
      <p className="mt-2 text-xs text-zinc-500">Realized income only; unrealized trader PnL moves the NAV above.</p>
    </section>
  );
}

/** The LP's pending withdrawal requests: filled in order at the NAV of the fill, cancellable while they wait. */
/** Queue payouts the token refused to deliver to a receiver wait here for the owner, who claims them to itself. */
function ClaimDeferred() {
  const c = useContracts();
  const { address } = useAccount();
  const { send, pending } = useTx();
  const owed = useReadContract({ ...c.pool, functionName: 'claimable', args: [address ?? ZERO], query: { enabled: !!address } }).data;
  if (!address || !owed) return null;
  return (
    <p className="mt-3 flex items-center justify-between gap-3 text-sm" data-testid="lp-claimable">
      <span>
        {fmtUsd(owed)} from a queued withdrawal could not be delivered to its receiver and waits for you.
      </span>
      <button className="btn-ghost" disabled={pending} onClick={() => send({ ...c.pool, functionName: 'claim', args: [address], label: `Claim ${fmtUsd(owed)}` })}>
        Claim
      </button>
    </p>
  );
}

function QueuedRequests({ requests }: { requests: { requestId: string; sharesPending: string; requestedAt: number }[] }) {
  const c = useContracts();
  const { send, pending } = useTx();
  return (
    <div className="mt-4" data-testid="lp-queue">
      <h3 className="label">Queued withdrawals</h3>
      <ul className="space-y-1 text-xs">
        {requests.map((r) => (
          <li key={r.requestId} className="flex items-center justify-between gap-2">
            <span className="num">
              #{r.requestId}: {fmtShares(BigInt(r.sharesPending))} shares since{' '}
              {new Date(r.requestedAt * 1000).toLocaleTimeString()}
            </span>
            <button
              className="btn-ghost px-2 py-1 text-xs"
              disabled={pending}
              onClick={() => send({ ...c.pool, functionName: 'cancelRedeem', args: [BigInt(r.requestId)], label: `Cancel withdrawal #${r.requestId}` })}
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
