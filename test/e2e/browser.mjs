// Shared browser helpers for the e2e specs: Debian chromium via playwright-core, dev-wallet connect, chain reads.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createPublicClient, createTestClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import DEFAULTS from '../../lib/defaults.json' with { type: 'json' };
import { gasWithHeadroom } from '../../lib/gas.ts';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3100';
export const RPC_URL = process.env.RPC_URL ?? 'http://127.0.0.1:8565';
export const MNEMONIC = DEFAULTS.devMnemonic;
export const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

export const chain = { id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [RPC_URL] } } };
export const client = createPublicClient({ chain, transport: http(RPC_URL) });
export const testClient = createTestClient({ chain, mode: 'anvil', transport: http(RPC_URL) });

/**
 * Sends a contract call from `wallet` with the app's gas headroom (lib/gas.ts: an estimate taken in one second can miss
 * the accruals or volatility sample the next second's block makes) and returns its receipt.
 */
export async function sendTx(wallet, request) {
  const gas = request.gas ?? gasWithHeadroom(await client.estimateContractGas({ account: wallet.account, ...request }));
  return client.waitForTransactionReceipt({ hash: await wallet.writeContract({ ...request, gas }) });
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens `path` with the dev wallet bound to anvil account `index`, and connects it through RainbowKit. */
export async function openConnected(browser, path, index) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.addInitScript((i) => window.localStorage.setItem('counterpool.devAccountIndex', String(i)), index);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  await page.goto(BASE_URL + path);
  await page.getByRole('button', { name: /connect wallet/i }).first().click();
  await page.getByText('Dev wallet (anvil)').click();
  const address = mnemonicToAccount(MNEMONIC, { addressIndex: index }).address;
  try {
    await page.getByRole('button', { name: new RegExp(address.slice(-4), 'i') }).first().waitFor({ timeout: 20_000 });
  } catch (e) {
    await page.screenshot({ path: `${SHOTS}/connect-failed-${index}.png` });
    throw e;
  }
  return { page, context, address };
}

export async function waitToast(page, pattern, timeout = 30_000) {
  await page.locator('[data-testid="toast-success"]', { hasText: pattern }).first().waitFor({ timeout });
}

/** On /pool: takes 10,000 test USDC from the faucet, approves the vault and deposits `amount` (whole USDC). */
export async function faucetAndDeposit(page, amount) {
  await page.getByRole('button', { name: /get 10,000 test usdc/i }).click();
  await waitToast(page, /Faucet/);
  await page.locator('#deposit-amount').fill(String(amount));
  await page.getByRole('button', { name: 'Approve USDC' }).click();
  await waitToast(page, /Approve/);
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await waitToast(page, new RegExp(`Deposit ${amount}`));
}

/**
 * From any page: opens /trade on market tab `name` (its price loaded), fills the order's collateral and leverage and
 * approves USDC for trading, so the Long and Short buttons send the order.
 */
export async function openTradeOnMarket(page, name, collateral, leverage) {
  await page.getByRole('navigation').getByRole('link', { name: 'Trade', exact: true }).click();
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tab', { name, selected: true }).waitFor();
  await page.getByTestId('market-price').filter({ hasText: /\d/ }).waitFor();
  await page.locator('#collateral').fill(String(collateral));
  await page.locator('#leverage').fill(String(leverage));
  await page.getByRole('button', { name: 'Approve USDC' }).click();
  await waitToast(page, /Approve USDC for trading/);
}
