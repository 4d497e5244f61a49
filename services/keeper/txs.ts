import type { Account, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from 'viem';
import type { Logger } from '../lib/runtime';
import { gasWithHeadroom } from '../../lib/gas';
import { isNotFound, type NotFoundName } from '../../lib/notFound';

interface Tracked {
  hash: Hex;
  label: string;
  sentBlock: bigint;
  /** the canonical block it was mined in, once seen */
  minedIn?: { number: bigint; hash: Hex };
  onMined: (receipt: TransactionReceipt) => void;
  /** mined and then reorged out: undo what onMined counted */
  onReorged: () => void;
  /** never mined (dropped, reorged out and not re-queued, or not mined in time): its work may be retried */
  onDropped: () => void;
}

interface Entry extends Tracked {
  /** every send of this nonce, the latest last: the first one and its fee-bumped replacements (only one can be mined) */
  hashes: Hex[];
  /** replacements tried, sent or not */
  attempts: number;
  /** the head at which the node first had no record of it (neither mined nor pending), while that lasts */
  missingAt?: bigint;
}

/** EIP-1559 fees of one transaction. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * The node's fee estimate, never above `capPerGas` (KEEPER_MAX_GWEI). A failed estimate throws (the job is logged and
 * tried again at the next block): a review found the cap sent as both fee and tip whenever the estimate failed once,
 * 200 gwei a gas on a chain at 0.01, for every send of a liquidation cascade. A tip of 0 stays 0.
 */
export async function cappedFees(client: Pick<PublicClient, 'estimateFeesPerGas'>, capPerGas: bigint): Promise<Fees> {
  let fees: Awaited<ReturnType<PublicClient['estimateFeesPerGas']>>;
  try {
    fees = await client.estimateFeesPerGas();
  } catch (e) {
    throw new Error(`fee estimate failed, nothing sent: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (fees.maxFeePerGas === undefined || fees.maxPriorityFeePerGas === undefined) {
    throw new Error('the node gave no EIP-1559 fee estimate, nothing sent');
  }
  const maxFeePerGas = fees.maxFeePerGas < capPerGas ? fees.maxFeePerGas : capPerGas;
  const maxPriorityFeePerGas = fees.maxPriorityFeePerGas < maxFeePerGas ? fees.maxPriorityFeePerGas : maxFeePerGas;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** Sends a simulated `request` (simulateContract's) with its gas estimate plus headroom and fees under `capPerGas` (the
 *  node's own estimate when none). A send that fails after taking a nonce needs nothing more here: viem resets the
 *  account's nonce manager with that nonce, which the keeper's NonceGuard takes back for the next send once the node
 *  shows it free (a send that timed out may have reached the node), services/keeper/nonces.ts. */
export async function sendSimulated(
  client: PublicClient,
  signer: WalletClient<Transport, Chain, Account>,
  request: unknown,
  capPerGas?: bigint,
): Promise<Hex> {
  type Req = Parameters<typeof signer.writeContract>[0];
  const gas = gasWithHeadroom(await client.estimateContractGas(request as Parameters<PublicClient['estimateContractGas']>[0]));
  const fees = capPerGas === undefined ? {} : await cappedFees(client, capPerGas);
  return signer.writeContract({ ...(request as Req), gas, ...fees } as Req);
}

/** Nodes replace a pending transaction only when both fees rise by at least 10% (geth's price bump); 25% clears it. */
export const REPLACEMENT_BUMP_PERCENT = 25n;

/**
 * The fees of a replacement for a pending transaction with fees `old`: each at least REPLACEMENT_BUMP_PERCENT above
 * the old one and at least the node's estimate `now`, never above `capPerGas`. Null when there is nothing a replacement
 * would gain or the node would not take it: no estimate, fees that already meet it (the transaction waits for another
 * reason, and bumping it each time until the cap only overpays: a review), or a cap that leaves less than the 10% a
 * node requires on both fees.
 */
export function bumpedFees(old: Fees, now: Fees | null, capPerGas: bigint): Fees | null {
  if (!now || (old.maxFeePerGas >= now.maxFeePerGas && old.maxPriorityFeePerGas >= now.maxPriorityFeePerGas)) return null;
  return raisedFees(old, now, capPerGas);
}

/**
 * The fees of a self-transfer that replaces whatever blocks the keeper on `nonce` (TxTracker's `fillGap`): the node's
 * estimate the first time, then each try's fees raised by the bump (raisedFees) over the last try's, so a transaction
 * sent at the estimate and bumped since is outbid after a few tries (a node takes a replacement only with both fees 10%
 * higher). Null once the cap leaves no room. Kept for the last `keep` nonces.
 */
export class GapFees {
  private last = new Map<number, Fees>();

  constructor(private readonly keep = 64) {}

  next(nonce: number, estimate: Fees, capPerGas: bigint): Fees | null {
    const before = this.last.get(nonce);
    const fees = before ? raisedFees(before, estimate, capPerGas) : estimate;
    if (!fees) return null;
    this.last.delete(nonce);
    this.last.set(nonce, fees);
    if (this.last.size > this.keep) this.last.delete(this.last.keys().next().value!);
    return fees;
  }
}

/** `old` raised by REPLACEMENT_BUMP_PERCENT, to at least `now`, within `capPerGas`; null when the cap leaves less than
 *  the 10% on both fees a node requires of a replacement. */
function raisedFees(old: Fees, now: Fees, capPerGas: bigint): Fees | null {
  const bump = (x: bigint) => (x === 0n ? 1n : x + (x * REPLACEMENT_BUMP_PERCENT + 99n) / 100n); // a 0 tip rises to 1 wei
  const atLeastTenPercent = (x: bigint, from: bigint) => x * 10n >= from * 11n && x > from;
  const maxFeePerGas = [bump(old.maxFeePerGas), now.maxFeePerGas].reduce((a, b) => (a > b ? a : b));
  const fee = maxFeePerGas < capPerGas ? maxFeePerGas : capPerGas;
  const tipWanted = [bump(old.maxPriorityFeePerGas), now.maxPriorityFeePerGas].reduce((a, b) => (a > b ? a : b));
  const tip = tipWanted < fee ? tipWanted : fee;
  if (!atLeastTenPercent(fee, old.maxFeePerGas) || !atLeastTenPercent(tip, old.maxPriorityFeePerGas)) return null;
  return { maxFeePerGas: fee, maxPriorityFeePerGas: tip };
}

/**
 * Sends the pending transaction `hash` again (same call, gas, access list and nonce) with fees a node accepts as its
 * replacement (bumpedFees), within `capPerGas`; null when the cap leaves no room or it is not an EIP-1559 transaction.
 */
export async function replaceWithHigherFees(
  client: PublicClient,
  signer: WalletClient<Transport, Chain, Account>,
  hash: Hex,
  capPerGas: bigint,
): Promise<Hex | null> {
  const old = await client.getTransaction({ hash });
  if (old.maxFeePerGas === undefined || old.maxPriorityFeePerGas === undefined || !old.to) return null;
  const fees = bumpedFees(
    { maxFeePerGas: old.maxFeePerGas, maxPriorityFeePerGas: old.maxPriorityFeePerGas },
    await cappedFees(client, capPerGas).catch(() => null), // no estimate: not replaced this time
    capPerGas,
  );
  if (!fees) return null;
  return signer.sendTransaction({ to: old.to, data: old.input, value: old.value, gas: old.gas, nonce: old.nonce, accessList: old.accessList, ...fees });
}

/**
 * The keeper's transactions in flight, checked against the canonical chain each block instead of awaited: a send
 * never blocks the loop that finds new work. A transaction is done once its receipt sits in the canonical block of its
 * height for `finalityBlocks`. One still pending after `dropAfterBlocks` is replaced: the same call and nonce sent again
 * with higher fees (`replace`, every `dropAfterBlocks` while the keeper's fee cap leaves room), since on a real chain a
 * transaction underpriced for the base fee holds its nonce and every later send waits behind it. One still pending is
 * never given up: it holds its nonce whatever the keeper does, so releasing its work would only queue the same work
 * again behind it (a review: at the cap in a base-fee spike the keeper gave up, resynced and re-sent behind the nonce it
 * still held); it waits at the cap, logged, until the base fee falls. One that vanishes (a reorg removed it, the node
 * dropped it) is given up, its work released for the next scan, and the account's nonce resynced from the chain
 * (otherwise the local nonce manager keeps handing out nonces above the chain's and every later send waits behind the
 * gap).
 */
export class TxTracker {
  private txs = new Map<Hex, Entry>();
  resyncs = 0;
  /** fee-bumped replacements sent */
  replacements = 0;

  constructor(
    private client: PublicClient,
    private resyncNonce: () => void,
    private log: Logger,
    private opts: {
      dropAfterBlocks: bigint;
      finalityBlocks: bigint;
      /** sends a transaction (a 0-value self-transfer) on `nonce`, a gap or a transaction the tracker does not know below
       *  its pending ones; its hash or null */
      fillGap?: (nonce: number) => Promise<Hex | null>;
      /** sends the pending transaction `hash` again with higher fees; its new hash, or null when it cannot */
      replace?: (hash: Hex) => Promise<Hex | null>;
    } = { dropAfterBlocks: 5n, finalityBlocks: 6n },
  ) {}

  /** Nonces pending when this run started ([from, to)): an earlier run's transactions, which a self-transfer may
   *  replace when they block this run's (never another sender's on a shared account, sent since). */
  private earlierRun: { from: number; to: number } | undefined;

  /** Records the account's nonces pending now, before this run sends anything (the keeper's start). */
  async recordEarlierRun(address: Hex) {
    const [from, to] = await Promise.all([
      this.client.getTransactionCount({ address, blockTag: 'latest' }),
      this.client.getTransactionCount({ address, blockTag: 'pending' }),
    ]);
    this.earlierRun = { from, to };
  }

  get size() {
    return this.txs.size;
  }

  /** Transactions sent and not yet seen in a block. */
  get inFlight() {
    let n = 0;
    for (const t of this.txs.values()) if (!t.minedIn) n++;
    return n;
  }

  track(t: Omit<Tracked, 'minedIn'>) {
    this.txs.set(t.hash, { ...t, hashes: [t.hash], attempts: 0 });
  }

  async poll(head: bigint) {
    const all = [...this.txs.values()];
    if (all.length === 0) return;
    // One round of reads for every transaction at once, each block read once: the poll costs a few round trips a
    // block however many transactions are in flight (a flood of order batches keeps dozens tracked). A replaced
    // transaction is looked up under each of its hashes: whichever send was mined holds the nonce. Only the node's
    // "not found" is an answer: a transaction any of whose reads failed otherwise (a timeout, a 5xx, a rate limit) is
    // left as it was until the next poll (review AV: one timed-out read gave up a pending liquidation batch, released
    // its positions and sent them again on a new nonce).
    const unread = new Set<Entry>();
    const orUnread = (t: Entry, name: NotFoundName) => (e: unknown) => {
      if (!isNotFound(e, name)) unread.add(t);
      return null;
    };
    const receipts = await Promise.all(
      all.map(async (t) => {
        const found = await Promise.all(t.hashes.map((hash) => this.client.getTransactionReceipt({ hash }).catch(orUnread(t, 'TransactionReceiptNotFoundError'))));
        return found.find((r) => r !== null) ?? null;
      }),
    );
    const heights = [...new Set(receipts.filter((r) => r !== null).map((r) => r!.blockNumber))];
    const unreadBlocks = new Set<bigint>();
    const blocks = new Map(
      await Promise.all(
        heights.map(async (n) => {
          const b = await this.client.getBlock({ blockNumber: n }).catch((e: unknown) => {
            if (!isNotFound(e, 'BlockNotFoundError')) unreadBlocks.add(n);
            return null;
          });
          return [n, b] as const;
        }),
      ),
    );
    const unmined: Entry[] = [];
    all.forEach((t, i) => {
      const receipt = receipts[i];
      if (receipt ? unreadBlocks.has(receipt.blockNumber) : unread.has(t)) return; // decided at the next poll
      if (receipt && blocks.get(receipt.blockNumber)?.hash === receipt.blockHash) {
        t.missingAt = undefined;
        if (!t.minedIn || t.minedIn.hash !== receipt.blockHash) {
          if (t.minedIn) t.onReorged(); // re-mined in another block after a reorg: count it once
          t.minedIn = { number: receipt.blockNumber, hash: receipt.blockHash };
          t.onMined(receipt);
        }
        if (head - receipt.blockNumber >= this.opts.finalityBlocks) this.txs.delete(t.hash);
        return;
      }
      if (t.minedIn) {
        this.log.warn('transaction reorged out', { label: t.label, hash: t.hash, minedIn: t.minedIn.number.toString() });
        t.minedIn = undefined;
        t.onReorged();
        t.sentBlock = head; // it may come back from the mempool: give it the usual time
      }
      unmined.push(t);
    });
    // Pending under any of its hashes (newest first): a replacement a load-balanced node has not seen leaves the
    // original pending there, and a transaction still pending is never given up (a review of the first version).
    const pending = await Promise.all(
      unmined.map(async (t) => {
        for (const hash of [...t.hashes].reverse()) {
          const tx = await this.client.getTransaction({ hash }).catch(orUnread(t, 'TransactionNotFoundError'));
          if (tx) return tx;
        }
        return null;
      }),
    );
    const ourNonces = new Set(pending.filter((tx) => tx !== null).map((tx) => tx!.nonce));
    // only when every unmined transaction of ours was read as pending: one the node did not show (a lagging node, a
    // failed read) could be the one on the nonce that looks free, and a self-transfer would cancel it
    const allSeen = unread.size === 0 && unreadBlocks.size === 0 && pending.every((tx) => tx !== null);
    const tried = new Set<number>(); // blocking nonces sent a self-transfer this poll
    let lost = 0;
    await Promise.all(
      unmined.map(async (t, i) => {
        if (unread.has(t)) return; // its mempool read failed: decided at the next poll
        // Gone from the node only when it is still gone at a later head: a hosted RPC spreads reads over nodes, and
        // one that has not yet seen a transaction just sent (or an anvil mid-mine) answers "not found" for it once
        // (the keeper gave up a fee claim that was then mined, and resynced its nonce for nothing).
        // (a later head, not merely another one: a load-balanced RPC can answer a lagging node's lower head)
        if (!pending[i] && (t.missingAt === undefined || head <= t.missingAt)) {
          t.missingAt ??= head;
          return;
        }
        if (pending[i]) t.missingAt = undefined;
        if (pending[i] && head - t.sentBlock < this.opts.dropAfterBlocks) return;
        if (pending[i]) {
          // Waiting behind a nonce none of the keeper's tracked transactions holds: a gap (a send that failed after
          // taking it, with no later send to take it back: the node's pending count stops below this one), or a
          // transaction this run never sent, pending when it started (an earlier run's, which it never bumps: the
          // oldest unmined nonce). Only a transaction on that nonce lets this one in: a 0-value self-transfer
          // (`fillGap`, its fees raised on each try for that nonce). Once per nonce per poll; if it cannot be sent,
          // this transaction's own bump is tried instead.
          const tx = pending[i]!;
          if (this.opts.fillGap && tx.from && allSeen) {
            const [next, mined] = await Promise.all([
              this.client.getTransactionCount({ address: tx.from, blockTag: 'pending' }),
              this.client.getTransactionCount({ address: tx.from, blockTag: 'latest' }),
            ]);
            const earlier = this.earlierRun !== undefined && mined >= this.earlierRun.from && mined < this.earlierRun.to;
            const blocker = tx.nonce > next ? next : tx.nonce > mined && earlier ? mined : undefined;
            if (blocker !== undefined && !ourNonces.has(blocker) && !tried.has(blocker)) {
              tried.add(blocker);
              const hash = await this.opts.fillGap(blocker).catch((e: unknown) => (this.log.warn('blocking nonce not replaced', { nonce: blocker, error: e instanceof Error ? e.message.split('\n')[0] : String(e) }), null));
              if (hash) {
                this.log.warn('blocking nonce replaced with a self-transfer', { nonce: blocker, hash, behind: t.label, gap: blocker === next });
                t.sentBlock = head;
                return;
              }
            }
          }
          return this.replace(t, head); // it holds its nonce: bumped while underpriced, or left waiting
        }
        this.log.warn('transaction given up', { label: t.label, hash: latest(t), reason: 'not on chain or in the mempool' });
        this.txs.delete(t.hash);
        t.onDropped();
        lost++;
      }),
    );
    if (lost > 0) this.resync(`${lost} transaction(s) lost`);
  }

  /** Sends a pending transaction again with higher fees, or leaves it waiting (logged) when the cap leaves no room;
   *  it is looked at again `dropAfterBlocks` later either way. */
  private async replace(t: Entry, head: bigint): Promise<void> {
    const old = latest(t);
    t.sentBlock = head;
    // no fixed number of tries: a replacement is sent only while the node's estimate is above the fees offered, and
    // never above the cap (bumpedFees)
    if (!this.opts.replace) {
      this.log.warn('transaction pending, not replaced: it keeps its nonce and waits', { label: t.label, hash: old });
      return;
    }
    t.attempts++;
    try {
      const hash = await this.opts.replace(old);
      if (!hash) {
        this.log.warn('transaction pending, not replaced (its fees meet the node estimate, or the fee cap leaves no room): it keeps its nonce and waits', { label: t.label, hash: old });
        return;
      }
      t.hashes.push(hash);
      this.replacements++;
      this.log.info('transaction replaced with higher fees', { label: t.label, replaced: old, hash, attempt: t.attempts });
    } catch (e) {
      // e.g. "nonce too low": the old one was mined meanwhile, and the next poll finds its receipt; it waits once more
      this.log.warn('replacement not sent', { label: t.label, hash: old, attempt: t.attempts, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }

  private resync(reason: string) {
    this.resyncs++;
    this.resyncNonce();
    this.log.info('nonce resynced from the chain', { reason });
  }
}

/** The hash of a tracked transaction's latest send. */
function latest(t: Entry): Hex {
  return t.hashes[t.hashes.length - 1];
}

/**
 * A job that keeps at most one transaction in flight (the order fee claim, the withdrawal queue): `run` does nothing
 * while the last one is unsettled or another run is still deciding. The flag is taken before the first await, so two
 * runs started together (several mined batches each asking for a claim) send once.
 */
export class SerialJob {
  private busy = false;

  constructor(
    private txs: TxTracker,
    private label: string,
  ) {}

  get inFlight() {
    return this.busy;
  }

  /**
   * Runs `send` (the hash it sent, or null when there was nothing to do) unless a run or its transaction is in flight,
   * and tracks what it sent until it is mined or given up. `mined` sees the receipt; `reorged` undoes what it counted.
   * An error from `send` propagates, and the job is free again.
   */
  async run(
    sentBlock: bigint,
    send: () => Promise<Hex | null>,
    on: { mined?: (receipt: TransactionReceipt) => void; reorged?: () => void } = {},
  ): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    let hash: Hex | null = null;
    try {
      hash = await send();
    } finally {
      if (!hash) this.busy = false;
    }
    if (!hash) return;
    this.txs.track({
      hash,
      label: this.label,
      sentBlock,
      onMined: (receipt) => {
        this.busy = false;
        on.mined?.(receipt);
      },
      onReorged: () => {
        this.busy = true; // still tracked: it may be mined again, or given up
        on.reorged?.();
      },
      onDropped: () => (this.busy = false),
    });
  }
}
