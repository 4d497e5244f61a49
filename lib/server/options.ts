import 'server-only';
import { run, qb } from '../db';
import { sql } from 'kysely';
import { argNum, argText, ev, storedArgs } from '@/lib/events';
import { cached, db, sql as query } from './db';

const OPTION_EVENTS = `contract = 'options'`;
const BOARD = argText('OptionTraded', 'boardId'); // every options event names its board the same way
const AMOUNT = argNum('OptionTraded', 'amountWad');
const PREMIUM = argNum('OptionTraded', 'premiumUsd');
const IS_BUY = `(${argText('OptionTraded', 'isBuy')})::boolean`;
const IS_CALL = `(${argText('OptionTraded', 'isCall')})::boolean`;

/**
 * The options book from indexed events, aggregated in the database (a review: the summary read every option event ever
 * into the server on each refresh, which grows with every trade until the query passes the statement timeout and the
 * route answers 503 for good): every board with its open interest per type (bought minus sold back, index tokens),
 * the premiums the pool took in and paid back, and, once settled, its settlement price and payouts; the totals give
 * the pool's premium income (premiums in minus premiums paid on sales back) against the payoffs it owed, all time and
 * since `sinceSec`. All integers as decimal strings: USD 6 decimals, prices and amounts WAD. One database read per 2 s
 * per market however many requests ask (review AW).
 */
export const getOptionsSummary = cached(2000, async (marketId?: number, sinceSec?: number) => {
  const market = marketId === undefined ? [] : [marketId];
  const onMarket = (n: number) => (marketId === undefined ? '' : ` AND market_id = $${n}`);
  const oi = `sum(CASE WHEN ${IS_BUY} THEN ${AMOUNT} ELSE -${AMOUNT} END)`;
  const [boards, totals] = await Promise.all([
    query<{
      market_id: number;
      args: unknown;
      call_oi: string | null;
      put_oi: string | null;
      premiums_in: string | null;
      premiums_out: string | null;
      settled: unknown;
    }>(
      `WITH listed AS (
         SELECT ${BOARD} AS board_id, market_id, args FROM events WHERE ${OPTION_EVENTS} AND name = ${ev('BoardListed')}${onMarket(1)}
       ), traded AS (
         SELECT ${BOARD} AS board_id,
                ${oi} FILTER (WHERE ${IS_CALL}) AS call_oi,
                ${oi} FILTER (WHERE NOT ${IS_CALL}) AS put_oi,
                sum(${PREMIUM}) FILTER (WHERE ${IS_BUY}) AS premiums_in,
                sum(${PREMIUM}) FILTER (WHERE NOT ${IS_BUY}) AS premiums_out
           FROM events WHERE ${OPTION_EVENTS} AND name = ${ev('OptionTraded')}${onMarket(1)}
          GROUP BY 1
       ), settled AS (
         SELECT DISTINCT ON (${BOARD}) ${BOARD} AS board_id, args FROM events
          WHERE ${OPTION_EVENTS} AND name = ${ev('BoardSettled')}${onMarket(1)}
          ORDER BY ${BOARD}, block_number, log_index
       )
       SELECT l.market_id, l.args, t.call_oi, t.put_oi, t.premiums_in, t.premiums_out, s.args AS settled
         FROM listed l LEFT JOIN traded t USING (board_id) LEFT JOIN settled s USING (board_id)`,
      market,
    ),
    query<{ premiums_in: string | null; premiums_out: string | null; recent_in: string | null; recent_out: string | null; payouts: string | null }>(
      `SELECT sum(${PREMIUM}) FILTER (WHERE name = ${ev('OptionTraded')} AND ${IS_BUY}) AS premiums_in,
              sum(${PREMIUM}) FILTER (WHERE name = ${ev('OptionTraded')} AND NOT ${IS_BUY}) AS premiums_out,
              sum(${PREMIUM}) FILTER (WHERE name = ${ev('OptionTraded')} AND ${IS_BUY} AND timestamp >= $1) AS recent_in,
              sum(${PREMIUM}) FILTER (WHERE name = ${ev('OptionTraded')} AND NOT ${IS_BUY} AND timestamp >= $1) AS recent_out,
              sum(${argNum('BoardSettled', 'payoutUsd')}) FILTER (WHERE name = ${ev('BoardSettled')}) AS payouts
         FROM events WHERE ${OPTION_EVENTS} AND name IN (${ev('OptionTraded', 'BoardSettled')})${onMarket(2)}`,
      [sinceSec ?? 0, ...market],
    ),
  ]);
  const int = (v: string | null | undefined) => BigInt(v ?? '0').toString(); // numeric sums come back as text
  const out = boards.map((r) => {
    const a = storedArgs('BoardListed', r.args);
    const settled = r.settled === null ? null : storedArgs('BoardSettled', r.settled);
    return {
      boardId: a.boardId,
      marketId: Number(r.market_id),
      expiry: a.expiry,
      strikeCount: Number(a.strikeCount),
      firstStrikeWad: a.firstStrikeWad,
      strikeStepWad: a.strikeStepWad,
      callOiWad: int(r.call_oi),
      putOiWad: int(r.put_oi),
      premiumsInUsd: int(r.premiums_in),
      premiumsOutUsd: int(r.premiums_out),
      settled: settled !== null,
      settlementPriceWad: settled?.settlementPriceWad ?? null,
      payoutUsd: int(settled?.payoutUsd),
    };
  });
  out.sort((x, y) => Number(BigInt(x.expiry) - BigInt(y.expiry)) || x.marketId - y.marketId);
  const t = totals[0] ?? { premiums_in: null, premiums_out: null, recent_in: null, recent_out: null, payouts: null };
  const premiumsIn = BigInt(int(t.premiums_in));
  const premiumsOut = BigInt(int(t.premiums_out));
  return {
    boards: out,
    totals: {
      premiumsInUsd: premiumsIn.toString(),
      premiumsOutUsd: premiumsOut.toString(),
      premiumIncomeUsd: (premiumsIn - premiumsOut).toString(),
      premiumIncomeSinceUsd: sinceSec === undefined ? null : (BigInt(int(t.recent_in)) - BigInt(int(t.recent_out))).toString(),
      payoutsUsd: int(t.payouts),
    },
  };
});

