#!/usr/bin/env node
/**
 * Runs a Foundry tool (forge, anvil, cast) from its npm platform package and exits with the tool's own status.
 *   node script/foundry.mjs forge fmt --check
 * Why not `node_modules/.bin/forge`: the npm wrapper (@foundry-rs/forge's bin.mjs) spawns the binary and never passes
 * its exit status on, so a failing `forge test`, `forge snapshot --check` or `forge fmt --check` exited 0 and CI could
 * not see it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const ARCH = { x64: 'amd64', arm64: 'arm64' };

/** The tool's binary in its platform package (@foundry-rs/<tool>-<platform>-<arch>), else the npm wrapper. */
export function foundryBin(tool) {
  const name = process.platform === 'win32' ? `${tool}.exe` : tool;
  try {
    const path = require.resolve(`@foundry-rs/${tool}-${process.platform}-${ARCH[process.arch] ?? process.arch}/bin/${name}`);
    if (existsSync(path)) return path;
  } catch {
    // no platform package: the wrapper below
  }
  return join(root, 'node_modules', '.bin', tool);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [tool, ...args] = process.argv.slice(2);
  if (!['forge', 'anvil', 'cast'].includes(tool)) {
    console.error('usage: node script/foundry.mjs forge|anvil|cast [args...]');
    process.exit(2);
  }
  const res = spawnSync(foundryBin(tool), args, { stdio: 'inherit' });
  if (res.error) {
    console.error(`${tool}: ${res.error.message}`);
    process.exit(1);
  }
  process.exit(res.status ?? 1);
}
