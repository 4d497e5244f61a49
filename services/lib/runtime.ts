/**
 * Shared plumbing for the long-running services: env config, structured JSON logs, viem clients, retry with
 * backoff, graceful shutdown, and a tiny health endpoint.
 */
import { createServer, type Server } from 'node:http';
import { createPublicClient, createWalletClient, http, type Chain, type NonceManager } from 'viem';
import { mnemonicToAccount, nonceManager, privateKeyToAccount } from 'viem/accounts';
import { chainAt } from '../../lib/chain';
import { contractsFor } from '../../lib/contracts';

import { DEFAULTS, LOCAL_RPC_URL } from '../../lib/config';
import { errorForLog } from '../../lib/errors';

export const ANVIL_MNEMONIC = DEFAULTS.devMnemonic;

export function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`missing env ${name}`);
  return v;
}

/**
 * A whole-number setting from the environment (its default when unset), at least `min` (1 unless given) and at most
 * `max`: anything else (`100k`, `0` for a batch size, a negative count) stops the service at startup with the setting's
 * name and value, instead of a batch of NaN that never liquidates or a zero step that loops forever.
 */
export function envInt(name: string, fallback: number, opts: { min?: number; max?: number } = {}): number {
  const raw = env(name, String(fallback)).trim();
  const min = opts.min ?? 1;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const v = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new Error(`env ${name} must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

/** envInt as a bigint (block counts, whole USD). */
export function envBigInt(name: string, fallback: number, opts: { min?: number; max?: number } = {}): bigint {
  return BigInt(envInt(name, fallback, opts));
}

export function createLogger(component: string) {
  const write = (level: string, msg: string, extra?: Record<string, unknown>) =>
    process.stdout.write(
      JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...extra }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n',
    );
  return {
    info: (msg: string, extra?: Record<string, unknown>) => write('info', msg, extra),
    warn: (msg: string, extra?: Record<string, unknown>) => write('warn', msg, extra),
    error: (msg: string, extra?: Record<string, unknown>) => write('error', msg, extra),
  };
}
export type Logger = ReturnType<typeof createLogger>;

export function chainFromEnv(): { chain: Chain; rpcUrl: string } {
  const rpcUrl = env('RPC_URL', LOCAL_RPC_URL);
  const chain = chainAt(envInt('CHAIN_ID', DEFAULTS.chainId), rpcUrl);
  return { chain, rpcUrl };
}

/** An account from `<PREFIX>_PRIVATE_KEY`, else anvil dev account `devIndex` (local chains only), with viem's shared
 *  nonce manager or the one given (the keeper's guarded one, services/keeper/nonces.ts). */
export function accountFromEnv(prefix: string, devIndex: number, manager: NonceManager = nonceManager) {
  const key = process.env[`${prefix}_PRIVATE_KEY`];
  if (key) return privateKeyToAccount(key as `0x${string}`, { nonceManager: manager });
  // the dev mnemonic's keys are public: off the local chain a service would sign with a key anyone holds (review AX)
  const chainId = envInt('CHAIN_ID', DEFAULTS.chainId);
  if (chainId !== DEFAULTS.chainId) throw new Error(`${prefix}_PRIVATE_KEY is required on chain ${chainId}: the dev mnemonic's accounts are for the local chain only`);
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: devIndex, nonceManager: manager });
}

export function setup(component: string) {
  const log = createLogger(component);
  const { chain, rpcUrl } = chainFromEnv();
  const transport = http(rpcUrl, { retryCount: 3, retryDelay: 300, timeout: 15_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 500 });
  const contracts = contractsFor(chain.id);
  const wallet = (account: ReturnType<typeof accountFromEnv>) => createWalletClient({ chain, transport, account });
  return { log, chain, rpcUrl, publicClient, contracts, wallet };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds, backing off exponentially (capped), logging each failure. */
export async function withRetry<T>(what: string, fn: () => Promise<T>, log: Logger, { attempts = Infinity, maxDelayMs = 10_000, shouldStop = (): boolean => false } = {}): Promise<T> {
  let delay = 250;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || shouldStop()) throw e;
      log.warn(`${what} failed, retrying`, { attempt: i, delayMs: delay, error: errorForLog(e) });
      await sleep(delay);
      delay = Math.min(maxDelayMs, delay * 2);
    }
  }
}

/** SIGINT/SIGTERM set `stopping` and run the cleanups once; the main loop checks `stopping()`. */
export function onShutdown(log: Logger, cleanup: () => Promise<void> | void) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    try {
      await cleanup();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return () => stopping;
}

export function healthServer(port: number, state: () => unknown, log: Logger, routes: Record<string, (body: unknown) => Promise<unknown>> = {}): Server {
  const server = createServer(async (req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    };
    try {
      if (req.method === 'GET' && req.url === '/health') return send(200, state());
      const handler = req.method === 'POST' ? routes[req.url ?? ''] : undefined;
      if (!handler) return send(404, { error: 'not found' });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      send(200, await handler(body));
    } catch (e) {
      send(400, { error: (e as Error).message });
    }
  });
  server.on('error', (e) => log.error('health server error', { port, error: e.message }));
  server.listen(port, '127.0.0.1');
  return server;
}
