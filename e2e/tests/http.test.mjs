// The HTTP panel in real headless Chromium against the real relay and its HTTP
// lab: simple mode (GET and POST), then step mode one http.client call at a time,
// asserting the raw bytes shown on the wire, the parsed response and the Python.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadAndCopyPy, open, shot, ARTIFACTS } from '../lib.mjs';

let browser, page, errors, panel;

before(async () => {
  ({ browser, page, errors } = await open());
  await page.getByRole('tab', { name: 'HTTP' }).click();
  panel = page.locator('section.http-panel');
  await panel.waitFor();
});

after(async () => {
  await browser?.close();
});

/** The wire view's chunks in one direction, as rendered (\r\n made visible). */
async function wire(dir) {
  return panel.locator(`.wire-chunk[data-dir="${dir}"] .wire-bytes`).allTextContents();
}

/** Waits until the parsed response's status line reads `line`. */
async function status(line) {
  await panel.locator('[data-testid="status-line"]', { hasText: line }).waitFor();
}

/** The response body as pretty JSON, parsed. */
async function jsonBody() {
  await panel.locator('.body-view').getByRole('button', { name: 'JSON', exact: true }).click();
  await panel.locator('.body-view .hint', { hasText: /bytes read$/ }).waitFor();
  return JSON.parse(await panel.locator('[data-testid="resp-body"]').textContent());
}

const btn = (name) => panel.getByRole('button', { name, exact: true });

test('simple mode: GET /get shows the exact request bytes and the parsed JSON', async () => {
  const url = panel.getByLabel('url', { exact: true });
  assert.match(await url.inputValue(), /^http:\/\/127\.0\.0\.1:20080\/get$/);
  await btn('Send').click();
  await status('HTTP/1.1 200 OK');
  const out = await wire('out');
  assert.equal(
    out[0],
    'GET /get HTTP/1.1\\r\\n\nHost: 127.0.0.1:20080\\r\\n\nAccept-Encoding: identity\\r\\n\n\\r\\n\n',
  );
  const inbound = (await wire('in')).join('');
  assert.match(inbound, /^HTTP\/1\.1 200 OK\\r\\n\n/);
  const body = await jsonBody();
  assert.equal(body.url.endsWith('/get'), true, JSON.stringify(body));
  assert.equal(body.headers['Accept-Encoding'], 'identity');
  const py = await panel.locator('[data-testid="http-python"]').innerText();
  for (const line of [
    'conn1 = http.client.HTTPConnection("127.0.0.1", 20080, timeout=10)',
    'conn1.request("GET", "/get")',
    'r1 = conn1.getresponse()',
    'print(r1.status, r1.reason)',
    '200 OK',
    'body = r1.read()',
  ]) {
    assert.ok(py.includes(line), `transcript has ${line}:\n${py}`);
  }
  // Every call has a timing.
  const ms = await panel.locator('.calls td.ms').allTextContents();
  assert.equal(ms.length, 4);
  assert.ok(ms.every((m) => /^\d+ ms$/.test(m)), ms.join(','));
});

