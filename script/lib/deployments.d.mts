/** One deployment's entry in lib/contracts/generated.ts (script/lib/deployments.mjs). */
export function deploymentEntry(
  d: Record<string, unknown>,
  f?: string,
): {
  chainId: number;
  startBlock: number;
  devFeeds: boolean;
  faucetToken: boolean;
  addresses: Record<string, `0x${string}`>;
  markets: { id: number; name: string; feed: `0x${string}`; pull: boolean }[];
};
