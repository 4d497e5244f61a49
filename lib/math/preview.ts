/**
 * Trade preview: what `PerpEngine.increasePosition` will do, computed with the same formulas (lib/math mirrors the
 * Solidity libraries to the wei). Inputs come from the Reader's market view at the current block.
 */
import { bpsUp, mulDivDown, mulDivUp, WAD } from './fixed';
import { cappedPnlUsd, executionPriceWad, liquidationPriceWad, marginNotionalUp, pnlUsd, sizeTokensFor, valueClosedUsd, VALUE_SCALE } from './position';
import { initialMarginUp, maintenanceMarginUp, nettedImpactCostUsd, utilizationUp } from './risk';
import { capAhead, mergedBucket, mergedMaxProfitUsd, NONE } from './capgrid';

export interface PreviewMarket {
  priceWad: bigint;
  longOiUsd: bigint;
  shortOiUsd: bigint;
  /** the options traders' net delta in USD, netted into the skew (Reader MarketState.optionsSkewUsd) */
  optionsSkewUsd: bigint;
  /** base maintenance rate on the market's schedule now, and the target initial margin applies at once
   *  (Reader.market().maintenanceBaseWad / marginTargetWad) */
  maintenanceBaseWad: bigint;
  marginTargetWad: bigint;
  reservedUsd: bigint; // this market's reserve
  config: {
    openFeeBps: bigint;
    closeFeeBps: bigint;
    positiveImpactBps: bigint;
    impactScaleUsd: bigint;
    horizonSec: bigint;
    zWad: bigint;
    mmrFloorWad: bigint;
    sizeScaleUsd: bigint;
    sizeTermWad: bigint;
    imrMultiplierWad: bigint;
    utilTermWad: bigint;
    maxLeverage: bigint;
    maxProfitBps: bigint;
    minCollateralUsd: bigint;
  };
}

export interface ExistingPosition {
  sizeUsd: bigint;
  sizeTokens: bigint;
  capBucket: bigint; // its cap price on CapGrid
  collateralUsd: bigint;
  feesOwedUsd: bigint; // borrow + funding, settled by the trade
}

export interface OpenPreview {
  /** the side previewed (what reads its liquidation price: "any price" is a long's maxUint256, a short's 0) */
  isLong: boolean;
  impactUsd: bigint;
  feeUsd: bigint;
  /** the most the position may earn from its new entry (its cap): what the reopened tokens could still earn before
   *  their cap price plus maxProfitBps of the added size (P-107), and the cap price's grid bucket */
  maxProfitAfterUsd: bigint;
  capBucketAfter: bigint;
  /** the merged cap lies on the losing side of the price: the engine refuses the increase (AtProfitCap, P-107) */
  atProfitCap: boolean;
  executionPriceWad: bigint;
  collateralAfterUsd: bigint;
  sizeAfterUsd: bigint;
  sizeTokensAfter: bigint;
  /** an increase realizes the existing position's capped PnL into its collateral first (the engine's rule) */
  realizedPnlUsd: bigint;
  /** this trade's impact rebate: owed, paid as the position closes, forfeited on liquidation, never margin */
  rebateUsd: bigint;
  maintenanceMarginWad: bigint;
  /** where the schedule takes maintenance if sigma stays (the target, with this size's term) */
  maintenanceAtTargetWad: bigint;
  initialMarginWad: bigint;
  maxLeverageWad: bigint;
  /** collateral after fees plus the position's unrealized loss (a profit does not count), what the engine divides by */
  equityUsd: bigint;
  leverageWad: bigint; // margin notional (marginNotionalUp) / equity
  /** collateral after fees below the market's minimum (the engine reverts CollateralBelowMinimum) */
  belowMinCollateral: boolean;
  liquidationPriceWad: bigint;
  /** the liquidation price once maintenance has ramped to its target (sigma unchanged) */
  liquidationPriceAtTargetWad: bigint;
  /** the initial-margin check the engine will run, true = the trade would revert */
  exceedsMaxLeverage: boolean;
  /** pool utilization after the trade (what the initial margin uses) */
  utilizationAfterWad: bigint;
  /** whether the pool can reserve the max payout: reserved <= cash * maxUtilization */
  reservedAfterUsd: bigint;
  /** the side's open interest after the trade (entry notional: the old entry size out, the reopened size and the added
   *  size in), what PerpEngine._checkOpenInterest holds to the side's cap (OpenInterestCapExceeded) */
  openInterestAfterUsd: bigint;
}

