'use client';

import { fmtPct } from '@/lib/format';
import { hoursToTarget } from '@/lib/math/risk';
import type { useMarketData } from './useMarketData';
import { useChainNowSec } from '@/components/common/chainClock';

type Market = NonNullable<ReturnType<typeof useMarketData>['markets']>[number];

/** Why max leverage is what it is: sigma now and long-run (the floor), the target and the scheduled maintenance with
 *  its ramp, and the utilization term (PerpRisk.marginRatesUp). */
export function MarginExplainer({ m, kinkWad }: { m: Market; kinkWad?: bigint }) {
  const c = m.config;
  const nowSec = useChainNowSec(); // the schedule the Reader reports is at the chain's time
  const hours = hoursToTarget(m.maintenanceBaseWad, nowSec, m.marginTargetWad, c.maintenanceRampWadPerHour, nowSec);
  const floorBinds = m.longRunVolatilityWad > m.annualizedVolatilityWad;
  // RiskMath.initialMarginUp's floor: 1 / maxLeverage, rounded up as the chain rounds it
  const capWad = (10n ** 18n + BigInt(c.maxLeverage) - 1n) / BigInt(c.maxLeverage);
  const capBinds = m.initialMarginWad === capWad;
  return (
    <div className="mt-2 space-y-1 text-xs text-zinc-400" data-testid="max-leverage-why">
      <p>
        Max leverage = 1 / initial margin {fmtPct(m.initialMarginWad)}: (the margin target {fmtPct(m.marginTargetWad)} + size term) × {(Number(c.imrMultiplierWad) / 1e18).toFixed(2)} +
        utilization term (pool utilization {fmtPct(m.utilizationWad)}, kink {fmtPct(kinkWad)}), at least 1 / {c.maxLeverage.toString()} ({fmtPct(capWad)}: the leverage cap)
        {capBinds ? '; the cap is what binds now' : ''}.
      </p>
      <p data-testid="margin-target-why">
        Target = z {(Number(c.zWad) / 1e18).toFixed(2)} × σ over {Number(c.horizonSec) / 60} min, with σ the larger of now {fmtPct(m.annualizedVolatilityWad)} and long-run{' '}
        {fmtPct(m.longRunVolatilityWad)} a year{floorBinds ? ' (the long-run σ is the floor now)' : ''}; never below {fmtPct(c.mmrFloorWad)}. σ takes one sample every{' '}
        {Number(c.sampleIntervalSec) / 60} min; a sample's move counts at most {Number(c.clipSigmas)} σ.
      </p>
      <p data-testid="margin-ramp-why">
        Open positions are held to maintenance {fmtPct(m.maintenanceBaseWad)} (+ size term), which rises toward the target by at most{' '}
        {fmtPct(c.maintenanceRampWadPerHour)} an hour{hours > 0 ? ` (there in about ${hours.toFixed(1)} h if σ stays)` : ' (at the target now)'} and follows it down at once.
      </p>
    </div>
  );
}
