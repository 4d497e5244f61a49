/**
 * The options keeper's job, one pass per call of `tick` (the keeper runs it every few blocks):
 *   1. settle every expired board at the oracle's first round at or after its expiry (found by a search back from the
 *      feed's latest round; the feed verifies it on chain), then
 *   2. refresh the greek cache of every market whose expansion the NAV cannot use (dirty, too old, price moved,
 *      volatility resampled), so LP deposits and redemptions never wait on it and LPs never pay for it, and
 *   3. list the boards the schedule calls for (OptionsBook.listBoards is permissionless and idempotent).
 * On a pull-oracle (Pyth) market a board settles on the first update after its expiry, fetched from Hermes and
 * recorded on the feed (PythPriceFeed.recordSettlementPrice proves it is the first), and the refresh and listing go
 * through the PriceUpdateRouter with Hermes' latest update posted in the same call.
 * Nothing is kept between passes: everything is read from the chain, so a restart mid-settlement (a settle sent but
 * not mined, a settle mined but the refresh not yet sent) resumes where the chain is; each action is simulated first,
 * so an action another keeper already took is skipped, not reverted. Boards and simulations are read at the node's
 * pending block, which holds its mempool: a settle a restarted keeper's predecessor sent and the node has not mined yet
 * counts as done, not sent again to revert (review AW); a node that cannot serve the pending block (probed once with a
 * read that cannot revert) is read at the latest.
 */
import { BaseError, ContractFunctionRevertedError, decodeFunctionResult, encodeFunctionData, type Abi, type Address, type Hex, type PublicClient, type WalletClient, type Account, type Chain, type Transport, type TransactionReceipt } from 'viem';
import { optionsBookAbi, pythPriceFeedAbi } from '../../lib/contracts/generated';
import type { Hermes } from '../../lib/pyth/hermes';
import { PullPrices, PYTH_FEE_ABI, type PullUpdate } from '../../lib/pyth/pull';
import type { CounterpoolContracts } from '../../lib/contracts';
import type { Logger } from '../lib/runtime';
import { sendSimulated, type TxTracker } from './txs';
import { boardsListedIn } from './receipts';

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

/** The first delay before a refused pull-oracle settlement update is asked for again (then doubled each time). */
export const REFUSED_RETRY_MS = 60_000;

export class OptionsKeeper {
  readonly stats: OptionsKeeperStats = { boardsListed: 0, boardsSettled: 0, refreshes: 0, failures: 0 };

  /** function + arguments of the transactions in flight: a pass never sends one twice before the first settles. */
  private pending = new Set<string>();

  /** Pull-oracle boards whose settlement update the chain refused (Hermes' first update after expiry is outside the
   *  adapter's window: Pyth published none in it, or Hermes answered with a later one): asked again after a delay that
   *  doubles from REFUSED_RETRY_MS to an hour, not on every pass (review AW). Past the book's FALLBACK_SETTLEMENT_DELAY
   *  the risk role settles such a board (settleBoardFallback). */
  private refused = new Map<bigint, { retryAtMs: number; delayMs: number }>();

  /** `txs`: the keeper's transaction tracker (shared with its other sends: one account, one nonce). */
  constructor(
    private client: PublicClient,
    private signer: Signer,
    private c: CounterpoolContracts,
    private log: Logger,
    private txs: TxTracker,
    /** where the first Pyth update after an expiry comes from (pull-oracle markets); none: such boards wait */
    private hermes?: Hermes,
    /** pull markets' latest updates (shared with the keeper's other jobs; its own from `hermes` when not given) */
    private pull: PullPrices = new PullPrices(client, c, log, hermes),
    /** the keeper's fee cap per gas (KEEPER_MAX_GWEI); none: the node's estimate as it is */
    private feeCapPerGas?: bigint,
  ) {}

  /** Whether the node serves reads at its pending block: unknown until a probe answers (review BA: telling a node's
   *  refusal of the tag from a revert by the error alone misread both ways). */
  private pendingServed: boolean | undefined;