/**
 * The highest leverage, in tenths (11 = 1.1x), at which `collateralUsd` opens without the engine's initial-margin
 * refusal (`exceeds`: previewOpen's exceedsMaxLeverage at a size). The engine counts leverage on the collateral left
 * after the fee and the price impact, at the size and utilization after the trade, so the market's maximum is more
 * than a trader can type (review BK: SOL offered 20x at a 1% fee and refused it); this searches the preview itself
 * between 1.1x and `upToTenths`, taking the size at each leverage rounded down (sizeAtLeverageDown). 0 when even 1.1x is
 * refused. It only ever returns a leverage the preview passes; where the refusal is not monotone in size (an add to a
 * losing position across a skew smaller than its loss pays less impact as it grows) it can understate, never overstate.
 */
export function maxOpenLeverageTenths(exceeds: (sizeUsd: bigint) => boolean, collateralUsd: bigint, upToTenths: number): number {
  const at = (tenths: number) => exceeds(sizeAtLeverageDown(collateralUsd, tenths * 10));
  let lo = 11;
  if (upToTenths < lo || at(lo)) return 0;
  let hi = upToTenths;
  if (!at(hi)) return hi;
  // at(lo) passes, at(hi) is refused
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid)) hi = mid;
    else lo = mid;
  }
  return lo;
}

/** The size a collateral opens at a leverage given in hundredths (500 = 5x), rounded down. */
export function sizeAtLeverageDown(collateralUsd: bigint, hundredths: number): bigint {
  return (collateralUsd * BigInt(hundredths)) / 100n;
}

