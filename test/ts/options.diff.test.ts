/**
 * Options math (P-80): the TypeScript mirror (lib/math/options.ts) equals the Solidity libraries to the wei, and both are
 * within 1e-9 relative (1e-6 USD absolute for premiums under 1 USD) of an independent double-precision Black-Scholes
 * over a grid of spot, strike, volatility and time. Put-call parity of mid prices holds within the spread; premiums are
 * monotone in strike, volatility and time. The quote the options page previews equals OptionsBook.quote at one block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Abi, Address } from 'viem';
import * as O from '@/lib/math/options';
import { abs, WAD } from '@/lib/math/fixed';
import { readQuoteContext, toPricingConfig } from '@/lib/options/context';
import { clients, deployArtifact, isolateChain, rng } from './helpers';
import { c, deposit, fundAndApprove, price, setPrice, tx, USD } from './fixtures';

const N = 400;
let harness: { address: Address; abi: Abi };

isolateChain(beforeAll, afterAll);

async function call<T>(functionName: string, arg: unknown): Promise<T> {
  const { publicClient } = clients();
  return (await publicClient.readContract({ ...harness, functionName, args: [arg] })) as T;
}

// ------------------------------------------------------------------ an independent double-precision reference

/** erfc by its Taylor series (|x| < 3) or Laplace's continued fraction (|x| >= 3); relative error ~1e-15. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
const N01 = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

function bsDouble(S: number, K: number, vol: number, tauSec: number) {
  const t = tauSec / 31_536_000;
  const sd = vol * Math.sqrt(t);
  const d1 = (Math.log(S / K) + 0.5 * vol * vol * t) / sd;
  const d2 = d1 - sd;
  return { call: S * N01(d1) - K * N01(d2), put: K * N01(-d2) - S * N01(-d1) };
}

const toNum = (wad: bigint) => Number(wad) / 1e18;

beforeAll(async () => {
  harness = await deployArtifact('OptionsHarness.sol', 'OptionsHarness');
});

describe('options math: TypeScript mirror equals Solidity to the wei', () => {
  it('expWad over [-45, 60]', async () => {
    const r = rng(101n);
    const xs = Array.from({ length: N }, () => r.between(-45n * WAD, 60n * WAD) * (r.between(0n, 1n) === 0n ? 1n : 1n));
    xs.push(0n, 1n, -1n, WAD, -WAD, 42n * WAD, -42n * WAD);
    const out = await call<bigint[]>('expWad', xs);
    xs.forEach((x, i) => expect(O.expWad(x), `expWad(${x})`).toBe(out[i]));
    // and e^x itself: relative error below 1e-15 where the value is above 1e-3
    for (const x of xs) {
      const v = Math.exp(toNum(x));
      if (v > 1e-3 && v < 1e25) expect(Math.abs(toNum(O.expWad(x)) / v - 1)).toBeLessThan(1e-14);
    }
  });

  it('normal distribution and density', async () => {
    const r = rng(102n);
    const xs = Array.from({ length: N }, () => r.between(-12n * WAD, 12n * WAD));
    xs.push(0n, 7_071_067_811_865_470_000n, -7_071_067_811_865_470_000n, 9n * WAD, -9n * WAD);
    const [cdf, pdf] = await call<[bigint[], bigint[]]>('normCdfWad', xs);
    xs.forEach((x, i) => {
      expect(O.normCdfWad(x)).toBe(cdf[i]);
      expect(O.normPdfWad(x)).toBe(pdf[i]);
      expect(Math.abs(toNum(O.normCdfWad(x)) - N01(toNum(x)))).toBeLessThan(1e-14);
    });
  });

  it('Black-Scholes prices and greeks', async () => {
    const r = rng(103n);
    const cases = Array.from({ length: N }, () => {
      const spot = r.between(10n ** 17n, 10n ** 23n);
      return [spot, (spot * r.between(30n, 300n)) / 100n, r.between(WAD / 20n, 3n * WAD), r.between(0n, 365n * 86_400n), r.between(0n, WAD / 10n)];
    });
    const out = await call<bigint[][]>('blackScholes', cases);
    cases.forEach((cs, i) => {
      const g = O.blackScholes(cs[0], cs[1], O.lnMoneynessWad(cs[0], cs[1]), cs[2], cs[3], cs[4]);
      expect([g.callWad, g.putWad, g.callDeltaWad, g.gammaWad, g.vegaWad, g.callThetaWad, g.putThetaWad], `case ${i}`).toEqual(out[i]);
    });
  });

  it('capped calls and puts (OptionPricing.optionGreeks)', async () => {
    const r = rng(104n);
    const cases = Array.from({ length: N }, () => {
      const spot = r.between(10n ** 18n, 10n ** 23n);
      return [r.between(0n, 1n), spot, (spot * r.between(50n, 200n)) / 100n, r.between(WAD / 10n, 2n * WAD), r.between(1n, 60n * 86_400n), r.between(1000n, 50_000n)];
    });
    const out = await call<bigint[][]>('optionGreeks', cases);
    cases.forEach((cs, i) => {
      const cfg = { callCapBps: cs[5] } as O.OptionsPricingConfig;
      const g = O.optionGreeks(cs[0] === 1n, cs[1], cs[2], O.lnMoneynessWad(cs[1], cs[2]), cs[3], cs[4], cfg);
      expect([g.valueWad, g.deltaWad, g.gammaWad, g.grossGammaWad, g.vegaWad, g.thetaWad, g.grossThetaWad], `case ${i}`).toEqual(out[i]);
    });
  });

  it('trade values leg by leg (OptionPricing.tradeValueWad): bid <= mid <= ask whatever the sign of vega (P-72)', async () => {
    const r = rng(106n);
    // spot up to 3x the strike: deep in the money the cap leg's vega exceeds the strike leg's (negative vega)
    const cases = Array.from({ length: N }, () => {
      const strike = r.between(10n ** 18n, 10n ** 23n);
      const vol = r.between(WAD / 10n, 2n * WAD);
      const half = r.between(WAD / 1000n, WAD / 10n);
      return [r.between(0n, 1n), (strike * r.between(50n, 300n)) / 100n, strike, vol + half, vol > half ? vol - half : vol / 2n, r.between(60n, 60n * 86_400n), r.between(1000n, 50_000n), vol];
    });
    const asks = await call<bigint[]>('tradeValue', cases.map((cs) => cs.slice(0, 7)));
    const bids = await call<bigint[]>('tradeValue', cases.map((cs) => [cs[0], cs[1], cs[2], cs[4], cs[3], cs[5], cs[6]]));
    let negativeVega = 0;
    cases.forEach((cs, i) => {
      const [isCall, spot, strike, hi, lo, tau, capBps, vol] = cs;
      const e = O.expiryTerms(0n, tau, capBps);
      const lnM = O.lnMoneynessWad(spot, strike);
      expect(O.tradeValueWad(isCall === 1n, spot, strike, lnM, hi, lo, e), `ask ${i}`).toBe(asks[i]);
      expect(O.tradeValueWad(isCall === 1n, spot, strike, lnM, lo, hi, e), `bid ${i}`).toBe(bids[i]);
      const mid = O.optionGreeksAt(isCall === 1n, spot, strike, lnM, vol, e);
      if (mid.vegaWad < 0n) negativeVega++;
      // within the rounding of two legs (a few wei)
      expect(asks[i] + 4n, `ask >= mid, case ${i}`).toBeGreaterThanOrEqual(mid.valueWad);
      expect(bids[i], `bid <= mid, case ${i}`).toBeLessThanOrEqual(mid.valueWad + 4n);
    });
    expect(negativeVega, 'the grid reaches calls whose vega is negative').toBeGreaterThan(10);
  });

  it('impact on the net delta and vega, through zero included (OptionPricing.impactUp)', async () => {
    const r = rng(106n);
    const signed = (max: bigint) => (r.between(0n, 1n) === 0n ? -1n : 1n) * r.between(0n, max);
    const cases = Array.from({ length: N }, (_, i) => {
      const before = signed(10n ** 26n);
      // a quarter of the cases cross zero, a few end on it
      const after = i % 4 === 0 ? -before / r.between(1n, 3n) : i % 17 === 0 ? 0n : signed(10n ** 26n);
      return [before, after, signed(10n ** 24n), signed(10n ** 24n), r.between(1n, 10n ** 10n), r.between(1n, 10n ** 9n)];
    });
    const out = await call<bigint[]>('impact', cases);
    cases.forEach((cs, i) => {
      const cfg = { deltaScaleUsd: cs[4], vegaScaleUsd: cs[5] } as O.OptionsPricingConfig;
      expect(O.impactUp(cs[0], cs[1], cs[2], cs[3], cfg), `case ${i}`).toBe(out[i]);
    });
    // from first principles: a flip from -S to +S pays S^2 / (2 scale) (what its two halves pay), a move to zero none
    const S = 4_000_000n * WAD;
    const cfg = { deltaScaleUsd: 1_000_000_000n, vegaScaleUsd: 1n } as O.OptionsPricingConfig;
    expect(O.impactUp(-S, S, 0n, 0n, cfg)).toBe(8_000n * 10n ** 6n);
    expect(O.impactUp(-S, 0n, 0n, 0n, cfg) + O.impactUp(0n, S, 0n, 0n, cfg)).toBe(8_000n * 10n ** 6n);
    expect(O.impactUp(S, 0n, 0n, 0n, cfg)).toBe(0n);
  });

  it('volatility surface: term structure, skew, smile, bounds', async () => {
    const r = rng(105n);
    const perYear = (v: bigint) => v / 31_536_000n;
    const cases = Array.from({ length: N }, () => {
      const spot = r.between(10n ** 18n, 10n ** 23n);
      return [perYear(r.between(WAD / 100n, 9n * WAD)), perYear(r.between(WAD / 100n, 4n * WAD)), r.between(60n, 90n * 86_400n), r.between(0n, 100n * WAD), spot, (spot * r.between(50n, 200n)) / 100n, r.between(0n, 6n * 10n ** 17n), r.between(0n, 2n * 10n ** 17n)];
    });
    const out = await call<bigint[][]>('surface', cases);
    cases.forEach((cs, i) => {
      const cfg = { ivMinWad: WAD / 5n, ivMaxWad: 3n * WAD, skewWad: cs[6] - 3n * 10n ** 17n, smileWad: cs[7] } as O.OptionsPricingConfig;
      const tv = O.termVarianceWad(cs[0], cs[1], cs[2], cs[3]);
      expect([tv, O.midVolWad(tv, O.lnMoneynessWad(cs[4], cs[5]), cs[2], cfg)], `case ${i}`).toEqual(out[i]);
    });
  });
});

describe('options math: within 1e-9 of a double-precision Black-Scholes', () => {
  it('grid of spot, strike, volatility and time', () => {
    let worst = 0;
    let checked = 0;
    for (const S of [150, 3000, 60_000]) {
      for (const m of [0.5, 0.8, 0.95, 1, 1.05, 1.25, 2]) {
        for (const vol of [0.1, 0.3, 0.6, 1, 2]) {
          for (const tauSec of [3600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400]) {
            const spot = BigInt(S) * WAD;
            const strike = BigInt(Math.round(S * m * 1e6)) * 10n ** 12n;
            const volWad = BigInt(Math.round(vol * 1e6)) * 10n ** 12n;
            const g = O.blackScholes(spot, strike, O.lnMoneynessWad(spot, strike), volWad, BigInt(tauSec), 0n);
            const ref = bsDouble(S, toNum(strike), toNum(volWad), tauSec);
            for (const [ours, theirs] of [[toNum(g.callWad), ref.call], [toNum(g.putWad), ref.put]] as const) {
              const err = Math.abs(ours - theirs);
              if (theirs < 1) expect(err, `S ${S} m ${m} vol ${vol} tau ${tauSec}`).toBeLessThan(1e-6);
              else {
                expect(err / theirs, `S ${S} m ${m} vol ${vol} tau ${tauSec}`).toBeLessThan(1e-9);
                worst = Math.max(worst, err / theirs);
              }
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(3 * 7 * 5 * 5 * 2);
    expect(worst).toBeGreaterThan(0); // the comparison is real
  });

  it('put-call parity of mid prices within the spread; premiums monotone in strike, volatility and time', () => {
    const spot = 3000n * WAD;
    const cfg = { callCapBps: 10_000n, spreadVolWad: WAD / 50n, ivMinWad: WAD / 5n } as O.OptionsPricingConfig;
    for (const tau of [3600n, 86_400n, 7n * 86_400n]) {
      let lastCall = -1n;
      let lastPut = -1n;
      for (let k = 2500n; k <= 3500n; k += 100n) {
        const strike = k * WAD;
        const lnM = O.lnMoneynessWad(spot, strike);
        const uncapped = O.blackScholes(spot, strike, lnM, 6n * WAD / 10n, tau, 0n);
        // C - P = S - K (r = 0), to a few wei of truncation
        expect(abs(uncapped.callWad - uncapped.putWad - (spot - strike))).toBeLessThanOrEqual(4n);
        const bid = O.optionGreeks(true, spot, strike, lnM, 58n * WAD / 100n, tau, cfg).valueWad;
        const ask = O.optionGreeks(true, spot, strike, lnM, 62n * WAD / 100n, tau, cfg).valueWad;
        const mid = O.optionGreeks(true, spot, strike, lnM, 6n * WAD / 10n, tau, cfg).valueWad;
        expect(bid <= mid && mid <= ask).toBe(true);
        const put = O.optionGreeks(false, spot, strike, lnM, 6n * WAD / 10n, tau, cfg).valueWad;
        if (lastCall >= 0n) {
          expect(mid).toBeLessThanOrEqual(lastCall); // calls no dearer as the strike rises
          expect(put).toBeGreaterThanOrEqual(lastPut); // puts no cheaper
          if (lastCall > 0n && mid > 0n) expect(mid).toBeLessThan(lastCall);
        }
        lastCall = mid;
        lastPut = put;
        // longer expiry, higher volatility: dearer
        const later = O.optionGreeks(false, spot, strike, lnM, 6n * WAD / 10n, tau * 2n, cfg).valueWad;
        expect(later).toBeGreaterThanOrEqual(put);
      }
    }
  });
});

/** The chain's quote for one call on strike 5 of `boardId` and the options page's (the TS mirror), at one block. */
async function quotesAt(boardId: bigint, b: { expiry: number | bigint; firstStrikeWad: bigint; strikeStepWad: bigint; strikeCount: number | bigint; callCapBps: number | bigint }, isBuy = true) {
  const { publicClient } = clients();
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
  const cfg = toPricingConfig(await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n], blockNumber }));
  const ctx = await readQuoteContext(publicClient, 0n, blockNumber);
  const chain = publicClient.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, 5n, true, isBuy, WAD], blockNumber });
  const strikeWad = b.firstStrikeWad + 5n * b.strikeStepWad;
  const ours = () => O.quoteOption({ expiry: BigInt(b.expiry), topStrikeWad: O.topStrikeWad(b) }, strikeWad, true, isBuy, WAD, { ...cfg, callCapBps: BigInt(b.callCapBps) }, ctx);
  return { ctx, chain, ours };
}

