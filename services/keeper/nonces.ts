/**
 * One account's nonces under concurrent sends. The keeper sends liquidations, order batches and options jobs at once
 * from one account; a nonce resync while another send holds a locally assigned nonce that has not reached the node
 * yet hands that nonce out twice (the node's pending count does not include it), and the second send fails
 * "replacement transaction underpriced". So every reset, the keeper's own (a dropped transaction) and viem's (its
 * sendTransaction resets the account's manager whenever a send fails), waits until no send is in progress.
 * (Review AV: viem's reset bypassed the keeper's guard, which covered only its own resyncs.)
 */
import type { NonceManager } from 'viem';

type Account = { address: `0x${string}`; chainId: number };

export class NonceGuard {
  private inProgress = 0;
  private pending: Account | undefined;
  /** The manager to give the account: `reset` goes through the guard, the rest to `inner`. */
  readonly manager: NonceManager;

  constructor(private readonly inner: NonceManager) {
    this.manager = {
      consume: (p) => inner.consume(p),
      increment: (p) => inner.increment(p),
      get: (p) => inner.get(p),
      reset: ({ address, chainId }) => this.reset({ address, chainId }),
    };
  }

  /** Runs one send; resets asked for while any send is in progress happen when the last one ends. */
  async send<T>(fn: () => Promise<T>): Promise<T> {
    this.inProgress++;
    try {
      return await fn();
    } finally {
      if (--this.inProgress === 0 && this.pending) {
        const account = this.pending;
        this.pending = undefined;
        this.inner.reset(account);
      }
    }
  }

  /** Forgets the account's last nonce so the next send reads the node's pending count: now, or once no send is in
   *  progress. */
  reset(account: Account) {
    if (this.inProgress > 0) this.pending = account;
    else this.inner.reset(account);
  }

  /** Sends in progress (for tests and health). */
  get sending(): number {
    return this.inProgress;
  }
}