/**
 * An account's option history, newest first: each purchase and sale back (OptionTraded) and each settled option it
 * claimed (PayoffClaimed, a worthless one included: its claim pays 0). Each row's expiry comes from its board's listing
 * (a claim's market and strike too: the event names the board and the strike's index) and, once settled, the board's
 * settlement price. Integers as decimal
 * strings: USD 6 decimals, prices and amounts WAD.
 */
export async function getOptionHistory(account: string, limit: number) {
  const who = account.toLowerCase();
  const rows = await run(
    db,
    qb
      .selectFrom('events')
      .select(['block_number', 'log_index', 'tx_hash', 'name', 'timestamp', 'args'])
      .where('contract', '=', 'options')
      .where('account', '=', who)
      .where('name', 'in', ['OptionTraded', 'PayoffClaimed'])
      .orderBy('block_number', 'desc')
      .orderBy('log_index', 'desc')
      .limit(limit),
  );
  // both events name the board the same way
  const rowArgs = (r: (typeof rows)[number]) => (r.name === 'OptionTraded' ? storedArgs('OptionTraded', r.args) : storedArgs('PayoffClaimed', r.args));
  const rowBoards = new Set(rows.map((r) => rowArgs(r).boardId));
  const boards = new Map<string, { marketId: number; expiry: string; firstStrikeWad: bigint; strikeStepWad: bigint; settlementPriceWad: string | null }>();
  if (rowBoards.size > 0) {
    const listed = await run(
      db,
      qb
        .selectFrom('events')
        .select(['name', 'args'])
        .where('contract', '=', 'options')
        .where('name', 'in', ['BoardListed', 'BoardSettled'])
        // only the boards on this page (a review found every board's listing read on each poll)
        .where(sql.raw<string>(argText('BoardListed', 'boardId')), 'in', [...rowBoards])
        .orderBy('block_number', 'asc')
        .orderBy('log_index', 'asc'),
    );
    for (const l of listed) {
      if (l.name === 'BoardListed') {
        const a = storedArgs('BoardListed', l.args);
        boards.set(a.boardId, { marketId: Number(a.marketId), expiry: a.expiry, firstStrikeWad: BigInt(a.firstStrikeWad), strikeStepWad: BigInt(a.strikeStepWad), settlementPriceWad: null });
      } else {
        const a = storedArgs('BoardSettled', l.args);
        const b = boards.get(a.boardId);
        if (b) b.settlementPriceWad = a.settlementPriceWad;
      }
    }
  }
  return rows.map((r) => {
    const a = rowArgs(r);
    const b = boards.get(a.boardId);
    const base = {
      block_number: String(r.block_number),
      tx_hash: r.tx_hash,
      timestamp: String(r.timestamp),
      boardId: a.boardId,
      expiry: b?.expiry ?? null,
      isCall: a.isCall,
      amountWad: a.amountWad,
      settlementPriceWad: b?.settlementPriceWad ?? null,
    };
    if (r.name === 'OptionTraded') {
      const t = storedArgs('OptionTraded', r.args);
      return { ...base, marketId: Number(t.marketId), kind: t.isBuy ? ('buy' as const) : ('sell' as const), strikeWad: t.strikeWad, usd: t.premiumUsd, ivWad: t.ivWad, spotWad: t.spotWad };
    }
    const c = storedArgs('PayoffClaimed', r.args);
    return {
      ...base,
      marketId: b?.marketId ?? null,
      kind: 'claim' as const,
      strikeWad: b ? String(b.firstStrikeWad + BigInt(c.strikeIndex) * b.strikeStepWad) : null,
      usd: c.payoutUsd,
      ivWad: null,
      spotWad: null,
    };
  });
}
