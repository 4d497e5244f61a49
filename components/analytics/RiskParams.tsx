'use client';

import { TableHead } from '@/components/common/Stat';
import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useReaderView } from '@/components/common/useReaderView';
import { annualize, bytes32ToString, fmtPct, fmtPctFine, fmtUsd } from '@/lib/format';

/** Every market's risk parameters and oracle policy in force, read from the chain, with the live funding rate. */
export function RiskParams() {
  const c = useContracts();
  const markets = useReaderView('markets', []);
  const poolConfig = useReadContract({ ...c.core, functionName: 'poolConfig' });
  const exitRoom = useReadContract({ ...c.optionsBook, functionName: 'LP_EXIT_ROOM_WAD' });
  return (
      <section aria-labelledby="params-title" className="card overflow-x-auto" tabIndex={0}>
        <h2 id="params-title" className="mb-2 text-sm font-semibold text-zinc-300">
          Risk parameters and oracle policy in force
        </h2>
        {poolConfig.data && (
          <p className="mb-2 text-xs text-zinc-400">
            Borrow curve: {fmtPct(annualize(poolConfig.data.baseRateWad))} + {fmtPct(annualize(poolConfig.data.slope1Wad))} up to the{' '}
            {fmtPct(poolConfig.data.kinkWad)} kink, + {fmtPct(annualize(poolConfig.data.slope2Wad))} above (APR). Solvency: reserved ≤{' '}
            {poolConfig.data.maxUtilizationBps / 100}% of pool cash; LP withdrawals stop at the kink
            {exitRoom.data !== undefined && <> and option buys at {fmtPct(poolConfig.data.kinkWad > exitRoom.data ? poolConfig.data.kinkWad - exitRoom.data : 0n)}</>} (P-106).
            Keeper share of the liquidation fee: {poolConfig.data.keeperShareBps / 100}%.
          </p>
        )}
        <table className="num w-full min-w-[1100px] text-left text-xs">
          <TableHead columns={['Market', 'Max oracle age', 'Fees open/close', 'Liq. fee', 'Leverage cap', 'Profit cap', 'MMR floor', 'z', 'Horizon', 'σ memory τ', 'IMR ×', 'OI caps L/S', 'Skew L−S (options Δ)', 'Funding now (APR)', 'Funding max, full-skew ramp']} />
          <tbody>
            {(markets.data ?? []).map((m, i) => (
              <tr key={i} className="border-t border-zinc-800">
                <td className="py-1 pr-3">{bytes32ToString(m.name)}</td>
                <td className="pr-3">{m.config.maxPriceAgeSec} s</td>
                <td className="pr-3">
                  {m.config.openFeeBps}/{m.config.closeFeeBps} bps
                </td>
                <td className="pr-3">{m.config.liquidationFeeBps} bps</td>
                <td className="pr-3">{m.config.maxLeverage}x</td>
                <td className="pr-3">{m.config.maxProfitBps / 100}%</td>
                <td className="pr-3">{fmtPct(m.config.mmrFloorWad)}</td>
                <td className="pr-3">{(Number(m.config.zWad) / 1e18).toFixed(2)}</td>
                <td className="pr-3">{m.config.horizonSec / 60} min</td>
                <td className="pr-3">{Number(m.config.volTauSec) / 60} min</td>
                <td className="pr-3">{(Number(m.config.imrMultiplierWad) / 1e18).toFixed(2)}</td>
                <td className="pr-3">
                  {fmtUsd(m.config.maxLongOiUsd, 0)} / {fmtUsd(m.config.maxShortOiUsd, 0)}
                </td>
                <td
                  className="pr-3"
                  data-testid={`skew-${i}`}
                  data-options-skew={m.state.optionsSkewUsd.toString()}
                  title="the options traders' delta × price is added to the perpetual skew to drive the funding rate, and charged to trades that add to the sum"
                >
                  {fmtUsd(m.skewUsd, 0)} ({fmtUsd(m.state.optionsSkewUsd, 0)})
                </td>
                <td className="pr-3" data-testid={`funding-now-${i}`} title="positive: longs pay shorts and the pool">
                  {fmtPctFine(annualize(BigInt(m.state.fundingRateWad)))}
                </td>
                <td className="pr-3" title="the rate moves at (skew / skew scale) × the full-skew velocity, up to the max">
                  {fmtPct(annualize(m.config.maxFundingRateWad), 0)}, in{' '}
                  {m.config.maxFundingVelocityWad > 0n ? `${(Number(m.config.maxFundingRateWad) / Number(m.config.maxFundingVelocityWad) / 3600).toFixed(0)} h` : '∞'} at skew ≥{' '}
                  {fmtUsd(m.config.skewScaleUsd, 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-zinc-400">
          Oracles: prices older than the market&apos;s max age, in the future, zero or negative, at a Chainlink feed&apos;s min/max answer bounds,
          while an L2 sequencer is down or within its grace period, or with a Pyth confidence wider than its bound are rejected; one price per
          transaction; σ is an EWMA of log returns that takes one sample per sampling interval (the first price of each interval, whoever
          posts it and however many ticks arrive; a sample&apos;s move counts at most the clip in σ), with a long-run σ as its floor.
        </p>
      </section>
  );
}
