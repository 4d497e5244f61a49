import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWalletClient, erc20Abi, http, parseUnits } from 'viem';
import { client, faucetAndDeposit, launch, MNEMONIC, openConnected, sendTx, SHOTS, testClient, waitToast } from './browser.mjs';
import { mnemonicToAccount } from 'viem/accounts';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const poolAbi = JSON.parse(readFileSync('out/LiquidityPool.sol/LiquidityPool.json', 'utf8')).abi;
const blocklist = JSON.parse(readFileSync('out/Mocks.sol/BlocklistFaucetToken.json', 'utf8'));
const keeper = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 1 }), chain: client.chain, transport: http(process.env.RPC_URL) });

test('LP: a queued withdrawal the token refuses to deliver waits on /pool and is claimed with one click', async () => {
  const browser = await launch();
  const original = await client.getCode({ address: d.FaucetToken });
  try {
    const { page, address } = await openConnected(browser, '/pool', 14);
    await faucetAndDeposit(page, 2000);
    // Past the cooldown, queue the shares (the queue is how withdrawals beyond free liquidity are paid).
    await testClient.increaseTime({ seconds: 61 });
    await testClient.mine({ blocks: 1 });
    const shares = await client.readContract({ address: d.LiquidityPool, abi: poolAbi, functionName: 'balanceOf', args: [address] });
    const lp = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 14 }), chain: client.chain, transport: http(process.env.RPC_URL) });
    await sendTx(lp, { address: d.LiquidityPool, abi: poolAbi, functionName: 'requestRedeem', args: [shares, address, 0n] });

    // The token (a USDC-like blocklist swapped in at the faucet token's address) refuses the LP as a receiver.
    await testClient.setCode({ address: d.FaucetToken, bytecode: blocklist.deployedBytecode.object });
    const block = await keeper.writeContract({ address: d.FaucetToken, abi: blocklist.abi, functionName: 'setBlocked', args: [address, true] });
    await client.waitForTransactionReceipt({ hash: block });
    const receipt = await sendTx(keeper, { address: d.LiquidityPool, abi: poolAbi, functionName: 'processQueue', args: [50n] });
    assert.equal(receipt.status, 'success', 'the queue moved on');
    const owed = await client.readContract({ address: d.LiquidityPool, abi: poolAbi, functionName: 'claimable', args: [address] });
    assert.ok(owed > parseUnits('1999', 6), `the payout waits for the LP (${owed})`);

    // Unblocked later: the page shows the undelivered payout and claims it.
    const unblock = await keeper.writeContract({ address: d.FaucetToken, abi: blocklist.abi, functionName: 'setBlocked', args: [address, false] });
    await client.waitForTransactionReceipt({ hash: unblock });
    await page.reload();
    await page.getByRole('button', { name: /connect wallet/i }).first().click().catch(() => {});
    const row = page.getByTestId('lp-claimable');
    await row.waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/pool-claim.png`, fullPage: true });
    const before = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    await row.getByRole('button', { name: 'Claim' }).click();
    await waitToast(page, /Claim/);
    const after = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    assert.equal(after - before, owed, 'claimed in full');
    await row.waitFor({ state: 'detached', timeout: 15_000 });
  } finally {
    await testClient.setCode({ address: d.FaucetToken, bytecode: original });
    await browser.close();
  }
});
