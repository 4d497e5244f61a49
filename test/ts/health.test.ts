/**
 * Health says what is true (issue 16 item 5): degraded (503 from /api/health) with the problems in words when the
 * indexer or keeper is behind or down or a market's price is stale; no secret in the indexer's health output.
 */
import { describe, expect, it } from 'vitest';
import { healthProblems } from '@/lib/server/metrics';
import { redactUrl } from '@/services/lib/redact';

const fine = { head: 100, indexer: { reachable: true, lagBlocks: 1, dataAgeSec: 5 }, keeper: { lastBlock: '99' }, staleMarkets: [] };

describe('health', () => {
  it('is healthy only when every part is within its threshold', () => {
    expect(healthProblems(fine)).toEqual([]);
    expect(healthProblems({ ...fine, indexer: { reachable: true, lagBlocks: 1, dataAgeSec: 1508 } })).toEqual(['data 1508 s old (limit 120 s)']);
    expect(healthProblems({ ...fine, indexer: { reachable: false } })).toEqual(['indexer database unreachable']);
    expect(healthProblems({ ...fine, keeper: null })).toEqual(['keeper unreachable']);
    expect(healthProblems({ ...fine, keeper: { lastBlock: '50' } })).toEqual(['keeper 50 blocks behind (limit 10)']);
    // a keeper whose jobs keep failing says so, though its passes run on to the head (lastBlock: its last pass's block)
    expect(healthProblems({ ...fine, keeper: { ...fine.keeper, failuresInARow: 284 } })).toEqual(['keeper failing: a job failed 284 times in a row (limit 3)']);
    expect(healthProblems({ ...fine, keeper: { ...fine.keeper, failuresInARow: 2 } })).toEqual([]);
    expect(healthProblems({ ...fine, staleMarkets: ['BTC-USD'] })).toEqual(['BTC-USD price stale']);
  });

  it('never shows a database password', () => {
    expect(redactUrl('postgres://app:s3cret@db.example.com:5432/counterpool?sslmode=verify-full')).toBe('postgres://app:***@db.example.com:5432/counterpool?sslmode=verify-full');
    expect(redactUrl('postgres://postgres@127.0.0.1:5433/postgres')).toBe('postgres://postgres@127.0.0.1:5433/postgres');
    // libpq's keyword form (review BR: its password reached the logs and /health)
    expect(redactUrl('host=db.example.com port=5432 user=app password=s3cret dbname=counterpool')).toBe('host=db.example.com port=5432 user=app password=*** dbname=counterpool');
    expect(redactUrl("host=db password='a b\\'c' dbname=x")).toBe('host=db password=*** dbname=x');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