  /** The block the keeper reads and simulates at: the pending one where the node serves it, probed once with a read
   *  that cannot revert (the options book's live boards of market 0); the latest while the probe has no answer. */
  private async tag(): Promise<'pending' | 'latest'> {
    if (this.pendingServed === undefined) {
      const probe = (blockTag: 'pending' | 'latest') =>
        this.client.readContract({ ...this.c.optionsBook, functionName: 'liveBoards', args: [0n], blockTag }).then(
          () => true,
          () => false,
        );
      if (await probe('pending')) this.pendingServed = true;
      else if (await probe('latest')) {
        this.pendingServed = false; // the node answers, not at the pending block
        this.log.warn('the node does not serve the pending block: the options keeper reads at the latest');
      }
    }
    return this.pendingServed ? 'pending' : 'latest';
  }

  /** Markets with options enabled. */
  async markets(): Promise<bigint[]> {
    const out: bigint[] = [];
    for (const m of this.c.markets) {
      const cfg = await this.client.readContract({ ...this.c.optionsBook, functionName: 'config', args: [BigInt(m.id)] });
      if (cfg.strikeStepWad > 0n) out.push(BigInt(m.id));
    }
    return out;
  }

  /** Every market's pass; one market's failure (a read, Hermes, a fee quote) does not hold the later markets back:
   *  each runs, then the first failure is thrown to the caller's retry (review AW: a failure that kept happening on
   *  one market stalled every market after it). */
  async tick(): Promise<void> {
    const block = await this.client.getBlock();
    await eachThenThrow(await this.markets(), (marketId) => this.tickMarket(marketId, block.timestamp));
  }

  /** One market's pass: settle what expired, refresh a stale cache, list what the schedule calls for. On a
   *  pull-oracle (Pyth) market the refresh and the listing go through the PriceUpdateRouter with Hermes' latest
   *  update (fetched once per pass) posted in the same call, and the staleness is read the same way. */
  async tickMarket(marketId: bigint, nowSec: bigint): Promise<void> {
    await this.settleExpired(marketId, nowSec);
    const updates = this.c.markets[Number(marketId)]?.pull ? await this.pullUpdates(marketId) : undefined;
    if (updates === null) return; // logged: no update to post this pass
    await this.refreshIfStale(marketId, updates);
    await this.bookCall(marketId, 'listBoards', (n) => n > 0n, (_, receipt) => (this.stats.boardsListed += boardsListedIn(receipt, this.c)), updates);
  }

  /** Hermes' latest update of a pull market's feed with Pyth's fee for it, or null (logged) when there is none. */
  private async pullUpdates(marketId: bigint): Promise<PullUpdate[] | null> {
    const updates = await this.pull.updates([marketId]);
    if (updates === null) this.stats.failures++;
    return updates;
  }

  /** Calls the options book's `functionName(marketId)`: directly on a push-feed market; on a pull-oracle (Pyth) market
   *  through the PriceUpdateRouter with Hermes' latest update posted in the same call (the book prices from it). */
  private async bookCall(
    marketId: bigint,
    functionName: 'listBoards' | 'refresh',
    worth: (r: bigint) => boolean,
    done: (r: bigint, receipt: TransactionReceipt) => void,
    updates?: PullUpdate[],
  ) {
    if (!updates) return this.send(functionName, [marketId], worth, done);
    const call = encodeFunctionData({ abi: optionsBookAbi, functionName, args: [marketId] });
    const decode = (ret: unknown) => (functionName === 'listBoards' ? decodeFunctionResult({ abi: optionsBookAbi, functionName, data: ret as Hex }) : 1n);
    return this.send('callProduct', [updates, this.c.optionsBook.address, call], worth, done, {
      target: this.c.router,
      value: this.pull.value(updates),
      decode,
      label: functionName,
    });
  }

