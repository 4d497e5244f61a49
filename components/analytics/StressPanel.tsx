'use client';

import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api/client';
import { fmtPct, fmtUsd } from '@/lib/format';
import { useContracts } from '@/components/common/useContracts';
import { StressApplied, StressLiquidated } from './StressDetails';
import { StressForm } from './StressForm';

export function StressPanel() {
  const markets = useContracts().markets;
  const names = markets.map((m) => m.name);
  const run = useMutation({
    mutationFn: api.stress,
  });
  const r = run.data;
  return (
    <section aria-labelledby="stress-title" className="card">
      <h2 id="stress-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Stress test on the live book
      </h2>
      <div className="mb-3 flex flex-wrap gap-2">
        {['crash', 'spike', 'volsurge', 'bankrun'].map((s) => (
          <button key={s} className="btn-ghost" onClick={() => run.mutate(`scenario=${s}`)} disabled={run.isPending}>
            {s}
          </button>
        ))}
      </div>
      <StressForm markets={markets} pending={run.isPending} onRun={run.mutate} />
      <p className="mt-2 text-xs text-zinc-400">
        A σ shock moves maintenance as the chain does: open positions are held to a rate that ramps toward the shocked target by at most the
        market’s ramp per hour, so it liquidates more the longer it lasts (0 hours: the instant of the shock). Over those hours borrow and
        funding accrue as the chain accrues them, at today’s utilization and skews; the shock’s own price move is not a new volatility
        sample (scale σ for that).
      </p>
      {run.isError && (
        <p role="alert" className="mt-2 text-xs text-rose-400">
          {(run.error as Error).message}
        </p>
      )}
      {r && (
        <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-8" data-testid="stress-result">
          <div>
            <dt className="text-xs text-zinc-400">NAV before</dt>
            <dd className="num" data-testid="stress-nav-before">{fmtUsd(BigInt(r.navBeforeUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400" title="the shock's loss to the LPs who stay: NAV before, less what withdrawing LPs took with their shares, less the NAV after liquidations">
              LP loss (withdrawals aside)
            </dt>
            <dd className={`num ${BigInt(r.lpLossUsd) > 0n ? 'text-rose-400' : ''}`} data-testid="stress-lp-loss">
              {BigInt(r.lpLossUsd) > 0n ? fmtUsd(BigInt(r.lpLossUsd)) : `gain ${fmtUsd(-BigInt(r.lpLossUsd))}`}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400" title="after the shock and the LP outflow, before liquidations">NAV after shock</dt>
            <dd className="num">{fmtUsd(BigInt(r.navShockedUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400">NAV after liquidations</dt>
            <dd className="num">{fmtUsd(BigInt(r.navAfterLiquidationsUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400">Positions liquidated</dt>
            <dd className="num" data-testid="stress-liquidated">
              {r.positionsLiquidated} / {r.positionsTotal}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400" title="what holders' options are worth plus payouts owed: in the NAV now, and revalued at the shocked prices, volatility and hours">
              Options owed: now → shocked
            </dt>
            <dd className="num" data-testid="stress-options">
              {fmtUsd(BigInt(r.optionsLiabilityNowUsd))} → {fmtUsd(BigInt(r.optionsLiabilityShockedUsd))}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400">Bad debt</dt>
            <dd className="num">{fmtUsd(BigInt(r.badDebtUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400" title="the asked share of pool cash, capped at the free liquidity LPs may take">
              LP outflow
            </dt>
            <dd className="num">{fmtUsd(BigInt(r.lpOutflowUsd))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400">Utilization before</dt>
            <dd className="num">{fmtPct(BigInt(r.utilizationBeforeWad))}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-400">Utilization after</dt>
            <dd className="num">{fmtPct(BigInt(r.utilizationAfterWad))}</dd>
          </div>
        </dl>
      )}
      {r && <StressApplied r={r} names={names} />}
      {r && <StressLiquidated r={r} names={names} />}
      {r && BigInt(r.unindexedOiUsd) > 0n && (
        <p role="status" className="mt-2 text-xs text-amber-400" data-testid="stress-unindexed">
          The index is behind the chain: {fmtUsd(BigInt(r.unindexedOiUsd))} of open interest is in positions it has not reached yet, which this run does not
          test. Run it again in a few seconds.
        </p>
      )}
      {r && (
        <p className="mt-2 text-xs text-zinc-400" data-testid="stress-explain">
          NAV after shock is the chain’s NAV formula at the shocked prices: a position’s loss counts only up to what it can pay (its floor, P-56), so the bad debt is
          already out of it. Liquidations then keep the fees and close impact the liquidated positions pay, less the keepers’ rewards, so the NAV after them can be
          higher. Bad debt is what bankrupt positions owe beyond their collateral, the keepers’ rewards included.
        </p>
      )}
    </section>
  );
}
