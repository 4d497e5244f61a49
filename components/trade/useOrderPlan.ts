'use client';

import { useMemo, useState } from 'react';
import { useAccount, useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { maxOpenLeverageTenths, previewOpen, sizeAtLeverageDown } from '@/lib/math/preview';
import { checkOrderFields, triggered } from '@/lib/orders';
import { checkAmount, checkLeverage, clearIfUnchanged, maxTypedLeverage } from '@/lib/validation';
import { orderLimitError } from './orderLimits';
import { previewMarket } from './previewConfig';
import type { OrderTypeState } from './OrderTypeFields';
import type { useMarketData } from './useMarketData';
import { useOpenSubmit } from './useOpenSubmit';
import { useSequencerGrace } from './useSequencerGrace';

export type Data = ReturnType<typeof useMarketData>;

/**
 * The order form's state, checks, preview and submit: side, order type and its triggers, collateral (at most the wallet
 * less the keeper fees of the orders this submit places), leverage (at most what this collateral can take after fees
 * and impact), the open previewed as the engine will check it (at the trigger for a limit or stop order not yet
 * crossed), why the engine would refuse it (orderLimitError), and the submit that clears the fields once the open or
 * order lands and names an exit that was not placed.
 */
export function useOrderPlan(marketId: number, data: Data) {
  const c = useContracts();
  const { address } = useAccount();
  const { submit, pending, error, blocked } = useOpenSubmit();
  const [exitsMissed, setExitsMissed] = useState<string | undefined>();
  const [isLong, setIsLong] = useState(true);
  const [collateralText, setCollateralText] = useState('');
  const [leverageText, setLeverageText] = useState('5');
  const [slippageValid, setSlippageValid] = useState(true);
  const [orderType, setOrderType] = useState<OrderTypeState>({ type: 'market', trigger: '', takeProfit: '', stopLoss: '' });
  const m = data.market;
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
    const market = previewMarket(m, triggerWad ?? m.priceWad);
    const held = existing
      ? {
          sizeUsd: existing.position.sizeUsd,
          sizeTokens: existing.position.sizeTokens,
          capBucket: BigInt(existing.position.capBucket),
          collateralUsd: existing.position.collateralUsd,
          feesOwedUsd: existing.status.borrowFeeUsd + existing.status.fundingFeeUsd,
        }
      : undefined;
    return (sizeUsd: bigint) => previewOpen(market, isLong, collateralUsd, sizeUsd, pool, held);
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

  const poolError = orderLimitError({
    preview,
    pool: data.pool,
    poolError: data.poolError,
    perpLedger: data.perpLedger,
    engineAddress: c.engine.address,
    marketId,
    isLong,
    oiCapUsd: m ? (isLong ? m.config.maxLongOiUsd : m.config.maxShortOiUsd) : undefined,
    minCollateralUsd: m?.config.minCollateralUsd,
    addsSize: sizeUsd !== undefined && sizeUsd > 0n,
    paused: data.paused && orderType.type === 'market',
  });
  const needsApproval = collateral.value !== undefined && data.allowance !== undefined && data.allowance < collateral.value;
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

  return {
    m,
    isLong,
    setIsLong,
    orderType,
    setOrderType,
    orderFields,
    collateralText,
    setCollateralText,
    collateral,
    walletForCollateral,
    ordersFeeUsd,
    leverageText,
    setLeverageText,
    leverageError,
    typedMax,
    maxTenths,
    setSlippageValid,
    existing,
    crossedNow,
    terms,
    typedTrigger,
    triggerWad,
    sizeUsd,
    preview,
    poolError,
    ordersPlaced,
    minFee,
    sequencer,
    newRiskWaits,
    needsApproval,
    needsOrderApproval,
    canSubmit,
    blocked,
    pending,
    error,
    exitsMissed,
    onSubmit,
  };
}
