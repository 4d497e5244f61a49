/**
 * The keeper's LP withdrawal-queue job: fills queued requests when liquidity is free, and calls the queue every
 * `heartbeatSec` (chain seconds) while a request waits without any, so a day's wait is never read as the keeper being
 * down (the queue is keeper-only until the keeper's last processQueue is a day old, P-89). One transaction at a time,
 * on the tracker (no receipt wait); on a deployment with pull-oracle markets the fills value the pool at their updates,
 * posted in the same call.
 */
import { encodeFunctionData } from 'viem';
import { errorForLog } from '../../lib/errors';
import type { KeeperContext } from './context';
import { SerialJob } from './txs';

/** The keeper's counters this job moves (its /health). */
export interface QueueJobHealth {
  queueFills: number;
  queueHeartbeats: number;
  failures: number;
}

export class QueueJob {
  private readonly job: SerialJob;
  private calledAt = 0n;
  private checkedBlock: bigint | undefined;

  constructor(
    private ctx: KeeperContext,
    private health: QueueJobHealth,
    /** sends with the estimate plus headroom under the keeper's fee cap */
    private sendCapped: (request: unknown) => Promise<`0x${string}`>,
    private heartbeatSec: bigint,
    /** blocks between two looks at the queue (counted from the last look, so a loop that skips heads still looks) */
    private everyBlocks = 5n,
    /** free liquidity (USD, 6 decimals) below which a fill waits, unless it pays the head request whole or the
     *  heartbeat is due: each fill costs the keeper a transaction, and a few cents freed since the last one are not
     *  worth it */
    private minFillUsd = 100_000_000n,
  ) {
    this.job = new SerialJob(ctx.txs, 'processQueue');
  }

  async run(block: bigint) {
    // Blocks elapsed, not `block % n`: a loop that skips heads on a fast chain could miss every multiple for long.
    if (this.checkedBlock !== undefined && block >= this.checkedBlock && block < this.checkedBlock + this.everyBlocks) return;
    this.checkedBlock = block;
    const { c, signer, log, client, pull } = this.ctx;
    const { health } = this;
    let counted = false;
    let heartbeat = false;
    await this.job
      .run(
        block,
        async () => {
          const [head, tail] = await client.readContract({ ...c.pool, functionName: 'queueBounds' });
          if (tail === head) return null;
          const free = await client.readContract({ ...c.core, functionName: 'freeLiquidityUsd' });
          const { timestamp } = await client.getBlock();
          const heartbeatDue = timestamp >= this.calledAt + this.heartbeatSec;
          if (free === 0n && !heartbeatDue) return null;
          if (free < this.minFillUsd && !heartbeatDue) {
            const q = await client.readContract({ ...c.pool, functionName: 'withdrawalRequest', args: [head] });
            // unvalued (a stale price): the fill decides
            const valueUsd = await client.readContract({ ...c.pool, functionName: 'convertToAssets', args: [q.shares] }).catch(() => 0n);
            if (free < valueUsd) return null; // dust against the head request: wait for more, or the heartbeat
          }
          const updates = await pull.updates(pull.pullMarkets);
          if (updates === null) return null; // logged: the queue waits for a Pyth update
          const { request } =
            updates.length > 0
              ? await client.simulateContract({
                  ...c.router,
                  functionName: 'callPool',
                  args: [updates, encodeFunctionData({ abi: c.pool.abi, functionName: 'processQueue', args: [20n] })],
                  value: pull.value(updates),
                  account: signer.account,
                })
              : await client.simulateContract({ ...c.pool, functionName: 'processQueue', args: [20n], account: signer.account });
          const hash = await this.sendCapped(request);
          this.calledAt = timestamp;
          heartbeat = free === 0n;
          log.info(free === 0n ? 'withdrawal queue heartbeat sent (no free liquidity)' : 'withdrawal queue sent', { hash });
          return hash;
        },
        {
          mined: (receipt) => {
            counted = receipt.status === 'success';
            if (counted && heartbeat) health.queueHeartbeats++;
            else if (counted) health.queueFills++;
            else health.failures++;
          },
          reorged: () => {
            if (counted && heartbeat) health.queueHeartbeats--;
            else if (counted) health.queueFills--;
            counted = false;
          },
        },
      )
      .catch((e) => {
        health.failures++;
        log.warn('queue processing failed', { error: errorForLog(e) });
      });
  }
}
