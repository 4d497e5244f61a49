// One deployment's entry in lib/contracts/generated.ts, from deployments/<chainId>.json as the deploy script writes it
// (script/codegen.mjs; tests that deploy to a chain of their own build the same entry).
const ADDRESS_KEYS = ['ClearingCore', 'PerpEngine', 'LiquidityPool', 'Reader', 'PriceUpdateRouter', 'FaucetToken', 'OrderBook', 'OptionsBook'];

/** @param d the parsed deployment file; @param f its name, for errors */
export function deploymentEntry(d, f = `${d.chainId}.json`) {
  const addresses = {};
  for (const k of ADDRESS_KEYS) {
    if (!d[k]) throw new Error(`deployments/${f} has no ${k}: redeploy`);
    addresses[k] = d[k];
  }
  // Markets: one feed per market id, in listing order (script/markets.json); nothing here names a market.
  if (!Array.isArray(d.feeds) || !Array.isArray(d.marketNames) || d.feeds.length !== d.marketNames.length) {
    throw new Error(`deployments/${f} needs equal-length feeds and marketNames: redeploy`);
  }
  // pull: the market reads a Pyth pull oracle (updates posted through the PriceUpdateRouter in the trade's transaction).
  const markets = d.marketNames.map((name, id) => ({ id, name, feed: d.feeds[id], pull: Boolean(d.pullMarkets?.[id]) }));
  // faucetToken: the settlement token is this deployment's faucet token (a test chain), not a real stablecoin
  return { chainId: d.chainId, startBlock: d.startBlock, devFeeds: d.devFeeds, faucetToken: d.faucetToken ?? d.devFeeds, addresses, markets };
}
