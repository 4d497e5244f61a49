// The crash scenario in the browser (the fair-margin issue's "done when"): -40% in four steps, one volatility sample
// each, on the last listed market, with the stack's keeper liquidating as it would. No position in profit is
// liquidated: the shorts stay open and in profit, the longs that lose their margin are liquidated, and /analytics'
// liquidations table shows each one's PnL (none positive) and what it paid back. Runs after every other spec (file
// order): the crash moves the market's margin, and it moves the chain's clock by four sampling intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWalletClient, http, maxUint256 } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { BASE_URL, client, launch, MNEMONIC, SHOTS, sendTx, testClient } from './browser.mjs';

const d = JSON.parse(readFileSync('deployments/31337.json', 'utf8'));
const abi = (name) => JSON.parse(readFileSync(`out/${name}.sol/${name}.json`, 'utf8')).abi;
const [engineAbi, readerAbi, feedAbi, tokenAbi, poolAbi] = ['PerpEngine', 'Reader', 'DevPriceFeed', 'FaucetToken', 'LiquidityPool'].map(abi);
const wallet = (i) => createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: i }), chain: client.chain, transport: http(process.env.RPC_URL) });
const admin = wallet(0); // the dev feeds' owner on the local chain
const USD = (n) => BigInt(n) * 1_000_000n;

const marketId = BigInt(d.marketNames.length - 1);
const name = d.marketNames[Number(marketId)];
// the LP is the deployer (it deposits nowhere else); the traders are accounts no other spec uses, two on each side
const LP = 0;
const TRADERS = [
  { index: 2, isLong: true, leverage: 20 },
  { index: 4, isLong: true, leverage: 4 },
  { index: 6, isLong: false, leverage: 10 },
  { index: 8, isLong: false, leverage: 20 },
];

const price = async () => (await client.readContract({ address: d.feeds[Number(marketId)], abi: feedAbi, functionName: 'latestPrice' }))[0];
const position = (t) => client.readContract({ address: d.PerpEngine, abi: engineAbi, functionName: 'position', args: [wallet(t.index).account.address, marketId, t.isLong] });
const status = (t) => client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'positionStatus', args: [wallet(t.index).account.address, marketId, t.isLong] });

async function fund(w, amount, spender) {
  await sendTx(w, { address: d.FaucetToken, abi: tokenAbi, functionName: 'faucet', args: [amount] });
  await sendTx(w, { address: d.FaucetToken, abi: tokenAbi, functionName: 'approve', args: [spender, maxUint256] });
}

test(`crash -40% in four steps on ${name}: no winner liquidated, and /analytics shows every liquidation's PnL and refund`, async () => {
  const lp = wallet(LP);
  await fund(lp, USD(500_000), d.LiquidityPool);
  await sendTx(lp, { address: d.LiquidityPool, abi: poolAbi, functionName: 'deposit', args: [USD(500_000), lp.account.address] });
  const collateral = USD(2_000);
  const [, , maxLevWad] = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marginRates', args: [marketId, collateral * 20n] });
  for (const t of TRADERS) {
    const w = wallet(t.index);
    await fund(w, USD(10_000), d.PerpEngine);
    // at most 80% of the market's max leverage now, so every open passes its initial margin
    const leverageE2 = BigInt(Math.min(t.leverage * 100, Math.floor((Number(maxLevWad) / 1e18) * 80)));
    const sizeUsd = (collateral * leverageE2) / 100n;
    await sendTx(w, { address: d.PerpEngine, abi: engineAbi, functionName: 'increasePosition', args: [marketId, t.isLong, collateral, sizeUsd, t.isLong ? maxUint256 : 0n] });
    assert.ok((await position(t)).sizeUsd > 0n, `trader ${t.index} opened`);
  }
  const cfg = await client.readContract({ address: d.Reader, abi: readerAbi, functionName: 'marketConfig', args: [marketId] });
  const from = await client.getBlockNumber();

  // four steps of 0.6^(1/4) (-11.99% each), each the first price of a new sampling interval, as the simulator's
  // crash posts them; after each, the keeper has until nothing of ours is liquidatable any more
  let p = await price();
  for (let step = 0; step < 4; step++) {
    const now = (await client.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: Number(BigInt(cfg.sampleIntervalSec) - (now % BigInt(cfg.sampleIntervalSec)) + 1n) });
    p = (p * 880_112n) / 1_000_000n;
    await sendTx(admin, { address: d.feeds[Number(marketId)], abi: feedAbi, functionName: 'setPrice', args: [p] });
    for (let i = 0; ; i++) {
      const open = [];
      for (const t of TRADERS) if ((await position(t)).sizeUsd > 0n) open.push(t);
      const due = [];
      for (const t of open) if ((await status(t)).liquidatable) due.push(t.index);
      if (due.length === 0) break;
      assert.ok(i < 120, `the keeper liquidates ${due.join(', ')} within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  // on chain: the shorts, in profit, are open; every liquidation of ours had PnL <= 0 and paid back at most its equity
  for (const t of TRADERS.filter((x) => !x.isLong)) {
    assert.ok((await position(t)).sizeUsd > 0n, `short ${t.index} (a winner) still open`);
    assert.ok((await status(t)).pnlUsd > 0n, `short ${t.index} in profit`);
  }
  const events = await client.getContractEvents({ address: d.PerpEngine, abi: engineAbi, eventName: 'PositionLiquidated', args: { marketId }, fromBlock: from });
  const ours = events.filter((e) => TRADERS.some((t) => wallet(t.index).account.address === e.args.account));
  assert.ok(ours.length >= 1, 'the crash liquidated at least the 20x long');
  for (const e of ours) {
    const r = e.args.result;
    assert.ok(r.pnlUsd <= 0n, `liquidated with PnL ${r.pnlUsd}`);
    assert.ok(r.traderRefundUsd <= (r.equityUsd > 0n ? BigInt(r.equityUsd) : 0n), 'a refund never exceeds the equity');
  }

  // in the browser: /analytics lists them with their PnL, none positive
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    await page.goto(`${BASE_URL}/analytics`);
    // each of the crash's liquidations, by its transaction, once the indexer has it (the table lists older ones too)
    const table = page.getByTestId('liquidations-table');
    for (const e of ours) {
      const cells = table.locator(`tr[data-tx="${e.transactionHash}"]`).getByTestId('liq-pnl');
      await cells.first().waitFor({ timeout: 60_000 });
      // a batch liquidates several positions in one transaction: one row each
      const shown = (await cells.evaluateAll((els) => els.map((x) => x.getAttribute('data-wei')))).map(BigInt);
      assert.ok(shown.includes(e.args.result.pnlUsd), `the table shows the PnL the chain recorded (${e.args.result.pnlUsd})`);
    }
    // and none in the table at all with a positive PnL
    const all = (await table.getByTestId('liq-pnl').evaluateAll((els) => els.map((e) => e.getAttribute('data-wei')))).map(BigInt);
    for (const pnl of all) assert.ok(pnl <= 0n, `a liquidation in the table with PnL ${pnl}`);
    await page.getByTestId('liquidations-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/crash-liquidations.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});
