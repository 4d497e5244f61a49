import { defineChain, type Chain } from 'viem';
import { CHAIN_ID, PUBLIC_RPC_URL } from './config';

/** Anvil, as started by `npm start`. */
export const localChain = defineChain({
  id: 31337,
  name: 'Counterpool Local',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [PUBLIC_RPC_URL] } },
  testnet: true,
});

/** The chain the app is configured for: the local one, or any EVM chain given by id and RPC URL. */
export const appChain: Chain =
  CHAIN_ID === 31337
    ? localChain
    : defineChain({
        id: CHAIN_ID,
        name: process.env.NEXT_PUBLIC_CHAIN_NAME ?? `Chain ${CHAIN_ID}`,
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [PUBLIC_RPC_URL] } },
      });
