import { toPreviewConfig, type PreviewMarket } from '@/lib/math/preview';
import type { useMarketData } from './useMarketData';

type Market = NonNullable<ReturnType<typeof useMarketData>['markets']>[number];

/** The fields of a Reader market view's config the trade previews use, as bigints. */
export function previewConfig(m: Market) {
  const c = m.config;
  return toPreviewConfig({
    openFeeBps: c.openFeeBps,
    closeFeeBps: c.closeFeeBps,
    positiveImpactBps: c.positiveImpactBps,
    impactScaleUsd: c.impactScaleUsd,
    horizonSec: c.horizonSec,
    zWad: c.zWad,
    mmrFloorWad: c.mmrFloorWad,
    sizeScaleUsd: c.sizeScaleUsd,
    sizeTermWad: c.sizeTermWad,
    imrMultiplierWad: c.imrMultiplierWad,
    utilTermWad: c.utilTermWad,
    maxLeverage: c.maxLeverage,
    maxProfitBps: c.maxProfitBps,
    minCollateralUsd: c.minCollateralUsd,
  });
}

/** A Reader market view as the open preview reads it, at `priceWad` (a trigger order's price) or the oracle's. */
export function previewMarket(m: Market, priceWad: bigint = m.priceWad): PreviewMarket {
  return {
    priceWad,
    longOiUsd: m.state.longOiUsd,
    shortOiUsd: m.state.shortOiUsd,
    optionsSkewUsd: m.state.optionsSkewUsd,
    maintenanceBaseWad: m.maintenanceBaseWad,
    marginTargetWad: m.marginTargetWad,
    reservedUsd: m.state.reservedUsd,
    config: previewConfig(m),
  };
}
