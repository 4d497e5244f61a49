/** The positions table's entry price: the average execution price of the open position's fills. */
import { describe, expect, it } from 'vitest';
import { executionEntryPriceWad, type Fill } from '@/lib/math/entry';

const USD = (n: number) => BigInt(n) * 10n ** 6n;
const PX = (n: number) => BigInt(n) * 10n ** 18n;
const inc = (size: number, px: number, after: number): Fill => ({ name: 'PositionIncreased', sizeDeltaUsd: USD(size), executionPriceWad: PX(px), sizeUsd: USD(after) });
const dec = (size: number, px: number, after: number): Fill => ({ name: 'PositionDecreased', sizeDeltaUsd: USD(size), executionPriceWad: PX(px), sizeUsd: USD(after) });

describe('executionEntryPriceWad', () => {
  it('is the fill price itself after one fill, and after partial closes of it', () => {
    const fill: Fill = { name: 'PositionIncreased', sizeDeltaUsd: USD(1000), executionPriceWad: 3001_234567890123456789n, sizeUsd: USD(1000) };
    expect(executionEntryPriceWad([fill], USD(1000))).toBe(3001_234567890123456789n);
    expect(executionEntryPriceWad([fill, dec(400, 3100, 600)], USD(600))).toBe(3001_234567890123456789n);
  });

  it('averages fills by the tokens each bought: 1,000 at 2,000 and 3,000 at 3,000 enter at 4,000 / 1.5 tokens', () => {
    const entry = executionEntryPriceWad([inc(1000, 2000, 1000), inc(3000, 3000, 4000)], USD(4000))!;
    // 0.5 + 1 tokens for 4,000 USD: 2,666.66…; rounded down, within a wei of the exact ratio
    expect(entry).toBe((USD(4000) * 10n ** 30n) / ((USD(1000) * 10n ** 30n) / PX(2000) + (USD(3000) * 10n ** 30n) / PX(3000)));
    expect(Number(entry) / 1e18).toBeCloseTo(8000 / 3, 9);
    // a partial close keeps the average; collateral changes do not touch it
    const afterClose = executionEntryPriceWad([inc(1000, 2000, 1000), inc(3000, 3000, 4000), dec(2000, 2500, 2000), inc(0, 0, 2000)], USD(2000))!;
    expect(Number(afterClose - entry)).toBeLessThanOrEqual(0);
    expect(Number(entry - afterClose)).toBeLessThan(1e6);
  });

  it('starts over after a full close or a liquidation', () => {
    const closed = [inc(1000, 2000, 1000), dec(1000, 2100, 0), inc(500, 2500, 500)];
    expect(executionEntryPriceWad(closed, USD(500))).toBe(PX(2500));
    const liquidated: Fill[] = [inc(1000, 2000, 1000), { name: 'PositionLiquidated', sizeDeltaUsd: 0n, executionPriceWad: 0n, sizeUsd: 0n }, inc(700, 1900, 700)];
    expect(executionEntryPriceWad(liquidated, USD(700))).toBe(PX(1900));
  });

  it('is undefined when the fills do not add up to the position (history cut off)', () => {
    expect(executionEntryPriceWad([inc(3000, 3000, 4000)], USD(4000))).toBeUndefined();
    expect(executionEntryPriceWad([], USD(1))).toBeUndefined();
    // the window of fills starts with a partial close of a position opened before it: no throw, no number
    expect(executionEntryPriceWad([dec(500, 2000, 1500), inc(500, 2100, 2000)], USD(2000))).toBeUndefined();
  });
});
