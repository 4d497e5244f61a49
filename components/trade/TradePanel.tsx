'use client';

import dynamic from 'next/dynamic';
import { useState } from 'react';
import { FaucetButton } from '@/components/common/FaucetButton';
import { Stat } from '@/components/common/Stat';
import { annualize, bytes32ToString, fmtLev, fmtPct, fmtPctFine, fmtPrice, fmtUsd } from '@/lib/format';
import { ClaimRefund } from './ClaimRefund';
import { LiquidationNotice } from './LiquidationNotice';
import { OrderForm } from './OrderForm';
import { OpenOrders } from './OpenOrders';
import { PositionsTable } from './PositionsTable';
import { TradeHistory } from './TradeHistory';
import { useMarketData } from './useMarketData';
import { describeReadError } from '@/lib/api/client';

// recharts is the heaviest dependency: load the chart after the order form is interactive.
const PriceChart = dynamic(() => import('./PriceChart').then((m) => m.PriceChart), {
  ssr: false,
  loading: () => <div className="card skeleton h-72" />,
});

export function TradePanel() {
  const [marketId, setMarketId] = useState(0);
  const data = useMarketData(marketId);
  const m = data.market;
  const name = m ? bytes32ToString(m.name) : '…';
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div role="tablist" aria-label="Market" className="flex gap-2">
          {(data.markets ?? []).map((mk, i) => (
            <button
              key={i}
              role="tab"
              aria-selected={i === marketId}
              onClick={() => setMarketId(i)}
              className={`rounded px-3 py-1.5 text-sm ${i === marketId ? 'bg-zinc-100 text-zinc-900' : 'bg-zinc-800 text-zinc-300 hover:bg-zinc-700'}`}
            >
              {bytes32ToString(mk.name)}
            </button>
          ))}
        </div>
        <FaucetButton />
      </div>
      {data.marketsError && (
        <p role="alert" className="card text-sm text-rose-400">
          {describeReadError(data.marketsError)}
        </p>
      )}
      <LiquidationNotice />
      <section aria-label="Market stats" className="card">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-8">
          <Stat label={`${name} price`} testId="market-price" value={m && fmtPrice(m.priceWad)} />
          <Stat label="Long OI" value={m && fmtUsd(m.state.longOiUsd, 0)} />
          <Stat label="Short OI" value={m && fmtUsd(m.state.shortOiUsd, 0)} />
          <Stat
            label="Funding APR"
            value={m && fmtPctFine(annualize(BigInt(m.state.fundingRateWad)))}
            hint={`positive: longs pay. Driven by long − short open interest plus the options traders' delta${m ? ` (${fmtUsd(m.state.optionsSkewUsd, 0)})` : ''}; trades that add to that sum pay its impact. The pool keeps its share on that net skew and the other side is paid the rest, at most the rate (the order preview shows your side's)`}
          />
          <Stat label="Borrow APR" value={m && fmtPct(annualize(m.borrowRateWad))} />
          <Stat label="σ (annualized)" value={m && fmtPct(m.annualizedVolatilityWad)} />
          <Stat label="Max leverage" testId="market-max-leverage" value={m && fmtLev(m.maxLeverageWad)} />
          <Stat label="Utilization" value={m && fmtPct(m.utilizationWad)} />
        </dl>
      </section>
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <PriceChart marketId={marketId} name={name} />
        </div>
        <OrderForm marketId={marketId} data={data} />
      </div>
      <ClaimRefund />
      <PositionsTable data={data} />
      <OpenOrders />
      <TradeHistory />
    </div>
  );
}
