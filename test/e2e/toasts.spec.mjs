// Toasts never cover a button: they sit in their own row below the scrolling page, at 1440 and at 390 px, with the
// page scrolled to the top and to the bottom, on every page with forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openConnected, SHOTS, waitToast } from './browser.mjs';

/** Buttons, links and fields the user can see that a toast overlaps or that a toast is on top of. */
function covered() {
  const tray = document.querySelector('[data-testid="toast-tray"]');
  const t = tray.getBoundingClientRect();
  const page = document.getElementById('page').getBoundingClientRect();
  const bad = [];
  for (const el of document.querySelectorAll('button, a[href], input, select, [role="tab"]')) {
    if (tray.contains(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // the part the user can see: page content is clipped to the page's scrolling box
    const inPage = !!el.closest('#page');
    const top = Math.max(r.top, inPage ? page.top : 0);
    const bottom = Math.min(r.bottom, inPage ? page.bottom : window.innerHeight);
    if (bottom <= top) continue;
    const name = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.id || '').trim().slice(0, 30)}"`;
    if (!(r.right <= t.left || r.left >= t.right || bottom <= t.top || top >= t.bottom)) bad.push(`${name} overlaps the toasts`);
    const hit = document.elementFromPoint((r.left + r.right) / 2, (top + bottom) / 2);
    if (hit && tray.contains(hit)) bad.push(`${name} is under a toast`);
  }
  return bad;
}

test('toasts never cover a button, at 1440 and 390 px, scrolled to the top and the bottom', async () => {
  const browser = await launch();
  try {
    const { page } = await openConnected(browser, '/pool', 7);
    const problems = [];
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      for (const path of ['/pool', '/trade', '/options']) {
        await page.goto(BASE_URL + path);
        await page.getByRole('main').waitFor();
        // two toasts: a faucet success (the faucet is on every page with amounts) and another one
        for (let i = 0; i < 2; i++) {
          await page.getByRole('button', { name: /get 10,000 test usdc/i }).first().click();
          await waitToast(page, /Faucet/);
        }
        // measured in one go (a toast arriving or expiring between two reads would move the row)
        const box = await page.evaluate(() => {
          const t = document.querySelector('[data-testid="toast-tray"]').getBoundingClientRect();
          return { y: t.top, height: t.height, innerHeight: window.innerHeight, pageBottom: document.getElementById('page').getBoundingClientRect().bottom };
        });
        assert.ok(box.height > 0, 'the toasts take room of their own');
        // on screen, at the bottom of the window: the page scrolls inside its own box above it
        assert.ok(box.y + box.height <= box.innerHeight + 1 && box.y >= 0, `${path} @${width}px: the toast row is on screen (${box.y}+${box.height} of ${box.innerHeight})`);
        // the page's scrolling box ends where the toast row begins (long pages scroll inside it)
        assert.ok(box.pageBottom <= box.y + 1, `${path} @${width}px: the page box ends at ${box.pageBottom}, the toasts begin at ${box.y}`);
        for (const where of ['top', 'bottom']) {
          await page.evaluate((w) => {
            const el = document.getElementById('page');
            el.scrollTop = w === 'top' ? 0 : el.scrollHeight;
          }, where);
          for (const p of await page.evaluate(covered)) problems.push(`${path} @${width}px, ${where}: ${p}`);
        }
        await page.screenshot({ path: `${SHOTS}/toasts${path.replace('/', '-')}-${width}.png` });
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
