/**
 * The benches' view of the bench chain (anvil on BENCH_RPC_URL with the contracts deployed): one set of clients, the
 * dev accounts, and the real keeper process started and synced before a bench moves prices.
 */
import { spawn } from 'node:child_process';
import { createPublicClient, createTestClient, createWalletClient, http, type Address } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { localChain } from '../../lib/chain';
import { contractsFor } from '../../lib/contracts';
import { DEFAULTS } from '../../lib/config';

export const rpc = process.env.BENCH_RPC_URL ?? 'http://127.0.0.1:8575';
export const chain = { ...localChain, rpcUrls: { default: { http: [rpc] } } };
export const c = contractsFor(31337);
export const pub = createPublicClient({ chain, transport: http(rpc), pollingInterval: 50 }); // anvil mines at once: no 4 s receipt polls
export const test = createTestClient({ chain, mode: 'anvil', transport: http(rpc) });
export const wallet = createWalletClient({ chain, transport: http(rpc) });
export const devAccount = (index: number) => mnemonicToAccount(DEFAULTS.devMnemonic, { addressIndex: index });
export type DevAccount = ReturnType<typeof devAccount>;

/** Sends a contract call from a dev account or an impersonated address; resolves to its hash (no receipt wait). */
export const send = (account: Address | DevAccount, req: Record<string, unknown>) => wallet.writeContract({ ...req, account, chain } as never);

/**
 * Starts the keeper process on `port` (extra env on top of the bench chain's) and waits until it has seen the current
 * head and `ready(health)` holds (its books synced), as in production before a shock. BENCH_VERBOSE shows its logs.
 */
export async function startSyncedKeeper(port: number, env: Record<string, string>, ready: (health: Record<string, number>) => boolean) {
  const keeper = spawn(process.execPath, ['--import', 'tsx', 'services/keeper/main.ts'], {
    env: { ...process.env, RPC_URL: rpc, KEEPER_PORT: String(port), KEEPER_POLL_MS: '200', ...env },
    stdio: process.env.BENCH_VERBOSE ? ['ignore', 'inherit', 'inherit'] : 'ignore',
  });
  process.on('exit', () => keeper.kill('SIGKILL')); // never outlives the bench, even when the bench fails
  const head = await pub.getBlockNumber();
  for (let i = 0; i < 240; i++) {
    const h = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.json())
      .catch(() => null);
    if (h && BigInt(h.lastBlock) >= head && ready(h)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return keeper;
}
