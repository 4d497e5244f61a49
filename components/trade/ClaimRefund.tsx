'use client';

import { useAccount, useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { fmtUsd } from '@/lib/format';
import { useTx } from '@/components/tx/useTx';

const ZERO = '0x0000000000000000000000000000000000000000' as const;

/** A liquidation returns the equity beyond its fee; if the token refused to deliver it, it waits here to be claimed. */
export function ClaimRefund() {
  const c = useContracts();
  const { address } = useAccount();
  const { send, pending } = useTx();
  const owed = useReadContract({ ...c.core, functionName: 'refundOf', args: [address ?? ZERO], query: { enabled: !!address } }).data;
  if (!address || !owed) return null;
  return (
    <p className="card flex items-center justify-between gap-3 text-sm" data-testid="trade-refund">
      <span>{fmtUsd(owed)} of equity returned by a liquidation could not be delivered and waits for you.</span>
      <button className="btn-ghost" disabled={pending} onClick={() => send({ ...c.core, functionName: 'claimRefund', args: [address], label: `Claim ${fmtUsd(owed)}` })}>
        Claim
      </button>
    </p>
  );
}
