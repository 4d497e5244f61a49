/**
 * What the options pricing reads from the chain, in one place for the options page, the keeper and the tests: the
 * market's oracle price, the perpetual engine's variance estimators with a due sample applied, its skew, oracle lag and
 * estimator parameters (PerpEngine.volatilityNow, one read, as OptionsBook._context makes it), and the options book's
 * expansion (its delta, gamma and vega feed the impact). quoteOption(lib/math/options.ts) over this context equals
 * OptionsBook.quote at the same block.
 */
import type { PublicClient } from 'viem';
import { contractsFor } from '@/lib/contracts';
import type { OptionsPricingConfig, QuoteContext } from '@/lib/math/options';
import type { PullUpdate } from '@/lib/pyth/pull';
import { readAfterUpdate } from '@/lib/pyth/router';

type Client = Pick<PublicClient, 'readContract' | 'getBlock' | 'chain'>;

/** IOptionsBook.Staleness, by value. */
export const STALENESS = ['Fresh', 'Dirty', 'TooOld', 'PriceMoved', 'VolatilityResampled', 'AwaitingSettlement'] as const;

function readPricingInputs(client: Client, c: ReturnType<typeof contractsFor>, marketId: bigint, blockNumber: bigint) {
  return client.readContract({ ...c.engine, functionName: 'volatilityNow', args: [marketId], blockNumber });
}

/** `updates`: on a pull-oracle (Pyth) market, the latest updates: the price is read as the router would post it
 *  (lib/pyth/router.ts readAfterUpdate, at the latest block). */
export async function readQuoteContext(client: Client, marketId: bigint, blockNumber: bigint, chainId = client.chain?.id ?? 31337, updates: readonly PullUpdate[] = []): Promise<QuoteContext> {
  const c = contractsFor(chainId);
  const inputs =
    updates.length > 0
      ? readAfterUpdate(client as PublicClient, c, updates, c.engine, 'volatilityNow', [marketId])
      : readPricingInputs(client, c, marketId, blockNumber);
  const [block, p, book, pool] = await Promise.all([
    client.getBlock({ blockNumber }),
    inputs,
    client.readContract({ ...c.optionsBook, functionName: 'book', args: [marketId], blockNumber }),
    client.readContract({ ...c.core, functionName: 'poolConfig', blockNumber }),
  ]);
  return {
    nowSec: block.timestamp,
    spotWad: p.priceWad,
    varianceWad: p.varianceWad,
    longVarianceWad: p.longVarianceWad,
    samplePriceWad: p.samplePriceWad,
    sampleAt: p.sampleAt,
    est: { ...p.est },
    perpDeltaTokens: p.shortTokens - p.longTokens, // the pool's delta from the perpetuals
    lagBps: p.oracleLagBps,
    book: { refAt: book.refAt, refPriceWad: book.refPriceWad, maxMoveWad: book.maxMoveWad, validUntil: book.validUntil, deltaWad: book.deltaWad, gammaWad: book.gammaWad, vegaWad: book.vegaWad, nearestExpiry: book.nearestExpiry, holdsSettled: book.holdsSettled, tokensWad: book.tokensWad },
    reserveRateWad: pool.baseRateWad + pool.slope1Wad, // OptionsBook._withPoolTerms
  };
}

/** The pricing fields of IOptionsBook.OptionsConfig as bigints. */
export function toPricingConfig(cfg: {
  callCapBps: number; minPremiumBps: number; ivMinWad: bigint; ivMaxWad: bigint; spreadVolWad: bigint; meanReversionWad: bigint;
  skewWad: bigint; smileWad: bigint; deltaScaleUsd: bigint; vegaScaleUsd: bigint; tradingCutoffSec: number;
}): OptionsPricingConfig {
  return {
    callCapBps: BigInt(cfg.callCapBps),
    minPremiumBps: BigInt(cfg.minPremiumBps),
    ivMinWad: cfg.ivMinWad,
    ivMaxWad: cfg.ivMaxWad,
    spreadVolWad: cfg.spreadVolWad,
    meanReversionWad: cfg.meanReversionWad,
    skewWad: cfg.skewWad,
    smileWad: cfg.smileWad,
    deltaScaleUsd: cfg.deltaScaleUsd,
    vegaScaleUsd: cfg.vegaScaleUsd,
    tradingCutoffSec: BigInt(cfg.tradingCutoffSec),
  };
}
