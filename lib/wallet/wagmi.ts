import { connectorsForWallets, type Wallet } from '@rainbow-me/rainbowkit';
import { injectedWallet, metaMaskWallet, rabbyWallet, walletConnectWallet } from '@rainbow-me/rainbowkit/wallets';
import { createConfig, createConnector, http } from 'wagmi';
import { injected } from 'wagmi/connectors';
import { appChain } from '../chain';
import { DEV_WALLET_ENABLED, WALLETCONNECT_PROJECT_ID } from '../config';
import { createDevProvider, DEV_WALLET_FIRST_INDEX, DEV_WALLET_STORAGE_KEY } from './devProvider';

function devAccountIndex(): number {
  if (typeof window === 'undefined') return DEV_WALLET_FIRST_INDEX;
  const raw = window.localStorage.getItem(DEV_WALLET_STORAGE_KEY);
  const stored = raw === null ? NaN : Number(raw);
  return Number.isInteger(stored) && stored >= 0 && stored < 20 ? stored : DEV_WALLET_FIRST_INDEX;
}

const DEV_ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="6" fill="#0f766e"/><text x="14" y="19" font-size="13" text-anchor="middle" fill="white" font-family="monospace">dev</text></svg>',
  );

/** RainbowKit entry for the in-browser anvil wallet (local chain only, behind NEXT_PUBLIC_DEV_WALLET=1). */
const devWallet = (): Wallet => ({
  id: 'counterpool-dev',
  name: 'Dev wallet (anvil)',
  iconUrl: DEV_ICON,
  iconBackground: '#0f766e',
  installed: true,
  createConnector: (details) =>
    createConnector((config) => ({
      ...injected({
        target: () => ({ id: 'counterpool-dev', name: 'Dev wallet (anvil)', provider: createDevProvider(appChain, devAccountIndex()) }),
      })(config),
      ...details,
    })),
});

const wallets = [
  injectedWallet,
  ...(WALLETCONNECT_PROJECT_ID ? [metaMaskWallet, rabbyWallet, walletConnectWallet] : []),
  ...(DEV_WALLET_ENABLED && appChain.id === 31337 ? [devWallet] : []),
];

const connectors = connectorsForWallets([{ groupName: 'Wallets', wallets }], {
  appName: 'Counterpool',
  // WalletConnect-based wallets are only listed when a project id is configured; the value is unused otherwise.
  projectId: WALLETCONNECT_PROJECT_ID || 'unused-without-walletconnect',
});

/** The app's one wagmi config. */
export const wagmiConfig = createConfig({
  chains: [appChain],
  connectors,
  transports: { [appChain.id]: http(appChain.rpcUrls.default.http[0]) },
  ssr: true,
});

declare module 'wagmi' {
  interface Register {
    config: typeof wagmiConfig;
  }
}
