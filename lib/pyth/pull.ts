/**
 * Pull-oracle (Pyth) markets for the keeper's jobs and the app's server route (/api/pyth/updates). Such a market's stored price may be seconds old at most, so nothing
 * reads or acts on it without posting Hermes' latest signed update in the same call through the PriceUpdateRouter:
 *   - `updates(ids)`: the update of each pull market among `ids`, with Pyth's fee (fetched at most once per `reuseMs`
 *     per market: the liquidation scan, the order fills, the queue and the options pass of one block share it);
 *   - `read(updates, target, call)`: a view at the posted prices (PriceUpdateRouter.readAfterUpdate, simulated);
 *   - `value(updates)`: the native fee a call posting them sends.
 * A push-feed market needs none of this (`updates` leaves it out), so on a deployment without Pyth nothing changes.
 */
import { parseAbi, type Abi, type Account, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type PublicClient } from 'viem';
import { pythPriceFeedAbi } from '../contracts/generated';
import type { CounterpoolContracts } from '../contracts';
import type { Hermes } from './hermes';
import { errorForLog } from '../errors';
import { readAfterUpdate } from './router';

/** Where PullPrices reports what it could not fetch (the services' structured logger fits). */
export interface PullLog {
  warn(msg: string, extra?: Record<string, unknown>): void;
}

/** One feed's Pyth update as the router posts it (PriceUpdateRouter.PriceUpdate). */
export type PullUpdate = { feed: Address; data: Hex[]; fee: bigint };

/** The one Pyth function the keeper calls: the fee for posting update data (IPyth.getUpdateFee). */
export const PYTH_FEE_ABI = parseAbi(['function getUpdateFee(bytes[] updateData) view returns (uint256)']);

export class PullPrices {
  private cache = new Map<number, { at: number; update: PullUpdate }>();
  /** one Hermes fetch per market at a time: concurrent callers share it (the app's route under load) */
  private inFlight = new Map<number, Promise<PullUpdate>>();
  /** a failed fetch is remembered for `reuseMs`, so an outage is not retried by every caller */
  private failed = new Map<number, { at: number; error: unknown }>();
  private feedInfo = new Map<number, { priceId: Hex; pyth: Address }>();

  constructor(
    private client: PublicClient,
    private c: CounterpoolContracts,
    private log: PullLog,
    private hermes?: Hermes,
    private reuseMs = 1000,
  ) {}

  /** Whether market `marketId` reads a pull oracle. */
  isPull(marketId: bigint | number): boolean {
    return this.c.markets[Number(marketId)]?.pull === true;
  }

  /** Whether the deployment has any pull-oracle market. */
  get any(): boolean {
    return this.c.markets.some((m) => m.pull);
  }

  /** The pull markets' ids. */
  get pullMarkets(): bigint[] {
    return this.c.markets.filter((m) => m.pull).map((m) => BigInt(m.id));
  }

  /** Hermes' latest update of each pull market among `marketIds` (push markets are left out; [] when none is pull),
   *  or null, logged, when one cannot be had (no Hermes configured, Hermes down): the caller waits for the next pass.
   *  The markets are fetched in parallel, each at most once at a time and once per `reuseMs`. */
  async updates(marketIds: readonly (bigint | number)[]): Promise<PullUpdate[] | null> {
    try {
      return await this.updatesOrThrow(marketIds);
    } catch (e) {
      this.log.warn('no Pyth update to post for a pull-oracle market: its actions wait for the next pass', { markets: marketIds.map(Number), error: errorForLog(e) });
      return null;
    }
  }

  /** Each pull market of `marketIds` on its own: the updates Hermes could give, the others left out (logged), so one
   *  market's outage does not hide the other markets' prices (the keeper's trigger scan). */
  async availableUpdates(marketIds: readonly (bigint | number)[]): Promise<PullUpdate[]> {
    const pull = [...new Set(marketIds.map(Number))].filter((id) => this.isPull(id));
    if (pull.length === 0 || !this.hermes) return [];
    const settled = await Promise.allSettled(pull.map((id) => this.one(id)));
    const missing = pull.filter((_, i) => settled[i].status === 'rejected');
    if (missing.length > 0) this.log.warn('no Pyth update for some pull-oracle markets: only theirs wait', { markets: missing });
    return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /** As `updates`, throwing the first failure instead of logging it. */
  async updatesOrThrow(marketIds: readonly (bigint | number)[]): Promise<PullUpdate[]> {
    const pull = [...new Set(marketIds.map(Number))].filter((id) => this.isPull(id));
    if (pull.length === 0) return [];
    if (!this.hermes) throw new Error('a pull-oracle market needs Hermes (HERMES_URL)');
    const settled = await Promise.allSettled(pull.map((id) => this.one(id)));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((r) => (r as PromiseFulfilledResult<PullUpdate>).value);
  }

  private one(id: number): Promise<PullUpdate> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && now - cached.at < this.reuseMs) return Promise.resolve(cached.update);
    const failed = this.failed.get(id);
    if (failed && now - failed.at < this.reuseMs) return Promise.reject(failed.error);
    const running = this.inFlight.get(id);
    if (running) return running;
    const fetchOne = async () => {
      const feed = { address: this.c.markets[id].feed, abi: pythPriceFeedAbi } as const;
      let info = this.feedInfo.get(id);
      if (!info) {
        const [priceId, pyth] = await Promise.all([this.client.readContract({ ...feed, functionName: 'priceId' }), this.client.readContract({ ...feed, functionName: 'pyth' })]);
        info = { priceId, pyth };
        this.feedInfo.set(id, info);
      }
      const data = await this.hermes!.latest(info.priceId);
      const fee = await this.client.readContract({ address: info.pyth, abi: PYTH_FEE_ABI, functionName: 'getUpdateFee', args: [data] });
      return { feed: feed.address, data, fee };
    };
    const p = fetchOne().then(
      (update) => {
        this.cache.set(id, { at: Date.now(), update });
        this.failed.delete(id);
        return update;
      },
      (error: unknown) => {
        this.failed.set(id, { at: Date.now(), error });
        throw error;
      },
    );
    this.inFlight.set(id, p);
    void p.catch(() => {}).finally(() => this.inFlight.delete(id));
    return p;
  }

  /** The native value a router call posting `updates` sends: the sum of their fees. */
  value(updates: readonly PullUpdate[]): bigint {
    return updates.reduce((s, u) => s + u.fee, 0n);
  }

  /** What view `functionName(args)` of `target` answers with `updates` posted first, simulated from `account`
   *  (lib/pyth/router.ts readAfterUpdate; a direct read when there are none). */
  async read<const A extends Abi, F extends ContractFunctionName<A, 'view' | 'pure'>, const Args extends ContractFunctionArgs<A, 'view' | 'pure', F>>(
    updates: readonly PullUpdate[],
    target: { address: Address; abi: A },
    functionName: F,
    args: Args,
    account: Account | Address,
  ) {
    const from = typeof account === 'string' ? account : account.address;
    return readAfterUpdate(this.client, this.c, updates, target, functionName, args, from);
  }
}
