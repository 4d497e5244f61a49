import 'server-only';
import { getAddress, type Address } from 'viem';
import { bytes32ToString, staleMarketIds } from '../format';
import { runStress, type Shock, type StressInput } from '../stress';
import { contracts, publicClient } from './chain';
import { rollupFor, SNAPSHOT_FIELDS } from '../rollups';
import { qb, run } from '../db';
import { cached, db, RANGE_CACHE_ENTRIES, sql } from './db';
import { DEFAULTS } from '@/lib/config';
import { toPricingConfig } from '@/lib/options/context';
import { argNum, ev, resultNum, storedArgs } from '@/lib/events';
import { ORDER_KINDS, type OrderKind } from '@/lib/orders';
import { BadRequest } from '@/lib/api/http';
import { getWindowTotals, tradersNetPnl } from './totals';
import { openPositionRows, openPositionViews } from './positions';

/** Event names as SQL literals (typed against the generated ABI: a renamed event fails the build). */
const TRADES = ev('PositionIncreased', 'PositionDecreased');
const LIQ = ev('PositionLiquidated');

const s = (v: bigint | number) => v.toString();

/** Live markets from the Reader (USD 6 decimals, WAD prices/rates/fractions, as strings). */
export const getMarkets = cached(2000, async () => {
  const markets = await publicClient.readContract({ ...contracts.reader, functionName: 'markets' });
  return markets.map((m) => ({
    marketId: Number(m.marketId),
    name: bytes32ToString(m.name),
    priceWad: s(m.priceWad),
    priceUpdatedAt: Number(m.priceUpdatedAt),
    priceValid: m.priceValid,
    longOiUsd: s(m.state.longOiUsd),
    shortOiUsd: s(m.state.shortOiUsd),
    skewUsd: s(m.skewUsd),
    fundingRateWad: s(m.state.fundingRateWad),
    borrowRateWad: s(m.borrowRateWad),
    varianceWad: s(m.state.varianceWad),
    volatilityWad: s(m.volatilityWad),
    annualizedVolatilityWad: s(m.annualizedVolatilityWad),
    longRunVolatilityWad: s(m.longRunVolatilityWad),
    maintenanceBaseWad: s(m.maintenanceBaseWad),
    marginTargetWad: s(m.marginTargetWad),
    marginAnchorWad: s(m.state.marginAnchorWad),
    marginAnchorAt: Number(m.state.marginAnchorAt),
    maintenanceMarginWad: s(m.maintenanceMarginWad),
    initialMarginWad: s(m.initialMarginWad),
    maxLeverageWad: s(m.maxLeverageWad),
    utilizationWad: s(m.utilizationWad),
    config: Object.fromEntries(Object.entries(m.config).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? s(v) : v])),
  }));
});

/** Pool summary: live state plus indexed 24-hour activity. */
export const getSummary = cached(2000, async () => {
  const [pool, markets, block] = await Promise.all([
    publicClient.readContract({ ...contracts.reader, functionName: 'poolView' }),
    getMarkets(),
    publicClient.getBlock(),
  ]);
  // Headline totals per window (24 h, 7 d, all time), each with the span its data really covers; null when the
  // database is unreachable (the chain part of the summary still answers).
  const windows = await getWindowTotals(Number(block.timestamp)).catch(() => null);
  return {
    blockNumber: s(block.number),
    timestamp: Number(block.timestamp),
    pool: {
      navValid: pool.navValid,
      staleMarkets: staleMarketIds(pool.staleMarkets),
      navUsd: pool.navValid ? s(pool.navUsd) : null,
      sharePriceWad: pool.navValid ? s(pool.sharePriceWad) : null,
      totalShares: s(pool.totalShares),
      poolCashUsd: s(pool.poolCashUsd),
      totalCollateralUsd: s(pool.totalCollateralUsd),
      reservedUsd: s(pool.reservedUsd),
      freeLiquidityUsd: s(pool.freeLiquidityUsd),
      utilizationWad: s(pool.utilizationWad),
      borrowRateWad: s(pool.borrowRateWad),
      badDebtUsd: s(pool.badDebtUsd),
      queuedShares: s(pool.queuedShares),
      cooldownSec: Number(pool.cooldownSec),
      maxUtilizationBps: Number(pool.maxUtilizationBps),
    },
    markets,
    windows,
  };
});

