// Share links: "Share" puts the session's calls in the URL fragment (compressed
// by the browser), copies the link and says so; opening the link shows the same
// scenario ready to run, and running it rebuilds the same sockets live. A session
// too big for a link gets a message with its size and what to do instead; a
// damaged link is refused in words. Share links are the `learn` build's
// (/learn/#share=…); one opened on / moves there with its fragment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { launch, card, fill, click, waitState, waitReceived, shot, URL, LEARN_URL } from '../lib.mjs';
import { echoSocket } from '../replay_kit.mjs';

let browser, page, errors;

before(async () => {
  ({ browser, page, errors } = await launch(LEARN_URL));
  await page.locator('.app[data-ready="true"]').waitFor();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
});

after(async () => {
  await browser?.close();
});

test('a share link reopens the same scenario, which runs live', async () => {
  await echoSocket(page, 's1', 'shared bytes');

  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await page.locator('.share-link', { hasText: 'link copied to the clipboard' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(await page.getByLabel('share link').inputValue(), link);
  assert.ok(link.startsWith(`${LEARN_URL}#share=`), link);
  assert.ok(link.length < 1000, `a short session makes a short link (${link.length})`);
  await shot(page, 'share-copied');

  const other = await page.context().newPage();
  await other.goto(link);
  const runner = other.locator('.scenario-run');
  await runner.getByText('4 calls, ready to run').waitFor();
  assert.equal(await other.locator('article.card').count(), 0, 'nothing runs before the learner asks');
  await runner.getByRole('button', { name: 'Run live' }).click();
  await runner.getByText('done: ran 4 calls live').waitFor();
  await waitState(card(other, 's1'), 'ESTABLISHED');
  await waitReceived(card(other, 's1'), 'shared bytes');
  await other.close();
  assert.deepEqual(errors, []);
});

test('an over-long session gets the size and the advice; a damaged link gets words', async () => {
  // Random text does not compress: a few of these make the link far too long.
  const s2 = await echoSocket(page, 's2');
  await fill(s2, 'data', randomBytes(9000).toString('base64'));
  await click(s2, 'send');
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const message = page.locator('.share-error');
  await message.waitFor();
  const text = await message.innerText();
  assert.match(text, /this share link would be \d+ characters long; a link holds at most 8000/);
  assert.match(text, /Export recording/);
  await shot(page, 'share-too-long');

  const damaged = await page.context().newPage();
  const bad = deflateRawSync(Buffer.from('{"format":"socklab-scenario","version":9,"steps":[]}')).toString('base64url');
  await damaged.goto(`${LEARN_URL}#share=${bad}`);
  await damaged.locator('[role="alert"]', { hasText: 'made by a newer socklab' }).waitFor();
  await damaged.goto('about:blank');
  // Opened on /, the link moves to /learn/ with its fragment.
  await damaged.goto(`${URL}#share=not-deflate-at-all`);
  await damaged.locator('[role="alert"]', { hasText: 'this share link is damaged' }).waitFor();
  assert.equal(damaged.url(), `${LEARN_URL}#share=not-deflate-at-all`);
  await damaged.close();
});
