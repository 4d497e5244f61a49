'use client';

import { useMemo, useState } from 'react';
import { useAccount, useReadContract } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { maxOpenLeverageTenths, previewOpen, sizeAtLeverageDown } from '@/lib/math/preview';
import { SlippageField } from './SlippageField';
import { previewConfig } from './previewConfig';
import { useOpenSubmit } from './useOpenSubmit';
import { useSequencerGrace } from './useSequencerGrace';
import { MarginExplainer } from './MarginExplainer';
import { LeftoverExitsNotice } from './LeftoverExitsNotice';
import { OrderTypeFields, type OrderTypeState } from './OrderTypeFields';
import { LeverageField } from './LeverageField';
import { OpenPreview } from './OpenPreview';
import { checkOrderFields, describeTrigger, stopPastLiquidation, triggered } from '@/lib/orders';
import { fmtLev, fmtPrice, fmtUsd } from '@/lib/format';
import { describeRevert, explainError } from '@/lib/errors';
import { bpsDown } from '@/lib/math/fixed';
import { checkAmount, checkLeverage, clearIfUnchanged, maxTypedLeverage } from '@/lib/validation';
import type { useMarketData } from './useMarketData';

type Data = ReturnType<typeof useMarketData>;

export function OrderForm({ marketId, data }: { marketId: number; data: Data }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address, isConnected } = useAccount();
  const { submit, pending, error, blocked } = useOpenSubmit();
  // exit orders the last submit could not place (the position or entry order itself landed)
  const [exitsMissed, setExitsMissed] = useState<string | undefined>();
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
  // The orders' keeper fees are taken from the wallet as they are placed, and a limit or stop order's collateral when it
  // fills: both must fit (review: at Max, the take-profit after a market open failed for want of its fee, and an entry
  // order's fill found the wallet short and was refused).
  const ordersFeeUsd = minFee !== undefined ? minFee * ordersPlaced : 0n;
  const walletForCollateral = data.balance === undefined ? undefined : data.balance > ordersFeeUsd ? data.balance - ordersFeeUsd : 0n;
  const collateral = checkAmount(collateralText, {
    max: walletForCollateral,
    maxLabel: ordersFeeUsd > 0n ? `your wallet balance less the orders' keeper fees (${fmtUsd(ordersFeeUsd)})` : 'your wallet balance',
  });
  const engineMax = m ? Number(m.maxLeverageWad) / 1e18 : undefined;

  // A limit or stop order fills once the oracle price crosses its trigger: previewed at the trigger, not at the price now.
  // One whose trigger the price has already crossed fills at once, at the price now (review BK: a limit long above
  // the price was previewed at its trigger, 2,932, and filled in the next block at 2,806): previewed there, and said.
  const typedTrigger = orderType.type !== 'market' ? orderFields.trigger : undefined;
  const terms = typedTrigger !== undefined ? { kind: orderType.type === 'limit' ? 0 : 1, isLong, triggerPriceWad: typedTrigger } : undefined;
  const crossedNow = terms !== undefined && m !== undefined && triggered(terms, m.priceWad);
  const triggerWad = crossedNow ? undefined : typedTrigger;
  // the preview at any size of this collateral, as the engine will check it
  const previewAt = useMemo(() => {
    if (!m || collateral.value === undefined || data.pool === undefined || data.kinkWad === undefined) return undefined;
    const pool = { reservedUsd: data.pool.reservedUsd, poolCashUsd: data.pool.poolCashUsd, kinkWad: data.kinkWad };
    const collateralUsd = collateral.value;
    return (sizeUsd: bigint) => previewOpen(
      {
        priceWad: triggerWad ?? m.priceWad,
        longOiUsd: m.state.longOiUsd,
        shortOiUsd: m.state.shortOiUsd,
        optionsSkewUsd: m.state.optionsSkewUsd,
        maintenanceBaseWad: m.maintenanceBaseWad,
        marginTargetWad: m.marginTargetWad,
        reservedUsd: m.state.reservedUsd,
        config: previewConfig(m),
      },
      isLong,
      collateralUsd,
      sizeUsd,
      pool,
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
  }, [m, triggerWad, collateral.value, data.pool, data.kinkWad, isLong, existing]);
  // The most this collateral can be levered now: the engine counts leverage after the fee and the impact, at the size
  // and utilization after the trade, so the market's maximum cannot be typed (review BK). Before a collateral is
  // typed, the fee-only estimate.
  const maxTenths = useMemo(
    () => (previewAt && collateral.value && engineMax !== undefined ? maxOpenLeverageTenths((s) => previewAt(s).exceedsMaxLeverage, collateral.value, Math.floor(engineMax * 10)) : undefined),
    [previewAt, collateral.value, engineMax],
  );
  const typedMax =
    maxTenths !== undefined && maxTenths > 0 ? maxTenths / 10 : engineMax !== undefined && m ? Math.floor(maxTypedLeverage(engineMax, Number(m.config.openFeeBps)) * 10) / 10 : 50;
  const { value: leverage, error: leverageError } = checkLeverage(leverageText, typedMax, engineMax);
  const sizeUsd = collateral.value !== undefined && leverage !== undefined ? sizeAtLeverageDown(collateral.value, Math.floor(leverage * 100 + 1e-6)) : undefined;
  const preview = useMemo(() => (previewAt && sizeUsd !== undefined ? previewAt(sizeUsd) : undefined), [previewAt, sizeUsd]);

  const maxReservable = data.pool ? bpsDown(data.pool.poolCashUsd, BigInt(data.pool.maxUtilizationBps)) : undefined;
  // the engine's caps on new size, in its order: the core's pool-wide and product limits (its settle), then the side's
  // open interest (PerpEngine._checkOpenInterest)
  const addsSize = sizeUsd !== undefined && sizeUsd > 0n;
  const oiCapUsd = m ? (isLong ? m.config.maxLongOiUsd : m.config.maxShortOiUsd) : undefined;
  const productReservedAfterUsd = preview && data.pool && data.perpLedger ? data.perpLedger.reservedUsd + preview.reservedAfterUsd - data.pool.reservedUsd : undefined;
  const productCapUsd = data.pool && data.perpLedger ? bpsDown(data.pool.poolCashUsd, BigInt(data.perpLedger.reserveCapBps)) : undefined;
  const poolError =
    data.pool === undefined && data.poolError
      ? `The pool cannot be valued right now: ${explainError(data.poolError)}`
      : preview && maxReservable !== undefined && preview.reservedAfterUsd > maxReservable
      ? `The pool can back only ${fmtUsd(maxReservable - (data.pool?.reservedUsd ?? 0n), 0)} more of max payouts right now`
      : addsSize && productReservedAfterUsd !== undefined && productCapUsd !== undefined && productReservedAfterUsd > productCapUsd
      ? describeRevert('ProductReserveCapExceeded', [c.engine.address, productReservedAfterUsd, productCapUsd])
      : preview && addsSize && oiCapUsd !== undefined && preview.openInterestAfterUsd > oiCapUsd
      ? describeRevert('OpenInterestCapExceeded', [BigInt(marketId), isLong, preview.openInterestAfterUsd, oiCapUsd])
      : preview?.atProfitCap
      ? 'This position is past its profit cap: adding would leave it nothing to earn. Close it and open a new one'
      : preview?.belowMinCollateral
        ? `Collateral after fees ${fmtUsd(preview.collateralAfterUsd)} is below the market's minimum ${fmtUsd(m?.config.minCollateralUsd)}`
        : preview?.exceedsMaxLeverage
          ? preview.equityUsd <= 0n
            ? 'Fees and the position’s loss would use up all the collateral'
            : `Leverage after fees${preview.equityUsd < preview.collateralAfterUsd ? ' and the open loss' : ''} ${fmtLev(preview.leverageWad)} is above the maximum ${fmtLev(preview.maxLeverageWad)}`
          : undefined;
  const needsApproval = collateral.value !== undefined && data.allowance !== undefined && data.allowance < collateral.value;
  const [slippageValid, setSlippageValid] = useState(true);
  const canSubmit = !blocked && !pending && !!preview && !leverageError && !collateral.error && !poolError && !orderFieldError && slippageValid && m?.priceValid && !newRiskWaits && (ordersPlaced === 0n || minFee !== undefined);

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (!preview || collateral.value === undefined || sizeUsd === undefined || !address || orderFieldError) return;
    const sent = { collateralText, trigger: orderType.trigger, takeProfit: orderType.takeProfit, stopLoss: orderType.stopLoss };
    setExitsMissed(undefined);
    const res = await submit({
      marketId,
      isLong,
      collateralUsd: collateral.value,
      sizeUsd,
      executionPriceWad: preview.executionPriceWad,
      type: orderType.type,
      trigger: orderFields.trigger,
      takeProfit: orderFields.takeProfit,
      stopLoss: orderFields.stopLoss,
      orderFeeUsd: minFee ?? 0n,
      approve: needsApproval ? 'engine' : needsOrderApproval ? 'orderBook' : undefined,
    });
    if (res.sent) {
      // the open landed: its collateral is spent whatever became of the exits, so the fields clear (a second press
      // would open again, and an exit left typed would ride on the next open); an exit that was not placed is named
      // with its price, to set with the position's TP/SL
      const missed = [
        orderFields.stopLoss !== undefined && !res.stopLoss && `stop-loss at ${fmtPrice(orderFields.stopLoss)}`,
        orderFields.takeProfit !== undefined && !res.takeProfit && `take-profit at ${fmtPrice(orderFields.takeProfit)}`,
      ].filter(Boolean);
      if (missed.length > 0) setExitsMissed(`${orderType.type === 'market' ? 'The position is open' : 'The order is placed'}, but its ${missed.join(' and ')} ${missed.length > 1 ? 'were' : 'was'} not: set ${missed.length > 1 ? 'them' : 'it'} with the position's TP/SL.`);
      setCollateralText(clearIfUnchanged(sent.collateralText));
      setOrderType((cur) => ({
        ...cur,
        trigger: clearIfUnchanged(sent.trigger)(cur.trigger),
        takeProfit: clearIfUnchanged(sent.takeProfit)(cur.takeProfit),
        stopLoss: clearIfUnchanged(sent.stopLoss)(cur.stopLoss),
      }));
    }
  }

  return (
    <form onSubmit={onSubmit} aria-labelledby="order-title" className="card">
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
        max={isConnected ? { value: walletForCollateral, label: ordersFeeUsd > 0n ? 'Wallet less order fees' : 'Wallet' } : undefined}
      />
      <LeverageField
        text={leverageText}
        onChange={setLeverageText}
        maxLeverageWad={m?.maxLeverageWad}
        typedMax={m ? typedMax : undefined}
        noneFits={maxTenths === 0}
        error={collateralText !== '' || leverageText !== '5' ? leverageError : undefined}
      />
      <SlippageField onValidChange={setSlippageValid} />
      {m && <MarginExplainer m={m} kinkWad={data.kinkWad} />}

      {crossedNow && (
        <p className="mt-2 text-xs text-amber-400" data-testid="order-trigger-crossed">
          The price {fmtPrice(m!.priceWad)} has already crossed this trigger ({describeTrigger(terms!)} {fmtPrice(typedTrigger!)}): the
          keeper fills it at once, at the price then, previewed below at the price now.
        </p>
      )}
      {orderFields.stopLoss !== undefined && preview && preview.liquidationPriceWad > 0n && stopPastLiquidation(isLong, orderFields.stopLoss, preview.liquidationPriceWad) && (
        <p className="mt-2 text-xs text-amber-400" data-testid="stop-past-liquidation">
          The stop-loss {fmtPrice(orderFields.stopLoss)} is past the previewed liquidation price {fmtPrice(preview.liquidationPriceWad)}: the position would be liquidated before it fires.
        </p>
      )}
      <OpenPreview m={m} sizeUsd={sizeUsd} preview={preview} triggerWad={triggerWad} ordersPlaced={ordersPlaced} orderFeeUsd={minFee} />
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
        {blocked ?? (pending ? 'Confirming…' : needsApproval ? `Approve ${sym}` : needsOrderApproval ? 'Approve order fees' : `${orderType.type === 'market' ? '' : orderType.type === 'limit' ? 'Limit ' : 'Stop '}${isLong ? 'Long' : 'Short'}`)}
      </button>
      {exitsMissed && (
        <p role="alert" className="mt-2 text-xs text-amber-400" data-testid="order-exits-missed">
          {exitsMissed}
        </p>
      )}
      {error && <p className="mt-2 text-xs text-rose-400">{error}</p>}
    </form>
  );
}
