'use client';

import { useReadContracts } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';

/**
 * The options product's claim on the pool (IProduct.poolClaimUsd) and its ledger: the NAV's options term (negative:
 * what holders are owed), the part of the LP band it adds (how far the term could move before an update nobody sees
 * coming: redemptions are priced `riskDownUsd` low, deposits `riskUpUsd` high) and its reserve. `stale` while the
 * greek cache cannot value the book (LP flows wait for the keeper's refresh).
 */
export function useOptionsClaim() {
  const c = useContracts();
  const r = useReadContracts({
    contracts: [
      { ...c.optionsBook, functionName: 'poolClaimUsd', args: [0n] },
      { ...c.core, functionName: 'productLedger', args: [c.optionsBook.address] },
    ],
    query: { refetchInterval: 4000 },
  });
  const claim = r.data?.[0]?.status === 'success' ? r.data[0].result : undefined;
  return {
    claimUsd: claim?.[0],
    riskDownUsd: claim?.[1],
    riskUpUsd: claim?.[2],
    stale: r.data?.[0]?.status === 'failure',
    ledger: r.data?.[1]?.status === 'success' ? r.data[1].result : undefined,
  };
}
