import { getAbiItem, type Address, type PublicClient } from 'viem';
import { perpEngineAbi } from './contracts';
import { blockHashAt, logsInRanges } from './logRange';

const increased = getAbiItem({ abi: perpEngineAbi, name: 'PositionIncreased' });

/** A log's place on the chain (block, then index in it), comparable across contracts' events. */
export const logPlace = (l: { blockNumber: bigint; logIndex: number }) => l.blockNumber * 1_000_000n + BigInt(l.logIndex);

/**
 * Where `account`'s position on a market side was last opened from zero (an increase whose size after is its delta),
 * as a logPlace; -1 if it never was. A take-profit or stop-loss placed before that was inherited from a closed position:
 * the order book ties reduce-only orders to the market and side, not to one position (its keeper clears them once the
 * position is gone, but one reopened first takes them over).
 */
export async function positionOpenedPlace(
  client: PublicClient,
  engine: Address,
  account: Address,
  marketId: number,
  isLong: boolean,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<bigint> {
  const read = (from: bigint, to: bigint) =>
    client.getLogs({ address: engine, event: increased, args: { account, marketId: BigInt(marketId), isLong }, fromBlock: from, toBlock: to });
  const logs = await logsInRanges(`opened:${engine}:${account}:${marketId}:${isLong}`, fromBlock, toBlock, read, blockHashAt(client));
  const fromZero = logs.filter((l) => l.args.result!.sizeUsd === l.args.result!.sizeDeltaUsd);
  return fromZero.length > 0 ? logPlace(fromZero[fromZero.length - 1]) : -1n;
}
