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
  const bps = Math.round(Number(s) * 100);
  if (Number(s) * 100 !== bps) return { error: 'At most two decimals (0.01% steps)' };
  if (bps < 1) return { error: 'At least 0.01%' };
  if (bps > 500) return { error: 'At most 5%: beyond that a price move could fill far from the preview' };
  return { bps: BigInt(bps) };
}

/** A slippage tolerance (bps) kept across visits: `trade` is shared by every trade (opens, closes, partial closes,
 *  options), `pool` by deposits and withdrawals. */
export function useSlippage(kind: SlippageKind = 'trade'): [bigint, (bps: bigint) => void] {
  const [bps, setBps] = useState(DEFAULT_SLIPPAGE_BPS[kind]);
  useEffect(() => {
    const read = () => {
      const v = Number(window.localStorage.getItem(KEY[kind]));
      setBps(Number.isInteger(v) && v >= 1 && v <= 500 ? BigInt(v) : DEFAULT_SLIPPAGE_BPS[kind]);
    };
    read();
    window.addEventListener(EVENT, read);
    return () => window.removeEventListener(EVENT, read);
  }, [kind]);
  const set = (v: bigint) => {
    window.localStorage.setItem(KEY[kind], v.toString());
    window.dispatchEvent(new Event(EVENT));
  };
  return [bps, set];
}
