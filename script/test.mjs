#!/usr/bin/env node
// `npm test`: every suite, in order; stops at the first failure and leaves no process running.
//   1. forge tests (unit, fuzz, invariant, incidents) and the gas snapshot check
//   2. the generated contract module is up to date, and the bytecode-size snapshot (22,000-byte budget)
//   3. TypeScript tests (vitest: math mirror differential, services, API) against their own anvil, on embedded PGlite;
//      then the indexer and API files again on a real PostgreSQL server, and the operator's rehearsal (chain 4242,
//      Chainlink-style heartbeat feeds, `npm start` with RPC_URL and DATABASE_URL)
//   4. browser tests (Debian chromium) against anvil + `next start`
import { bin, root, runOrThrow } from './lib/stack.mjs';

const only = process.argv[2];
const DB_FILES = ['test/ts/indexer.test.ts', 'test/ts/indexer.isolation.test.ts', 'test/ts/indexer.rpc.test.ts', 'test/ts/indexer.kill.test.ts', 'test/ts/api.test.ts', 'test/ts/api.options.test.ts', 'test/ts/keeper.stale.test.ts', 'test/ts/totals.test.ts', 'test/ts/rehearsal.test.ts'];
const steps = [
  ['forge', () => runOrThrow(bin('forge'), ['test', '--no-match-contract', 'GasScaling'])],
  ['gas', () => runOrThrow(bin('forge'), ['snapshot', '--check', '--match-contract', '^GasTest$'])],
  ['codegen', () => {
    runOrThrow(bin('forge'), ['build']); // full artifacts (test harnesses included) for codegen and vitest
    runOrThrow('node', ['script/codegen.mjs', '--check']);
  }],
  ['sizes', () => runOrThrow('node', ['script/sizes.mjs', '--check'])],
  ['vitest', () => runOrThrow(bin('vitest'), ['run'])],
  // the database-backed files again, on a real PostgreSQL server (Debian's postgresql, a temp cluster on a free port)
  ['postgres', () => runOrThrow(bin('vitest'), ['run', ...DB_FILES], { env: { ...process.env, TEST_DB: 'postgres' } })],
  ['e2e', () => runOrThrow('node', ['test/e2e/run.mjs'])],
];

const started = Date.now();
for (const [name, run] of steps) {
  if (only && only !== name) continue;
  const t0 = Date.now();
  console.log(`\n=== npm test: ${name} ===`);
  try {
    run();
  } catch (e) {
    console.error(`\n✗ npm test: ${name} failed: ${e.message}`);
    process.exit(1);
  }
  console.log(`✓ ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log(`\nall tests passed in ${((Date.now() - started) / 1000).toFixed(0)} s (root ${root})`);
