/**
 * Fixed-point helpers, bit-for-bit mirrors of contracts/libraries/MathLib.sol (OpenZeppelin Math underneath).
 * All values are bigint; rounding is in the name. Differential-tested against the contracts in test/ts.
 */
export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const LN2_WAD = 693_147_180_559_945_309n;

export function mulDivDown(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('mulDiv by zero');
  return (x * y) / d;
}

export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('mulDiv by zero');
  const p = x * y;
  return p / d + (p % d > 0n ? 1n : 0n);
}

export const wadMulDown = (x: bigint, y: bigint) => mulDivDown(x, y, WAD);
export const wadMulUp = (x: bigint, y: bigint) => mulDivUp(x, y, WAD);
export const wadDivDown = (x: bigint, y: bigint) => mulDivDown(x, WAD, y);
export const wadDivUp = (x: bigint, y: bigint) => mulDivUp(x, WAD, y);
export const bpsUp = (x: bigint, bps: bigint) => mulDivUp(x, bps, BPS);
export const bpsDown = (x: bigint, bps: bigint) => mulDivDown(x, bps, BPS);

/** Signed x*y/d rounded toward +infinity. */
export function mulDivSignedUp(x: bigint, y: bigint, d: bigint): bigint {
  return x >= 0n ? mulDivUp(x, y, d) : -mulDivDown(-x, y, d);
}

/** Signed x*y/d rounded toward -infinity. */
export function mulDivSignedDown(x: bigint, y: bigint, d: bigint): bigint {
  return x >= 0n ? mulDivDown(x, y, d) : -mulDivUp(-x, y, d);
}

export const abs = (x: bigint) => (x < 0n ? -x : x);
export const min = (a: bigint, b: bigint) => (a < b ? a : b);
export const max = (a: bigint, b: bigint) => (a > b ? a : b);
export const clamp = (x: bigint, lo: bigint, hi: bigint) => (x < lo ? lo : x > hi ? hi : x);

/** Floor of log2 (0 for 0), as OpenZeppelin's Math.log2. */
export function log2Floor(x: bigint): bigint {
  return x <= 0n ? 0n : BigInt(x.toString(2).length - 1);
}

/** Floor of the square root. */
export function sqrtDown(x: bigint): bigint {
  if (x < 0n) throw new RangeError('sqrt of negative');
  if (x < 2n) return x;
  let r = 1n << ((log2Floor(x) >> 1n) + 1n);
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/** Natural log of a WAD number (MathLib.lnWad): range reduction to [1/2, 2) then the atanh series, truncating. */
export function lnWad(x: bigint): bigint {
  if (x <= 0n) throw new RangeError('ln of non-positive');
  let k = 0n;
  if (x >= 2n * WAD) {
    const s = log2Floor(x / WAD);
    k = s;
    x >>= s;
  } else if (x < WAD / 2n) {
    const s = log2Floor((WAD - 1n) / x) + 1n;
    k = -s;
    x <<= s;
  }
  const y = ((x - WAD) * WAD) / (x + WAD);
  const y2 = (y * y) / WAD;
  let term = y;
  let sum = y;
  for (let i = 3n; term !== 0n; i += 2n) {
    term = (term * y2) / WAD;
    sum += term / i;
  }
  return 2n * sum + k * LN2_WAD;
}
