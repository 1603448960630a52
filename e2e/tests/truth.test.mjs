// Issue 11, "every call visible, nothing invented": driving the real relay by
// clicking, the timeline and the cards show what happened and only that —
// the setsockopt option that runs is the one shown, a name that does not
// resolve draws no packets, recv/select/connect_ex leave marks, UDP lanes are
// named by the UDP lab reached, the kernel's TIME_WAIT shows after an active
// close, and a second bind to that port fails with EADDRINUSE unless
// SO_REUSEADDR was set first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, card, newSocket, fill, click, waitState, shot, freePort } from '../lib.mjs';

const opened = [];
after(async () => {
  for (const { browser } of opened) await browser.close();
});

/** A fresh workbench (its own relay session, so handles start at s1). */
async function fresh() {
  const o = await open();
  opened.push(o);
  return o;
}

const timelineRow = (page, text) => page.locator('.timeline .tl-row', { hasText: text }).first();
const lastCall = (c) => c.locator('[data-testid="last-call"]');

/** New socket `handle` calling `how` ('connect' or 'connect_ex') to `host`:`port`. */
async function dial(page, handle, host, port, how = 'connect') {
  const s = await newSocket(page, handle);
  await fill(s, 'host', host);
  await fill(s, 'port', port);
  await click(s, how);
  return s;
}

/** Socket `handle`, with SO_REUSEADDR set first when `reuse`, binding
 * 127.0.0.1:`port` (and waiting until bound unless `fails`). */
async function bound(page, handle, port, reuse, fails = false) {
  const s = await newSocket(page, handle);
  if (reuse) {
    await s.locator('details.options summary').click();
    await s.getByLabel('option', { exact: true }).selectOption('SO_REUSEADDR');
    await click(s, 'setsockopt');
    await lastCall(s).filter({ hasText: 'setsockopt(SO_REUSEADDR, 1)' }).waitFor();
  }
  await fill(s, 'host', '127.0.0.1');
  await fill(s, 'port', port);
  await click(s, 'bind');
  if (!fails) await waitState(s, 'BOUND');
  return s;
}

/** The learner's server: s<n> bound to `port` and listening, with an accept waiting. */
async function server(page, handle, port, reuse) {
  const s = await bound(page, handle, port, reuse);
  await click(s, 'listen');
  await waitState(s, 'LISTEN');
  await click(s, 'accept');
  return s;
}

test('the setsockopt option that runs is the one shown', async () => {
  const { page, errors } = await fresh();
  const s1 = await newSocket(page, 's1');
  await waitState(s1, 'unbound');
  await s1.locator('details.options summary').click();
  const select = s1.getByLabel('option', { exact: true });
  const levels = { TCP_NODELAY: 'IPPROTO_TCP' };
  for (const opt of ['TCP_NODELAY', 'SO_KEEPALIVE', 'SO_BROADCAST', 'SO_REUSEADDR', 'TCP_NODELAY']) {
    await select.selectOption(opt);
    await click(s1, 'setsockopt');
    await lastCall(s1).filter({ hasText: `setsockopt(${opt}, 1)` }).waitFor();
    assert.equal(await select.inputValue(), opt, 'the select still shows what ran');
    const py = await page.locator('.transcript .py').innerText();
    const line = `s1.setsockopt(socket.${levels[opt] ?? 'SOL_SOCKET'}, socket.${opt}, 1)`;
    assert.ok(py.trim().split('\n').some((l) => l.includes(line)), `transcript has ${line}:\n${py}`);
  }
  // A card that renders again (a new socket, a bind) keeps showing what it sends.
  await select.selectOption('SO_KEEPALIVE');
  const s2 = await newSocket(page, 's2');
  await fill(s1, 'port', await freePort());
  await click(s1, 'bind');
  await waitState(s1, 'BOUND');
  assert.equal(await select.inputValue(), 'SO_KEEPALIVE');
  await click(s1, 'setsockopt');
  await lastCall(s1).filter({ hasText: 'setsockopt(SO_KEEPALIVE, 1)' }).waitFor();
  await s2.locator('details.options summary').click();
  assert.equal(await s2.getByLabel('option', { exact: true }).inputValue(), 'SO_REUSEADDR');
  await click(s2, 'setsockopt');
  await lastCall(s2).filter({ hasText: 'setsockopt(SO_REUSEADDR, 1)' }).waitFor();
  assert.deepEqual(errors, []);
});

test('a name that does not resolve draws no packets', async () => {
  const { page, errors } = await fresh();
  const s1 = await dial(page, 's1', 'no-such-host.invalid', 80);
  const err = s1.locator('[data-testid="error"]');
  await err.waitFor();
  assert.match(await err.innerText(), /gaierror/);
  await timelineRow(page, 'gaierror').waitFor();
  assert.equal(await page.locator('.timeline .arrow').count(), 0, 'no SYN, no RST');
  assert.deepEqual(errors, []);
});

