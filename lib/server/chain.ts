import 'server-only';
import { createPublicClient, http } from 'viem';
import { appChain } from '../chain';
import { RPC_URL } from '../config';
import { contractsFor } from '../contracts';

/** Server-side viem client (reads RPC_URL, which may differ from the browser's). */
export const publicClient = createPublicClient({ chain: appChain, transport: http(RPC_URL) });
export const contracts = contractsFor(appChain.id);
