import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWalletClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { client, faucetAndDeposit, MNEMONIC, launch, openConnected, SHOTS, waitToast } from './browser.mjs';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const feedAbi = JSON.parse(readFileSync('out/DevPriceFeed.sol/DevPriceFeed.json', 'utf8')).abi;
const engineAbi = JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi;
const bookAbi = JSON.parse(readFileSync('out/OrderBook.sol/OrderBook.json', 'utf8')).abi;
const oracle = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }), chain: client.chain, transport: http(process.env.RPC_URL) });

async function ethPrice() {
  const [p] = await client.readContract({ address: d.feeds[0], abi: feedAbi, functionName: 'latestPrice' });
  return p;
}
async function setEth(priceWad) {
  const hash = await oracle.writeContract({ address: d.feeds[0], abi: feedAbi, functionName: 'setPrice', args: [priceWad] });
  await client.waitForTransactionReceipt({ hash });
}
const usd = (wad) => (Number(wad / 10n ** 14n) / 10_000).toFixed(2);

test('orders: a limit long fills when the keeper sees the price cross it; TP/SL on the position; edit, cancel, the stop fires, then a take-profit fires', async () => {
  const browser = await launch();
  try {
    const { page } = await openConnected(browser, '/pool', 12);
    await faucetAndDeposit(page, 5000);
    await page.getByRole('navigation').getByRole('link', { name: 'Trade', exact: true }).click();
    await page.getByTestId('market-price').filter({ hasText: /\d/ }).waitFor();
    const p0 = await ethPrice();

    // garbage in the order fields: inline messages, nothing can be sent
    await page.locator('#collateral').fill('200');
    await page.locator('#leverage').fill('10');
    const submit = page.locator('form[aria-labelledby="order-title"] button[type="submit"]');
    await page.locator('#take-profit').fill(usd((p0 * 90n) / 100n)); // a long's take-profit below the price
    await page.locator('#take-profit-error').filter({ hasText: /must be above the price/ }).waitFor();
    await page.locator('#stop-loss').fill('-5');
    await page.locator('#stop-loss-error').filter({ hasText: /Enter a price/ }).waitFor();
    // a 10x long's stop-loss at half the price is past its liquidation price: said, before anything is sent
    await page.locator('#stop-loss').fill(usd(p0 / 2n));
    await page.getByTestId('stop-past-liquidation').waitFor();
    await page.locator('#stop-loss').fill('-5');
    assert.ok(await submit.isDisabled(), 'nothing can be sent');
    await page.locator('#take-profit').fill('');
    await page.locator('#stop-loss').fill('');
    await page.getByRole('tab', { name: 'limit' }).click();
    await page.locator('#trigger-price').fill('12abc');
    await page.locator('#trigger-price-error').filter({ hasText: /Enter a price/ }).waitFor();
    assert.ok(await submit.isDisabled(), 'nothing can be sent');
    // and in the slippage tolerance: the form sends nothing until it is valid again
    await page.locator('#trigger-price').fill(usd((p0 * 99n) / 100n));
    await page.locator('#slippage').fill('abc');
    await page.locator('#slippage-error').filter({ hasText: /Enter a percentage/ }).waitFor();
    assert.ok(await submit.isDisabled(), 'a garbage slippage tolerance sends nothing');
    await page.locator('#slippage').fill('0.3');

    // a limit long above the price is already crossed: the form says it fills at once, at the price then
    await page.locator('#trigger-price').fill(usd((p0 * 101n) / 100n));
    await page.getByTestId('order-trigger-crossed').waitFor();
    // a limit long 1% below the price: previewed at its trigger, not at the price now
    await page.locator('#trigger-price').fill(usd((p0 * 99n) / 100n));
    await page.getByTestId('order-trigger-crossed').waitFor({ state: 'detached' });
    const triggerWad = BigInt(Math.round(Number(usd((p0 * 99n) / 100n)) * 100)) * 10n ** 16n;
    await page.locator(`[data-testid="preview-trigger"][data-wei="${triggerWad}"]`).waitFor();
    const entryAtTrigger = BigInt((await page.getByTestId('preview-entry').getAttribute('data-wei')) ?? '0');
    assert.ok(entryAtTrigger < (p0 * 995n) / 1000n, `the entry ${entryAtTrigger} is previewed near the trigger, below the price ${p0}`);
    await page.getByRole('button', { name: 'Approve USDC' }).click();
    await waitToast(page, /Approve USDC for trading/);
    await page.getByRole('button', { name: 'Approve order fees' }).click();
    await waitToast(page, /Approve USDC for order fees/);
    await page.getByRole('button', { name: 'Limit Long' }).click();
    await waitToast(page, /Limit long \$2,000/);
    const orders = page.locator('section[aria-labelledby="orders-title"] tbody tr');
    await orders.first().waitFor();
    assert.match(await orders.first().innerText(), /Limit open/);
    await page.screenshot({ path: `${SHOTS}/orders-1-limit.png`, fullPage: true });

    // the price falls through the limit: the keeper fills it
    await setEth((p0 * 985n) / 1000n);
    const row = page.getByTestId('position-ETH-USD-long');
    await row.waitFor({ timeout: 20_000 });
    await page.getByTestId('orders-empty').waitFor({ timeout: 20_000 });

    // take-profit and stop-loss on the position
    const p1 = await ethPrice();
    await row.getByRole('button', { name: 'TP/SL' }).click();
    const form = page.getByTestId('position-edit-tpsl');
    // garbage in the position's TP/SL fields: an inline message, nothing can be sent
    const placeTpSl = form.locator('button');
    await form.getByRole('textbox').nth(0).fill('abc');
    await form.locator('[id$="-error"]').filter({ hasText: /\w/ }).first().waitFor();
    assert.ok(await placeTpSl.isDisabled(), 'a garbage take-profit sends nothing');
    await form.getByRole('textbox').nth(0).fill(usd((p1 * 90n) / 100n)); // a long's take-profit below the price
    await form.locator('[id$="-error"]').filter({ hasText: /\w/ }).first().waitFor();
    assert.ok(await placeTpSl.isDisabled(), 'a take-profit on the wrong side sends nothing');
    await form.getByRole('textbox').nth(0).fill(usd((p1 * 102n) / 100n));
    await form.getByRole('textbox').nth(1).fill(usd((p1 * 95n) / 100n));
    // what the two orders escrow from the wallet, said before they are sent
    const minFee = await client.readContract({ address: d.OrderBook, abi: bookAbi, functionName: 'minExecutionFeeUsd' });
    await form.getByTestId('tpsl-fee').filter({ hasText: `($${usd(2n * minFee * 10n ** 12n)} for 2)` }).waitFor();
    await form.getByRole('button', { name: 'Place TP/SL' }).click();
    await waitToast(page, /Stop loss long/); // the protective one first
    await waitToast(page, /Take profit long/);
    await page.locator('section[aria-labelledby="orders-title"] tbody tr', { hasText: 'Stop loss' }).waitFor();

    // edit the stop-loss's trigger
    const sl = page.locator('section[aria-labelledby="orders-title"] tbody tr', { hasText: 'Stop loss' });
    // when it was placed: its OrderCreated event's block time (the book keeps none)
    const placed = (await sl.getByTestId('order-placed').textContent()) ?? '';
    assert.ok(/\d/.test(placed) && !/Invalid/.test(placed), `the order shows when it was placed (${placed})`);
    await sl.getByRole('button', { name: 'Edit' }).click();
    const newSl = usd((p1 * 94n) / 100n);
    // garbage in the edited trigger: an inline message, nothing can be sent
    await page.locator('section[aria-labelledby="orders-title"] input').first().fill('12abc');
    await page.locator('section[aria-labelledby="orders-title"]').getByText('Enter a price, like 2950.5').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Save trigger' }).isDisabled(), 'a garbage trigger sends nothing');
    // a long's stop moved above the price is already crossed: the form says the keeper would fill it at once
    await page.locator('section[aria-labelledby="orders-title"] input').first().fill(usd((p1 * 110n) / 100n));
    await page.getByTestId('trigger-fires-now').filter({ hasText: /^Already crossed at/ }).waitFor();
    await page.locator('section[aria-labelledby="orders-title"] input').first().fill(newSl);
    await page.getByTestId('trigger-fires-now').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save trigger' }).click();
    await waitToast(page, /Move order/);
    await sl.getByTestId('order-trigger').filter({ hasText: new RegExp(Number(newSl).toLocaleString('en-US').split('.')[0]) }).waitFor();

    // cancel the take-profit (its fee comes back), then the price falls through the stop-loss: the keeper closes
    const tpRow = page.locator('section[aria-labelledby="orders-title"] tbody tr', { hasText: 'Take profit' });
    await tpRow.getByRole('button', { name: 'Cancel' }).click();
    await waitToast(page, /Cancel order/);
    await tpRow.waitFor({ state: 'detached' });
    await setEth((p1 * 93n) / 100n);
    await page.getByTestId('positions-empty').waitFor({ timeout: 20_000 });
    await page.getByTestId('orders-empty').waitFor({ timeout: 20_000 });
    // the history names the orders the keeper filled (indexed OrderExecuted after each fill)
    const actions = page.getByTestId('history-action');
    await actions.filter({ hasText: /^Stop-loss #\d+: Close$/ }).first().waitFor({ timeout: 30_000 });
    await actions.filter({ hasText: /^Limit order #\d+: Open \/ increase$/ }).first().waitFor({ timeout: 30_000 });

    // a take-profit fires on its side too, here for part of a position: a new market long of $1,000, a take-profit
    // for $400 of it 1% above; the price rises through it and $600 stays open
    const p2 = await ethPrice();
    await page.getByRole('tab', { name: 'market' }).click();
    await page.locator('#collateral').fill('200');
    await page.locator('#leverage').fill('5');
    await page.getByRole('button', { name: 'Long', exact: true }).last().click();
    await waitToast(page, /Long \$1,000/);
    await row.waitFor({ timeout: 20_000 });
    await row.getByRole('button', { name: 'TP/SL' }).click();
    await form.getByRole('textbox').nth(0).fill(usd((p2 * 101n) / 100n));
    const size = form.getByRole('textbox').nth(2);
    await size.fill('2000'); // more than the position
    await form.locator('[id$="-error"]').filter({ hasText: /above the position size/ }).waitFor();
    assert.ok(await placeTpSl.isDisabled(), 'a size above the position sends nothing');
    await size.fill('400');
    await form.getByRole('button', { name: 'Place TP/SL' }).click();
    await waitToast(page, /Take profit long/);
    await page.locator('section[aria-labelledby="orders-title"] tbody tr', { hasText: 'Take profit' }).waitFor();
    await setEth((p2 * 1015n) / 1000n);
    await page.getByTestId('orders-empty').waitFor({ timeout: 20_000 });
    await actions.filter({ hasText: /^Take-profit #\d+: Decrease \/ close$/ }).first().waitFor({ timeout: 30_000 });
    const account = mnemonicToAccount(MNEMONIC, { addressIndex: 12 }).address; // the page's dev wallet
    const left = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [account, 0n, true] });
    assert.equal(left.sizeUsd, 600_000_000n, 'the take-profit closed its $400 and left $600 open');
    await row.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByTestId('close-confirm').getByRole('button', { name: 'Confirm close', exact: true }).click();
    await page.getByTestId('positions-empty').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/orders-2-done.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});
