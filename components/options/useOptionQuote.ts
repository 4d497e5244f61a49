'use client';

import { bpsDown } from '@/lib/math/fixed';
import { OptionsBookStaleError, quoteOption, TradingClosedError, type OptionQuote } from '@/lib/math/options';
import { checkOptionAmount } from './OptionAmountField';
import type { Selection } from './OptionsChain';
import type { OptionsData } from './useOptionsData';

/**
 * The option form's quote: the typed amount checked, the trade priced by the TS mirror of OptionsBook.quote (equal to
 * the chain's to the wei at the same block), the oracle-lag allowance in it, and the premium bound the trade is sent
 * with: the tolerance is on the underlying's price, as on /trade (the premium at the spot moved that far either way),
 * plus the tolerance on the premium itself for the impact and the clock. A bound of 0.3% on the premium alone was a
 * 0.005% move of the spot for an out-of-the-money option, and most buys failed on the next oracle tick (review BK).
 */
export function useOptionQuote(d: OptionsData, s: Selection, text: string, held: bigint | undefined, slippageBps: bigint) {
  const a = checkOptionAmount(text, s.isBuy ? undefined : (held ?? 0n));
  const cfg = { ...d.cfg, callCapBps: s.callCapBps };
  const priceAt = (ctx: OptionsData['ctx']) => quoteOption(s, s.strikeWad, s.isCall, s.isBuy, a.amountWad!, cfg, ctx);
  let q: OptionQuote | undefined;
  let quoteError: string | undefined;
  if (a.amountWad) {
    try {
      q = priceAt(d.ctx);
    } catch (e) {
      quoteError =
        e instanceof OptionsBookStaleError
          ? `Trades wait for the keeper (${e.message}): usually a block or two`
          : e instanceof TradingClosedError || (e instanceof RangeError && e.message === 'board expired')
            ? 'Trading on this board has closed: its options are held to settlement'
            : `This trade cannot be priced (${e instanceof Error ? e.message : String(e)}): try a smaller amount`;
    }
  }
  // The same trade priced at the spot itself: the difference is the oracle-lag allowance in the premium.
  let lagUsd: bigint | undefined;
  if (q && d.ctx.lagBps > 0n) {
    try {
      const atSpot = priceAt({ ...d.ctx, lagBps: 0n });
      lagUsd = s.isBuy ? q.premiumUsd - atSpot.premiumUsd : atSpot.premiumUsd - q.premiumUsd;
    } catch {
      lagUsd = undefined;
    }
  }
  let limitUsd = 0n;
  if (q) {
    let worst = q.premiumUsd;
    for (const spotWad of [d.ctx.spotWad + bpsDown(d.ctx.spotWad, slippageBps), d.ctx.spotWad - bpsDown(d.ctx.spotWad, slippageBps)]) {
      try {
        const moved = priceAt({ ...d.ctx, spotWad }).premiumUsd;
        worst = s.isBuy ? (moved > worst ? moved : worst) : moved < worst ? moved : worst;
      } catch {
        // past the cache's range the trade waits for the keeper anyway: the premium's own tolerance stands
      }
    }
    const own = bpsDown(q.premiumUsd, slippageBps);
    limitUsd = s.isBuy ? worst + own : worst > own ? worst - own : 0n;
  }
  return { amountWad: a.amountWad, amountError: a.error, q, quoteError, lagUsd, limitUsd };
}
