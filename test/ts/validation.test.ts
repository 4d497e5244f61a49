/** Form validation and error decoding: the logic behind every inline message and toast. */
import { describe, expect, it } from 'vitest';
import { encodeErrorResult, erc20Abi, BaseError, ContractFunctionRevertedError, HttpRequestError, TimeoutError } from 'viem';
import { counterpoolErrorsAbi } from '@/lib/contracts';
import { accountHistoryQuery, candlesQuery, historyQuery, limitQuery, optionsQuery, parseStressQuery, pythUpdatesQuery, stressQuery, topPositionsQuery } from '@/lib/api/schemas';
import { BadRequest, publicDetail, queryObject } from '@/lib/api/http';
import { checkSlippage, markSlippageTyped, slippageTypedValid } from '@/components/trade/useSlippage';
import { describeRevert, errorForLog, explainError, isContractRevert, isTransientRevert, TRANSIENT_REVERTS } from '@/lib/errors';
import { averageCost } from '@/lib/options/cost';
import { historyImpact, historyPnl } from '@/components/trade/TradeHistory';
import { checkAmount, checkLeverage, checkStressField, clearIfUnchanged, floorTenth, maxTypedLeverage } from '@/lib/validation';
import { stopPastLiquidation } from '@/lib/orders';
import { fillBuckets, wholeBucketsFrom, withGaps } from '@/components/analytics/charts';

describe('checkAmount', () => {
  it.each([
    ['', 'Enter an amount'],
    ['abc', 'Enter a number'],
    ['1e5', 'Enter a number'],
    ['-3', 'cannot be negative'],
    ['0', 'greater than zero'],
    ['0.0000001', 'At most 6 decimal places'],
    ['1000000000000000', 'unrealistically large'],
    ['150', 'above your balance'],
  ])('%s -> %s', (input, message) => {
    expect(checkAmount(input, { max: 100_000_000n }).error).toContain(message);
  });

  it('parses valid amounts exactly', () => {
    expect(checkAmount('12.345678').value).toBe(12_345_678n);
    expect(checkAmount(' 7 ').value).toBe(7_000_000n);
  });
});

describe('markSlippageTyped', () => {
  it('holds a kind back while any of its fields is invalid, and only that kind', () => {
    expect(slippageTypedValid('trade')).toBe(true);
    markSlippageTyped('trade', 'a', false);
    markSlippageTyped('trade', 'b', true); // a second valid field does not clear the first one's invalid text
    expect(slippageTypedValid('trade')).toBe(false);
    expect(slippageTypedValid('pool')).toBe(true);
    markSlippageTyped('trade', 'b', false);
    markSlippageTyped('trade', 'a', true);
    expect(slippageTypedValid('trade')).toBe(false);
    markSlippageTyped('trade', 'b', true); // corrected or unmounted
    expect(slippageTypedValid('trade')).toBe(true);
  });
});

describe('checkSlippage', () => {
  it('takes every tolerance of 0.01% to 5% in 0.01% steps as typed (review AS: 67 of them read as three decimals)', () => {
    for (let bps = 1; bps <= 500; bps++) {
      const typed = (bps / 100).toString();
      expect(checkSlippage(typed), typed).toEqual({ bps: BigInt(bps) });
    }
    expect(checkSlippage('.5')).toEqual({ bps: 50n });
    expect(checkSlippage('0.30')).toEqual({ bps: 30n });
  });
  it.each([
    ['0.071', 'At most two decimals'],
    ['0.005', 'At most two decimals'],
    ['0', 'At least 0.01%'],
    ['5.01', 'At most 5%'],
    ['1e2', 'Enter a percentage'],
    ['-1', 'Enter a percentage'],
  ])('refuses %s', (typed, message) => expect(checkSlippage(typed).error).toContain(message));
});