export function previewOpen(
  m: PreviewMarket,
  isLong: boolean,
  collateralDeltaUsd: bigint,
  sizeDeltaUsd: bigint,
  pool: { reservedUsd: bigint; poolCashUsd: bigint; kinkWad: bigint },
  existing?: ExistingPosition,
): OpenPreview {
  // As PerpEngine.increasePosition: adding size realizes the existing position's capped PnL at the oracle price and
  // reopens its tokens at their value there (rounded against the trader); a collateral top-up changes neither.
  const realizes = existing !== undefined && existing.sizeUsd > 0n && sizeDeltaUsd > 0n;
  const realizedPnlUsd = realizes ? cappedPnlUsd(isLong, existing.sizeUsd, existing.sizeTokens, m.priceWad, existing.capBucket) : 0n;
  const reopenedUsd = !realizes
    ? existing?.sizeUsd ?? 0n
    : isLong
      ? mulDivUp(existing.sizeTokens, m.priceWad, VALUE_SCALE)
      : mulDivDown(existing.sizeTokens, m.priceWad, VALUE_SCALE);
  const feeUsd = bpsUp(sizeDeltaUsd, m.config.openFeeBps);
  // The reopened notional moves the skew with the added size: the engine prices the whole change as one trade.
  const skew = m.longOiUsd - m.shortOiUsd;
  const moved = sizeDeltaUsd + reopenedUsd - (existing?.sizeUsd ?? 0n);
  const impactUsd = nettedImpactCostUsd(skew, skew + (isLong ? moved : -moved), m.optionsSkewUsd, m.config.impactScaleUsd, m.config.positiveImpactBps, feeUsd);
  // A rebate (negative impact, at most the fee: P-98) is not margin: the engine holds it in the position until it closes.
  const rebateUsd = impactUsd < 0n ? -impactUsd : 0n;
  const collateralAfterUsd =
    (existing ? existing.collateralUsd - existing.feesOwedUsd : 0n) + realizedPnlUsd + collateralDeltaUsd - feeUsd - (impactUsd > 0n ? impactUsd : 0n);
  const sizeAfterUsd = reopenedUsd + sizeDeltaUsd;
  const sizeTokensAfter = (existing?.sizeTokens ?? 0n) + sizeTokensFor(isLong, sizeDeltaUsd, m.priceWad);
  // The reopened tokens keep what they could still earn before their cap price; the added size brings its own cap, and
  // the whole never more than maxProfitBps of the new entry notional, what the pool reserves for it (P-107).
  const oldTokens = realizes ? existing.sizeTokens : 0n;
  const oldBucket = realizes ? existing.capBucket : NONE;
  const maxProfitAfterUsd = mergedMaxProfitUsd(isLong, sizeAfterUsd, oldTokens, oldBucket, sizeDeltaUsd, m.config.maxProfitBps, m.priceWad);
  const capBucketAfter =
    sizeDeltaUsd > 0n
      ? mergedBucket(isLong, sizeAfterUsd, sizeTokensAfter, oldTokens, oldBucket, sizeDeltaUsd, m.config.maxProfitBps, m.priceWad)
      : (existing?.capBucket ?? 0n);
  const c = m.config;
  // As PerpRisk.marginRatesUp: maintenance on the schedule now, initial margin from the target.
  const mmr = maintenanceMarginUp(m.maintenanceBaseWad, sizeAfterUsd, c.sizeScaleUsd, c.sizeTermWad);
  const mmrAtTarget = maintenanceMarginUp(m.marginTargetWad, sizeAfterUsd, c.sizeScaleUsd, c.sizeTermWad);
  // The engine checks initial margin after the trade's reserve is added: utilization is the post-trade one.
  const marketReserveAfter = bpsUp(m.longOiUsd + m.shortOiUsd + sizeAfterUsd - (existing?.sizeUsd ?? 0n), c.maxProfitBps);
  const reservedAfter = pool.reservedUsd - m.reservedUsd + marketReserveAfter;
  const utilizationWad = utilizationUp(reservedAfter, pool.poolCashUsd);
  const imr = initialMarginUp(mmrAtTarget, c.imrMultiplierWad, utilizationWad, pool.kinkWad, c.utilTermWad, c.maxLeverage);
  const maxLeverageWad = mulDivDown(WAD, WAD, imr);
  // As PerpEngine._checkMargin (initial): equity = collateral + min(PnL at the oracle price, 0), so adding to a losing
  // position needs the margin for its loss too.
  // Profit this increase realizes does not back its own new risk (P-20).
  const pnl = pnlUsd(isLong, sizeAfterUsd, sizeTokensAfter, m.priceWad);
  const equityUsd = collateralAfterUsd - (realizedPnlUsd > 0n ? realizedPnlUsd : 0n) + (pnl < 0n ? pnl : 0n);
  // on the notional margins are measured on: a short's tokens' value where larger (PositionMath.marginNotionalUp)
  const leverageWad = equityUsd > 0n ? mulDivUp(marginNotionalUp(isLong, sizeAfterUsd, sizeTokensAfter, m.priceWad), WAD, equityUsd) : 0n;
  return {
    isLong,
    impactUsd,
    feeUsd,
    maxProfitAfterUsd,
    capBucketAfter,
    atProfitCap: sizeDeltaUsd > 0n && !capAhead(isLong, m.priceWad, capBucketAfter),
    executionPriceWad: executionPriceWad(m.priceWad, sizeDeltaUsd, impactUsd, isLong),
    collateralAfterUsd,
    sizeAfterUsd,
    sizeTokensAfter,
    realizedPnlUsd,
    rebateUsd,
    maintenanceMarginWad: mmr,
    maintenanceAtTargetWad: mmrAtTarget,
    initialMarginWad: imr,
    maxLeverageWad,
    equityUsd,
    leverageWad,
    belowMinCollateral: collateralAfterUsd < c.minCollateralUsd,
    liquidationPriceWad: collateralAfterUsd > 0n ? liquidationPriceWad(isLong, sizeAfterUsd, sizeTokensAfter, collateralAfterUsd, 0n, mmr, capBucketAfter) : 0n,
    liquidationPriceAtTargetWad:
      collateralAfterUsd > 0n ? liquidationPriceWad(isLong, sizeAfterUsd, sizeTokensAfter, collateralAfterUsd, 0n, mmrAtTarget, capBucketAfter) : 0n,
    exceedsMaxLeverage: equityUsd <= 0n || leverageWad > maxLeverageWad,
    utilizationAfterWad: utilizationWad,
    reservedAfterUsd: reservedAfter,
    openInterestAfterUsd: (isLong ? m.longOiUsd : m.shortOiUsd) - (existing?.sizeUsd ?? 0n) + sizeAfterUsd,
  };
}

