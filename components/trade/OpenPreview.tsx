'use client';

import { PreviewRow } from '@/components/common/Stat';
import { WAD } from '@/lib/math/fixed';
import type { OpenPreview as Preview } from '@/lib/math/preview';
import { fundingRatesBySide } from '@/lib/math/risk';
import { annualize, fmtLev, fmtLiquidationPrice, fmtPct, fmtPctFine, fmtPrice, fmtUsd, fmtWhoPays } from '@/lib/format';
import type { useMarketData } from './useMarketData';

type Market = NonNullable<ReturnType<typeof useMarketData>['market']>;

/** What a position of this side pays per second at today's rate once `addUsd` more is open on it (negative: is paid):
 *  RiskMath.nextFundingSplit at one instant. */
function sideFundingRateWad(state: Market['state'], isLong: boolean, addUsd: bigint): bigint {
  const longOi = BigInt(state.longOiUsd) + (isLong ? addUsd : 0n);
  const shortOi = BigInt(state.shortOiUsd) + (isLong ? 0n : addUsd);
  const r = fundingRatesBySide(BigInt(state.fundingRateWad), longOi, shortOi, longOi - shortOi + BigInt(state.optionsSkewUsd));
  return isLong ? r.longWad : r.shortWad;
}

/**
 * What an open will do, from lib/math/preview.ts (the engine's rules, differential-tested to the wei): the fill, its
 * fees, the margin it is held to and where it is liquidated now and once maintenance has ramped to the target.
 */
export function OpenPreview({
  m,
  sizeUsd,
  preview,
  triggerWad,
  ordersPlaced,
  orderFeeUsd,
}: {
  m?: Market;
  sizeUsd?: bigint;
  preview?: Preview;
  /** a limit or stop order's trigger: the preview is at that price (today's skew, margin and pool) */
  triggerWad?: bigint;
  /** the limit/stop, take-profit and stop-loss orders this submit places */
  ordersPlaced: bigint;
  /** the keeper fee each order escrows */
  orderFeeUsd?: bigint;
}) {
  const merges = preview !== undefined && sizeUsd !== undefined && preview.sizeAfterUsd > sizeUsd;
  return (
    <dl className="mt-4 grid grid-cols-2 gap-x-3 gap-y-1 text-xs" aria-label="Preview">
      {/* an order on a side already open adds to that position: what it adds, then the position it makes (review BK:
          the added size stood next to the combined collateral, with nothing saying the two merge) */}
      <PreviewRow label={merges ? 'Size added' : 'Size'} value={sizeUsd !== undefined ? fmtUsd(sizeUsd) : '—'} />
      {merges && preview && (
        <PreviewRow
          label="Position after (merged)"
          testId="preview-merged"
          wei={preview.sizeAfterUsd}
          value={`${fmtUsd(preview.sizeAfterUsd)} at ${fmtLev(preview.leverageWad)}`}
          title="This order adds to your open position on this side: one position with the combined size and collateral, its PnL realized first and its tokens reopened at the oracle price"
        />
      )}
      <PreviewRow label="Oracle price" value={m && m.priceWad > 0n ? fmtPrice(m.priceWad) : '— (no fresh price)'} />
      {triggerWad !== undefined && (
        <PreviewRow
          label="Previewed at the trigger"
          testId="preview-trigger"
          wei={triggerWad}
          title="The order fills once the oracle price crosses its trigger: entry, margin and liquidation below are at the trigger, with today's skew, margin rates and pool"
          value={fmtPrice(triggerWad)}
        />
      )}
      <PreviewRow label="Entry (with impact)" testId="preview-entry" wei={preview?.executionPriceWad} value={fmtPrice(preview?.executionPriceWad, 4)} />
      <PreviewRow label="Price impact" testId="preview-impact" value={preview ? fmtWhoPays(preview.impactUsd, 4) : '—'} />
      {preview && preview.rebateUsd > 0n && (
        <PreviewRow label="Impact rebate (paid on close, not margin)" value={fmtUsd(preview.rebateUsd, 2)} title="earned by reducing the skew, at most this trade's fee" />
      )}
      {preview && preview.realizedPnlUsd !== 0n && <PreviewRow label="PnL realized by adding" value={fmtUsd(preview.realizedPnlUsd, 2)} />}
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
        <PreviewRow
          label="Most the pool pays (profit cap)"
          testId="preview-profit-cap"
          wei={preview && preview.sizeAfterUsd > sizeUsd ? preview.maxProfitAfterUsd : (sizeUsd * BigInt(m.config.maxProfitBps)) / 10_000n}
          title="A new position may earn its market's cap on its size. Adding to one keeps what it could still earn before its cap price, plus the cap on the added size: adding never resets the cap."
          value={
            preview && preview.sizeAfterUsd > sizeUsd
              ? `${fmtUsd(preview.maxProfitAfterUsd)} (what is left of the cap + ${m.config.maxProfitBps / 100}% of the added size)`
              : `${fmtUsd((sizeUsd * BigInt(m.config.maxProfitBps)) / 10_000n)} (${m.config.maxProfitBps / 100}% of size)`
          }
        />
      )}
      {ordersPlaced > 0n && orderFeeUsd !== undefined && (
        <PreviewRow
          label={`Keeper fee, ${ordersPlaced} order${ordersPlaced > 1n ? 's' : ''} (escrowed; refunded on cancel)`}
          testId="preview-order-fee"
          value={fmtUsd(orderFeeUsd * ordersPlaced)}
        />
      )}
      <PreviewRow label="Collateral after fees" value={preview ? fmtUsd(preview.collateralAfterUsd) : '—'} />
      <PreviewRow
        label="Maintenance margin"
        testId="preview-mmr"
        wei={preview?.maintenanceMarginWad}
        value={preview ? `${fmtPct(preview.maintenanceMarginWad)} (${fmtUsd((preview.sizeAfterUsd * preview.maintenanceMarginWad) / WAD)})` : '—'}
      />
      <PreviewRow label="Initial margin" value={preview ? fmtPct(preview.initialMarginWad) : '—'} />
      <PreviewRow label="Liquidation price" testId="preview-liq" wei={preview?.liquidationPriceWad} value={preview ? fmtLiquidationPrice(preview.isLong, preview.liquidationPriceWad, 4) : '—'} />
      {preview && preview.maintenanceAtTargetWad > preview.maintenanceMarginWad && (
        <PreviewRow
          label="… once margin ramps up (σ unchanged)"
          testId="preview-liq-target"
          wei={preview.liquidationPriceAtTargetWad}
          value={`${fmtLiquidationPrice(preview.isLong, preview.liquidationPriceAtTargetWad, 4)} (maintenance ${fmtPct(preview.maintenanceAtTargetWad)})`}
        />
      )}
      <PreviewRow label="Borrow rate (APR)" value={m ? fmtPct(annualize(m.borrowRateWad)) : '—'} />
      {preview && m && (
        <PreviewRow
          label={`Funding, ${preview.isLong ? 'long' : 'short'} (APR, pays +)`}
          title="At today's rate with this order open. The side the rate names pays it; the pool keeps its share on the net skew (options delta included) and the other side is paid the rest, at most the rate"
          value={fmtPctFine(annualize(sideFundingRateWad(m.state, preview.isLong, sizeUsd ?? 0n)))}
        />
      )}
    </dl>
  );
}