describe('API query parameters', () => {
  const q = (search: string) => queryObject(`http://localhost/api/x?${search}`);
  it('reads an empty value as no value: the default applies, or a required one is missing (review AS: they read 0)', () => {
    expect(historyQuery.parse(q('market=')).market).toBe(-1);
    expect(topPositionsQuery.parse(q('market=&limit=')).market).toBeUndefined();
    expect(topPositionsQuery.parse(q('limit= ')).limit).toBe(20);
    expect(stressQuery.parse({ volMultiplier: q('vol=').vol, hours: q('hours=').hours }).volMultiplier).toBe(1);
    expect(candlesQuery.safeParse(q('market=')).success).toBe(false);
    expect(candlesQuery.parse(q('market=2')).market).toBe(2);
  });

  it('refuses a parameter it does not know, naming it, instead of dropping it for the default (review: ?resolutoin=300 answered 60 s buckets)', () => {
    const refused = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, search: string, name: string) => {
      const r = schema.safeParse(q(search));
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.message).join(' ')).toContain(name);
    };
    refused(historyQuery, 'market=0&resolutoin=300', 'resolutoin');
    refused(candlesQuery, 'market=0&form=5', 'form');
    refused(limitQuery, 'limit=5&markt=1', 'markt');
    refused(topPositionsQuery, 'limit=5&sort=pnl', 'sort');
    refused(optionsQuery, 'market=0&board=3', 'board');
    refused(pythUpdatesQuery, 'markets=0&fresh=1', 'fresh');
    // an account's history is of every market: a market filter it would ignore is refused, not accepted
    refused(accountHistoryQuery, 'limit=5&market=3', 'market');
    // a misspelled name sent empty is refused too (an empty value is no value, not no parameter)
    refused(historyQuery, 'market=0&resolutoin=', 'resolutoin');
    expect(candlesQuery.safeParse(q('market=')).error!.issues[0].message).toMatch(/received undefined/); // missing, not read as 0
    expect(accountHistoryQuery.parse(q('limit=5')).limit).toBe(5);
    // the stress query's names are checked as sent
    const stress = (search: string) => parseStressQuery(new URL(`http://localhost/api/stress?${search}`).searchParams, [0, 1, 2]);
    expect(() => stress('price.0=-100&volMultiplier=2')).toThrow(BadRequest);
    expect(() => stress('scenario=')).toThrow(/empty scenario/);
    expect(() => stress('scenario=meltdown')).toThrow(/unknown scenario "meltdown"/);
    expect(stress('scenario=crash').priceBps).toEqual({ 0: -4000, 1: -4000, 2: -4000 });
    expect(stress('price.2=-2500&vol=2&hours=').priceBps).toEqual({ 2: -2500 });
    // a price shock naming no market was answered 200 with no shock applied (review)
    expect(() => stress('price.=-5000')).toThrow(/names no market/);
    expect(() => stress('price.eth=-5000')).toThrow(/names no market/);
  });

  it("an upstream failure's detail leaves out where the service is (the server logs it whole)", () => {
    expect(publicDetail('connect ECONNREFUSED 10.0.3.7:5432')).toBe('connect ECONNREFUSED <host>');
    expect(publicDetail('getaddrinfo ENOTFOUND postgres.internal')).toBe('getaddrinfo ENOTFOUND <host>');
    expect(publicDetail('getaddrinfo EAI_AGAIN db')).toBe('getaddrinfo EAI_AGAIN <host>');
    expect(publicDetail('connect ECONNREFUSED counterpool_db:5432')).toBe('connect ECONNREFUSED <host>');
    expect(publicDetail('dial db.internal:5432 failed')).toBe('dial <host> failed');
    expect(publicDetail('HTTP request failed. URL: http://rpc.internal:8545/key/abc Status: 500')).toBe('HTTP request failed. URL: <url> Status: 500');
    expect(publicDetail('connect ECONNREFUSED ::1:5432')).toBe('connect ECONNREFUSED <host>');
    // what is not a location stays as it was
    expect(publicDetail('Hermes answered 500')).toBe('Hermes answered 500');
    for (const kept of ['timed out at 12:30', '2026-12-07T10:11:29Z', 'error code:500', 'read ECONNRESET', 'connect ECONNREFUSED', 'Connection terminated unexpectedly']) {
      expect(publicDetail(kept)).toBe(kept);
    }
  });
});

