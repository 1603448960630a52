// The workbench's start wasm leaves out the HTTP, FTP and Mail panels and the
// Python tab's request reader (issue 12's page weight): `cargo xtask ui` cuts
// them into parts of their own (xtask/src/wasm_split.rs) that the page fetches
// the first time such a tab opens, once, and that then work as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open } from '../lib.mjs';

let browser, page, errors;

before(async () => {
  ({ browser, page, errors } = await open());
});

after(async () => {
  await browser?.close();
});

/** The paths the page has fetched so far. */
async function fetched() {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
  );
}

/** How many times the part `name` (`frontend-<hash>_<name>.wasm`) was fetched. */
async function loads(name) {
  return (await fetched()).filter((p) => /^\/frontend-[0-9a-f]{1,16}_/.test(p) && p.endsWith(`_${name}.wasm`)).length;
}

test('the panels and the Python reader load on first use, once each', async () => {
  assert.equal(await loads('panels'), 0, 'no panel code before a panel tab opens');
  assert.equal(await loads('python'), 0, 'no Python reader before the Python tab opens');
  for (const [tab, panel] of [
    ['FTP', 'section.ftp-panel'],
    ['HTTP', 'section.http-panel'],
    ['Mail', 'section.mail-panel'],
    ['FTP', 'section.ftp-panel'],
  ]) {
    await page.getByRole('tab', { name: tab }).click();
    await page.locator(panel).waitFor();
  }
  assert.equal(await loads('panels'), 1, 'one fetch serves all three panels');
  assert.equal(await loads('python'), 0);
  await page.getByRole('tab', { name: 'Python' }).click();
  await page.locator('.pyt').waitFor();
  assert.equal(await loads('python'), 1);
  // The start module did not change its mind about the panels meanwhile.
  await page.getByRole('tab', { name: 'HTTP' }).click();
  await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
  assert.equal(await loads('panels'), 1);
  assert.deepEqual(errors, []);
});

test('a part that cannot be fetched says so, and "try again" fetches it', async () => {
  const second = await open();
  try {
    const p = second.page;
    await p.route('**/*_panels.wasm', (route) => route.abort());
    await p.getByRole('tab', { name: 'HTTP' }).click();
    const alert = p.locator('main:not([hidden]) [role="alert"]');
    await alert.filter({ hasText: 'could not be fetched from the relay' }).waitFor();
    await p.unroute('**/*_panels.wasm');
    await alert.getByRole('button', { name: 'try again' }).click();
    await p.locator('section.http-panel').waitFor();
    // Only the failed fetch's own console line; the page itself went on.
    assert.ok(second.errors.every((e) => /panels\.wasm|Failed to fetch|ERR_FAILED|TypeError/.test(e)), JSON.stringify(second.errors));
  } finally {
    await second.browser.close();
  }
});
