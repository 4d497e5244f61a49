/**
 * Whether an RPC read failed because the node does not have the thing asked for. Only viem's "not found" errors mean
 * that (`BlockNotFoundError`, `TransactionNotFoundError`, `TransactionReceiptNotFoundError`); a timeout, an HTTP 5xx or
 * a rate limit says nothing about the chain, and a service that read one as "not found" would take a reorg or a
 * dropped transaction for it (review AV: the indexer rewound its whole index on a 503, the keeper gave up and re-sent
 * transactions still pending). Checked by name, so a second copy of viem in the tree is still recognised.
 */
export type NotFoundName = 'BlockNotFoundError' | 'TransactionNotFoundError' | 'TransactionReceiptNotFoundError';

export function isNotFound(e: unknown, name: NotFoundName): boolean {
  return (e as { name?: unknown } | undefined)?.name === name;
}

/** A `.catch` handler: null for the node's "not found" (`name`), any other error thrown on to the caller's retry. */
export function nullIfNotFound(name: NotFoundName) {
  return (e: unknown): null => {
    if (isNotFound(e, name)) return null;
    throw e;
  };
}
