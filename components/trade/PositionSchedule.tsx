'use client';

import { fmtLiquidationPrice, fmtPct } from '@/lib/format';
import { maintenanceScheduleUp } from '@/lib/math/risk';
import { liquidationPriceWad } from '@/lib/math/position';
import type { useMarketData } from './useMarketData';
import { useChainNowSec } from '@/components/common/chainClock';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];
type Market = NonNullable<Data['markets']>[number];

const HOURS = [0, 1, 4, 12, 24];

/** An open position's maintenance and liquidation price over the next hours on the market's margin schedule, if no
 *  new volatility sample arrives (Reader.maintenanceSchedule, mirrored by lib/math/risk maintenanceScheduleUp). */
export function PositionSchedule({ p, m }: { p: Row; m: Market }) {
  const nowSec = useChainNowSec(); // the Reader's rows are at the chain's time: the schedule starts there
  const times = HOURS.map((h) => nowSec + BigInt(h * 3600));
  const rates = maintenanceScheduleUp(
    { maintenanceRampWadPerHour: m.config.maintenanceRampWadPerHour, sizeScaleUsd: m.config.sizeScaleUsd, sizeTermWad: m.config.sizeTermWad },
    m.state,
    p.position.sizeUsd,
    nowSec,
    times,
  );
  const fees = p.status.borrowFeeUsd + p.status.fundingFeeUsd;
  return (
    <div className="text-xs text-zinc-400" data-testid="position-schedule">
      <p className="mb-1">
        Margin schedule if σ stays: maintenance rises toward {fmtPct(m.marginTargetWad)} by at most {fmtPct(m.config.maintenanceRampWadPerHour)} an hour (fees
        held at today’s).
      </p>
      <table className="num">
        <thead>
          <tr className="text-zinc-400">
            <th className="pr-4 text-left font-normal">in</th>
            {HOURS.map((h) => (
              <th key={h} className="pr-4 text-right font-normal">
                {h === 0 ? 'now' : `${h} h`}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td className="pr-4">maintenance</td>
            {rates.map((r, i) => (
              <td key={HOURS[i]} className="pr-4 text-right">
                {fmtPct(r)}
              </td>
            ))}
          </tr>
          <tr>
            <td className="pr-4">liq. price</td>
            {rates.map((r, i) => (
              <td key={HOURS[i]} className="pr-4 text-right">
                {fmtLiquidationPrice(p.isLong, liquidationPriceWad(p.isLong, p.position.sizeUsd, p.position.sizeTokens, p.position.collateralUsd, fees, r, BigInt(p.position.capBucket)))}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
