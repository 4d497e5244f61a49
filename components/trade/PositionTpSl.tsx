'use client';

import { fmtPrice, fmtUsd } from '@/lib/format';
import { EXIT_ORDER_LIFETIME_SEC, stopPastLiquidation } from '@/lib/orders';
import { TpSlFields } from './TpSlFields';
import { SLIPPAGE_FIRST } from './useSlippage';
import { type Data, type Market, type Row, useTpSlPlan } from './useTpSlPlan';

/** Take-profit and stop-loss for an open position: reduce-only orders on the whole position (whatever its size when
 *  they fire) or on the part of it typed in Size; once the position is gone the keeper clears them before a new one
 *  could inherit them. */
export function PositionTpSl({ p, m, data, onDone }: { p: Row; m: Market; data: Data; onDone: () => void }) {
  const plan = useTpSlPlan(p, m, data, onDone);
  return (
    <form className="flex flex-wrap items-start gap-2" onSubmit={plan.submit} data-testid="position-edit-tpsl">
      <TpSlFields p={p} m={m} fields={plan.fields} id={`${p.marketId}-${p.isLong}`} />
      <button className="btn mt-5" disabled={!plan.canSubmit} title={plan.blocked ?? (plan.slippageValid ? undefined : SLIPPAGE_FIRST)}>
        {plan.blocked ?? (plan.needsApproval ? 'Approve order fees' : 'Place TP/SL')}
      </button>
      <TpSlNotes p={p} plan={plan} balance={data.balance} />
    </form>
  );
}

/** What the orders cost and what to watch: a stop past the liquidation price, the keeper fees and a wallet short of them. */
function TpSlNotes({ p, plan, balance }: { p: Row; plan: ReturnType<typeof useTpSlPlan>; balance: bigint | undefined }) {
  const { minFee, count, feesUsd, stopLoss } = plan;
  return (
    <>
      {stopLoss !== undefined && stopPastLiquidation(p.isLong, stopLoss, p.liquidationPriceWad) && (
        <p className="basis-full text-xs text-amber-400" data-testid="stop-past-liquidation">
          This stop is past the liquidation price {fmtPrice(p.liquidationPriceWad)}: the position would be liquidated before it fires.
        </p>
      )}
      <p className="basis-full text-xs text-zinc-500" data-testid="tpsl-fee">
        Take-profit and stop-loss orders last {EXIT_ORDER_LIFETIME_SEC / 86_400} days
        {minFee !== undefined && `; each escrows a keeper fee of ${fmtUsd(minFee)} from your wallet${count > 0n ? ` (${fmtUsd(feesUsd!)} for ${count})` : ''}: paid to the keeper that fills it, refunded in full if you cancel it`}.
      </p>
      {plan.short && balance !== undefined && (
        <p role="alert" className="basis-full text-xs text-rose-400">
          Your wallet holds {fmtUsd(balance)}, less than the keeper fees of {fmtUsd(feesUsd!)}.
        </p>
      )}
    </>
  );
}