describe('the options page quote equals OptionsBook.quote at one block', () => {
  it('every strike of every ETH board, calls and puts, buy and sell', async () => {
    const { publicClient } = clients();
    await deposit(3, USD(2_000_000));
    await tx(0, { ...c.optionsBook, functionName: 'listBoards', args: [0n] });
    await fundAndApprove(2, 1_000_000n * 10n ** 6n);
    await tx(2, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, 2n ** 255n] });
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    expect(boards.length).toBeGreaterThan(0);
    // put some options on the book so the impact has a pool exposure to work from
    await tx(2, { ...c.optionsBook, functionName: 'buy', args: [boards[0], 5n, true, 3n * WAD, 10n ** 12n] });
    const blockNumber = await publicClient.getBlockNumber();
    const cfgRaw = await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n], blockNumber });
    const cfg = toPricingConfig(cfgRaw);
    const ctx = await readQuoteContext(publicClient, 0n, blockNumber);
    let compared = 0;
    let clampedSales = 0;
    const floors = new Set<string>();
    for (const boardId of boards) {
      const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId], blockNumber });
      for (let k = 0n; k < BigInt(b.strikeCount); k++) {
        for (const isCall of [true, false]) {
          // the sales twice: a small one, and one large enough that on far strikes the impact takes the whole bid
          for (const [isBuy, amount] of [
            [true, WAD * (k + 1n) + 12_345n * O.OPTION_LOT_WAD], // whole lots, not round
            [false, WAD * (k + 1n) + 12_345n * O.OPTION_LOT_WAD],
            [false, 40_000n * WAD],
          ] as const) {
            const chain = await publicClient.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, k, isCall, isBuy, amount], blockNumber });
            const ours = O.quoteOption({ expiry: BigInt(b.expiry), topStrikeWad: O.topStrikeWad(b) }, b.firstStrikeWad + k * b.strikeStepWad, isCall, isBuy, amount, { ...cfg, callCapBps: BigInt(b.callCapBps) }, ctx);
            expect(ours.premiumUsd, `board ${boardId} strike ${k} ${isCall ? 'call' : 'put'} ${isBuy ? 'buy' : 'sell'}`).toBe(chain.premiumUsd);
            expect(ours.impactUsd).toBe(chain.impactUsd);
            expect(ours.ivWad).toBe(chain.ivWad);
            expect(ours.capIvWad).toBe(chain.capIvWad);
            expect(ours.perTokenWad).toBe(chain.perTokenWad);
            expect(ours.greeks.deltaWad).toBe(chain.greeks.deltaWad);
            // the floor the preview names is the one that set the price
            const strikeWad = b.firstStrikeWad + k * b.strikeStepWad;
            const floorOf = { intrinsic: O.payoffWad(isCall, strikeWad, ctx.spotWad, BigInt(b.callCapBps)), minimum: O.minPremiumUp(isCall, isCall ? O.topStrikeWad(b) : strikeWad, BigInt(b.callCapBps), cfg.minPremiumBps, ctx.reserveRateWad, BigInt(b.expiry) - ctx.nowSec), maximum: O.maxPayoutWad(isCall, strikeWad, BigInt(b.callCapBps)) };
            if (ours.askFloor !== 'model') {
              expect(isBuy).toBe(true);
              expect(ours.perTokenWad).toBe(floorOf[ours.askFloor]);
              floors.add(ours.askFloor);
            } else if (isBuy) expect(ours.perTokenWad).toBeGreaterThanOrEqual(floorOf.intrinsic > floorOf.minimum ? floorOf.intrinsic : floorOf.minimum);
            // never above what a token can pay, buy or sell
            expect(ours.perTokenWad).toBeLessThanOrEqual(floorOf.maximum);
            // a sale's impact is what it takes from the bid, at most all of it
            if (!isBuy && ours.premiumUsd === 0n) {
              expect(ours.impactUsd).toBe(O.toUsdDown(amount, ours.perTokenWad));
              clampedSales++;
            }
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(44);
    expect(floors.has('minimum'), 'far out-of-the-money buys are priced at the minimum premium').toBe(true);
    expect(clampedSales, 'some large sales have their whole bid taken as impact').toBeGreaterThan(0);
  });

  it("the chain's quotes: premiums monotone in strike, and put-call parity of mid prices within the spread", async () => {
    const { publicClient } = clients();
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const blockNumber = await publicClient.getBlockNumber();
    const ctx = await readQuoteContext(publicClient, 0n, blockNumber);
    const cfg = toPricingConfig(await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n], blockNumber }));
    const quote = async (boardId: bigint, k: bigint, isCall: boolean, isBuy: boolean) =>
      publicClient.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, k, isCall, isBuy, WAD], blockNumber });
    const USD_TO_WAD = 10n ** 12n; // a premium for one token, 6 decimals, as a WAD price
    let minimumAsks = 0;
    let parities = 0;
    for (const boardId of boards) {
      const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId], blockNumber });
      const tau = BigInt(b.expiry) - ctx.nowSec;
      let last: { callAsk: bigint; callBid: bigint; putAsk: bigint; putBid: bigint } | undefined;
      for (let k = 0n; k < BigInt(b.strikeCount); k++) {
        const strikeWad = b.firstStrikeWad + k * b.strikeStepWad;
        const [callAsk, callBid, putAsk, putBid] = await Promise.all([quote(boardId, k, true, true), quote(boardId, k, true, false), quote(boardId, k, false, true), quote(boardId, k, false, false)]);
        const at = { callAsk: callAsk.premiumUsd, callBid: callBid.premiumUsd, putAsk: putAsk.premiumUsd, putBid: putBid.premiumUsd };
        const where = `board ${boardId} strike ${strikeWad / WAD}`;
        if (last) {
          // a higher strike: calls no dearer, puts no cheaper, on both sides (the least premium included: a call's is
          // the board's highest strike's, review BC found far out-of-the-money call asks rising 1.60 -> 1.75 USD)
          expect(at.callAsk, `${where} call ask`).toBeLessThanOrEqual(last.callAsk);
          expect(at.callBid, `${where} call bid`).toBeLessThanOrEqual(last.callBid);
          expect(at.putAsk, `${where} put ask`).toBeGreaterThanOrEqual(last.putAsk);
          expect(at.putBid, `${where} put bid`).toBeGreaterThanOrEqual(last.putBid);
        }
        last = at;
        const ours = O.quoteOption({ expiry: BigInt(b.expiry), topStrikeWad: O.topStrikeWad(b) }, strikeWad, true, true, WAD, { ...cfg, callCapBps: BigInt(b.callCapBps) }, ctx);
        if (ours.askFloor === 'minimum') minimumAsks++;
        // Parity at the strike's mid volatility: capped call + the cap leg's call - put = S - K (r = 0; the capped call is
        // C(K) - C(cap) at one volatility). The quotes straddle their mids (P-72), so the chain's bid and ask bracket it.
        const capWad = O.capStrikeWad(strikeWad, BigInt(b.callCapBps));
        const capLegWad = O.blackScholes(ctx.spotWad, capWad, O.lnMoneynessWad(ctx.spotWad, capWad), callAsk.midIvWad, tau, 0n).callWad;
        const forwardWad = ctx.spotWad - strikeWad;
        expect(at.callAsk * USD_TO_WAD + capLegWad - at.putBid * USD_TO_WAD, `${where} parity, buy side`).toBeGreaterThanOrEqual(forwardWad - USD_TO_WAD);
        expect(at.callBid * USD_TO_WAD + capLegWad - at.putAsk * USD_TO_WAD, `${where} parity, sell side`).toBeLessThanOrEqual(forwardWad + 2n * USD_TO_WAD);
        parities++;
      }
    }
    expect(parities).toBeGreaterThanOrEqual(22);
    expect(minimumAsks, 'the least premium sets some call asks: the monotonicity covers it').toBeGreaterThan(1);
  });

  it('after a move inside the sampling interval: trades price on the side of the next sample that favours the pool (P-90)', async () => {
    const { publicClient, testClient } = clients();
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const market = (await publicClient.readContract({ ...c.reader, functionName: 'market', args: [0n] })) as { config: { sampleIntervalSec: number } };
    const interval = BigInt(market.config.sampleIntervalSec);
    // the sample: the first price of a fresh interval, taken by a poke; then +4% inside the same interval
    const now = (await publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: Number(interval - (now % interval) + 1n) });
    const p0 = await price(0);
    await setPrice(0, p0);
    await tx(0, { ...c.engine, functionName: 'poke', args: [0n] });
    await testClient.increaseTime({ seconds: 30 });
    await setPrice(0, (p0 * 104n) / 100n);
    // the keeper's refresh: past the book's range trades and quotes wait for it (P-108); it takes no sample here
    await tx(0, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
    const blockNumber = await publicClient.getBlockNumber();
    const rawCfg = await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n], blockNumber });
    const cfg = toPricingConfig(rawCfg);
    const ctx = await readQuoteContext(publicClient, 0n, blockNumber);
    const blockTime = (await publicClient.getBlock({ blockNumber })).timestamp;
    expect(ctx.spotWad, 'the price moved after the sample').not.toBe(ctx.samplePriceWad);
    let nextSurfaceSet = 0;
    for (const boardId of boards) {
      const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId], blockNumber });
      // the time moved on: a board past its trading cutoff (a daily near 08:00 UTC) has no quote
      if (blockTime >= BigInt(b.expiry) - BigInt(rawCfg.tradingCutoffSec)) continue;
      for (let k = 0n; k < BigInt(b.strikeCount); k++) {
        for (const isCall of [true, false]) {
          for (const isBuy of [true, false]) {
            const chain = await publicClient.readContract({ ...c.optionsBook, functionName: 'quote', args: [boardId, k, isCall, isBuy, WAD], blockNumber });
            const ours = O.quoteOption({ expiry: BigInt(b.expiry), topStrikeWad: O.topStrikeWad(b) }, b.firstStrikeWad + k * b.strikeStepWad, isCall, isBuy, WAD, { ...cfg, callCapBps: BigInt(b.callCapBps) }, ctx);
            expect(ours.ivWad, `board ${boardId} strike ${k} ${isCall ? 'call' : 'put'} ${isBuy ? 'buy' : 'sell'}`).toBe(chain.ivWad);
            expect(ours.capIvWad).toBe(chain.capIvWad);
            expect(ours.premiumUsd).toBe(chain.premiumUsd);
            // the trade volatility is never on the trader's side of today's mid +- spread, and a call's cap leg (the
            // pool's) sits on the other side (P-72)
            if (isBuy) expect(chain.ivWad).toBeGreaterThanOrEqual(O.tradeVolWad(chain.midIvWad, true, cfg));
            else expect(chain.ivWad).toBeLessThanOrEqual(O.tradeVolWad(chain.midIvWad, false, cfg));
            if (isCall && isBuy) expect(chain.capIvWad).toBeLessThanOrEqual(O.tradeVolWad(chain.midIvWad, false, cfg));
            if (isCall && !isBuy) expect(chain.capIvWad).toBeGreaterThanOrEqual(O.tradeVolWad(chain.midIvWad, true, cfg));
            if (!isCall) expect(chain.capIvWad).toBe(0n);
            if (chain.ivWad !== O.tradeVolWad(chain.midIvWad, isBuy, cfg)) nextSurfaceSet++;
          }
        }
      }
    }
    expect(nextSurfaceSet, 'the next sample sets some prices').toBeGreaterThan(0);
  });

  it('past the greek cache\'s price range both refuse until the refresh, then agree again (P-108)', async () => {
    const { publicClient, testClient } = clients();
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const boardId = boards[boards.length - 1]; // the farthest: well before its trading cutoff
    const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
    const both = () => quotesAt(boardId, b);
    const before = await both();
    expect(before.ctx.book.refAt, 'options are open: the book has a cache').toBeGreaterThan(0n);
    await testClient.increaseTime({ seconds: 30 }); // a later price (the engine takes prices forward in time only)
    await setPrice(0, before.ctx.book.refPriceWad + before.ctx.book.maxMoveWad + before.ctx.book.maxMoveWad / 2n);
    const moved = await both();
    await expect(moved.chain).rejects.toMatchObject({ cause: { data: { errorName: 'OptionsBookStale', args: [0n, 3] } } });
    expect(moved.ours).toThrow(O.OptionsBookStaleError);
    expect(() => moved.ours()).toThrow(/price moved past/);
    await tx(0, { ...c.optionsBook, functionName: 'refresh', args: [0n] }); // the keeper's
    const refreshed = await both();
    expect(refreshed.ours().premiumUsd).toBe((await refreshed.chain).premiumUsd);
  });

  it("at a board's trading cutoff both refuse, a second before it both price (a holding's sale showed a bid the chain refused)", async () => {
    const { publicClient, testClient } = clients();
    const bk = await publicClient.readContract({ ...c.optionsBook, functionName: 'book', args: [0n] });
    expect(bk.nearestExpiry, 'options are open on an expiry').toBeGreaterThan(0n);
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const all = await Promise.all(boards.map(async (id) => ({ id, b: await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [id] }) })));
    const { id: boardId, b } = all.find((e) => BigInt(e.b.expiry) === bk.nearestExpiry)!;
    const cutoffSec = BigInt((await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n] })).tradingCutoffSec);
    expect(cutoffSec).toBeGreaterThan(0n);
    const cutoffAt = BigInt(b.expiry) - cutoffSec;
    const both = (isBuy: boolean) => quotesAt(boardId, b, isBuy);
    // to just before the cutoff: fresh prices on every market and the keeper's refresh, then a block a second before it
    const prices = [];
    for (let m = 0; m < c.feeds.length; m++) prices.push(await price(m));
    const now = (await publicClient.getBlock()).timestamp;
    expect(cutoffAt - now, 'the nearest board is still before its cutoff').toBeGreaterThan(30n);
    await testClient.increaseTime({ seconds: Number(cutoffAt - now - 20n) });
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, prices[m]);
    await tx(0, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
    await testClient.setNextBlockTimestamp({ timestamp: cutoffAt - 1n });
    await testClient.mine({ blocks: 1 });
    for (const isBuy of [true, false]) {
      const open = await both(isBuy);
      expect(open.ctx.nowSec).toBe(cutoffAt - 1n);
      expect(open.ours().premiumUsd).toBe((await open.chain).premiumUsd);
    }
    await testClient.setNextBlockTimestamp({ timestamp: cutoffAt }); // the cutoff's second
    await testClient.mine({ blocks: 1 });
    for (const isBuy of [true, false]) {
      const closed = await both(isBuy);
      expect(closed.ctx.nowSec).toBe(cutoffAt);
      await expect(closed.chain).rejects.toMatchObject({ cause: { data: { errorName: 'TradingClosed', args: [boardId, cutoffAt, cutoffAt] } } });
      expect(closed.ours).toThrow(O.TradingClosedError);
    }
    // past the cache's price range as well: the chain names the cutoff first, and so does the app (it had said the
    // trade waits for the keeper's refresh)
    const probe = await both(true);
    await expect(probe.chain).rejects.toThrow(); // closed, as above
    const { book } = probe.ctx;
    await setPrice(0, book.refPriceWad + 2n * book.maxMoveWad);
    const staleToo = await both(true);
    expect(O.tradingPausedBy(staleToo.ctx)).toBeInstanceOf(O.OptionsBookStaleError);
    await expect(staleToo.chain).rejects.toMatchObject({ cause: { data: { errorName: 'TradingClosed' } } });
    expect(staleToo.ours).toThrow(O.TradingClosedError);
  });

  it('from an expiry to its settlement, and from the settlement to the refresh, both refuse; then agree again', async () => {
    const { publicClient, testClient } = clients();
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const expiries = await Promise.all(boards.map(async (id) => ({ id, b: await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [id] }) })));
    const bk = await publicClient.readContract({ ...c.optionsBook, functionName: 'book', args: [0n] });
    expect(bk.nearestExpiry, 'options are open on an expiry').toBeGreaterThan(0n);
    const expiring = expiries.find((e) => BigInt(e.b.expiry) === bk.nearestExpiry)!;
    const far = expiries.reduce((x, y) => (y.b.expiry > x.b.expiry ? y : x));
    const both = () => quotesAt(far.id, far.b);
    // past the nearest expiry: every market's price posted after it (the first ETH price is the settlement's)
    // (each price read before the jump: the nearest expiry can be more than the feeds' max age away)
    const prices = [];
    for (let m = 0; m < c.feeds.length; m++) prices.push(await price(m));
    const now = (await publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: Number(bk.nearestExpiry - now + 5n) });
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, prices[m]);
    const waiting = await both();
    await expect(waiting.chain).rejects.toMatchObject({ cause: { data: { errorName: 'OptionsBookStale', args: [0n, 5] } } });
    expect(waiting.ours).toThrow(/expired board waits for its settlement/);
    const round = await publicClient.readContract({ ...c.feeds[0], functionName: 'latestRoundId' });
    await tx(0, { ...c.optionsBook, functionName: 'settleBoard', args: [expiring.id, round] });
    const settled = await both();
    await expect(settled.chain).rejects.toMatchObject({ cause: { data: { errorName: 'OptionsBookStale', args: [0n, 1] } } });
    expect(settled.ours).toThrow(/settled since the last refresh/);
    await tx(0, { ...c.optionsBook, functionName: 'refresh', args: [0n] }); // the keeper's
    const refreshed = await both();
    expect(refreshed.ours().premiumUsd).toBe((await refreshed.chain).premiumUsd);
  });

  it("the analytics' options mark away from the cache's reference point is the NAV's own (OptionsLogic.expand) to the wei", async () => {
    const { publicClient, testClient } = clients();
    // calls on the farthest board (the nearer ones may have settled above), then the keeper's refresh
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    const far = (await Promise.all(boards.map(async (id) => ({ id, b: await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [id] }) })))).reduce((x, y) => (y.b.expiry > x.b.expiry ? y : x));
    await tx(2, { ...c.optionsBook, functionName: 'buy', args: [far.id, 5n, true, 2n * WAD, 10n ** 12n] });
    await tx(0, { ...c.optionsBook, functionName: 'refresh', args: [0n] });
    const bk = await publicClient.readContract({ ...c.optionsBook, functionName: 'book', args: [0n] });
    expect(bk.refAt, 'options are open: the book has a cache').toBeGreaterThan(0n);
    // later and 0.7 of the range away, still inside it (the NAV prices through the expansion)
    await testClient.increaseTime({ seconds: 120 });
    for (let m = 0; m < c.feeds.length; m++) await setPrice(m, m === 0 ? bk.refPriceWad - (bk.maxMoveWad * 7n) / 10n : await price(m));
    const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
    const [book, [liabilityWad], block, spotWad] = await Promise.all([
      publicClient.readContract({ ...c.optionsBook, functionName: 'book', args: [0n], blockNumber }),
      publicClient.readContract({ ...c.optionsBook, functionName: 'navTerms', args: [0n], blockNumber }),
      publicClient.getBlock({ blockNumber }),
      publicClient.readContract({ ...c.feeds[0], functionName: 'latestPrice', blockNumber }).then(([p]) => p),
    ]);
    const at = O.bookAt(book, spotWad, block.timestamp);
    expect(at.valueWad).toBeGreaterThan(0n);
    expect(at.valueWad).toBe(liabilityWad);
    // and it moved: the reference point's value is not the mark now
    expect(at.valueWad).not.toBe(book.valueWad);
    // the delta along the gamma: with the price below the reference, less delta where the book is long gamma
    expect(at.deltaWad < book.deltaWad).toBe(book.gammaWad > 0n);
  });
});
