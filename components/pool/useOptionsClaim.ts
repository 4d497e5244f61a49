'use client';

import { useReadContracts } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { min } from '@/lib/math/fixed';
import type { PoolView } from './types';

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

/**
 * The deposit side of the LP band (P-57, P-76): deposits are priced at the NAV plus how far it could move before an
 * oracle update nobody sees yet (`navHighUsd - navUsd`), and the options book's part of it (its `riskUpUsd`, at most the
 * band), as a WAD fraction. Both undefined while the NAV cannot be valued; the share also while the book cannot.
 */
export function useDepositBand(pool?: PoolView): { bandUsd?: bigint; optionsShareWad?: bigint } {
  const riskUpUsd = useOptionsClaim().riskUpUsd;
  const bandUsd = pool?.navValid ? pool.navHighUsd - pool.navUsd : undefined;
  const optionsShareWad = riskUpUsd !== undefined && bandUsd !== undefined && bandUsd > 0n ? (min(riskUpUsd, bandUsd) * 10n ** 18n) / bandUsd : undefined;
  return { bandUsd, optionsShareWad };
}
