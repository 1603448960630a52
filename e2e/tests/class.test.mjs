// A class relay and the teacher's view: `socklab --class` with a join token and a
// separate status token. A learner joins with the token in the page, gives a display
// name, opens lesson E1 and meets its first two steps by clicking; the page reports
// the progress itself (`progress` op), and the teacher's /status page shows the
// learner's name and step and follows the next step by itself (it refreshes every
// 2 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { card, click, fill, launch, newSocket, shot, URL, LEARN_URL, waitState } from '../lib.mjs';

const TOKEN = 'room-101';
const STATUS_TOKEN = 'teacher-only-7';

/** Starts a `--class` relay on loopback; resolves with {child, addr} once it listens. */
function startClassRelay() {
  const bin = process.env.SOCKLAB_BIN;
  assert.ok(bin, 'SOCKLAB_BIN is set by cargo xtask e2e');
  const dir = mkdtempSync(join(tmpdir(), 'socklab-class-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'status-token'), `${STATUS_TOKEN}\n`);
  const origin = new globalThis.URL(URL).origin;
  const child = spawn(bin, [
    '--class', '--listen', '127.0.0.1:0', '--no-labs', '--allow-origin', origin,
    '--token-file', join(dir, 'token'), '--status-token-file', join(dir, 'status-token'),
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`class relay exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/socklab is running: open http:\/\/([^/\s]+)\//);
      if (m) resolve({ child, addr: m[1] });
    });
  });
}

test('a learner joins with the token and shows up with their progress on /status', async () => {
  const { child, addr } = await startClassRelay();
  const learner = await launch(`${LEARN_URL}?relay=ws://${addr}/ws`);
  const teacher = await launch(`http://${addr}/status`);
  try {
    // Without the status token the teacher is told how to give it.
    assert.match(await teacher.page.locator('body').innerText(), /status token is missing/);

    const { page } = learner;
    const form = page.locator('form.auth');
    await form.waitFor();
    await page.getByLabel('token').fill(TOKEN);
    await page.getByRole('button', { name: 'enter' }).click();
    await form.waitFor({ state: 'detached' });

    await page.locator('.app[data-ready="true"]').waitFor();

    // A class relay asks for a display name (optional), kept by the page.
    const name = page.getByLabel(/Your name for the teacher/);
    await name.fill('Ada <Lovelace>');
    await name.blur();

    // Lesson E1 from the landing; its first two steps by clicking.
    await page.locator('.lesson-list li[data-lesson="e01-handshake"]').getByRole('button').click();
    await page.locator('[data-testid="lesson"][data-lesson="e01-handshake"]').waitFor();
    const srv = await newSocket(page, 's1');
    await fill(srv, 'port', 20178);
    await click(srv, 'bind');
    await waitState(srv, 'BOUND');
    await page.locator('.steps > li[data-status="met"]').first().waitFor();

    // The teacher opens /status?token= once: the token leaves the address.
    await teacher.page.goto(`http://${addr}/status?token=${STATUS_TOKEN}`);
    assert.equal(new globalThis.URL(teacher.page.url()).search, '');
    const row = teacher.page.locator('tbody tr', { hasText: 'Ada <Lovelace>' });
    await row.waitFor();
    await row.filter({ hasText: 'e01-handshake step 1/5' }).waitFor();
    assert.equal(await teacher.page.locator('tbody tr').count(), 1, 'one tab, one session');

    // The next step shows up without touching the teacher's page.
    await click(card(page, 's1'), 'listen');
    await waitState(srv, 'LISTEN');
    await row.filter({ hasText: 'e01-handshake step 2/5' }).waitFor();

    for (const width of [390, 1024, 1440]) {
      await teacher.page.setViewportSize({ width, height: 700 });
      const sideways = await teacher.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(sideways <= 0, `no sideways scroll at ${width}px (${sideways}px)`);
      await shot(teacher.page, `status-${width}`, { fullPage: true });
    }
    assert.deepEqual(teacher.errors.filter((e) => !/401/.test(e)), []);
    assert.deepEqual(learner.errors, []);
  } finally {
    await learner.browser.close();
    await teacher.browser.close();
    child.kill('SIGTERM');
  }
});
