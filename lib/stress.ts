/**
 * Stress test over live state, with the same math as the contracts (lib/math mirrors them to the wei):
 * shock prices per market, scale sigma by k, let LPs pull a share of pool cash (an LP run, capped at the free liquidity
 * the vault lets out, as LiquidityPool does), then find which positions become liquidatable, the bad debt, the NAV
 * before and after liquidations, and the utilization (liquidated collateral, less keeper rewards, joins pool cash).
 */
import { bpsUp, mulDivDown, mulDivUp, WAD } from './math/fixed';
import { cappedPnlUsd } from './math/position';
import { freeLiquidityDown, maintenanceMarginUp } from './math/risk';

export interface StressMarket {
  marketId: number;
  priceWad: bigint;
  varianceWad: bigint;
  horizonSec: bigint;
  zWad: bigint;
  mmrFloorWad: bigint;
  sizeScaleUsd: bigint;
  sizeTermWad: bigint;
  maxProfitBps: bigint;
  liquidationFeeBps: bigint;
}
export interface StressPosition {
  account: string;
  marketId: number;
  isLong: boolean;
  sizeUsd: bigint;
  sizeTokens: bigint;
  collateralUsd: bigint;
  feesOwedUsd: bigint; // borrow + funding owed now
}
export interface StressInput {
  poolCashUsd: bigint;
  reservedUsd: bigint;
  keeperShareBps: bigint;
  maxUtilizationBps: bigint;
  markets: StressMarket[];
  positions: StressPosition[];
}
export interface Shock {
  /** price change per market id, in bps (-4000 = -40%) */
  priceBps: Record<number, number>;
  /** sigma multiplier (variance scales by k^2) */
  volMultiplier: number;
  /** share of pool cash LPs ask to pull out, bps (they get at most the free liquidity) */
  cashOutflowBps: number;
}

export function runStress(input: StressInput, shock: Shock) {
  const k1000 = BigInt(Math.round(shock.volMultiplier * 1000));
  const free = freeLiquidityDown(input.poolCashUsd, input.reservedUsd, input.maxUtilizationBps);
  const asked = mulDivDown(input.poolCashUsd, BigInt(shock.cashOutflowBps), 10_000n);
  const outflow = asked < free ? asked : free;
  const cash = input.poolCashUsd - outflow;
  let cashAfter = cash;
  const byId = new Map(input.markets.map((m) => [m.marketId, m]));
  const shockedPrice = (m: StressMarket) => mulDivDown(m.priceWad, BigInt(10_000 + (shock.priceBps[m.marketId] ?? 0)), 10_000n);

  let navShocked = cash;
  let navAfter = cash;
  let badDebt = 0n;
  let reservedAfter = input.reservedUsd;
  const liquidated: { account: string; marketId: number; isLong: boolean; equityUsd: string; sizeUsd: string }[] = [];
  for (const p of input.positions) {
    const m = byId.get(p.marketId)!;
    const price = shockedPrice(m);
    const pnl = cappedPnlUsd(p.isLong, p.sizeUsd, p.sizeTokens, price, m.maxProfitBps);
    const variance = mulDivUp(m.varianceWad * k1000 * k1000, 1n, 1_000_000n);
    const mmr = maintenanceMarginUp(variance, m.horizonSec, m.zWad, m.mmrFloorWad, p.sizeUsd, m.sizeScaleUsd, m.sizeTermWad);
    const equity = p.collateralUsd + pnl - p.feesOwedUsd;
    const maintenance = mulDivUp(p.sizeUsd, mmr, WAD);
    navShocked += p.feesOwedUsd - pnl;
    if (equity < maintenance) {
      const reward = bpsUp(p.sizeUsd, m.liquidationFeeBps) * input.keeperShareBps / 10_000n;
      const keeperReward = reward < p.collateralUsd ? reward : p.collateralUsd;
      navAfter += p.collateralUsd - keeperReward;
      cashAfter += p.collateralUsd - keeperReward;
      if (equity < 0n) badDebt += -equity;
      reservedAfter -= bpsUp(p.sizeUsd, m.maxProfitBps);
      liquidated.push({ account: p.account, marketId: p.marketId, isLong: p.isLong, equityUsd: equity.toString(), sizeUsd: p.sizeUsd.toString() });
    } else {
      navAfter += p.feesOwedUsd - pnl;
    }
  }
  if (reservedAfter < 0n) reservedAfter = 0n;
  const util = (r: bigint, c: bigint) => (r === 0n ? 0n : c === 0n ? WAD : mulDivUp(r, WAD, c));
  return {
    navShockedUsd: (navShocked > 0n ? navShocked : 0n).toString(),
    navAfterLiquidationsUsd: (navAfter > 0n ? navAfter : 0n).toString(),
    badDebtUsd: badDebt.toString(),
    lpOutflowUsd: outflow.toString(),
    positionsLiquidated: liquidated.length,
    positionsTotal: input.positions.length,
    liquidated: liquidated.slice(0, 200),
    utilizationBeforeWad: util(input.reservedUsd, input.poolCashUsd).toString(),
    utilizationAfterWad: util(reservedAfter, cashAfter).toString(),
    shockedPricesWad: Object.fromEntries(input.markets.map((m) => [m.marketId, shockedPrice(m).toString()])),
  };
}
