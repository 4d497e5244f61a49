'use client';

import { zeroAddress } from 'viem';
import { useReadContract } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';

/**
 * The core's sequencer sentinel (an L2 deployment): whether new risk waits. `down` while the sequencer is down (the
 * core's view reverts), `graceEndsAt` (unix seconds) while the grace period after a restart runs; both empty on an L1.
 */
export function useSequencerGrace(): { down: boolean; graceEndsAt?: number } {
  const c = useContracts();
  const feed = useReadContract({ ...c.core, functionName: 'sequencerUptimeFeed' }).data;
  const hasSentinel = feed !== undefined && feed !== zeroAddress;
  const q = useReadContract({
    ...c.core,
    functionName: 'sequencerGraceEndsAt',
    query: { enabled: hasSentinel, refetchInterval: 10_000, retry: false },
  });
  if (!hasSentinel) return { down: false };
  if (q.error) return { down: true };
  const endsAt = q.data !== undefined ? Number(q.data) : 0;
  return { down: false, graceEndsAt: endsAt > 0 ? endsAt : undefined };
}
