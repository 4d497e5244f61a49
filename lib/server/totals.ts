import 'server-only';
import { argNum, ev, resultNum } from '@/lib/events';
import type { WindowName, WindowTotals } from '@/lib/api/client';
import { sql } from './db';

/** The windows the headline totals and the LP APR cover, newest first; `null` is all time. */
export const WINDOWS: readonly { window: WindowName; sec: number | null }[] = [
  { window: '24h', sec: 86_400 },
  { window: '7d', sec: 7 * 86_400 },
  { window: 'all', sec: null },
];

const TRADES = ev('PositionIncreased', 'PositionDecreased');
const LIQ = ev('PositionLiquidated');
const BAD_DEBT = ev('BadDebt');
const num = (v: string | null | undefined) => BigInt(String(v ?? '0').split('.')[0]);

/**
 * The traders' realized PnL as the pool settled it: what trades realized (PositionDecreased, and PositionIncreased,
 * since an increase realizes the position's PnL first, P-107: review BG found a winner's add paid from pool cash and
 * counted nowhere, its PnL taken as LP income) less what liquidations paid the pool (PositionLiquidated.poolGainUsd,
 * the cash it kept), plus the bad debt of closes (BadDebt events less the liquidations' own, already netted in their
 * gain): a close through bankruptcy realizes its whole loss and fee, of which the pool collects only the collateral
 * (review AZ: the rest was counted as LP income, 6,002.5 USD too much on a 10x long closed after a 15% fall, and in no
 * bad-debt total).
 */
export function tradersNetPnl(tradesPnl: bigint, liquidationsGain: bigint, badDebt: bigint, liquidationsBadDebt: bigint): bigint {
  return tradesPnl - liquidationsGain + (badDebt - liquidationsBadDebt);
}

/**
 * Headline totals per window from the indexed events, and the LPs' PnL from the pool's NAV snapshots (to the last
 * valued one; unknown, null, before the first: the flows are summed up to that snapshot's block, so a live NAV there
 * counted every deposit as LP profit, review AW). O(events in the window) per call; the summary route memoizes it per block.
 */
