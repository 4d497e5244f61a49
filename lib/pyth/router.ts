/**
 * How an action on a pull-oracle (Pyth) market reaches the chain: the same call, wrapped in the PriceUpdateRouter's
 * entry point that posts the updates first (P-33): a trade or a close as `increasePosition`/`decreasePosition`, an
 * option as `callProduct`, an LP action as `callPool`, with the updates' fees as the value. The app's transaction
 * hook uses it for every action whose market reads Pyth; on push feeds nothing is wrapped.
 */
import {
  decodeFunctionResult,
  encodeFunctionData,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type DecodeFunctionResultParameters,
  type EncodeFunctionDataParameters,
  type Hex,
  type PublicClient,
  type ReadContractParameters,
} from 'viem';
import { priceUpdateRouterAbi } from '../contracts/generated';
import type { CounterpoolContracts } from '../contracts';
import type { PullUpdate } from './pull';

/** A contract call as the app builds it. */
export interface PlainCall {
  address: Address;
  abi: Abi | readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
}

/** The router call that posts `updates` and then makes `call`, for the same sender. */
export interface RoutedCall {
  address: Address;
  abi: typeof priceUpdateRouterAbi;
  functionName: 'increasePosition' | 'decreasePosition' | 'callProduct' | 'callPool';
  args: readonly unknown[];
  value: bigint;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The markets of `ids` that read a pull oracle. */
export function pullMarketsAmong(c: CounterpoolContracts, ids: readonly number[] | 'all'): number[] {
  return (ids === 'all' ? c.markets.map((m) => m.id) : ids).filter((id) => c.markets[id]?.pull === true);
}

/** The most native fee one update may ask for (Pyth charges a few wei per update): a server that answered more would
 *  have the wallet pay it to a feed, so the app refuses instead. */
export const MAX_UPDATE_FEE_WEI = 10n ** 15n;

/** `call` through the router with `updates` posted first. Throws for a contract the router does not forward to, and
 *  for an update that is not for one of the deployment's pull-oracle feeds or asks more than MAX_UPDATE_FEE_WEI: the
 *  app takes the updates from its server, and never sends value to a contract it does not know. */
export function throughRouter(c: CounterpoolContracts, call: PlainCall, updates: readonly PullUpdate[]): RoutedCall {
  const feeds = new Set(c.markets.filter((m) => m.pull).map((m) => m.feed.toLowerCase()));
  for (const u of updates) {
    if (!feeds.has(u.feed.toLowerCase())) throw new Error(`price update for ${u.feed}, not a pull-oracle feed of this deployment`);
    if (u.fee > MAX_UPDATE_FEE_WEI) throw new Error(`price update fee ${u.fee} wei is above ${MAX_UPDATE_FEE_WEI}: refused`);
  }
  const value = updates.reduce((s, u) => s + u.fee, 0n);
  const base = { address: c.router.address, abi: priceUpdateRouterAbi, value };
  const args = call.args ?? [];
  const data = (): Hex => encodeFunctionData({ abi: call.abi, functionName: call.functionName, args } as EncodeFunctionDataParameters);
  if (same(call.address, c.engine.address) && (call.functionName === 'increasePosition' || call.functionName === 'decreasePosition')) {
    return { ...base, functionName: call.functionName, args: [updates, ...args] };
  }
  if (same(call.address, c.optionsBook.address)) return { ...base, functionName: 'callProduct', args: [updates, c.optionsBook.address, data()] };
  if (same(call.address, c.pool.address)) return { ...base, functionName: 'callPool', args: [updates, data()] };
  throw new Error(`${call.functionName} on ${call.address} cannot go through the price-update router`);
}

/** The JSON /api/pyth/updates answers (fees as decimal strings) back into router updates. */
export function parseUpdates(body: unknown): PullUpdate[] {
  const list = (body as { updates?: unknown })?.updates;
  if (!Array.isArray(list)) throw new Error('the price service answered without updates');
  return list.map((u: { feed?: unknown; data?: unknown; fee?: unknown }) => {
    if (typeof u.feed !== 'string' || !Array.isArray(u.data) || typeof u.fee !== 'string') throw new Error('malformed price update');
    return { feed: u.feed as Address, data: u.data as Hex[], fee: BigInt(u.fee) };
  });
}

/** A probe account funded by a state override: a read through the router needs the updates' fee as its value, and an
 *  eth_call from an account without it fails. Nothing is sent. */
const PROBE = '0x000000000000000000000000000000000000c0de' as Address;

/** What view `functionName(args)` of `target` answers with `updates` posted first (PriceUpdateRouter.readAfterUpdate
 *  simulated; a direct read when there are none): how the app and the keeper read pull-oracle markets. */
export async function readAfterUpdate<
  const A extends Abi,
  F extends ContractFunctionName<A, 'pure' | 'view'>,
  const Args extends ContractFunctionArgs<A, 'pure' | 'view', F>,
>(
  client: PublicClient,
  c: CounterpoolContracts,
  updates: readonly PullUpdate[],
  target: { address: Address; abi: A },
  functionName: F,
  args: Args,
  account: Address = PROBE,
): Promise<ContractFunctionReturnType<A, 'pure' | 'view', F, Args>> {
  // viem's parameter types are conditional on A and F, which TypeScript cannot resolve inside a generic body: the
  // signature above is what callers are checked against
  const call = { abi: target.abi, functionName, args } as { abi: Abi; functionName: string; args: readonly unknown[] };
  if (updates.length === 0) {
    return client.readContract({ address: target.address, ...call } as ReadContractParameters) as Promise<ContractFunctionReturnType<A, 'pure' | 'view', F, Args>>;
  }
  const value = updates.reduce((s, u) => s + u.fee, 0n);
  const data = encodeFunctionData(call as EncodeFunctionDataParameters);
  const { result } = await client.simulateContract({
    ...c.router,
    functionName: 'readAfterUpdate',
    args: [updates, target.address, data],
    value,
    account,
    stateOverride: account === PROBE ? [{ address: PROBE, balance: value }] : undefined,
  });
  return decodeFunctionResult({ abi: call.abi, functionName: call.functionName, data: result } as DecodeFunctionResultParameters) as ContractFunctionReturnType<A, 'pure' | 'view', F, Args>;
}
