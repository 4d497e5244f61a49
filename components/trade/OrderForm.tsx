'use client';

import { useAccount } from 'wagmi';
import { AmountField } from '@/components/common/Stat';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { LeftoverExitsNotice } from './LeftoverExitsNotice';
import { LeverageField } from './LeverageField';
import { MarginExplainer } from './MarginExplainer';
import { OpenPreview } from './OpenPreview';
import { OrderBlockers, OrderNotices, SideToggle } from './OrderNotices';
import { OrderTypeFields } from './OrderTypeFields';
import { SlippageField } from './SlippageField';
import { type Data, useOrderPlan } from './useOrderPlan';

/** The order form: fields (side, type and triggers, collateral, leverage, slippage), the preview and what to watch,
 *  and the submit; its state, checks and sends are `useOrderPlan`'s. */
export function OrderForm({ marketId, data }: { marketId: number; data: Data }) {
  const sym = useTokenSymbol();
  const { isConnected } = useAccount();
  const plan = useOrderPlan(marketId, data);
  const { m, isLong, orderType } = plan;
  return (
    <form onSubmit={plan.onSubmit} aria-labelledby="order-title" className="card">
      <h2 id="order-title" className="mb-3 text-sm font-semibold text-zinc-300">
        Order
      </h2>
      <SideToggle isLong={isLong} onChange={plan.setIsLong} />
      <OrderTypeFields isLong={isLong} state={orderType} onChange={plan.setOrderType} errors={plan.orderFields.errors} />
      <AmountField
        id="collateral"
        label={`Collateral (${sym})`}
        value={plan.collateralText}
        onChange={plan.setCollateralText}
        error={plan.collateral.error}
        max={isConnected ? { value: plan.walletForCollateral, label: plan.ordersFeeUsd > 0n ? 'Wallet less order fees' : 'Wallet' } : undefined}
      />
      <LeverageField
        text={plan.leverageText}
        onChange={plan.setLeverageText}
        maxLeverageWad={m?.maxLeverageWad}
        typedMax={m ? plan.typedMax : undefined}
        noneFits={plan.maxTenths === 0}
        error={plan.collateralText !== '' || plan.leverageText !== '5' ? plan.leverageError : undefined}
      />
      <SlippageField onValidChange={plan.setSlippageValid} />
      {m && <MarginExplainer m={m} kinkWad={data.kinkWad} />}
      <OrderNotices plan={plan} />
      <OpenPreview m={m} sizeUsd={plan.sizeUsd} preview={plan.preview} triggerWad={plan.triggerWad} ordersPlaced={plan.ordersPlaced} orderFeeUsd={plan.minFee} />
      <OrderBlockers plan={plan} />
      <LeftoverExitsNotice marketId={marketId} isLong={isLong} hasPosition={!!plan.existing} />
      {m && !m.priceValid && (
        <p role="alert" className="mt-2 text-xs text-amber-400">
          The oracle price is stale: trading resumes with the next price update.
        </p>
      )}
      <button type="submit" className={`btn mt-4 w-full ${isLong ? '' : 'bg-rose-700 hover:bg-rose-600'}`} disabled={!plan.canSubmit}>
        {plan.blocked ??
          (plan.pending
            ? 'Confirming…'
            : plan.needsApproval
              ? `Approve ${sym}`
              : plan.needsOrderApproval
                ? 'Approve order fees'
                : `${orderType.type === 'market' ? '' : orderType.type === 'limit' ? 'Limit ' : 'Stop '}${isLong ? 'Long' : 'Short'}`)}
      </button>
      {plan.exitsMissed && (
        <p role="alert" className="mt-2 text-xs text-amber-400" data-testid="order-exits-missed">
          {plan.exitsMissed}
        </p>
      )}
      {plan.error && <p className="mt-2 text-xs text-rose-400">{plan.error}</p>}
    </form>
  );
}
