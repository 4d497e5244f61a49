/**
 * Stress test over live state, with the same math as the contracts (lib/math mirrors them to the wei):
 * shock prices per market, scale sigma by k, let LPs pull a share of pool cash (an LP run, capped at the free liquidity
 * the vault lets out, as LiquidityPool does), then find which positions become liquidatable, the bad debt, the NAV
 * before and after liquidations, and the utilization (liquidated collateral, less keeper rewards, joins pool cash).
 * The NAV is the chain's formula (ClearingCore: cash + the product's claim): the fees the pool is owed as the chain
 * counts them (its NAV less cash, plus the trader-PnL term at the current prices) minus the trader-PnL term per market
 * and side at the shocked prices (position.ts sideLiabilityUp: the side's uncapped PnL from its aggregates less the
 * excess of every cap bucket the price has crossed, plus the uncollectible loss past every floor bucket it has crossed,
 * as PerpState.poolClaimUsd and CapBook compute it). The options book is revalued at the shocked prices, the scaled
 * volatility and the shock's hours (lib/options/stress.ts) in place of the chain's options term now.
 * Over the shock's hours borrow and funding accrue as the chain accrues them, with today's utilization and skews held:
 * the borrow index at the borrow curve's rate, each market's two funding indices along its rate's path from now
 * (RiskMath.nextFundingSplit); each position owes its share (rounded up, against the trader) and the pool's receivable
 * grows by the aggregate's (rounded down). Review AZ: a 24-hour shock left every position's fees where they stood.
 */
import { bpsUp, mulDivDown, mulDivSignedDown, mulDivUp, WAD } from './math/fixed';
import { borrowFeeUp, cappedPnlUsd, fundingFeeUp, marginNotionalUp, sideLiabilityUp, valueClosedUsd } from './math/position';
import { optionsLiabilityUsd, type StressOption, type StressOptionsMarket } from './options/stress';
import {
  borrowRateUp,
  freeLiquidityDown,
  maintenanceMarginUp,
  nettedImpactCostUsd,
  nextFundingSplit,
  rampedMarginUp,
  targetMarginUp,
  utilizationUp,
} from './math/risk';

export interface StressMarket {
  marketId: number;
  priceWad: bigint;
  /** the estimator after the current price (Reader.market().state) */
  varianceWad: bigint;
  longVarianceWad: bigint;
  /** base maintenance rate on the schedule now (Reader.market().maintenanceBaseWad) and its ramp limit */
  maintenanceBaseWad: bigint;
  maintenanceRampWadPerHour: bigint;
  horizonSec: bigint;
  zWad: bigint;
  mmrFloorWad: bigint;
  sizeScaleUsd: bigint;
  sizeTermWad: bigint;
  maxProfitBps: bigint;
  liquidationFeeBps: bigint;
  /** the close fee: a liquidation costs at least it plus the keeper's reward (P-97) */
  closeFeeBps: bigint;
  impactScaleUsd: bigint;
  /** the market's aggregates, as the chain's NAV reads them */
  longOiUsd: bigint;
  shortOiUsd: bigint;
  longTokens: bigint;
  shortTokens: bigint;
  /** the options traders' net delta in USD, netted into the skew that prices a liquidation's impact */
  optionsSkewUsd: bigint;
  /** funding as stored (Reader.market().state: the rate at lastFundingAt) and its parameters (the market's config) */
  fundingRateWad: bigint;
  lastFundingAt: bigint;
  skewScaleUsd: bigint;
  maxFundingVelocityWad: bigint;
  maxFundingRateWad: bigint;
}
export interface StressPosition {
  account: string;
  marketId: number;
  isLong: boolean;
  sizeUsd: bigint;
  sizeTokens: bigint;
  capBucket: bigint; // the position's cap price on CapGrid
  floorBucket: bigint; // where its loss exceeds its backing, on CapGrid
  collateralUsd: bigint;
  rebateUsd: bigint; // unrealized impact rebates: seized with the collateral on liquidation
  feesOwedUsd: bigint; // borrow + funding owed now
}
export interface StressInput {
  /** the chain's NAV now (ClearingCore.poolValueUsd) */
  navUsd: bigint;
  poolCashUsd: bigint;
  reservedUsd: bigint;
  keeperShareBps: bigint;
  maxUtilizationBps: bigint;
  /** the borrow curve's kink: LP outflows stop there (P-106) */
  kinkWad: bigint;
  /** the rest of the borrow curve (ClearingCore.poolConfig, per second) */
  baseRateWad: bigint;
  slope1Wad: bigint;
  slope2Wad: bigint;
  /** the block the state was read at (its timestamp): fees are owed to it, and accrue from it */
  nowSec: bigint;
  markets: StressMarket[];
  positions: StressPosition[];
  /** the options book: its term in the chain's NAV now (the open options: payouts owed left the pool's cash when their
   *  board settled), every open option and its market's pricing */
  options?: { nowSec: bigint; claimUsd: bigint; open: StressOption[]; markets: StressOptionsMarket[] };
}
export interface Shock {
  /** price change per market id, in bps (-4000 = -40%) */
  priceBps: Record<number, number>;
  /** sigma multiplier (variance scales by k^2; the long-run variance, the margin's floor, is left as it is) */
  volMultiplier: number;
  /** hours the shocked sigma has persisted when positions are checked: maintenance ramps toward the shocked target by
   *  at most the market's maintenanceRampWadPerHour per hour, as on chain (0: the instant of the shock) */
  hours?: number;
  /** share of pool cash LPs ask to pull out, bps (they get at most the free liquidity) */
  cashOutflowBps: number;
}

