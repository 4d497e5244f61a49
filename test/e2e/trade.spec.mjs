import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { erc20Abi, parseUnits, toFunctionSelector } from 'viem';
import { BASE_URL, client, faucetAndDeposit, MNEMONIC, launch, openConnected, sendTx, SHOTS, testClient, waitToast } from './browser.mjs';
import { createWalletClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const readerAbi = JSON.parse(readFileSync('out/Reader.sol/Reader.json', 'utf8')).abi;
const feedAbi = JSON.parse(readFileSync('out/DevPriceFeed.sol/DevPriceFeed.json', 'utf8')).abi;
const oracle = createWalletClient({
  account: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }),
  chain: client.chain,
  transport: http(process.env.RPC_URL),
});

async function pushPrice(market, bps) {
  const [p] = await client.readContract({ address: d.feeds[market], abi: feedAbi, functionName: 'latestPrice' });
  const hash = await oracle.writeContract({ address: d.feeds[market], abi: feedAbi, functionName: 'setPrice', args: [(p * BigInt(10_000 + bps)) / 10_000n] });
  await client.waitForTransactionReceipt({ hash });
}

test('trader and LP: faucet, deposit, open long at the previewed liquidation price, PnL moves, close, withdraw', async () => {
  const browser = await launch();
  try {
    const { page, address } = await openConnected(browser, '/pool', 18);
    await faucetAndDeposit(page, 5000);
    // PnL = value + withdrawn - deposited, from the indexed Deposit event. Until the indexer has the deposit's block
    // the page says so (or is still loading) instead of counting the new shares as profit; then it is zero (to the cent).
    assert.match((await page.getByTestId('lp-pnl').textContent()) ?? '', /^(|indexing…|-?\$0\.0[01])$/);
    await page.getByTestId('lp-pnl').filter({ hasText: /^-?\$0\.0[01]$/ }).waitFor({ timeout: 20_000 });
    // The new shares are in their cooldown: nothing withdrawable yet.
    await page.getByTestId('lp-cooldown').filter({ hasText: /^until / }).waitFor();
    await page.getByTestId('lp-max-withdraw').filter({ hasText: '$0.00' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/flow-1-deposit.png`, fullPage: true });

    await page.getByRole('navigation').getByRole('link', { name: 'Trade', exact: true }).click();
    await page.getByTestId('market-price').filter({ hasText: /\d/ }).waitFor();
    await page.locator('#collateral').fill('200');
    await page.locator('#leverage').fill('10');
    await page.getByRole('button', { name: 'Approve USDC' }).click();
    await waitToast(page, /Approve USDC for trading/);
    const liqCell = page.getByTestId('preview-liq');
    await liqCell.and(page.locator('[data-wei]')).waitFor();
    // one read of the three values, so they come from the same render (the page refetches every 2 s)
    const [previewLiq, previewEntry, previewMmr] = (
      await page.evaluate(() => ['preview-liq', 'preview-entry', 'preview-mmr'].map((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-wei')))
    ).map((v) => BigInt(v));
    assert.ok(previewLiq > 0n);
    await page.screenshot({ path: `${SHOTS}/flow-2-preview.png`, fullPage: true });
    await page.getByRole('button', { name: 'Long', exact: true }).last().click();
    await waitToast(page, /Long \$2,000/);

    // the fill's own block (other actors may have mined blocks since, accruing funding and borrow): the preview is
    // compared with the Reader there
    const fills = await client.getContractEvents({ address: d.PerpEngine, abi: JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi, eventName: 'PositionIncreased', args: { account: address }, fromBlock: 0n });
    const fill = fills.at(-1);
    const block = fill.blockNumber;
    const onChainLiq = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'positionLiquidationPrice', args: [address, 0n, true], blockNumber: block });
    // The maintenance rate ramps toward its target with time (issue 12), so a preview read at an earlier block can
    // differ from the fill by the seconds between them. Proven without tolerance instead: the preview's rate is the
    // chain's rate at a block the page read before the fill, and the preview's liquidation price is the chain's
    // formula on the filled position at that rate; with no ramp running the two prices are equal outright.
    const position = await client.readContract({ address: d.PerpEngine, abi: JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi, functionName: 'position', args: [address, 0n, true], blockNumber: block });
    const status = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'positionStatus', args: [address, 0n, true], blockNumber: block });
    let readAt;
    for (let b = block - 1n; b >= 0n && b >= block - 30n && readAt === undefined; b--) {
      const [mmr] = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marginRates', args: [0n, position.sizeUsd], blockNumber: b });
      if (mmr === previewMmr) readAt = b;
    }
    assert.ok(readAt !== undefined, `previewed maintenance ${previewMmr} is the chain's at a block before the fill`);
    const atPreviewRate = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'liquidationPrice', args: [position, true, { ...status, maintenanceMarginWad: previewMmr }], blockNumber: block });
    assert.equal(atPreviewRate, previewLiq, 'previewed liquidation price is the chain formula at the previewed rate, to the wei');
    if (status.maintenanceMarginWad === previewMmr) assert.equal(onChainLiq, previewLiq, 'previewed liquidation price equals the Reader to the wei');
    assert.equal(fill.args.result.executionPriceWad, previewEntry, 'previewed entry price equals the fill');

    const row = page.getByTestId('position-ETH-USD-long');
    await row.waitFor();
    // the price chart: candles from the indexed oracle prices, in each timeframe
    for (const [frame, res] of [['5m', 300], ['1h', 3600], ['1m', 60]]) {
      await page.getByTestId(`candles-${frame}`).click();
      const chart = page.locator(`[data-testid="price-chart"][data-frame="${res}"]`);
      await chart.waitFor({ timeout: 20_000 });
      assert.ok(Number(await chart.getAttribute('data-candles')) >= 1, `${frame} candles`);
      assert.ok((await chart.locator('svg rect').count()) >= 1, `${frame} candle bodies drawn`);
    }
    // one entry price everywhere: the positions table shows the fill's execution price (once indexed), as the
    // preview did and the history does; the preview's impact says who pays it
    await row.locator(`[data-testid="position-entry"][data-wei="${previewEntry}"]`).waitFor({ timeout: 20_000 });
    // the margin explanation and the position's schedule over the next hours (issue 12 item 5)
    assert.match(await page.getByTestId('margin-ramp-why').innerText(), /rises toward the target by at most \d/);
    await row.getByRole('button', { name: 'Margin' }).click();
    const schedule = page.getByTestId('position-schedule');
    await schedule.waitFor();
    assert.match(await schedule.innerText(), /24 h/);
    assert.equal(await schedule.locator('tbody tr').count(), 2, 'maintenance and liquidation price rows');
    const pnlBefore = BigInt(await row.getByTestId('position-pnl').getAttribute('data-wei'));
    await pushPrice(0, 200); // +2%, as the simulator would push
    await row.getByTestId('position-pnl').and(page.locator(`:not([data-wei="${pnlBefore}"])`)).waitFor({ timeout: 15_000 });
    const pnlAfter = BigInt(await row.getByTestId('position-pnl').getAttribute('data-wei'));
    assert.ok(pnlAfter > pnlBefore + parseUnits('30', 6), `PnL rose with the price (${pnlBefore} -> ${pnlAfter})`);
    await page.screenshot({ path: `${SHOTS}/flow-3-pnl.png`, fullPage: true });

    // trader controls (issue 14): ROE next to PnL; remove-collateral checked against the max leverage before it is
    // sent; a custom partial close within the slippage tolerance
    assert.match(await row.getByTestId('position-roe').innerText(), /%/);
    await row.getByRole('button', { name: '−Coll.' }).click();
    const removeForm = page.getByTestId('position-edit-remove');
    await removeForm.getByRole('textbox').fill('170'); // of about 190 after the open fee: 2,000 on 20 is over the max
    await removeForm.getByText(/above the max/).waitFor();
    assert.ok(await removeForm.getByRole('button', { name: 'Remove collateral' }).isDisabled(), 'an over-leveraging removal cannot be sent');
    await row.getByRole('button', { name: 'Close…' }).click();
    const closeForm = page.getByTestId('position-edit-close');
    await closeForm.getByRole('textbox').fill('500');
    // the close's preview: the fee on the value closed (500 plus the long's profit share) and the collateral after
    const closeFeeWei = BigInt(await closeForm.getByTestId('close-fee').getAttribute('data-wei'));
    assert.ok(closeFeeWei > 0n, 'the close preview shows its fee');
    assert.match(await closeForm.getByTestId('close-preview').innerText(), /Collateral after/);
    await page.screenshot({ path: `${SHOTS}/flow-3b-close-preview.png`, fullPage: true });
    await closeForm.getByRole('button', { name: 'Close amount' }).click();
    await waitToast(page, /Close \$500 of long/);
    const after = await client.readContract({ address: d.PerpEngine, abi: JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi, functionName: 'position', args: [address, 0n, true] });
    assert.equal(after.sizeUsd, parseUnits('1500', 6), 'the custom partial close closed exactly 500');

    // A close refused by the slippage bound shows a plain message. The page's market reads are held at the price it
    // shows while the oracle drops 1%: the close it then sends, bound 0.01% around that price, is refused in the
    // simulation before anything is signed, and the position is untouched.
    await page.locator('#slippage').fill('0.01');
    const marketsCall = toFunctionSelector('markets()').slice(2);
    let hold = false;
    let held;
    await page.route('**', async (route) => {
      const body = route.request().method() === 'POST' ? (route.request().postData() ?? '') : '';
      if (!hold || !body.includes(marketsCall)) return route.fallback();
      if (!held) held = await (await route.fetch()).json();
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...held, id: JSON.parse(body).id }) });
    });
    hold = true;
    for (let t0 = Date.now(); !held; ) {
      if (Date.now() - t0 > 10_000) throw new Error('no market read to hold');
      await new Promise((r) => setTimeout(r, 100));
    }
    await pushPrice(0, -100);
    if (!(await closeForm.isVisible())) await row.getByRole('button', { name: 'Close…' }).click();
    await closeForm.getByRole('textbox').fill('100');
    await closeForm.getByRole('button', { name: 'Close amount' }).click();
    await page.locator('[data-testid="toast-error"]', { hasText: /worse than your acceptable price/ }).first().waitFor({ timeout: 30_000 });
    hold = false;
    await page.unroute('**');
    const untouched = await client.readContract({ address: d.PerpEngine, abi: JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi, functionName: 'position', args: [address, 0n, true] });
    assert.equal(untouched.sizeUsd, parseUnits('1500', 6), 'the refused close changed nothing');
    await pushPrice(0, 101); // back to where it was (0.99 x 1.0101)
    // An invalid tolerance on screen holds closes back rather than send the last valid one (review AT)
    const closeAll = row.getByRole('button', { name: 'Close', exact: true });
    const disabledWithin = async (want, what) => {
      for (const t0 = Date.now(); (await closeAll.isDisabled()) !== want; await new Promise((r) => setTimeout(r, 100))) {
        assert.ok(Date.now() - t0 < 10_000, what);
      }
    };
    await page.locator('#slippage').fill('0.071');
    await page.locator('#slippage-error').filter({ hasText: /At most two decimals/ }).waitFor();
    await disabledWithin(true, 'Close waits while the tolerance is invalid');
    await page.locator('#slippage').fill('0.3');
    await disabledWithin(false, 'and is back once it is valid');

    const balBefore = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    // one press shows what the close pays and waits for the confirmation
    await closeAll.click();
    const confirm = page.getByTestId('close-confirm');
    const previewPayout = BigInt(await confirm.getByTestId('close-payout').getAttribute('data-wei'));
    await confirm.getByRole('button', { name: 'Confirm close', exact: true }).click();
    await waitToast(page, /Close ETH-USD long/);
    await page.getByTestId('positions-empty').waitFor();
    const balAfter = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    // the 200 posted plus about 40 of profit at +2%, less the fees on the 2,000 opened and closed (each side at least
    // the market's oracle lag, P-97)
    const { openFeeBps, closeFeeBps } = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marketConfig', args: [0n] });
    const feesUsd = (parseUnits('2000', 6) * BigInt(openFeeBps + closeFeeBps)) / 10_000n;
    assert.ok(balAfter > balBefore + parseUnits('230', 6) - feesUsd, `closing paid collateral plus profit less fees (${balAfter - balBefore})`);
    // what the confirmation said it pays, within the borrow and funding of the seconds between preview and fill
    const paid = balAfter - balBefore;
    assert.ok(paid <= previewPayout + 10_000n && paid >= previewPayout - 10_000n, `the confirmation showed ${previewPayout}, the close paid ${paid}`);
    await page.getByTestId('history-row').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/flow-4-closed.png`, fullPage: true });

    // Past the LP cooldown (60 s), then withdraw part of the deposit.
    await testClient.increaseTime({ seconds: 61 });
    for (const m of d.feeds.keys()) await pushPrice(m, 0);
    await page.getByRole('navigation').getByRole('link', { name: 'Pool', exact: true }).click();
    await page.getByTestId('lp-cooldown').filter({ hasText: 'none' }).waitFor();
    await page.locator('#withdraw-amount').fill('1000');
    const usdBefore = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await waitToast(page, /Withdraw 1000/);
    const usdAfter = await client.readContract({ address: d.FaucetToken, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    assert.equal(usdAfter - usdBefore, parseUnits('1000', 6));
    await page.screenshot({ path: `${SHOTS}/flow-5-withdraw.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});

