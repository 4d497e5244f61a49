/**
 * The keeper's trigger-order job: each block, the orders the current prices cross, the expired ones and the reduce-only
 * ones whose position the book no longer holds go out in batches (`executeOrders`: fills what can fill, clears expired
 * and orphaned orders for the clearing share of their fee, skips the rest untouched), at most `batchesPerBlock` of
 * `batchSize` orders, without waiting for receipts: a flood of orders can neither delay a liquidation scan nor make the
 * keeper spend more than that per block. Batches hold one market and one class each: take-profits and stop-losses
 * first, then clearings (expired, orphaned: never in an exit's batch), then opens (a flood of opens never delays an
 * exit); within a class, orders that never missed before those that keep missing, each account's first order before
 * anyone's second, markets in turn (planOrderBatches). A batch that fails simulation backs its orders off for 10
 * blocks; one that reverts on chain sends its orders in batches of half its size for `splitBlocks`, so an order whose
 * state changed in front of it holds back no one else's for long; an exit batch's gas covers a whole fill per order
 * (orderBatchGas). The fees the order book credits the keeper are claimed once they reach `claimMinUsd`.
 */
import { BaseError, ContractFunctionRevertedError, encodeFunctionData, type AccessList } from 'viem';
import { errorForLog } from '../../lib/errors';
import { isOpenKind } from '../../lib/orders';
import { PositionBook } from './book';
import type { KeeperContext, Signer } from './context';
import { orderBatchGas, OrderWatcher, planOrderBatches, splitCapped, type OpenOrder } from './orders';
import { ordersSettledIn } from './receipts';
import { SerialJob } from './txs';

type Request = Parameters<Signer['writeContract']>[0];

export interface OrderJobConfig {
  batchSize: number;
  batchesPerBlock: number;
  /** how long a reverted batch's orders go out in batches of at most half its size */
  splitBlocks: bigint;
  /** whole USD of credited fees before the keeper claims them */
  claimMinUsd: bigint;
}

/** The keeper's counters this job moves (its /health). */
export interface OrderJobHealth {
  ordersWatched: number;
  ordersExecuted: number;
  failures: number;
}

export interface OrderJobSend {
  /** sends with a given gas limit (and access list) under the keeper's fee cap */
  withGas: (request: Request, gas: bigint, accessList?: AccessList) => Promise<`0x${string}`>;
  /** sends with the estimate plus headroom under the keeper's fee cap */
  capped: (request: unknown) => Promise<`0x${string}`>;
}

export class OrderJob {
  readonly orders: OrderWatcher;
  private readonly backoff = new Map<bigint, bigint>(); // order id -> block before which a failed order is not retried
  private readonly misses = new Map<bigint, number>(); // order id -> mined batches in a row that left it untouched
  private readonly caps = new Map<bigint, { cap: number; until: bigint }>(); // order id -> its batch size until a block (its batch reverted)
  private readonly inFlight = new Set<bigint>();
  private readonly claimJob: SerialJob;
  private tokenUnit: bigint | undefined;

  private readonly client: KeeperContext['client'];
  private readonly signer: Signer;
  private readonly c: KeeperContext['c'];
  private readonly log: KeeperContext['log'];

  constructor(
    private ctx: KeeperContext,
    private book: PositionBook,
    private health: OrderJobHealth,
    private send: OrderJobSend,
    private cfg: OrderJobConfig,
  ) {
    ({ client: this.client, signer: this.signer, c: this.c, log: this.log } = ctx);
    this.orders = new OrderWatcher(ctx.client, ctx.c, ctx.log);
    this.claimJob = new SerialJob(ctx.txs, 'claim');
  }

  /** Syncs the order book's events to `block`, then sends the orders the current prices make actionable. */
  async run(block: bigint) {
    await this.orders.sync(block);
    if (this.orders.size() === 0) return;
    // pull-oracle markets' prices as Hermes has them now (posted with the fills); stale ones are left out, and a market
    // Hermes cannot serve now hides only its own orders
    const updates = await this.ctx.pull.availableUpdates(this.ctx.pull.pullMarkets);
    const [views, head, opensHeld] = await Promise.all([
      this.ctx.pull.read(updates, this.c.reader, 'markets', [], this.signer.account),
      this.client.getBlock({ blockNumber: block }),
      this.newRiskRefused(),
    ]);
    const prices = new Map(views.filter((m) => m.priceValid).map((m) => [Number(m.marketId), m.priceWad]));
    this.execute(block, Number(head.timestamp), prices, views.length, opensHeld);
  }

