// A relay that requires the class token (`--token`): the page asks for it, a tab
// that waits longer than `--auth-timeout` is closed by the relay and reconnects,
// and an accepted token is remembered for the tab, so a reload (or any new relay
// session) is let in without asking again. The token relay is a second relay
// started here, on a free loopback port, without labs; the page comes from the
// relay that `cargo xtask e2e` started and reaches the token relay with `?relay=`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, startRelay, URL } from '../lib.mjs';

const TOKEN = 'class-secret-42';

/** Starts `socklab` with a token; resolves with {child, addr} once it listens. */
function startTokenRelay() {
  const origin = new globalThis.URL(URL).origin;
  return startRelay([
    '--listen', '127.0.0.1:0', '--no-labs', '--token', TOKEN,
    '--auth-timeout', '2', '--allow-origin', origin,
  ]);
}

test('the class token: asked once, a slow tab is closed and comes back, a reload is let in', async () => {
  const { child, addr } = await startTokenRelay();
  const { browser, page, errors } = await launch(`${URL}?relay=ws://${addr}/ws`);
  try {
    const form = page.locator('form.auth');
    await form.waitFor();
    // Nothing works before the token…
    assert.equal(await page.getByRole('button', { name: 'new socket' }).isDisabled(), true);
    // …and a tab that does not send it within --auth-timeout is closed (1008).
    await page.locator('.banner-lost', { hasText: /no `auth` within 2 s/ }).waitFor();
    // The page reconnects to a new session and still asks.
    await page.locator('.banner-lost').waitFor({ state: 'detached' });
    await form.waitFor();
    await page.getByLabel('token').fill(TOKEN);
    await page.getByRole('button', { name: 'enter' }).click();
    await form.waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'new socket' }).isEnabled(), true);
    await shot(page, 'token-accepted');

    // A reload is a new relay session: the tab remembered the token and sends it
    // by itself, so the prompt goes away without typing.
    await page.reload();
    await page.locator('.app[data-ready="true"]').waitFor();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'new socket' }).click();
    await page.locator('article.card').first().waitFor();
    // The relay closed the slow session on purpose; the page logs nothing as an error.
    assert.deepEqual(errors.filter((e) => !/WebSocket/.test(e)), []);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
});