test('simple mode: POST with a header and a JSON body, on the kept-alive connection', async () => {
  await panel.getByLabel('method', { exact: true }).selectOption('POST');
  await panel.getByLabel('url', { exact: true }).fill('http://127.0.0.1:20080/post');
  await btn('add header').click();
  await panel.getByLabel('header name 1', { exact: true }).fill('Content-Type');
  await panel.getByLabel('header value 1', { exact: true }).fill('application/json');
  await panel.getByLabel('body', { exact: true }).fill('{"a": 1}');
  const before = (await wire('out')).length;
  await btn('Send').click();
  await panel.locator('.wire-chunk[data-dir="out"]').nth(before + 1).waitFor();
  const out = (await wire('out')).slice(before);
  assert.equal(
    out[0],
    'POST /post HTTP/1.1\\r\\n\nHost: 127.0.0.1:20080\\r\\n\nAccept-Encoding: identity\\r\\n\n'
      + 'Content-Length: 8\\r\\n\nContent-Type: application/json\\r\\n\n\\r\\n\n',
  );
  assert.equal(out[1], '{"a": 1}');
  await panel.locator('.calls tr.ok', { hasText: 'body = r1.read()' }).nth(1).waitFor();
  const body = await jsonBody();
  assert.equal(body.method, 'POST');
  assert.deepEqual(body.json, { a: 1 });
  const py = await panel.locator('[data-testid="http-python"]').innerText();
  assert.ok(py.includes('conn1.request("POST", "/post", body=b\'{"a": 1}\', headers={"Content-Type": "application/json"})'), py);
  // One HTTPConnection for both requests (keep-alive reuse).
  assert.equal((py.match(/HTTPConnection\(/g) ?? []).length, 1, py);
});

test('step mode: one button per http.client call, enabled by its state machine', async () => {
  await btn('step by step').click();
  await btn('HTTPConnection').click();
  await panel.locator('.hint', { hasText: 'connection conn2' }).waitFor();
  const phase = panel.locator('[data-testid="http-phase"]');
  assert.equal(await phase.textContent(), 'Idle');
  assert.equal(await btn('putheader').isDisabled(), true);
  assert.equal(await btn('endheaders').isDisabled(), true);
  assert.equal(await btn('getresponse').isDisabled(), true);
  assert.equal(await btn('read').isDisabled(), true);

  await panel.getByLabel('step method', { exact: true }).selectOption('GET');
  await panel.getByLabel('path', { exact: true }).fill('/headers');
  const before = (await wire('out')).length;
  await btn('putrequest').click();
  await phase.filter({ hasText: 'Request-started' }).waitFor();
  assert.equal(await btn('putrequest').isDisabled(), true);
  assert.equal(await btn('getresponse').isDisabled(), true);
  await panel.getByLabel('header name', { exact: true }).fill('X-Demo');
  await panel.getByLabel('header value', { exact: true }).fill('step');
  await btn('putheader').click();
  await panel.locator('.calls tr.ok', { hasText: 'putheader' }).waitFor();
  // Nothing was sent yet: putrequest and putheader only buffer.
  assert.equal((await wire('out')).length, before);
  await btn('endheaders').click();
  await phase.filter({ hasText: 'Request-sent' }).waitFor();
  const out = (await wire('out')).slice(before);
  assert.equal(
    out[0],
    'GET /headers HTTP/1.1\\r\\n\nHost: 127.0.0.1:20080\\r\\n\nAccept-Encoding: identity\\r\\n\nX-Demo: step\\r\\n\n\\r\\n\n',
  );
  await btn('getresponse').click();
  await status('HTTP/1.1 200 OK');
  await phase.filter({ hasText: 'Idle' }).waitFor();
  await btn('read').click();
  await panel.locator('.body-view .hint', { hasText: /bytes read$/ }).waitFor();
  assert.equal(await btn('read').isDisabled(), true);
  const body = await jsonBody();
  assert.equal(body.headers['X-Demo'], 'step');
  await btn('close').click();
  await panel.locator('.calls tr.ok', { hasText: 'conn2.close()' }).waitFor();
  const py = await panel.locator('[data-testid="http-python"]').innerText();
  for (const line of [
    'conn2 = http.client.HTTPConnection("127.0.0.1", 20080, timeout=10)',
    'conn2.putrequest("GET", "/headers")',
    'conn2.putheader("X-Demo", "step")',
    'conn2.endheaders()',
    'r2 = conn2.getresponse()',
    'body = r2.read()',
    'conn2.close()',
  ]) {
    assert.ok(py.includes(line), `transcript has ${line}:\n${py}`);
  }
  await shot(page, 'http-panel');
});

test('connections are conn1, conn2 (never the relay\'s h1/h2), and the calls read in transcript order', async () => {
  const calls = await panel.locator('.calls td code').allTextContents();
  assert.match(calls[0], /^conn1 = http\.client\.HTTPConnection\(/);
  assert.equal(calls.at(-1), 'conn2.close()');
  const code = await panel.locator('[data-testid="http-python"] .py-entry').evaluateAll((entries) =>
    entries.map((e) => [...e.querySelectorAll('.py-code')].map((c) => c.textContent).join('; ')));
  // The same calls, in the same order, as the transcript.
  assert.deepEqual(calls, code);
  const text = await panel.innerText();
  assert.doesNotMatch(text, /\bh\d+\b/, text);
});

test('the HTTP tab copies and downloads its .py, and python3 prints what the page shows', async () => {
  const path = join(ARTIFACTS, 'socklab_http.py');
  const { script, name } = await downloadAndCopyPy(page, panel, path);
  assert.equal(name, 'socklab_http.py');
  const expected = (await panel.locator('[data-testid="http-python"]').getAttribute('data-expected')).split('\n');
  assert.deepEqual(expected, ['200 OK', '200 OK', '200 OK']);
  const out = execFileSync('python3', [path], { timeout: 30_000, encoding: 'utf8' });
  assert.deepEqual(out.trimEnd().split('\n'), expected, script);
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `http-panel-${width}`, { fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('the session .py replays the HTTP calls with python3', async () => {
  await page.getByRole('tab', { name: 'Sockets' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'download .py' }).click(),
  ]);
  const path = join(ARTIFACTS, 'socklab_http_session.py');
  await download.saveAs(path);
  const expected = (await page.locator('.transcript .py').getAttribute('data-expected')).split('\n');
  assert.deepEqual(expected, ['200 OK', '200 OK', '200 OK']);
  const out = execFileSync('python3', [path], { timeout: 30_000, encoding: 'utf8' });
  writeFileSync(join(ARTIFACTS, 'socklab_http_session.out'), out);
  assert.deepEqual(out.trimEnd().split('\n'), expected, readFileSync(path, 'utf8'));
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
