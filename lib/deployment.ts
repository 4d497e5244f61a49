/**
 * The database schema a deployment's data lives in, named by chain id and the core's address: one database never
 * mixes two deployments' data (a redeploy on the same chain, another chain), and a restart finds its own. The indexer
 * creates it and writes there; the API reads there (both `SET search_path` on every connection).
 */
export function deploymentSchema(chainId: number, coreAddress: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(coreAddress)) throw new Error(`not an address: ${coreAddress}`);
  return `cp_${Math.trunc(chainId)}_${coreAddress.slice(2).toLowerCase()}`;
}
