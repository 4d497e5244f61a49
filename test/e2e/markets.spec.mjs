import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { client, faucetAndDeposit, launch, openConnected, openTradeOnMarket, SHOTS, waitToast } from './browser.mjs';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const engineAbi = JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi;

// The last market the deployment lists (a third one today): nothing in the app names it, so trading on it shows the
// app picks markets up from the deployment and the chain alone.
const marketId = d.marketNames.length - 1;
const name = d.marketNames[marketId];

test(`every listed market trades: open and close a long on ${name} (market ${marketId})`, async () => {
  assert.ok(d.marketNames.length >= 3, 'the local deployment lists at least three markets');
  const browser = await launch();
  try {
    const { page, address } = await openConnected(browser, '/pool', 15);
    // The pool backs every trade: give it liquidity first (this spec may run before the others).
    await faucetAndDeposit(page, 5000);

    await openTradeOnMarket(page, name, 150, 5);
    await page.getByRole('button', { name: 'Long', exact: true }).last().click();
    await waitToast(page, /Long \$750/);

    const onChain = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [address, BigInt(marketId), true] });
    assert.equal(onChain.sizeUsd, 750_000_000n, `a 750 USD long on ${name}`);
    const row = page.getByTestId(`position-${name}-long`);
    await row.waitFor();
    await page.screenshot({ path: `${SHOTS}/market-${name}.png`, fullPage: true });
    await row.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByTestId('close-confirm').getByRole('button', { name: 'Confirm close', exact: true }).click();
    await waitToast(page, new RegExp(`Close ${name} long`));
    const after = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [address, BigInt(marketId), true] });
    assert.equal(after.sizeUsd, 0n, 'closed');
  } finally {
    await browser.close();
  }
});
