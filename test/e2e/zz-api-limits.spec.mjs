// Runs after the specs that load pages (file order): the rate-limit burst must not starve them; it waits for the
// bucket to refill before the crash spec, the last, loads /analytics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL } from './browser.mjs';

test('API under abuse answers JSON: 414 for an oversized query, 429 with Retry-After beyond the per-client rate', async () => {
  const big = await fetch(`${BASE_URL}/api/markets?junk=${'x'.repeat(100_000)}`);
  assert.equal(big.status, 414);
  assert.match((await big.json()).error, /the limit is 8192/);

  const answers = await Promise.all(Array.from({ length: 300 }, () => fetch(`${BASE_URL}/api/markets`)));
  const limited = answers.filter((r) => r.status === 429);
  assert.ok(limited.length > 0, 'a burst of 300 is limited');
  assert.ok(answers.filter((r) => r.status === 200).length >= 100, 'the burst allowance is served');
  assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
  assert.match((await limited[0].json()).error, /rate limit/);
  await new Promise((r) => setTimeout(r, 4000)); // the bucket refills for whatever runs next
});
