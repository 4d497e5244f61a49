/**
 * GET /api/options (issue 13 item 6: the indexer and the API cover option events): each board's open interest, premiums
 * and settlement, and the pool's premium income, as the route aggregates them in the database, against the same
 * figures added up here from the transactions' own receipts (bought minus sold back per board and type, premiums in
 * and out, the settlement's price and payout). Runs on PGlite and on a real PostgreSQL server (npm test's postgres step).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxUint256, parseEventLogs, type TransactionReceipt } from 'viem';
import { optionsBookAbi } from '@/lib/contracts';
import { WAD } from '@/lib/math/fixed';
import type { Db } from '@/services/indexer/db';
import { Indexer } from '@/services/indexer/ingest';
import { firstRoundAtOrAfter } from '@/services/keeper/options';
import { createLogger } from '@/services/lib/runtime';
import { dbKind, openTestDb } from './db';
import { c, deposit, fundAndApprove, price, setPrice, tx, USD } from './fixtures';
import { clients, isolateChain, rpcUrl } from './helpers';

let db: Db;
const receipts: TransactionReceipt[] = [];
let boardId = 0n;
let otherBoardId = 0n;

const send = async (index: number, req: Parameters<typeof tx>[1]) => {
  const r = await tx(index, req);
  receipts.push(r);
  return r;
};
const refresh = () => send(1, { ...c.optionsBook, functionName: 'refresh', args: [0n] });

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  process.env.RPC_URL = rpcUrl();
  db = await openTestDb(5558);
  const { publicClient } = clients();
  await deposit(5, USD(2_000_000));
  await send(1, { ...c.optionsBook, functionName: 'listBoards', args: [0n] });
  const ids = await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] });
  const boards = await Promise.all(ids.map((id) => publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [id] })));
  const byExpiry = ids.map((id, i) => ({ id, expiry: boards[i].expiry })).sort((a, b) => Number(a.expiry - b.expiry));
  boardId = byExpiry[0].id;
  otherBoardId = byExpiry[byExpiry.length - 1].id;
  for (const who of [11, 12]) {
    await fundAndApprove(who, USD(200_000));
    await tx(who, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256] });
  }
  // calls and puts on two boards by two accounts, part sold back; the book refreshed after each trade
  const trades: [number, bigint, bigint, boolean, boolean, bigint][] = [
    [11, boardId, 5n, true, true, 4n * WAD],
    [12, boardId, 3n, false, true, 3n * WAD],
    [11, boardId, 5n, true, false, WAD],
    [12, otherBoardId, 6n, true, true, 2n * WAD],
    [12, boardId, 3n, false, false, WAD / 2n],
  ];
  for (const [who, board, strike, isCall, isBuy, amount] of trades) {
    await send(who, { ...c.optionsBook, functionName: isBuy ? 'buy' : 'sell', args: [board, strike, isCall, amount, isBuy ? USD(200_000) : 0n] });
    await refresh();
  }
  // the nearest board expires and settles at the first price after its expiry
  const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
  const keep = await Promise.all(c.markets.map((m) => price(m.id)));
  await publicClient.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${(BigInt(b.expiry) + 5n).toString(16)}`] as never });
  for (const m of c.markets) await setPrice(m.id, m.id === 0 ? (keep[0] * 102n) / 100n : keep[m.id]);
  const round = await firstRoundAtOrAfter(publicClient, c.feeds[0], BigInt(b.expiry));
  await send(1, { ...c.optionsBook, functionName: 'settleBoard', args: [boardId, round!] });
  const ix = new Indexer(db, publicClient, c, createLogger('api-options-test'), { range: 500n, snapshotEvery: 5n, snapshotWindow: 50n });
  while (!(await ix.step()));
}, 120_000);

afterAll(async () => {
  const { pool } = await import('@/lib/server/db');
  await pool.end();
  await db.close();
});

/** What the receipts say, per board: bought minus sold back per type, premiums in and out, and the settlement. */
function fromReceipts() {
  const boards = new Map<bigint, { callOi: bigint; putOi: bigint; premiumsIn: bigint; premiumsOut: bigint; settlementPriceWad?: bigint; payoutUsd?: bigint }>();
  const at = (id: bigint) => boards.get(id) ?? boards.set(id, { callOi: 0n, putOi: 0n, premiumsIn: 0n, premiumsOut: 0n }).get(id)!;
  for (const r of receipts) {
    for (const l of parseEventLogs({ abi: optionsBookAbi, logs: r.logs })) {
      if (l.eventName === 'OptionTraded') {
        const b = at(l.args.boardId);
        const signed = l.args.isBuy ? l.args.amountWad : -l.args.amountWad;
        if (l.args.isCall) b.callOi += signed;
        else b.putOi += signed;
        if (l.args.isBuy) b.premiumsIn += l.args.premiumUsd;
        else b.premiumsOut += l.args.premiumUsd;
      } else if (l.eventName === 'BoardSettled') {
        const b = at(l.args.boardId);
        b.settlementPriceWad = l.args.settlementPriceWad;
        b.payoutUsd = l.args.payoutUsd;
      }
    }
  }
  return boards;
}

