#!/usr/bin/env node
// `npm test`: every suite, in order; stops at the first failure and leaves no process running.
//   1. forge tests (unit, fuzz, invariant, incidents) and the gas snapshot check
//   2. the generated contract module is up to date, and the bytecode-size snapshot (22,000-byte budget)
//   3. TypeScript tests (vitest: math mirror differential, services, API) against their own anvil
//   4. browser tests (Debian chromium) against anvil + `next start`
import { bin, root, runOrThrow } from './lib/stack.mjs';

const only = process.argv[2];
const steps = [
  ['forge', () => runOrThrow(bin('forge'), ['test', '--no-match-contract', 'GasScaling'])],
  ['gas', () => runOrThrow(bin('forge'), ['snapshot', '--check', '--match-contract', '^GasTest$'])],
  ['codegen', () => {
    runOrThrow(bin('forge'), ['build']); // full artifacts (test harnesses included) for codegen and vitest
    runOrThrow('node', ['script/codegen.mjs', '--check']);
  }],
  ['sizes', () => runOrThrow('node', ['script/sizes.mjs', '--check'])],
  ['vitest', () => runOrThrow(bin('vitest'), ['run'])],
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
