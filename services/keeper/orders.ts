import { getAbiItem, type PublicClient } from 'viem';
import { orderBookAbi, type CounterpoolContracts } from '../../lib/contracts';
import { isOpenKind, triggered } from '../../lib/orders';
import type { Logger } from '../lib/runtime';

const created = getAbiItem({ abi: orderBookAbi, name: 'OrderCreated' });
const updated = getAbiItem({ abi: orderBookAbi, name: 'OrderUpdated' });
const cancelled = getAbiItem({ abi: orderBookAbi, name: 'OrderCancelled' });
const executed = getAbiItem({ abi: orderBookAbi, name: 'OrderExecuted' });

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
 * The batches to send for `work` (actionable orders): one market per batch (P-65: a pull-oracle market without a fresh
 * update holds back only its own orders), every market's take-profits and stop-losses before any opens (a flood of opens
 * that cannot fill never delays a trader's exit), oldest first, at most `maxBatches` of `batchSize` orders.
 */
export function planOrderBatches(work: OpenOrder[], batchSize: number, maxBatches: number): { marketId: number; ids: bigint[] }[] {
  const sorted = [...work].sort((a, b) => Number(isOpenKind(a.kind)) - Number(isOpenKind(b.kind)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groups = new Map<string, OpenOrder[]>();
  for (const o of sorted) {
    const key = `${isOpenKind(o.kind) ? 1 : 0}:${o.marketId}`;
    const list = groups.get(key);
    if (list) list.push(o);
    else groups.set(key, [o]);
  }
  const out: { marketId: number; ids: bigint[] }[] = [];
  for (const list of groups.values()) {
    for (let i = 0; i < list.length && out.length < maxBatches; i += batchSize) {
      out.push({ marketId: list[0].marketId, ids: list.slice(i, i + batchSize).map((o) => o.id) });
    }
  }
  return out;
}

/**
 * The open trigger orders, built from the order book's events (from the deploy block on every start, then
 * incrementally): created and updated orders enter, cancelled and executed ones leave. `due` lists the orders whose
 * trigger the given prices cross (OrderBook._triggered, mirrored in lib/orders.ts); the contract re-checks on chain.
 */
export class OrderWatcher {
  private open = new Map<bigint, OpenOrder>();
  private synced: bigint;

  constructor(
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: Logger,
    private chunk = 5_000n,
  ) {
    this.synced = c.startBlock - 1n;
  }

  size() {
    return this.open.size;
  }

  async sync(head: bigint) {
    while (this.synced < head) {
      const from = this.synced + 1n;
      const to = from + this.chunk - 1n < head ? from + this.chunk - 1n : head;
      const logs = await this.client.getLogs({ address: this.c.orderBook.address, events: [created, updated, cancelled, executed], fromBlock: from, toBlock: to });
      for (const l of logs) {
        const id = l.args.orderId!;
        if (l.eventName === 'OrderCreated' || l.eventName === 'OrderUpdated') {
          const o = l.args.order!;
          this.open.set(id, { id, account: o.account, marketId: o.marketId, isLong: o.isLong, kind: o.kind, triggerPriceWad: o.triggerPriceWad, expiresAt: o.expiresAt });
        } else {
          this.open.delete(id);
        }
      }
      this.synced = to;
    }
  }

  /** Orders worth a transaction now: crossed at `prices` (market id -> price; a market without a valid price is
   *  absent), expired (cleared for the clearing share), or reduce-only with no open position (`hasPosition` false:
   *  cleared before a new position can inherit them). */
  actionable(prices: Map<number, bigint>, nowSec: number, hasPosition: (o: OpenOrder) => boolean): OpenOrder[] {
    const out: OpenOrder[] = [];
    for (const o of this.open.values()) {
      if (o.expiresAt < nowSec || (!isOpenKind(o.kind) && !hasPosition(o))) {
        out.push(o);
        continue;
      }
      const p = prices.get(o.marketId);
      if (p !== undefined && triggered(o, p)) out.push(o);
    }
    return out;
  }

  forget(id: bigint) {
    this.open.delete(id);
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