/** The acceptable-price bound for a trade executing at `executionPriceWad` with the trader's slippage tolerance: a buy
 *  (opening a long, closing a short) accepts up to exec × (1 + tol), a sell down to exec × (1 − tol). */
export function acceptablePriceWad(executionPriceWad: bigint, buying: boolean, slippageBps: bigint): bigint {
  return buying ? (executionPriceWad * (10_000n + slippageBps)) / 10_000n : (executionPriceWad * (10_000n - slippageBps)) / 10_000n;
}

export interface ClosePreview {
  /** the closed share of the position's index tokens (a long's rounded down, a short's up: against the trader) */
  closedTokensAmount: bigint;
  /** the closed share's PnL at the oracle price, within the position's profit cap */
  realizedPnlUsd: bigint;
  /** the skew's impact on the closed notional: positive is paid, negative (the close reduces the skew) earned */
  impactUsd: bigint;
  /** what the close fee is charged on: the closed entry size plus a long's profit or a short's loss (P-97) */
  valueClosedUsd: bigint;
  feeUsd: bigint;
  executionPriceWad: bigint;
  /** borrow and funding owed since the position's last update, settled first (negative: owed to the position) */
  feesOwedUsd: bigint;
  /** the closed share of the position's pending impact rebates, realized into its collateral */
  rebateRealizedUsd: bigint;
  /** the position's collateral after the close (negative: a full close's shortfall, bad debt) */
  collateralAfterUsd: bigint;
  sizeAfterUsd: bigint;
  /** a full close pays the trader everything left; a partial close keeps its result in the position's collateral */
  payoutUsd: bigint;
  /** what is left open fails the engine's maintenance check (the close reverts InsufficientMargin) */
  belowMaintenance: boolean;
  /** what is left open has collateral below the market minimum (the close reverts CollateralBelowMinimum) */
  belowMinCollateral: boolean;
}

/** What `PerpEngine.decreasePosition` does when it closes `sizeDeltaUsd` of a position now (its _settleFees, _applyClose
 *  and, for a partial close, _checkMargin on maintenance), from the Reader's market and position views at one block. */
