import type { Address } from 'viem';
import {
  clearingCoreAbi,
  counterpoolErrorsAbi,
  deployments,
  devPriceFeedAbi,
  faucetTokenAbi,
  liquidityPoolAbi,
  optionsBookAbi,
  orderBookAbi,
  perpEngineAbi,
  priceUpdateRouterAbi,
  readerAbi,
} from './generated';

export { clearingCoreAbi, counterpoolErrorsAbi, deployments, devPriceFeedAbi, faucetTokenAbi, liquidityPoolAbi, optionsBookAbi, orderBookAbi, perpEngineAbi, priceUpdateRouterAbi, readerAbi };

export type DeployedChainId = keyof typeof deployments;

/** The typed contract map of one chain: `{ address, abi }` per contract, from the generated module. */
export function contractsFor(chainId: number) {
  const d = (deployments as Record<number, (typeof deployments)[DeployedChainId] | undefined>)[chainId];
  if (!d) throw new Error(`No Counterpool deployment for chain ${chainId}: run the deploy script and \`npm run codegen\``);
  const a = d.addresses;
  return {
    chainId: d.chainId as number,
    startBlock: BigInt(d.startBlock),
    devFeeds: d.devFeeds as boolean,
    /** The settlement token is this deployment's faucet token (test chains): the app offers its faucet. */
    faucetToken: d.faucetToken as boolean,
    /** The ledger: custody, pool cash, borrow index, solvency, NAV (poolState, poolConfig, poolValueUsd, ...). */
    core: { address: a.ClearingCore as Address, abi: clearingCoreAbi },
    /** The perpetuals product: traders approve it and trade through it. */
    engine: { address: a.PerpEngine as Address, abi: perpEngineAbi },
    pool: { address: a.LiquidityPool as Address, abi: liquidityPoolAbi },
    reader: { address: a.Reader as Address, abi: readerAbi },
    /** Posts pull-oracle (Pyth) updates and trades in the same transaction; unused by markets on push feeds. */
    router: { address: a.PriceUpdateRouter as Address, abi: priceUpdateRouterAbi },
    /** Trigger orders (limit, stop, take-profit, stop-loss): traders approve it for execution fees; keepers fill. */
    orderBook: { address: a.OrderBook as Address, abi: orderBookAbi },
    /** The options product: boards, buy and sell against the pool, settlement, the greek cache. */
    optionsBook: { address: a.OptionsBook as Address, abi: optionsBookAbi },
    token: { address: a.FaucetToken as Address, abi: faucetTokenAbi },
    /** Every listed market in id order, as the deployment lists them (names come from the chain too). */
    markets: d.markets.map((m) => ({ id: m.id as number, name: m.name as string, feed: m.feed as Address, pull: m.pull as boolean })),
    /** One price feed per market id (dev feeds take setPrice; real feeds share the read interface). */
    feeds: d.markets.map((m) => ({ address: m.feed as Address, abi: devPriceFeedAbi })),
  } as const;
}

export type CounterpoolContracts = ReturnType<typeof contractsFor>;

/** Every event the indexer stores: the core's, the products' (perpetuals, options), the vault's and the order book's
 *  (one list for the indexer and the tests that compare its tables with the chain). */
export const indexedEventsAbi = [...clearingCoreAbi, ...perpEngineAbi, ...liquidityPoolAbi, ...optionsBookAbi, ...orderBookAbi] as const;

/** The contracts whose events the indexer stores. */
export const indexedAddresses = (c: CounterpoolContracts) => [c.core.address, c.engine.address, c.pool.address, c.optionsBook.address, c.orderBook.address];
