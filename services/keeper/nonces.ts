/**
 * One account's nonces under concurrent sends. The keeper sends liquidations, order batches and options jobs at once
 * from one account; a nonce resync while another send holds a locally assigned nonce that has not reached the node
 * yet hands that nonce out twice (the node's pending count does not include it), and the second send fails
 * "replacement transaction underpriced".
 *  - A send that failed after taking nonce N (viem resets the account's manager then, naming N) releases N alone: the
 *    next send takes it back if the node's pending count shows it still free (a send that timed out may have reached
 *    the node), and the manager's count runs on, so no nonce another send holds is handed out again and the gap N
 *    left is filled at once.
 *  - A full resync (the keeper's, after a dropped transaction; viem's when no nonce was taken) waits until the sends in
 *    progress end, and sends that start meanwhile wait for it (a barrier), then go on from the node's count.
 * (Review AV: viem's reset bypassed the keeper's guard, which covered only its own resyncs; review AW: waiting for no
 * send at all to be in progress, overlapping sends in a liquidation cascade put the reset off for good, and the gap a
 * failed send left held every later transaction in the mempool.)
 */
import type { NonceManager } from 'viem';
import { getTransactionCount } from 'viem/actions';

type Account = { address: `0x${string}`; chainId: number };

export class NonceGuard {
  private inProgress = 0;
  private pending: Account | undefined;
  private barrier: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private released: number[] = []; // nonces of sends that failed, to be taken back first
  /** The manager to give the account: `reset` goes through the guard, the rest to `inner`. */
  readonly manager: NonceManager;

  constructor(private readonly inner: NonceManager) {
    this.manager = {
      consume: async (p) => {
        while (this.released.length > 0) {
          const n = this.released.shift()!;
          const pendingCount = await getTransactionCount(p.client, { address: p.address, blockTag: 'pending' });
          if (pendingCount <= n) return n; // still free: the node counts no transaction at or past it from below
        }
        return inner.consume(p);
      },
      increment: (p) => inner.increment(p),
      get: (p) => inner.get(p),
      reset: ({ address, chainId, nonce }) => {
        if (nonce === undefined) this.reset({ address, chainId });
        else this.releaseNonce(nonce);
      },
    };
  }

  /** Runs one send: after a reset asked for earlier has happened, and a reset asked for meanwhile happens when the
   *  last send in progress ends. */
  async send<T>(fn: () => Promise<T>): Promise<T> {
    while (this.barrier) await this.barrier;
    this.inProgress++;
    try {
      return await fn();
    } finally {
      if (--this.inProgress === 0 && this.pending) {
        const account = this.pending;
        this.pending = undefined;
        this.inner.reset(account);
        const release = this.release;
        this.barrier = this.release = undefined;
        release?.();
      }
    }
  }

  /** Forgets the account's last nonce so the next send reads the node's pending count: now, or once the sends in
   *  progress end (sends that start meanwhile wait for it). */
  reset(account: Account) {
    this.released = []; // the node's count decides again
    if (this.inProgress === 0) {
      this.inner.reset(account);
      return;
    }
    this.pending = account;
    this.barrier ??= new Promise<void>((resolve) => (this.release = resolve));
  }

  /** A failed send's nonce: the next send takes it back (if the node shows it free). */
  private releaseNonce(nonce: number) {
    if (!this.released.includes(nonce)) {
      this.released.push(nonce);
      this.released.sort((a, b) => a - b);
    }
  }

  /** Sends in progress (for tests and health). */
  get sending(): number {
    return this.inProgress;
  }
}