export const HISTORY_FIELDS = SNAPSHOT_FIELDS;
const fields = HISTORY_FIELDS.join(', ');

/**
 * Snapshots bucketed by `resolutionSec` (last value per bucket), for one market or the pool (-1). Whole buckets of
 * the coarsest rollup that divides the resolution come from `snapshot_rollups`; only the partial rollup buckets at
 * the two ends of the range are read from the raw snapshots, so the answer equals a scan of the snapshots.
 */
export const getHistory = cached(2000, async (marketId: number, from: number, to: number, resolutionSec: number) => {
  const r = rollupFor(resolutionSec);
  const lo = r === null ? 0 : Math.ceil(from / r) * r; // first whole rollup bucket
  const hi = r === null ? 0 : Math.floor((to + 1) / r) * r; // end of the last whole one
  const rows =
    r !== null && hi > lo
      ? await sql<Record<string, string>>(
          `WITH pts AS (
             SELECT timestamp, block_number, ${fields} FROM snapshot_rollups
              WHERE resolution = $5 AND market_id = $1 AND bucket >= $6 AND bucket < $7
             UNION ALL
             SELECT timestamp, block_number, ${fields} FROM snapshots
              WHERE market_id = $1 AND ((timestamp >= $2 AND timestamp < $6) OR (timestamp >= $7 AND timestamp <= $3)))
           SELECT DISTINCT ON (bucket) (timestamp / $4) * $4 AS bucket, ${fields}
             FROM pts ORDER BY bucket DESC, timestamp DESC, block_number DESC LIMIT 5000`,
          [marketId, from, to, resolutionSec, r, lo, hi],
        )
      : await sql<Record<string, string>>(
          `SELECT DISTINCT ON (bucket) (timestamp / $4) * $4 AS bucket, ${fields}
             FROM snapshots WHERE market_id = $1 AND timestamp >= $2 AND timestamp <= $3
            ORDER BY bucket DESC, timestamp DESC, block_number DESC LIMIT 5000`,
          [marketId, from, to, resolutionSec],
        );
  // newest first under the limit, so a range of more buckets than it keeps the latest (the current value), as candles do
  return rows.reverse().map((r) => {
    const out: Record<string, string | number | null> = { t: Number(r.bucket) };
    for (const f of HISTORY_FIELDS) out[f] = r[f] ?? null;
    return out;
  });
}, 10_000, RANGE_CACHE_ENTRIES);

/** Per-bucket event aggregates, of one market or (-1) every market: what trades paid the pool (open/close fees, impact, borrow and funding: the same
 *  sources as the pool page's APR), volume (opened, closed and liquidated notional), liquidations, bad debt (closes' and liquidations'), trader realized PnL as
 *  the pool settled it (tradersNetPnl). */
export const getActivity = cached(2000, async (from: number, to: number, resolutionSec: number, marketId = -1) => {
  const rows = await sql<Record<string, string>>(
    `SELECT (timestamp / $3) * $3 AS bucket,
            coalesce(sum(${resultNum('PositionIncreased', 'feeUsd')} + ${resultNum('PositionIncreased', 'impactUsd')}
              + ${resultNum('PositionIncreased', 'borrowFeeUsd')} + ${resultNum('PositionIncreased', 'fundingFeeUsd')})
              FILTER (WHERE name IN (${TRADES})), 0) AS fees,
            coalesce(sum(${resultNum('PositionIncreased', 'sizeDeltaUsd')}) FILTER (WHERE name IN (${TRADES})), 0)
              + coalesce(sum(${resultNum('PositionLiquidated', 'sizeUsd')}) FILTER (WHERE name = ${LIQ}), 0) AS volume,
            count(*) FILTER (WHERE name = ${LIQ}) AS liquidations,
            coalesce(sum(${argNum('BadDebt', 'amountUsd')}) FILTER (WHERE name = ${ev('BadDebt')}), 0) AS bad_debt,
            coalesce(sum(${resultNum('PositionLiquidated', 'badDebtUsd')}) FILTER (WHERE name = ${LIQ}), 0) AS liq_bad_debt,
            coalesce(sum(${resultNum('PositionDecreased', 'realizedPnlUsd')}) FILTER (WHERE name IN (${TRADES})), 0) AS pnl,
            coalesce(sum(${resultNum('PositionLiquidated', 'poolGainUsd')}) FILTER (WHERE name = ${LIQ}), 0) AS liq_gain
       FROM events WHERE timestamp >= $1 AND timestamp <= $2 AND ($4::int = -1 OR market_id = $4::int)
       GROUP BY bucket ORDER BY bucket DESC LIMIT 5000`,
    [from, to, resolutionSec, marketId],
  );
  const n = (x: string) => BigInt(String(x).split('.')[0]);
  return rows.reverse().map((r) => ({
    t: Number(r.bucket),
    feesUsd: r.fees,
    volumeUsd: r.volume,
    liquidations: Number(r.liquidations),
    badDebtUsd: r.bad_debt,
    traderPnlUsd: tradersNetPnl(n(r.pnl), n(r.liq_gain), n(r.bad_debt), n(r.liq_bad_debt)).toString(),
  }));
}, 10_000, RANGE_CACHE_ENTRIES);

