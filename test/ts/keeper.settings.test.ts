/**
 * Services' numeric settings (services/lib/runtime.ts envInt) and the keeper's withdrawal-queue schedule
 * (services/keeper/queueJob.ts): a bad setting stops the service at startup with its name; the queue job looks
 * every few blocks counted from its last look, whichever heads the loop sees, and does not spend a transaction on a
 * few cents of free liquidity against a larger request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { envBigInt, envInt } from '@/services/lib/runtime';
import { QueueJob } from '@/services/keeper/queueJob';
import type { KeeperContext } from '@/services/keeper/context';
import { TxTracker } from '@/services/keeper/txs';
import { createLogger } from '@/services/lib/runtime';

const NAME = 'COUNTERPOOL_TEST_SETTING';
afterEach(() => delete process.env[NAME]);

describe('envInt', () => {
  it('takes the default when unset and a whole number when set', () => {
    expect(envInt(NAME, 100)).toBe(100);
    process.env[NAME] = ' 250 ';
    expect(envInt(NAME, 100)).toBe(250);
    expect(envBigInt(NAME, 100)).toBe(250n);
  });

  it.each(['100k', '1.5', '', 'NaN', '0x10', '1e3'])('refuses %j, naming the setting', (raw) => {
    process.env[NAME] = raw;
    expect(() => envInt(NAME, 100)).toThrow(new RegExp(`env ${NAME} must be a whole number`));
  });

  it('refuses 0 for a size or a step (a batch of 0 loops forever), unless the setting allows it', () => {
    process.env[NAME] = '0';
    expect(() => envInt(NAME, 100)).toThrow(/from 1 to any size, got "0"/);
    expect(envInt(NAME, 100, { min: 0 })).toBe(0);
    process.env[NAME] = '70000';
    expect(() => envInt(NAME, 8545, { max: 65535 })).toThrow(/from 1 to 65535/);
  });
});

describe('QueueJob schedule', () => {
  it('looks at the queue every 5 blocks counted from its last look, even when the loop skips every multiple of 5', async () => {
    const looked: bigint[] = [];
    let block = 0n;
    const client = {
      readContract: async ({ functionName }: { functionName: string }) => {
        if (functionName === 'queueBounds') looked.push(block);
        return [0n, 0n]; // an empty queue: nothing sent
      },
    };
    const log = createLogger('test');
    const ctx = { client, log, c: { pool: {}, core: {} }, txs: new TxTracker(client as never, () => {}, log) } as unknown as KeeperContext;
    const job = new QueueJob(ctx, { queueFills: 0, queueHeartbeats: 0, failures: 0 }, async () => '0x', 3600n);
    for (block of [1n, 2n, 4n, 6n, 8n, 9n, 11n, 13n, 14n, 16n, 19n, 21n]) await job.run(block);
    // `block % 5 === 0` never held on these heads: the old schedule never looked
    expect(looked).toEqual([1n, 6n, 11n, 16n, 21n]);
  });
});

describe('QueueJob dust', () => {
  /** A queue with one request worth `valueUsd`, `freeUsd` free, the heartbeat `heartbeatDue` or not: whether a fill is sent. */
  async function sends(freeUsd: bigint, valueUsd: bigint, heartbeatDue: boolean): Promise<boolean> {
    let sent = false;
    const client = {
      readContract: async ({ functionName }: { functionName: string }) =>
        ({ queueBounds: [0n, 1n], freeLiquidityUsd: freeUsd, withdrawalRequest: { shares: 10n ** 12n }, convertToAssets: valueUsd })[functionName],
      getBlock: async () => ({ timestamp: 10_000n }),
      simulateContract: async () => ({ request: {} }),
    };
    const log = createLogger('test');
    const pull = { updates: async () => [], pullMarkets: [], value: () => 0n };
    const ctx = { client, log, c: { pool: {}, core: {} }, pull, signer: { account: {} }, txs: new TxTracker(client as never, () => {}, log) } as unknown as KeeperContext;
    const job = new QueueJob(ctx, { queueFills: 0, queueHeartbeats: 0, failures: 0 }, async () => ((sent = true), '0x01'), heartbeatDue ? 3600n : 20_000n, 5n, 100_000_000n);
    await job.run(1n);
    return sent;
  }

  it('waits while less than the minimum is free and it does not pay the head request whole', async () => {
    expect(await sends(5_000_000n, 1_000_000_000n, false)).toBe(false); // 5 USD free against a 1,000 USD request
  });

  it('fills the head request whole, a minimum or more, or dust at the heartbeat', async () => {
    expect(await sends(5_000_000n, 4_000_000n, false)).toBe(true); // pays the 4 USD request whole
    expect(await sends(100_000_000n, 1_000_000_000n, false)).toBe(true); // the minimum
    expect(await sends(5_000_000n, 1_000_000_000n, true)).toBe(true); // the heartbeat
  });
});
