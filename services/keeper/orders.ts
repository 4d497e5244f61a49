import { getAbiItem, type PublicClient } from 'viem';
import { orderBookAbi, type CounterpoolContracts } from '../../lib/contracts';
import { gasWithHeadroom } from '../../lib/gas';
import { isOpenKind, triggered } from '../../lib/orders';
import { LogRange, SyncCheckpoints } from '../lib/logs';
import type { Logger } from '../lib/runtime';

const created = getAbiItem({ abi: orderBookAbi, name: 'OrderCreated' });
const updated = getAbiItem({ abi: orderBookAbi, name: 'OrderUpdated' });
const cancelled = getAbiItem({ abi: orderBookAbi, name: 'OrderCancelled' });
const executed = getAbiItem({ abi: orderBookAbi, name: 'OrderExecuted' });
const fillFailed = getAbiItem({ abi: orderBookAbi, name: 'OrderFillFailed' });

export interface OpenOrder {
  id: bigint;
  account: `0x${string}`;
  marketId: number;
  isLong: boolean;
  kind: number;
  triggerPriceWad: bigint;
  expiresAt: number;
}

/**
 * The batches to send for `work` (actionable orders), at most `maxBatches` of `batchSize` orders, one market per batch
 * (P-65: a pull-oracle market without a fresh update holds back only its own orders). Priority: every market's
 * take-profits and stop-losses before any opens (a flood of opens that cannot fill never delays a trader's exit); then
 * the lower `failures` (the caller's count of the engine's refusals of the order and of its account's orders), so
 * orders and accounts whose fills keep being refused go after those never refused; then each
 * account's first order before anyone's second (one account's flood waits behind everyone else's orders); then the
 * oldest. Markets take turns, one batch each per
 * round, so no market's orders crowd another's out of the block. A review's 250 never-filling stop-losses, placed in
 * advance by one account with a small position, held an honest stop-loss on any market out of every block until they
 * had all failed (97 blocks at 5,000 of them).
 */
export function planOrderBatches(
  work: OpenOrder[],
  batchSize: number,
  maxBatches: number,
  failures: (o: OpenOrder) => number = () => 0,
  clearing: (o: OpenOrder) => boolean = () => false,
): { marketId: number; ids: bigint[] }[] {
  // exits, then clearings (expired, or reduce-only with the position gone: never in an exit's batch, so one revived in
  // front of the batch can only fail its own, review BQ), then opens
  const exitsFirst = (o: OpenOrder) => (clearing(o) ? 1 : isOpenKind(o.kind) ? 2 : 0);
  const oldest = (a: OpenOrder, b: OpenOrder) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const tier = (a: OpenOrder, b: OpenOrder) => exitsFirst(a) - exitsFirst(b) || failures(a) - failures(b);
  const byTier = [...work].sort((a, b) => tier(a, b) || oldest(a, b));
  // each account's k-th order within its tier
  const rank = new Map<bigint, number>();
  const counted = new Map<string, number>();
  for (const o of byTier) {
    const key = `${exitsFirst(o)}:${failures(o)}:${o.account.toLowerCase()}`;
    const k = counted.get(key) ?? 0;
    counted.set(key, k + 1);
    rank.set(o.id, k);
  }
  const sorted = byTier.sort((a, b) => tier(a, b) || rank.get(a.id)! - rank.get(b.id)! || oldest(a, b));
  const out: { marketId: number; ids: bigint[] }[] = [];
  for (const cls of [0, 1, 2]) {
    const groups = new Map<number, OpenOrder[]>();
    for (const o of sorted) {
      if (exitsFirst(o) !== cls) continue;
      const list = groups.get(o.marketId);
      if (list) list.push(o);
      else groups.set(o.marketId, [o]);
    }
    // markets take turns: each one's next batch per round, in the order their best orders rank
    for (let i = 0; out.length < maxBatches; i += batchSize) {
      let sent = false;
      for (const list of groups.values()) {
        if (i >= list.length || out.length >= maxBatches) continue;
        out.push({ marketId: list[0].marketId, ids: list.slice(i, i + batchSize).map((o) => o.id) });
        sent = true;
      }
      if (!sent) break;
    }
  }
  return out;
}

/** Gas an exit's fill takes in a batch before refunds, with room (keeper.batchgas.test measures about 117k). */
export const EXIT_FILL_GAS = 140_000n;

/**
 * An order batch's gas limit: the estimate's own gas with headroom (refunds, the accruals of a new second:
 * gasWithHeadroom), and for a batch of exits at least a whole fill per order. An exit the estimate saw as cheap (its
 * position closed after the keeper's read, so a clearing) can be a fill again when the batch lands (the position
 * reopened in front of it), and a batch out of gas reverts with every honest stop-loss in it: a review's ten such orders
 * did that at no cost. An all-fill batch of exits asks about this much anyway; clearing and open batches keep the
 * estimate's headroom (what their orders can turn into fails only their own batch).
 */
