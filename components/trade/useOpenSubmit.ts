'use client';

import { maxUint256 } from 'viem';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { acceptablePriceWad } from '@/lib/math/preview';
import { ENTRY_ORDER_LIFETIME_SEC, EXIT_ORDER_LIFETIME_SEC, isOpenKind, NO_BOUND, WHOLE_POSITION, type OrderType } from '@/lib/orders';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { useSlippage } from './useSlippage';
import { deadlineBaseSec, useChainNowSec } from '@/components/common/chainClock';

/** One submit of the trade form: a market open or a limit/stop order, with an optional take-profit and stop-loss. */
export interface OpenRequest {
  marketId: number;
  isLong: boolean;
  collateralUsd: bigint;
  sizeUsd: bigint;
  /** the previewed fill price (lib/math/preview.ts); a market open is bounded at it ± the slippage tolerance */
  executionPriceWad: bigint;
  type: OrderType;
  /** a limit or stop order's trigger price */
  trigger?: bigint;
  takeProfit?: bigint;
  stopLoss?: bigint;
  /** the keeper fee each order escrows (OrderBook.minExecutionFeeUsd) */
  orderFeeUsd: bigint;
  /** which contract must first be allowed to take the token: one approval per submit, then the trader submits again */
  approve?: 'engine' | 'orderBook';
}

/** What one submit landed: the open or entry order itself, and the exit orders placed with it. */
export interface OpenResult {
  /** the market open or the limit/stop order landed (false for an approval alone: the trader submits again) */
  sent: boolean;
  takeProfit: boolean;
  stopLoss: boolean;
}

/**
 * Sends what the trade form asks for through the one transaction hook: the open (or entry order), then the stop-loss
 * and then the take-profit, each tried whatever became of the other (review: a refused take-profit skipped the
 * stop-loss silently, and the form, seeing a failure, kept the collateral for a second open).
 */
export function useOpenSubmit() {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { send, pending, error, blocked } = useTx();
  const [slippageBps, , slippageValid] = useSlippage();
  const chainNow = useChainNowSec(); // orders expire on the chain's clock

  async function submit(r: OpenRequest): Promise<OpenResult> {
    const none = { sent: false, takeProfit: false, stopLoss: false };
    if (!slippageValid) return none; // the form shows the field's error; the stored tolerance is not the one on screen
    if (r.approve) {
      const spender = r.approve === 'engine' ? c.engine.address : c.orderBook.address;
      await send({ ...c.token, functionName: 'approve', args: [spender, maxUint256], label: `Approve ${sym} for ${r.approve === 'engine' ? 'trading' : 'order fees'}` });
      return none;
    }
    const now = Number(deadlineBaseSec(chainNow));
    const side = r.isLong ? 'long' : 'short';
    const place = (kind: number, trigger: bigint, bound: bigint, size: bigint, collateral: bigint, label: string) => {
      const expiresAt = BigInt(now + (isOpenKind(kind) ? ENTRY_ORDER_LIFETIME_SEC : EXIT_ORDER_LIFETIME_SEC));
      return send({ ...c.orderBook, functionName: 'createOrder', args: [BigInt(r.marketId), r.isLong, kind, trigger, bound, size, collateral, expiresAt, r.orderFeeUsd], label });
    };
    let sent: boolean;
    if (r.type === 'market') {
      sent = await send({
        ...c.engine,
        functionName: 'increasePosition',
        args: [BigInt(r.marketId), r.isLong, r.collateralUsd, r.sizeUsd, acceptablePriceWad(r.executionPriceWad, r.isLong, slippageBps)],
        label: `${r.isLong ? 'Long' : 'Short'} ${fmtUsd(r.sizeUsd, 0)}`,
        prices: [r.marketId],
      });
    } else {
      const label = `${r.type === 'limit' ? 'Limit' : 'Stop'} ${side} ${fmtUsd(r.sizeUsd, 0)} at ${fmtPrice(r.trigger)}`;
      sent = await place(r.type === 'limit' ? 0 : 1, r.trigger!, slippageBps, r.sizeUsd, r.collateralUsd, label);
    }
    if (!sent) return none;
    // Take-profit and stop-loss guard the whole position, whatever its size when they fire (reduce-only); the
    // stop-loss, the protective one, first. A stop-loss fills at any price once crossed, a take-profit within the
    // slippage tolerance of its price.
    const stopLoss = r.stopLoss ? await place(3, r.stopLoss, BigInt(NO_BOUND), WHOLE_POSITION, 0n, `Stop loss ${side} at ${fmtPrice(r.stopLoss)}`) : false;
    const takeProfit = r.takeProfit ? await place(2, r.takeProfit, slippageBps, WHOLE_POSITION, 0n, `Take profit ${side} at ${fmtPrice(r.takeProfit)}`) : false;
    return { sent, takeProfit, stopLoss };
  }

  return { submit, pending, error, blocked };
}
