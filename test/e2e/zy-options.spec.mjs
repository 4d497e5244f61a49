import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWalletClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { client, faucetAndDeposit, MNEMONIC, launch, openConnected, SHOTS, testClient, waitToast } from './browser.mjs';

// Runs after the perpetuals specs: it moves the chain's clock to an expiry (and pushes fresh prices for every market).
const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const feedAbi = JSON.parse(readFileSync('out/DevPriceFeed.sol/DevPriceFeed.json', 'utf8')).abi;
const optionsAbi = JSON.parse(readFileSync('out/OptionsBook.sol/OptionsBook.json', 'utf8')).abi;
const tokenAbi = JSON.parse(readFileSync('out/FaucetToken.sol/FaucetToken.json', 'utf8')).abi;
const readerAbi = JSON.parse(readFileSync('out/Reader.sol/Reader.json', 'utf8')).abi;
const oracle = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }), chain: client.chain, transport: http(process.env.RPC_URL) });

async function push(market, priceWad) {
  const hash = await oracle.writeContract({ address: d.feeds[market], abi: feedAbi, functionName: 'setPrice', args: [priceWad] });
  await client.waitForTransactionReceipt({ hash });
}
async function price(market) {
  const [p] = await client.readContract({ address: d.feeds[market], abi: feedAbi, functionName: 'latestPrice' });
  return p;
}
const dollars = (text) => Number(text.replace(/[^0-9.-]/g, ''));

