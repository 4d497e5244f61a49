'use client';

import { PreviewRow } from '@/components/common/Stat';
import { fmtPrice, fmtSignedUsd, fmtUsd } from '@/lib/format';
import { acceptablePriceWad, previewClose, type ClosePreview as Preview } from '@/lib/math/preview';
import { previewConfig } from './previewConfig';
import type { useMarketData } from './useMarketData';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];
type Market = NonNullable<Data['markets']>[number];

/** What closing `sizeDeltaUsd` of the position does now (the engine's decreasePosition, lib/math/preview.previewClose). */
export function closePreviewOf(p: Row, m: Market, sizeDeltaUsd: bigint): Preview {
  return previewClose(
    {
      priceWad: m.priceWad,
      longOiUsd: m.state.longOiUsd,
      shortOiUsd: m.state.shortOiUsd,
      optionsSkewUsd: m.state.optionsSkewUsd,
      maintenanceBaseWad: m.maintenanceBaseWad,
      config: previewConfig(m),
    },
    p.isLong,
    {
      sizeUsd: p.position.sizeUsd,
      sizeTokens: p.position.sizeTokens,
      capBucket: BigInt(p.position.capBucket),
      collateralUsd: p.position.collateralUsd,
      rebateUsd: BigInt(p.position.rebateUsd),
      feesOwedUsd: p.status.borrowFeeUsd + p.status.fundingFeeUsd,
    },
    sizeDeltaUsd,
  );
}

/** The acceptable price of closing `sizeDeltaUsd` now, within the trader's slippage tolerance (a long's close sells). */
export function closeBound(p: Row, m: Market, sizeDeltaUsd: bigint, slippageBps: bigint): bigint {
  return acceptablePriceWad(closePreviewOf(p, m, sizeDeltaUsd).executionPriceWad, !p.isLong, slippageBps);
}

/** Why a close cannot go through as previewed, or undefined. */
export function closeError(r: Preview): string | undefined {
  // PerpEngine refuses it (InsufficientMargin): the fees owed are settled first, and only the closed part's PnL is realized
  if (r.sizeAfterUsd > 0n && r.collateralAfterUsd < 0n)
    return `The fees owed (${fmtUsd(r.feesOwedUsd)}) are more than the collateral plus what this part realizes: close a larger part, or all of it`;
  if (r.belowMinCollateral) return `What stays open would keep ${fmtUsd(r.collateralAfterUsd)} of collateral, below the market minimum: close more, or all of it`;
  if (r.belowMaintenance) return 'What stays open would be below its maintenance margin: close more, or all of it';
}

/** One line for a button's tooltip: what a close pays. */
export function closeSummary(r: Preview): string {
  const paid = r.payoutUsd > 0n || r.sizeAfterUsd === 0n ? `you receive ${fmtUsd(r.payoutUsd)}` : `collateral becomes ${fmtUsd(r.collateralAfterUsd)}`;
  return `At ${fmtPrice(r.executionPriceWad)}: PnL ${fmtSignedUsd(r.realizedPnlUsd)}, close fee ${fmtUsd(r.feeUsd)}; ${paid}`;
}

/** The close's preview: the fill, what it realizes and charges, and what the trader gets. */
export function ClosePreview({ r, closeFeeBps }: { r: Preview; closeFeeBps: number }) {
  const full = r.sizeAfterUsd === 0n;
  return (
    <dl className="grid w-72 grid-cols-2 gap-x-3 gap-y-0.5 text-xs" data-testid="close-preview">
      <PreviewRow label="Execution price" value={fmtPrice(r.executionPriceWad)} testId="close-exec" wei={r.executionPriceWad} title="the oracle price with the closed size's impact on the skew" />
      <PreviewRow label="Realized PnL" value={fmtSignedUsd(r.realizedPnlUsd)} testId="close-pnl" wei={r.realizedPnlUsd} title="at the oracle price, within the position's profit cap" />
      <PreviewRow
        label={r.impactUsd < 0n ? 'Impact earned' : 'Price impact'}
        value={fmtSignedUsd(-r.impactUsd)}
        testId="close-impact"
        wei={r.impactUsd}
        title="a close that reduces the skew earns its impact; one that adds to it pays"
      />
      <PreviewRow
        label={`Close fee (${closeFeeBps / 100}%)`}
        value={fmtUsd(r.feeUsd)}
        testId="close-fee"
        wei={r.feeUsd}
        title={`on the value closed, ${fmtUsd(r.valueClosedUsd)}: the size plus a long's profit or a short's loss`}
      />
      {r.feesOwedUsd !== 0n && <PreviewRow label="Borrow + funding owed" value={fmtSignedUsd(-r.feesOwedUsd, 4)} testId="close-owed" wei={r.feesOwedUsd} />}
      {r.rebateRealizedUsd > 0n && <PreviewRow label="Rebate paid" value={fmtSignedUsd(r.rebateRealizedUsd)} testId="close-rebate" wei={r.rebateRealizedUsd} />}
      {full ? (
        <PreviewRow label="You receive" value={fmtUsd(r.payoutUsd)} testId="close-payout" wei={r.payoutUsd} title="everything left in the position, paid to your wallet" />
      ) : (
        <PreviewRow label="Collateral after" value={fmtUsd(r.collateralAfterUsd)} testId="close-collateral" wei={r.collateralAfterUsd} title="a partial close keeps its result in the position: remove collateral to take it out" />
      )}
    </dl>
  );
}