describe(`GET /api/options (${dbKind()})`, () => {
  it("answers each board's open interest, premiums and settlement, and the premium income, as the receipts add up", async () => {
    const { GET } = await import('@/app/api/options/route');
    const res = await GET(new Request('http://localhost/api/options?market=0'));
    expect(res.status).toBe(200);
    const body = await res.json();
    const want = fromReceipts();
    expect(want.get(boardId)?.settlementPriceWad).toBeDefined();
    for (const [id, w] of want) {
      const got = body.boards.find((b: { boardId: string }) => b.boardId === id.toString());
      expect(got, `board ${id}`).toBeDefined();
      expect(BigInt(got.callOiWad)).toBe(w.callOi);
      expect(BigInt(got.putOiWad)).toBe(w.putOi);
      expect(BigInt(got.premiumsInUsd)).toBe(w.premiumsIn);
      expect(BigInt(got.premiumsOutUsd)).toBe(w.premiumsOut);
      expect(got.settled).toBe(w.settlementPriceWad !== undefined);
      expect(got.settlementPriceWad).toBe(w.settlementPriceWad?.toString() ?? null);
      expect(BigInt(got.payoutUsd)).toBe(w.payoutUsd ?? 0n);
    }
    // the trades' figures by hand: 4 - 1 calls and 3 - 0.5 puts on the near board, 2 calls on the far one
    expect(BigInt(body.boards.find((b: { boardId: string }) => b.boardId === boardId.toString()).callOiWad)).toBe(3n * WAD);
    expect(BigInt(body.boards.find((b: { boardId: string }) => b.boardId === boardId.toString()).putOiWad)).toBe((5n * WAD) / 2n);
    // every listed board is answered, traded or not, in expiry order
    const listed = await clients().publicClient.getContractEvents({ ...c.optionsBook, eventName: 'BoardListed', args: { marketId: 0n }, fromBlock: 0n });
    expect(body.boards.map((b: { boardId: string }) => b.boardId).sort()).toEqual(listed.map((l) => l.args.boardId!.toString()).sort());
    const expiries = body.boards.map((b: { expiry: string }) => Number(b.expiry));
    expect(expiries).toEqual([...expiries].sort((x, y) => x - y));
    const sum = (f: (w: ReturnType<typeof fromReceipts> extends Map<bigint, infer V> ? V : never) => bigint) => [...want.values()].reduce((a, w) => a + f(w), 0n);
    expect(BigInt(body.totals.premiumsInUsd)).toBe(sum((w) => w.premiumsIn));
    expect(BigInt(body.totals.premiumsOutUsd)).toBe(sum((w) => w.premiumsOut));
    expect(BigInt(body.totals.premiumIncomeUsd)).toBe(sum((w) => w.premiumsIn - w.premiumsOut));
    expect(BigInt(body.totals.payoutsUsd)).toBe(sum((w) => w.payoutUsd ?? 0n));
    // the trades were within the last day of the chain's clock (the settlement moved it a day at most)
    expect(BigInt(body.totals.premiumIncomeSinceUsd)).toBe(sum((w) => w.premiumsIn - w.premiumsOut));
  });

  it('answers another market without these boards, and 400 for a market that is not listed', async () => {
    const { GET } = await import('@/app/api/options/route');
    const other = await (await GET(new Request('http://localhost/api/options?market=1'))).json();
    expect(other.boards.some((b: { boardId: string }) => b.boardId === boardId.toString())).toBe(false);
    expect(other.totals.premiumsInUsd).toBe('0');
    const bad = await GET(new Request('http://localhost/api/options?market=99'));
    expect(bad.status).toBe(400);
  });
});
