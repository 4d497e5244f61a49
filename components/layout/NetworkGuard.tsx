'use client';

import { useAccount, useSwitchChain } from 'wagmi';
import { appChain } from '@/lib/chain';

/** Connected to another chain: say so and offer the switch. */
export function NetworkGuard() {
  const { isConnected, chainId } = useAccount();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!isConnected || chainId === appChain.id) return null;
  return (
    <div role="alert" className="border-b border-amber-700 bg-amber-950/60 px-4 py-2 text-sm text-amber-200">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-2">
        <span>
          Your wallet is on chain {chainId}; Counterpool runs on {appChain.name} ({appChain.id}).
          {error ? ` ${error.message}` : ''}
        </span>
        <button className="btn" disabled={isPending} onClick={() => switchChain({ chainId: appChain.id })}>
          {isPending ? 'Switching…' : `Switch to ${appChain.name}`}
        </button>
      </div>
    </div>
  );
}
