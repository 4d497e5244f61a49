import 'server-only';
import { getAddress, type Address } from 'viem';
import type { TopPosition, TopPositions } from '@/lib/api/client';
import { TOP_POSITIONS_MAX } from '@/lib/api/schemas';
import { isContractRevert } from '@/lib/errors';
import { ev, resultNum } from '@/lib/events';
import { contracts, publicClient } from './chain';
import { cached, sql } from './db';

/** Positions read from the chain per call to the Reader (one eth_call each). */
const VIEW_CHUNK = 100;
/** The most open positions ranked: the largest by size from the index, and as many of the most leveraged at their last
 *  trade (a small position is the likeliest close to liquidation: review AW found only the 2,000 largest ranked). */
const MAX_RANKED = 2000;

/** The ranking at the route's longest list, memoized 2 s per market with no stale window (positions move with every
 *  price): every request in that time shares one index scan and one round of Reader calls (a review found each request
 *  ran both, so a burst of them loaded the database and the node with up to 40 eth_calls each). */
const rankedNow = cached(2000, (marketId: number | undefined) => getTopPositions(TOP_POSITIONS_MAX, marketId), 2000);

/** GET /api/positions's answer: the memoized ranking, cut to `limit`. */
export async function getTopPositionsNow(limit: number, marketId?: number): Promise<TopPositions> {
  const top = await rankedNow(marketId);
  return { ...top, bySize: top.bySize.slice(0, limit), byRisk: top.byRisk.slice(0, limit) };
}

/**
 * The open book's largest positions and those closest to liquidation. Which positions are open comes from the index
 * (the last event per account, market and side left size > 0); their state is read live from the chain through the
 * Reader, the same views the trade page shows. A market without a valid price is skipped and named in `staleMarkets`.
 */
export async function getTopPositions(limit: number, marketId?: number, maxRanked = MAX_RANKED): Promise<TopPositions> {
  let open = await openPositionRows(maxRanked, marketId);
  // More open than ranked: add the most leveraged, and count them all in the index.
  const indexedOpen = open.length < maxRanked ? undefined : await countOpenPositions(marketId);
  if (indexedOpen !== undefined) {
    const key = (r: (typeof open)[number]) => `${r.account}:${r.market_id}:${r.is_long}`;
    const seen = new Set(open.map(key));
    open = [...open, ...(await openPositionRows(maxRanked, marketId, 'leverage')).filter((r) => !seen.has(key(r)))];
  }
  const byMarket = new Map<number, typeof open>();
  for (const r of open) byMarket.set(r.market_id, [...(byMarket.get(r.market_id) ?? []), r]);
  const staleMarkets: number[] = [];
  const views: TopPosition[] = [];
  for (const [m, rows] of byMarket) {
    const market: TopPosition[] = [];
    try {
      for (let i = 0; i < rows.length; i += VIEW_CHUNK) {
        const refs = rows.slice(i, i + VIEW_CHUNK).map((r) => ({ account: getAddress(r.account), marketId: BigInt(r.market_id), isLong: r.is_long }));
        const out = await publicClient.readContract({ ...contracts.reader, functionName: 'positionViews', args: [refs] });
        out.forEach((v, j) => {
          if (v.position.sizeUsd === 0n) return; // closed since the last indexed event
          market.push({
            account: refs[j].account,
            marketId: m,
            isLong: v.isLong,
            sizeUsd: v.position.sizeUsd.toString(),
            collateralUsd: v.position.collateralUsd.toString(),
            equityUsd: v.status.equityUsd.toString(),
            maintenanceUsd: v.status.maintenanceUsd.toString(),
            pnlUsd: v.status.pnlUsd.toString(),
            leverageWad: v.leverageWad.toString(),
            entryPriceWad: v.entryPriceWad.toString(),
            liquidationPriceWad: v.liquidationPriceWad.toString(),
            distanceToLiquidationWad: v.distanceToLiquidationWad.toString(),
            liquidatable: v.status.liquidatable,
          });
        });
      }
      views.push(...market);
    } catch (e) {
      // A refusal (no valid price) marks the market stale; an RPC failure is not a stale price and fails the request
      // (503), where it used to answer 200 with the market's positions missing.
      if (!isContractRevert(e)) throw e;
      staleMarkets.push(m); // no valid price: its positions cannot be valued now
    }
  }
  const bySize = [...views].sort((a, b) => cmp(BigInt(b.sizeUsd), BigInt(a.sizeUsd))).slice(0, limit);
  const byRisk = [...views].sort((a, b) => cmp(BigInt(a.distanceToLiquidationWad), BigInt(b.distanceToLiquidationWad))).slice(0, limit);
  // the live count of those read, or the index's count when there are more open than ranked
  return { openPositions: indexedOpen ?? views.length, staleMarkets: staleMarkets.sort((a, b) => a - b), bySize, byRisk };
}

