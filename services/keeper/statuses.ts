/**
 * The keeper's status reads (Reader.statuses) in chunks a node will run. A read costs about 28k gas per position, so
 * `KEEPER_STATUS_CHUNK` (200) positions stay far under any node's cap for calls; a node with a lower cap answers a
 * read past it with "out of gas" (or an empty revert), and the market's reads are then asked in halves, and stay that
 * size, so a crowded market is never skipped for good (before, a 500-position read past anvil's 30M cap after a crash
 * left 334 of 1,002 positions unliquidated).
 */
import { BaseError, ContractFunctionRevertedError } from 'viem';
import type { Logger } from '../lib/runtime';

/** Whether a call failed for gas: the node's words for it, or a revert no ABI error or reason string explains. */
export function outOfGas(e: unknown): boolean {
  if (!(e instanceof BaseError)) return false;
  if (/out ?of ?gas|gas required exceeds|exceeds (block )?gas limit|gas cap/i.test(e.message)) return true;
  // no error the ABI or Solidity names (a stale price reverts PriceTooOld, decoded): what a call out of gas leaves
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  return revert !== null && !revert.data?.errorName && !revert.signature;
}

export class StatusReads {
  /** per market, once a read at the default size ran out of gas */
  private chunk = new Map<bigint, number>();

  constructor(
    private defaultChunk: number,
    private log: Logger,
  ) {}

  /** The positions a market's reads ask for at a time now. */
  chunkFor(marketId: bigint): number {
    return this.chunk.get(marketId) ?? this.defaultChunk;
  }

  /**
   * Reads `refs` (one market's) through `read`, a chunk at a time, and returns the statuses in `refs`' order. A chunk
   * that runs out of gas is asked again in halves; any other failure (a revert with a reason, such as a stale price,
   * or an RPC error) is thrown, and the market's next pass starts again at the default size.
   */
  async read<R, S>(marketId: bigint, refs: readonly R[], read: (chunk: R[]) => Promise<readonly S[]>): Promise<S[]> {
    const out: S[] = [];
    while (out.length < refs.length) {
      const size = this.chunkFor(marketId);
      const chunk = refs.slice(out.length, out.length + size);
      try {
        const got = await read(chunk);
        if (got.length !== chunk.length) throw new Error(`status read answered ${got.length} for ${chunk.length} positions`);
        out.push(...got);
      } catch (e) {
        // halved from what was sent: a market with fewer positions than the size would otherwise send the same read
        // again at each "halving" (review BL: 9 reads for 3 positions)
        if (chunk.length > 1 && outOfGas(e)) {
          this.chunk.set(marketId, Math.ceil(chunk.length / 2));
          this.log.warn('status read over the gas cap: asking half', { marketId: Number(marketId), positions: chunk.length });
          continue;
        }
        this.chunk.delete(marketId);
        throw e;
      }
    }
    return out;
  }
}
