/**
 * Typed client for the metrics API (the one place the app fetches it). Units, everywhere: integers as decimal
 * strings; USD in the settlement token's 6 decimals; prices, per-second rates, fractions, sigma and leverage in WAD
 * (18 decimals); times in unix seconds. `market` -1 is the pool as a whole.
 */
import { parseUpdates } from '@/lib/pyth/router';
import type { PullUpdate } from '@/lib/pyth/pull';
import type { OrderKind } from '@/lib/orders';

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a failed read of live state says to the user: a refusal from this app's own API (on pull-oracle deployments
 * views are read at the price service's latest updates) is the price service's, not the chain's (review: both read
 * "The chain is unreachable").
 */
export function describeReadError(e: Error): string {
  return e instanceof ApiError ? `The price service is unavailable: ${e.message}` : `The chain is unreachable: ${e.message.split('\n')[0]}`;
}

async function get<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) {
    const detail = body.issues?.map((i: { path: string; message: string }) => `${i.path}: ${i.message}`).join('; ');
    throw new ApiError(res.status, detail || body.detail || body.error || `HTTP ${res.status}`);
  }
  return body as T;
}

/** One snapshot bucket: pool fields (nav, share_price, pool_cash, reserved, free_liquidity, bad_debt, utilization,
 *  borrow_rate) or market fields (price, long_oi, short_oi, net_exposure, perp_net_tokens, funding_rate, borrow_rate, sigma, mmr,
 *  max_leverage, utilization); absent ones are null. */
export type HistoryPoint = { t: number } & Record<string, string | number | null>;

/** /api/candles: one candle of a market's oracle price (WAD strings), starting at `t`. */
export interface Candle {
  t: number;
  open: string;
  high: string;
  low: string;
  close: string;
  samples: number;
}

export interface ActivityPoint {
  t: number;
  /** open/close fees + impact + borrow + funding paid to the pool (USD, 6 decimals; impact and funding may be negative) */
  feesUsd: string;
  volumeUsd: string;
  liquidations: number;
  /** losses beyond collateral the pool absorbed: closes' and liquidations' (the engine's BadDebt events) */
  badDebtUsd: string;
  /** traders' realized PnL as the pool settled it (lib/server/totals.ts tradersNetPnl) */
  traderPnlUsd: string;
}

export interface TradeRow {
  block_number: string;
  log_index: number;
  tx_hash: string;
  name: 'PositionIncreased' | 'PositionDecreased' | 'PositionLiquidated';
  market_id: number;
  is_long: boolean;
  timestamp: string;
  /** the event's arguments; `result` holds TradeResult or LiquidationResult fields */
  args: { result: Record<string, string> };
  /** the trigger order a keeper filled in this trade (null: the trader's own trade, or a liquidation) */
  order: { id: string; kind: OrderKind } | null;
}

/** One row of an account's option history (/api/accounts/:address/options): integers as decimal strings (USD 6
 *  decimals, prices and amounts WAD). `usd` is the premium paid (buy) or received (sell), or the payoff claimed. */
export interface OptionHistoryRow {
  block_number: string;
  tx_hash: string;
  timestamp: string;
  kind: 'buy' | 'sell' | 'claim';
  boardId: string;
  /** null only for a board the indexer has not seen listed */
  marketId: number | null;
  expiry: string | null;
  strikeWad: string | null;
  isCall: boolean;
  amountWad: string;
  usd: string;
  /** a trade's implied volatility and oracle price (null on a claim) */
  ivWad: string | null;
  spotWad: string | null;
  /** the board's settlement price once settled */
  settlementPriceWad: string | null;
}

export interface LpAccount {
  depositedUsd: string;
  withdrawnUsd: string;
  /** last block the indexer has ingested (flows after it are not in the sums yet); null before its first range */
  indexedBlock: number | null;
  /** the chain shows a fill of one of the account's requests that the index has not reached: the sums miss its payout */
  fillUnindexed: boolean;
  requests: { requestId: string; receiver: string; sharesPending: string; requestedAt: number }[];
}

export interface LiquidationRow {
  block_number: string;
  tx_hash: string;
  market_id: number;
  /** checksummed */
  account: string;
  is_long: boolean;
  timestamp: string;
  /** LiquidationResult: keeper, priceWad, sizeUsd, collateralUsd, pnlUsd, equityUsd, keeperRewardUsd, traderRefundUsd, poolGainUsd, badDebtUsd */
  args: { result: Record<string, string> };
}

