import { defineChain, type Chain } from 'viem';
import { CHAIN_ID, DEFAULTS, PUBLIC_RPC_URL } from './config';

/** An EVM chain by id and RPC URL, the one definition the app and the services share: the local chain (anvil, as
 *  `npm start` runs it) is "Counterpool Local", any other `name` or "Chain <id>". */
export function chainAt(id: number, rpcUrl: string, name?: string): Chain {
  const local = id === DEFAULTS.chainId;
  return defineChain({
    id,
    name: local ? 'Counterpool Local' : (name ?? `Chain ${id}`),
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: local || undefined,
  });
}

/** Anvil, as started by `npm start`. */
export const localChain = chainAt(DEFAULTS.chainId, PUBLIC_RPC_URL);

/** The chain the app is configured for: the local one, or any EVM chain given by id and RPC URL. */
export const appChain: Chain = CHAIN_ID === DEFAULTS.chainId ? localChain : chainAt(CHAIN_ID, PUBLIC_RPC_URL, process.env.NEXT_PUBLIC_CHAIN_NAME);
