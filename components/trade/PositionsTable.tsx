'use client';

import { TableHead } from '@/components/common/Stat';
import { useState } from 'react';
import { useAccount } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useTx } from '@/components/tx/useTx';
import { bytes32ToString, fmtLev, fmtLiquidationPrice, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';
import { explainError } from '@/lib/errors';
import type { useMarketData } from './useMarketData';
import { PositionSchedule } from './PositionSchedule';
import { PositionEditor, type EditMode } from './PositionEditor';
import { SLIPPAGE_FIRST, useSlippage } from './useSlippage';
import { PositionTpSl } from './PositionTpSl';
import { useEntryPrices } from './useEntryPrices';
import { ClosePreview, closeBound, closeError, closePreviewOf, closeSummary } from './ClosePreview';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];

export function PositionsTable({ data }: { data: Data }) {
  const rows = data.positions ?? [];
  const entries = useEntryPrices(rows);
  const { isConnected } = useAccount();
  return (
    <section aria-labelledby="positions-title" className="card overflow-x-auto" tabIndex={0}>
      <h2 id="positions-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Positions
      </h2>
      {!isConnected ? (
        <p className="text-sm text-zinc-400" data-testid="positions-disconnected">
          Connect a wallet to see your positions.
        </p>
      ) : rows.length === 0 && data.positionsError ? (
        <p role="alert" className="text-sm text-amber-400" data-testid="positions-error">
          Your positions cannot be valued right now: {explainError(data.positionsError)}
        </p>
      ) : rows.length === 0 ? (
        <p className="text-sm text-zinc-400" data-testid="positions-empty">
          No open positions.
        </p>
      ) : (
        <>
          {data.positionsError && (
            // The last read stays on screen (react-query keeps it) while a market's price is stale or failing: say so,
            // or its PnL, equity and liquidation distance read as live.
            <p role="alert" className="mb-2 text-xs text-amber-400" data-testid="positions-stale">
              Showing your positions as last valued: they cannot be valued right now ({explainError(data.positionsError)}).
            </p>
          )}
        <table className="num w-full min-w-[900px] text-left text-xs">
          <TableHead stickyFirst columns={['Position', 'Size', 'Collateral', 'Entry', 'Mark', 'PnL (ROE)', 'Fees owed', 'Equity', 'Leverage', 'Liq. price', 'To liq.', '']} />
          <tbody>
            {rows.map((p) => (
              <PositionRow key={`${p.marketId}-${p.isLong}`} p={p} data={data} entryWad={entries.get(`${p.marketId}:${p.isLong}`)} />
            ))}
          </tbody>
        </table>
        </>
      )}
    </section>
  );
}