describe('checkLeverage', () => {
  it('refuses empty, non-numeric, below 1.1x and above the maximum, in plain words', () => {
    expect(checkLeverage('', 20).error).toBe('Enter a leverage');
    expect(checkLeverage('5x', 20).error).toBe('Leverage must be a number');
    expect(checkLeverage('.', 20).error).toBe('Leverage must be a number');
    expect(checkLeverage('-2', 20).error).toBe('Leverage must be a number');
    expect(checkLeverage('1.09', 20).error).toBe('Leverage starts at 1.1x');
    expect(checkLeverage('20.01', 20).error).toBe('Leverage 20.01x is above the current maximum 20.0x');
  });
  it('accepts the bounds themselves', () => {
    expect(checkLeverage(' 1.1 ', 20)).toEqual({ value: 1.1 });
    expect(checkLeverage('20', 20)).toEqual({ value: 20 });
  });
  it('says the typed text against the maximum rounded down, and the engine maximum it comes from (review BK: 20x offered on SOL, refused)', () => {
    // 1% fee, 20x maximum after it: the collateral C keeps C - 0.01 S, and S / (C - 0.01 S) <= 20 holds up to S = 16.67 C
    expect(maxTypedLeverage(20, 100)).toBeCloseTo(20 / 1.2, 12);
    const typedMax = maxTypedLeverage(20, 100);
    expect(checkLeverage('16.66', typedMax, 20)).toEqual({ value: 16.66 });
    expect(checkLeverage('16.7', typedMax, 20).error).toBe('Leverage 16.7x is above the current maximum 16.6x: 20.0x counted on the collateral after the fee and the price impact');
    // never "31.9x is above 31.9x": the text as typed
    expect(checkLeverage('31.949', maxTypedLeverage(33, 10)).error).toBe('Leverage 31.949x is above the current maximum 31.9x');
    // from first principles: at the typed maximum, the leverage after the fee is the engine's maximum
    const typed = maxTypedLeverage(33, 10);
    const collateral = 1_000;
    const size = typed * collateral;
    expect(size / (collateral - (size * 10) / 10_000)).toBeCloseTo(33, 9);
    expect(floorTenth(16.66)).toBe('16.6');
    expect(floorTenth(16.0)).toBe('16.0');
  });
});

describe('clearIfUnchanged', () => {
  it('clears a field after its transaction lands only if it still holds what was sent (typing after the toast is kept)', () => {
    expect(clearIfUnchanged('150')('150')).toBe('');
    expect(clearIfUnchanged('150')('10')).toBe('10');
    expect(clearIfUnchanged('')('')).toBe('');
  });
});