export function previewClose(
  m: {
    priceWad: bigint;
    longOiUsd: bigint;
    shortOiUsd: bigint;
    optionsSkewUsd: bigint;
    maintenanceBaseWad: bigint;
    config: Pick<PreviewMarket['config'], 'closeFeeBps' | 'impactScaleUsd' | 'positiveImpactBps' | 'minCollateralUsd' | 'sizeScaleUsd' | 'sizeTermWad'>;
  },
  isLong: boolean,
  p: { sizeUsd: bigint; sizeTokens: bigint; capBucket: bigint; collateralUsd: bigint; rebateUsd: bigint; feesOwedUsd: bigint },
  sizeDeltaUsd: bigint,
): ClosePreview {
  const full = sizeDeltaUsd === p.sizeUsd;
  const closedTokensAmount = full
    ? p.sizeTokens
    : isLong
      ? mulDivDown(p.sizeTokens, sizeDeltaUsd, p.sizeUsd)
      : mulDivUp(p.sizeTokens, sizeDeltaUsd, p.sizeUsd);
  const realizedPnlUsd = cappedPnlUsd(isLong, sizeDeltaUsd, closedTokensAmount, m.priceWad, p.capBucket);
  const closedValueUsd = valueClosedUsd(isLong, sizeDeltaUsd, realizedPnlUsd);
  const feeUsd = bpsUp(closedValueUsd, m.config.closeFeeBps);
  const skew = m.longOiUsd - m.shortOiUsd;
  // the skew's impact on the closed notional, a rebate at most the fee (P-98)
  const impactUsd = nettedImpactCostUsd(
    skew,
    skew + (isLong ? -sizeDeltaUsd : sizeDeltaUsd),
    m.optionsSkewUsd,
    m.config.impactScaleUsd,
    m.config.positiveImpactBps,
    feeUsd,
  );
  const rebateRealizedUsd = full ? p.rebateUsd : mulDivDown(p.rebateUsd, sizeDeltaUsd, p.sizeUsd);
  const collateralAfterUsd = p.collateralUsd - p.feesOwedUsd + realizedPnlUsd - impactUsd - feeUsd + rebateRealizedUsd;
  const sizeAfterUsd = p.sizeUsd - sizeDeltaUsd;
  let belowMaintenance = false;
  if (!full) {
    const tokensLeft = p.sizeTokens - closedTokensAmount;
    const equity = collateralAfterUsd + cappedPnlUsd(isLong, sizeAfterUsd, tokensLeft, m.priceWad, p.capBucket);
    const mmr = maintenanceMarginUp(m.maintenanceBaseWad, sizeAfterUsd, m.config.sizeScaleUsd, m.config.sizeTermWad);
    belowMaintenance = equity < mulDivUp(marginNotionalUp(isLong, sizeAfterUsd, tokensLeft, m.priceWad), mmr, WAD);
  }
  return {
    closedTokensAmount,
    realizedPnlUsd,
    impactUsd,
    valueClosedUsd: closedValueUsd,
    feeUsd,
    executionPriceWad: executionPriceWad(m.priceWad, sizeDeltaUsd, impactUsd, !isLong),
    feesOwedUsd: p.feesOwedUsd,
    rebateRealizedUsd,
    collateralAfterUsd,
    sizeAfterUsd,
    payoutUsd: full && collateralAfterUsd > 0n ? collateralAfterUsd : 0n,
    belowMaintenance,
    belowMinCollateral: !full && collateralAfterUsd < m.config.minCollateralUsd,
  };
}

/** Removing collateral runs the engine's initial-margin check (PerpEngine._checkMargin (initial)): collateral after the
 *  fees owed and the removal at least the market's minimum, and the margin notional (a short's tokens' value where
 *  larger than its size: marginNotionalUp) / (collateral + min(PnL, 0)) within the max
 *  leverage at the margin target and the pool's utilization. Returns the largest removable amount (0 if none) and
 *  whether `amountUsd` passes. */
