'use client';

import { contractsFor } from '@/lib/contracts';
import { appChain } from '@/lib/chain';

/** The typed contract map of the configured chain. */
export function useContracts() {
  return contractsFor(appChain.id);
}
