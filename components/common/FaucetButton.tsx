'use client';

import { parseUnits } from 'viem';
import { useTx } from '@/components/tx/useTx';
import { useContracts } from './useContracts';
import { useTokenSymbol } from './useTokenSymbol';

/** Mints 10,000 test tokens to the connected account: only on deployments that settle in their own faucet token. */
export function FaucetButton() {
  const c = useContracts();
  const { send, pending, blocked } = useTx();
  const sym = useTokenSymbol();
  if (!c.faucetToken) return null;
  return (
    <button
      className="btn-ghost"
      disabled={!!blocked || pending}
      title={blocked}
      onClick={() =>
        send({ ...c.token, functionName: 'faucet', args: [parseUnits('10000', 6)], label: `Faucet 10,000 ${sym}` })
      }
    >
      {pending ? 'Minting…' : `Get 10,000 test ${sym}`}
    </button>
  );
}
