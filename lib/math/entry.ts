/**
 * The entry price a trader paid: the average execution price (impact included) of the fills that built the position
 * now open. One definition for the positions table, so that it shows the same price as the preview and the history.
 */
import { mulDivDown } from './fixed';

/** One indexed fill of a position (market and side already chosen), as TradeResult/LiquidationResult report it. */
export interface Fill {
  name: 'PositionIncreased' | 'PositionDecreased' | 'PositionLiquidated';
  sizeDeltaUsd: bigint;
  executionPriceWad: bigint;
  /** the oracle price of the fill: an increase reopens the position's tokens there (PerpEngine._realize) */
  priceWad: bigint;
  /** the position's size after the fill (0: closed) */
  sizeUsd: bigint;
}

/** Size (USD, 6 decimals) per token (18 decimals) at a WAD price: what Reader.entryPriceWad divides by. */
const SCALE = 10n ** 30n;

/**
 * Average execution entry of the open position from its fills, oldest first: size over the tokens each fill bought
 * at its execution price (the engine's sizeUsd / sizeTokens, at execution instead of oracle prices), rounded down.
 * Exactly the fill's execution price after a single fill. Partial closes keep it; a full close or a liquidation
 * starts a new position. Adding size to an open position first realizes its PnL and reopens its tokens at the oracle
 * price (P-107): the entry then starts over from the reopened size (the size after the fill less the size added) at
 * that price, plus the added tokens at the fill's execution price, whatever came before (review BG: the size added
 * alone never matched the engine's size after a move, and the table showed the oracle entry as not yet indexed).
 * Undefined when the fills do not add up to `currentSizeUsd` (history incomplete).
 */
export function executionEntryPriceWad(fills: readonly Fill[], currentSizeUsd: bigint): bigint | undefined {
  let size = 0n;
  let tokens = 0n;
  let fillsSinceOpen = 0;
  let only = 0n;
  for (const f of fills) {
    if (f.name === 'PositionLiquidated' || f.sizeUsd === 0n) {
      size = tokens = 0n;
      fillsSinceOpen = 0;
      continue;
    }
    if (f.sizeDeltaUsd === 0n) continue; // a collateral change
    if (f.name === 'PositionIncreased') {
      const reopenedUsd = f.sizeUsd - f.sizeDeltaUsd;
      if (reopenedUsd > 0n) {
        size = reopenedUsd;
        tokens = mulDivDown(reopenedUsd, SCALE, f.priceWad);
        fillsSinceOpen = 1;
      }
      tokens += mulDivDown(f.sizeDeltaUsd, SCALE, f.executionPriceWad);
      size += f.sizeDeltaUsd;
      only = f.executionPriceWad;
      fillsSinceOpen++;
    } else {
      if (size === 0n) continue; // a close of a position opened before the fills we have: history cut off
      tokens -= mulDivDown(tokens, f.sizeDeltaUsd, size);
      size -= f.sizeDeltaUsd;
    }
  }
  if (size !== currentSizeUsd || size === 0n || tokens === 0n) return undefined;
  return fillsSinceOpen === 1 ? only : mulDivDown(size, SCALE, tokens);
}
