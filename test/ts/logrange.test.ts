/**
 * Log ranges that adapt to a node's eth_getLogs cap (services/lib/logs.ts). Hosted RPCs refuse an answer above about
 * 10,000 logs, and anyone can emit that many cheap events in a few blocks (an order updated in a loop): a review found
 * the indexer's fixed 2,000-block range and the keeper's 5,000 then failed at the same blocks forever, so nothing after
 * the burst was indexed and the keeper's order sync (and every job after it in the pass) stopped. Here the node's cap is
 * scaled down to 20 logs.
 */
import { createPublicClient, custom, http, maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/services/indexer/db';
import { Indexer } from '@/services/indexer/ingest';
import { PositionBook } from '@/services/keeper/book';
import { OrderWatcher } from '@/services/keeper/orders';
import { isRangeRefusal, LogRange } from '@/services/lib/logs';
import { NO_BOUND } from '@/lib/orders';
import { qb, run } from '@/lib/db';
import { clients, isolateChain, rpcUrl } from './helpers';
import { openTestDb } from './db';
import { c, deposit, fundAndApprove, open, price, tx, USD } from './fixtures';

const CAP = 20;
const quiet = { warn: () => {}, info: () => {}, error: () => {} };

describe('LogRange', () => {
  // a chain of 1,000 blocks with one log every 10 blocks and a burst of 95 logs in blocks 500-504
  const chainLogs = [...Array.from({ length: 100 }, (_, i) => BigInt(i * 10)), ...Array.from({ length: 95 }, (_, k) => 500n + BigInt(k % 5))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let calls = 0;
  const get = async (from: bigint, to: bigint) => {
    calls++;
    const out = chainLogs.filter((b) => b >= from && b <= to);
    if (out.length > CAP) throw new Error(`query returned more than ${CAP} results`);
    return out;
  };

  it('halves a refused range, then grows back: every log once, in order, up to the head', async () => {
    const range = new LogRange(2_000n, quiet, 'test');
    const got: bigint[] = [];
    let from = 0n;
    const spans: bigint[] = [];
    while (from <= 999n) {
      const { to, logs } = await range.fetch(from, 999n, get);
      spans.push(to - from + 1n);
      got.push(...logs);
      from = to + 1n;
    }
    expect(got).toEqual(chainLogs.filter((b) => b <= 999n));
    expect(spans.some((s) => s < 200n)).toBe(true); // it went down to ranges the node answers
    expect(range.blocks).toBeGreaterThan(spans[0]); // and back up once past the dense blocks
  });

  it('a node that caps the block span is not asked past the cap again and again (review BR: every other request refused)', async () => {
    const range = new LogRange(2_000n, quiet, 'test');
    let refusals = 0;
    const capped = async (from: bigint, to: bigint) => {
      if (to - from + 1n > 1_000n) {
        refusals++;
        throw new Error('block range is too large');
      }
      return [];
    };
    let from = 0n;
    for (let i = 0; i < 20; i++) from = (await range.fetch(from, 1_000_000n, capped)).to + 1n;
    expect(refusals).toBe(1);
    expect(range.blocks).toBe(1_000n);
  });

  it('a block the node refuses on its own is the node\'s error, thrown to the caller', async () => {
    const range = new LogRange(64n, quiet, 'test');
    calls = 0;
    const dense = async (from: bigint, to: bigint) => {
      calls++;
      if (from <= 500n && to >= 500n) throw new Error('query returned more than 20 results');
      return [];
    };
    await expect(range.fetch(500n, 999n, dense)).rejects.toThrow(/more than 20/);
    expect(calls).toBeLessThanOrEqual(8); // 64 -> 1 by halving: log2(64) + 1 requests
  });

  it('any other error (a rate limit, a timeout) is thrown at once, the range left as it was', async () => {
    const range = new LogRange(5_000n, quiet, 'test');
    for (const message of ['HTTP request failed. Status: 429', 'Too Many Requests', 'The request took too long to respond.', 'fetch failed']) {
      let n = 0;
      const down = async () => {
        n++;
        throw new Error(message);
      };
      await expect(range.fetch(0n, 1_000_000n, down)).rejects.toThrow(message);
      expect(n).toBe(1); // before: 13 requests back to back into the refusing node, and a range of one block after
      expect(range.blocks).toBe(5_000n);
    }
  });

  it('knows the hosted nodes\' size refusals, wrapped as viem wraps them', () => {
    for (const message of [
      'query returned more than 10000 results',
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range',
      'eth_getLogs is limited to a 10,000 range',
      'block range is too large',
      'exceed maximum block range: 5000',
      'query timeout exceeded',
      // review AV: wordings the pattern missed (each retried the same range forever)
      'range 1000000 exceeds limit of 10000',
      'eth_getLogs is limited to a 10,000 blocks range',
      'Query requested more than 10.000 blocks',
      'ranges over 10000 blocks are not supported',
    ]) {
      expect(isRangeRefusal({ shortMessage: 'RPC Request failed.', cause: { details: message } })).toBe(true);
    }
    expect(isRangeRefusal(new Error('HTTP request failed. Status: 429 Too Many Requests'))).toBe(false);
  });

  it('a head below the start is nothing to read', async () => {
    const range = new LogRange(8n, quiet, 'test');
    let n = 0;
    const got = await range.fetch(10n, 5n, async () => {
      n++;
      return [1];
    });
    expect(got).toEqual({ to: 9n, logs: [] });
    expect(n).toBe(0);
  });

  it('refuses a range of no blocks', () => {
    expect(() => new LogRange(0n, quiet, 'test')).toThrow(/at least one block/);
  });
});

let db: Db;
isolateChain(beforeAll, afterAll);
beforeAll(async () => {
  db = await openTestDb(5551);
});
afterAll(async () => {
  await db?.close?.();
});

/** A public client whose node refuses an eth_getLogs answer above CAP logs, as hosted RPCs do above 10,000. */
function cappedClient() {
  const { publicClient } = clients();
  const inner = http(rpcUrl())({ chain: publicClient.chain });
  return createPublicClient({
    chain: publicClient.chain,
    transport: custom({
      async request({ method, params }) {
        const out = await inner.request({ method, params } as never);
        if (method === 'eth_getLogs' && Array.isArray(out) && out.length > CAP) {
          throw Object.assign(new Error(`query returned more than ${CAP} results`), { code: -32005 });
        }
        return out;
      },
    }),
  });
}

describe('behind a node that caps eth_getLogs', () => {
  it('the indexer, the keeper\'s order watcher and its position book read past a burst of events above the cap', async () => {
    await deposit(5, USD(1_000_000));
    const client = cappedClient();
    // the attacker: one order updated 30 times (a contract would loop it in one transaction)
    const i = 11;
    await open(i, 0, true, USD(200), USD(1000));
    await fundAndApprove(i, USD(10));
    await tx(i, { ...c.token, functionName: 'approve', args: [c.orderBook.address, maxUint256] });
    const p0 = await price(0);
    const expiresAt = (await clients().publicClient.getBlock()).timestamp + 86_400n;
    const r = await tx(i, { ...c.orderBook, functionName: 'createOrder', args: [0n, true, 3, p0 / 2n, NO_BOUND, USD(1000), 0n, expiresAt, USD(1)] });
    const id = BigInt(r.logs.find((l) => l.address.toLowerCase() === c.orderBook.address.toLowerCase())!.topics[1]!);
    for (let k = 0; k < 30; k++) {
      await tx(i, { ...c.orderBook, functionName: 'updateOrder', args: [id, p0 / 2n - BigInt(k + 1), NO_BOUND, USD(1000), 0n, expiresAt] });
    }
    // honest activity after the burst: a position on another market
    const honest = await open(12, 1, true, USD(200), USD(1000));
    const head = await client.getBlockNumber();

    const ix = new Indexer(db, client as never, c, quiet as never, { range: 2000n, snapshotEvery: 1000n, snapshotWindow: 0n });
    for (let k = 0; k < 200 && !(await ix.step()); k++);
    expect((await ix.cursor())!.block).toBe(head);
    const rows = await run(db, qb.selectFrom('events').select(['name', 'tx_hash']).where('name', '=', 'OrderUpdated'));
    expect(rows.length).toBe(30); // the burst, every event once
    const after = await run(db, qb.selectFrom('events').select(['name']).where('tx_hash', '=', honest.transactionHash));
    expect(after.length).toBeGreaterThan(0); // and what came after it

    const w = new OrderWatcher(client as never, c, quiet as never);
    await w.sync(head);
    expect(w.get(id)?.triggerPriceWad).toBe(p0 / 2n - 30n); // the last update
    const book = new PositionBook(client as never, c, quiet as never);
    await book.sync(head);
    expect(book.refs().some((ref) => ref.marketId === 1n && ref.account.toLowerCase() === clients(12).walletClient.account.address.toLowerCase())).toBe(true);
  });
});