/** An account's latest trades, collateral changes and liquidations; a trade a keeper filled from one of the account's
 *  trigger orders carries that order (`order`: its id and kind), found as the OrderExecuted the order book logged right
 *  after the fill in the same transaction. */
export async function getTrades(account: Address, limit: number) {
  const who = account.toLowerCase();
  const trades = await run(
    db,
    qb
      .selectFrom('events')
      .select(['block_number', 'log_index', 'tx_hash', 'name', 'market_id', 'is_long', 'timestamp', 'args'])
      .where('account', '=', who)
      .where('name', 'in', ['PositionIncreased', 'PositionDecreased', 'PositionLiquidated'])
      .orderBy('block_number', 'desc')
      .orderBy('log_index', 'desc')
      .limit(limit),
  );
  const txs = [...new Set(trades.filter((t) => t.name !== 'PositionLiquidated').map((t) => t.tx_hash))];
  if (txs.length === 0) return trades.map((t) => ({ ...t, order: null }));
  const fills = await run(
    db,
    qb
      .selectFrom('events')
      .select(['tx_hash', 'log_index', 'args'])
      .where('contract', '=', 'orders')
      .where('name', '=', 'OrderExecuted')
      .where('account', '=', who)
      .where('tx_hash', 'in', txs)
      .orderBy('log_index', 'asc'),
  );
  const orderIds = [...new Set(fills.map((f) => storedArgs('OrderExecuted', f.args).orderId))];
  const kinds = new Map<string, OrderKind>();
  if (orderIds.length > 0) {
    const created = await run(
      db,
      qb.selectFrom('events').select(['args']).where('contract', '=', 'orders').where('name', '=', 'OrderCreated').where('account', '=', who).orderBy('block_number', 'desc').limit(5000),
    );
    for (const row of created) {
      const a = storedArgs('OrderCreated', row.args);
      const kind = ORDER_KINDS[Number(a.order.kind)];
      if (kind && orderIds.includes(a.orderId)) kinds.set(a.orderId, kind);
    }
  }
  return trades.map((t) => {
    const fill = t.name === 'PositionLiquidated' ? undefined : fills.find((f) => f.tx_hash === t.tx_hash && f.log_index > t.log_index);
    const id = fill ? storedArgs('OrderExecuted', fill.args).orderId : undefined;
    return { ...t, order: id !== undefined && kinds.has(id) ? { id, kind: kinds.get(id)! } : null };
  });
}

export async function getLiquidations(limit: number, marketId?: number) {
  const rows = await run(
    db,
    qb
      .selectFrom('events')
      .select(['block_number', 'tx_hash', 'market_id', 'account', 'is_long', 'timestamp', 'args'])
      .where('name', '=', 'PositionLiquidated')
      .$if(marketId !== undefined, (q) => q.where('market_id', '=', marketId!))
      .orderBy('block_number', 'desc')
      .orderBy('log_index', 'desc')
      .limit(limit),
  );
  // the index stores accounts in lower case; responses carry them checksummed
  return rows.map((r) => ({ ...r, account: r.account ? getAddress(r.account) : r.account }));
}

