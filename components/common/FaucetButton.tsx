'use client';

import { parseUnits } from 'viem';
import { useAccount } from 'wagmi';
import { useTx } from '@/components/tx/useTx';
import { useContracts } from './useContracts';

/** Mints 10,000 test USDC to the connected account (local and demo chains). */
export function FaucetButton() {
  const c = useContracts();
  const { isConnected } = useAccount();
  const { send, pending } = useTx();
  if (!c.devFeeds) return null;
  return (
    <button
      className="btn-ghost"
      disabled={!isConnected || pending}
      onClick={() =>
        send({ ...c.token, functionName: 'faucet', args: [parseUnits('10000', 6)], label: 'Faucet 10,000 USDC' })
      }
    >
      {pending ? 'Minting…' : 'Get 10,000 test USDC'}
    </button>
  );
}
