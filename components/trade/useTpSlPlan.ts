'use client';

import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useTx } from '@/components/tx/useTx';
import { fmtPrice } from '@/lib/format';
import { checkOrderFields, EXIT_ORDER_LIFETIME_SEC, NO_BOUND, WHOLE_POSITION } from '@/lib/orders';
import { checkAmount } from '@/lib/validation';
import type { useMarketData } from './useMarketData';
import { useSlippage } from './useSlippage';
import { deadlineBaseSec, useChainNowSec } from '@/components/common/chainClock';

export type Data = ReturnType<typeof useMarketData>;
export type Row = NonNullable<Data['positions']>[number];
export type Market = NonNullable<Data['markets']>[number];

/** The take-profit / stop-loss form's state, checks and sends: the fields, the keeper fees the orders escrow (each
 *  order takes the book's minimum fee from the wallet as it is placed), the approval they need, and the submit that
 *  places the stop-loss first and each order whatever became of the other (a placed one's field clears). */
export function useTpSlPlan(p: Row, m: Market, data: Data, onDone: () => void) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { send, pending, blocked } = useTx();
  const [slippageBps, , slippageValid] = useSlippage();
  const chainNow = useChainNowSec(); // orders expire on the chain's clock
  const [tp, setTp] = useState('');
  const [sl, setSl] = useState('');
  const [sizeText, setSizeText] = useState(''); // empty: the whole position
  const size = sizeText.trim() === '' ? { value: WHOLE_POSITION } : checkAmount(sizeText, { max: p.position.sizeUsd, maxLabel: 'the position size' });
  const minFee = useReadContract({ ...c.orderBook, functionName: 'minExecutionFeeUsd' }).data;
  const f = checkOrderFields('market', p.isLong, m.priceWad, { trigger: '', takeProfit: tp, stopLoss: sl });
  const count = (f.takeProfit ? 1n : 0n) + (f.stopLoss ? 1n : 0n);
  const feesUsd = minFee !== undefined ? minFee * count : undefined;
  const needsApproval = feesUsd !== undefined && (data.orderBookAllowance ?? 0n) < feesUsd;
  const short = feesUsd !== undefined && data.balance !== undefined && data.balance < feesUsd;
  const invalid = count === 0n || !!f.errors.takeProfit || !!f.errors.stopLoss || !!size.error || minFee === undefined || short;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (invalid || blocked) return;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256], label: `Approve ${sym} for order fees` });
      return;
    }
    const expiresAt = deadlineBaseSec(chainNow) + BigInt(EXIT_ORDER_LIFETIME_SEC);
    const side = p.isLong ? 'long' : 'short';
    const place = (kind: number, trigger: bigint, bound: bigint, label: string) =>
      send({ ...c.orderBook, functionName: 'createOrder', args: [p.marketId, p.isLong, kind, trigger, bound, size.value!, 0n, expiresAt, minFee!], label });
    const slOk = f.stopLoss ? await place(3, f.stopLoss, BigInt(NO_BOUND), `Stop loss ${side} at ${fmtPrice(f.stopLoss)}`) : true;
    if (f.stopLoss && slOk) setSl('');
    const tpOk = f.takeProfit ? await place(2, f.takeProfit, slippageBps, `Take profit ${side} at ${fmtPrice(f.takeProfit)}`) : true;
    if (f.takeProfit && tpOk) setTp('');
    if (slOk && tpOk) onDone();
  }

  return {
    fields: { tp, setTp, sl, setSl, sizeText, setSizeText, errors: { takeProfit: f.errors.takeProfit, stopLoss: f.errors.stopLoss, size: size.error } },
    stopLoss: f.stopLoss,
    minFee,
    count,
    feesUsd,
    short,
    needsApproval,
    slippageValid,
    canSubmit: !invalid && !blocked && !pending && slippageValid,
    blocked,
    pending,
    submit,
  };
}