/** The chain's time: the latest block's timestamp (what "now" means for history defaults). */
export async function chainNowSec(): Promise<number> {
  return Number((await publicClient.getBlock()).timestamp);
}

export async function getPositions(account: Address) {
  const views = await publicClient.readContract({ ...contracts.reader, functionName: 'accountPositions', args: [account] });
  return views.map((v) => ({
    marketId: Number(v.marketId),
    isLong: v.isLong,
    sizeUsd: s(v.position.sizeUsd),
    collateralUsd: s(v.position.collateralUsd),
    sizeTokens: s(v.position.sizeTokens),
    entryPriceWad: s(v.entryPriceWad),
    pnlUsd: s(v.status.pnlUsd),
    borrowFeeUsd: s(v.status.borrowFeeUsd),
    fundingFeeUsd: s(v.status.fundingFeeUsd),
    equityUsd: s(v.status.equityUsd),
    maintenanceUsd: s(v.status.maintenanceUsd),
    liquidationPriceWad: s(v.liquidationPriceWad),
    distanceToLiquidationWad: s(v.distanceToLiquidationWad),
    leverageWad: s(v.leverageWad),
    liquidatable: v.status.liquidatable,
  }));
}

/** Health thresholds (env, with the defaults defined here once). */
const HEALTH = {
  maxIndexerLagBlocks: Number(process.env.HEALTH_MAX_LAG_BLOCKS ?? 20),
  maxDataAgeSec: Number(process.env.HEALTH_MAX_DATA_AGE_SEC ?? 120),
  maxKeeperLagBlocks: Number(process.env.HEALTH_MAX_KEEPER_LAG_BLOCKS ?? 10),
  maxKeeperFailuresInARow: Number(process.env.HEALTH_MAX_KEEPER_FAILURES ?? 3),
  /** the blocks the indexer stays behind the head on purpose (its own setting): not lag */
  indexerConfirmations: Number(process.env.INDEXER_CONFIRMATIONS ?? DEFAULTS.indexerConfirmations),
};

/** What is wrong, in words, from the parts' readings (empty when healthy). Every threshold is HEALTH's. */
export function healthProblems(h: {
  head: number;
  indexer: { reachable: boolean; lagBlocks?: number | null; dataAgeSec?: number | null };
  keeper: { lastBlock?: string | number; failuresInARow?: number } | null;
  staleMarkets: string[];
}): string[] {
  const out: string[] = [];
  if (!h.indexer.reachable) out.push('indexer database unreachable');
  else {
    if (h.indexer.lagBlocks == null || h.indexer.lagBlocks > HEALTH.maxIndexerLagBlocks) out.push(`indexer ${h.indexer.lagBlocks ?? '?'} blocks behind (limit ${HEALTH.maxIndexerLagBlocks})`);
    if (h.indexer.dataAgeSec == null || h.indexer.dataAgeSec > HEALTH.maxDataAgeSec) out.push(`data ${h.indexer.dataAgeSec ?? '?'} s old (limit ${HEALTH.maxDataAgeSec} s)`);
  }
  if (!h.keeper) out.push('keeper unreachable');
  else {
    // lastBlock is the block of the keeper's last pass, run to its end whatever its jobs did: a keeper stuck (an RPC
    // outage, a hung loop) falls behind; a job that fails pass after pass is failuresInARow's to report
    if (h.head - Number(h.keeper.lastBlock ?? 0) > HEALTH.maxKeeperLagBlocks) out.push(`keeper ${h.head - Number(h.keeper.lastBlock ?? 0)} blocks behind (limit ${HEALTH.maxKeeperLagBlocks})`);
    if ((h.keeper.failuresInARow ?? 0) >= HEALTH.maxKeeperFailuresInARow) out.push(`keeper failing: a job failed ${h.keeper.failuresInARow} times in a row (limit ${HEALTH.maxKeeperFailuresInARow})`);
  }
  for (const name of h.staleMarkets) out.push(`${name} price stale`);
  return out;
}

/** /api/health: chain head, indexer cursor, lag and data age, keeper status, stale markets; `status` is `degraded`
 *  (and the route answers 503) when any part is behind its threshold or down. */
