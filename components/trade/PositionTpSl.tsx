'use client';

import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useReadContract } from 'wagmi';
import { FieldError } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { checkOrderFields, EXIT_ORDER_LIFETIME_SEC, NO_BOUND, stopPastLiquidation, WHOLE_POSITION } from '@/lib/orders';
import { checkAmount } from '@/lib/validation';
import type { useMarketData } from './useMarketData';
import { SLIPPAGE_FIRST, useSlippage } from './useSlippage';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];
type Market = NonNullable<Data['markets']>[number];

/** Take-profit and stop-loss for an open position: reduce-only orders on the whole position (whatever its size when
 *  they fire) or on the part of it typed in Size; once the position is gone the keeper clears them before a new one
 *  could inherit them. */
export function PositionTpSl({ p, m, data, onDone }: { p: Row; m: Market; data: Data; onDone: () => void }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { send, pending } = useTx();
  const [slippageBps, , slippageValid] = useSlippage();
  const [tp, setTp] = useState('');
  const [sl, setSl] = useState('');
  const [sizeText, setSizeText] = useState(''); // empty: the whole position
  const size = sizeText.trim() === '' ? { value: WHOLE_POSITION } : checkAmount(sizeText, { max: p.position.sizeUsd, maxLabel: 'the position size' });
  const minFee = useReadContract({ ...c.orderBook, functionName: 'minExecutionFeeUsd' }).data;
  const f = checkOrderFields('market', p.isLong, m.priceWad, { trigger: '', takeProfit: tp, stopLoss: sl });
  const count = (f.takeProfit ? 1n : 0n) + (f.stopLoss ? 1n : 0n);
  const needsApproval = minFee !== undefined && (data.orderBookAllowance ?? 0n) < minFee * count;
  // each order escrows its keeper fee from the wallet as it is placed
  const feesUsd = minFee !== undefined ? minFee * count : undefined;
  const short = feesUsd !== undefined && data.balance !== undefined && data.balance < feesUsd;
  const invalid = count === 0n || !!f.errors.takeProfit || !!f.errors.stopLoss || !!size.error || minFee === undefined || short;
  const id = `${p.marketId}-${p.isLong}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (invalid) return;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256], label: `Approve ${sym} for order fees` });
      return;
    }
    const expiresAt = BigInt(Math.floor(Date.now() / 1000) + EXIT_ORDER_LIFETIME_SEC);
    const side = p.isLong ? 'long' : 'short';
    const place = (kind: number, trigger: bigint, bound: bigint, label: string) =>
      send({ ...c.orderBook, functionName: 'createOrder', args: [p.marketId, p.isLong, kind, trigger, bound, size.value!, 0n, expiresAt, minFee!], label });
    // the stop-loss, the protective one, first; each tried whatever became of the other, and a placed one's field clears
    const slOk = f.stopLoss ? await place(3, f.stopLoss, BigInt(NO_BOUND), `Stop loss ${side} at ${fmtPrice(f.stopLoss)}`) : true;
    if (f.stopLoss && slOk) setSl('');
    const tpOk = f.takeProfit ? await place(2, f.takeProfit, slippageBps, `Take profit ${side} at ${fmtPrice(f.takeProfit)}`) : true;
    if (f.takeProfit && tpOk) setTp('');
    if (slOk && tpOk) onDone();
  }

  return (
    <form className="flex flex-wrap items-start gap-2" onSubmit={submit} data-testid="position-edit-tpsl">
      {(
        [
          [`tp-${id}`, `Take profit (${p.isLong ? 'above' : 'below'} ${fmtPrice(m.priceWad)})`, tp, setTp, f.errors.takeProfit],
          [`sl-${id}`, `Stop loss (${p.isLong ? 'below' : 'above'}; fills at any price)`, sl, setSl, f.errors.stopLoss],
        ] as const
      ).map(([fid, label, value, set, err]) => (
        <div key={fid} className="w-56">
          <label htmlFor={fid} className="label">
            {label}
          </label>
          <input id={fid} className="input num" inputMode="decimal" placeholder="price" value={value} onChange={(e) => set(e.target.value)} aria-invalid={!!err} aria-describedby={`${fid}-error`} />
          <FieldError id={`${fid}-error`} message={err} />
        </div>
      ))}
      <div className="w-44">
        <label htmlFor={`tpsl-size-${id}`} className="label">
          Size to close (empty: all)
        </label>
        <input
          id={`tpsl-size-${id}`}
          className="input num"
          inputMode="decimal"
          placeholder="whole position"
          value={sizeText}
          onChange={(e) => setSizeText(e.target.value)}
          aria-invalid={!!size.error}
          aria-describedby={`tpsl-size-${id}-error`}
        />
        <FieldError id={`tpsl-size-${id}-error`} message={size.error} />
      </div>
      <button className="btn mt-5" disabled={pending || invalid || !slippageValid} title={slippageValid ? undefined : SLIPPAGE_FIRST}>
        {needsApproval ? 'Approve order fees' : 'Place TP/SL'}
      </button>
      {f.stopLoss !== undefined && stopPastLiquidation(p.isLong, f.stopLoss, p.liquidationPriceWad) && (
        <p className="basis-full text-xs text-amber-400" data-testid="stop-past-liquidation">
          This stop is past the liquidation price {fmtPrice(p.liquidationPriceWad)}: the position would be liquidated before it fires.
        </p>
      )}
      <p className="basis-full text-xs text-zinc-500" data-testid="tpsl-fee">
        Take-profit and stop-loss orders last {EXIT_ORDER_LIFETIME_SEC / 86_400} days
        {minFee !== undefined && `; each escrows a keeper fee of ${fmtUsd(minFee)} from your wallet${count > 0n ? ` (${fmtUsd(feesUsd!)} for ${count})` : ''}: paid to the keeper that fills it, refunded in full if you cancel it`}.
      </p>
      {short && (
        <p role="alert" className="basis-full text-xs text-rose-400">
          Your wallet holds {fmtUsd(data.balance!)}, less than the keeper fees of {fmtUsd(feesUsd!)}.
        </p>
      )}
    </form>
  );
}
