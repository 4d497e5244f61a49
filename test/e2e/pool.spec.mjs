import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { erc20Abi, erc4626Abi, parseUnits } from 'viem';
import { client, launch, openConnected, SHOTS, waitToast } from './browser.mjs';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));

test('LP: faucet, approve and deposit with the dev wallet move real tokens on chain', async () => {
  const browser = await launch();
  try {
    const { page, address } = await openConnected(browser, '/pool', 16);
    const before = await client.readContract({ address: d.LiquidityPool, abi: erc4626Abi, functionName: 'totalAssets' });

    await page.getByRole('button', { name: /get 10,000 test usdc/i }).click();
    await waitToast(page, /Faucet/);
    const bal = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    assert.equal(bal, parseUnits('10000', 6));

    const input = page.getByLabel('Amount (USDC)').first();
    await input.fill('1500');
    await page.getByRole('button', { name: 'Approve USDC' }).click();
    await waitToast(page, /Approve/);
    await page.getByRole('button', { name: 'Deposit', exact: true }).click();
    await waitToast(page, /Deposit 1500/);

    const shares = await client.readContract({ address: d.LiquidityPool, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    assert.ok(shares > 0n, 'shares minted');
    const after = await client.readContract({ address: d.LiquidityPool, abi: erc4626Abi, functionName: 'totalAssets' });
    assert.equal(after - before, parseUnits('1500', 6), 'pool NAV grew by the deposit');
    await page.getByTestId('lp-value').filter({ hasText: '1,500.00' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${SHOTS}/pool-deposit.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});

test('LP: every invalid deposit amount shows its message and disables the button', async () => {
  const browser = await launch();
  try {
    const { page } = await openConnected(browser, '/pool', 17);
    await page.getByRole('button', { name: /get 10,000 test usdc/i }).click();
    await waitToast(page, /Faucet/);
    await page.getByTestId('wallet-usdc').filter({ hasText: '10,000.00' }).waitFor();
    const input = page.locator('#deposit-amount');
    const submit = page.locator('form[aria-labelledby="deposit-title"] button[type="submit"]');
    const cases = [
      ['abc', /Enter a number/],
      ['-5', /cannot be negative/],
      ['0', /greater than zero/],
      ['1.1234567', /At most 6 decimal places/],
      ['20000', /above your wallet balance/],
      ['0.5', /Deposits start at \$1\.00/],
      ['99999999999999999', /unrealistically large/],
    ];
    for (const [value, message] of cases) {
      await input.fill(value);
      await page.locator('#deposit-amount-error').filter({ hasText: message }).waitFor({ timeout: 5000 });
      assert.equal(await submit.isDisabled(), true, `submit disabled for ${value}`);
    }
    await input.fill('');
    assert.equal(await submit.isDisabled(), true, 'submit disabled when empty');
    await page.screenshot({ path: `${SHOTS}/pool-invalid.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});

test('API: /api/pool reads the chain and returns JSON', async () => {
  const res = await fetch(`${process.env.BASE_URL}/api/pool`);
  assert.equal(res.status, 200);
  const body = await res.json();
  const onChain = await client.readContract({ address: d.LiquidityPool, abi: erc4626Abi, functionName: 'totalAssets' });
  assert.equal(body.navUsd, onChain.toString());
  assert.equal(body.maxUtilizationBps, 9000);
});
