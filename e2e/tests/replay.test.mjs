// Recordings: a session against the echo lab is exported, the relay that served
// the page is STOPPED, and the file is imported and replayed with no relay at
// all — forward, back, jump (slider, step number, Home/End, a timeline click) —
// the cards and the timeline showing the recorded state at each step. A file
// that cannot be replayed is refused in words and the workbench is untouched.
// "Re-run live" then runs the same calls against a relay again.
//
// The page (the `learn` build, /learn/) comes from a relay this test starts itself (`--no-labs`, serving
// dist/), so that it can stop it; the echo lab is the one of the relay that
// `cargo xtask e2e` started (a loopback relay may connect to any loopback port).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { launch, card, waitState, waitReceived, shot, freePort, ARTIFACTS } from '../lib.mjs';
import { startRelay, stopRelay, echoSocket } from '../replay_kit.mjs';

let browser, page, errors, relay, port;
const step = () => page.locator('[data-testid="replay-step"]');
/** Presses a replay shortcut with nothing focused (fields keep their own keys). */
async function key(name) {
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(name);
}

before(async () => {
  port = await freePort();
  relay = await startRelay(port);
  ({ browser, page, errors } = await launch(`http://127.0.0.1:${port}/learn/`));
  await page.locator('.app[data-ready="true"]').waitFor();
});

after(async () => {
  await browser?.close();
  if (relay) await stopRelay(relay).catch(() => {});
});

test('export a session, stop the relay, replay it: forward, back, jump', async () => {
  const s1 = await echoSocket(page, 's1', 'replay me');
  const liveTimeline = await page.locator('.timeline h2 .count').innerText();

  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export recording' }).click(),
  ]);
  assert.match(dl.suggestedFilename(), /^socklab-\d{4}-\d\d-\d\d-\d{6}\.json$/);
  const file = join(ARTIFACTS, 'replay-session.json');
  await dl.saveAs(file);
  const rec = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(rec.format, 'socklab-recording');
  assert.equal(rec.version, 1);
  const ops = rec.items.filter((e) => e.req).map((e) => e.req.op);
  assert.deepEqual(ops, ['socket', 'connect', 'send', 'recv']);
  assert.ok(rec.items.some((e) => e.event?.ev === 'hello'), 'the hello event is recorded');
  assert.ok(rec.items.every((e, i) => i === 0 || e.t >= rec.items[i - 1].t), 'the clock never goes back');

  // A file that cannot be replayed: words, and the workbench untouched.
  const newer = join(ARTIFACTS, 'replay-newer.json');
  writeFileSync(newer, JSON.stringify({ ...rec, version: 2 }));
  await page.getByLabel('recording file').setInputFiles(newer);
  await page.locator('.rec-error', { hasText: 'version 2, made by a newer socklab' }).waitFor();
  await waitReceived(s1, 'replay me');
  assert.equal(await page.locator('.replay-bar').count(), 0);

  // The relay is stopped: the page says so.
  await stopRelay(relay);
  relay = null;
  await page.locator('.banner-lost').waitFor();

  await page.getByLabel('recording file').setInputFiles(file);
  const bar = page.locator('.replay-bar');
  await bar.getByText('Replay — not connected').waitFor();
  const total = rec.items.length;
  await step().filter({ hasText: `step 0 of ${total}` }).waitFor();
  assert.equal(await page.locator('article.card').count(), 0, 'step 0: nothing yet');
  assert.equal(await page.locator('.banner-lost').count(), 0, 'replay is not a lost connection');

  // Forward, one step at a time, until the socket exists.
  const socketReply = rec.items.findIndex((e) => e.reply && e.reply.ok?.sock === 's1') + 1;
  for (let i = 1; i <= socketReply; i++) {
    await bar.getByRole('button', { name: 'forward ▶' }).click();
    await step().filter({ hasText: `step ${i} of ${total}` }).waitFor();
  }
  await waitState(card(page, 's1'), 'unbound');
  // Back: the card goes away again.
  await bar.getByRole('button', { name: '◀ back' }).click();
  await step().filter({ hasText: `step ${socketReply - 1} of ${total}` }).waitFor();
  await card(page, 's1').waitFor({ state: 'detached' });

  // End (keyboard): the recorded end, bytes and all, the timeline as it was live.
  await key('End');
  await step().filter({ hasText: `step ${total} of ${total}` }).waitFor();
  await waitReceived(card(page, 's1'), 'replay me');
  assert.equal(await page.locator('.timeline h2 .count').innerText(), liveTimeline);
  await shot(page, 'replay-end');

  // Jump by typing a step number: right after the connect's reply.
  const connected = rec.items.findIndex((e) => e.reply && e.reply.re === rec.items.find((x) => x.req?.op === 'connect').req.id) + 1;
  await bar.getByLabel('go to step').fill(String(connected));
  await bar.getByLabel('go to step').press('Enter');
  await step().filter({ hasText: `step ${connected} of ${total}` }).waitFor();
  await waitState(card(page, 's1'), 'ESTABLISHED');
  assert.equal(await card(page, 's1').locator('.received pre.text').count(), 0, 'nothing received yet');

  // Home, then a click on the first timeline entry of the full replay goes to its step.
  await key('Home');
  await step().filter({ hasText: `step 0 of ${total}` }).waitFor();
  await key('End');
  await step().filter({ hasText: `step ${total} of ${total}` }).waitFor();
  await page.locator('.tl-row[data-index="0"]').click();
  await step().filter({ hasText: `step ${socketReply} of ${total}` }).waitFor();
  await waitState(card(page, 's1'), 'unbound');

  // The slider jumps too.
  await bar.getByLabel('step', { exact: true }).fill(String(total));
  await step().filter({ hasText: `step ${total} of ${total}` }).waitFor();

  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `replay-bar-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)), []);
});

test('re-run live: the recording\'s calls run again against a relay', async () => {
  relay = await startRelay(port);
  await page.getByRole('button', { name: 'Re-run live' }).click();
  await page.locator('.replay-bar').waitFor({ state: 'detached' });
  await page.locator('[data-testid="scenario-progress"]', { hasText: 'done: ran 4 calls live' }).waitFor();
  const s1 = card(page, 's1');
  await waitState(s1, 'ESTABLISHED');
  await waitReceived(s1, 'replay me');
});
