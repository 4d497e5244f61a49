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
