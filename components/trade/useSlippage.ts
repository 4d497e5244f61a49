'use client';

import { useEffect, useState } from 'react';

/** Trades (perpetuals and options) and LP flows keep separate tolerances. An LP's is tighter by default: a deposit's
 *  price moves with the LP band, which option buys sent just before it widen, so a sandwich takes up to the tolerance
 *  of the deposit (P-91); what an honest deposit needs covers only the NAV's drift between the preview and the block. */
export type SlippageKind = 'trade' | 'pool';
export const DEFAULT_SLIPPAGE_BPS: Record<SlippageKind, bigint> = { trade: 30n, pool: 5n };
const KEY: Record<SlippageKind, string> = { trade: 'counterpool.slippageBps', pool: 'counterpool.poolSlippageBps' };
const EVENT = 'counterpool:slippage';

/** Checks a typed tolerance in percent: 0.01% to 5%. */
export function checkSlippage(text: string): { bps?: bigint; error?: string } {
  const s = text.trim();
  if (!/^\d*\.?\d+$/.test(s)) return { error: 'Enter a percentage, like 0.3' };
  // Counted on the digits, not a float: 0.07 * 100 is 7.000000000000001, 1.1 * 100 is 110.00000000000001.
  const [whole, frac = ''] = s.split('.');
  if (frac.length > 2) return { error: 'At most two decimals (0.01% steps)' };
  const bps = Number(whole || '0') * 100 + Number(frac.padEnd(2, '0'));
  if (bps < 1) return { error: 'At least 0.01%' };
  if (bps > 500) return { error: 'At most 5%: beyond that a price move could fill far from the preview' };
  return { bps: BigInt(bps) };
}

/** Why a trade or LP button waits: the tolerance field shows an invalid value. */
export const SLIPPAGE_FIRST = 'Correct the slippage tolerance first';

/** The fields of each kind whose typed tolerance is invalid (by a field's id): the stored value is then the last valid
 *  one, which is not what that field shows, so the forms of that kind send nothing until every field of the kind is
 *  corrected or unmounted. A set, not one flag, so that a second field of a kind cannot clear the first one's state. */
const invalidFields: Record<SlippageKind, Set<string>> = { trade: new Set(), pool: new Set() };

/** Whether every mounted field of `kind` shows a valid tolerance. */
export function slippageTypedValid(kind: SlippageKind): boolean {
  return invalidFields[kind].size === 0;
}

/** Told by a SlippageField (`fieldId`) whether its typed text is valid (every form of the kind hears it). */
export function markSlippageTyped(kind: SlippageKind, fieldId: string, valid: boolean) {
  const set = invalidFields[kind];
  if (set.has(fieldId) === !valid) return;
  if (valid) set.delete(fieldId);
  else set.add(fieldId);
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(EVENT));
}

/** A slippage tolerance (bps) kept across visits: `trade` is shared by every trade (opens, closes, partial closes,
 *  options), `pool` by deposits and withdrawals. The third value is false while the kind's field shows an invalid
 *  tolerance (a form then sends nothing: it would fill at the stored one, not the one on screen). */
export function useSlippage(kind: SlippageKind = 'trade'): [bigint, (bps: bigint) => void, boolean] {
  const [bps, setBps] = useState(DEFAULT_SLIPPAGE_BPS[kind]);
  const [valid, setValid] = useState(true);
  useEffect(() => {
    const read = () => {
      const v = Number(window.localStorage.getItem(KEY[kind]));
      setBps(Number.isInteger(v) && v >= 1 && v <= 500 ? BigInt(v) : DEFAULT_SLIPPAGE_BPS[kind]);
      setValid(slippageTypedValid(kind));
    };
    read();
    window.addEventListener(EVENT, read);
    return () => window.removeEventListener(EVENT, read);
  }, [kind]);
  const set = (v: bigint) => {
    window.localStorage.setItem(KEY[kind], v.toString());
    window.dispatchEvent(new Event(EVENT));
  };
  return [bps, set, valid];
}