  async settleExpired(marketId: bigint, nowSec: bigint): Promise<void> {
    const ids = await this.client.readContract({ ...this.c.optionsBook, functionName: 'liveBoards', args: [marketId] });
    await eachThenThrow(ids, async (boardId) => {
      const blockTag = await this.tag();
      const b = await this.client.readContract({ ...this.c.optionsBook, functionName: 'board', args: [boardId], blockTag });
      if (b.settled) this.refused.delete(boardId);
      if (b.settled || BigInt(b.expiry) > nowSec) return;
      if (this.c.markets[Number(marketId)]?.pull) {
        await this.settlePull(marketId, boardId, BigInt(b.expiry));
        return;
      }
      const feed = this.c.feeds[Number(marketId)];
      const round = await firstRoundAtOrAfter(this.client, feed, BigInt(b.expiry));
      if (round === null) {
        this.log.info('board expired, waiting for the first price after expiry', { boardId, marketId, expiry: b.expiry });
        return;
      }
      await this.send('settleBoard', [boardId, round], () => true, () => {
        this.stats.boardsSettled++;
        this.log.info('board settled', { boardId, marketId, round });
      });
    });
  }

  /** A pull-oracle (Pyth) board: once the adapter holds the first update at or after expiry, settle on it; until
   *  then fetch that update from Hermes and record it (PythPriceFeed.recordSettlementPrice verifies it is the first),
   *  and settle on the next pass. */
  async settlePull(marketId: bigint, boardId: bigint, expiry: bigint): Promise<void> {
    const feed = { address: this.c.markets[Number(marketId)].feed, abi: pythPriceFeedAbi } as const;
    const blockTag = await this.tag();
    const recorded = await this.client.readContract({ ...feed, functionName: 'priceAtOrAfter', args: [expiry, 0n], blockTag }).then(
      () => true,
      () => false,
    );
    if (recorded) {
      this.refused.delete(boardId);
      await this.send('settleBoard', [boardId, 0n], () => true, () => {
        this.stats.boardsSettled++;
        this.log.info('board settled on the recorded Pyth update', { boardId, marketId, expiry });
      });
      return;
    }
    const refused = this.refused.get(boardId);
    if (refused && Date.now() < refused.retryAtMs) return;
    if (!this.hermes) {
      this.log.warn('pull-oracle board expired and no Hermes configured: waiting (or the fallback settlement)', { boardId, marketId });
      return;
    }
    const priceId = await this.client.readContract({ ...feed, functionName: 'priceId' });
    let updateData: Hex[] | null;
    try {
      updateData = await this.hermes.atOrAfter(expiry, priceId);
    } catch (e) {
      this.stats.failures++;
      this.log.warn('Hermes fetch failed, retrying next pass', { boardId, marketId, error: errorForLog(e) });
      return;
    }
    if (updateData === null) {
      this.log.info('board expired, waiting for the first Pyth update after expiry', { boardId, marketId, expiry });
      return;
    }
    const pyth = await this.client.readContract({ ...feed, functionName: 'pyth' });
    const fee = await this.client.readContract({ address: pyth, abi: PYTH_FEE_ABI, functionName: 'getUpdateFee', args: [updateData] });
    let reverted = false;
    await this.send(
      'recordSettlementPrice',
      [updateData, expiry],
      () => true,
      () => this.log.info('first Pyth update after expiry recorded', { boardId, marketId, expiry }),
      { target: feed, value: fee, onRevert: () => (reverted = true) },
    );
    // only the chain's refusal backs off (an update in flight, a node or fee error is tried again next pass)
    if (!reverted) return;
    const delayMs = Math.min(refused ? refused.delayMs * 2 : REFUSED_RETRY_MS, 3_600_000);
    this.refused.set(boardId, { retryAtMs: Date.now() + delayMs, delayMs });
    this.log.warn('the first Pyth update after expiry was refused on chain (none published within the window?): asking Hermes again later; the risk role can settle it by the fallback', {
      boardId,
      marketId,
      expiry,
      retryInSec: delayMs / 1000,
    });
  }