/** Open interest the markets hold beyond the positions the stress test was given (the index behind the chain, a
 *  position it has not reached yet): those are neither checked for liquidation nor in the cap and floor books, so the
 *  result leaves them out and says how much (review AZ). */
export function unindexedOiUsd(input: StressInput): bigint {
  const given = input.positions.reduce((t, p) => t + p.sizeUsd, 0n);
  const held = input.markets.reduce((t, m) => t + m.longOiUsd + m.shortOiUsd, 0n);
  return held > given ? held - given : 0n;
}

export function runStress(input: StressInput, shock: Shock) {
  const k1000 = BigInt(Math.round(shock.volMultiplier * 1000));
  const free = freeLiquidityDown(input.poolCashUsd, input.reservedUsd, input.maxUtilizationBps, input.kinkWad);
  const asked = mulDivDown(input.poolCashUsd, BigInt(shock.cashOutflowBps), 10_000n);
  const outflow = asked < free ? asked : free;
  const cash = input.poolCashUsd - outflow;
  let cashAfter = cash;
  const byId = new Map(input.markets.map((m) => [m.marketId, m]));
  // The chain's margin schedule (PerpRisk): the shocked variance sets a new target, and maintenance ramps from where
  // it stands now toward it for `hours`.
  const elapsedSec = BigInt(Math.round((shock.hours ?? 0) * 3600));
  const baseAfter = (m: StressMarket) => {
    const variance = mulDivUp(m.varianceWad * k1000 * k1000, 1n, 1_000_000n);
    const target = targetMarginUp(m, variance, m.longVarianceWad);
    return rampedMarginUp(m.maintenanceBaseWad, 0n, target, m.maintenanceRampWadPerHour, elapsedSec);
  };
  const shockedPrice = (m: StressMarket) => mulDivDown(m.priceWad, BigInt(10_000 + (shock.priceBps[m.marketId] ?? 0)), 10_000n);
  // Borrow and funding over the shock's hours, as the chain accrues them with today's utilization and skews.
  const borrowDeltaWad =
    borrowRateUp(utilizationUp(input.reservedUsd, input.poolCashUsd), input.baseRateWad, input.slope1Wad, input.slope2Wad, input.kinkWad) * elapsedSec;
  // Each side's index move (a long owes the long one, a short is owed the short one: RiskMath.nextFundingSplit).
  const fundingDeltaWad = new Map(
    input.markets.map((m) => {
      const accrue = (rateWad: bigint, sec: bigint) =>
        nextFundingSplit(rateWad, m.longOiUsd, m.shortOiUsd, m.longOiUsd - m.shortOiUsd + m.optionsSkewUsd, m.skewScaleUsd, m.maxFundingVelocityWad, m.maxFundingRateWad, sec);
      const rateNow = input.nowSec > m.lastFundingAt ? accrue(m.fundingRateWad, input.nowSec - m.lastFundingAt).nextRateWad : m.fundingRateWad;
      const d = elapsedSec > 0n ? accrue(rateNow, elapsedSec) : { longDeltaWad: 0n, shortDeltaWad: 0n };
      return [m.marketId, d];
    }),
  );
  const feesAccruedUsd = (p: StressPosition) => {
    const d = fundingDeltaWad.get(p.marketId)!;
    return borrowFeeUp(p.sizeUsd, borrowDeltaWad, 0n) + fundingFeeUp(p.isLong, p.sizeUsd, p.isLong ? d.longDeltaWad : d.shortDeltaWad, 0n);
  };
  const poolAccruedUsd = input.markets.reduce((sum, m) => {
    const d = fundingDeltaWad.get(m.marketId)!;
    return sum + mulDivDown(m.longOiUsd + m.shortOiUsd, borrowDeltaWad, WAD) + mulDivSignedDown(d.longDeltaWad * m.longOiUsd - d.shortDeltaWad * m.shortOiUsd, 1n, WAD);
  }, 0n);

  // Index tokens per cap and floor bucket, per market and side (the chain's CapBook), from the positions:
  // [long caps, short caps, long floors, short floors].
  type Books = Map<number, Map<bigint, bigint>[]>;
  const book = (positions: StressPosition[]): Books => {
    const b: Books = new Map(input.markets.map((m) => [m.marketId, [new Map(), new Map(), new Map(), new Map()]]));
    const add = (m: Map<bigint, bigint>, bucket: bigint, tokens: bigint) => m.set(bucket, (m.get(bucket) ?? 0n) + tokens);
    for (const p of positions) {
      const books = b.get(p.marketId)!;
      add(books[p.isLong ? 0 : 1], p.capBucket, p.sizeTokens);
      add(books[p.isLong ? 2 : 3], p.floorBucket, p.sizeTokens);
    }
    return b;
  };
  // The chain's trader-PnL term over every market's side aggregates and cap buckets at the given prices.
  const pnlTerm = (price: (m: StressMarket) => bigint, oi: Map<number, bigint[]>, books: Books) =>
    input.markets.reduce((sum, m) => {
      const [lo, so, lt, st] = oi.get(m.marketId)!;
      const [longCaps, shortCaps, longFloors, shortFloors] = books.get(m.marketId)!;
      return sum + sideLiabilityUp(true, lo, lt, price(m), longCaps, longFloors) + sideLiabilityUp(false, so, st, price(m), shortCaps, shortFloors);
    }, 0n);
  const aggregates = new Map(input.markets.map((m) => [m.marketId, [m.longOiUsd, m.shortOiUsd, m.longTokens, m.shortTokens]]));
  const books = book(input.positions);
  // Fees owed to the pool exactly as the chain counts them (borrow and funding receivables, aggregate rounding).
  // ... less the options term now (NAV - cash = fees - trader PnL + options claim), revalued below at the shock.
  const opt = input.options;
  const feesClaim = input.navUsd - input.poolCashUsd + pnlTerm((m) => m.priceWad, aggregates, books) - (opt?.claimUsd ?? 0n) + poolAccruedUsd;
  const optionsShocked = opt
    ? optionsLiabilityUsd(opt.open, new Map(opt.markets.map((m) => [m.marketId, m])), (id) => shockedPrice(byId.get(id)!), k1000, opt.nowSec, elapsedSec)
    : 0n;
  const remaining = new Map([...aggregates].map(([k, v]) => [k, [...v]]));
  let feesOfLiquidated = 0n;
  let badDebt = 0n;
  let reservedAfter = input.reservedUsd;
  const liquidatedPositions: StressPosition[] = [];
  const liquidated: { account: string; marketId: number; isLong: boolean; equityUsd: string; sizeUsd: string }[] = [];
  for (const p of input.positions) {
    const m = byId.get(p.marketId)!;
    const price = shockedPrice(m);
    const pnl = cappedPnlUsd(p.isLong, p.sizeUsd, p.sizeTokens, price, p.capBucket); // the liquidation rule's PnL
    const mmr = maintenanceMarginUp(baseAfter(m), p.sizeUsd, m.sizeScaleUsd, m.sizeTermWad);
    const feesOwed = p.feesOwedUsd + feesAccruedUsd(p);
    const equity = p.collateralUsd + pnl - feesOwed;
    const maintenance = mulDivUp(marginNotionalUp(p.isLong, p.sizeUsd, p.sizeTokens, price), mmr, WAD);
    if (equity < maintenance) {
      const reward = bpsUp(p.sizeUsd, m.liquidationFeeBps) * input.keeperShareBps / 10_000n;
      const seized = p.collateralUsd + p.rebateUsd;
      const keeperReward = reward < seized ? reward : seized;
      // fair liquidation, as the engine: the trader gets back the equity beyond the whole liquidation fee
      // ... and the impact its close would pay (none for a skew-reducing one), from the skew as liquidations proceed
      const agg0 = remaining.get(p.marketId)!;
      const skewNow = agg0[0] - agg0[1];
      // ... on the value closed, at least the close fee plus the keeper's reward (PerpEngine._refundEquity, P-97)
      const value = valueClosedUsd(p.isLong, p.sizeUsd, pnl);
      const liqFee = bpsUp(value, m.liquidationFeeBps);
      const closeCost = bpsUp(value, m.closeFeeBps) + keeperReward;
      const fee =
        (liqFee > closeCost ? liqFee : closeCost) +
        nettedImpactCostUsd(skewNow, p.isLong ? skewNow - p.sizeUsd : skewNow + p.sizeUsd, m.optionsSkewUsd, m.impactScaleUsd, 0n, 0n);
      const refund = equity > fee ? equity - fee : 0n;
      cashAfter += seized - keeperReward - refund;
      feesOfLiquidated += feesOwed; // settled by the seized collateral, no longer a receivable
      const agg = remaining.get(p.marketId)!;
      agg[p.isLong ? 0 : 1] -= p.sizeUsd;
      agg[p.isLong ? 2 : 3] -= p.sizeTokens;
      // as the engine: the reward is paid from what was owed; the forfeited rebate offsets it
      if (equity + p.rebateUsd < keeperReward) badDebt += keeperReward - equity - p.rebateUsd;
      reservedAfter -= bpsUp(p.sizeUsd, m.maxProfitBps);
      liquidatedPositions.push(p);
      liquidated.push({ account: p.account, marketId: p.marketId, isLong: p.isLong, equityUsd: equity.toString(), sizeUsd: p.sizeUsd.toString() });
    }
  }
  const navShocked = cash + feesClaim - pnlTerm(shockedPrice, aggregates, books) - optionsShocked;
  const gone = new Set(liquidatedPositions);
  const navAfter = cashAfter + feesClaim - feesOfLiquidated - pnlTerm(shockedPrice, remaining, book(input.positions.filter((p) => !gone.has(p)))) - optionsShocked;
  if (reservedAfter < 0n) reservedAfter = 0n;
  const util = utilizationUp;
  // the NAV with no shock by the same formula (the chain's now, plus the accrual since the block), so a withdrawal
  // reads as what it is: LPs leaving with their share, not a loss (review: the bank run's NAV looked halved)
  const navBefore = input.navUsd + poolAccruedUsd;
  const lpLoss = navBefore - outflow - (navAfter > 0n ? navAfter : 0n);
  return {
    navBeforeUsd: navBefore.toString(),
    navShockedUsd: (navShocked > 0n ? navShocked : 0n).toString(),
    navAfterLiquidationsUsd: (navAfter > 0n ? navAfter : 0n).toString(),
    badDebtUsd: badDebt.toString(),
    lpOutflowUsd: outflow.toString(),
    /** what the remaining LPs lose: NAV before, less the outflow, less the NAV after liquidations (negative: a gain) */
    lpLossUsd: lpLoss.toString(),
    positionsLiquidated: liquidated.length,
    positionsTotal: input.positions.length,
    unindexedOiUsd: unindexedOiUsd(input).toString(),
    // the 200 with the least equity (the most exposed first), however many the shock liquidates
    liquidated: liquidated.sort((a, b) => (BigInt(a.equityUsd) < BigInt(b.equityUsd) ? -1 : BigInt(a.equityUsd) > BigInt(b.equityUsd) ? 1 : 0)).slice(0, 200),
    utilizationBeforeWad: util(input.reservedUsd, input.poolCashUsd).toString(),
    utilizationAfterWad: util(reservedAfter, cashAfter).toString(),
    /** what holders' open options are worth, in the NAV now and after the shock */
    optionsLiabilityNowUsd: (opt ? -opt.claimUsd : 0n).toString(),
    optionsLiabilityShockedUsd: optionsShocked.toString(),
    shockedPricesWad: Object.fromEntries(input.markets.map((m) => [m.marketId, shockedPrice(m).toString()])),
  };
}
