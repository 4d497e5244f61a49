'use client';

import { useAccount, useReadContract } from 'wagmi';
import { ReceiverField, useReceiver } from '@/components/common/ReceiverField';
import { useContracts } from '@/components/common/useContracts';
import { fmtUsd } from '@/lib/format';
import { useTx } from '@/components/tx/useTx';

const ZERO = '0x0000000000000000000000000000000000000000' as const;

/**
 * What waits to be claimed by this wallet: equity a liquidation returned that the token refused to deliver (the core),
 * and what the order book owes it (execution fees of orders it executed as a keeper, refunds of cleared orders the
 * token refused).
 */
export function ClaimRefund() {
  const c = useContracts();
  const { address } = useAccount();
  const { send, pending } = useTx();
  const enabled = { query: { enabled: !!address } };
  const fromCore = useReadContract({ ...c.core, functionName: 'refundOf', args: [address ?? ZERO], ...enabled }).data;
  const fromOrders = useReadContract({ ...c.orderBook, functionName: 'owedUsd', args: [address ?? ZERO], ...enabled }).data;
  // The token refused this wallet once (a blocklist): the claim may go to another address of the owner's choosing.
  const r = useReceiver(address);
  const to = r.receiver;
  if (!address || (!fromCore && !fromOrders)) return null;
  const ready = !pending && !!to;
  return (
    <div className="card space-y-2 text-sm" data-testid="trade-refund">
      <ReceiverField id="refund-to" r={r} wallet={address} />
      {!!fromCore && (
        <p className="flex items-center justify-between gap-3">
          <span>{fmtUsd(fromCore)} of equity returned by a liquidation could not be delivered and waits for you.</span>
          <button className="btn-ghost" disabled={!ready} onClick={() => send({ ...c.core, functionName: 'claimRefund', args: [to!], label: `Claim ${fmtUsd(fromCore)}` })}>
            Claim
          </button>
        </p>
      )}
      {!!fromOrders && (
        <p className="flex items-center justify-between gap-3" data-testid="order-refund">
          <span>{fmtUsd(fromOrders)} of execution fees (earned executing orders, or refunds of your cleared orders the token refused) waits for you in the order book.</span>
          <button className="btn-ghost" disabled={!ready} onClick={() => send({ ...c.orderBook, functionName: 'claim', args: [to!, fromOrders], label: `Claim ${fmtUsd(fromOrders)} of order fees` })}>
            Claim
          </button>
        </p>
      )}
    </div>
  );
}