describe('revert decoding', () => {
  it('explains LeverageTooHigh with both numbers', () => {
    expect(describeRevert('LeverageTooHigh', [40n * 10n ** 18n, 25n * 10n ** 18n])).toBe('Leverage 40.0x is above the current maximum 25.0x');
    // with the decimals that tell them apart, never "33.5x is above 33.5x" (review BK)
    expect(describeRevert('LeverageTooHigh', [33_512n * 10n ** 15n, 33_497n * 10n ** 15n])).toBe('Leverage 33.51x is above the current maximum 33.50x');
  });

  it('LP refusals carry their numbers: the slippage gap, the redeemable maximum, the grace period end', () => {
    // a deposit whose shares came 1.25% under the minimum, and a withdrawal that would burn 0.5% more than the maximum
    expect(describeRevert('VaultSlippageExceeded', [98_750n, 100_000n])).toMatch(/was 1\.25% worse than your bound/);
    expect(describeRevert('VaultSlippageExceeded', [100_500n, 100_000n])).toMatch(/was 0\.50% worse than your bound/);
    expect(describeRevert('ERC4626ExceededMaxRedeem', ['0x0000000000000000000000000000000000000001', 5n * 10n ** 12n, 2n * 10n ** 12n])).toMatch(/at most 2 shares right now, not 5 /);
    expect(describeRevert('ERC4626ExceededMaxDeposit', ['0x0000000000000000000000000000000000000001', 5_000_000n, 1_000_000n])).toMatch(/at most \$1\.00 .*asked \$5\.00/);
    expect(describeRevert('SequencerGracePeriod', [1_800_000_000n, 3600n])).toMatch(/restarted at 2027-01-15 08:00:00.*until 2027-01-15 09:00:00/);
  });

  it('decodes a raw custom error from any contract through the merged error ABI', () => {
    const data = encodeErrorResult({ abi: counterpoolErrorsAbi, errorName: 'InsufficientLiquidity', args: [2_000_000_000_000n, 1_800_000_000_000n] });
    const err = new BaseError('reverted', { cause: new ContractFunctionRevertedError({ abi: counterpoolErrorsAbi, data, functionName: 'increasePosition' }) });
    expect(explainError(err)).toBe('The pool cannot back this: reserved payouts $2,000,000 would exceed the $1,800,000 it may reserve');
  });

  it('a refusal that clears by itself (the keeper refresh, the next price) is retried; others fail at once', () => {
    const revert = (errorName: 'OptionsBookStale' | 'PriceTooOld' | 'InsufficientLiquidity', args: readonly bigint[]) =>
      new BaseError('reverted', {
        cause: new ContractFunctionRevertedError({ abi: counterpoolErrorsAbi, data: encodeErrorResult({ abi: counterpoolErrorsAbi, errorName, args } as never), functionName: 'deposit' }),
      });
    expect(isTransientRevert(revert('OptionsBookStale', [1n, 3n]))).toBe(true);
    expect(isTransientRevert(revert('PriceTooOld', [1n, 100n, 500n, 300n]))).toBe(true);
    expect(isTransientRevert(revert('InsufficientLiquidity', [2n, 1n]))).toBe(false);
    expect(isTransientRevert(new Error('network down'))).toBe(false);
    for (const name of TRANSIENT_REVERTS) expect(counterpoolErrorsAbi.some((e) => e.name === name)).toBe(true);
  });

  it("a contract's refusal is a revert; a transport failure is not (so /api/positions never reads an RPC timeout as a stale market)", () => {
    const data = encodeErrorResult({ abi: counterpoolErrorsAbi, errorName: 'PriceTooOld', args: [1n, 100n, 500n, 300n] });
    const refused = new BaseError('reverted', { cause: new ContractFunctionRevertedError({ abi: counterpoolErrorsAbi, data, functionName: 'positionViews' }) });
    expect(isContractRevert(refused)).toBe(true);
    expect(isContractRevert(new HttpRequestError({ url: 'http://node', status: 429, details: 'Too Many Requests' }))).toBe(false);
    expect(isContractRevert(new TimeoutError({ body: {}, url: 'http://node' }))).toBe(false);
    expect(isContractRevert(new Error('socket hang up'))).toBe(false);
  });

  it('every contract error has a plain-words message', () => {
    const generic = counterpoolErrorsAbi
      .map((e) => e.name)
      .filter((name) => !/^(ERC20Invalid|ERC20Insufficient|ERC4626Exceeded|AccessControl|Ownable|SafeCast|SafeERC20|ReentrancyGuard|ExpectedPause|LnOfZero|InvalidOracleConfig|MathOverflowedMulDiv|FailedCall|InsufficientBalance|AddressEmptyCode|ERC20Exceeded|ERC4626Exceeded|TooManyMarkets|VaultMismatch|NotVault|CooldownTooLong|ERC2612|InvalidAccountNonce|ECDSA)/.test(name))
      .filter((name) => describeRevert(name, [0n, 0n, 0n, 0n]).startsWith('Transaction reverted'));
    expect(generic).toEqual([]);
  });
});

