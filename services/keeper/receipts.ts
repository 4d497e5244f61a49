import { parseEventLogs, type TransactionReceipt } from 'viem';
import type { CounterpoolContracts } from '../../lib/contracts';

/**
 * Positions a confirmed transaction actually liquidated: this engine's PositionLiquidated events in its receipt. A
 * batch can succeed without liquidating what its simulation expected (another keeper was first), so the keeper counts
 * these, never the simulation; /api/liquidations counts the same events, so the two agree.
 */
export function liquidationsIn(receipt: Pick<TransactionReceipt, 'logs'>, c: CounterpoolContracts): number {
  return parseEventLogs({ abi: c.engine.abi, eventName: 'PositionLiquidated', logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === c.engine.address.toLowerCase(),
  ).length;
}

/** What a confirmed `executeOrders` did to each order: the ids it filled (OrderExecuted) and the ids it removed
 *  unfilled (OrderCancelled: expired or orphaned, refunded). Any other id in the batch was left on the book. */
export function ordersSettledIn(
  receipt: Pick<TransactionReceipt, 'logs'>,
  c: CounterpoolContracts,
): { filled: Set<bigint>; removed: Set<bigint>; refused: Map<bigint, `0x${string}`> } {
  const ours = (l: { address: string }) => l.address.toLowerCase() === c.orderBook.address.toLowerCase();
  const filled = new Set(parseEventLogs({ abi: c.orderBook.abi, eventName: 'OrderExecuted', logs: receipt.logs }).filter(ours).map((l) => l.args.orderId));
  const removed = new Set(parseEventLogs({ abi: c.orderBook.abi, eventName: 'OrderCancelled', logs: receipt.logs }).filter(ours).map((l) => l.args.orderId));
  // triggered orders whose fill the engine refused (charged and counted on chain), with their owners
  const refused = new Map(parseEventLogs({ abi: c.orderBook.abi, eventName: 'OrderFillFailed', logs: receipt.logs }).filter(ours).map((l) => [l.args.orderId, l.args.account] as const));
  return { filled, removed, refused };
}

/** Boards a confirmed `listBoards` actually listed: the options book's BoardListed events in its receipt. Listing is
 *  open to anyone, so another caller can list some of the same boards between the keeper's simulation and its
 *  inclusion; its transaction then succeeds and lists fewer than simulated (review AN). */
export function boardsListedIn(receipt: Pick<TransactionReceipt, 'logs'>, c: CounterpoolContracts): number {
  return parseEventLogs({ abi: c.optionsBook.abi, eventName: 'BoardListed', logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === c.optionsBook.address.toLowerCase(),
  ).length;
}
