/**
 * Production preflight (issue 16 items 3 and 4): CHAIN_ID must be the RPC's; off the local chain anvil's public dev
 * keys and missing keys are refused; an existing deployment is reused unless REDEPLOY=1.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module without types
import { checkChainId, checkKeys, checkPublicRpc, deploymentToReuse, DEV_KEYS, preflight } from '../../script/lib/preflight.mjs';
import { nextEnv, root } from '../../script/lib/stack.mjs';
import { rpcUrl } from './helpers';

const REAL_KEY = `0x${'5a'.repeat(32)}`;

describe('preflight', () => {
  it('refuses a CHAIN_ID the RPC disagrees with, naming both', () => {
    expect(() => checkChainId(31337, '4242')).toThrow(/CHAIN_ID=4242 but the RPC answers eth_chainId 31337/);
    expect(checkChainId(4242, undefined)).toBe(4242);
    expect(checkChainId(4242, '4242')).toBe(4242);
  });

  it('refuses to start the web app off the local chain without its own public RPC (RPC_URL stays server-side)', () => {
    expect(checkPublicRpc(4242, { RPC_URL: 'https://rpc.example/v2/SECRET' })).toEqual([expect.stringMatching(/NEXT_PUBLIC_RPC_URL is not set/)]);
    expect(checkPublicRpc(4242, { RPC_URL: 'https://rpc.example/v2/SECRET', NEXT_PUBLIC_RPC_URL: 'https://public.example' })).toEqual([]);
    expect(checkPublicRpc(4242, { RPC_URL: 'https://rpc.example/v2/SECRET', START_WEB: '0' })).toEqual([]);
    expect(checkPublicRpc(31337, {})).toEqual([]);
    // and the web app's environment never carries RPC_URL to the browser off the local chain
    expect(nextEnv('https://rpc.example/v2/SECRET', 4242).NEXT_PUBLIC_RPC_URL).not.toContain('SECRET');
    expect(nextEnv('http://127.0.0.1:8545', 31337).NEXT_PUBLIC_RPC_URL).toBe('http://127.0.0.1:8545');
  });

  it('refuses anvil dev keys and missing keys off the local chain', () => {
    const devKey = [...DEV_KEYS][1];
    const FEEDS = { SETTLEMENT_TOKEN: '0x2222222222222222222222222222222222222222', ETH_USD_FEED: '0x3', BTC_USD_FEED: '0x4', SOL_USD_FEED: '0x5' };
    const ADMIN = { ADMIN_ADDRESS: '0x1111111111111111111111111111111111111111', ...FEEDS };
    expect(checkKeys(4242, { PRIVATE_KEY: devKey, KEEPER_PRIVATE_KEY: REAL_KEY, ...ADMIN })).toEqual([expect.stringMatching(/PRIVATE_KEY is one of anvil's public dev keys/)]);
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, ...ADMIN })).toEqual([expect.stringMatching(/KEEPER_PRIVATE_KEY is not set/)]);
    expect(checkKeys(4242, { PRIVATE_KEY: '0x1234', KEEPER_PRIVATE_KEY: REAL_KEY, ...ADMIN })).toEqual([expect.stringMatching(/not a 0x-prefixed 32-byte hex key/)]);
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...ADMIN })).toEqual([]);
    // deploying hands the roles to configured holders: an admin is required, and never a dev account
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...FEEDS })).toEqual([expect.stringMatching(/ADMIN_ADDRESS is not set/)]);
    // deploying needs the real token and every market's feed (no faucet token, no dev feeds off the local chain)
    const { SETTLEMENT_TOKEN: _token, BTC_USD_FEED: _btc, ...partial } = ADMIN;
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...partial })).toEqual([
      expect.stringMatching(/SETTLEMENT_TOKEN is not set/),
      expect.stringMatching(/BTC_USD_FEED is not set/),
    ]);
    // Pyth markets need PYTH_CONTRACT instead of their aggregator
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...partial, SETTLEMENT_TOKEN: FEEDS.SETTLEMENT_TOKEN, PYTH_CONTRACT: '0x6' })).toEqual([]);
    const devAddress = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'; // anvil account 0
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ADMIN_ADDRESS: devAddress, ...FEEDS })).toEqual([expect.stringMatching(/ADMIN_ADDRESS is one of anvil's dev accounts/)]);
    expect(checkKeys(4242, { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...ADMIN, GUARDIAN_ADDRESS: 'nope' })).toEqual([expect.stringMatching(/GUARDIAN_ADDRESS is not an address/)]);
    expect(checkKeys(4242, { KEEPER_PRIVATE_KEY: REAL_KEY }, { needsDeployer: false })).toEqual([]); // reusing: no deploy key
    expect(checkKeys(31337, {})).toEqual([]); // the local chain runs on dev keys
    // an L2 with a sequencer uptime feed (Base, script/chains.json) needs it, as the deploy does
    const full = { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...ADMIN };
    expect(checkKeys(8453, full)).toEqual([expect.stringMatching(/SEQUENCER_UPTIME_FEED is not set: chain 8453/)]);
    expect(checkKeys(8453, { ...full, SEQUENCER_UPTIME_FEED: '0x7' })).toEqual([]);
    // MARKETS_FILE: the chain's own market list (the deploy reads the same file), here ETH-USD alone: only its feed
    const file = join('deployments', `markets.preflight-test-${process.pid}.json`);
    const markets = JSON.parse(readFileSync(join(root, 'script', 'markets.json'), 'utf8'));
    writeFileSync(join(root, file), JSON.stringify({ markets: markets.markets.slice(0, 1) }));
    try {
      const withEthFeed = { PRIVATE_KEY: REAL_KEY, KEEPER_PRIVATE_KEY: REAL_KEY, ...partial, SETTLEMENT_TOKEN: FEEDS.SETTLEMENT_TOKEN, MARKETS_FILE: file };
      expect(checkKeys(4242, withEthFeed)).toEqual([]); // BTC_USD_FEED is not asked for
      expect(checkKeys(4242, { ...withEthFeed, MARKETS_FILE: undefined })).toEqual([expect.stringMatching(/BTC_USD_FEED is not set/)]);
    } finally {
      rmSync(join(root, file));
    }
  });

  it('reuses the deployment that has code on the chain, unless REDEPLOY=1', async () => {
    const reused = await deploymentToReuse(rpcUrl(), 31337, {});
    expect(reused?.ClearingCore).toMatch(/^0x/);
    expect(await deploymentToReuse(rpcUrl(), 31337, { REDEPLOY: '1' })).toBeNull();
    expect(await deploymentToReuse(rpcUrl(), 4242, {})).toBeNull(); // no deployment file for that chain
    const checked = await preflight(rpcUrl(), { CHAIN_ID: '31337' });
    expect(checked.chainId).toBe(31337);
    await expect(preflight(rpcUrl(), { CHAIN_ID: '1' })).rejects.toThrow(/CHAIN_ID=1/);
  });

  it('refuses to reuse an incomplete deployment: a contract without code, or an admin without its role (review AX: an interrupted deploy was reused)', async () => {
    const local = readFileSync(join(root, 'deployments', '31337.json'), 'utf8');
    const file = join(root, 'deployments', '4251.json'); // the local deployment, as if on another chain's file
    const d = JSON.parse(local);
    try {
      writeFileSync(file, local);
      expect((await deploymentToReuse(rpcUrl(), 4251, {}))?.ClearingCore).toBe(d.ClearingCore);
      writeFileSync(file, JSON.stringify({ ...d, OptionsBook: `0x${'12'.repeat(20)}` }));
      await expect(deploymentToReuse(rpcUrl(), 4251, {})).rejects.toThrow(/OptionsBook \(0x1212.*\) has no code.*REDEPLOY=1/);
      writeFileSync(file, JSON.stringify({ ...d, admin: `0x${'34'.repeat(20)}` }));
      await expect(deploymentToReuse(rpcUrl(), 4251, {})).rejects.toThrow(/does not hold ClearingCore's DEFAULT_ADMIN_ROLE/);
      expect(await deploymentToReuse(rpcUrl(), 4251, { REDEPLOY: '1' })).toBeNull();
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('service keys', () => {
  it("a service without its key signs with the dev mnemonic on the local chain only (review AX: on any chain)", async () => {
    const { accountFromEnv } = await import('@/services/lib/runtime');
    const saved = { chain: process.env.CHAIN_ID, key: process.env.KEEPER_PRIVATE_KEY };
    try {
      delete process.env.KEEPER_PRIVATE_KEY;
      process.env.CHAIN_ID = '31337';
      expect(accountFromEnv('KEEPER', 1).address).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
      process.env.CHAIN_ID = '8453';
      expect(() => accountFromEnv('KEEPER', 1)).toThrow(/KEEPER_PRIVATE_KEY is required on chain 8453/);
      process.env.KEEPER_PRIVATE_KEY = REAL_KEY;
      expect(accountFromEnv('KEEPER', 1).address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    } finally {
      if (saved.chain === undefined) delete process.env.CHAIN_ID;
      else process.env.CHAIN_ID = saved.chain;
      if (saved.key === undefined) delete process.env.KEEPER_PRIVATE_KEY;
      else process.env.KEEPER_PRIVATE_KEY = saved.key;
    }
  });
});