describe('stress form fields', () => {
  it('explains each refusal in plain words; −100% is refused with the reason', () => {
    expect(checkStressField('move', '-100').error).toMatch(/fall at most 99%.*zero/);
    expect(checkStressField('move', '-99')).toEqual({ value: -9900 });
    expect(checkStressField('move', '12.5')).toEqual({ value: 1250 });
    expect(checkStressField('move', '1.234').error).toMatch(/2 decimal places/);
    expect(checkStressField('move', 'abc').error).toMatch(/Enter a number/);
    expect(checkStressField('move', '').error).toBe('Enter a number');
    expect(checkStressField('move', '1001').error).toMatch(/1,000%/);
    expect(checkStressField('vol', '-1').error).toMatch(/cannot be negative/);
    expect(checkStressField('vol', '101').error).toMatch(/100×/);
    expect(checkStressField('cashOut', '100.5').error).toMatch(/0% and 100%/);
    expect(checkStressField('hours', '169').error).toMatch(/168 hours/);
    expect(checkStressField('hours', '0.5')).toEqual({ value: 0.5 });
  });

  it('accepts exactly what the API accepts (one set of limits)', () => {
    const samples = ['-100', '-99.99', '-99', '-50', '0', '0.01', '999.99', '1000', '1000.01', '-0', '5', '100', '100.01', '168', '168.5', '2.5'];
    const apiOk = (q: Record<string, unknown>) => stressQuery.safeParse(q).success;
    for (const s of samples) {
      const move = checkStressField('move', s);
      expect(move.error === undefined, `move ${s}`).toBe(apiOk({ priceBps: { 0: Math.round(Number(s) * 100) } }));
      const vol = checkStressField('vol', s);
      expect(vol.error === undefined, `vol ${s}`).toBe(apiOk({ volMultiplier: s }));
      const cash = checkStressField('cashOut', s);
      expect(cash.error === undefined, `cashOut ${s}`).toBe(apiOk({ cashOutflowBps: Math.round(Number(s) * 100) }));
      const hours = checkStressField('hours', s);
      expect(hours.error === undefined, `hours ${s}`).toBe(apiOk({ hours: s }));
    }
  });
});

