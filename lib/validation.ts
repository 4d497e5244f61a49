import { parseUnits } from 'viem';

export interface AmountCheck {
  value?: bigint;
  error?: string;
}

/** Largest amount any form accepts (1e12 USD): anything above is a typo, not a trade. */
export const ABSURD_USD = 10n ** 12n * 10n ** 6n;

/**
 * Validates a typed amount: empty, non-numeric, negative, zero, too many decimals, absurdly large, above a maximum.
 * Returns the parsed value only when every check passes.
 */
export function checkAmount(
  text: string,
  { decimals = 6, max, maxLabel = 'your balance', allowZero = false }: { decimals?: number; max?: bigint; maxLabel?: string; allowZero?: boolean } = {},
): AmountCheck {
  const s = text.trim();
  if (s === '') return { error: 'Enter an amount' };
  if (s.startsWith('-')) return { error: 'Amount cannot be negative' };
  if (!/^\d*\.?\d*$/.test(s) || s === '.') return { error: 'Enter a number, like 100 or 25.5' };
  const [, frac = ''] = s.split('.');
  if (frac.length > decimals) return { error: `At most ${decimals} decimal places` };
  const value = parseUnits(s, decimals);
  if (value === 0n && !allowZero) return { error: 'Amount must be greater than zero' };
  if (value > ABSURD_USD * 10n ** BigInt(Math.max(0, decimals - 6))) return { error: 'Amount is unrealistically large' };
  if (max !== undefined && value > max) return { error: `Amount is above ${maxLabel}` };
  return { value };
}

/** What the stress test accepts: one definition for the form's messages and the API's schema (lib/api/schemas). */
export const STRESS_LIMITS = {
  /** price move per market, bps: −99% (a price of zero is no price) to +1,000% */
  priceBps: { min: -9900, max: 100_000 },
  volMultiplier: { min: 0, max: 100 },
  cashOutflowBps: { min: 0, max: 10_000 },
  hours: { min: 0, max: 168 },
} as const;

export type StressField = 'move' | 'vol' | 'cashOut' | 'hours';

/** Checks one stress-form field as typed; `value` is what the API takes (bps for percentages). Plain-words errors. */
export function checkStressField(field: StressField, text: string): { value?: number; error?: string } {
  const s = text.trim();
  if (s === '') return { error: 'Enter a number' };
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return { error: field === 'move' ? 'Enter a number, like -20 or 15.5' : 'Enter a number, like 2 or 0.5' };
  const x = Number(s);
  const decimals = s.split('.')[1]?.length ?? 0;
  const L = STRESS_LIMITS;
  switch (field) {
    case 'move': {
      if (decimals > 2) return { error: 'At most 2 decimal places (the shock is in basis points)' };
      const bps = Math.round(x * 100);
      if (bps < L.priceBps.min) {
        return { error: 'A price can fall at most 99%: at −100% it would be zero, which no oracle reports, and every long would be worth nothing' };
      }
      if (bps > L.priceBps.max) return { error: 'At most +1,000% (a price 11 times today’s)' };
      return { value: bps };
    }
    case 'vol':
      if (x < L.volMultiplier.min) return { error: 'A σ multiplier cannot be negative (1 keeps today’s σ)' };
      if (x > L.volMultiplier.max) return { error: `At most ${L.volMultiplier.max}× today’s σ` };
      return { value: x };
    case 'cashOut': {
      if (decimals > 2) return { error: 'At most 2 decimal places' };
      const bps = Math.round(x * 100);
      if (bps < L.cashOutflowBps.min || bps > L.cashOutflowBps.max) return { error: 'Between 0% and 100% of pool cash' };
      return { value: bps };
    }
    case 'hours':
      if (x < L.hours.min || x > L.hours.max) return { error: 'Between 0 and 168 hours (a week)' };
      return { value: x };
  }
}

/** Smallest leverage the trade form takes: below it a position is almost all collateral. */
export const MIN_LEVERAGE = 1.1;

/**
 * Checks the trade form's leverage as typed against the market's maximum now (1 / initial margin). Returns the number
 * only when it is a plain decimal between MIN_LEVERAGE and the maximum.
 */
export function checkLeverage(text: string, maxLeverage: number, engineMax?: number): { value?: number; error?: string } {
  const s = text.trim();
  if (s === '') return { error: 'Enter a leverage' };
  const x = Number(s);
  if (!/^\d*\.?\d*$/.test(s) || s === '.' || !Number.isFinite(x)) return { error: 'Leverage must be a number' };
  if (x < MIN_LEVERAGE) return { error: `Leverage starts at ${MIN_LEVERAGE}x` };
  if (x > maxLeverage) {
    // the typed text as typed, the maximum rounded down: never "31.9x is above 31.9x"
    const after = engineMax !== undefined && engineMax > maxLeverage ? `: ${floorTenth(engineMax)}x counted on the collateral after the fee and the price impact` : '';
    return { error: `Leverage ${s}x is above the current maximum ${floorTenth(maxLeverage)}x${after}` };
  }
  return { value: x };
}

/**
 * The most a trader can type when the engine's maximum counts the collateral left after the open fee: size /
 * (collateral − fee·size) ≤ max gives size / collateral ≤ max / (1 + fee·max), 16.7x at 1% and 20x. The estimate
 * before a collateral is typed; with one, the form searches the preview itself (maxOpenLeverageTenths), impact and
 * utilization included.
 */
export function maxTypedLeverage(maxLeverage: number, openFeeBps: number): number {
  return maxLeverage / (1 + (openFeeBps / 10_000) * maxLeverage);
}

/** `x` rounded down to one decimal, as text (a maximum shown is never above the one enforced). */
export function floorTenth(x: number): string {
  return (Math.floor(x * 10 + 1e-9) / 10).toFixed(1);
}

/** A form's field cleared once what it sent landed, unless the trader has typed something else meanwhile: a
 *  transaction resolves after the success toast and the refresh of every query, seconds later under load, and
 *  clearing then wiped what was typed after the toast (a browser test typed its next amount and saw it vanish). */
export const clearIfUnchanged =
  (sent: string) =>
  (current: string): string =>
    current === sent ? '' : current;
