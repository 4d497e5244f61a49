/**
 * Indexer: ingests every engine and pool event into the database (embedded PGlite by default, Postgres with
 * DATABASE_URL) and keeps periodic pool and market snapshots for the metrics API. Resumable, idempotent, reorg-safe.
 */
import { redactUrl } from '../lib/redact';
import { env, envBigInt, envInt, healthServer, onShutdown, setup, sleep, withRetry } from '../lib/runtime';
import { openDb } from './db';
import { IndexResetRefused, Indexer } from './ingest';
import { DEFAULTS } from '../../lib/config';
import { errorForLog } from '../../lib/errors';
import { deploymentSchema } from '../../lib/deployment';

const { log, publicClient, contracts, chain } = setup('indexer');
const PORT = envInt('INDEXER_PORT', DEFAULTS.ports.indexer, { max: 65535 });

async function main() {
  const schema = deploymentSchema(chain.id, contracts.core.address);
  const db = await openDb({ dataDir: env('INDEXER_DATA_DIR', '.data/pglite'), schema });
  log.info('database ready', { url: redactUrl(db.url), schema });
  // the node must serve the deployment's chain: a wrong RPC_URL would otherwise read as a reorg past every stored block
  const nodeChainId = await withRetry('getChainId', () => publicClient.getChainId(), log);
  if (nodeChainId !== chain.id) throw new Error(`RPC_URL serves chain ${nodeChainId}, the deployment is on chain ${chain.id}: check RPC_URL and CHAIN_ID`);
  const indexer = new Indexer(db, publicClient, contracts, log, {
    range: envBigInt('INDEXER_RANGE', 2000),
    snapshotEvery: envBigInt('INDEXER_SNAPSHOT_EVERY', 3),
    snapshotWindow: envBigInt('INDEXER_SNAPSHOT_WINDOW', 50),
    confirmations: envBigInt('INDEXER_CONFIRMATIONS', DEFAULTS.indexerConfirmations, { min: 0 }),
    // a local chain restarted under the same addresses starts the index over; anywhere else that takes an operator
    allowReset: chain.id === DEFAULTS.chainId || env('INDEXER_ALLOW_RESET', '0') === '1',
  });
  const server = healthServer(PORT, () => ({ ...indexer.stats, lag: indexer.stats.head - indexer.stats.cursor, database: redactUrl(db.url) }), log);
  const stopping = onShutdown(log, async () => {
    server.close();
    await db.close();
  });
  let delay = 250;
  while (!stopping()) {
    try {
      const atHead = await indexer.step();
      delay = 250;
      if (atHead) await sleep(envInt('INDEXER_POLL_MS', 500, { min: 0 }));
    } catch (e) {
      if (e instanceof IndexResetRefused) throw e; // an operator's decision: fatal, alerted
      log.warn('ingest failed, retrying', { delayMs: delay, error: errorForLog(e) });
      await sleep(delay);
      delay = Math.min(10_000, delay * 2);
    }
  }
}

main().catch((e) => {
  log.error('fatal', { error: errorForLog(e) });
  process.exit(1);
});
