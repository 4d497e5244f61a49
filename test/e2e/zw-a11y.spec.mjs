// Accessibility: axe-core (WCAG 2.x A/AA rules) on every page, with a connected wallet and data loaded, at desktop and
// phone widths: zero serious or critical violations. And no page requests anything that answers 404 (the favicon
// included). Runs after the trading specs (alphabetical order), so the pages carry positions, orders and history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mnemonicToAccount } from 'viem/accounts';
import { BASE_URL, launch, MNEMONIC, openConnected } from './browser.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
// an account page too: the dev account that trades in the trade spec
const PAGES = ['/', '/trade', '/pool', '/analytics', '/options', `/analytics/accounts/${mnemonicToAccount(MNEMONIC, { addressIndex: 18 }).address}`];
const WIDTHS = [1440, 390];

/** Serious and critical violations on the page as it is now, one line per failing node. */
async function audit(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() =>
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}): ${n.target.join(' ')}`));
}

test('every page passes axe with no serious or critical violation and requests nothing that 404s', async () => {
  const browser = await launch();
  try {
    const { page, context } = await openConnected(browser, '/', 3);
    const missing = [];
    page.on('response', (r) => {
      if (r.status() === 404 && r.url().startsWith(BASE_URL)) missing.push(r.url());
    });
    const problems = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of PAGES) {
        await page.goto(BASE_URL + path);
        await page.waitForLoadState('networkidle');
        // charts and tables render once their queries answer: audit what a user sees, not the skeletons
        await page.waitForTimeout(1500);
        for (const line of await audit(page)) problems.push(`${path} @${width}px: ${line}`);
      }
    }
    // a browser asks for /favicon.ico on its own: it must exist
    const icon = await page.request.get(`${BASE_URL}/favicon.ico`);
    assert.equal(icon.status(), 200, '/favicon.ico');
    assert.deepEqual(problems, [], `axe found:\n${problems.join('\n')}`);
    assert.deepEqual(missing, [], `requests that answered 404:\n${missing.join('\n')}`);
    await context.close();
  } finally {
    await browser.close();
  }
});
