/**
 * `npm start`'s service supervision (script/lib/stack.mjs superviseProcess): a service that exits on its own comes back
 * after a backoff that doubles while it keeps crashing and starts over once a run lasted long enough; stop() ends it
 * for good.
 */
import { describe, expect, it } from 'vitest';
import { superviseProcess } from '../../script/lib/stack.mjs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('service supervision', () => {
  it('restarts a crashing service with a doubling backoff, capped, and stops for good', async () => {
    const s = superviseProcess('crasher', process.execPath, ['-e', 'process.exit(3)'], { quiet: true }, { minDelayMs: 50, maxDelayMs: 200, stableMs: 60_000 });
    for (let t0 = Date.now(); s.restarts < 5; ) {
      if (Date.now() - t0 > 20_000) throw new Error(`only ${s.restarts} restarts`);
      await sleep(20);
    }
    await s.stop();
    expect(s.delays.slice(0, 5)).toEqual([50, 100, 200, 200, 200]);
    const after = s.restarts;
    await sleep(500);
    expect(s.restarts).toBe(after); // stopped: no more restarts
  });

  it('starts the backoff over after a run that lasted stableMs', async () => {
    const s = superviseProcess('flaky', process.execPath, ['-e', 'setTimeout(() => process.exit(1), 150)'], { quiet: true }, { minDelayMs: 40, maxDelayMs: 1000, stableMs: 100 });
    for (let t0 = Date.now(); s.restarts < 3; ) {
      if (Date.now() - t0 > 20_000) throw new Error(`only ${s.restarts} restarts`);
      await sleep(20);
    }
    await s.stop();
    expect(s.delays.slice(0, 3)).toEqual([40, 40, 40]);
  });

  it('stop() ends a running service', async () => {
    const s = superviseProcess('sleeper', process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { quiet: true }, { minDelayMs: 10 });
    await sleep(200);
    const child = s.child;
    await s.stop();
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    await sleep(100);
    expect(s.restarts).toBe(0);
  });
});
