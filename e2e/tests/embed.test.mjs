// Embed mode and the sample docs page (docs/embed/index.html), served by a
// separate static server — a "docs site" origin on its own port, which also
// hosts a copy of dist/ as socklab.html — with three demos (TCP echo, HTTP step
// mode, FTP download):
// - against a relay started with --allow-origin for the docs site, all three run
//   live and say so;
// - with that relay stopped, all three fall back to replaying their recordings
//   and say so;
// - the relay's own /embed, framed by the docs site, runs live too.
// The recordings next to the scenarios are made here from real runs when they
// are missing or SOCKLAB_WRITE_DEMOS=1 (then commit docs/embed/*.recording.json).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { join, extname, normalize } from 'node:path';
import { launch, card, shot, freePort, ARTIFACTS } from '../lib.mjs';
import { startRelay, stopRelay } from '../replay_kit.mjs';

const DOCS = join('..', 'docs', 'embed');
const DIST = join('..', 'dist');
const DEMOS = {
  'tcp-echo': { calls: 5 },
  'http-steps': { calls: 7 },
  'ftp-download': { calls: 4 },
};
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** The docs site: docs/embed/ at /, dist/ beside it (the `learn` build's dist/learn/index.html as
 * socklab.html, its files under /learn/ as the relay serves them). */
function startDocsSite(port) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new globalThis.URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const candidates = path === '/' ? [join(DOCS, 'index.html')]
      : path === '/socklab.html' ? [join(DIST, 'learn', 'index.html')]
      : [join(DOCS, path), join(DIST, path)];
    const file = candidates.find((f) => existsSync(f) && !f.endsWith('/'));
    if (!file) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'access-control-allow-origin': '*',
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

let browser, page, errors, relay, relayPort, docs, docsPort;

before(async () => {
  docsPort = await freePort();
  docs = await startDocsSite(docsPort);
  relayPort = await freePort();
  relay = await startRelay(relayPort, ['--allow-origin', `http://127.0.0.1:${docsPort}`]);
  ({ browser, page, errors } = await launch('about:blank'));
});

after(async () => {
  await browser?.close();
  if (relay) await stopRelay(relay).catch(() => {});
  docs?.close();
});

/** Runs a demo's scenario on the workbench (a share link) and exports the recording. */
async function recordDemo(name) {
  const scenario = JSON.parse(readFileSync(join(DOCS, `${name}.scenario.json`), 'utf8'));
  const share = deflateRawSync(Buffer.from(JSON.stringify(scenario))).toString('base64url');
  const p = await page.context().newPage();
  await p.goto(`http://127.0.0.1:${relayPort}/learn/#share=${share}`);
  const runner = p.locator('.scenario-run');
  await runner.getByRole('button', { name: 'Run live' }).click();
  await runner.getByText(`done: ran ${scenario.steps.length} calls live`).waitFor();
  const [dl] = await Promise.all([
    p.waitForEvent('download'),
    p.getByRole('button', { name: 'Export recording' }).click(),
  ]);
  const raw = join(ARTIFACTS, `${name}.recording.json`);
  await dl.saveAs(raw);
  const rec = JSON.parse(readFileSync(raw, 'utf8'));
  rec.title = scenario.title;
  writeFileSync(join(DOCS, `${name}.recording.json`), `${JSON.stringify(rec, null, 1)}\n`);
  await p.close();
}

/** The frame of demo `name` on the docs page. */
const frame = (name) => page.frameLocator(`iframe[data-demo="${name}"]`);

/** What each demo shows when it has run to its end, live or replayed. */
async function demoDone(name) {
  const f = frame(name);
  if (name === 'tcp-echo') {
    await card(f, 's1').locator('.received pre.text', { hasText: 'hello, echo' }).first().waitFor();
    await f.locator('.timeline .tl-row', { hasText: 'SYN' }).first().waitFor();
  } else if (name === 'http-steps') {
    await f.locator('.transcript', { hasText: 'getresponse()' }).first().waitFor();
    await f.getByText('200', { exact: false }).first().waitFor();
  } else {
    await f.locator('.transcript', { hasText: 'RETR welcome.txt' }).first().waitFor();
  }
}

test('the docs page: three live embeds against a relay that allows the docs site', { timeout: 120_000 }, async () => {
  for (const name of Object.keys(DEMOS)) {
    if (process.env.SOCKLAB_WRITE_DEMOS === '1' || !existsSync(join(DOCS, `${name}.recording.json`))) {
      await recordDemo(name);
    }
  }
  await page.goto(`http://127.0.0.1:${docsPort}/?relay=ws://127.0.0.1:${relayPort}/ws`);
  for (const [name, { calls }] of Object.entries(DEMOS)) {
    const f = frame(name);
    await f.locator('.embed-mode.live', { hasText: `Live — socklab relay at 127.0.0.1:${relayPort}` }).waitFor();
    await f.locator('[data-testid="scenario-progress"]', { hasText: `done: ran ${calls} calls live` }).waitFor();
    await demoDone(name);
  }
  // readonly=1 (the FTP demo): the panel's controls cannot send.
  assert.equal(await frame('ftp-download').locator('fieldset.embed-panel[disabled]').count(), 1);
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `docs-embed-live-${width}`, { fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(errors, []);
});

test('the relay stopped: every embed replays its recording and says so', { timeout: 120_000 }, async () => {
  await stopRelay(relay);
  relay = null;
  await page.goto(`http://127.0.0.1:${docsPort}/?relay=ws://127.0.0.1:${relayPort}/ws`);
  for (const name of Object.keys(DEMOS)) {
    const f = frame(name);
    await f.locator('.embed-mode.replay', { hasText: 'Replay — relay not reachable' }).waitFor();
    const total = JSON.parse(readFileSync(join(DOCS, `${name}.recording.json`), 'utf8')).items.length;
    // autoplay=1: the replay plays to its end by itself.
    await f.locator('[data-testid="replay-step"]', { hasText: `step ${total} of ${total}` }).waitFor({ timeout: 60_000 });
    await demoDone(name);
  }
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `docs-embed-replay-${width}`, { fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)), []);
});

test("the relay's own /embed, framed by the allowed docs site, runs live", { timeout: 60_000 }, async () => {
  relay = await startRelay(relayPort, ['--allow-origin', `http://127.0.0.1:${docsPort}`]);
  const player = `http://127.0.0.1:${relayPort}/embed`;
  await page.goto(`http://127.0.0.1:${docsPort}/?player=${encodeURIComponent(player)}&relay=ws://127.0.0.1:${relayPort}/ws`);
  const f = frame('tcp-echo');
  await f.locator('.embed-mode.live').waitFor();
  await f.locator('[data-testid="scenario-progress"]', { hasText: 'done: ran 5 calls live' }).waitFor();
  await demoDone('tcp-echo');
});
