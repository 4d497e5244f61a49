// Production preflight for `npm start` against a chain (issue 16 items 3 and 4): the configured chain id must be the
// RPC's, a real chain never runs on anvil's public dev keys, and an existing deployment is reused unless a redeploy is
// asked for explicitly (REDEPLOY=1), so a restart never strands the pool's funds behind a fresh deployment.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnemonicToAccount } from 'viem/accounts';
import { bytesToHex } from 'viem';
import { ANVIL_MNEMONIC, root, rpc } from './stack.mjs';

export const LOCAL_CHAIN_ID = 31337;

/** anvil's first 20 dev private keys (derived from its public mnemonic), lower case. */
export const DEV_KEYS = new Set(
  Array.from({ length: 20 }, (_, i) => bytesToHex(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).getHdKey().privateKey).toLowerCase()),
);

/** The chain id to run on: the RPC's; a CHAIN_ID that disagrees with it is refused with both numbers. */
export function checkChainId(rpcChainId, envChainId) {
  if (envChainId !== undefined && envChainId !== '' && Number(envChainId) !== rpcChainId) {
    throw new Error(`CHAIN_ID=${envChainId} but the RPC answers eth_chainId ${rpcChainId}: fix CHAIN_ID (or RPC_URL)`);
  }
  return rpcChainId;
}

/** The deploy's markets (name, feedEnv, pythPriceId): MARKETS_FILE (relative to the project root), else
 *  script/markets.json, as Deploy.marketSpecs reads them. */
function marketSpecs(env) {
  return JSON.parse(readFileSync(join(root, env.MARKETS_FILE || join('script', 'markets.json')), 'utf8')).markets;
}

/** anvil's dev accounts' addresses (lower case): no role may go to one off the local chain. */
const DEV_ADDRESSES = new Set(Array.from({ length: 20 }, (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address.toLowerCase()));

/** Keys a chain other than the local one needs: each present, a 32-byte hex key, and none of anvil's public dev keys;
 *  and, when deploying, ADMIN_ADDRESS (the deploy hands every admin role to it and renounces the deployer's; RISK_ADDRESS
 *  and GUARDIAN_ADDRESS default to it), never a dev account.
 *  `needsDeployer`: the deploy key is needed only when contracts are deployed. Returns the problems (empty when fine). */
export function checkKeys(chainId, env, { needsDeployer = true } = {}) {
  if (chainId === LOCAL_CHAIN_ID) return [];
  const problems = [];
  const required = [...(needsDeployer ? ['PRIVATE_KEY'] : []), 'KEEPER_PRIVATE_KEY'];
  for (const name of required) {
    const key = env[name];
    if (!key) problems.push(`${name} is not set (chain ${chainId} is not the local chain: no dev-key fallback)`);
    else if (!/^0x[0-9a-fA-F]{64}$/.test(key)) problems.push(`${name} is not a 0x-prefixed 32-byte hex key`);
    else if (DEV_KEYS.has(key.toLowerCase())) problems.push(`${name} is one of anvil's public dev keys: anyone can sign with it`);
  }
  if (needsDeployer) {
    // A real chain settles in a real stablecoin and prices from real feeds: the deploy's fallbacks (a faucet token
    // anyone can mint, dev feeds the deployer sets) are for the local chain only.
    if (!env.SETTLEMENT_TOKEN) problems.push('SETTLEMENT_TOKEN is not set: off the local chain the pool settles in a real stablecoin, not a faucet token');
    for (const m of marketSpecs(env)) {
      if (env.PYTH_CONTRACT && m.pythPriceId) continue;
      if (!env[m.feedEnv]) problems.push(`${m.feedEnv} is not set: ${m.name} needs its Chainlink aggregator (or PYTH_CONTRACT for its Pyth price id); without it every market would get a dev feed the deployer sets`);
    }
    // An L2 whose sequencer can stop (script/chains.json, as the deploy checks it): without its uptime feed, prices
    // gone stale in an outage would be traded and liquidated the moment it restarts.
    const { sequencerFeedChains } = JSON.parse(readFileSync(join(root, 'script', 'chains.json'), 'utf8'));
    if (sequencerFeedChains.includes(chainId) && !env.SEQUENCER_UPTIME_FEED) {
      problems.push(`SEQUENCER_UPTIME_FEED is not set: chain ${chainId} is an L2 whose sequencer Chainlink publishes an uptime feed for (script/chains.json)`);
    }
    for (const name of ['ADMIN_ADDRESS', 'RISK_ADDRESS', 'GUARDIAN_ADDRESS']) {
      const a = env[name];
      if (!a) {
        if (name === 'ADMIN_ADDRESS') problems.push('ADMIN_ADDRESS is not set: the deploy hands every admin role to it (a multisig), not to the deploy key');
      } else if (!/^0x[0-9a-fA-F]{40}$/.test(a)) problems.push(`${name} is not an address`);
      else if (DEV_ADDRESSES.has(a.toLowerCase())) problems.push(`${name} is one of anvil's dev accounts: anyone holds its key`);
    }
  }
  return problems;
}

/** Whether to deploy: not when deployments/<chainId>.json names a core with code on this RPC, unless REDEPLOY=1. */
export async function deploymentToReuse(rpcUrl, chainId, env) {
  const file = join(root, 'deployments', `${chainId}.json`);
  if (!existsSync(file) || env.REDEPLOY === '1') return null;
  const d = JSON.parse(readFileSync(file, 'utf8'));
  if (!(await hasCode(rpcUrl, d.ClearingCore))) return null;
  // Reused only when complete (review AX: a broadcast killed after 20 transactions left a core, an engine and a pool
  // with the deployer still their admin, and the file was reused as if whole): every contract and feed it names has
  // code, and its admin holds each contract's DEFAULT_ADMIN_ROLE, the deploy's last step.
  const problems = [];
  for (const [name, address] of [...DEPLOYED_CONTRACTS.map((k) => [k, d[k]]), ...(d.feeds ?? []).map((f, i) => [`feeds[${i}]`, f])]) {
    if (!(await hasCode(rpcUrl, address))) problems.push(`${name} (${address}) has no code`);
  }
  for (const name of ADMINISTERED) {
    if (problems.length === 0 && !(await hasRole(rpcUrl, d[name], DEFAULT_ADMIN_ROLE, d.admin))) problems.push(`the admin ${d.admin} does not hold ${name}'s DEFAULT_ADMIN_ROLE`);
  }
  if (problems.length > 0) {
    throw new Error(`deployments/${chainId}.json names an incomplete deployment (an interrupted deploy?): ${problems.join('; ')}. Set REDEPLOY=1 to deploy anew.`);
  }
  return d;
}

/** The contracts a deployment file names (deployments/<chainId>.json), and those whose admin role the deploy hands over. */
const DEPLOYED_CONTRACTS = ['ClearingCore', 'PerpEngine', 'LiquidityPool', 'Reader', 'PriceUpdateRouter', 'OrderBook', 'OptionsBook', 'FaucetToken'];
const ADMINISTERED = ['ClearingCore', 'PerpEngine', 'LiquidityPool', 'OrderBook', 'OptionsBook'];
const DEFAULT_ADMIN_ROLE = `0x${'0'.repeat(64)}`;

async function hasCode(rpcUrl, address) {
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) return false;
  const code = await rpc(rpcUrl, 'eth_getCode', [address, 'latest']);
  return typeof code === 'string' && code !== '0x';
}

