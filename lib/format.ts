import { formatUnits } from 'viem';
import { liquidatableAtAnyPrice } from './math/position';

export const USD_DECIMALS = 6;

/** 6-decimal settlement units -> "$1,234.56" (an amount that rounds to zero shows as $0.00, never -$0.00). */
export function fmtUsd(v: bigint | undefined, digits = 2): string {
  if (v === undefined) return '—';
  const n = Number(formatUnits(v, USD_DECIMALS));
  const shown = Math.abs(n) < 0.5 * 10 ** -digits ? 0 : n;
  return shown.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A signed amount with its sign spelled out: "+$4.50" (to the LP, the trader...), "−$1.20", "$0.00". */
export function fmtSignedUsd(v: bigint | undefined, digits = 2): string {
  if (v === undefined) return '—';
  const abs = fmtUsd(v < 0n ? -v : v, digits);
  if (abs === fmtUsd(0n, digits)) return abs;
  return `${v < 0n ? '−' : '+'}${abs}`;
}

/** WAD price -> "3,012.45". */
/** A position's liquidation price (Reader.positionView, PositionMath.liquidationPriceWad): "any price" when no price
 *  saves it (a long's maxUint256, a short's 0: fees owed past what its capped profit can back). */
export function fmtLiquidationPrice(isLong: boolean, v: bigint | undefined, digits = 2): string {
  if (v === undefined) return '—';
  return liquidatableAtAnyPrice(isLong, v) ? 'any price' : fmtPrice(v, digits);
}

export function fmtPrice(v: bigint | undefined, digits = 2): string {
  if (v === undefined) return '—';
  return Number(formatUnits(v, 18)).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** WAD fraction -> "12.34%". */
export function fmtPct(v: bigint | undefined, digits = 2): string {
  if (v === undefined) return '—';
  return `${(Number(formatUnits(v, 18)) * 100).toFixed(digits)}%`;
}

/**
 * WAD fraction -> percent that stays readable when small: two decimals from 1% up, otherwise enough decimals for
 * `sig` significant digits ("0.0083%", "-0.12%"), so a live but small rate never shows as 0.00%.
 */
export function fmtPctFine(v: bigint | undefined, sig = 2): string {
  if (v === undefined) return '—';
  const pct = Number(formatUnits(v, 18)) * 100;
  if (pct === 0) return '0.00%';
  const abs = Math.abs(pct);
  const digits = abs >= 1 ? 2 : Math.min(8, Math.max(2, sig - 1 - Math.floor(Math.log10(abs))));
  return `${pct.toFixed(digits)}%`;
}

/** WAD delta (tokens per token) -> "0.52" / "-0.48" ("0.00" for anything that rounds to zero). */
export function fmtDelta(v: bigint | undefined): string {
  if (v === undefined) return '—';
  const n = Number(formatUnits(v, 18));
  return (Math.abs(n) < 0.005 ? 0 : n).toFixed(2);
}

/** WAD multiple -> "25.0x". */
export function fmtLev(v: bigint | undefined, digits = 1): string {
  if (v === undefined) return '—';
  return `${Number(formatUnits(v, 18)).toFixed(digits)}x`;
}

/** Two leverages with enough decimals to tell them apart (review BK: "33.5x is above the current maximum 33.5x"). */
export function fmtLevApart(a: bigint, b: bigint): [string, string] {
  for (let digits = 1; digits < 4; digits++) {
    if (fmtLev(a, digits) !== fmtLev(b, digits)) return [fmtLev(a, digits), fmtLev(b, digits)];
  }
  return [fmtLev(a, 4), fmtLev(b, 4)];
}

/** LP shares: 12 decimals (the 6-decimal asset plus the vault's 6-decimal virtual offset). */
export function fmtShares(v: bigint | undefined, digits = 4): string {
  if (v === undefined) return '—';
  return (Number(v) / 1e12).toLocaleString('en-US', { maximumFractionDigits: digits });
}

export const SECONDS_PER_YEAR = 31_536_000n;

/** Per-second WAD rate -> annualized WAD. */
export const annualize = (ratePerSecWad: bigint) => ratePerSecWad * SECONDS_PER_YEAR;

export function bytes32ToString(hex: string): string {
  const bytes = hex.replace(/^0x/, '').match(/.{2}/g) ?? [];
  return bytes
    .map((b) => parseInt(b, 16))
    .filter((c) => c !== 0)
    .map((c) => String.fromCharCode(c))
    .join('');
}

/** Market ids from the Reader's stale-market bitmask (PoolView.staleMarkets: bit m = market m). */
export function staleMarketIds(mask: bigint): number[] {
  const ids: number[] = [];
  for (let m = 0; mask >> BigInt(m) !== 0n; m++) if ((mask >> BigInt(m)) & 1n) ids.push(m);
  return ids;
}

/** A signed charge in words, so its sign says who pays: positive → "you pay $1.23", negative → "you receive $0.40". */
export function fmtWhoPays(usd: bigint | undefined, digits = 2): string {
  if (usd === undefined) return '—';
  if (usd === 0n) return fmtUsd(0n, digits);
  return usd > 0n ? `you pay ${fmtUsd(usd, digits)}` : `you receive ${fmtUsd(-usd, digits)}`;
}
