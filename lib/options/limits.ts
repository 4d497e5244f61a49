/**
 * The caps an option buy must fit, checked before the wallet is asked (the transaction's simulation stays the judge):
 * OptionsLogic._addOi's open interest per strike and reserve per board, the core's settlement (the pool's solvency limit,
 * then the options product's own reserve cap), then OptionsBook._requireWithinOptionsLimit's utilization limit. Each refusal is worded as the contract's revert is (lib/errors describeRevert).
 */
import type { PublicClient } from 'viem';
import type { CounterpoolContracts } from '../contracts';
import { describeRevert } from '../errors';
import { bpsDown } from '../math/fixed';
import { utilizationUp } from '../math/risk';

export interface BuyLimits {
  /** open interest already at this strike and type (IOptionsBook.strikeOi) */
  strikeOiWad: bigint;
  maxStrikeOiWad: bigint;
  /** the board's reserved maximum payout (IOptionsBook.Board.reservedUsd) */
  boardReservedUsd: bigint;
  maxBoardReserveUsd: bigint;
  /** the pool's reserves and cash across products (IClearingCore.poolState) */
  poolReservedUsd: bigint;
  poolCashUsd: bigint;
  kinkWad: bigint;
  maxUtilizationBps: bigint;
  /** the options product's reserve and its cap, bps of pool cash (IClearingCore.productLedger) */
  product: `0x${string}`;
  productReservedUsd: bigint;
  reserveCapBps: bigint;
  /** OptionsBook.LP_EXIT_ROOM_WAD, read from the chain */
  lpExitRoomWad: bigint;
}

/** The first cap a buy of `amountWad` would pass (its reserve `reserveUsd` and premium `premiumUsd` as quoted), in
 *  the contract's words, or undefined. The pool's cash after the buy is estimated as cash + the premium: the
 *  transaction also accrues borrow, so within a hair of a pool-wide limit the simulation decides. */
export function buyLimitError(l: BuyLimits, boardId: bigint, strikeIndex: bigint, amountWad: bigint, reserveUsd: bigint, premiumUsd: bigint): string | undefined {
  const newOiWad = l.strikeOiWad + amountWad;
  if (newOiWad > l.maxStrikeOiWad) return describeRevert('StrikeOiCapExceeded', [boardId, strikeIndex, newOiWad, l.maxStrikeOiWad]);
  const boardReserveUsd = l.boardReservedUsd + reserveUsd;
  if (boardReserveUsd > l.maxBoardReserveUsd) return describeRevert('BoardReserveCapExceeded', [boardId, boardReserveUsd, l.maxBoardReserveUsd]);
  const reservedUsd = l.poolReservedUsd + reserveUsd;
  const cashUsd = l.poolCashUsd + premiumUsd;
  const maxReservableUsd = bpsDown(cashUsd, l.maxUtilizationBps);
  if (reservedUsd > maxReservableUsd) return describeRevert('InsufficientLiquidity', [reservedUsd, maxReservableUsd]);
  const productReservedUsd = l.productReservedUsd + reserveUsd;
  const productCapUsd = bpsDown(cashUsd, l.reserveCapBps);
  if (productReservedUsd > productCapUsd) return describeRevert('ProductReserveCapExceeded', [l.product, productReservedUsd, productCapUsd]);
  const limitWad = l.kinkWad > l.lpExitRoomWad ? l.kinkWad - l.lpExitRoomWad : 0n;
  const utilizationWad = utilizationUp(reservedUsd, cashUsd);
  if (utilizationWad > limitWad) return describeRevert('UtilizationPastOptionsLimit', [utilizationWad, limitWad]);
  return undefined;
}

/** Reads a buy's limits at one block: the strike's open interest, the board's reserve and the market's caps
 *  (OptionsBook), the pool's reserves, cash and kink (ClearingCore). */
export async function readBuyLimits(
  client: Pick<PublicClient, 'readContract'>,
  c: CounterpoolContracts,
  marketId: bigint,
  boardId: bigint,
  strikeIndex: bigint,
  isCall: boolean,
  blockNumber?: bigint,
): Promise<BuyLimits> {
  const at = blockNumber === undefined ? {} : { blockNumber };
  const [[callOiWad, putOiWad], board, cfg, lpExitRoomWad, pool, poolConfig, ledger] = await Promise.all([
    client.readContract({ ...c.optionsBook, functionName: 'strikeOi', args: [boardId, strikeIndex], ...at }),
    client.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId], ...at }),
    client.readContract({ ...c.optionsBook, functionName: 'config', args: [marketId], ...at }),
    client.readContract({ ...c.optionsBook, functionName: 'LP_EXIT_ROOM_WAD', ...at }),
    client.readContract({ ...c.core, functionName: 'poolState', ...at }),
    client.readContract({ ...c.core, functionName: 'poolConfig', ...at }),
    client.readContract({ ...c.core, functionName: 'productLedger', args: [c.optionsBook.address], ...at }),
  ]);
  return {
    strikeOiWad: isCall ? callOiWad : putOiWad,
    maxStrikeOiWad: cfg.maxStrikeOiWad,
    boardReservedUsd: board.reservedUsd,
    maxBoardReserveUsd: cfg.maxBoardReserveUsd,
    poolReservedUsd: pool.reservedUsd,
    poolCashUsd: pool.poolCashUsd,
    kinkWad: poolConfig.kinkWad,
    maxUtilizationBps: BigInt(poolConfig.maxUtilizationBps),
    product: c.optionsBook.address,
    productReservedUsd: ledger.reservedUsd,
    reserveCapBps: BigInt(ledger.reserveCapBps),
    lpExitRoomWad,
  };
}