export function orderBatchGas(estimatedGas: bigint, exitOrders: number): bigint {
  const headroom = gasWithHeadroom(estimatedGas + estimatedGas / 4n);
  const floor = BigInt(exitOrders) * EXIT_FILL_GAS + 40_000n;
  return exitOrders > 0 && floor > headroom ? floor : headroom;
}

/**
 * The planned batches, each split into chunks of at most `capOf(id)` orders (a reverted batch's orders are capped at
 * half its size for a while, so whatever made it fail is narrowed down in a few rounds while the rest fill), at most two
 * chunks of a planned batch per pass (the other markets keep their turns; the rest go at the next pass), at most
 * `maxBatches` in all.
 */
export function splitCapped(batches: { marketId: number; ids: bigint[] }[], capOf: (id: bigint) => number | undefined, maxBatches: number): { marketId: number; ids: bigint[] }[] {
  const out: { marketId: number; ids: bigint[] }[] = [];
  for (const b of batches) {
    const chunks: bigint[][] = [];
    let chunk: bigint[] = [];
    let cap = Infinity;
    for (const id of b.ids) {
      const own = capOf(id) ?? Infinity;
      if (chunk.length > 0 && chunk.length >= Math.min(cap, own)) {
        chunks.push(chunk);
        chunk = [];
        cap = Infinity;
      }
      chunk.push(id);
      cap = Math.min(cap, own);
    }
    if (chunk.length > 0) chunks.push(chunk);
    for (const ids of chunks.slice(0, 2)) out.push({ marketId: b.marketId, ids });
  }
  return out.slice(0, maxBatches);
}

/**
 * The open trigger orders, built from the order book's events (from the deploy block on every start, then
 * incrementally): created and updated orders enter, cancelled and executed ones leave. `due` lists the orders whose
 * trigger the given prices cross (OrderBook._triggered, mirrored in lib/orders.ts); the contract re-checks on chain.
 * The engine's refusals of keeper fills (OrderFillFailed) are counted from the same events, per order while it is
 * open and per owner for good, so a restarted keeper ranks a flood's orders as the one before it did (they were kept
 * in memory from receipts before, and a restart forgot them).
 */
/** Blocks whose hashes (and order books) a sync keeps to find a reorg's fork (SyncCheckpoints' default). */
const CHECKPOINTS_KEPT = 64;

export class OrderWatcher {
  private open = new Map<bigint, OpenOrder>();
  private orderRefusals = new Map<bigint, number>();
  private accountRefusals = new Map<string, number>();
  /** refusals of an account's orders that left the book refused out (the 16th refusal) or filled: counted at most once */
  private accountPastRefusals = new Map<string, number>();
  private synced: bigint;
  private readonly range: LogRange;
  private readonly checkpoints: SyncCheckpoints;
  /** How to undo each recorded range (its last block, and a step per change, in order): a reorg rewinds to the newest
   *  block still on the chain, never to the deploy block while one is kept. One entry per checkpoint, kept as long. */
  private undo: { block: bigint; steps: (() => void)[] }[] = [];

  constructor(
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: Logger,
    chunk = 5_000n,
  ) {
    this.synced = c.startBlock - 1n;
    this.range = new LogRange(chunk, log, 'orders');
    this.checkpoints = new SyncCheckpoints(client, CHECKPOINTS_KEPT);
  }

  size() {
    return this.open.size;
  }

