// Process helpers shared by `npm start`, `npm test` and the bench: start anvil, deploy, run Next, stop process groups.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import DEFAULTS from '../../lib/defaults.json' with { type: 'json' };
import { FOUNDRY_TOOLS, foundryBin } from '../foundry.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** A tool from node_modules; Foundry's from their platform packages (the npm wrapper drops the exit status: script/foundry.mjs). */
export const bin = (name) => (FOUNDRY_TOOLS.includes(name) ? foundryBin(name) : join(root, 'node_modules', '.bin', name));

/** anvil's well-known dev keys are derived from this mnemonic (public test data, never for real funds). */
export const ANVIL_MNEMONIC = DEFAULTS.devMnemonic;
export { DEFAULTS };
export const ANVIL_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

export function log(component, msg, extra = {}) {
  process.stdout.write(JSON.stringify({ t: new Date().toISOString(), component, msg, ...extra }) + '\n');
}

export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export async function requirePortFree(port, what) {
  if (!(await portFree(port))) {
    throw new Error(`port ${port} (${what}) is already in use: stop whatever is listening there, or set another port`);
  }
}

/** Spawns a long-running child in its own process group (so the whole group can be stopped). */
export function startProcess(name, command, args, { env = {}, quiet = false, cwd = root } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  child.name = name;
  if (quiet && child.stderr) {
    let tail = '';
    child.stderr.on('data', (d) => {
      tail = (tail + d.toString()).slice(-4000);
    });
    child.stderrTail = () => tail;
  }
  return child;
}

/**
 * Runs a long-lived service and restarts it whenever it exits on its own, after a backoff that doubles from
 * `minDelayMs` up to `maxDelayMs` while it keeps crashing and starts over once a run lasted `stableMs`: a crash loop
 * cannot spin, a rare crash costs a second. `stop()` ends it for good (no restart). `delays` records every wait.
 */
export function superviseProcess(name, command, args, opts = {}, { minDelayMs = 1000, maxDelayMs = 30_000, stableMs = 60_000, onRestart } = {}) {
  const handle = { name, child: null, restarts: 0, delays: [], stopped: false, timer: null };
  let delay = minDelayMs;
  const launch = () => {
    const startedAt = Date.now();
    const child = startProcess(name, command, args, opts);
    handle.child = child;
    child.on('exit', (code, signal) => {
      if (handle.stopped) return;
      if (Date.now() - startedAt >= stableMs) delay = minDelayMs; // it had been running fine: a fresh crash
      const wait = delay;
      delay = Math.min(maxDelayMs, delay * 2);
      handle.delays.push(wait);
      onRestart?.({ name, code, signal, delayMs: wait, restarts: handle.restarts + 1 });
      handle.timer = setTimeout(() => {
        handle.timer = null;
        if (handle.stopped) return;
        handle.restarts++;
        launch();
      }, wait);
    });
  };
  handle.stop = async (signal) => {
    handle.stopped = true;
    if (handle.timer) clearTimeout(handle.timer);
    await stopProcess(handle.child, signal);
  };
  launch();
  return handle;
}

export function stopProcess(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-child.pid, signal);
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export async function waitFor(check, what, timeoutMs = 60_000) {
  const start = Date.now();
  let lastErr;
  while (Date.now() - start < timeoutMs) {
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
}

/** Starts anvil on `port` with 20 funded dev accounts; resolves once it answers RPC. */
export async function startAnvil({ port = DEFAULTS.ports.anvil, blockTime, quiet = true, extraArgs = [] } = {}) {
  await requirePortFree(port, 'anvil');
  const args = ['--port', String(port), '--accounts', '20', '--chain-id', '31337', '--silent'];
  if (blockTime) args.push('--block-time', String(blockTime));
  args.push(...extraArgs);
  const child = startProcess('anvil', bin('anvil'), args, { quiet });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await rpc(url, 'eth_chainId')) === '0x7a69', `anvil on ${url}`, 30_000);
  return { child, url };
}

/** Builds and deploys the contracts with forge script; returns deployments/<chainId>.json. */
export function deployContracts({ rpcUrl, privateKey = ANVIL_KEY_0, env = {} }) {
  const res = spawnSync(
    bin('forge'),
    ['script', 'script/Deploy.s.sol:Deploy', '--rpc-url', rpcUrl, '--broadcast', '--private-key', privateKey, '--slow'],
    { cwd: root, env: { ...process.env, PRIVATE_KEY: privateKey, ...env }, encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`forge script failed:\n${res.stdout}\n${res.stderr}`);
  const chainId = Number(spawnSync(bin('cast'), ['chain-id', '--rpc-url', rpcUrl], { encoding: 'utf8' }).stdout.trim());
  // The deployment file and the generated contract map always change together (the test suite checks they agree).
  const gen = spawnSync('node', [join(root, 'script', 'codegen.mjs')], { cwd: root, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`codegen failed:\n${gen.stdout}\n${gen.stderr}`);
  return JSON.parse(readFileSync(join(root, 'deployments', `${chainId}.json`), 'utf8'));
}

export function runOrThrow(command, args, opts = {}) {
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...opts, env: { ...process.env, ...(opts.env ?? {}) } });
  if (res.status !== 0) throw new Error(`${[command, ...args].join(' ')} exited with ${res.status}`);
}

export const nextEnv = (rpcUrl, chainId = 31337) => ({
  NEXT_TELEMETRY_DISABLED: '1',
  // The browser's RPC: its own public setting (RPC_URL often carries an API key that must stay server-side); RPC_URL
  // stands in only on the local chain (preflight refuses to start the web app elsewhere without NEXT_PUBLIC_RPC_URL).
  NEXT_PUBLIC_RPC_URL: process.env.NEXT_PUBLIC_RPC_URL ?? (Number(chainId) === 31337 ? rpcUrl : ''),
  RPC_URL: rpcUrl,
  NEXT_PUBLIC_CHAIN_ID: String(chainId),
  CHAIN_ID: String(chainId),
  NEXT_PUBLIC_DEV_WALLET: chainId === 31337 ? '1' : (process.env.NEXT_PUBLIC_DEV_WALLET ?? ''),
});

/** `next build` then `next start` on `port`; resolves when the home page answers. */
export async function startWebApp({ port = 3000, rpcUrl, chainId = 31337, env = {}, build = true, quiet = false, supervise = null }) {
  await requirePortFree(port, 'web app');
  // The HTTP server's header limit above the API's 8 KB URL limit (middleware.ts), so an oversized query gets a JSON 414
  // instead of an empty 431.
  const fullEnv = { ...nextEnv(rpcUrl, chainId), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-http-header-size=131072`.trim(), ...env };
  if (process.env.SKIP_NEXT_BUILD === '1') build = false;
  if (build) runOrThrow(bin('next'), ['build'], { env: fullEnv, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  // WEB_HOST: the listen address (loopback by default; 0.0.0.0 behind a reverse proxy on another host).
  const host = process.env.WEB_HOST ?? '127.0.0.1';
  const args = ['start', '-p', String(port), '-H', host];
  // `supervise` (npm start): a server that exits on its own is restarted with backoff, like the services
  const proc = supervise ? superviseProcess('web', bin('next'), args, { env: fullEnv, quiet }, supervise) : undefined;
  const child = proc ? proc.child : startProcess('web', bin('next'), args, { env: fullEnv, quiet });
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  await waitFor(async () => (await fetch(url)).ok, `web app on ${url}`, 60_000);
  return { child, url, proc };
}