test('recv, select and connect_ex leave marks; data arriving is not recv', async () => {
  const { page, errors } = await fresh();
  const s1 = await dial(page, 's1', '127.0.0.1', 20007);
  await waitState(s1, 'ESTABLISHED');
  await fill(s1, 'data', 'hello');
  await click(s1, 'send');
  // The echo reaches the receive buffer: an arrow, and no recv mark yet.
  await timelineRow(page, "→ s1's receive buffer").waitFor();
  assert.equal(await timelineRow(page, 'recv(').count(), 0);
  await click(s1, 'recv');
  await timelineRow(page, 'recv(1024) → consumed 5 B').waitFor();
  await lastCall(s1).filter({ hasText: 'recv(1024) → consumed 5 B' }).waitFor();

  // select: s1 becomes readable once the next echo arrives.
  await click(s1, 'send');
  await page.locator('.timeline .tl-row', { hasText: "→ s1's receive buffer" }).nth(1).waitFor();
  await page.locator('details.select-panel summary').click();
  await page.getByLabel('s1 in rlist', { exact: true }).check();
  await page.locator('details.select-panel').getByRole('button', { name: 'select', exact: true }).click();
  await page.locator('article.card.ready[data-sock="s1"]').waitFor();
  assert.match(await s1.locator('[data-testid="ready"]').innerText(), /ready to read/);
  await timelineRow(page, 'select: ready to read').waitFor();
  await shot(page, 'truth-select-ready');
  await click(s1, 'recv');
  await page.locator('article.card.ready').waitFor({ state: 'detached' });

  // connect_ex to a port nobody listens on: the errno, named and explained.
  const s2 = await dial(page, 's2', '127.0.0.1', await freePort(), 'connect_ex');
  const refused = '111 ECONNREFUSED — nobody listens on that port';
  await timelineRow(page, refused).waitFor();
  await lastCall(s2).filter({ hasText: refused }).waitFor();
  await timelineRow(page, 'RST  (connection refused)').waitFor();
  assert.deepEqual(errors, []);
});

test('UDP lanes are named by the UDP lab and its address', async () => {
  const { page, errors } = await fresh();
  const u = await newSocket(page, 's1', 'SOCK_DGRAM');
  await waitState(u, 'unbound');
  await fill(u, 'host', '127.0.0.1');
  await fill(u, 'port', 20007);
  await fill(u, 'data', 'ping');
  await click(u, 'sendto');
  await click(u, 'recvfrom');
  await timelineRow(page, 'recvfrom(1024) → 4 B from 127.0.0.1:20007').waitFor();
  const heads = await page.locator('.timeline .lane-head').allInnerTexts();
  assert.ok(heads.includes('udp_echo 127.0.0.1:20007'), `lanes: ${heads}`);
  assert.ok(!heads.some((h) => /tcp_echo|peer \(unknown\)/.test(h)), `lanes: ${heads}`);
  await waitState(u, 'bound');
  assert.doesNotMatch(await u.locator('.addrs').innerText(), /\bpeer\b/, 'no peer for an unconnected UDP socket');
  await shot(page, 'truth-udp-lanes');
  assert.deepEqual(errors, []);
});

/** A server s1 on `port` (with SO_REUSEADDR when `reuse`) accepts client s2
 * as s3; s3 closes first (the client sees its FIN: CLOSE_WAIT), then s2: the
 * server's side of the connection, on `port`, is left in TIME_WAIT. */
async function activeClose(page, port, reuse) {
  const s1 = await server(page, 's1', port, reuse);
  const client = await dial(page, 's2', '127.0.0.1', port);
  const conn = card(page, 's3');
  await waitState(conn, 'ESTABLISHED');
  await click(conn, 'close');
  await waitState(client, 'CLOSE_WAIT');
  await click(client, 'close');
  return { s1, conn };
}

test('TIME_WAIT shows on the timeline after an active close', async () => {
  const { page, errors } = await fresh();
  const { conn } = await activeClose(page, await freePort(), false);
  await timelineRow(page, 'kernel: TIME_WAIT').waitFor();
  assert.match(await conn.locator('[data-testid="kernel"]').innerText(), /kernel: TIME_WAIT, \d+ s left/);
  await shot(page, 'truth-time-wait');
  assert.deepEqual(errors, []);
});

test('a port held in TIME_WAIT: EADDRINUSE, unless SO_REUSEADDR comes first', async () => {
  const { page, errors } = await fresh();
  const port = await freePort();
  const { s1 } = await activeClose(page, port, true);
  await click(s1, 'close');
  await page.locator('article.card.released[data-sock="s1"]').waitFor();

  const again = await bound(page, 's4', port, false, true);
  const err = again.locator('[data-testid="error"]');
  await err.waitFor();
  assert.match(await err.innerText(), /OSError: \[Errno 98\] Address already in use/);
  await timelineRow(page, 'Errno 98').waitFor();

  // The same bind with SO_REUSEADDR set first succeeds.
  await bound(page, 's5', port, true);
  assert.deepEqual(errors, []);
});