/** A live open position (Reader.positionView) as /api/positions ranks it. */
export interface TopPosition {
  account: string;
  marketId: number;
  isLong: boolean;
  sizeUsd: string;
  collateralUsd: string;
  equityUsd: string;
  maintenanceUsd: string;
  pnlUsd: string;
  leverageWad: string;
  entryPriceWad: string;
  liquidationPriceWad: string;
  /** (price − liquidation price) / price toward safety, WAD */
  distanceToLiquidationWad: string;
  liquidatable: boolean;
}

export interface TopPositions {
  openPositions: number;
  /** markets whose positions could not be valued now (no valid price) */
  staleMarkets: number[];
  bySize: TopPosition[];
  byRisk: TopPosition[];
}

/** /api/accounts/:address/positions: an account's open positions valued now. */
export interface AccountPosition {
  marketId: number;
  isLong: boolean;
  sizeUsd: string;
  collateralUsd: string;
  entryPriceWad: string;
  pnlUsd: string;
  equityUsd: string;
  maintenanceUsd: string;
  liquidationPriceWad: string;
  distanceToLiquidationWad: string;
  leverageWad: string;
  liquidatable: boolean;
}

/** /api/health: `problems` names each part behind its threshold or down (empty when `ok`). */
export interface HealthBody {
  status: 'ok' | 'degraded';
  problems: string[];
  indexer: { reachable: boolean; cursor?: number | null; lagBlocks?: number | null; dataAgeSec?: number | null };
}

export interface StressResult {
  /** the NAV with no shock, by the same formula */
  navBeforeUsd: string;
  /** after the shock and the LP outflow (which leaves with its shares: not a loss) */
  navShockedUsd: string;
  navAfterLiquidationsUsd: string;
  badDebtUsd: string;
  /** what the LP run actually took out: the asked share of cash, capped at free liquidity */
  lpOutflowUsd: string;
  /** what the remaining LPs lose: NAV before less the outflow less the NAV after liquidations (negative: a gain) */
  lpLossUsd: string;
  positionsLiquidated: number;
  positionsTotal: number;
  /** open interest the markets hold beyond the positions tested (the index behind the chain): left out of the result */
  unindexedOiUsd: string;
  utilizationBeforeWad: string;
  utilizationAfterWad: string;
  /** holders' open options: in the NAV now, and revalued under the shock (settled payouts owed left the pool's cash) */
  optionsLiabilityNowUsd: string;
  optionsLiabilityShockedUsd: string;
  shockedPricesWad: Record<string, string>;
  /** the shock as applied (a named scenario expanded over the listed markets) */
  shock: { priceBps: Record<string, number>; volMultiplier: number; hours?: number; cashOutflowBps: number };
  /** the positions the shock liquidates, the 200 with the least equity at the shocked prices first (USD 6 decimals) */
  liquidated: { account: string; marketId: number; isLong: boolean; equityUsd: string; sizeUsd: string }[];
}

export type WindowName = '24h' | '7d' | 'all';

/** /api/summary's headline totals for one window (USD amounts with 6 decimals, as strings). */
export interface WindowTotals {
  window: WindowName;
  /** Where the data behind these totals starts: the window's start, or later when indexing began later. */
  fromSec: number;
  /** now − fromSec: what an annualized figure must divide by (not the window's nominal length). */
  coveredSec: number;
  trades: number;
  volumeUsd: string;
  /** Everything traders paid the pool: open/close fees, price impact, borrow and funding. */
  feesUsd: string;
  /** Traders' realized PnL as the pool settled it (closes and increases, minus what liquidations kept, plus the bad
   *  debt of closes, whose realized loss the pool collected only up to the collateral): positive when traders won. */
  traderPnlUsd: string;
  /** Realized LP income by source (the pool's side of the same flows). */
  lpIncomeUsd: { tradingFeesUsd: string; borrowFeesUsd: string; fundingUsd: string; traderPnlUsd: string };
  /**
   * LPs' PnL: the NAV at the last indexed snapshot − the NAV at the window's start − net deposits in between.
   * Everything the pool earned or lost, realized or not, options included. Null while the NAV cannot be valued, or
   * when no snapshot reaches back to the window's start.
   */
  lpPnlUsd: string | null;
  /** Where the LP PnL starts: the time of the pool's last valued snapshot at or before the window's start (much
   *  earlier than `fromSec` after an indexer outage or a stretch the NAV could not be valued), or `fromSec` when
   *  indexing began inside the window. */
  lpPnlFromSec: number;
  liquidations: number;
  /** Losses beyond collateral the pool absorbed, closes' and liquidations'. */
  badDebtUsd: string;
}

