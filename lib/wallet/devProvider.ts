import {
  createPublicClient,
  createWalletClient,
  http,
  numberToHex,
  type Chain,
  type EIP1193Provider,
  type Hex,
  type TransactionRequest,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { DEFAULTS } from '../config';

/** anvil's public dev mnemonic: its keys fund every local chain and must never hold real value. */
export const ANVIL_MNEMONIC = DEFAULTS.devMnemonic;
/** Accounts 0-14 belong to the deployer, keeper and simulator; the browser dev wallet uses 15-19. */
export const DEV_WALLET_FIRST_INDEX = 15;
export const DEV_WALLET_STORAGE_KEY = 'counterpool.devAccountIndex';
/** Set once the user connected the dev wallet, so it reconnects on reload but never connects on its own. */
const AUTHORIZED_KEY = 'counterpool.devWalletAuthorized';

function authorized(): boolean {
  return typeof window !== 'undefined' && window.localStorage.getItem(AUTHORIZED_KEY) === '1';
}

function setAuthorized(on: boolean) {
  if (typeof window === 'undefined') return;
  if (on) window.localStorage.setItem(AUTHORIZED_KEY, '1');
  else window.localStorage.removeItem(AUTHORIZED_KEY);
}

type Listener = (...args: unknown[]) => void;

export interface DevProvider {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: Listener): void;
  removeListener(event: string, listener: Listener): void;
}

class ProviderRpcError extends Error {
  constructor(
    public code: number,
    message: string,
  ) {
    super(message);
  }
}

type RpcTx = { from?: Hex; to?: Hex; data?: Hex; value?: Hex; gas?: Hex; nonce?: Hex };

/**
 * An EIP-1193 provider over a viem local account: signs in the browser with one of anvil's dev keys and forwards
 * reads to the chain's RPC. Only for the local chain.
 */
export function createDevProvider(chain: Chain, addressIndex: number): DevProvider & EIP1193Provider {
  const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
  const transport = http(chain.rpcUrls.default.http[0]);
  const wallet = createWalletClient({ account, chain, transport });
  const reader = createPublicClient({ chain, transport });
  const listeners = new Map<string, Set<Listener>>();

  const provider: DevProvider = {
    async request({ method, params }) {
      const p = (params ?? []) as unknown[];
      switch (method) {
        case 'eth_requestAccounts':
          setAuthorized(true);
          return [account.address];
        case 'eth_accounts':
          return authorized() ? [account.address] : [];
        case 'wallet_revokePermissions':
          setAuthorized(false);
          return null;
        case 'eth_chainId':
          return numberToHex(chain.id);
        case 'net_version':
          return String(chain.id);
        case 'wallet_switchEthereumChain': {
          const wanted = Number((p[0] as { chainId: Hex }).chainId);
          if (wanted !== chain.id) throw new ProviderRpcError(4902, `The dev wallet only knows chain ${chain.id}`);
          return null;
        }
        case 'wallet_requestPermissions':
          setAuthorized(true);
          return [{ parentCapability: 'eth_accounts' }];
        case 'wallet_getPermissions':
          return authorized() ? [{ parentCapability: 'eth_accounts' }] : [];
        case 'eth_sendTransaction': {
          const tx = p[0] as RpcTx;
          const request: TransactionRequest = {
            to: tx.to,
            data: tx.data,
            value: tx.value ? BigInt(tx.value) : undefined,
            gas: tx.gas ? BigInt(tx.gas) : undefined,
            nonce: tx.nonce ? Number(tx.nonce) : undefined,
          };
          return wallet.sendTransaction({ ...request, account, chain } as Parameters<typeof wallet.sendTransaction>[0]);
        }
        case 'personal_sign':
          return account.signMessage({ message: { raw: p[0] as Hex } });
        case 'eth_signTypedData_v4': {
          const typed = JSON.parse(p[1] as string);
          return account.signTypedData(typed);
        }
        default:
          return reader.request({ method, params } as Parameters<typeof reader.request>[0]);
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
    },
  };
  // EIP1193Provider's request is typed per method; this one answers the methods above and forwards the rest
  return provider as DevProvider & EIP1193Provider;
}
