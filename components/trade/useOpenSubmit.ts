'use client';

import { maxUint256 } from 'viem';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { acceptablePriceWad } from '@/lib/math/preview';
import { ENTRY_ORDER_LIFETIME_SEC, EXIT_ORDER_LIFETIME_SEC, isOpenKind, NO_BOUND, WHOLE_POSITION, type OrderType } from '@/lib/orders';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { useSlippage } from './useSlippage';

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

/**
 * Sends what the trade form asks for through the one transaction hook. Resolves true when everything it sent landed
 * (so the form can clear); an approval alone resolves false (the trader submits again to trade).
 */
export function useOpenSubmit() {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { send, pending, error } = useTx();
  const [slippageBps, , slippageValid] = useSlippage();

  async function submit(r: OpenRequest): Promise<boolean> {
    if (!slippageValid) return false; // the form shows the field's error; the stored tolerance is not the one on screen
    if (r.approve) {
      const spender = r.approve === 'engine' ? c.engine.address : c.orderBook.address;
      await send({ ...c.token, functionName: 'approve', args: [spender, maxUint256], label: `Approve ${sym} for ${r.approve === 'engine' ? 'trading' : 'order fees'}` });
      return false;
    }
    const now = Math.floor(Date.now() / 1000);
    const side = r.isLong ? 'long' : 'short';
    const place = (kind: number, trigger: bigint, bound: bigint, size: bigint, collateral: bigint, label: string) => {
      const expiresAt = BigInt(now + (isOpenKind(kind) ? ENTRY_ORDER_LIFETIME_SEC : EXIT_ORDER_LIFETIME_SEC));
      return send({ ...c.orderBook, functionName: 'createOrder', args: [BigInt(r.marketId), r.isLong, kind, trigger, bound, size, collateral, expiresAt, r.orderFeeUsd], label });
    };
    let ok: boolean;
    if (r.type === 'market') {
      ok = await send({
        ...c.engine,
        functionName: 'increasePosition',
        args: [BigInt(r.marketId), r.isLong, r.collateralUsd, r.sizeUsd, acceptablePriceWad(r.executionPriceWad, r.isLong, slippageBps)],
        label: `${r.isLong ? 'Long' : 'Short'} ${fmtUsd(r.sizeUsd, 0)}`,
        prices: [r.marketId],
      });
    } else {
      const label = `${r.type === 'limit' ? 'Limit' : 'Stop'} ${side} ${fmtUsd(r.sizeUsd, 0)} at ${fmtPrice(r.trigger)}`;
      ok = await place(r.type === 'limit' ? 0 : 1, r.trigger!, slippageBps, r.sizeUsd, r.collateralUsd, label);
    }
    // Take-profit and stop-loss guard the whole position, whatever its size when they fire (reduce-only);
    // a stop-loss fills at any price once crossed, a take-profit within the slippage tolerance of its price.
    if (ok && r.takeProfit) ok = await place(2, r.takeProfit, slippageBps, WHOLE_POSITION, 0n, `Take profit ${side} at ${fmtPrice(r.takeProfit)}`);
    if (ok && r.stopLoss) ok = await place(3, r.stopLoss, BigInt(NO_BOUND), WHOLE_POSITION, 0n, `Stop loss ${side} at ${fmtPrice(r.stopLoss)}`);
    return ok;
  }

  return { submit, pending, error };
}
