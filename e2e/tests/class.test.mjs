// A class relay and the teacher's view: a relay with a join token and a separate
// status token (until `--class` lands here: `--token` + a loopback listen), a
// learner joins with the token in the page, reports lesson progress, and the
// teacher's /status page shows the learner's name and progress and follows the
// next report by itself (it refreshes every 2 s). The page does not send
// `progress` yet (the lesson UI will): the learner's report goes over a second
// WebSocket opened inside the page, so /status lists two sessions — the
// workbench tab and the reporting one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, shot, URL } from '../lib.mjs';

const TOKEN = 'room-101';
const STATUS_TOKEN = 'teacher-only-7';

/** Starts a class-like relay; resolves with {child, addr} once it listens. */
function startClassRelay() {
  const bin = process.env.SOCKLAB_BIN;
  assert.ok(bin, 'SOCKLAB_BIN is set by cargo xtask e2e');
  const dir = mkdtempSync(join(tmpdir(), 'socklab-class-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'status-token'), `${STATUS_TOKEN}\n`);
  const origin = new globalThis.URL(URL).origin;
  const child = spawn(bin, [
    '--listen', '127.0.0.1:0', '--no-labs', '--allow-origin', origin,
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

/** In the learner's page: a WebSocket session that authenticates and sends
 * `progress` reports (window.__report(fields) resolves with the reply). */
async function openReporter(page, addr, token) {
  await page.evaluate(async ({ addr, token }) => {
    const ws = new WebSocket(`ws://${addr}/ws`);
    const waiting = new Map();
    let next = 1;
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.re !== undefined && waiting.has(f.re)) waiting.get(f.re)(f);
    };
    const call = (op) => new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, ...op }));
    });
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const auth = await call({ op: 'auth', token });
    if (!auth.ok) throw new Error(JSON.stringify(auth));
    window.__report = (fields) => call({ op: 'progress', ...fields });
  }, { addr, token });
}

test('a learner joins with the token and shows up with their progress on /status', async () => {
  const { child, addr } = await startClassRelay();
  const learner = await launch(`${URL}?relay=ws://${addr}/ws`);
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

    await openReporter(page, addr, TOKEN);
    const first = await page.evaluate(() => window.__report({
      name: 'Ada <Lovelace>', lesson: 'e03', step: 2, steps: 5, done: ['e01', 'e02'],
    }));
    assert.deepEqual(first.ok, {});
    const bad = await page.evaluate(() => window.__report({ lesson: 'E03!' }));
    assert.equal(bad.err.code, 'bad_request');

    // The teacher opens /status?token= once: the token leaves the address.
    await teacher.page.goto(`http://${addr}/status?token=${STATUS_TOKEN}`);
    assert.equal(new globalThis.URL(teacher.page.url()).search, '');
    const row = teacher.page.locator('tbody tr', { hasText: 'Ada <Lovelace>' });
    await row.waitFor();
    await row.filter({ hasText: 'e03 step 2/5' }).waitFor();
    await row.filter({ hasText: 'e01, e02' }).waitFor();
    // The workbench tab is a session too (no name yet).
    assert.equal(await teacher.page.locator('tbody tr').count(), 2);
    await teacher.page.locator('tbody tr', { hasText: '(no name)' }).waitFor();

    // The next step shows up without touching the teacher's page.
    await page.evaluate(() => window.__report({ step: 3 }));
    await row.filter({ hasText: 'e03 step 3/5' }).waitFor();

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