export async function getHealth() {
  const [head, cursorRows, snapRows, markets] = await Promise.all([
    publicClient.getBlock(),
    run(db, qb.selectFrom('indexer_cursor').select('block_number').where('id', '=', 1)).catch(() => null),
    run(db, qb.selectFrom('snapshots').select((eb) => eb.fn.max('timestamp').as('t'))).catch(() => null),
    publicClient.readContract({ ...contracts.reader, functionName: 'markets' }),
  ]);
  const keeper = await fetch(`http://127.0.0.1:${process.env.KEEPER_PORT ?? DEFAULTS.ports.keeper}/health`, { signal: AbortSignal.timeout(500) })
    .then((r) => r.json() as Promise<{ lastBlock?: string; failuresInARow?: number }>)
    .catch(() => null);
  const cursor = cursorRows?.[0] ? Number(cursorRows[0].block_number) : null;
  const lastSnap = snapRows?.[0]?.t ? Number(snapRows[0].t) : null;
  const indexer =
    cursorRows === null
      ? { reachable: false }
      : { reachable: true, cursor, lagBlocks: cursor === null ? null : Math.max(0, Number(head.number) - HEALTH.indexerConfirmations - cursor), dataAgeSec: lastSnap === null ? null : Number(head.timestamp) - lastSnap };
  const staleMarkets = markets.filter((m) => !m.priceValid).map((m) => bytes32ToString(m.name));
  const problems = healthProblems({ head: Number(head.number), indexer, keeper, staleMarkets });
  return {
    status: problems.length === 0 ? ('ok' as const) : ('degraded' as const),
    problems,
    chain: { head: Number(head.number), timestamp: Number(head.timestamp) },
    indexer,
    keeper,
    staleMarkets,
  };
}

/** Every market id the deployment lists. */
export function listedMarketIds(): number[] {
  return contracts.markets.map((m) => m.id);
}

/** Refuses a market id the deployment does not list (400 with the valid range); -1 (the pool) where allowed. */
export function requireListedMarket(marketId: number | undefined, { poolAllowed = false } = {}) {
  if (marketId === undefined || (poolAllowed && marketId === -1)) return;
  const n = contracts.markets.length;
  if (!Number.isInteger(marketId) || marketId < 0 || marketId >= n) {
    throw new BadRequest(`unknown market ${marketId}: markets are 0..${n - 1}${poolAllowed ? ' (-1 is the pool)' : ''}`);
  }
}

/** Applies `shock` to the live state of every open position (StressInput, read once per two seconds whatever the
 *  shocks asked for: a request costs the chain nothing more than the last one did). */
export async function getStress(shock: Shock) {
  return { shock, ...runStress(await getStressInput(), shock) };
}

/**
 * The stress test's input: the pool, every market and every open position and option, live from the chain. Which
 * positions are open comes from the index (the last event of each left size > 0: closed ones cost nothing, however
 * many accounts ever traded; a review found one eth_call per account that ever opened a position on every request),
 * their state from the Reader, a hundred positions per call.
 */
