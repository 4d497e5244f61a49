/**
 * Runtime configuration shared by the app, the services and the tests. Public values use NEXT_PUBLIC_* so the
 * browser bundle sees the same chain as the server; services read the plain names first.
 */
import DEFAULTS from './defaults.json';

/** Local defaults (ports, dev mnemonic, chain id), defined once in lib/defaults.json. */
export { DEFAULTS };
export const LOCAL_RPC_URL = `http://127.0.0.1:${DEFAULTS.ports.anvil}`;
export const CHAIN_ID = Number(process.env.CHAIN_ID ?? process.env.NEXT_PUBLIC_CHAIN_ID ?? DEFAULTS.chainId);
export const RPC_URL = process.env.RPC_URL ?? process.env.NEXT_PUBLIC_RPC_URL ?? LOCAL_RPC_URL;
/** Browser-side RPC (may differ from the server's, e.g. behind a proxy). */
export const PUBLIC_RPC_URL = process.env.NEXT_PUBLIC_RPC_URL ?? LOCAL_RPC_URL;
export const WALLETCONNECT_PROJECT_ID = process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID ?? '';
/** The in-browser dev wallet (anvil keys) is offered only on the local chain and only when this flag is set. */
export const DEV_WALLET_ENABLED = process.env.NEXT_PUBLIC_DEV_WALLET === '1';
