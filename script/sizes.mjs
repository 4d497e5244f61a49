#!/usr/bin/env node
// Runtime bytecode size of every deployed contract, against the 22,000-byte budget (EIP-170's 24,576 less room to
// grow). Writes .size-snapshot; `--check` fails when a contract is over budget or differs from the committed
// snapshot (re-run `node script/sizes.mjs` and commit, as with `forge snapshot`). Reads forge's out/.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SIZE_LIMIT_BYTES = 22_000;

const artifact = (name) => {
  const file = join(root, 'out', `${name}.sol`, `${name}.json`);
  if (!existsSync(file)) throw new Error(`missing ${file}: run \`forge build\` first`);
  return JSON.parse(readFileSync(file, 'utf8'));
};

/** Every contract the deploy script creates (`new X(` in script/Deploy.s.sol) and every external library their code
 *  links, transitively: what a deployment puts on chain, found from the deploy itself, so a new contract or library
 *  is measured without anyone listing it. In deploy order, each library after the first contract that links it. */
export function deployedContracts() {
  const deploy = readFileSync(join(root, 'script', 'Deploy.s.sol'), 'utf8');
  const created = [...deploy.matchAll(/\bnew\s+([A-Z][A-Za-z0-9_]*)\s*\(/g)]
    .sort((a, b) => a.index - b.index)
    .map((m) => m[1]);
  const out = [];
  const visit = (name) => {
    if (out.includes(name)) return;
    out.push(name);
    const a = artifact(name);
    for (const refs of [a.bytecode?.linkReferences ?? {}, a.deployedBytecode?.linkReferences ?? {}]) {
      for (const libs of Object.values(refs)) for (const lib of Object.keys(libs)) visit(lib);
    }
  };
  for (const name of created) visit(name);
  return out;
}

export function sizes() {
  return deployedContracts().map((name) => {
    const hex = artifact(name).deployedBytecode.object.replace(/^0x/, '');
    return { name, bytes: hex.length / 2 };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = sizes();
  const text = rows.map((r) => `${r.name} ${r.bytes}`).join('\n') + '\n';
  const target = join(root, '.size-snapshot');
  const over = rows.filter((r) => r.bytes > SIZE_LIMIT_BYTES);
  for (const r of over) console.error(`${r.name}: ${r.bytes} bytes of runtime code, over the ${SIZE_LIMIT_BYTES}-byte budget`);
  if (process.argv.includes('--check')) {
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error('.size-snapshot differs from the build:\n' + text + 'run `node script/sizes.mjs` and commit it');
      process.exit(1);
    }
    if (over.length) process.exit(1);
    console.log(`.size-snapshot matches; every contract within ${SIZE_LIMIT_BYTES} bytes`);
  } else {
    writeFileSync(target, text);
    console.log(text.trim());
    if (over.length) process.exit(1);
  }
}
