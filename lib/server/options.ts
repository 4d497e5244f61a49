import 'server-only';
import { run, qb } from '../db';
import { sql } from 'kysely';
import { cached, db } from './db';

type Row = { name: string; market_id: number | null; timestamp: string; args: Record<string, unknown> };
const big = (v: unknown) => BigInt(String(v ?? 0));

/** A market's (or every market's) option events in order, one database read per 2 s however many requests ask
 *  (review AW: every request read them all). */
const optionsEvents = cached(2000, async (marketId: number | null) => {
  return (await run(
    db,
    qb
      .selectFrom('events')
      .select(['name', 'market_id', 'timestamp', 'args'])
      .where('contract', '=', 'options')
      .where('name', 'in', ['BoardListed', 'OptionTraded', 'BoardSettled'])
      .$if(marketId !== null, (q) => q.where('market_id', '=', marketId!))
      .orderBy('block_number', 'asc')
      .orderBy('log_index', 'asc'),
  )) as Row[];
});

/**
 * The options book from indexed events: every board with its open interest per type (bought minus sold back, index
 * tokens), the premiums the pool took in and paid back, and, once settled, its settlement price and payouts; the
 * totals give the pool's premium income (premiums in minus premiums paid on sales back) against the payoffs it owed.
 * All integers as decimal strings: USD 6 decimals, prices and amounts WAD.
 */
export async function getOptionsSummary(marketId?: number, sinceSec?: number) {
  const rows = await optionsEvents(marketId ?? null);
  type Board = {
    boardId: string;
    marketId: number;
    expiry: string;
    strikeCount: number;
    firstStrikeWad: string;
    strikeStepWad: string;
    callOiWad: bigint;
    putOiWad: bigint;
    premiumsInUsd: bigint;
    premiumsOutUsd: bigint;
    settled: boolean;
    settlementPriceWad: string | null;
    payoutUsd: bigint;
  };
  const boards = new Map<string, Board>();
  let premiumsIn = 0n;
  let premiumsOut = 0n;
  let recentIn = 0n;
  let recentOut = 0n;
  let payouts = 0n;
  for (const r of rows) {
    const a = r.args;
    const id = String(a.boardId);
    if (r.name === 'BoardListed') {
      boards.set(id, {
        boardId: id,
        marketId: Number(a.marketId),
        expiry: String(a.expiry),
        strikeCount: Number(a.strikeCount),
        firstStrikeWad: String(a.firstStrikeWad),
        strikeStepWad: String(a.strikeStepWad),
        callOiWad: 0n,
        putOiWad: 0n,
        premiumsInUsd: 0n,
        premiumsOutUsd: 0n,
        settled: false,
        settlementPriceWad: null,
        payoutUsd: 0n,
      });
      continue;
    }
    const b = boards.get(id);
    if (!b) continue;
    if (r.name === 'OptionTraded') {
      const amount = big(a.amountWad) * (a.isBuy ? 1n : -1n);
      if (a.isCall) b.callOiWad += amount;
      else b.putOiWad += amount;
      const premium = big(a.premiumUsd);
      const recent = sinceSec !== undefined && Number(r.timestamp) >= sinceSec;
      if (a.isBuy) {
        b.premiumsInUsd += premium;
        premiumsIn += premium;
        if (recent) recentIn += premium;
      } else {
        b.premiumsOutUsd += premium;
        premiumsOut += premium;
        if (recent) recentOut += premium;
      }
    } else {
      b.settled = true;
      b.settlementPriceWad = String(a.settlementPriceWad);
      b.payoutUsd = big(a.payoutUsd);
      payouts += b.payoutUsd;
    }
  }
  const s = (v: bigint) => v.toString();
  return {
    boards: [...boards.values()]
      .sort((x, y) => Number(BigInt(x.expiry) - BigInt(y.expiry)) || x.marketId - y.marketId)
      .map((b) => ({ ...b, callOiWad: s(b.callOiWad), putOiWad: s(b.putOiWad), premiumsInUsd: s(b.premiumsInUsd), premiumsOutUsd: s(b.premiumsOutUsd), payoutUsd: s(b.payoutUsd) })),
    totals: {
      premiumsInUsd: s(premiumsIn),
      premiumsOutUsd: s(premiumsOut),
      premiumIncomeUsd: s(premiumsIn - premiumsOut),
      premiumIncomeSinceUsd: sinceSec === undefined ? null : s(recentIn - recentOut),
      payoutsUsd: s(payouts),
    },
  };
}

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
  const argsOf = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
  const rowBoards = new Set(rows.map((r) => String(argsOf(r.args).boardId)));
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
        .where(sql<string>`args->>'boardId'`, 'in', [...rowBoards])
        .orderBy('block_number', 'asc')
        .orderBy('log_index', 'asc'),
    );
    for (const l of listed) {
      const a = argsOf(l.args);
      const id = String(a.boardId);
      if (l.name === 'BoardListed') {
        boards.set(id, { marketId: Number(a.marketId), expiry: String(a.expiry), firstStrikeWad: big(a.firstStrikeWad), strikeStepWad: big(a.strikeStepWad), settlementPriceWad: null });
      } else {
        const b = boards.get(id);
        if (b) b.settlementPriceWad = String(a.settlementPriceWad);
      }
    }
  }
  return rows.map((r) => {
    const a = argsOf(r.args);
    const b = boards.get(String(a.boardId));
    const base = {
      block_number: String(r.block_number),
      tx_hash: r.tx_hash,
      timestamp: String(r.timestamp),
      boardId: String(a.boardId),
      marketId: b?.marketId ?? (a.marketId === undefined ? null : Number(a.marketId)),
      expiry: b?.expiry ?? null,
      isCall: Boolean(a.isCall),
      amountWad: String(a.amountWad),
      settlementPriceWad: b?.settlementPriceWad ?? null,
    };
    if (r.name === 'OptionTraded') {
      return { ...base, kind: a.isBuy ? ('buy' as const) : ('sell' as const), strikeWad: String(a.strikeWad), usd: String(a.premiumUsd), ivWad: String(a.ivWad), spotWad: String(a.spotWad) };
    }
    return { ...base, kind: 'claim' as const, strikeWad: b ? String(b.firstStrikeWad + big(a.strikeIndex) * b.strikeStepWad) : null, usd: String(a.payoutUsd), ivWad: null, spotWad: null };
  });
}
