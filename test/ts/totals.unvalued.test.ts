/** The LPs' PnL before the pool's first valued snapshot (during a backfill, or while every snapshot so far had no NAV:
 *  a stale market). Review AW: the live NAV was taken as its end while the flows were summed up to no block, so the
 *  LPs' deposits were reported as their profit (1,000,500 USD on 1,000,000 deposited and 500 earned). It is unknown
 *  (null) until a valued snapshot bounds both. A scripted database, no chain. */
import { expect, it, vi } from 'vitest';

vi.mock('@/lib/server/db', () => ({
  sql: async (text: string, params: unknown[] = []) => {
    if (text.includes('FROM (VALUES')) return [];
    if (text.includes('min(timestamp)')) return [{ ts: '1000' }]; // data begins at t=1000
    if (text.includes('FROM snapshots')) return []; // no valued snapshot yet
    // the deposits and withdrawals indexed: 1,000,000 USD of deposits in blocks 1..50
    const [from, to] = params.map((p) => BigInt(String(p)));
    return from < 50n && to >= 1n ? [{ deposits: '1000000000000', withdrawals: '0' }] : [{ deposits: null, withdrawals: null }];
  },
}));

it('is unknown before the first valued snapshot, never the deposits counted as profit', async () => {
  const { getWindowTotals } = await import('@/lib/server/totals');
  const windows = await getWindowTotals(2000);
  expect(windows.map((w) => w.lpPnlUsd)).toEqual(windows.map(() => null));
});
