'use client';

import { TableHead } from '@/components/common/Stat';
import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useContracts } from '@/components/common/useContracts';
import { useTx } from '@/components/tx/useTx';
import { bytes32ToString, fmtLev, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';
import { explainError } from '@/lib/errors';
import { checkAmount } from '@/lib/validation';
import type { useMarketData } from './useMarketData';
import { PositionSchedule } from './PositionSchedule';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];

export function PositionsTable({ data }: { data: Data }) {
  const rows = data.positions ?? [];
  return (
    <section aria-labelledby="positions-title" className="card overflow-x-auto">
      <h2 id="positions-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Positions
      </h2>
      {rows.length === 0 && data.positionsError ? (
        <p role="alert" className="text-sm text-amber-400" data-testid="positions-error">
          Your positions cannot be valued right now: {explainError(data.positionsError)}
        </p>
      ) : rows.length === 0 ? (
        <p className="text-sm text-zinc-500" data-testid="positions-empty">
          No open positions.
        </p>
      ) : (
        <table className="num w-full min-w-[900px] text-left text-xs">
          <TableHead columns={['Market', 'Side', 'Size', 'Collateral', 'Entry', 'Mark', 'PnL', 'Fees owed', 'Equity', 'Leverage', 'Liq. price', 'To liq.', '']} />
          <tbody>
            {rows.map((p) => (
              <PositionRow key={`${p.marketId}-${p.isLong}`} p={p} data={data} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PositionRow({ p, data }: { p: Row; data: Data }) {
  const c = useContracts();
  const { send, pending } = useTx();
  const [edit, setEdit] = useState<null | 'add' | 'remove'>(null);
  const [showSchedule, setShowSchedule] = useState(false);
  const [amount, setAmount] = useState('');
  const market = data.markets?.[Number(p.marketId)];
  const name = market ? bytes32ToString(market.name) : `#${p.marketId}`;
  const pnl = p.status.pnlUsd;
  const fees = p.status.borrowFeeUsd + p.status.fundingFeeUsd;
  const size = p.position.sizeUsd;
  const check = checkAmount(amount, {
    max: edit === 'add' ? data.balance : p.position.collateralUsd,
    maxLabel: edit === 'add' ? 'your wallet balance' : 'the collateral',
  });
  const close = (fraction: bigint, label: string) =>
    send({
      ...c.engine,
      functionName: 'decreasePosition',
      args: [p.marketId, p.isLong, 0n, (size * fraction) / 100n, p.isLong ? 0n : maxUint256],
      label: `${label} ${name} ${p.isLong ? 'long' : 'short'}`,
    });
  return (
    <>
      <tr className="border-t border-zinc-800" data-testid={`position-${name}-${p.isLong ? 'long' : 'short'}`}>
        <td className="py-2 pr-3">{name}</td>
        <td className={`pr-3 ${p.isLong ? 'text-emerald-400' : 'text-rose-400'}`}>{p.isLong ? 'Long' : 'Short'}</td>
        <td className="pr-3">{fmtUsd(size)}</td>
        <td className="pr-3">
          {fmtUsd(p.position.collateralUsd)}
          {p.position.rebateUsd > 0 && (
            <span className="block text-xs text-zinc-500" title="Impact rebate: paid as the position closes, forfeited on liquidation, not margin">
              + {fmtUsd(BigInt(p.position.rebateUsd))} rebate on close
            </span>
          )}
        </td>
        <td className="pr-3">{fmtPrice(p.entryPriceWad)}</td>
        <td className="pr-3">{fmtPrice(market?.priceWad)}</td>
        <td className={`pr-3 ${pnl >= 0n ? 'text-emerald-400' : 'text-rose-400'}`} data-testid="position-pnl" data-wei={pnl.toString()}>
          {fmtUsd(pnl)}
        </td>
        <td className="pr-3">{fmtUsd(fees, 4)}</td>
        <td className="pr-3">{fmtUsd(p.status.equityUsd)}</td>
        <td className="pr-3">{fmtLev(p.leverageWad)}</td>
        <td className="pr-3" data-testid="position-liq" data-wei={p.liquidationPriceWad.toString()}>
          {fmtPrice(p.liquidationPriceWad)}
        </td>
        <td className={`pr-3 ${p.distanceToLiquidationWad < 5n * 10n ** 16n ? 'text-amber-400' : ''}`}>{fmtPct(p.distanceToLiquidationWad)}</td>
        <td className="whitespace-nowrap">
          <button className="btn-ghost mr-1 px-2 py-1 text-xs" disabled={pending} onClick={() => close(100n, 'Close')}>
            Close
          </button>
          <button className="btn-ghost mr-1 px-2 py-1 text-xs" disabled={pending} onClick={() => close(50n, 'Close 50%')}>
            50%
          </button>
          <button className="btn-ghost mr-1 px-2 py-1 text-xs" onClick={() => setEdit(edit === 'add' ? null : 'add')} aria-expanded={edit === 'add'}>
            +Coll.
          </button>
          <button className="btn-ghost px-2 py-1 text-xs" onClick={() => setEdit(edit === 'remove' ? null : 'remove')} aria-expanded={edit === 'remove'}>
            −Coll.
          </button>
          <button className="btn-ghost px-2 py-1 text-xs" onClick={() => setShowSchedule(!showSchedule)} aria-expanded={showSchedule} title="Maintenance and liquidation price over the next hours">
            Margin
          </button>
        </td>
      </tr>
      {showSchedule && market && (
        <tr>
          <td colSpan={13} className="pb-3">
            <PositionSchedule p={p} m={market} />
          </td>
        </tr>
      )}
      {edit && (
        <tr>
          <td colSpan={13} className="pb-3">
            <form
              className="flex flex-wrap items-start gap-2"
              onSubmit={async (e) => {
                e.preventDefault();
                if (check.value === undefined) return;
                const ok =
                  edit === 'add'
                    ? await send({ ...c.engine, functionName: 'increasePosition', args: [p.marketId, p.isLong, check.value, 0n, 0n], label: `Add ${amount} USDC collateral` })
                    : await send({ ...c.engine, functionName: 'decreasePosition', args: [p.marketId, p.isLong, check.value, 0n, 0n], label: `Remove ${amount} USDC collateral` });
                if (ok) {
                  setAmount('');
                  setEdit(null);
                }
              }}
            >
              <label className="sr-only" htmlFor={`coll-${p.marketId}-${p.isLong}`}>
                {edit === 'add' ? 'Collateral to add' : 'Collateral to remove'} (USDC)
              </label>
              <input
                id={`coll-${p.marketId}-${p.isLong}`}
                className="input num w-40"
                placeholder={edit === 'add' ? 'add USDC' : 'remove USDC'}
                value={amount}
                onChange={(e) => setAmount(e.target.value)}
                aria-describedby={`coll-err-${p.marketId}-${p.isLong}`}
              />
              <button className="btn" disabled={pending || check.value === undefined}>
                {edit === 'add' ? 'Add collateral' : 'Remove collateral'}
              </button>
              {amount !== '' && check.error && (
                <span id={`coll-err-${p.marketId}-${p.isLong}`} role="alert" className="self-center text-xs text-rose-400">
                  {check.error}
                </span>
              )}
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
