// The first step: the landing lists every lab with its address and what it is
// for, one click starts the echo exercise (a socket whose card already holds the
// echo lab's address), clicking connect / send / recv completes it, and a denied
// bind shows the learner's sentence first with the relay's rule and flag as a
// secondary line. Screenshots of the landing at 390, 1024 and 1440 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, card, newSocket, fill, click, waitState, waitReceived, shot } from '../lib.mjs';

let browser, page, errors;

before(async () => {
  ({ browser, page, errors } = await open());
});

after(async () => {
  await browser?.close();
});

const landing = () => page.locator('[data-testid="first-step"]');

test('the landing lists each lab with its address and purpose', async () => {
  await landing().waitFor();
  const expected = {
    tcp_echo: ['127.0.0.1:20007', /sends back/],
    udp_echo: ['127.0.0.1:20007', /datagram back/],
    chat: ['127.0.0.1:20023', /chat room/],
    http: ['127.0.0.1:20080', /http\.client/],
    ftp: ['127.0.0.1:20021', /learner \/ learner/],
  };
  for (const [name, [addr, purpose]] of Object.entries(expected)) {
    const item = landing().locator(`li[data-lab="${name}"]`);
    assert.equal(await item.locator('.lab-addr').innerText(), addr, name);
    assert.match(await item.innerText(), purpose, name);
  }
  assert.match(await landing().innerText(), /First exercise: the echo exchange/);
  assert.match(await page.locator('[data-testid="first-next"]').innerText(), /start the echo exercise/);
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `first-step-${width}`, { fullPage: true });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(sideways <= 0, `no sideways scroll at ${width} px (${sideways})`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('one click starts the echo exercise; clicking connect, send and recv completes it', async () => {
  await page.getByRole('button', { name: 'start the echo exercise' }).click();
  const s1 = card(page, 's1');
  await s1.waitFor();
  assert.equal(await s1.getByLabel('host', { exact: true }).inputValue(), '127.0.0.1');
  assert.equal(await s1.getByLabel('port', { exact: true }).inputValue(), '20007');
  const next = page.locator('[data-testid="first-next"]');
  await next.filter({ hasText: /click connect/ }).waitFor();

  await click(s1, 'connect');
  await waitState(s1, 'ESTABLISHED');
  await next.filter({ hasText: /click send, then click recv/ }).waitFor();
  await fill(s1, 'data', 'hello');
  await click(s1, 'send');
  await click(s1, 'recv');
  await waitReceived(s1, 'hello');
  await next.filter({ hasText: /s1\.recv\(\) returned b'hello'/ }).waitFor();
  assert.match(await page.locator('.py').innerText(), /s1\.connect\(\("127\.0\.0\.1", 20007\)\)/);
});

test('a denied bind shows the learner sentence first and the operator detail second', async () => {
  const s2 = await newSocket(page, 's2');
  await fill(s2, 'host', '127.0.0.1');
  await fill(s2, 'port', 80);
  await click(s2, 'bind');
  const line = s2.locator('[data-testid="error"]');
  const detail = s2.locator('[data-testid="error-detail"]');
  await detail.waitFor();
  const said = await line.innerText();
  assert.match(said, /^socklab\.not_allowed: bind to 127\.0\.0\.1:80 is denied: ports below 1024 are privileged/);
  assert.match(said, /pick a port from 1024 to 65535/);
  assert.doesNotMatch(said, /--allow-bind/);
  assert.match(await detail.innerText(), /^for whoever runs the relay: .*--allow-bind 127\.0\.0\.1:80/);
  const order = await line.evaluate((a, b) => a.compareDocumentPosition(b), await detail.elementHandle());
  assert.ok(order & 4, 'the detail follows the learner line');
  // The detail is the secondary line: smaller than the learner's.
  const size = (l) => l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok((await size(detail)) < (await size(line)), 'the detail is smaller');
  // The transcript comments the call out and keeps the detail as a comment.
  const py = page.locator('.py');
  await py.locator('.err-detail', { hasText: '--allow-bind 127.0.0.1:80' }).waitFor();
  assert.match(await py.locator('.err-detail').last().innerText(), /^# for whoever runs the relay: /);
  await shot(page, 'first-step-denied-bind');
});

test('the landing folds away and opens again, by keyboard too', async () => {
  const hide = landing().getByRole('button', { name: /hide/ });
  await hide.click();
  const show = page.getByRole('button', { name: /Lab servers and a first exercise/ });
  await show.waitFor();
  assert.equal(await show.getAttribute('aria-expanded'), 'false');
  assert.equal(await landing().count(), 0);
  await show.focus();
  await page.keyboard.press('Enter');
  await landing().waitFor();
  assert.equal(await landing().getByRole('button', { name: /hide/ }).getAttribute('aria-expanded'), 'true');
  assert.deepEqual(errors, []);
});