  async sync(head: bigint) {
    // A reorg under the synced blocks: the book goes back to what it was at the newest block still on the chain (its
    // kept copy) and reads on from there; with none kept, it is built again from the deploy block, as at a start.
    // Replaying the blocks after the fork onto the current book would keep what the lost blocks did (an order they
    // cancelled or filled, open again on the chain) and count their refusals twice. (A review: rebuilding from the
    // deploy block on every one-block reorg held the keeper's loop, liquidations included, for the whole history.)
    const fork = await this.checkpoints.fork();
    if (fork.kind === 'unknown') return; // the node lacks the last block read: the next pass decides
    if (fork.kind === 'rewound') {
      for (let r = this.undo.at(-1); r && r.block > fork.to; r = this.undo.at(-1)) {
        for (const step of r.steps.reverse()) step();
        this.undo.pop();
      }
      this.synced = fork.to;
      this.log.warn('reorg: orders rewound to the newest block still on the chain', { fromBlock: this.synced + 1n });
    } else if (fork.kind === 'lost') {
      this.open.clear();
      this.orderRefusals.clear();
      this.accountRefusals.clear();
      this.accountPastRefusals.clear();
      this.undo = [];
      this.synced = this.c.startBlock - 1n;
      this.log.warn('reorg: orders read again from the deploy block', { fromBlock: this.synced + 1n });
    }
    while (this.synced < head) {
      const from = this.synced + 1n;
      let hash = '';
      const { to, logs } = await this.range.fetch(from, head, async (fromBlock, toBlock) => {
        const r = await this.checkpoints.readRange(fromBlock, toBlock, (f, t) =>
          this.client.getLogs({ address: this.c.orderBook.address, events: [created, updated, cancelled, executed, fillFailed], fromBlock: f, toBlock: t }),
        );
        hash = r.hash;
        return r.logs;
      });
      const steps: (() => void)[] = [];
      // each change with the step that puts the key back as it was
      const put = <K, V>(map: Map<K, V>, key: K, value: V | undefined) => {
        const was = map.get(key);
        steps.push(() => (was === undefined ? map.delete(key) : map.set(key, was)));
        if (value === undefined) map.delete(key);
        else map.set(key, value);
      };
      for (const l of logs) {
        const id = l.args.orderId!;
        if (l.eventName === 'OrderCreated' || l.eventName === 'OrderUpdated') {
          const o = l.args.order!;
          put(this.open, id, { id, account: o.account, marketId: o.marketId, isLong: o.isLong, kind: o.kind, triggerPriceWad: o.triggerPriceWad, expiresAt: o.expiresAt });
        } else if (l.eventName === 'OrderFillFailed') {
          const account = l.args.account!.toLowerCase();
          put(this.orderRefusals, id, (this.orderRefusals.get(id) ?? 0) + 1);
          put(this.accountRefusals, account, (this.accountRefusals.get(account) ?? 0) + 1);
        } else {
          // An order the engine refused out of the book (reason 4) or that filled moves its refusals into its owner's
          // past, which ranks once (a review's Low: an honest account with 16 old refusals waited behind about eight
          // attempts of each order of a flood from fresh accounts). Any other leaving is the owner's doing (a cancel, an
          // expiry, a closed position, pulled funds) and keeps them counted in full, so a flood cannot shed its count.
          const refused = this.orderRefusals.get(id) ?? 0;
          const gone = this.open.get(id);
          const past = l.eventName === 'OrderExecuted' || (l.eventName === 'OrderCancelled' && Number(l.args.reason) === 4);
          if (refused > 0 && gone && past) {
            const account = gone.account.toLowerCase();
            put(this.accountRefusals, account, (this.accountRefusals.get(account) ?? 0) - refused);
            put(this.accountPastRefusals, account, (this.accountPastRefusals.get(account) ?? 0) + refused);
          }
          put(this.open, id, undefined);
          put(this.orderRefusals, id, undefined);
        }
      }
      this.synced = to;
      this.checkpoints.record(to, hash);
      this.undo.push({ block: to, steps });
      if (this.undo.length > CHECKPOINTS_KEPT) this.undo.shift();
    }
  }

  /** Orders worth a transaction now: crossed at `prices` (market id -> price; a market without a valid price is
   *  absent), expired (cleared for the clearing share), or reduce-only with no open position (`hasPosition` false:
   *  cleared before a new position can inherit them). An unexpired order on a market the engine does not list (its
   *  `listedMarkets`, read from the chain each pass: a market listed after the keeper started counts) is never worth
   *  one: its execution fails before it could fill, be refused or be cleared (the order book no longer accepts one; a
   *  review's orders on unlisted markets were sent as orphans at every pass and took every batch). */
  actionable(prices: Map<number, bigint>, nowSec: number, hasPosition: (o: OpenOrder) => boolean, listedMarkets: number): OpenOrder[] {
    const out: OpenOrder[] = [];
    for (const o of this.open.values()) {
      if (o.expiresAt < nowSec) {
        out.push(o);
        continue;
      }
      if (o.marketId >= listedMarkets) continue;
      if (!isOpenKind(o.kind) && !hasPosition(o)) {
        out.push(o);
        continue;
      }
      const p = prices.get(o.marketId);
      if (p !== undefined && triggered(o, p)) out.push(o);
    }
    return out;
  }

  /** The engine's refusals of `o`'s keeper fills plus those of its owner's other orders (open, or gone by the owner's
   *  doing), and one if its owner's orders that were refused out of the book or filled had any: what ranks it
   *  (planOrderBatches). */
  failures(o: OpenOrder): number {
    const account = o.account.toLowerCase();
    return (this.orderRefusals.get(o.id) ?? 0) + (this.accountRefusals.get(account) ?? 0) + Math.min(this.accountPastRefusals.get(account) ?? 0, 1);
  }

  get(id: bigint): OpenOrder | undefined {
    return this.open.get(id);
  }

  forget(id: bigint) {
    this.open.delete(id);
    this.orderRefusals.delete(id);
  }

  /** Reads orders back from the chain (a reorg removed the transaction that filled them): the open ones re-enter. */
  async restore(ids: bigint[]) {
    for (const id of ids) {
      const o = await this.client.readContract({ ...this.c.orderBook, functionName: 'order', args: [id] });
      if (o.account === '0x0000000000000000000000000000000000000000') continue; // filled or cancelled after all
      this.open.set(id, { id, account: o.account, marketId: o.marketId, isLong: o.isLong, kind: o.kind, triggerPriceWad: o.triggerPriceWad, expiresAt: o.expiresAt });
    }
  }
}
