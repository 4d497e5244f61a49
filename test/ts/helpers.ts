import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createTestClient, createWalletClient, http, maxUint256, parseUnits, type Abi, type Address, type Hex } from 'viem';
import { generatePrivateKey, mnemonicToAccount, nonceManager, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { inject } from 'vitest';
import { localChain } from '@/lib/chain';
import { DEFAULTS } from '@/lib/config';

export const MNEMONIC = DEFAULTS.devMnemonic;
export const rpcUrl = () => inject('rpcUrl');
export const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });

export function clients(index = 0) {
  const transport = http(rpcUrl());
  const chain = { ...localChain, rpcUrls: { default: { http: [rpcUrl()] } } };
  return {
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account: account(index) }),
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
  };
}

/** The keeper's signer as services/lib/runtime.ts makes it: account `index` with a nonce manager, so concurrent sends
 *  take distinct nonces. */
export function keeperWallet(index = 1) {
  const { publicClient } = clients(index);
  return createWalletClient({
    chain: publicClient.chain,
    transport: http(rpcUrl()),
    account: mnemonicToAccount(MNEMONIC, { addressIndex: index, nonceManager }),
  });
}

/** Deploys a contract compiled by forge (out/<File>.sol/<Name>.json). */
export async function deployArtifact(file: string, name: string, args: unknown[] = []) {
  const artifact = JSON.parse(readFileSync(join('out', file, `${name}.json`), 'utf8'));
  const { walletClient, publicClient } = clients(0);
  const hash = await walletClient.deployContract({ abi: artifact.abi as Abi, bytecode: artifact.bytecode.object as Hex, args });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  return { address: receipt.contractAddress!, abi: artifact.abi as Abi };
}

/** Deterministic 64-bit PRNG (splitmix64) so failures reproduce. */
export function rng(seed: bigint) {
  let s = seed;
  const M = (1n << 64n) - 1n;
  const next = () => {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  /** Uniform-ish in [lo, hi], with extra mass at the edges and across magnitudes. */
  const between = (lo: bigint, hi: bigint): bigint => {
    const r = next();
    const pick = r % 10n;
    if (pick === 0n) return lo;
    if (pick === 1n) return hi;
    const span = hi - lo + 1n;
    if (pick < 5n) {
      // log-uniform magnitude
      const bits = BigInt(span.toString(2).length);
      const b = next() % bits;
      const v = (next() << 64n | next()) % ((1n << b) + 1n);
      return lo + (v % span);
    }
    return lo + ((next() << 128n) | (next() << 64n) | next()) % span;
  };
  return { next, between, bool: () => (next() & 1n) === 1n };
}

/** Each test file starts from the freshly deployed chain and leaves it as it found it (anvil snapshot/revert). */
export function isolateChain(beforeAll: (fn: () => Promise<void>) => void, afterAll: (fn: () => Promise<void>) => void) {
  let id: `0x${string}`;
  beforeAll(async () => {
    id = await clients().testClient.snapshot();
  });
  afterAll(async () => {
    await clients().testClient.revert({ id });
  });
}

/** A contract call as the chain tests send it. */
export type TestCall = { address: Address; abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[] };

/** A fresh account on a separate test chain: ether for gas (`setBalance`), `usd` of the faucet token (minted a million
 *  at a time, the faucet's limit) and the token approved to every one of `spenders`, each sent with the test's `send`. */
export async function fundedAccount(opts: {
  usd: number;
  token: { address: Address; abi: Abi | readonly unknown[] };
  spenders: readonly Address[];
  setBalance: (address: Address) => Promise<unknown>;
  send: (from: PrivateKeyAccount, call: TestCall) => Promise<unknown>;
}): Promise<PrivateKeyAccount> {
  const a = privateKeyToAccount(generatePrivateKey());
  await opts.setBalance(a.address);
  for (let left = opts.usd; left > 0; left -= 1_000_000) {
    await opts.send(a, { ...opts.token, functionName: 'faucet', args: [parseUnits(String(Math.min(left, 1_000_000)), 6)] });
  }
  for (const spender of opts.spenders) await opts.send(a, { ...opts.token, functionName: 'approve', args: [spender, maxUint256] });
  return a;
}