/** The index's open positions: the last event per account, market and side left size > 0 (SQL, on one market or all). */
function openPositionsSql(marketFilter: string) {
  return `SELECT account, market_id, is_long, size, collateral FROM (
       SELECT DISTINCT ON (account, market_id, is_long) account, market_id, is_long, name,
              ${resultNum('PositionIncreased', 'sizeUsd')} AS size, ${resultNum('PositionIncreased', 'collateralUsd')} AS collateral
         FROM events
        WHERE name IN (${ev('PositionIncreased', 'PositionDecreased', 'PositionLiquidated')})${marketFilter}
        ORDER BY account, market_id, is_long, block_number DESC, log_index DESC) last
      WHERE name <> ${ev('PositionLiquidated')} AND size > 0`;
}

/**
 * The positions the index holds open, largest first (`rank` size) or most leveraged at their last trade first
 * (`leverage`): at most `limit` (all when undefined), on one market or all. Closed positions cost nothing here,
 * however many there were.
 */
export async function openPositionRows(limit?: number, marketId?: number, rank: 'size' | 'leverage' = 'size') {
  const params: number[] = [];
  const marketFilter = marketId === undefined ? '' : ` AND market_id = $${params.push(marketId)}`;
  const limitClause = limit === undefined ? '' : ` LIMIT $${params.push(limit)}`;
  const order = rank === 'size' ? 'size DESC' : 'size / GREATEST(collateral, 1) DESC, size DESC';
  return sql<{ account: string; market_id: number; is_long: boolean }>(`${openPositionsSql(marketFilter)} ORDER BY ${order}${limitClause}`, params);
}

/** How many positions the index holds open, on one market or all. */
async function countOpenPositions(marketId?: number): Promise<number> {
  const params: number[] = [];
  const marketFilter = marketId === undefined ? '' : ` AND market_id = $${params.push(marketId)}`;
  const [row] = await sql<{ n: string }>(`SELECT count(*)::text AS n FROM (${openPositionsSql(marketFilter)}) open`, params);
  return Number(row?.n ?? 0);
}

/** The Reader's views of `rows` (one eth_call per VIEW_CHUNK positions), those still open on the chain (at
 *  `blockNumber` when given, so they agree with other reads pinned there; the latest block otherwise). */
export async function openPositionViews(rows: { account: string; market_id: number; is_long: boolean }[], blockNumber?: bigint) {
  const out: { account: Address; view: Awaited<ReturnType<typeof readViews>>[number] }[] = [];
  for (let i = 0; i < rows.length; i += VIEW_CHUNK) {
    const refs = rows.slice(i, i + VIEW_CHUNK).map((r) => ({ account: getAddress(r.account), marketId: BigInt(r.market_id), isLong: r.is_long }));
    const views = await readViews(refs, blockNumber);
    views.forEach((v, j) => {
      if (v.position.sizeUsd > 0n) out.push({ account: refs[j].account, view: v }); // closed since the last indexed event
    });
  }
  return out;
}

const readViews = (refs: { account: Address; marketId: bigint; isLong: boolean }[], blockNumber?: bigint) =>
  publicClient.readContract({ ...contracts.reader, functionName: 'positionViews', args: [refs], blockNumber });

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
