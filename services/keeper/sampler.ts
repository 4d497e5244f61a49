/**
 * Volatility sampling on the clock. The risk engine's estimator takes one sample per sampling interval, the first price
 * the market sees in it (P-90), but a market sees a price only when something touches it: a trade, a liquidation, an
 * option trade or a poke. On a quiet market the samples would wait for the next trade, and σ, its long-run floor and
 * the margin schedule would stand still through a calm (max leverage not recovering after a crash) or take hours of
 * prices as one capped return. Each pass this job pokes every market whose oracle has published a valid price in an
 * interval the estimator has not sampled (RiskMath.isNewSample, mirrored in lib/math/risk.ts), so every interval with
 * a price gets its sample, as the rule states. A market a trade already sampled this interval costs nothing; at most
 * one poke per market is in flight. On a pull-oracle (Pyth) market the poke goes through the PriceUpdateRouter with
 * Hermes' latest update posted in the same call (the engine is a listed product: `callProduct`).
 * A poke moves nothing but the clock-driven state (funding and borrow accrual, the sample), so anyone may send one.
 */
import { encodeFunctionData, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from 'viem';
import type { CounterpoolContracts } from '../../lib/contracts';
import { isNewSample } from '../../lib/math/risk';
import { errorForLog } from '../../lib/errors';
import type { PullPrices, PullUpdate } from '../../lib/pyth/pull';
import type { Logger } from '../lib/runtime';
import { sendSimulated, SerialJob, type TxTracker } from './txs';

type Signer = WalletClient<Transport, Chain, Account>;

/** Blocks a market waits after a poke that failed (simulation, send or revert) before it is tried again. */
const BACKOFF_BLOCKS = 10n;

export interface SamplerStats {
  pokes: number; // pokes mined successfully
  failures: number;
}

/** Whether a market whose last sample was published at `lastSampleAt` takes a sample from a price published at
 *  `priceAt`: the price is valid (`valid`: within the market's max age) and the first of a new interval. */
export function samplingDue(lastSampleAt: bigint, priceAt: bigint, intervalSec: bigint, valid: boolean): boolean {
  return valid && intervalSec > 0n && isNewSample(lastSampleAt, priceAt, intervalSec);
}

export class Sampler {
  readonly stats: SamplerStats = { pokes: 0, failures: 0 };
  private jobs = new Map<number, SerialJob>();
  /** market -> block before which it is not tried again after a failed poke (logged once per backoff, not per block) */
  private backoff = new Map<number, bigint>();

  constructor(
    private client: PublicClient,
    private signer: Signer,
    private c: CounterpoolContracts,
    private log: Logger,
    private txs: TxTracker,
    private pull: PullPrices,
    /** the keeper's fee cap per gas (KEEPER_MAX_GWEI); none: the node's estimate as it is */
    private feeCapPerGas?: bigint,
  ) {}

  /** One pass: every due market's poke is sent (one in flight per market, none while its last is unsettled). */
  async tick(block: bigint): Promise<void> {
    const views = await this.client.readContract({ ...this.c.reader, functionName: 'markets' });
    for (const v of views) {
      const id = v.marketId;
      const job = this.job(Number(id));
      if (job.inFlight || (this.backoff.get(Number(id)) ?? 0n) > block) continue;
      try {
        const updates = this.pull.isPull(id) ? await this.pull.updates([id]) : [];
        if (updates === null) continue; // logged by PullPrices: no update to sample from this pass
        const priced = updates.length > 0 ? await this.pull.read(updates, this.c.reader, 'market', [id], this.signer.account) : v;
        // the stored state (the view above already observed the current price)
        const stored = await this.client.readContract({ ...this.c.reader, functionName: 'marketState', args: [id] });
        if (!samplingDue(stored.lastSampleAt, priced.priceUpdatedAt, BigInt(v.config.sampleIntervalSec), priced.priceValid)) continue;
        let counted = false; // a poke reorged out and mined again is counted once
        await job.run(block, () => this.poke(id, updates), {
          mined: (receipt) => {
            if (receipt.status !== 'success') {
              this.stats.failures++;
              this.backoff.set(Number(id), block + BACKOFF_BLOCKS);
              this.log.warn('sampling poke reverted', { marketId: Number(id), hash: receipt.transactionHash });
            } else if (!counted) {
              counted = true;
              this.stats.pokes++;
            }
          },
          reorged: () => {
            if (counted) this.stats.pokes--;
            counted = false;
          },
        });
      } catch (e) {
        this.stats.failures++;
        this.backoff.set(Number(id), block + BACKOFF_BLOCKS);
        this.log.warn('sampling poke not sent', { marketId: Number(id), error: errorForLog(e) });
      }
    }
  }

  private job(marketId: number): SerialJob {
    let job = this.jobs.get(marketId);
    if (!job) this.jobs.set(marketId, (job = new SerialJob(this.txs, `poke ${marketId}`)));
    return job;
  }

  /** Simulates, then sends the poke (through the router with `updates` on a pull market); its hash. */
  private async poke(marketId: bigint, updates: PullUpdate[]) {
    const { request } =
      updates.length > 0
        ? await this.client.simulateContract({
            ...this.c.router,
            functionName: 'callProduct',
            args: [updates, this.c.engine.address, encodeFunctionData({ abi: this.c.engine.abi, functionName: 'poke', args: [marketId] })],
            value: this.pull.value(updates),
            account: this.signer.account,
          })
        : await this.client.simulateContract({ ...this.c.engine, functionName: 'poke', args: [marketId], account: this.signer.account });
    const hash = await sendSimulated(this.client, this.signer, request, this.feeCapPerGas);
    this.log.info('sampling poke sent', { marketId: Number(marketId), hash });
    return hash;
  }
}