test('trade form: invalid inputs show inline messages and disable the order button', async () => {
  const browser = await launch();
  try {
    // Without a wallet the page says what is missing, not an empty book and a dead button
    const anonymous = await browser.newContext();
    const anon = await anonymous.newPage();
    await anon.goto(BASE_URL + '/trade');
    await anon.locator('form[aria-labelledby="order-title"] button[type="submit"]').filter({ hasText: 'Connect a wallet' }).waitFor({ timeout: 20_000 });
    await anon.getByTestId('positions-disconnected').waitFor();
    await anon.getByTestId('orders-disconnected').waitFor();
    await anonymous.close();

    const { page } = await openConnected(browser, '/trade', 19);
    await page.getByRole('button', { name: /get 10,000 test usdc/i }).click();
    await waitToast(page, /Faucet/);
    const submit = page.locator('form[aria-labelledby="order-title"] button[type="submit"]');
    const cases = [
      ['#collateral', 'ten', /Enter a number/, '#collateral-error'],
      ['#collateral', '-1', /cannot be negative/, '#collateral-error'],
      ['#collateral', '0', /greater than zero/, '#collateral-error'],
      ['#collateral', '1.0000001', /At most 6 decimal places/, '#collateral-error'],
      ['#collateral', '50000', /above your wallet balance/, '#collateral-error'],
      ['#collateral', '1e30', /Enter a number/, '#collateral-error'],
      ['#collateral', '9999999999999999', /unrealistically large/, '#collateral-error'],
    ];
    for (const [sel, value, msg, errSel] of cases) {
      await page.locator(sel).fill(value);
      await page.locator(errSel).filter({ hasText: msg }).waitFor({ timeout: 5000 });
      assert.equal(await submit.isDisabled(), true, `disabled for ${value}`);
    }
    await page.locator('#collateral').fill('100');
    await page.locator('#leverage').fill('500');
    await page.locator('#leverage-error').filter({ hasText: /above the current maximum/ }).waitFor();
    assert.equal(await submit.isDisabled(), true);
    await page.locator('#leverage').fill('abc');
    await page.locator('#leverage-error').filter({ hasText: /must be a number/ }).waitFor();
    await page.screenshot({ path: `${SHOTS}/trade-invalid.png`, fullPage: true });

    // A side at its open-interest cap: the form says so before the wallet is asked (review AS: it was found only by
    // the simulation, and a trigger order past it lost its fee at each fill the keeper tried). The risk role closes
    // market 0's long side for a moment and puts the config back.
    const engineAbi = JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi;
    const cfg = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marketConfig', args: [0n] });
    const setCfg = async (config) =>
      client.waitForTransactionReceipt({ hash: await oracle.writeContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'setMarketConfig', args: [0n, config] }) });
    await setCfg({ ...cfg, maxLongOiUsd: 0n });
    try {
      await page.locator('#leverage').fill('5');
      await page.getByTestId('order-error').filter({ hasText: /Open interest on the long side would reach .*above its cap/ }).waitFor({ timeout: 15_000 });
      assert.equal(await submit.isDisabled(), true, 'disabled at the cap');
      await page.getByRole('radio', { name: /short/i }).click();
      await page.getByTestId('order-error').waitFor({ state: 'detached', timeout: 15_000 }); // the short side has room
    } finally {
      await setCfg(cfg);
    }
  } finally {
    await browser.close();
  }
});

