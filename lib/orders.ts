/** Trigger-order rules shared by the keeper and the trade page (mirrors OrderBook._triggered and _bound). */
export const ORDER_KINDS = ['LimitOpen', 'StopOpen', 'TakeProfit', 'StopLoss'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
/** How the app names each kind (by IOrderBook.Kind). */
export const ORDER_KIND_LABELS = ['Limit open', 'Stop open', 'Take profit', 'Stop loss'] as const;
/** Share of an order's escrowed fee (bps) a keeper is paid for each fill the engine refuses (OrderBook.FAILED_FILL_SHARE_BPS). */
export const FAILED_FILL_SHARE_BPS = 500;
/** Refused fills after which an order leaves the book, the rest of its fee refunded (OrderBook.MAX_FAILED_FILLS). */
export const MAX_FAILED_FILLS = 16;
/** `slippageBps` meaning "fill at any price" (OrderBook.NO_BOUND). */
export const NO_BOUND = 0xffff;
/** A reduce-only order's size meaning "the whole position, whatever it is when the order fires" (the book shrinks
 *  every reduce-only order to the position). */
export const WHOLE_POSITION = (1n << 64n) - 1n;

export interface OrderTerms {
  kind: number; // index in ORDER_KINDS
  isLong: boolean;
  triggerPriceWad: bigint;
}

export const isOpenKind = (kind: number) => kind === 0 || kind === 1;

/** How long the app's orders live: an entry (limit or stop open) a week; a take-profit or stop-loss 30 days, however
 *  it was placed (with the open or on the position: review BK found the two lasted 7 and 30 days). */
export const ENTRY_ORDER_LIFETIME_SEC = 7 * 86_400;
export const EXIT_ORDER_LIFETIME_SEC = 30 * 86_400;

/** Whether a stop-loss at `stopWad` lies past the position's liquidation price, where the keeper liquidates first (the
 *  shown liquidation price is the last one the engine holds, P-30: a stop there still fires first). */
export function stopPastLiquidation(isLong: boolean, stopWad: bigint, liquidationPriceWad: bigint): boolean {
  return isLong ? stopWad < liquidationPriceWad : stopWad > liquidationPriceWad;
}

/** Whether the order's trigger is crossed at `priceWad`: a long's limit open and stop-loss (a short's stop open and
 *  take-profit) at or below the trigger, the others at or above. */
export function triggered(o: OrderTerms, priceWad: bigint): boolean {
  return triggersAtOrBelow(o) ? priceWad <= o.triggerPriceWad : priceWad >= o.triggerPriceWad;
}

/** Whether the order fires at or below its trigger (else at or above). */
const triggersAtOrBelow = (o: Pick<OrderTerms, 'kind' | 'isLong'>) => (o.kind === 0 || o.kind === 3) === o.isLong;

/** The comparison an order's trigger fires on: "≤" or "≥" the trigger price. */
export function describeTrigger(o: OrderTerms): string {
  return triggersAtOrBelow(o) ? '≤' : '≥';
}

export type OrderType = 'market' | 'limit' | 'stop';

/** A typed price: a positive decimal with at most 18 decimals, in WAD; undefined when empty. */
export function parsePriceWad(text: string): { value?: bigint; error?: string } {
  const s = text.trim();
  if (s === '') return {};
  if (!/^\d*\.?\d+$/.test(s)) return { error: 'Enter a price, like 2950.5' };
  const [int, frac = ''] = s.split('.');
  if (frac.length > 18) return { error: 'At most 18 decimals' };
  const value = BigInt(int || '0') * 10n ** 18n + BigInt((frac + '0'.repeat(18)).slice(0, 18));
  if (value === 0n) return { error: 'The price must be above zero' };
  return { value };
}

/** Checks the order form's trigger fields against the current price: a limit or stop needs its trigger; a
 *  take-profit must lie on the position's profitable side of the price and a stop-loss on its losing side. */
export function checkOrderFields(
  type: OrderType,
  isLong: boolean,
  priceWad: bigint | undefined,
  fields: { trigger: string; takeProfit: string; stopLoss: string },
): { trigger?: bigint; takeProfit?: bigint; stopLoss?: bigint; errors: { trigger?: string; takeProfit?: string; stopLoss?: string } } {
  const trigger = parsePriceWad(fields.trigger);
  // take-profit and stop-loss go with a market open only (a limit or stop has no position yet to guard)
  const tp = type === 'market' ? parsePriceWad(fields.takeProfit) : {};
  const sl = type === 'market' ? parsePriceWad(fields.stopLoss) : {};
  const errors: { trigger?: string; takeProfit?: string; stopLoss?: string } = {};
  if (type !== 'market') errors.trigger = trigger.error ?? (trigger.value === undefined ? `Enter the ${type} price` : undefined);
  if (tp.error) errors.takeProfit = tp.error;
  else if (tp.value !== undefined && priceWad !== undefined && (isLong ? tp.value <= priceWad : tp.value >= priceWad)) {
    errors.takeProfit = `A ${isLong ? 'long' : 'short'}'s take-profit must be ${isLong ? 'above' : 'below'} the price`;
  }
  if (sl.error) errors.stopLoss = sl.error;
  else if (sl.value !== undefined && priceWad !== undefined && (isLong ? sl.value >= priceWad : sl.value <= priceWad)) {
    errors.stopLoss = `A ${isLong ? 'long' : 'short'}'s stop-loss must be ${isLong ? 'below' : 'above'} the price`;
  }
  return { trigger: trigger.value, takeProfit: tp.value, stopLoss: sl.value, errors };
}