export async function getWindowTotals(nowSec: number): Promise<WindowTotals[]> {
  const sinces = WINDOWS.map((w) => (w.sec === null ? 0 : nowSec - w.sec));
  const [flows, [first], [end], starts] = await Promise.all([
    sql<Record<string, string | null>>(
      `SELECT w.name,
              count(*) FILTER (WHERE e.name IN (${TRADES}) AND ${resultNum('PositionIncreased', 'sizeDeltaUsd')} > 0) AS trades,
              coalesce(sum(${resultNum('PositionIncreased', 'sizeDeltaUsd')}) FILTER (WHERE e.name IN (${TRADES})), 0)
                + coalesce(sum(${resultNum('PositionLiquidated', 'sizeUsd')}) FILTER (WHERE e.name = ${LIQ}), 0) AS volume,
              sum(${resultNum('PositionIncreased', 'feeUsd')}) FILTER (WHERE e.name IN (${TRADES})) AS trade_fees,
              sum(${resultNum('PositionIncreased', 'impactUsd')}) FILTER (WHERE e.name IN (${TRADES})) AS impact,
              sum(${resultNum('PositionIncreased', 'borrowFeeUsd')}) FILTER (WHERE e.name IN (${TRADES})) AS borrow,
              sum(${resultNum('PositionIncreased', 'fundingFeeUsd')}) FILTER (WHERE e.name IN (${TRADES})) AS funding,
              sum(${resultNum('PositionDecreased', 'realizedPnlUsd')}) FILTER (WHERE e.name IN (${TRADES})) AS pnl,
              sum(${resultNum('PositionLiquidated', 'poolGainUsd')}) FILTER (WHERE e.name = ${LIQ}) AS liq_gain,
              sum(${resultNum('PositionLiquidated', 'badDebtUsd')}) FILTER (WHERE e.name = ${LIQ}) AS liq_bad_debt,
              sum(${argNum('BadDebt', 'amountUsd')}) FILTER (WHERE e.name = ${BAD_DEBT}) AS bad_debt,
              count(*) FILTER (WHERE e.name = ${LIQ}) AS liquidations
         FROM (VALUES ${WINDOWS.map((w, i) => `('${w.window}', $${i + 1}::bigint)`).join(', ')}) AS w(name, since)
         JOIN events e ON e.timestamp >= w.since AND e.name IN (${TRADES}, ${LIQ}, ${BAD_DEBT})
        GROUP BY w.name`,
      sinces,
    ),
    // the first indexed event: the deployment's own (roles, listings), so where the data begins
    sql<{ ts: string | null }>('SELECT min(timestamp) AS ts FROM events'),
    // the pool's last valued snapshot: the NAV the LP PnL ends at, with the flows indexed up to its block (the chain's
    // NAV now would count a deposit the indexer has not reached yet as LP profit)
    sql<{ nav: string; block_number: string }>(
      'SELECT nav, block_number FROM snapshots WHERE market_id = -1 AND nav IS NOT NULL ORDER BY block_number DESC LIMIT 1',
    ),
    // the pool's last valued snapshot at or before each window's start: the NAV the window's LP PnL starts from
    Promise.all(
      sinces.map((since) =>
        since === 0
          ? Promise.resolve([])
          : sql<{ nav: string; timestamp: string; block_number: string }>(
              `SELECT nav, timestamp, block_number FROM snapshots
                WHERE market_id = -1 AND nav IS NOT NULL AND timestamp <= $1
                ORDER BY timestamp DESC, block_number DESC LIMIT 1`,
              [since],
            ),
      ),
    ),
  ]);
  const firstSec = first?.ts === null || first?.ts === undefined ? nowSec : Number(first.ts);
  return Promise.all(
    WINDOWS.map(async (w, i) => {
      const row = flows.find((r) => r.name === w.window);
      const v = (k: string) => num(row?.[k]);
      const start = starts[i][0];
      // No valued snapshot before the window: indexing began inside it, so it covers the whole history (NAV 0 at
      // the deployment, every deposit and withdrawal since).
      const navStart = start ? BigInt(start.nav) : 0n;
      const fromBlock = start ? start.block_number : '-1';
      const [net] = await sql<{ deposits: string | null; withdrawals: string | null }>(
        `SELECT sum(${argNum('Deposit', 'assets')}) FILTER (WHERE name = ${ev('Deposit')}) AS deposits,
                sum(${argNum('Withdraw', 'assets')}) FILTER (WHERE name IN (${ev('Withdraw', 'WithdrawalFilled')})) AS withdrawals
           FROM events WHERE block_number > $1 AND block_number <= $2 AND name IN (${ev('Deposit', 'Withdraw', 'WithdrawalFilled')})`,
        [fromBlock, end ? end.block_number : '-1'],
      );
      // Events before the window but no snapshot to start it from (snapshots only near the head during a backfill):
      // the window's LP PnL is unknown, not the all-time one.
      const unknownStart = !start && sinces[i] > 0 && firstSec < sinces[i];
      const navEnd = end ? BigInt(end.nav) : null;
      // The window clipped to where the data begins: the span the sums cover and an APR annualizes over.
      const fromSec = Math.max(sinces[i], firstSec);
      const traderPnl = tradersNetPnl(v('pnl'), v('liq_gain'), v('bad_debt'), v('liq_bad_debt'));
      return {
        window: w.window,
        fromSec,
        coveredSec: Math.max(0, nowSec - fromSec),
        trades: Number(row?.trades ?? 0),
        volumeUsd: v('volume').toString(),
        feesUsd: (v('trade_fees') + v('impact') + v('borrow') + v('funding')).toString(),
        traderPnlUsd: traderPnl.toString(),
        lpIncomeUsd: {
          tradingFeesUsd: (v('trade_fees') + v('impact')).toString(),
          borrowFeesUsd: v('borrow').toString(),
          fundingUsd: v('funding').toString(),
          traderPnlUsd: (-traderPnl).toString(),
        },
        lpPnlUsd: navEnd === null || unknownStart ? null : (navEnd - navStart - (num(net?.deposits) - num(net?.withdrawals))).toString(),
        // the LP PnL's own start, which an outage can put well before the window's (review BR)
        lpPnlFromSec: start ? Number(start.timestamp) : fromSec,
        liquidations: Number(row?.liquidations ?? 0),
        badDebtUsd: v('bad_debt').toString(),
      };
    }),
  );
}
