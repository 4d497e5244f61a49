import type { Hex, PublicClient, TransactionReceipt } from 'viem';
import type { Logger } from '../lib/runtime';

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

/**
 * The keeper's transactions in flight, checked against the canonical chain each block instead of awaited: a send
 * never blocks the loop that finds new work. A transaction is done once its receipt sits in the canonical block of its
 * height for `finalityBlocks`; one that vanishes (a reorg removed it, the node dropped it) or is not mined within
 * `dropAfterBlocks` is given up, its work released for the next scan, and the account's nonce resynced from the chain
 * (otherwise the local nonce manager keeps handing out nonces above the chain's and every later send waits behind the
 * gap).
 */
export class TxTracker {
  private txs = new Map<Hex, Tracked>();
  resyncs = 0;

  constructor(
    private client: PublicClient,
    private resyncNonce: () => void,
    private log: Logger,
    private opts = { dropAfterBlocks: 5n, finalityBlocks: 6n },
  ) {}

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
    this.txs.set(t.hash, t);
  }

  /** Any send that failed in a way that may have consumed a nonce (a timeout, "nonce too low/high") resyncs it. */
  sendFailed() {
    this.resync('send failed');
  }

  async poll(head: bigint) {
    const all = [...this.txs.values()];
    if (all.length === 0) return;
    // One round of reads for every transaction at once, each block read once: the poll costs a few round trips a
    // block however many transactions are in flight (a flood of order batches keeps dozens tracked).
    const receipts = await Promise.all(all.map((t) => this.client.getTransactionReceipt({ hash: t.hash }).catch(() => null)));
    const heights = [...new Set(receipts.filter((r) => r !== null).map((r) => r!.blockNumber))];
    const blocks = new Map(
      await Promise.all(heights.map(async (n) => [n, await this.client.getBlock({ blockNumber: n }).catch(() => null)] as const)),
    );
    const unmined: Tracked[] = [];
    all.forEach((t, i) => {
      const receipt = receipts[i];
      if (receipt && blocks.get(receipt.blockNumber)?.hash === receipt.blockHash) {
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
    const pending = await Promise.all(unmined.map((t) => this.client.getTransaction({ hash: t.hash }).catch(() => null)));
    let lost = 0;
    unmined.forEach((t, i) => {
      if (!pending[i] || head - t.sentBlock >= this.opts.dropAfterBlocks) {
        this.log.warn('transaction given up', { label: t.label, hash: t.hash, reason: pending[i] ? 'not mined in time' : 'not on chain or in the mempool' });
        this.txs.delete(t.hash);
        t.onDropped();
        lost++;
      }
    });
    if (lost > 0) this.resync(`${lost} transaction(s) lost`);
  }

  private resync(reason: string) {
    this.resyncs++;
    this.resyncNonce();
    this.log.info('nonce resynced from the chain', { reason });
  }
}