describe('reverts named in logs and API answers', () => {
  it('decodes an error raised by another contract than the one called (no more bare signatures)', () => {
    const data = encodeErrorResult({ abi: counterpoolErrorsAbi, errorName: 'InsufficientLiquidity', args: [2_000_000_000_000n, 1_800_000_000_000n] });
    // called with the pool's ABI, which does not declare the core's error: viem alone only has the selector
    const err = new BaseError('reverted', { cause: new ContractFunctionRevertedError({ abi: erc20Abi, data, functionName: 'deposit' }) });
    expect(err.walk((e) => e instanceof ContractFunctionRevertedError)).toBeInstanceOf(ContractFunctionRevertedError);
    expect(explainError(err)).toBe('The pool cannot back this: reserved payouts $2,000,000 would exceed the $1,800,000 it may reserve');
    expect(errorForLog(err)).toBe('InsufficientLiquidity(2000000000000, 1800000000000): The pool cannot back this: reserved payouts $2,000,000 would exceed the $1,800,000 it may reserve');
  });

  it('an API call that hits a stale price answers 503 "stale price" naming the error, not "chain unreachable"', async () => {
    const { handle } = await import('@/lib/api/http');
    const data = encodeErrorResult({ abi: counterpoolErrorsAbi, errorName: 'PriceTooOld', args: [1n, 100n, 500n, 300n] });
    const res = await handle(async () => {
      throw new BaseError('reverted', { cause: new ContractFunctionRevertedError({ abi: erc20Abi, data, functionName: 'poolView' }) });
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = await res.json();
    expect(body).toMatchObject({ error: 'stale price', revert: 'PriceTooOld' });
    const down = await handle(async () => {
      throw new Error('fetch failed\nmore');
    });
    expect(await down.json()).toEqual({ error: 'upstream unavailable', detail: 'fetch failed' });
  });
});

describe('option holdings at average cost', () => {
  it('a partial sale takes its share of the cost and realizes the rest', () => {
    // bought 0.5 for 9.67, sold 0.25 for 1.51 (the review's case): 0.25 left at a cost of 4.835, -3.325 realized
    let b = averageCost(undefined, true, 5n * 10n ** 17n, 9_670_000n);
    b = averageCost(b, false, 25n * 10n ** 16n, 1_510_000n);
    expect(b).toEqual({ amountWad: 25n * 10n ** 16n, costUsd: 4_835_000n, realizedUsd: 1_510_000n - 4_835_000n });
    // a second buy adds at its own premium; selling everything leaves no cost and realizes the total
    b = averageCost(b, true, 25n * 10n ** 16n, 3_000_000n);
    b = averageCost(b, false, 5n * 10n ** 17n, 10_000_000n);
    expect(b.amountWad).toBe(0n);
    expect(b.costUsd).toBe(0n);
    expect(b.realizedUsd).toBe(1_510_000n + 10_000_000n - 9_670_000n - 3_000_000n); // proceeds - everything paid
  });
});

describe('trade history impact', () => {
  it('an open’s rebate is credited and paid on close; other fills say who pays', () => {
    expect(historyImpact('PositionIncreased', '-80000')).toBe('rebate $0.08, paid on close');
    expect(historyImpact('PositionIncreased', '120000')).toBe('you pay $0.12');
    expect(historyImpact('PositionDecreased', '-80000')).toBe('you receive $0.08');
    expect(historyImpact('PositionLiquidated', undefined)).toBe('—');
  });
});

describe('trade history PnL (review BG)', () => {
  it('reads the indexed decimal strings as numbers: "0" is zero, a liquidation shows its PnL', () => {
    // a liquidation without shortfall: net of fees (refund - collateral) and its PnL, no bad debt (before: "bad debt
    // $0.00", no PnL)
    expect(historyPnl('PositionLiquidated', { collateralUsd: '1000000000', traderRefundUsd: '20000000', pnlUsd: '-950000000', badDebtUsd: '0' })).toBe('−$980.00 net (PnL −$950.00)');
    expect(historyPnl('PositionLiquidated', { collateralUsd: '1000000000', traderRefundUsd: '0', pnlUsd: '-1200000000', badDebtUsd: '150000000' })).toBe('−$1,000.00 net (PnL −$1,200.00), bad debt $150.00');
    expect(historyPnl('PositionDecreased', { realizedPnlUsd: '-12500000' })).toBe('−$12.50');
    expect(historyPnl('PositionDecreased', { realizedPnlUsd: '0' })).toBe('$0.00');
    // an increase realizes the position's PnL first; an open realizes nothing
    expect(historyPnl('PositionIncreased', { realizedPnlUsd: '40000000' })).toBe('+$40.00');
    expect(historyPnl('PositionIncreased', { realizedPnlUsd: '0' })).toBe('—');
  });
});

describe('stopPastLiquidation', () => {
  it("warns of a stop the liquidation would beat, on each side, and not of one at the shown price (the engine's last held one)", () => {
    const liq = 2_500n * 10n ** 18n;
    expect(stopPastLiquidation(true, liq - 1n, liq)).toBe(true);
    expect(stopPastLiquidation(true, liq, liq)).toBe(false);
    expect(stopPastLiquidation(true, liq + 1n, liq)).toBe(false);
    expect(stopPastLiquidation(false, liq + 1n, liq)).toBe(true);
    expect(stopPastLiquidation(false, liq, liq)).toBe(false);
    expect(stopPastLiquidation(false, liq - 1n, liq)).toBe(false);
  });
});

describe('history charts break across missing buckets (review)', () => {
  it('puts one blank after each bucket the next does not follow, and none between consecutive ones', () => {
    const pts = [{ t: 0, nav: '1' }, { t: 60, nav: '2' }, { t: 300, nav: '3' }, { t: 360, nav: null }];
    expect(withGaps(pts, 60)).toEqual([{ t: 0, nav: '1' }, { t: 60, nav: '2' }, { t: 120, gap: 1 }, { t: 300, nav: '3' }, { t: 360, nav: null }]);
    expect(withGaps([], 60)).toEqual([]);
  });
});

describe('activity bars cover whole buckets (review BP)', () => {
  it('starts the range at a bucket boundary, so the first bar counts its whole span', () => {
    const res = 3600;
    const to = 10 * res + 1234;
    const from = wholeBucketsFrom(to, 6 * res, res);
    expect(from % res).toBe(0);
    expect(from).toBeLessThanOrEqual(to - 6 * res);
    expect(to - 6 * res - from).toBeLessThan(res);
    // the query's from is the first bar's own start: no event of that bucket is left out
    const bars = fillBuckets([], from, to, res);
    expect(bars[0].t).toBe(from);
    expect(bars.length).toBe(7);
    expect(wholeBucketsFrom(10 * res, 6 * res, res)).toBe(4 * res);
  });
});

describe("the order form's refusals, in the engine's order (orderLimitError)", () => {
  it('names the first limit the open would hit, and nothing for an open that fits', async () => {
    const { orderLimitError } = await import('@/components/trade/orderLimits');
    const USD = 10n ** 6n;
    const fits = { reservedAfterUsd: 100n * USD, openInterestAfterUsd: 1000n * USD, atProfitCap: false, belowMinCollateral: false, collateralAfterUsd: 100n * USD, exceedsMaxLeverage: false, equityUsd: 100n * USD, leverageWad: 10n ** 19n, maxLeverageWad: 5n * 10n ** 19n };
    const base = {
      preview: fits as never,
      pool: { reservedUsd: 50n * USD, poolCashUsd: 10_000n * USD, maxUtilizationBps: 8000 },
      poolError: undefined,
      perpLedger: { reservedUsd: 50n * USD, reserveCapBps: 9000 },
      engineAddress: '0x0000000000000000000000000000000000000001' as const,
      marketId: 2,
      isLong: true,
      oiCapUsd: 5000n * USD,
      minCollateralUsd: 10n * USD,
      addsSize: true,
    };
    expect(orderLimitError(base)).toBeUndefined();
    expect(orderLimitError({ ...base, pool: undefined, poolError: new Error('PriceTooOld') })).toMatch(/cannot be valued/);
    expect(orderLimitError({ ...base, preview: { ...fits, reservedAfterUsd: 8001n * USD } as never })).toMatch(/can back only \$7,950 more/);
    expect(orderLimitError({ ...base, perpLedger: { reservedUsd: 50n * USD, reserveCapBps: 50 } })).toBeDefined();
    expect(orderLimitError({ ...base, oiCapUsd: 999n * USD })).toBeDefined();
    expect(orderLimitError({ ...base, oiCapUsd: 999n * USD, addsSize: false })).toBeUndefined(); // collateral only
    expect(orderLimitError({ ...base, preview: { ...fits, atProfitCap: true } as never })).toMatch(/profit cap/);
    expect(orderLimitError({ ...base, preview: { ...fits, belowMinCollateral: true } as never })).toMatch(/below the market's minimum/);
    expect(orderLimitError({ ...base, preview: { ...fits, exceedsMaxLeverage: true, equityUsd: 0n } as never })).toMatch(/use up all the collateral/);
    expect(orderLimitError({ ...base, preview: { ...fits, exceedsMaxLeverage: true } as never })).toMatch(/is above the maximum/);
    // the pool-wide limit comes before the side's open-interest cap, as in the engine
    expect(orderLimitError({ ...base, oiCapUsd: 999n * USD, preview: { ...fits, reservedAfterUsd: 8001n * USD } as never })).toMatch(/can back only/);
  });
});
