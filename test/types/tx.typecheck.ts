/**
 * Compile-time checks of the typed seams (run by `tsc --noEmit` in `npm run lint`): each `@ts-expect-error` line must
 * fail to type-check, so a misspelled function name or wrong arguments to the transaction hook break the build.
 */
import type { TxRequest } from '@/components/tx/useTx';
import { perpEngineAbi, liquidityPoolAbi } from '@/lib/contracts';

type Send = <const abi extends import('viem').Abi, fn extends import('viem').ContractFunctionName<abi, 'nonpayable' | 'payable'>>(req: TxRequest<abi, fn>) => Promise<boolean>;
declare const send: Send;
const address = '0x0000000000000000000000000000000000000001' as const;

export async function typedSeams() {
  await send({ address, abi: perpEngineAbi, functionName: 'increasePosition', args: [0n, true, 1n, 1n, 1n], label: 'ok' });
  await send({ address, abi: liquidityPoolAbi, functionName: 'deposit', args: [1n, address], label: 'ok' });
  // @ts-expect-error misspelled function name
  await send({ address, abi: perpEngineAbi, functionName: 'increasePositon', args: [0n, true, 1n, 1n, 1n], label: 'typo' });
  // @ts-expect-error wrong argument type (a number where a bigint is required)
  await send({ address, abi: perpEngineAbi, functionName: 'increasePosition', args: [0, true, 1n, 1n, 1n], label: 'bad args' });
  // @ts-expect-error a view is not a transaction
  await send({ address, abi: perpEngineAbi, functionName: 'position', args: [address, 0n, true], label: 'view' });
}

import { ev, resultNum } from '@/lib/events';

/** SQL over indexed events names events and fields through the generated ABI. */
export const typedEventSql = [
  resultNum('PositionLiquidated', 'badDebtUsd'),
  ev('PositionIncreased', 'Deposit', 'WithdrawalFilled', 'BadDebtAbsorbed'),
  // @ts-expect-error a field the event does not have (renamed fields fail the build)
  resultNum('PositionLiquidated', 'badDebt'),
  // @ts-expect-error an event no indexed contract emits
  ev('PositionLiquidate'),
];

import { qb } from '@/lib/db';
import { readAfterUpdate } from '@/lib/pyth/router';
import { readerAbi } from '@/lib/contracts';

/** The query builder's event filters name events of the generated ABIs; the router's reads are typed over them too. */
export const typedQueries = [
  qb.selectFrom('events').select('args').where('name', '=', 'PositionLiquidated'),
  // @ts-expect-error an event no indexed contract emits (the Kysely schema types `events.name` from the ABIs)
  qb.selectFrom('events').select('args').where('name', '=', 'PositionLiquidate'),
];

export async function typedReads(client: import('viem').PublicClient, c: import('@/lib/contracts').CounterpoolContracts) {
  const pool = await readAfterUpdate(client, c, [], { address, abi: readerAbi }, 'poolView', []);
  const nav: bigint = pool.navUsd; // the answer is typed from the ABI
  // @ts-expect-error misspelled view
  await readAfterUpdate(client, c, [], { address, abi: readerAbi }, 'poolVeiw', []);
  // @ts-expect-error wrong arguments (market ids are bigints)
  await readAfterUpdate(client, c, [], { address, abi: readerAbi }, 'market', [0]);
  return nav;
}
