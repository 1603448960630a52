// The workbench in real headless Chromium against the real relay: the echo
// exercise of the classic Python socket tutorial this workbench follows, by
// clicking only; a UDP echo; a refused connect; and the downloaded Python
// transcript replayed with python3 against the same labs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { open, card, newSocket, fill, click, waitState, waitReceived, shot, freePort, ARTIFACTS } from '../lib.mjs';

let browser, page, errors, readyMs;

before(async () => {
  ({ browser, page, errors, readyMs } = await open());
});

after(async () => {
  await browser?.close();
});

test('the relay hello names the labs', async () => {
  await page.locator('details.hello summary').click();
  const body = await page.locator('.hello-body').innerText();
  assert.match(body, /tcp_echo/);
  assert.match(body, /udp_echo/);
  await page.locator('details.hello summary').click();
});

test("the tutorial's echo exercise, by clicking only", async () => {
  const server = await newSocket(page, 's1');
  const client = await newSocket(page, 's2');
  await waitState(server, 'unbound');

  // Server: setsockopt(SO_REUSEADDR), bind(('127.0.0.1', 20178)), listen(5), accept().
  await server.locator('details.options summary').click();
  await server.getByLabel('option', { exact: true }).selectOption('SO_REUSEADDR');
  await click(server, 'setsockopt');
  await fill(server, 'host', '127.0.0.1');
  await fill(server, 'port', 20178);
  await click(server, 'bind');
  await waitState(server, 'BOUND');
  await fill(server, 'backlog', 5);
  await click(server, 'listen');
  await waitState(server, 'LISTEN');
  await click(server, 'accept');
  await server.locator('.pending-call', { hasText: 's1.accept()' }).waitFor();

  // Client: connect(('127.0.0.1', 20178)); the pending accept completes as s3.
  await fill(client, 'port', 20178);
  await click(client, 'connect');
  await waitState(client, 'ESTABLISHED');
  const conn = card(page, 's3');
  await waitState(conn, 'ESTABLISHED');
  assert.match(await conn.innerText(), /accepted by s1/);
  assert.equal(await server.locator('.pending-call').count(), 0);

  // client.send(b'data'); conn.recv(100) == b'data'
  await fill(client, 'data', 'data');
  await click(client, 'send');
  await fill(conn, 'bufsize', 100);
  await click(conn, 'recv');
  await waitReceived(conn, 'data');
  assert.match(await conn.locator('.received pre.hex').first().innerText(), /64 61 74 61/);

  // conn.send(b'anydata'); client.recv(98) == b'anydata'
  await fill(conn, 'data', 'anydata');
  await click(conn, 'send');
  await fill(client, 'bufsize', 98);
  await click(client, 'recv');
  await waitReceived(client, 'anydata');
  await shot(page, 'echo-exercise');
  copyFileSync(join(ARTIFACTS, 'echo-exercise.png'), join(ARTIFACTS, '..', 'docs', 'screenshot.png'));

  // Timeline: the handshake and the byte counts are drawn.
  const timeline = await page.locator('.timeline .tl-view').innerText();
  for (const label of ['SYN', 'SYN-ACK', 'ACK', '4 B', '7 B']) {
    assert.ok(timeline.includes(label), `timeline shows ${label}:\n${timeline}`);
  }
  // Clicking a data arrow shows its bytes.
  await page.locator('.tl-row.k-data', { hasText: '4 B' }).first().click();
  assert.match(await page.locator('.tl-detail').innerText(), /64 61 74 61/);

  // Close the client first (its side keeps TIME_WAIT), then the others.
  await click(client, 'close');
  await page.locator('article.card.released[data-sock="s2"]').waitFor();
  await click(conn, 'close');
  await click(server, 'close');
  await page.locator('article.card.released[data-sock="s1"]').waitFor();
  await page.locator('article.card.released[data-sock="s3"]').waitFor();

  const py = await page.locator('.transcript .py').innerText();
  for (const line of [
    's1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
    's1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    's1.bind(("127.0.0.1", 20178))',
    's1.listen(5)',
    's2.connect(("127.0.0.1", 20178))',
    's3, addr = s1.accept()',
    "s2.send(b'data')",
    'data = s3.recv(100)',
    "b'data'",
    'data = s2.recv(98)',
    "b'anydata'",
    's2.close()',
  ]) {
    assert.ok(py.includes(line), `transcript has ${line}:\n${py}`);
  }
});

test('UDP echo: sendto and recvfrom', async () => {
  const udp = await newSocket(page, 's4', 'SOCK_DGRAM');
  await fill(udp, 'host', '127.0.0.1');
  await fill(udp, 'port', 20007);
  await fill(udp, 'data', 'ping');
  await click(udp, 'sendto');
  await click(udp, 'recvfrom');
  await waitReceived(udp, 'ping');
  assert.match(await udp.locator('.received').innerText(), /from \('127\.0\.0\.1', 20007\)/);
  assert.ok((await page.locator('.transcript .py').innerText())
    .includes("b'ping' ('127.0.0.1', 20007)"));
  await click(udp, 'close');
});

test('connect to a closed port shows the Python error', async () => {
  const port = await freePort();
  const s = await newSocket(page, 's5');
  await fill(s, 'port', port);
  await click(s, 'connect');
  const refused = 'ConnectionRefusedError: [Errno 111] Connection refused';
  await s.locator('[data-testid="error"]', { hasText: refused }).waitFor();
  await page.locator('.transcript .py-err', { hasText: refused }).waitFor();
  assert.ok(await page.locator('.tl-row.k-reset').count() >= 1, 'an RST arrow is drawn');
  await shot(page, 'refused');
});

test('the downloaded .py reproduces the session with python3', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'download .py' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'socklab_session.py');
  const path = join(ARTIFACTS, 'socklab_session.py');
  await download.saveAs(path);
  const expected = (await page.locator('.transcript .py').getAttribute('data-expected')).split('\n');
  assert.deepEqual(expected, [
    "b'data'",
    "b'anydata'",
    "b'ping' ('127.0.0.1', 20007)",
    'ConnectionRefusedError: [Errno 111] Connection refused',
  ]);
  const out = execFileSync('python3', [path], { timeout: 30_000, encoding: 'utf8' });
  writeFileSync(join(ARTIFACTS, 'socklab_session.out'), out);
  assert.deepEqual(out.trimEnd().split('\n'), expected, readFileSync(path, 'utf8'));
});

test('no console errors; time to a usable workbench recorded', async () => {
  assert.deepEqual(errors, []);
  // A measurement for docs/benchmarks.md (`cargo xtask bench` prints it), not a
  // timed assertion: speed is judged by benchmarks, not tests.
  writeFileSync(join(ARTIFACTS, 'first-usable-ms.txt'), `${readyMs}\n`);
});
