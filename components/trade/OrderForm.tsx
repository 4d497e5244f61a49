'use client';

import { useMemo, useState } from 'react';
import { maxUint256 } from 'viem';
import { useAccount, useReadContract } from 'wagmi';
import { AmountField, FieldError, PreviewRow } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { WAD } from '@/lib/math/fixed';
import { acceptablePriceWad, previewOpen } from '@/lib/math/preview';
import { SlippageField } from './SlippageField';
import { previewConfig } from './previewConfig';
import { useSlippage } from './useSlippage';
import { useSequencerGrace } from './useSequencerGrace';
import { MarginExplainer } from './MarginExplainer';
import { LeftoverExitsNotice } from './LeftoverExitsNotice';
import { OrderTypeFields, type OrderTypeState } from './OrderTypeFields';
import { checkOrderFields, NO_BOUND, WHOLE_POSITION } from '@/lib/orders';
import { annualize, fmtLev, fmtPct, fmtPctFine, fmtPrice, fmtUsd, fmtWhoPays } from '@/lib/format';
import { explainError } from '@/lib/errors';
import { checkAmount } from '@/lib/validation';
import type { useMarketData } from './useMarketData';

type Data = ReturnType<typeof useMarketData>;

export function OrderForm({ marketId, data }: { marketId: number; data: Data }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address, isConnected } = useAccount();
  const { send, pending, error } = useTx();
  const [isLong, setIsLong] = useState(true);
  const [collateralText, setCollateralText] = useState('');
  const [leverageText, setLeverageText] = useState('5');
  const m = data.market;
  const [orderType, setOrderType] = useState<OrderTypeState>({ type: 'market', trigger: '', takeProfit: '', stopLoss: '' });
  const orderFields = checkOrderFields(orderType.type, isLong, m?.priceWad, orderType);
  const orderFieldError = Object.values(orderFields.errors).find(Boolean);
  const minFee = useReadContract({ ...c.orderBook, functionName: 'minExecutionFeeUsd' }).data;
  const sequencer = useSequencerGrace();
  const newRiskWaits = sequencer.down || sequencer.graceEndsAt !== undefined;
  // orders placed by this submit: the limit/stop itself, and a take-profit and a stop-loss when set
  const ordersPlaced = (orderType.type !== 'market' ? 1n : 0n) + (orderFields.takeProfit ? 1n : 0n) + (orderFields.stopLoss ? 1n : 0n);
  const needsOrderApproval = ordersPlaced > 0n && minFee !== undefined && (data.orderBookAllowance ?? 0n) < minFee * ordersPlaced;

  const existing = data.positions?.find((p) => Number(p.marketId) === marketId && p.isLong === isLong);
  const collateral = checkAmount(collateralText, { max: data.balance, maxLabel: 'your wallet balance' });
  const liveMaxLev = m ? Number(m.maxLeverageWad) / 1e18 : 50;
  const leverage = Number(leverageText);
  const leverageError =
    leverageText.trim() === ''
      ? 'Enter a leverage'
      : !Number.isFinite(leverage) || !/^\d*\.?\d*$/.test(leverageText.trim())
        ? 'Leverage must be a number'
        : leverage < 1.1
          ? 'Leverage starts at 1.1x'
          : leverage > liveMaxLev
            ? `Leverage ${leverage.toFixed(1)}x is above the current maximum ${liveMaxLev.toFixed(1)}x`
            : undefined;
  const sizeUsd = collateral.value !== undefined && !leverageError ? (collateral.value * BigInt(Math.round(leverage * 100))) / 100n : undefined;

  const preview = useMemo(() => {
    if (!m || sizeUsd === undefined || collateral.value === undefined || data.pool === undefined || data.kinkWad === undefined) return undefined;
    return previewOpen(
      {
        priceWad: m.priceWad,
        longOiUsd: m.state.longOiUsd,
        shortOiUsd: m.state.shortOiUsd,
        optionsSkewUsd: m.state.optionsSkewUsd,
        maintenanceBaseWad: m.maintenanceBaseWad,
        marginTargetWad: m.marginTargetWad,
        reservedUsd: m.state.reservedUsd,
        config: previewConfig(m),
      },
      isLong,
      collateral.value,
      sizeUsd,
      { reservedUsd: data.pool.reservedUsd, poolCashUsd: data.pool.poolCashUsd, kinkWad: data.kinkWad },
      existing
        ? {
            sizeUsd: existing.position.sizeUsd,
            sizeTokens: existing.position.sizeTokens,
            capBucket: BigInt(existing.position.capBucket),
            collateralUsd: existing.position.collateralUsd,
            feesOwedUsd: existing.status.borrowFeeUsd + existing.status.fundingFeeUsd,
          }
        : undefined,
    );
  }, [m, sizeUsd, collateral.value, data.pool, data.kinkWad, isLong, existing]);

  const maxReservable = data.pool ? (data.pool.poolCashUsd * BigInt(data.pool.maxUtilizationBps)) / 10_000n : undefined;
  const poolError =
    data.pool === undefined && data.poolError
      ? `The pool cannot be valued right now: ${explainError(data.poolError)}`
      : preview && maxReservable !== undefined && preview.reservedAfterUsd > maxReservable
      ? `The pool can back only ${fmtUsd(maxReservable - (data.pool?.reservedUsd ?? 0n), 0)} more of max payouts right now`
      : preview?.belowMinCollateral
        ? `Collateral after fees ${fmtUsd(preview.collateralAfterUsd)} is below the market's minimum ${fmtUsd(m?.config.minCollateralUsd)}`
        : preview?.exceedsMaxLeverage
          ? preview.equityUsd <= 0n
            ? 'Fees and the position’s loss would use up all the collateral'
            : `Leverage after fees${preview.equityUsd < preview.collateralAfterUsd ? ' and the open loss' : ''} ${fmtLev(preview.leverageWad)} is above the maximum ${fmtLev(preview.maxLeverageWad)}`
          : undefined;
  const needsApproval = collateral.value !== undefined && data.allowance !== undefined && data.allowance < collateral.value;
  const [slippageValid, setSlippageValid] = useState(true);
  const canSubmit = isConnected && !pending && !!preview && !leverageError && !collateral.error && !poolError && !orderFieldError && slippageValid && m?.priceValid && !newRiskWaits;

  const [slippageBps] = useSlippage();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!preview || collateral.value === undefined || sizeUsd === undefined || !address) return;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.engine.address, maxUint256], label: `Approve ${sym} for trading` });
      return;
    }
    if (needsOrderApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256], label: `Approve ${sym} for order fees` });
      return;
    }
    if (orderFieldError || minFee === undefined) return;
    const expiresAt = BigInt(Math.floor(Date.now() / 1000) + 7 * 86_400); // a week
    const side = isLong ? 'long' : 'short';
    const place = (kind: number, trigger: bigint, bound: bigint, size: bigint, coll: bigint, label: string) =>
      send({ ...c.orderBook, functionName: 'createOrder', args: [BigInt(marketId), isLong, kind, trigger, bound, size, coll, expiresAt, minFee], label });
    let ok: boolean;
    if (orderType.type === 'market') {
      const acceptable = acceptablePriceWad(preview.executionPriceWad, isLong, slippageBps);
      ok = await send({
        ...c.engine,
        functionName: 'increasePosition',
        args: [BigInt(marketId), isLong, collateral.value, sizeUsd, acceptable],
        label: `${isLong ? 'Long' : 'Short'} ${fmtUsd(sizeUsd, 0)}`,
        prices: [marketId],
      });
    } else {
      const kind = orderType.type === 'limit' ? 0 : 1;
      ok = await place(kind, orderFields.trigger!, slippageBps, sizeUsd, collateral.value, `${orderType.type === 'limit' ? 'Limit' : 'Stop'} ${side} ${fmtUsd(sizeUsd, 0)} at ${fmtPrice(orderFields.trigger)}`);
    }
    // Take-profit and stop-loss guard the whole position, whatever its size when they fire (reduce-only);
    // a stop-loss fills at any price once crossed, a take-profit within the slippage tolerance of its price.
    const guarded = WHOLE_POSITION;
    if (ok && orderFields.takeProfit) ok = await place(2, orderFields.takeProfit, slippageBps, guarded, 0n, `Take profit ${side} at ${fmtPrice(orderFields.takeProfit)}`);
    if (ok && orderFields.stopLoss) ok = await place(3, orderFields.stopLoss, BigInt(NO_BOUND), guarded, 0n, `Stop loss ${side} at ${fmtPrice(orderFields.stopLoss)}`);
    if (ok) {
      setCollateralText('');
      setOrderType({ ...orderType, trigger: '', takeProfit: '', stopLoss: '' });
    }
  }

  const sliderMax = Math.max(1.1, Math.floor(liveMaxLev * 10) / 10);
  return (
    <form onSubmit={submit} aria-labelledby="order-title" className="card">
      <h2 id="order-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Order
      </h2>
      <div role="radiogroup" aria-label="Side" className="mb-3 grid grid-cols-2 gap-2">
        {[true, false].map((side) => (
          <button
            key={String(side)}
            type="button"
            role="radio"
            aria-checked={isLong === side}
            onClick={() => setIsLong(side)}
            className={`rounded py-2 text-sm font-medium ${isLong === side ? (side ? 'bg-emerald-700 text-white' : 'bg-rose-600 text-white') : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}
          >
            {side ? 'Long' : 'Short'}
          </button>
        ))}
      </div>
      <OrderTypeFields isLong={isLong} state={orderType} onChange={setOrderType} errors={orderFields.errors} />
      <AmountField
        id="collateral"
        label={`Collateral (${sym})`}
        value={collateralText}
        onChange={setCollateralText}
        error={collateral.error}
        max={isConnected ? { value: data.balance, label: 'Wallet' } : undefined}
      />
      <div className="mt-3 flex items-end gap-3">
        <div className="flex-1">
          <label htmlFor="leverage-range" className="label">
            Leverage (max {fmtLev(m?.maxLeverageWad)} now)
          </label>
          <input
            id="leverage-range"
            type="range"
            min={1.1}
            max={sliderMax}
            step={0.1}
            value={Math.min(Number.isFinite(leverage) ? leverage : 1.1, sliderMax)}
            onChange={(e) => setLeverageText(e.target.value)}
            className="w-full accent-teal-500"
            aria-valuetext={`${leverageText}x`}
          />
        </div>
        <div className="w-24">
          <label htmlFor="leverage" className="sr-only">
            Leverage
          </label>
          <input
            id="leverage"
            className="input num"
            inputMode="decimal"
            value={leverageText}
            onChange={(e) => setLeverageText(e.target.value)}
            aria-invalid={!!leverageError}
            aria-describedby="leverage-error"
          />
        </div>
      </div>
      <FieldError id="leverage-error" message={collateralText !== '' || leverageText !== '5' ? leverageError : undefined} />
      <SlippageField onValidChange={setSlippageValid} />
      {m && <MarginExplainer m={m} kinkWad={data.kinkWad} />}

      <dl className="mt-4 grid grid-cols-2 gap-x-3 gap-y-1 text-xs" aria-label="Preview">
        <PreviewRow label="Size" value={sizeUsd !== undefined ? fmtUsd(sizeUsd) : '—'} />
        <PreviewRow label="Oracle price" value={fmtPrice(m?.priceWad)} />
        <PreviewRow label="Entry (with impact)" testId="preview-entry" wei={preview?.executionPriceWad} value={fmtPrice(preview?.executionPriceWad, 4)} />
        <PreviewRow label="Price impact" testId="preview-impact" value={preview ? fmtWhoPays(preview.impactUsd, 4) : '—'} />
        {preview && preview.rebateUsd > 0n && (
          <PreviewRow label="Impact rebate (paid on close, not margin)" value={fmtUsd(preview.rebateUsd, 2)} title="earned by reducing the skew, at most this trade's fee" />
        )}
        {preview && preview.realizedPnlUsd !== 0n && (
          <PreviewRow label="PnL realized by adding" value={fmtUsd(preview.realizedPnlUsd, 2)} />
        )}
        {/* each side's fee is at least how far the market's oracle can lag (P-97); the label says when it is that */}
        <PreviewRow
          label={m ? `Open fee (${m.config.openFeeBps / 100}%${m.config.openFeeBps <= m.config.oracleLagBps ? ', the feed’s lag' : ''})` : 'Open fee'}
          title="Every fill pays at least how far this market's oracle can trail the market unseen, so nobody can trade ahead of a known update at the LPs' cost."
          value={preview ? fmtUsd(preview.feeUsd) : '—'}
        />
        {m && sizeUsd !== undefined && (
          <PreviewRow label={`Close fee (${m.config.closeFeeBps / 100}% of the value closed; now)`} value={fmtUsd((sizeUsd * BigInt(m.config.closeFeeBps) + 9_999n) / 10_000n)} />
        )}
        {m && sizeUsd !== undefined && (
          <PreviewRow label="Most the pool pays (profit cap)" testId="preview-profit-cap" value={`${fmtUsd((sizeUsd * BigInt(m.config.maxProfitBps)) / 10_000n)} (${m.config.maxProfitBps / 100}% of size)`} />
        )}
        {ordersPlaced > 0n && minFee !== undefined && (
          <PreviewRow
            label={`Keeper fee, ${ordersPlaced} order${ordersPlaced > 1n ? 's' : ''} (escrowed; refunded on cancel)`}
            testId="preview-order-fee"
            value={fmtUsd(minFee * ordersPlaced)}
          />
        )}
        <PreviewRow label="Collateral after fees" value={preview ? fmtUsd(preview.collateralAfterUsd) : '—'} />
        <PreviewRow label="Maintenance margin" testId="preview-mmr" wei={preview?.maintenanceMarginWad} value={preview ? `${fmtPct(preview.maintenanceMarginWad)} (${fmtUsd((preview.sizeAfterUsd * preview.maintenanceMarginWad) / WAD)})` : '—'} />
        <PreviewRow label="Initial margin" value={preview ? fmtPct(preview.initialMarginWad) : '—'} />
        <PreviewRow label="Liquidation price" testId="preview-liq" wei={preview?.liquidationPriceWad} value={fmtPrice(preview?.liquidationPriceWad, 4)} />
        {preview && preview.maintenanceAtTargetWad > preview.maintenanceMarginWad && (
          <PreviewRow
            label="… once margin ramps up (σ unchanged)"
            testId="preview-liq-target"
            wei={preview.liquidationPriceAtTargetWad}
            value={`${fmtPrice(preview.liquidationPriceAtTargetWad, 4)} (maintenance ${fmtPct(preview.maintenanceAtTargetWad)})`}
          />
        )}
        <PreviewRow label="Borrow rate (APR)" value={m ? fmtPct(annualize(m.borrowRateWad)) : '—'} />
        <PreviewRow label="Funding (APR, longs pay +)" value={m ? fmtPctFine(annualize(BigInt(m.state.fundingRateWad))) : '—'} />
      </dl>
      {poolError && (
        <p role="alert" className="mt-2 text-xs text-rose-400" data-testid="order-error">
          {poolError}
        </p>
      )}
      {newRiskWaits && (
        <p role="alert" className="mt-2 text-xs text-amber-400" data-testid="sequencer-notice">
          {sequencer.down
            ? 'The L2 sequencer is down: trading waits until it is back.'
            : `The L2 sequencer restarted: new positions, added size and liquidations wait until ${new Date(sequencer.graceEndsAt! * 1000).toLocaleTimeString()}. Closing and adding collateral work now.`}
        </p>
      )}
      <LeftoverExitsNotice marketId={marketId} isLong={isLong} hasPosition={!!existing} />
      {m && !m.priceValid && (
        <p role="alert" className="mt-2 text-xs text-amber-400">
          The oracle price is stale: trading resumes with the next price update.
        </p>
      )}
      <button type="submit" className={`btn mt-4 w-full ${isLong ? '' : 'bg-rose-700 hover:bg-rose-600'}`} disabled={!canSubmit}>
        {pending ? 'Confirming…' : needsApproval ? `Approve ${sym}` : needsOrderApproval ? 'Approve order fees' : `${orderType.type === 'market' ? '' : orderType.type === 'limit' ? 'Limit ' : 'Stop '}${isLong ? 'Long' : 'Short'}`}
      </button>
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