/** AccessControl.hasRole(role, account) by eth_call (selector 0x91d14854). */
async function hasRole(rpcUrl, contract, role, account) {
  if (typeof account !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(account)) return false;
  const data = `0x91d14854${role.slice(2)}${account.slice(2).toLowerCase().padStart(64, '0')}`;
  const out = await rpc(rpcUrl, 'eth_call', [{ to: contract, data }, 'latest']);
  return typeof out === 'string' && BigInt(out) === 1n;
}

/** The browser's RPC off the local chain: RPC_URL often carries an API key and is never sent to the browser there, so
 *  the web app needs its own public NEXT_PUBLIC_RPC_URL. Returns the problems (empty when fine). */
export function checkPublicRpc(chainId, env) {
  if (chainId === LOCAL_CHAIN_ID || env.START_WEB === '0' || env.NEXT_PUBLIC_RPC_URL) return [];
  return [`NEXT_PUBLIC_RPC_URL is not set: the browser reads chain ${chainId} through it (RPC_URL may carry an API key and never reaches the browser off the local chain)`];
}

/** Runs the checks; throws one error listing every problem. */
export async function preflight(rpcUrl, env = process.env) {
  const rpcChainId = Number(await rpc(rpcUrl, 'eth_chainId'));
  const chainId = checkChainId(rpcChainId, env.CHAIN_ID);
  const reuse = await deploymentToReuse(rpcUrl, chainId, env);
  const problems = [...checkKeys(chainId, env, { needsDeployer: !reuse }), ...checkPublicRpc(chainId, env)];
  if (problems.length > 0) throw new Error(`preflight refused to start on chain ${chainId}:\n  - ${problems.join('\n  - ')}`);
  return { chainId, reuse };
}