test('analytics: charts, totals, top positions, a liquidation linked to its account, the stress form', async () => {
  const browser = await launch();
  // A trader at 20x, then a 4.5% drop: the keeper liquidates, and the analytics list it. (20x, not 30x: the open's
  // impact nets the options traders' delta the simulator leaves, and at 30x it could pass the current maximum.)
  const trader = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 9 }), chain: client.chain, transport: http(process.env.RPC_URL) });
  const engineAbi = JSON.parse(readFileSync('out/PerpEngine.sol/PerpEngine.json', 'utf8')).abi;
  const tokenAbi = JSON.parse(readFileSync('out/FaucetToken.sol/FaucetToken.json', 'utf8')).abi;
  const poolAbi = JSON.parse(readFileSync('out/LiquidityPool.sol/LiquidityPool.json', 'utf8')).abi;
  const send = async (req) => assert.equal((await sendTx(trader, req)).status, 'success', req.functionName);
  try {
    await send({ address: d.FaucetToken, abi: tokenAbi, functionName: 'faucet', args: [parseUnits('10000', 6)] });
    await send({ address: d.FaucetToken, abi: erc20Abi, functionName: 'approve', args: [d.PerpEngine, parseUnits('1000', 6)] });
    // liquidity to back the trade, whatever ran before
    await send({ address: d.FaucetToken, abi: erc20Abi, functionName: 'approve', args: [d.LiquidityPool, parseUnits('9000', 6)] });
    await send({ address: d.LiquidityPool, abi: poolAbi, functionName: 'deposit', args: [parseUnits('9000', 6), trader.account.address] });
    await send({ address: d.PerpEngine, abi: engineAbi, functionName: 'increasePosition', args: [0n, true, parseUnits('100', 6), parseUnits('2000', 6), 2n ** 256n - 1n] });
    await pushPrice(0, -450);
    const account = trader.account.address;
    const t0 = Date.now();
    for (;;) {
      const p = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [account, 0n, true] });
      if (p.sizeUsd === 0n) break;
      assert.ok(Date.now() - t0 < 30_000, 'the keeper liquidated the 20x long');
      await new Promise((r) => setTimeout(r, 300));
    }
    await pushPrice(0, 417); // back to about where it was
    // and an open position for the top-positions tables: a 2x BTC short
    await send({ address: d.PerpEngine, abi: engineAbi, functionName: 'increasePosition', args: [1n, false, parseUnits('500', 6), parseUnits('1000', 6), 0n] });

    const page = await browser.newPage({ viewport: { width: 1366, height: 1800 } });
    await page.goto(`${process.env.BASE_URL}/analytics`);
    await page.getByRole('button', { name: '15m' }).click();
    for (const id of ['chart-nav', 'chart-utilization', 'chart-oi', 'chart-risk']) {
      const chart = page.getByTestId(id);
      await chart.waitFor({ timeout: 30_000 });
      assert.ok(Number(await chart.getAttribute('data-points')) > 0, `${id} has points`);
      assert.ok((await chart.locator('svg path').count()) > 0, `${id} drew a line`);
    }
    // bars per 1-minute bucket over 15 minutes, empty minutes included: not one sliver per block
    // (the 1 h range's 5-minute bars, 12-13 of them, stay on screen until the 15 m query answers: wait up to 60 s
    // for it, as a loaded CI machine took more than 20 s once)
    const pnlBars = () => page.evaluate(() => Number(document.querySelector('[data-testid="chart-pnl"]')?.getAttribute('data-points')));
    for (let i = 0; i < 300 && !((await pnlBars()) >= 15 && (await pnlBars()) <= 16); i++) await page.waitForTimeout(200);
    const bars = await pnlBars();
    assert.ok(bars >= 15 && bars <= 16, `15 min of 1-min bars (${bars})`);
    // the pool as the chain values it now, above the charts that trace it
    await page.getByTestId('analytics-nav').filter({ hasText: /^\$[1-9]/ }).waitFor({ timeout: 20_000 });
    await page.getByTestId('analytics-share-price').filter({ hasText: /^\$\d\.\d{6}$/ }).waitFor();
    // headline totals over three windows
    const totals = page.getByTestId('headline-totals');
    await totals.getByText('All time').waitFor();
    await page.getByTestId('total-all-Volume').filter({ hasText: /\$[1-9]/ }).waitFor();
    // the liquidation, with a link to the account
    const liq = page.getByTestId('liquidations-table');
    const link = liq.getByRole('link', { name: new RegExp(`${account.slice(0, 6)}…${account.slice(-4)}`, 'i') }).first();
    await link.waitFor({ timeout: 20_000 });
    await page.getByTestId('top-by-size').locator('tbody tr').first().waitFor();
    await page.getByTestId('top-by-risk').locator('tbody tr').first().waitFor();
    // the stress form refuses -100% in words and keeps Run disabled until it is fixed
    await page.locator('#stress-eth').fill('-100');
    await page.locator('#stress-eth-error').filter({ hasText: /fall at most 99%/ }).waitFor();
    const runButton = page.getByRole('button', { name: 'Run custom shock' });
    assert.equal(await runButton.isDisabled(), true, 'Run disabled at -100%');
    await page.locator('#stress-vol').fill('x');
    await page.locator('#stress-vol-error').filter({ hasText: /Enter a number/ }).waitFor();
    await page.locator('#stress-eth').fill('-30');
    await page.locator('#stress-vol').fill('2');
    assert.equal(await runButton.isDisabled(), false, 'Run enabled when every field is valid');
    await runButton.click();
    await page.getByTestId('stress-result').waitFor({ timeout: 20_000 });
    // what the run applied, in words, with the price each market moved to
    const applied = await page.getByTestId('stress-applied').innerText();
    assert.match(applied, /ETH-USD -30\.00% to [\d,.]+;/, applied);
    assert.match(applied, /σ ×2 \(the instant of the shock\)/, applied);
    await page.screenshot({ path: `${SHOTS}/analytics.png`, fullPage: true });
    // the account page: its open BTC short, and its history shows the liquidation
    await link.click();
    await page.waitForURL(/\/analytics\/accounts\/0x/);
    await page.getByTestId('account-positions').locator('tbody tr', { hasText: /BTC-USD short/ }).waitFor({ timeout: 20_000 });
    await page.getByTestId('history-action').filter({ hasText: 'Liquidated' }).first().waitFor({ timeout: 20_000 });
    // its result: what the trader got back net of fees, and the PnL (a 20x long after -4.5%: a loss); no "bad debt $0"
    const liqRow = page.locator('tr', { has: page.getByTestId('history-action').filter({ hasText: 'Liquidated' }) }).first();
    const liqResult = (await liqRow.getByTestId('history-pnl').textContent()) ?? '';
    assert.match(liqResult, /^[−+]?\$[\d,.]+ net \(PnL −\$[\d,.]+\)/, `the liquidation's net result and PnL (${liqResult})`);
    assert.ok(!/bad debt \$0\.00/.test(liqResult), `no empty bad debt (${liqResult})`);
    await page.screenshot({ path: `${SHOTS}/analytics-account.png`, fullPage: true });
    // leave the book as it was for the specs after this one
    const short = await client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [account, 1n, false] });
    await send({ address: d.PerpEngine, abi: engineAbi, functionName: 'decreasePosition', args: [1n, false, 0n, short.sizeUsd, 2n ** 256n - 1n] });
  } finally {
    await browser.close();
  }
});

