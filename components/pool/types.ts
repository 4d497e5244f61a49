import type { ContractFunctionReturnType } from 'viem';
import type { readerAbi } from '@/lib/contracts';

/** Reader.poolView: the pool's state with every index accrued to the block. */
export type PoolView = ContractFunctionReturnType<typeof readerAbi, 'view', 'poolView'>;
/** Reader.withdrawalQueue: one of the LP's waiting requests and what waits ahead of it. */
export type QueuedRequest = ContractFunctionReturnType<typeof readerAbi, 'view', 'withdrawalQueue'>[0][number];

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as const;