  async refreshIfStale(marketId: bigint, updates?: PullUpdate[]): Promise<void> {
    let st: number;
    try {
      st = updates
        ? ((await this.viaRouter(updates, 'staleness', marketId)) as number)
        : await this.client.readContract({ ...this.c.optionsBook, functionName: 'staleness', args: [marketId] });
    } catch (e) {
      // The staleness read needs a fresh price: a push feed past its age waits for its next beat.
      this.log.info('options staleness unreadable (no fresh price), next pass', { marketId, error: errorForLog(e) });
      return;
    }
    if (st === 0 || STALENESS[st] === 'AwaitingSettlement') return; // fresh, or settlement first (next pass)
    await this.bookCall(marketId, 'refresh', () => true, () => {
      this.stats.refreshes++;
      this.log.info('options book refreshed', { marketId, reason: STALENESS[st] });
    }, updates);
  }

  /** A read of the options book with `updates` posted first (PullPrices.read: a simulation, nothing is sent). */
  private async viaRouter(updates: PullUpdate[], functionName: 'staleness', marketId: bigint) {
    return this.pull.read(updates, this.c.optionsBook, functionName, [marketId], this.signer.account);
  }

  /** Simulates, then sends when `worth(result)` and hands the transaction to the tracker (no receipt wait): `done`
   *  runs once it is mined successfully. A failed simulation is logged, not sent; true when sent. */
  private async send<F extends 'listBoards' | 'settleBoard' | 'refresh' | 'recordSettlementPrice' | 'callProduct'>(
    functionName: F,
    args: readonly unknown[],
    worth: (result: bigint) => boolean,
    done: (result: bigint, receipt: TransactionReceipt) => void,
    opts: { target: { address: Address; abi: Abi }; value?: bigint; decode?: (ret: unknown) => bigint; label?: string; onRevert?: () => void } = {
      target: this.c.optionsBook,
    },
  ): Promise<boolean> {
    // the in-flight key names the action, not its price update (a router call posts a new one each pass)
    const key = `${opts.label ?? functionName}:${opts.target.address}:${args.filter((a) => typeof a !== 'object').map(String).join(',')}`;
    if (this.pending.has(key)) return false;
    // Claimed before the first await: two passes that overlap (a slow tick and the next block's) never both send it.
    this.pending.add(key);
    let sent = false;
    try {
      const blockTag = await this.tag();
      const { request, result } = await this.client
        .simulateContract({
          ...opts.target,
          functionName,
          args,
          value: opts.value,
          account: this.signer.account,
          blockTag,
        } as Parameters<PublicClient['simulateContract']>[0])
        .catch((e: unknown) => {
          if (e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError)) opts.onRevert?.();
          throw e;
        });
      const value = opts.decode ? opts.decode(result) : typeof result === 'bigint' ? result : 1n;
      if (!worth(value)) return false;
      const sentBlock = await this.client.getBlockNumber();
      const hash = await sendSimulated(this.client, this.signer, request, this.feeCapPerGas);
      sent = true;
      let counted = false; // a transaction reorged out and mined again is counted once
      this.txs.track({
        hash,
        label: `options ${functionName}`,
        sentBlock,
        onMined: (receipt) => {
          this.pending.delete(key);
          if (receipt.status === 'success') {
            if (!counted) done(value, receipt);
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
      this.log.warn(`options ${functionName} not sent`, { args: args.map(String).map((a) => a.slice(0, 80)), error: errorForLog(e) });
      return false;
    } finally {
      if (!sent) this.pending.delete(key);
    }
  }
}

/** Runs `fn` on every item in order, each whatever the others did, then throws the first failure (if any). */
export async function eachThenThrow<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let first: { e: unknown } | undefined;
  for (const item of items) {
    try {
      await fn(item);
    } catch (e) {
      first ??= { e };
    }
  }
  if (first) throw first.e;
}
