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

/** Orders a confirmed `executeOrders` filled: the order book's OrderExecuted events in its receipt. */
export function ordersFilledIn(receipt: Pick<TransactionReceipt, 'logs'>, c: CounterpoolContracts): number {
  return parseEventLogs({ abi: c.orderBook.abi, eventName: 'OrderExecuted', logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === c.orderBook.address.toLowerCase(),
  ).length;
}