  /** Plans this block's batches and sends them (tracked, never awaited). */
  private execute(block: bigint, nowSec: number, prices: Map<number, bigint>, listedMarkets: number, opensHeld: boolean) {
    this.health.ordersWatched = this.orders.size();
    if (this.orders.size() === 0) return;
    const open = new Set(this.book.refs().map((r) => PositionBook.key(r)));
    const hasPosition = (o: OpenOrder) => open.has(PositionBook.key({ account: o.account, marketId: BigInt(o.marketId), isLong: o.isLong }));
    const work = this.orders
      .actionable(prices, nowSec, hasPosition, listedMarkets)
      .filter((o) => !this.inFlight.has(o.id) && (this.backoff.get(o.id) ?? 0n) <= block)
      .filter((o) => !opensHeld || !isOpenKind(o.kind) || o.expiresAt < nowSec);
    // ranked by the engine's refusals of the order and of its account's orders (OrderFillFailed, counted from the
    // chain's events by the order watcher, so a restart keeps them; an account's are never forgotten, so cancelling a
    // refused order and placing a fresh one does not clear it, though those of orders refused out of the book or
    // filled count once: OrderWatcher.failures): a flood's orders go behind everyone else's once its first ones were
    // refused; an order that only missed its trigger keeps its place
    const clearing = (o: OpenOrder) => o.expiresAt < nowSec || (!isOpenKind(o.kind) && !hasPosition(o));
    for (const [id, cap] of this.caps) if (cap.until <= block) this.caps.delete(id);
    const planned = planOrderBatches(work, this.cfg.batchSize, this.cfg.batchesPerBlock, (o) => this.orders.failures(o), clearing);
    const byId = new Map(work.map((o) => [o.id, o]));
    for (const b of splitCapped(planned, (id) => this.caps.get(id)?.cap, this.cfg.batchesPerBlock)) {
      b.ids.forEach((id) => this.inFlight.add(id));
      const first = byId.get(b.ids[0])!;
      const exits = !clearing(first) && !isOpenKind(first.kind) ? b.ids.length : 0; // a batch holds one class
      void this.sendBatch(b.ids, [b.marketId], block, exits).finally(() => b.ids.forEach((id) => this.inFlight.delete(id)));
    }
  }

  /** Estimates, sends and hands an order batch to the tracker; resolves once the transaction is settled (mined, or
   *  given up), so its orders stay in flight until then and are never sent twice. Its gas and access list come from one
   *  execution (eth_createAccessList), not a simulation and an estimate's search: a flood of batches stays cheap. Once
   *  mined, the receipt says what happened to each order: filled and removed ones leave the book (the event sync does
   *  the same), and any the batch left untouched (no longer crossed, or a fill the engine refused) pause for 2 blocks,
   *  doubling while they keep missing (up to 256 blocks once the engine refused them, 8 while only no longer crossed). */
  private async sendBatch(ids: bigint[], marketIds: number[], block: bigint, exitOrders: number): Promise<void> {
    const { c, signer, health, log } = this;
    const backOff = (which: bigint[], blocks = 10n) => which.forEach((id) => this.backoff.set(id, block + blocks));
    try {
      // Orders on pull-oracle (Pyth) markets fill at the update posted in the same call, through the router (P-82).
      const updates = await this.ctx.pull.updates(marketIds);
      if (updates === null) throw new Error('no Pyth update for a pull-oracle market of the batch');
      const value = this.ctx.pull.value(updates);
      const request =
        updates.length > 0
          ? { ...c.router, functionName: 'executeOrders' as const, args: [updates, c.orderBook.address, ids] as const, value, account: signer.account }
          : { ...c.orderBook, functionName: 'executeOrders' as const, args: [ids] as const, account: signer.account };
      // One execution gives the gas and the access list (eth_createAccessList), where an estimate searches over several.
      const { gasUsed, accessList } = await this.client.createAccessList({
        account: signer.account,
        to: request.address,
        value: updates.length > 0 ? value : undefined,
        data: encodeFunctionData(request as Parameters<typeof encodeFunctionData>[0]),
      });
      // gasUsed is what the transaction is charged, net of refunds (up to a fifth); it needs that much more to run
      const hash = await this.send.withGas(request as Request, orderBatchGas(gasUsed, exitOrders), accessList);
      log.info('orders sent', { hash, orders: ids.length });
      let filled = 0;
      await new Promise<void>((settled) =>
        this.ctx.txs.track({
          hash,
          label: 'executeOrders',
          sentBlock: block,
          onMined: (receipt) => {
            if (receipt.status !== 'success') {
              health.failures++;
              if (ids.length > 1) {
                // whatever made it revert (an order's state changed in front of it), the other orders do not wait 10
                // blocks for it: from the next block they go out in batches of half the size, halving again if one of
                // those reverts, so the cause is cornered in a few rounds while the rest fill
                const cap = Math.ceil(ids.length / 2);
                ids.forEach((id) => this.caps.set(id, { cap: Math.min(cap, this.caps.get(id)?.cap ?? cap), until: receipt.blockNumber + this.cfg.splitBlocks }));
                backOff(ids, 1n);
              } else backOff(ids);
              log.warn('order batch reverted', { hash, orders: ids.length });
            } else {
              const done = ordersSettledIn(receipt, c); // what the chain did, not what a simulation expected
              filled = done.filled.size;
              health.ordersExecuted += filled;
              if (filled > 0) void this.claimFees(receipt.blockNumber);
              // refusals (OrderFillFailed) are counted by the order watcher from the same events at its next sync
              for (const id of ids) if (done.filled.has(id) || done.removed.has(id)) this.orders.forget(id);
              const untouched = ids.filter((id) => !done.filled.has(id) && !done.removed.has(id));
              for (const id of ids) if (!untouched.includes(id)) this.misses.delete(id);
              // Not fillable at that block: paused 2, 4, 8 ... blocks while it keeps missing, so an order that cannot
              // fill does not cost a batch every block; up to 256 once the engine refused it (margin, approval,
              // slippage), up to 8 while it was only no longer crossed (a newer price posted in front of the batch), so
              // a stop-loss the price keeps testing is never held back long when it breaks through (review BQ: 256).
              for (const id of untouched) {
                const misses = (this.misses.get(id) ?? 0) + 1;
                this.misses.set(id, misses);
                backOff([id], 1n << BigInt(Math.min(misses, done.refused.has(id) ? 8 : 3)));
              }
              log.info('orders settled', { hash, filled, removed: done.removed.size, untouched: untouched.length });
            }
            settled();
          },
          onReorged: () => {
            health.ordersExecuted -= filled;
            filled = 0;
            void this.orders.restore(ids).catch((e) => log.warn('orders not restored after a reorg', { error: errorForLog(e) }));
          },
          onDropped: () => settled(), // not mined: the orders are still open and go out again
        }),
      );
    } catch (e) {
      backOff(ids);
      health.failures++;
      log.warn('order batch not sent', { orders: ids.length, error: errorForLog(e) });
    }
  }

