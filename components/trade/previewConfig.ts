import { toPreviewConfig } from '@/lib/math/preview';
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