export type LpIncome = WindowTotals['lpIncomeUsd'];

export interface OptionsBoardRow {
  boardId: string;
  marketId: number;
  expiry: string;
  strikeCount: number;
  firstStrikeWad: string;
  strikeStepWad: string;
  callOiWad: string;
  putOiWad: string;
  premiumsInUsd: string;
  premiumsOutUsd: string;
  settled: boolean;
  settlementPriceWad: string | null;
  payoutUsd: string;
}

export interface OptionsSummary {
  last24hFromSec: number;
  boards: OptionsBoardRow[];
  totals: { premiumsInUsd: string; premiumsOutUsd: string; premiumIncomeUsd: string; premiumIncomeSinceUsd: string | null; payoutsUsd: string };
}

/** A range's start on its resolution's grid: every viewer of a chart then asks the server the same question (its
 *  answers are memoized per question), and the first bucket is whole. */
const onGrid = (from: number, resolution: number) => Math.floor(from / resolution) * resolution;

export const api = {
  history: (market: number, from: number, resolution: number) =>
    get<{ points: HistoryPoint[] }>(`/api/history?market=${market}&from=${onGrid(from, resolution)}&resolution=${resolution}`).then((b) => b.points),
  candles: (market: number, from: number, resolution: number) =>
    get<{ candles: Candle[] }>(`/api/candles?market=${market}&from=${onGrid(from, resolution)}&resolution=${resolution}`).then((b) => b.candles),
  activity: (from: number, resolution: number) =>
    get<{ points: ActivityPoint[] }>(`/api/activity?from=${onGrid(from, resolution)}&resolution=${resolution}`).then((b) => b.points),
  trades: (account: string, limit = 50) => get<{ trades: TradeRow[] }>(`/api/accounts/${account}/trades?limit=${limit}`).then((b) => b.trades),
  optionHistory: (account: string, limit = 50) => get<{ history: OptionHistoryRow[] }>(`/api/accounts/${account}/options?limit=${limit}`).then((b) => b.history),
  lp: (account: string) => get<LpAccount>(`/api/accounts/${account}/lp`),
  liquidations: (limit = 50) => get<{ liquidations: LiquidationRow[] }>(`/api/liquidations?limit=${limit}`).then((b) => b.liquidations),
  topPositions: (limit = 10) => get<TopPositions>(`/api/positions?limit=${limit}`),
  accountPositions: (account: string) => get<{ account: string; positions: AccountPosition[] }>(`/api/accounts/${account}/positions`),
  summary: () => get<{ timestamp: number; windows: WindowTotals[] | null }>('/api/summary'),
  /** /api/health's body, a degraded one (503) included: the parts' state and what is behind, in words. */
  health: (): Promise<HealthBody> => fetch('/api/health', { cache: 'no-store' }).then((r) => r.json() as Promise<HealthBody>),
  options: (market?: number) => get<OptionsSummary>(`/api/options${market === undefined ? '' : `?market=${market}`}`),
  /** `query`: `scenario=crash` or `price.<marketId>=<bps>&vol=<k>&cashOut=<bps>` */
  stress: (query: string) => get<StressResult>(`/api/stress?${query}`),
  /** The latest signed updates of pull-oracle (Pyth) markets `ids`, from the app's server (which holds the Hermes key),
   *  ready for the PriceUpdateRouter. Never cached: a trade posts the newest. */
  pythUpdates: (ids: readonly number[]): Promise<PullUpdate[]> =>
    get<unknown>(`/api/pyth/updates?markets=${ids.join(',')}`, { cache: 'no-store' }).then(parseUpdates, (e: unknown) => {
      const status = e instanceof ApiError ? e.status : 502;
      throw new ApiError(status, `No fresh Pyth price to post: ${e instanceof Error ? e.message : String(e)}`);
    }),
};
