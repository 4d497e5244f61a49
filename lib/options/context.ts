/**
 * What the options pricing reads from the chain, in one place for the options page, the keeper and the tests: the
 * market's oracle price and the perpetual engine's variance estimators with a due sample applied
 * (PerpEngine.volatilityNow), its skew (its storage, decoded as OptionsBook._context does), and the options book's
 * expansion (its delta, gamma and vega feed the
 * impact). quoteOption(lib/math/options.ts) over this context equals OptionsBook.quote at the same block.
 */
import { encodeAbiParameters, keccak256, type PublicClient } from 'viem';
import { contractsFor } from '@/lib/contracts';
import type { OptionsPricingConfig, QuoteContext } from '@/lib/math/options';
import { estimator } from '@/lib/math/risk';
import type { PullUpdate } from '@/lib/pyth/pull';
import { readAfterUpdate } from '@/lib/pyth/router';

type Client = Pick<PublicClient, 'readContract' | 'getBlock' | 'chain'>;

/** IOptionsBook.Staleness, by value. */
export const STALENESS = ['Fresh', 'Dirty', 'TooOld', 'PriceMoved', 'VolatilityResampled', 'AwaitingSettlement'] as const;

/** Slot `offset` of market `marketId` in the engine's `markets` mapping (storage slot 2; layout in PerpState). */
export function perpMarketSlot(marketId: bigint, offset: bigint): `0x${string}` {
  const base = BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [marketId, 2n])));
  return `0x${(base + offset).toString(16).padStart(64, '0')}`;
}

const u = (word: `0x${string}`, shift: bigint, bits: bigint) => (BigInt(word) >> shift) & ((1n << bits) - 1n);

/** `updates`: on a pull-oracle (Pyth) market, the latest updates: the price is read as the router would post it
 *  (lib/pyth/router.ts readAfterUpdate, at the latest block). */
export async function readQuoteContext(client: Client, marketId: bigint, blockNumber: bigint, chainId = client.chain?.id ?? 31337, updates: readonly PullUpdate[] = []): Promise<QuoteContext> {
  const c = contractsFor(chainId);
  const vol =
    updates.length > 0
      ? (readAfterUpdate(client as PublicClient, c, updates, c.engine, 'volatilityNow', [marketId]) as Promise<readonly [bigint, bigint, bigint, bigint, bigint]>)
      : client.readContract({ ...c.engine, functionName: 'volatilityNow', args: [marketId], blockNumber });
  const [block, [spotWad, varianceWad, longVarianceWad, samplePriceWad, sampleAt], words, book, market] = await Promise.all([
    client.getBlock({ blockNumber }),
    vol,
    client.readContract({ ...c.engine, functionName: 'extsload', args: [[perpMarketSlot(marketId, 1n)]], blockNumber }),
    client.readContract({ ...c.optionsBook, functionName: 'book', args: [marketId], blockNumber }),
    client.readContract({ ...c.reader, functionName: 'market', args: [marketId], blockNumber }),
  ]);
  const [tokens] = words as readonly `0x${string}`[];
  return {
    nowSec: block.timestamp,
    spotWad,
    varianceWad,
    longVarianceWad,
    samplePriceWad,
    sampleAt,
    est: estimator({
      sampleIntervalSec: BigInt(market.config.sampleIntervalSec),
      clipSigmas: BigInt(market.config.clipSigmas),
      volTauSec: BigInt(market.config.volTauSec),
      longVolTauSec: BigInt(market.config.longVolTauSec),
      maxPriceAgeSec: BigInt(market.config.maxPriceAgeSec),
    }),
    perpDeltaTokens: u(tokens, 112n, 112n) - u(tokens, 0n, 112n),
    lagBps: BigInt(market.config.oracleLagBps),
    book: { refAt: book.refAt, refPriceWad: book.refPriceWad, maxMoveWad: book.maxMoveWad, deltaWad: book.deltaWad, gammaWad: book.gammaWad, vegaWad: book.vegaWad },
  };
}

/** The pricing fields of IOptionsBook.OptionsConfig as bigints. */
export function toPricingConfig(cfg: {
  callCapBps: number; minPremiumBps: number; ivMinWad: bigint; ivMaxWad: bigint; spreadVolWad: bigint; meanReversionWad: bigint;
  skewWad: bigint; smileWad: bigint; deltaScaleUsd: bigint; vegaScaleUsd: bigint;
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
  };
}