test('options: buy a call from the chain at the previewed premium, sell part back, settle at expiry, claim the payoff, clear a worthless put; the history keeps them', async () => {
  const browser = await launch();
  try {
    const { page, address } = await openConnected(browser, '/pool', 13);
    await faucetAndDeposit(page, 5000);
    await page.getByRole('navigation').getByRole('link', { name: 'Options', exact: true }).click();
    // the keeper lists the boards on schedule; the chain shows once they exist. Earlier specs moved the price since the
    // boards were listed: trade the strike nearest to spot.
    await page.getByTestId('chain-ask-call-0').waitFor({ timeout: 30_000 });
    // the board the page shows first: the nearest expiry still before its trading cutoff (the live list has no set order)
    const ids = await client.readContract({ address: d.OptionsBook, abi: optionsAbi, functionName: 'liveBoards', args: [0n] });
    const { tradingCutoffSec, maxStrikeOiWad } = await client.readContract({ address: d.OptionsBook, abi: optionsAbi, functionName: 'config', args: [0n] });
    const now = (await client.getBlock()).timestamp;
    const listed = await Promise.all(ids.map((id) => client.readContract({ address: d.OptionsBook, abi: optionsAbi, functionName: 'board', args: [id] })));
    const board = listed.filter((b) => BigInt(b.expiry) - BigInt(tradingCutoffSec) > now).sort((x, y) => x.expiry - y.expiry)[0];
    const spot = await price(0);
    const k = BigInt(Math.max(0, Math.min(board.strikeCount - 1, Math.round(Number(spot - board.firstStrikeWad) / Number(board.strikeStepWad)))));
    const strike = board.firstStrikeWad + k * board.strikeStepWad;
    await page.getByTestId(`chain-ask-call-${k}`).click();

    // garbage amount: an inline message, nothing can be sent
    await page.getByTestId('option-amount').fill('abc');
    await page.locator('#option-amount-error').filter({ hasText: /Enter an amount/ }).waitFor();
    assert.ok(await page.getByTestId('option-submit').isDisabled());
    // finer than a lot (1e-9 token): refused inline, as the book would refuse it
    await page.getByTestId('option-amount').fill('0.0000000001');
    await page.locator('#option-amount-error').filter({ hasText: /At most 9 decimals/ }).waitFor();
    assert.ok(await page.getByTestId('option-submit').isDisabled());
    // past the strike's open-interest cap: the book's refusal (StrikeOiCapExceeded), said inline before any wallet prompt
    await page.getByTestId('option-amount').fill((maxStrikeOiWad / 10n ** 18n + 1n).toString());
    await page.locator('#option-amount-error').filter({ hasText: /Open interest at this strike would reach .* above its cap/ }).waitFor({ timeout: 20_000 });
    assert.ok(await page.getByTestId('option-submit').isDisabled());

    await page.getByTestId('option-amount').fill('0.5');
    await page.getByTestId('option-premium').filter({ hasText: /\$/ }).waitFor();
    await page.getByTestId('payoff-chart').waitFor();
    // the oracle-lag allowance in the premium is shown (the buy is priced at the spot moved against the buyer)
    await page.getByTestId('option-lag').filter({ hasText: /\$/ }).waitFor();
    await page.getByRole('button', { name: 'Approve USDC' }).click();
    await waitToast(page, /Approve USDC for options/);
    const preview = dollars(await page.getByTestId('option-premium').innerText());
    await page.getByTestId('option-submit').click();
    await waitToast(page, /Buy 0\.5 .* call/);
    await page.screenshot({ path: `${SHOTS}/options-1-bought.png`, fullPage: true });

    // Netting (P-83): the bought call's delta reaches the perpetual market's skew, and /analytics shows what the chain
    // holds (a second tab; this one stays on the options page).
    const analytics = await page.context().newPage();
    await analytics.goto(new URL('/analytics', page.url()).toString());
    let shown;
    let onChain;
    for (let i = 0; i < 40; i++) {
      onChain = (await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'market', args: [0n] })).state.optionsSkewUsd;
      shown = await analytics.getByTestId('skew-0').getAttribute('data-options-skew', { timeout: 10_000 }).catch(() => null);
      if (onChain > 0n && shown === onChain.toString()) break;
      await analytics.waitForTimeout(500);
    }
    assert.ok(onChain > 0n, `a bought call adds positive delta to the perpetual skew (chain: ${onChain})`);
    assert.equal(shown, onChain.toString(), 'analytics shows the options delta the chain nets');
    await analytics.close();

    const row = page.getByTestId('option-position-row').first();
    await row.waitFor({ timeout: 20_000 });
    const paid = dollars(await row.locator('td').nth(3).innerText());
    assert.ok(paid > 0, 'a premium was paid');
    assert.ok(Math.abs(paid - preview) <= Math.max(0.02, preview * 0.003), `paid ${paid} vs previewed ${preview} (within the slippage bound)`);

    // sell part of it back at the bid
    await row.getByTestId('option-sell').click();
    await page.getByTestId('option-amount').fill('0.2');
    await page.getByTestId('option-premium').filter({ hasText: /\$/ }).waitFor();
    await page.getByTestId('option-submit').click();
    await waitToast(page, /Sell 0\.2 .* call/);
    await page.getByTestId('option-position-row').first().locator('td').nth(2).filter({ hasText: '0.3000' }).waitFor({ timeout: 20_000 });
    // a put at the same strike, which the settlement above it leaves worthless
    await page.getByTestId(`chain-ask-put-${k}`).click();
    await page.getByTestId('option-amount').fill('0.1');
    await page.getByTestId('option-premium').filter({ hasText: /\$/ }).waitFor();
    await page.getByTestId('option-submit').click();
    await waitToast(page, /Buy 0\.1 .* put/);
    await page.getByTestId('option-position-row').nth(1).waitFor({ timeout: 20_000 });

    // P-108: past the greek cache's price range every quote and trade waits for the keeper's refresh, and the page says
    // so. Mining pauses while the price moves, so the page reads the stale book before the keeper's refresh can land.
    const bk = await client.readContract({ address: d.OptionsBook, abi: optionsAbi, functionName: 'book', args: [0n] });
    const beforeMove = await price(0);
    await testClient.setAutomine(false);
    try {
      const hash = await oracle.writeContract({ address: d.feeds[0], abi: feedAbi, functionName: 'setPrice', args: [bk.refPriceWad + 2n * bk.maxMoveWad] });
      await testClient.mine({ blocks: 1 });
      await client.waitForTransactionReceipt({ hash });
      const st = await client.readContract({ address: d.OptionsBook, abi: optionsAbi, functionName: 'staleness', args: [0n] });
      assert.notEqual(st, 0, 'the book is stale (Dirty reads first if a trade marked it since its refresh)');
      await page.getByTestId('options-paused').filter({ hasText: /price moved past the greek cache/ }).waitFor({ timeout: 20_000 });
      assert.ok(await page.getByTestId(`chain-ask-call-${k}`).isDisabled(), 'no price to buy at');
      await page.getByTestId('option-position-row').first().getByText('after the refresh').waitFor(); // not "after cutoff"
      await page.screenshot({ path: `${SHOTS}/options-paused.png`, fullPage: true });
      // the chain refuses the same buy with the reason the page gives
      await assert.rejects(
        client.simulateContract({ account: address, address: d.OptionsBook, abi: optionsAbi, functionName: 'buy', args: [ids[listed.indexOf(board)], k, true, 10n ** 17n, 10n ** 12n] }),
        (e) => {
          const err = e.walk((x) => x.data?.errorName);
          assert.equal(err?.data.errorName, 'OptionsBookStale');
          assert.equal(Number(err.data.args[1]), 3, 'Staleness.PriceMoved');
          return true;
        },
      );
    } finally {
      await testClient.setAutomine(true);
      await testClient.mine({ blocks: 1 }); // whatever the keeper sent meanwhile (its refresh)
    }
    // the keeper's refresh (or the next one) reopens trading at the new price
    await page.getByTestId('options-paused').waitFor({ state: 'detached', timeout: 40_000 });
    await page.getByTestId(`chain-ask-call-${k}`).and(page.locator(':enabled')).waitFor({ timeout: 20_000 });
    await push(0, beforeMove);

    // expiry: the clock moves past the board's expiry, the oracle publishes, the keeper settles and refreshes
    // (the other markets' prices are read before the jump: the nearest expiry can be more than a day away, past a dev
    // feed's age limit, when the clock is within the 1 h cutoff before today's 08:00)
    const keep = [];
    for (let m = 0; m < d.feeds.length; m++) keep.push(await price(m));
    await testClient.setNextBlockTimestamp({ timestamp: BigInt(board.expiry) + 5n });
    await push(0, strike + 100n * 10n ** 18n); // the first price after expiry: the call pays 100 per token
    for (let m = 1; m < d.feeds.length; m++) await push(m, keep[m]);
    const claim = page.getByTestId('option-claim');
    await claim.waitFor({ timeout: 40_000 }).catch(async (e) => {
      await page.screenshot({ path: `${SHOTS}/options-settlement-failed.png`, fullPage: true });
      throw e;
    });
    assert.match(await claim.innerText(), /\$30\.00/, 'payoff 0.3 x 100');
    // a payout can go to another address (claimTo, for a wallet the token refuses); a malformed one is refused inline
    const payTo = page.getByLabel('Pay to (empty: this wallet)');
    await payTo.fill('0x1234');
    await page.getByRole('status').filter({ hasText: 'Enter an address' }).waitFor();
    assert.equal(await claim.isDisabled(), true, 'no claim to a malformed address');
    await payTo.fill('');
    const before = await client.readContract({ address: d.FaucetToken, abi: tokenAbi, functionName: 'balanceOf', args: [address] });
    await claim.click();
    await waitToast(page, /Claim .* call payoff/);
    const after = await client.readContract({ address: d.FaucetToken, abi: tokenAbi, functionName: 'balanceOf', args: [address] });
    assert.equal(after - before, 30_000_000n, 'exactly the payoff, to the unit');
    // the worthless put says so; Clear (a claim of 0) pays nothing and moves it to the history with the rest
    const clear = page.getByTestId('option-clear');
    await clear.waitFor({ timeout: 20_000 });
    await page.getByTestId('option-position-row').filter({ hasText: /put/ }).getByTestId('option-mark').filter({ hasText: /Expired worthless/ }).waitFor();
    await clear.click();
    await waitToast(page, /Clear the worthless .* put/);
    const cleared = await client.readContract({ address: d.FaucetToken, abi: tokenAbi, functionName: 'balanceOf', args: [address] });
    assert.equal(cleared, after, 'a worthless claim pays nothing');
    await page.getByText('No options on this market yet.').waitFor({ timeout: 20_000 });
    const history = page.getByTestId('option-history-action');
    // newest first: the two claims, the put's buy, the call's sale back and its buy (the indexer reads them within seconds)
    const want = ['Expired worthless', 'Payoff claimed', 'Buy', 'Sell back', 'Buy'];
    for (let i = 0; i < 60 && (await history.allInnerTexts()).join('|') !== want.join('|'); i++) await page.waitForTimeout(500);
    assert.deepEqual(await history.allInnerTexts(), want, 'every trade and claim stays in the history');
    await page.getByTestId('option-history-row').nth(1).filter({ hasText: '+$30.00' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/options-2-claimed.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});
