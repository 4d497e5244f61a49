'use client';

import { useEffect, useState } from 'react';

const KEY = 'counterpool.slippageBps';
export const DEFAULT_SLIPPAGE_BPS = 30n;
const EVENT = 'counterpool:slippage';

/** Checks a typed tolerance in percent: 0.01% to 5%. */
export function checkSlippage(text: string): { bps?: bigint; error?: string } {
  const s = text.trim();
  if (!/^\d*\.?\d+$/.test(s)) return { error: 'Enter a percentage, like 0.3' };
  const bps = Math.round(Number(s) * 100);
  if (Number(s) * 100 !== bps) return { error: 'At most two decimals (0.01% steps)' };
  if (bps < 1) return { error: 'At least 0.01%' };
  if (bps > 500) return { error: 'At most 5%: beyond that a price move could fill far from the preview' };
  return { bps: BigInt(bps) };
}

/** The trader's slippage tolerance (bps), shared by every trade on the page (opens, closes, partial closes) and kept
 *  across visits. */
export function useSlippage(): [bigint, (bps: bigint) => void] {
  const [bps, setBps] = useState(DEFAULT_SLIPPAGE_BPS);
  useEffect(() => {
    const read = () => {
      const v = Number(window.localStorage.getItem(KEY));
      setBps(Number.isInteger(v) && v >= 1 && v <= 500 ? BigInt(v) : DEFAULT_SLIPPAGE_BPS);
    };
    read();
    window.addEventListener(EVENT, read);
    return () => window.removeEventListener(EVENT, read);
  }, []);
  const set = (v: bigint) => {
    window.localStorage.setItem(KEY, v.toString());
    window.dispatchEvent(new Event(EVENT));
  };
  return [bps, set];
}
