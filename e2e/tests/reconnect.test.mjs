// When the relay cannot be reached the page says so in a banner and keeps
// retrying, instead of failing silently. (`?relay=` points the page at a
// loopback port where nothing listens.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { launch, shot, URL } from '../lib.mjs';

test('an unreachable relay shows a reconnecting banner', async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));

  const { browser, page } = await launch(`${URL}?relay=ws://127.0.0.1:${port}/ws`);
  try {
    const banner = page.locator('.banner-lost');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Relay connection lost .* Reconnecting in/);
    // It keeps retrying: the attempt counter or the delay moves on.
    await page.locator('.banner-lost', { hasText: /Reconnecting in [1-9]/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'new socket' }).isDisabled(), true);
    await shot(page, 'unreachable-relay');
  } finally {
    await browser.close();
  }
});