  /** Claims the execution fees the order book credited to the keeper once they reach `claimMinUsd`: one transaction at
   *  a time, on the tracker, off the main loop. */
  private async claimFees(block: bigint) {
    const { c, signer, health } = this;
    await this.claimJob
      .run(
        block,
        async () => {
          this.tokenUnit ??= 10n ** BigInt(await this.client.readContract({ ...c.token, functionName: 'decimals' }));
          const owed = await this.client.readContract({ ...c.orderBook, functionName: 'owedUsd', args: [signer.account.address] });
          if (owed <= 1n || owed < this.cfg.claimMinUsd * this.tokenUnit) return null;
          // one unit stays: the next fill's credit then writes a non-empty slot (2,900 gas, not 20,000)
          const { request } = await this.client.simulateContract({ ...c.orderBook, functionName: 'claim', args: [signer.account.address, owed - 1n], account: signer.account });
          const hash = await this.send.capped(request);
          this.log.info('order fees claimed', { hash, owed: owed.toString() });
          return hash;
        },
        {
          mined: (receipt) => {
            if (receipt.status !== 'success') health.failures++;
          },
        },
      )
      .catch((e) => {
        health.failures++;
        this.log.warn('order fee claim failed', { error: errorForLog(e) });
      });
  }

  /** Whether the core refuses every new risk now: paused, or the L2 sequencer down or in its grace period (its view
   *  reverts while the sequencer is down). Triggered opens then wait: any fill would be refused whatever its terms, and
   *  the order book neither charges nor counts such a refusal, so sending them would only spend the keeper's gas. */
  private async newRiskRefused(): Promise<boolean> {
    const { c } = this;
    try {
      const [paused, inGrace] = await Promise.all([
        this.client.readContract({ ...c.core, functionName: 'paused' }),
        this.client.readContract({ ...c.core, functionName: 'sequencerGraceEndsAt' }).then(
          (endsAt) => endsAt > 0n,
          (e: unknown) => {
            if (e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError)) return true;
            throw e;
          },
        ),
      ]);
      return paused || inGrace;
    } catch (e) {
      // unknown this pass: hold the opens, still send the exits and clearings
      this.log.warn('core state unreadable: opens held this pass', { error: errorForLog(e) });
      return true;
    }
  }
}
