#!/usr/bin/env node
// Browser tests: anvil + contracts + `next start`, then every test/e2e/*.spec.mjs (node:test + playwright-core on
// Debian chromium). Starts and stops its own processes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { deployContracts, root, startAnvil, startWebApp, stopProcess, startProcess, log } from '../../script/lib/stack.mjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ANVIL_PORT = Number(process.env.E2E_ANVIL_PORT ?? 8565);
const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 3100);
const children = [];
let code = 1;
try {
  const anvil = await startAnvil({ port: ANVIL_PORT });
  children.push(anvil.child);
  deployContracts({ rpcUrl: anvil.url });
  // The indexer feeds the history charts and the API, the keeper fills trigger orders and liquidates; the simulator
  // stays off so previews are deterministic
  // (the tests push prices themselves, as the simulator would).
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-e2e-'));
  const pgPort = String(Number(process.env.E2E_PG_PORT ?? 5533));
  const serviceEnv = { RPC_URL: anvil.url, INDEXER_DATA_DIR: dataDir, INDEXER_PG_PORT: pgPort, INDEXER_PORT: '8799', INDEXER_SNAPSHOT_EVERY: '1', KEEPER_PORT: '8798' };
  const services = (process.env.E2E_SERVICES ?? 'indexer,keeper').split(',').filter(Boolean);
  for (const svc of services) {
    const entry = join(root, 'services', svc, 'main.ts');
    if (existsSync(entry)) children.push(startProcess(svc, process.execPath, ['--import', 'tsx', entry], { env: serviceEnv, quiet: true }));
  }
  const web = await startWebApp({
    port: WEB_PORT,
    rpcUrl: anvil.url,
    quiet: true,
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres?sslmode=disable`, KEEPER_PORT: '8798' },
  });
  children.push(web.child);
  log('e2e', 'stack up', { web: web.url, rpc: anvil.url });
  const specs = readdirSync(join(root, 'test', 'e2e'))
    // E2E_ONLY: comma-separated parts of spec file names
    .filter((f) => f.endsWith('.spec.mjs') && (!process.env.E2E_ONLY || process.env.E2E_ONLY.split(',').some((part) => part !== '' && f.includes(part))))
    .map((f) => join('test', 'e2e', f));
  // node --test with no file runs every test it finds (the whole npm test): a filter that matches nothing is an error
  if (specs.length === 0) throw new Error(`E2E_ONLY=${process.env.E2E_ONLY} matches no test/e2e/*.spec.mjs file name`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...specs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, BASE_URL: web.url, RPC_URL: anvil.url },
  });
  code = res.status ?? 1;
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  for (const c of children.reverse()) await stopProcess(c);
}
process.exit(code);