async function loadStressInput(): Promise<StressInput> {
  const openRows = await openPositionRows();
  // Every chain read at one block, so the NAV, the pool, the markets, the positions and the options book are one
  // state (a trade landing between two reads would otherwise count its reserve in one and not the other).
  const block = await publicClient.getBlock();
  const blockNumber = block.number;
  const [navUsd, poolState, poolConfig, marketViews, positions, options] = await Promise.all([
    publicClient.readContract({ ...contracts.core, functionName: 'poolValueUsd', blockNumber }),
    publicClient.readContract({ ...contracts.core, functionName: 'poolState', blockNumber }),
    publicClient.readContract({ ...contracts.core, functionName: 'poolConfig', blockNumber }),
    publicClient.readContract({ ...contracts.reader, functionName: 'markets', blockNumber }),
    openPositionViews(openRows, blockNumber),
    readOpenOptions(block),
  ]);
  return {
    options: {
      ...options,
      markets: options.markets.map((o) => {
        const m = marketViews.find((v) => Number(v.marketId) === o.marketId)!;
        return { ...o, varianceWad: m.state.varianceWad, longVarianceWad: m.state.longVarianceWad };
      }),
    },
    navUsd,
    poolCashUsd: poolState.poolCashUsd,
    reservedUsd: poolState.reservedUsd,
    keeperShareBps: BigInt(poolConfig.keeperShareBps),
    maxUtilizationBps: BigInt(poolConfig.maxUtilizationBps),
    kinkWad: poolConfig.kinkWad,
    baseRateWad: poolConfig.baseRateWad,
    slope1Wad: poolConfig.slope1Wad,
    slope2Wad: poolConfig.slope2Wad,
    nowSec: block.timestamp,
    markets: marketViews.map((m) => ({
      marketId: Number(m.marketId),
      priceWad: m.priceWad,
      varianceWad: m.state.varianceWad,
      longVarianceWad: m.state.longVarianceWad,
      maintenanceBaseWad: m.maintenanceBaseWad,
      maintenanceRampWadPerHour: m.config.maintenanceRampWadPerHour,
      horizonSec: BigInt(m.config.horizonSec),
      zWad: m.config.zWad,
      mmrFloorWad: m.config.mmrFloorWad,
      sizeScaleUsd: m.config.sizeScaleUsd,
      sizeTermWad: m.config.sizeTermWad,
      maxProfitBps: BigInt(m.config.maxProfitBps),
      liquidationFeeBps: BigInt(m.config.liquidationFeeBps),
      closeFeeBps: BigInt(m.config.closeFeeBps),
      impactScaleUsd: m.config.impactScaleUsd,
      longOiUsd: m.state.longOiUsd,
      shortOiUsd: m.state.shortOiUsd,
      longTokens: m.state.longTokens,
      optionsSkewUsd: m.state.optionsSkewUsd,
      shortTokens: m.state.shortTokens,
      fundingRateWad: m.state.fundingRateWad,
      lastFundingAt: BigInt(m.state.lastFundingAt),
      skewScaleUsd: m.config.skewScaleUsd,
      maxFundingVelocityWad: m.config.maxFundingVelocityWad,
      maxFundingRateWad: m.config.maxFundingRateWad,
    })),
    positions: positions.map(({ account, view: v }) => ({
      account,
      marketId: Number(v.marketId),
      isLong: v.isLong,
      sizeUsd: v.position.sizeUsd,
      sizeTokens: v.position.sizeTokens,
      capBucket: BigInt(v.position.capBucket),
      floorBucket: BigInt(v.position.floorBucket),
      collateralUsd: v.position.collateralUsd,
      rebateUsd: BigInt(v.position.rebateUsd),
      feesOwedUsd: v.status.borrowFeeUsd + v.status.fundingFeeUsd,
    })),
  };
}

/** Two seconds old at most: no stale-while-revalidate window, so a request after a price move never gets the state
 *  from before it (a review found the memo's default window served it up to 10 s old). */
const getStressInput = cached(2000, loadStressInput, 2000);

/** Every open option on the chain at `block` (per board and strike, from the book's open interest) and the options term
 *  of the NAV then: the stress test revalues them. */
async function readOpenOptions(block: { number: bigint; timestamp: bigint }) {
  const ob = contracts.optionsBook;
  const blockNumber = block.number;
  const [claimUsd] = await publicClient.readContract({ ...ob, functionName: 'poolClaimUsd', args: [0n], blockNumber });
  const open: { marketId: number; expiry: bigint; strikeWad: bigint; isCall: boolean; amountWad: bigint; callCapBps: bigint }[] = [];
  const markets: { marketId: number; cfg: ReturnType<typeof toPricingConfig> }[] = [];
  for (const { id } of contracts.markets) {
    const m = BigInt(id);
    const [cfg, ids] = await Promise.all([
      publicClient.readContract({ ...ob, functionName: 'config', args: [m], blockNumber }),
      publicClient.readContract({ ...ob, functionName: 'liveBoards', args: [m], blockNumber }),
    ]);
    if (cfg.strikeStepWad === 0n) continue;
    markets.push({ marketId: id, cfg: toPricingConfig(cfg) });
    for (const boardId of ids) {
      const b = await publicClient.readContract({ ...ob, functionName: 'board', args: [boardId], blockNumber });
      const ois = await Promise.all(Array.from({ length: b.strikeCount }, (_, k) => publicClient.readContract({ ...ob, functionName: 'strikeOi', args: [boardId, BigInt(k)], blockNumber })));
      ois.forEach(([callOi, putOi], k) => {
        const strikeWad = b.firstStrikeWad + BigInt(k) * b.strikeStepWad;
        if (callOi > 0n) open.push({ marketId: id, expiry: BigInt(b.expiry), strikeWad, isCall: true, amountWad: callOi, callCapBps: BigInt(b.callCapBps) });
        if (putOi > 0n) open.push({ marketId: id, expiry: BigInt(b.expiry), strikeWad, isCall: false, amountWad: putOi, callCapBps: BigInt(b.callCapBps) });
      });
    }
  }
  return { nowSec: block.timestamp, claimUsd, open, markets };
}