test('phone width: every route fits a 390 px screen without page-level horizontal scrolling', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    for (const path of ['/trade', '/options', '/pool', '/analytics']) {
      await page.goto(`${process.env.BASE_URL}${path}`);
      await page.getByRole('main').waitFor();
      if (path === '/options') {
        // the chain shows bid, strike and ask on a phone (Δ and IV from the sm breakpoint): it fits without its own scrollbar
        await page.getByTestId('options-chain').first().waitFor({ timeout: 60_000 });
        const chains = await page.getByRole('region', { name: /Option chain/ }).evaluateAll((els) => els.map((el) => ({ scroll: el.scrollWidth, client: el.clientWidth })));
        assert.ok(chains.length > 0, 'the page shows a chain');
        for (const { scroll, client } of chains) assert.ok(scroll <= client + 1, `/options: a chain is ${scroll}px wide in a ${client}px card`);
      }
      await page.waitForTimeout(1500);
      // the document and the page's own scrolling box (the app shell scrolls #page) both fit the screen's width
      const { doc, page: inner, box, width } = await page.evaluate(() => {
        const el = document.getElementById('page');
        return { doc: document.documentElement.scrollWidth, page: el.scrollWidth, box: el.clientWidth, width: window.innerWidth };
      });
      assert.ok(doc <= width + 1, `${path}: document is ${doc}px wide on a ${width}px screen`);
      assert.ok(inner <= box + 1, `${path}: page content is ${inner}px wide in a ${box}px box`);
      await page.screenshot({ path: `${SHOTS}/phone${path.replace('/', '-')}.png`, fullPage: true });
    }
  } finally {
    await browser.close();
  }
});
