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
// setBlocked is open on the mock: sent from an account no service uses (the browser wallets' range, not this spec's)
const operator = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 19 }), chain: client.chain, transport: http(process.env.RPC_URL) });

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
    // The token (a USDC-like blocklist swapped in at the faucet token's address) refuses the LP as a receiver, from
    // before the request: the keeper service fills the queue on its own, whenever it sees the request.
    await testClient.setCode({ address: d.FaucetToken, bytecode: blocklist.deployedBytecode.object });
    const block = await operator.writeContract({ address: d.FaucetToken, abi: blocklist.abi, functionName: 'setBlocked', args: [address, true] });
    await client.waitForTransactionReceipt({ hash: block });
    await sendTx(lp, { address: d.LiquidityPool, abi: poolAbi, functionName: 'requestRedeem', args: [shares, address, 0n] });
    // Filled by the keeper service, or by this test with the keeper's key (the queue is keeper-only) where the service
    // is slower; the two share the key, so a send that loses the nonce race is tried again.
    let owed = 0n;
    for (const t0 = Date.now(); owed <= parseUnits('1999', 6); await new Promise((r) => setTimeout(r, 1000))) {
      assert.ok(Date.now() - t0 < 60_000, `the queue moved on and the payout waits for the LP (${owed})`);
      if (Date.now() - t0 > 5_000) await sendTx(keeper, { address: d.LiquidityPool, abi: poolAbi, functionName: 'processQueue', args: [50n] }).catch(() => {});
      owed = await client.readContract({ address: d.LiquidityPool, abi: poolAbi, functionName: 'claimable', args: [address] });
    }

    // Unblocked later: the page shows the undelivered payout and claims it.
    const unblock = await operator.writeContract({ address: d.FaucetToken, abi: blocklist.abi, functionName: 'setBlocked', args: [address, false] });
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