/** Withdrawal requests read from the chain at once, at most (getLpAccount). */
const LP_REQUEST_READS = 10;

/** An LP's flows from indexed events (USD 6 decimals) and their withdrawal requests with live state. */
export async function getLpAccount(account: Address) {
  // The cursor first: the sums below then include at least every block up to it (an ingest committing in between
  // only adds later events), so a page that trusts them from `indexedBlock` on never misses a flow.
  const cursor = await run(db, qb.selectFrom('indexer_cursor').select('block_number').where('id', '=', 1));
  const rows = await run(
    db,
    qb
      .selectFrom('events')
      .select(['name', 'args'])
      .where('account', '=', account.toLowerCase())
      .where('name', 'in', ['Deposit', 'Withdraw', 'WithdrawalRequested', 'WithdrawalFilled', 'WithdrawalCancelled', 'WithdrawalRefused'])
      .orderBy('block_number')
      .orderBy('log_index'),
  );
  let deposited = 0n;
  let withdrawn = 0n;
  // requests still queued as far as the index knows: only those are read from the chain (one call each), so the page
  // costs nothing for an account's finished requests however many it made
  // request id -> the shares it still waits for as far as the index knows
  const ids = new Map<string, bigint>();
  for (const r of rows) {
    if (r.name === 'Deposit') deposited += BigInt(storedArgs('Deposit', r.args).assets);
    else if (r.name === 'Withdraw') withdrawn += BigInt(storedArgs('Withdraw', r.args).assets);
    else if (r.name === 'WithdrawalRequested') {
      const a = storedArgs('WithdrawalRequested', r.args);
      ids.set(a.requestId, BigInt(a.shares));
    } else if (r.name === 'WithdrawalFilled') {
      const a = storedArgs('WithdrawalFilled', r.args);
      withdrawn += BigInt(a.assets);
      if (a.remainingShares === '0') ids.delete(a.requestId);
      else ids.set(a.requestId, BigInt(a.remainingShares));
    } else if (r.name === 'WithdrawalCancelled') ids.delete(storedArgs('WithdrawalCancelled', r.args).requestId);
    else if (r.name === 'WithdrawalRefused') ids.delete(storedArgs('WithdrawalRefused', r.args).requestId);
  }
  // read LP_REQUEST_READS at a time: an account with many requests queued does not fire them all at the node at once
  const requests: { requestId: string; receiver: Address; sharesPending: string; requestedAt: number; filledUnindexed: boolean }[] = [];
  const queued = [...ids];
  for (let i = 0; i < queued.length; i += LP_REQUEST_READS) {
    requests.push(
      ...(await Promise.all(
        queued.slice(i, i + LP_REQUEST_READS).map(async ([id, indexedShares]) => {
          const q = await publicClient.readContract({ ...contracts.pool, functionName: 'withdrawalRequest', args: [BigInt(id)] });
          return { requestId: id, receiver: q.receiver, sharesPending: s(q.shares), requestedAt: Number(q.requestedAt), filledUnindexed: q.shares < indexedShares };
        }),
      )),
    );
  }
  return {
    account,
    depositedUsd: s(deposited),
    withdrawnUsd: s(withdrawn),
    indexedBlock: cursor[0] ? Number(cursor[0].block_number) : null,
    // a fill (a keeper's, not this account's transaction) the chain shows and the index has not reached: the sums
    // above miss what it paid out, so an LP's PnL from them would show the filled value as lost (review BK: -4,000 USD
    // for a block or two after the keeper's fill)
    fillUnindexed: requests.some((r) => r.filledUnindexed),
    requests: requests.filter((r) => r.sharesPending !== '0').map(({ filledUnindexed: _, ...r }) => r),
  };
}
