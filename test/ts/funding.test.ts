/**
 * Funding under a persistent skew is live and visible with the deployed parameters. It used to read 0.00% APR through
 * a long skewed run: the skew scale (100M USD) was far above any skew this pool carries and the rate needed a day at
 * full skew to reach its max, so an hour at a 2% skew moved it by 0.008% APR, shown as 0.00%. Now the scale is
 * 10M USD and the full-skew ramp 8 hours; the display keeps small rates' significant digits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annualize, fmtPctFine } from '@/lib/format';
import { clients, isolateChain } from './helpers';
import { c, deposit, open, setPrice, USD } from './fixtures';

isolateChain(beforeAll, afterAll);

beforeAll(async () => {
  await deposit(3, USD(2_000_000));
});

describe('funding', () => {
  it('an hour of a 200k long skew on ETH charges longs a visible rate', async () => {
    const { publicClient, testClient } = clients();
    await open(6, 0, true, USD(40_000), USD(200_000));
    const before = await publicClient.readContract({ ...c.reader, functionName: 'market', args: [0n] });
    expect(before.skewUsd).toBeGreaterThanOrEqual(USD(200_000));
    await testClient.increaseTime({ seconds: 3600 });
    await setPrice(0, before.priceWad); // a fresh price an hour later, unchanged
    const after = await publicClient.readContract({ ...c.reader, functionName: 'market', args: [0n] });
    const aprWad = annualize(BigInt(after.state.fundingRateWad)) - annualize(BigInt(before.state.fundingRateWad));
    // (skew / skew scale) × (max rate / ramp) × 1 h: 2% × 100% / 8 h × 1 h = 0.25% APR, longs paying
    expect(aprWad).toBeGreaterThan(10n ** 15n); // > 0.1% APR
    expect(fmtPctFine(annualize(BigInt(after.state.fundingRateWad)))).not.toBe('0.00%');
    expect(fmtPctFine(annualize(BigInt(after.state.fundingRateWad)))).toMatch(/^0\.\d*[1-9]\d*%$/);
  });
});
