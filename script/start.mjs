#!/usr/bin/env node
// `npm start`: the whole Counterpool stack with one command.
//   Local (default): anvil on :8545 -> build + deploy contracts -> codegen -> simulator, keeper, indexer -> web app on :3000.
//   External chain: set RPC_URL, CHAIN_ID, PRIVATE_KEY and KEEPER_PRIVATE_KEY (and DATABASE_URL for Postgres); anvil is
//   not started. Preflight (script/lib/preflight.mjs) refuses a CHAIN_ID the RPC disagrees with and anvil's dev keys off
//   the local chain, and reuses an existing deployment unless REDEPLOY=1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  bin,
  DEFAULTS,
  deployContracts,
  log,
  requirePortFree,
  root,
  runOrThrow,
  startAnvil,
  superviseProcess,
  startWebApp,
  stopProcess,
  nextEnv,
} from './lib/stack.mjs';
import { preflight } from './lib/preflight.mjs';

const external = !!process.env.RPC_URL;
const rpcUrl = process.env.RPC_URL ?? `http://127.0.0.1:${process.env.ANVIL_PORT ?? DEFAULTS.ports.anvil}`;
let chainId = Number(process.env.CHAIN_ID ?? 31337);
const webPort = Number(process.env.PORT ?? DEFAULTS.ports.web);
const children = [];
let stopping = false;

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('start', 'stopping', { processes: children.map((c) => c.name) });
  for (const c of [...children].reverse()) await (c.stop ? c.stop() : stopProcess(c));
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

// START_WEB=0 runs the chain side only (deploy or reuse, keeper, indexer): a node whose web app is served elsewhere.
const startWeb = process.env.START_WEB !== '0';

/** Every port the stack will listen on, checked before anything starts: a service whose port is taken would run
 *  without its health endpoint (the app's /api/health and `npm run scenario` then talk to whatever holds it), and a
 *  taken embedded-database port would restart the indexer forever. */
async function requirePortsFree() {
  const port = (name, fallback) => Number(process.env[name] ?? fallback);
  if (startWeb) await requirePortFree(webPort, 'web app');
  await requirePortFree(port('KEEPER_PORT', DEFAULTS.ports.keeper), 'keeper health, KEEPER_PORT');
  await requirePortFree(port('INDEXER_PORT', DEFAULTS.ports.indexer), 'indexer health, INDEXER_PORT');
  // the simulator drives the dev feeds: it runs on the local chain (and a deployment with dev feeds)
  if (!external) await requirePortFree(port('SIM_PORT', DEFAULTS.ports.simulator), 'simulator, SIM_PORT');
  if (!process.env.DATABASE_URL) await requirePortFree(port('INDEXER_PG_PORT', DEFAULTS.ports.embeddedDb), 'embedded database, INDEXER_PG_PORT');
}

async function main() {
  await requirePortsFree();
  if (!external) {
    const anvil = await startAnvil({ port: Number(process.env.ANVIL_PORT ?? DEFAULTS.ports.anvil), blockTime: 1 });
    children.push(anvil.child);
    log('start', 'anvil up', { rpcUrl });
  }
  // Against a chain we did not just start: the chain id must match the RPC, real chains need real keys, and an existing
  // deployment is reused (REDEPLOY=1 deploys a new one; the database is keyed by deployment).
  const checked = external ? await preflight(rpcUrl) : { chainId, reuse: null };
  chainId = checked.chainId;
  runOrThrow(bin('forge'), ['build']);
  let deployment = checked.reuse;
  if (deployment) log('start', 'reusing the deployment', { chainId, core: deployment.ClearingCore, redeploy: 'set REDEPLOY=1 to deploy anew' });
  else if (!(external && process.env.SKIP_DEPLOY === '1')) {
    deployment = deployContracts({ rpcUrl, privateKey: process.env.PRIVATE_KEY ?? undefined });
    log('start', 'contracts deployed', { chainId: deployment.chainId, engine: deployment.PerpEngine });
  }
  runOrThrow('node', [join(root, 'script', 'codegen.mjs')]);

  const serviceEnv = { RPC_URL: rpcUrl, CHAIN_ID: String(chainId) };
  for (const svc of ['indexer', 'keeper', 'simulator']) {
    const entry = join(root, 'services', svc, 'main.ts');
    if (!existsSync(entry)) continue;
    if (svc === 'simulator' && !(deployment?.devFeeds ?? chainId === 31337)) continue;
    // an external chain with dev feeds runs the simulator too: its port is known to be needed only now
    if (svc === 'simulator' && external) await requirePortFree(Number(process.env.SIM_PORT ?? DEFAULTS.ports.simulator), 'simulator, SIM_PORT');
    // a service that exits on its own is restarted with backoff (1 s doubling to 30 s, reset after a minute of running)
    const service = superviseProcess(svc, process.execPath, ['--import', 'tsx', entry], { env: serviceEnv }, {
      onRestart: (e) => !stopping && log('start', `${svc} exited; restarting`, { code: e.code, signal: e.signal, inMs: e.delayMs, restarts: e.restarts }),
    });
    children.push(service);
  }

  const web = startWeb
    ? await startWebApp({
        port: webPort,
        rpcUrl,
        chainId,
        env: nextEnv(rpcUrl, chainId),
        supervise: { onRestart: (e) => !stopping && log('start', 'web exited; restarting', { code: e.code, signal: e.signal, inMs: e.delayMs, restarts: e.restarts }) },
      })
    : undefined;
  if (web) children.push(web.proc);
  console.log(`
  Counterpool is up
    web app     ${web ? `${web.url}   (local chain: choose "Dev wallet (anvil)" in Connect)` : 'not started (START_WEB=0)'}
    chain RPC   ${rpcUrl}   (chain id ${chainId})
    contracts   deployments/${chainId}.json
    services    ${children.filter((c) => ['indexer', 'keeper', 'simulator'].includes(c.name)).map((c) => c.name).join(', ') || 'none'}
  Ctrl-C stops everything.
`);
}

main().catch(async (e) => {
  console.error(`\nnpm start failed: ${e.message}\n`);
  await shutdown(1);
});
