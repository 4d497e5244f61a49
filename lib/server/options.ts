import 'server-only';
import { run, qb } from '../db';
import { sql } from 'kysely';
import { argText, storedArgs } from '@/lib/events';
import { cached, db } from './db';

type Row = { name: string; market_id: number | null; timestamp: string; args: unknown };

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
    if (r.name === 'BoardListed') {
      const a = storedArgs('BoardListed', r.args);
      boards.set(a.boardId, {
        boardId: a.boardId,
        marketId: Number(a.marketId),
        expiry: a.expiry,
        strikeCount: Number(a.strikeCount),
        firstStrikeWad: a.firstStrikeWad,
        strikeStepWad: a.strikeStepWad,
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
    if (r.name === 'OptionTraded') {
      const a = storedArgs('OptionTraded', r.args);
      const b = boards.get(a.boardId);
      if (!b) continue;
      const amount = BigInt(a.amountWad) * (a.isBuy ? 1n : -1n);
      if (a.isCall) b.callOiWad += amount;
      else b.putOiWad += amount;
      const premium = BigInt(a.premiumUsd);
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
    } else if (r.name === 'BoardSettled') {
      const a = storedArgs('BoardSettled', r.args);
      const b = boards.get(a.boardId);
      if (!b) continue;
      b.settled = true;
      b.settlementPriceWad = a.settlementPriceWad;
      b.payoutUsd = BigInt(a.payoutUsd);
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