export function previewRemoveCollateral(
  m: { priceWad: bigint; marginTargetWad: bigint; config: PreviewMarket['config'] },
  p: { isLong: boolean; sizeUsd: bigint; sizeTokens: bigint; collateralUsd: bigint; feesOwedUsd: bigint },
  pool: { utilizationWad: bigint; kinkWad: bigint },
  amountUsd: bigint,
): { maxRemovableUsd: bigint; ok: boolean; leverageWad: bigint; maxLeverageWad: bigint } {
  const c = m.config;
  const atTarget = maintenanceMarginUp(m.marginTargetWad, p.sizeUsd, c.sizeScaleUsd, c.sizeTermWad);
  const imr = initialMarginUp(atTarget, c.imrMultiplierWad, pool.utilizationWad, pool.kinkWad, c.utilTermWad, c.maxLeverage);
  const maxLeverageWad = mulDivDown(WAD, WAD, imr);
  const pnl = pnlUsd(p.isLong, p.sizeUsd, p.sizeTokens, m.priceWad);
  const base = p.collateralUsd - p.feesOwedUsd;
  const notional = marginNotionalUp(p.isLong, p.sizeUsd, p.sizeTokens, m.priceWad);
  const passes = (x: bigint) => {
    const collateral = base - x;
    const equity = collateral + (pnl < 0n ? pnl : 0n);
    return collateral >= c.minCollateralUsd && equity > 0n && mulDivUp(notional, WAD, equity) <= maxLeverageWad;
  };
  // equity must reach notional / maxLeverage: solve, then step down over the roundings until the exact check holds
  let x = base + (pnl < 0n ? pnl : 0n) - mulDivUp(notional, WAD, maxLeverageWad);
  const byMin = base - c.minCollateralUsd;
  if (byMin < x) x = byMin;
  for (let i = 0; x > 0n && !passes(x); i++) x = i < 100 ? x - 1n : 0n; // the roundings are a few units at most
  const equityAfter = base - amountUsd + (pnl < 0n ? pnl : 0n);
  return {
    maxRemovableUsd: x > 0n ? x : 0n,
    ok: passes(amountUsd),
    leverageWad: equityAfter > 0n ? mulDivUp(notional, WAD, equityAfter) : 0n,
    maxLeverageWad,
  };
}

/**
 * What adding (`deltaUsd` > 0) or removing (< 0) collateral leaves, as the Reader shows the position after it in the
 * same second: the engine first settles the borrow and funding owed into the collateral (PerpEngine._settleFees), so
 * the collateral is collateral + delta - fees owed, with none owed after; the leverage (Reader.positionView: margin
 * notional / equity, rounded up; 0 once equity is gone) and the liquidation price (Reader.liquidationPrice at the
 * position's maintenance rate). Collateral moves equity one for one: the PnL and the rate do not depend on it.
 */
export function previewCollateralChange(
  priceWad: bigint,
  p: { isLong: boolean; sizeUsd: bigint; sizeTokens: bigint; collateralUsd: bigint; capBucket: bigint },
  s: { equityUsd: bigint; feesOwedUsd: bigint; maintenanceMarginWad: bigint },
  deltaUsd: bigint,
): { collateralAfterUsd: bigint; leverageWad: bigint; liquidationPriceWad: bigint } {
  const collateralAfterUsd = p.collateralUsd + deltaUsd - s.feesOwedUsd;
  const equityAfter = s.equityUsd + deltaUsd;
  return {
    collateralAfterUsd,
    leverageWad: equityAfter > 0n ? mulDivUp(marginNotionalUp(p.isLong, p.sizeUsd, p.sizeTokens, priceWad), WAD, equityAfter) : 0n,
    liquidationPriceWad:
      collateralAfterUsd > 0n ? liquidationPriceWad(p.isLong, p.sizeUsd, p.sizeTokens, collateralAfterUsd, 0n, s.maintenanceMarginWad, p.capBucket) : 0n,
  };
}

/** The preview's config from the Reader's MarketConfig (whose narrow integer fields decode as numbers). */
export function toPreviewConfig(c: Record<keyof PreviewMarket['config'], bigint | number>): PreviewMarket['config'] {
  const out = {} as PreviewMarket['config'];
  for (const k of Object.keys(c) as (keyof PreviewMarket['config'])[]) out[k] = BigInt(c[k]);
  return out;
}
