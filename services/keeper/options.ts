/**
 * The options keeper's job, one pass per call of `tick` (the keeper runs it every few blocks):
 *   1. settle every expired board at the oracle's first round at or after its expiry (found by a search back from the
 *      feed's latest round; the feed verifies it on chain), then
 *   2. refresh the greek cache of every market whose expansion the NAV cannot use (dirty, too old, price moved,
 *      volatility resampled), so LP deposits and redemptions never wait on it and LPs never pay for it, and
 *   3. list the boards the schedule calls for (OptionsBook.listBoards is permissionless and idempotent).
 * Nothing is kept between passes: everything is read from the chain, so a restart mid-settlement (a settle sent but
 * not mined, a settle mined but the refresh not yet sent) resumes where the chain is; each action is simulated first,
 * so an action another keeper already took is skipped, not reverted.
 */
import type { PublicClient, WalletClient, Account, Chain, Transport } from 'viem';
import type { CounterpoolContracts } from '../../lib/contracts';
import { gasWithHeadroom } from '../../lib/gas';
import type { Logger } from '../lib/runtime';
import type { TxTracker } from './txs';

import { STALENESS } from '../../lib/options/context';
import { errorForLog } from '../../lib/errors';

export { STALENESS };

type Signer = WalletClient<Transport, Chain, Account>;
type Feed = CounterpoolContracts['feeds'][number];

export interface OptionsKeeperStats {
  boardsListed: number;
  boardsSettled: number;
  refreshes: number;
  failures: number;
}

/**
 * The first round of `feed` published at or after `timestamp`, or null if none yet: exponential search back from the
 * latest round to one before `timestamp`, then binary search. Rounds count up by one (dev feeds; a Chainlink phase).
 */
export async function firstRoundAtOrAfter(client: PublicClient, feed: Feed, timestamp: bigint, blockNumber?: bigint): Promise<bigint | null> {
  const at = async (id: bigint) => {
    const [, publishedAt] = await client.readContract({ ...feed, functionName: 'roundAt', args: [id], blockNumber });
    return publishedAt;
  };
  const latest = await client.readContract({ ...feed, functionName: 'latestRoundId', blockNumber });
  if (latest === 0n || (await at(latest)) < timestamp) return null;
  let hi = latest; // published >= timestamp
  let step = 1n;
  let lo = latest - step;
  for (;;) {
    if (lo <= 0n || (await at(lo)) === 0n) {
      lo = 0n; // before the feed's first round (or the phase's): treat as "published before"
      break;
    }
    if ((await at(lo)) < timestamp) break;
    hi = lo;
    step *= 2n;
    lo = hi > step ? hi - step : 0n;
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const t = await at(mid);
    if (t !== 0n && t >= timestamp) hi = mid;
    else lo = mid;
  }
  return hi;
}

export class OptionsKeeper {
  readonly stats: OptionsKeeperStats = { boardsListed: 0, boardsSettled: 0, refreshes: 0, failures: 0 };

  /** function + arguments of the transactions in flight: a pass never sends one twice before the first settles. */
  private pending = new Set<string>();

  /** `txs`: the keeper's transaction tracker (shared with its other sends: one account, one nonce). */
  constructor(
    private client: PublicClient,
    private signer: Signer,
    private c: CounterpoolContracts,
    private log: Logger,
    private txs: TxTracker,
  ) {}

  /** Markets with options enabled. */
  async markets(): Promise<bigint[]> {
    const out: bigint[] = [];
    for (const m of this.c.markets) {
      const cfg = await this.client.readContract({ ...this.c.optionsBook, functionName: 'config', args: [BigInt(m.id)] });
      if (cfg.strikeStepWad > 0n) out.push(BigInt(m.id));
    }
    return out;
  }

  async tick(): Promise<void> {
    const block = await this.client.getBlock();
    for (const marketId of await this.markets()) {
      await this.settleExpired(marketId, block.timestamp);
      await this.refreshIfStale(marketId);
      await this.send('listBoards', [marketId], (n) => n > 0n, (n) => (this.stats.boardsListed += Number(n)));
    }
  }

  async settleExpired(marketId: bigint, nowSec: bigint): Promise<void> {
    const ids = await this.client.readContract({ ...this.c.optionsBook, functionName: 'liveBoards', args: [marketId] });
    for (const boardId of ids) {
      const b = await this.client.readContract({ ...this.c.optionsBook, functionName: 'board', args: [boardId] });
      if (b.settled || BigInt(b.expiry) > nowSec) continue;
      const feed = this.c.feeds[Number(marketId)];
      const round = await firstRoundAtOrAfter(this.client, feed, BigInt(b.expiry));
      if (round === null) {
        this.log.info('board expired, waiting for the first price after expiry', { boardId, marketId, expiry: b.expiry });
        continue;
      }
      await this.send('settleBoard', [boardId, round], () => true, () => {
        this.stats.boardsSettled++;
        this.log.info('board settled', { boardId, marketId, round });
      });
    }
  }

  async refreshIfStale(marketId: bigint): Promise<void> {
    const st = await this.client.readContract({ ...this.c.optionsBook, functionName: 'staleness', args: [marketId] });
    if (st === 0 || STALENESS[st] === 'AwaitingSettlement') return; // fresh, or settlement first (next pass)
    await this.send('refresh', [marketId], () => true, () => {
      this.stats.refreshes++;
      this.log.info('options book refreshed', { marketId, reason: STALENESS[st] });
    });
  }

  /** Simulates, then sends when `worth(result)` and hands the transaction to the tracker (no receipt wait): `done`
   *  runs once it is mined successfully. A failed simulation is logged, not sent; true when sent. */
  private async send<F extends 'listBoards' | 'settleBoard' | 'refresh'>(
    functionName: F,
    args: readonly bigint[],
    worth: (result: bigint) => boolean,
    done: (result: bigint) => void,
  ): Promise<boolean> {
    const key = `${functionName}:${args.join(',')}`;
    if (this.pending.has(key)) return false;
    try {
      const { request, result } = await this.client.simulateContract({
        ...this.c.optionsBook,
        functionName,
        args,
        account: this.signer.account,
      } as Parameters<PublicClient['simulateContract']>[0]);
      const value = typeof result === 'bigint' ? result : 1n;
      if (!worth(value)) return false;
      const gas = gasWithHeadroom(await this.client.estimateContractGas(request as Parameters<PublicClient['estimateContractGas']>[0]));
      const sentBlock = await this.client.getBlockNumber();
      const hash = await this.signer.writeContract({ ...(request as Parameters<Signer['writeContract']>[0]), gas }).catch((e) => {
        this.txs.sendFailed();
        throw e;
      });
      this.pending.add(key);
      let counted = false; // a transaction reorged out and mined again is counted once
      this.txs.track({
        hash,
        label: `options ${functionName}`,
        sentBlock,
        onMined: (receipt) => {
          this.pending.delete(key);
          if (receipt.status === 'success') {
            if (!counted) done(value);
            counted = true;
            return;
          }
          this.stats.failures++;
          this.log.warn(`options ${functionName} reverted`, { hash, args: args.map(String) });
        },
        onReorged: () => this.pending.add(key), // tracked still: mined again, or given up
        onDropped: () => this.pending.delete(key),
      });
      return true;
    } catch (e) {
      this.stats.failures++;
      this.log.warn(`options ${functionName} not sent`, { args: args.map(String), error: errorForLog(e) });
      return false;
    }
  }
}
