'use client';

import { formatUnits, maxUint256 } from 'viem';
import { useState } from 'react';
import { AmountField, PreviewRow } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { fmtLev, fmtLiquidationPrice, fmtUsd } from '@/lib/format';
import type { useMarketData } from './useMarketData';
import { SLIPPAGE_FIRST, useSlippage } from './useSlippage';
import { closeBound, ClosePreview } from './ClosePreview';
import { usePositionEdit } from './usePositionEdit';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];
type Market = NonNullable<Data['markets']>[number];
export type EditMode = 'add' | 'remove' | 'close';

/** Add collateral, remove collateral (checked against the max leverage before it is sent) or close part of a position. */
export function PositionEditor({ p, m, data, mode, onDone }: { p: Row; m: Market; data: Data; mode: EditMode; onDone: (mode: EditMode) => void }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { send, pending } = useTx();
  const [slippageBps, , slippageValid] = useSlippage();
  const [amount, setAmount] = useState('');
  const { check, changed, closing, needsApproval, max, error } = usePositionEdit(p, m, data, mode, amount);
  const id = `${mode}-${p.marketId}-${p.isLong}`;
  const label = mode === 'add' ? `Collateral to add (${sym})` : mode === 'remove' ? `Collateral to remove (${sym})` : 'Size to close (USD)';

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (check.value === undefined || error) return;
    const v = check.value;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.engine.address, maxUint256], label: `Approve ${sym} for trading` });
      return;
    }
    const ok =
      mode === 'add'
        ? await send({ ...c.engine, functionName: 'increasePosition', args: [p.marketId, p.isLong, v, 0n, 0n], label: `Add ${fmtUsd(v)} collateral`, prices: [Number(p.marketId)] })
        : mode === 'remove'
          ? await send({ ...c.engine, functionName: 'decreasePosition', args: [p.marketId, p.isLong, v, 0n, 0n], label: `Remove ${fmtUsd(v)} collateral`, prices: [Number(p.marketId)] })
          : await send({
              ...c.engine,
              functionName: 'decreasePosition',
              args: [p.marketId, p.isLong, 0n, v, closeBound(p, m, v, slippageBps)],
              label: `Close ${fmtUsd(v, 0)} of ${p.isLong ? 'long' : 'short'}`,
              prices: [Number(p.marketId)],
            });
    if (ok) {
      setAmount('');
      onDone(mode); // closes this panel only if it is still the one open
    }
  }

  return (
    <form className="flex flex-wrap items-end gap-2" onSubmit={submit} data-testid={`position-edit-${mode}`}>
      <div className="w-64">
        <AmountField
          id={id}
          label={label}
          value={amount}
          onChange={setAmount}
          error={error}
          max={max !== undefined ? { value: max, label: mode === 'add' ? 'Wallet' : mode === 'remove' ? 'Removable' : 'Size' } : undefined}
        />
      </div>
      <button className="btn mb-1" disabled={pending || check.value === undefined || !!error || !slippageValid} title={slippageValid ? undefined : SLIPPAGE_FIRST}>
        {needsApproval ? `Approve ${sym}` : mode === 'add' ? 'Add collateral' : mode === 'remove' ? 'Remove collateral' : 'Close amount'}
      </button>
      {changed && !error && (
        <dl className="mb-1 grid w-72 grid-cols-2 gap-x-3 gap-y-0.5 text-xs" data-testid="collateral-preview">
          <PreviewRow label="Collateral after" value={fmtUsd(changed.collateralAfterUsd)} testId="collateral-after" wei={changed.collateralAfterUsd} />
          <PreviewRow label="Leverage" value={`${fmtLev(p.leverageWad)} → ${fmtLev(changed.leverageWad)}`} testId="collateral-leverage" wei={changed.leverageWad} />
          <PreviewRow
            label="Liq. price"
            value={`${fmtLiquidationPrice(p.isLong, p.liquidationPriceWad)} → ${fmtLiquidationPrice(p.isLong, changed.liquidationPriceWad)}`}
            testId="collateral-liq"
            wei={changed.liquidationPriceWad}
            title="at the position's maintenance rate now; its Margin schedule shows how the rate may move"
          />
        </dl>
      )}
      {closing && check.value !== undefined && !error && (
        <div className="mb-1 flex flex-col gap-1">
          <span className="text-xs text-zinc-400">
            {formatUnits((check.value * 10_000n) / p.position.sizeUsd, 2)}% of the position, filled within {Number(slippageBps) / 100}% of the preview
          </span>
          <ClosePreview r={closing} closeFeeBps={m.config.closeFeeBps} />
        </div>
      )}
    </form>
  );
}