/** `entryWad`: the average execution price of the position's fills (impact included), when the history has them. */
function PositionRow({ p, data, entryWad }: { p: Row; data: Data; entryWad?: bigint }) {
  const c = useContracts();
  const { send, pending } = useTx();
  const [slippageBps, , slippageValid] = useSlippage(); // an invalid typed tolerance holds closes back
  const [edit, setEdit] = useState<null | EditMode | 'tpsl'>(null);
  const [showSchedule, setShowSchedule] = useState(false);
  // a one-press close (all or half) waits for a confirmation that shows what it pays (review: one click closed)
  const [armed, setArmed] = useState<50n | 100n | null>(null);
  const market = data.markets?.[Number(p.marketId)];
  const name = market ? bytes32ToString(market.name) : `#${p.marketId}`;
  const pnl = p.status.pnlUsd;
  const fees = p.status.borrowFeeUsd + p.status.fundingFeeUsd;
  const size = p.position.sizeUsd;
  // return on equity: PnL net of the fees owed, over the collateral posted
  const roeWad = p.position.collateralUsd > 0n ? ((pnl - fees) * 10n ** 18n) / p.position.collateralUsd : 0n;
  const close = (fraction: bigint, label: string) => {
    if (!market) return;
    const delta = (size * fraction) / 100n;
    return send({
      ...c.engine,
      functionName: 'decreasePosition',
      args: [p.marketId, p.isLong, 0n, delta, closeBound(p, market, delta, slippageBps)],
      label: `${label} ${name} ${p.isLong ? 'long' : 'short'}`,
      prices: [Number(p.marketId)],
    });
  };
  // a half close is refused inline, as the editor's custom close is, when what stays open would fail the engine's checks
  const half = market ? closePreviewOf(p, market, (size * 50n) / 100n) : undefined;
  const halfError = half ? closeError(half) : undefined;
  const toggle = (mode: EditMode | 'tpsl') => setEdit((cur) => (cur === mode ? null : mode));
  return (
    <>
      <tr className="border-t border-zinc-800" data-testid={`position-${name}-${p.isLong ? 'long' : 'short'}`}>
        {/* market and side stay in view together when the table scrolls sideways (review BK: at 390 px the sticky market
            cell slid over the side's own column) */}
        <td className="sticky left-0 z-10 whitespace-nowrap bg-[#121214] py-2 pr-3">
          {name} <span className={p.isLong ? 'text-emerald-400' : 'text-rose-400'}>{p.isLong ? 'Long' : 'Short'}</span>
        </td>
        <td className="pr-3">{fmtUsd(size)}</td>
        <td className="pr-3">
          {fmtUsd(p.position.collateralUsd)}
          {p.position.rebateUsd > 0 && (
            <span className="block text-xs text-zinc-400" title="Impact rebate (at most the fee of the trade that earned it): paid as the position closes, forfeited on liquidation, not margin">
              + {fmtUsd(BigInt(p.position.rebateUsd))} rebate on close
            </span>
          )}
        </td>
        <td
          className="pr-3"
          data-testid="position-entry"
          data-wei={(entryWad ?? p.entryPriceWad).toString()}
          title={entryWad !== undefined ? 'average execution price of your fills, impact included (as in the preview and the history)' : 'oracle price at entry: the fills are not indexed yet'}
        >
          {fmtPrice(entryWad ?? p.entryPriceWad)}
          {entryWad === undefined && <span className="text-zinc-400">*</span>}
        </td>
        <td className="pr-3">{fmtPrice(market?.priceWad)}</td>
        <td className={`pr-3 ${pnl >= 0n ? 'text-emerald-400' : 'text-rose-400'}`} data-testid="position-pnl" data-wei={pnl.toString()}>
          {fmtUsd(pnl)}
          <span className="ml-1 text-xs" data-testid="position-roe" title="return on the collateral, net of the fees owed">
            ({roeWad >= 0n ? '+' : ''}
            {fmtPct(roeWad)})
          </span>
        </td>
        <td className="pr-3">{fmtUsd(fees, 4)}</td>
        <td className="pr-3">{fmtUsd(p.status.equityUsd)}</td>
        <td className="pr-3">{fmtLev(p.leverageWad)}</td>
        <td className="pr-3" data-testid="position-liq" data-wei={p.liquidationPriceWad.toString()}>
          {fmtLiquidationPrice(p.isLong, p.liquidationPriceWad)}
        </td>
        <td className={`pr-3 ${p.distanceToLiquidationWad < 5n * 10n ** 16n ? 'text-amber-400' : ''}`}>{fmtPct(p.distanceToLiquidationWad)}</td>
        {/* two rows of actions at most: the table fits a laptop screen without sideways scrolling */}
        <td className="min-w-[15.5rem] py-1">
          <div className="flex flex-wrap gap-1">
            <button
              className="btn-ghost px-2 py-1 text-xs"
              disabled={pending || !market || !slippageValid}
              onClick={() => setArmed((cur) => (cur === 100n ? null : 100n))}
              aria-expanded={armed === 100n}
              title={!slippageValid ? SLIPPAGE_FIRST : market ? `Close all. ${closeSummary(closePreviewOf(p, market, size))}` : undefined}
            >
              Close
            </button>
            <button
              className="btn-ghost px-2 py-1 text-xs"
              disabled={pending || !market || !!halfError || !slippageValid}
              onClick={() => setArmed((cur) => (cur === 50n ? null : 50n))}
              aria-expanded={armed === 50n}
              title={!slippageValid ? SLIPPAGE_FIRST : halfError ?? (half ? `Close half. ${closeSummary(half)}` : undefined)}
            >
              50%
            </button>
            <button className="btn-ghost px-2 py-1 text-xs" onClick={() => toggle('close')} aria-expanded={edit === 'close'} title="Close a custom amount">
              Close…
            </button>
            <button className="btn-ghost px-2 py-1 text-xs" onClick={() => toggle('add')} aria-expanded={edit === 'add'}>
              +Coll.
            </button>
            <button className="btn-ghost px-2 py-1 text-xs" onClick={() => toggle('remove')} aria-expanded={edit === 'remove'}>
              −Coll.
            </button>
            <button className="btn-ghost px-2 py-1 text-xs" onClick={() => toggle('tpsl')} aria-expanded={edit === 'tpsl'}>
              TP/SL
            </button>
            <button className="btn-ghost px-2 py-1 text-xs" onClick={() => setShowSchedule(!showSchedule)} aria-expanded={showSchedule} title="Maintenance and liquidation price over the next hours">
              Margin
            </button>
          </div>
        </td>
      </tr>
      {armed !== null && market && (
        <tr>
          <td colSpan={12} className="pb-3">
            <div role="group" aria-label={`Confirm ${armed === 100n ? 'closing' : 'closing half of'} ${name} ${p.isLong ? 'long' : 'short'}`} className="flex flex-wrap items-end gap-4" data-testid="close-confirm">
              <ClosePreview r={closePreviewOf(p, market, (size * armed) / 100n)} closeFeeBps={Number(market.config.closeFeeBps)} />
              <div className="flex gap-2">
                <button
                  className="btn px-2 py-1 text-xs"
                  disabled={pending || !slippageValid || (armed === 50n && !!halfError)}
                  onClick={async () => {
                    if (await close(armed, armed === 100n ? 'Close' : 'Close 50%')) setArmed(null);
                  }}
                >
                  {armed === 100n ? 'Confirm close' : 'Confirm close 50%'}
                </button>
                <button className="btn-ghost px-2 py-1 text-xs" onClick={() => setArmed(null)}>
                  Cancel
                </button>
              </div>
            </div>
          </td>
        </tr>
      )}
      {showSchedule && market && (
        <tr>
          <td colSpan={12} className="pb-3">
            <PositionSchedule p={p} m={market} />
          </td>
        </tr>
      )}
      {edit === 'tpsl' && market && (
        <tr>
          <td colSpan={12} className="pb-3">
            <PositionTpSl p={p} m={market} data={data} onDone={() => setEdit((cur) => (cur === 'tpsl' ? null : cur))} />
          </td>
        </tr>
      )}
      {edit && edit !== 'tpsl' && market && (
        <tr>
          <td colSpan={12} className="pb-3">
            <PositionEditor key={edit} p={p} m={market} data={data} mode={edit} onDone={(mode) => setEdit((cur) => (cur === mode ? null : cur))} />
          </td>
        </tr>
      )}
    </>
  );
}
