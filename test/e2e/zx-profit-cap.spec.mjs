import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWalletClient, http, maxUint256 } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { bucketDown, priceOf } from '../../lib/math/capgrid.ts';
import { client, faucetAndDeposit, launch, MNEMONIC, openConnected, openTradeOnMarket, sendTx, SHOTS, waitToast } from './browser.mjs';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const engineAbi = JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi;
const readerAbi = JSON.parse(readFileSync('out/Reader.sol/Reader.json', 'utf8')).abi;
const feedAbi = JSON.parse(readFileSync('out/DevPriceFeed.sol/DevPriceFeed.json', 'utf8')).abi;
// the deployer: the dev feeds' owner and the risk role on the local chain
const admin = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }), chain: client.chain, transport: http(process.env.RPC_URL) });

// The last listed market, so the other specs' markets keep their prices and parameters.
const marketId = BigInt(d.marketNames.length - 1);
const name = d.marketNames[Number(marketId)];

const setCapBps = (cfg, maxProfitBps) =>
  sendTx(admin, { address: d.PerpEngine, abi: engineAbi, functionName: 'setMarketConfig', args: [marketId, { ...cfg, maxProfitBps }] });
const setPrice = (priceWad) => sendTx(admin, { address: d.feeds[Number(marketId)], abi: feedAbi, functionName: 'setPrice', args: [priceWad] });

test(`P-107: adding to a long past its profit cap is refused in the form and on chain; a large enough add is not (${name})`, async () => {
  const cfg = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marketConfig', args: [marketId] });
  const [startPrice] = await client.readContract({ address: d.feeds[Number(marketId)], abi: feedAbi, functionName: 'latestPrice' });
  const browser = await launch();
  try {
    const { page, address } = await openConnected(browser, '/pool', 5); // an account no other spec uses
    await faucetAndDeposit(page, 5000);
    // A 3% cap, so a small move carries the position past it (positions keep the cap they open with, P-52).
    await setCapBps(cfg, 300);
    await openTradeOnMarket(page, name, 150, 5);
    await page.getByTestId('preview-profit-cap').and(page.locator('[data-wei="22500000"]')).waitFor(); // 3% of 750
    await page.getByRole('button', { name: 'Long', exact: true }).last().click();
    await waitToast(page, /Long \$750/);
    const opened = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [address, marketId, true] });
    const capWad = priceOf(BigInt(opened.capBucket));
    assert.ok(capWad > startPrice && capWad <= (startPrice * 10_300n) / 10_000n, 'a 3% cap price, rounded down onto the grid');

    // Past the cap, 0.1% above a grid price: an $11 add's own allowance (3% of 11 over about 790 of notional) cannot
    // lift the merged cap back over the next grid price, so the merged position would be capped below the price.
    const pastWad = (priceOf(bucketDown((capWad * 10_200n) / 10_000n)) * 10_010n) / 10_000n;
    await setPrice(pastWad);
    await page.locator('#collateral').fill('10');
    await page.locator('#leverage').fill('1.1');
    const error = page.getByTestId('order-error');
    await error
      .filter({ hasText: /past its profit cap/ })
      .waitFor({ timeout: 20_000 })
      .catch(async (e) => {
        await page.screenshot({ path: `${SHOTS}/profit-cap-not-refused.png`, fullPage: true });
        const alerts = await page.getByRole('alert').allInnerTexts();
        const form = await page.locator('form[aria-labelledby="order-title"]').innerText();
        throw new Error(`${e.message}\nalerts: ${JSON.stringify(alerts)}\nform: ${form}`);
      });
    assert.ok(await page.getByRole('button', { name: 'Long', exact: true }).last().isDisabled(), 'the add cannot be sent');
    await page.screenshot({ path: `${SHOTS}/profit-cap-refused.png`, fullPage: true });
    // the chain refuses the same add with the cap price and the price
    await assert.rejects(
      client.simulateContract({ account: address, address: d.PerpEngine, abi: engineAbi, functionName: 'increasePosition', args: [marketId, true, 0n, 11_000_000n, maxUint256] }),
      (e) => {
        const err = e.walk((c) => c.data?.errorName);
        assert.equal(err?.data.errorName, 'AtProfitCap');
        assert.ok(err.data.args[0] < pastWad && err.data.args[1] === pastWad, 'the merged cap price is below the price');
        return true;
      },
    );

    // $750 more brings 22.50 of its own cap: the merged cap lies ahead of the price and the add fills.
    await page.locator('#collateral').fill('150');
    await page.locator('#leverage').fill('5');
    await error.waitFor({ state: 'detached', timeout: 20_000 });
    const previewMax = BigInt(await page.getByTestId('preview-profit-cap').getAttribute('data-wei'));
    // the add is previewed as what it adds and the position it merges into
    const mergedPreview = page.getByTestId('preview-merged');
    assert.match(await mergedPreview.innerText(), /\$[\d,.]+ at [\d.]+x/);
    const mergedSizeWei = BigInt(await mergedPreview.getAttribute('data-wei'));
    assert.equal(previewMax, 22_500_000n, "past its cap the old size has nothing left: the merged cap is the added size's 3%");
    const toasts = page.locator('[data-testid="toast-success"]', { hasText: /Long \$750/ });
    const before = await toasts.count(); // the first open's toast may still show
    await page.getByRole('button', { name: 'Long', exact: true }).last().click();
    await toasts.nth(before).waitFor({ timeout: 30_000 });
    const merged = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [address, marketId, true] });
    assert.ok(merged.sizeTokens > opened.sizeTokens, 'the add filled');
    assert.equal(merged.sizeUsd, mergedSizeWei, 'the merged size is the previewed one (the price did not move in between)');
    assert.ok(priceOf(BigInt(merged.capBucket)) >= pastWad, 'the merged position is valued at the price');
    // it can earn at most what the preview said: at its cap price its tokens are worth its entry notional plus that
    const atCapUsd = (merged.sizeTokens * priceOf(BigInt(merged.capBucket))) / 10n ** 30n;
    assert.ok(atCapUsd - merged.sizeUsd <= previewMax, `${atCapUsd - merged.sizeUsd} <= ${previewMax}`);

    const row = page.getByTestId(`position-${name}-long`);
    await row.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByTestId('close-confirm').getByRole('button', { name: 'Confirm close', exact: true }).click();
    await waitToast(page, new RegExp(`Close ${name} long`));
  } finally {
    await setPrice(startPrice);
    await setCapBps(cfg, cfg.maxProfitBps);
    await browser.close();
  }
});
