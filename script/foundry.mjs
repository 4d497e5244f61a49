#!/usr/bin/env node
/**
 * Runs a Foundry tool (forge, anvil, cast) from its npm platform package and exits with the tool's own status.
 *   node script/foundry.mjs forge fmt --check
 * Why not `node_modules/.bin/forge`: the npm wrapper (@foundry-rs/forge's bin.mjs) spawns the binary and never passes
 * its exit status on, so a failing `forge test`, `forge snapshot --check` or `forge fmt --check` exited 0 and CI could
 * not see it. Never falls back to that wrapper: without a binary it fails, naming the package to install.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const ARCH = { x64: 'amd64', arm64: 'arm64' };
export const FOUNDRY_TOOLS = ['forge', 'anvil', 'cast'];

/** The tool's binary: its platform package (@foundry-rs/<tool>-<platform>-<arch>), else the one the wrapper package
 *  keeps in dist/ (a postinstall download); throws when neither exists. */
export function foundryBin(tool) {
  const name = process.platform === 'win32' ? `${tool}.exe` : tool;
  const pkg = `@foundry-rs/${tool}-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
  try {
    const path = require.resolve(`${pkg}/bin/${name}`);
    if (existsSync(path)) return path;
  } catch {
    // not installed: the wrapper package's dist/ copy below
  }
  const dist = join(root, 'node_modules', '@foundry-rs', tool, 'dist', name);
  if (existsSync(dist)) return dist;
  throw new Error(`${tool}: no binary for ${process.platform}-${process.arch} (install ${pkg}: npm ci without --omit=optional)`);
}

const isMain = () => {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (isMain()) {
  const [tool, ...args] = process.argv.slice(2);
  if (!FOUNDRY_TOOLS.includes(tool)) {
    console.error(`usage: node script/foundry.mjs ${FOUNDRY_TOOLS.join('|')} [args...]`);
    process.exit(2);
  }
  let path;
  try {
    path = foundryBin(tool);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  const child = spawn(path, args, { stdio: 'inherit' });
  // a signal sent to this process reaches the tool too (a runner that stops only its direct child)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error(`${tool}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal); // exit as the tool did
    } else process.exit(code ?? 1);
  });
}
