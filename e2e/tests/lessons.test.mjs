// Lessons in the page: the front door on / lists the lessons and links into
// the `learn` build (/learn/#lesson=ID opens the lesson), where two are completed by
// clicking (E2 the echo client, E4 connect vs connect_ex) and stay marked done
// after a reload, the same two stay not done when a step is skipped, the
// language switch turns the lessons and the page's words to Chinese and is
// remembered, progress can be reset, corrupt saved progress is ignored, and a
// lesson from `socklab --lessons DIR` appears and its check works. Progress made
// in /learn/ shows on / (the same localStorage keys): done marks and "Continue".
// Screenshots: the landing and a lesson in progress at 390, 1024 and 1440 px,
// in English and in Chinese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, card, newSocket, fill, click, waitState, freePort, shot, startRelay, URL, LEARN_URL } from '../lib.mjs';

/** Opens the workbench in a fresh browser and waits for the lesson list. */
async function openLanding(url = LEARN_URL) {
  const opened = await launch(url);
  await opened.page.locator('.app[data-ready="true"]').waitFor();
  await opened.page.locator('[data-testid="lessons"]').waitFor();
  return opened;
}

/** Runs `body(page)` on a fresh landing; the page must log no errors. */
async function onLanding(body, url = LEARN_URL) {
  const { browser, page, errors } = await openLanding(url);
  try {
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

/** Reloads the page and waits for the lesson list. */
async function reload(page) {
  await page.reload();
  await page.locator('[data-testid="lessons"]').waitFor();
}

const lessonItem = (page, id) => page.locator(`.lesson-list li[data-lesson="${id}"]`);
const lessonView = (page) => page.locator('[data-testid="lesson"]');

/** Opens lesson `id` from the landing and waits for its view. */
async function openLesson(page, id) {
  await lessonItem(page, id).getByRole('button').click();
  await lessonView(page).and(page.locator(`[data-lesson="${id}"]`)).waitFor();
}

/** The status of each checklist step, in order. */
async function steps(page) {
  return page.locator('.steps > li').evaluateAll((lis) => lis.map((li) => li.dataset.status));
}

/** Waits until the lesson view says the check is met. */
async function waitComplete(page) {
  await page.locator('[data-testid="lesson-complete"]').waitFor();
  assert.equal(await lessonView(page).getAttribute('data-done'), 'true');
}

/** Back to the landing. */
async function closeLesson(page) {
  await lessonView(page).getByRole('button', { name: /close lesson|关闭课程/ }).click();
  await page.locator('[data-testid="lessons"]').waitFor();
}

const E2 = 'e02-echo-client';
const E4 = 'e04-connect-ex';

/** E2 by clicking: a TCP socket to the echo lab, sendall, recv, close. */
async function echoClient(page, { skipSend = false } = {}) {
  const s = await newSocket(page, 's1');
  await click(s, 'connect');
  await waitState(s, 'ESTABLISHED');
  if (!skipSend) {
    await fill(s, 'data', 'hello');
    await click(s, 'sendall');
  }
  await click(s, 'recv');
  if (!skipSend) await s.locator('.received pre.text').filter({ hasText: /^hello$/ }).first().waitFor();
  await click(s, 'close');
  await s.locator('.released, [data-testid="state"]').first().waitFor();
}

/** E4 by clicking: connect to a closed port (refused), connect_ex to it
 * (111), then a listener there and connect_ex again (0). The page's sockets
 * so far are s1 … s{`before`}. */
async function connectVsConnectEx(page, { skipConnect = false, before = 0 } = {}) {
  const port = await freePort();
  const sock = (n) => newSocket(page, `s${before + n}`);
  const s1 = await sock(1);
  await fill(s1, 'port', port);
  if (!skipConnect) {
    await click(s1, 'connect');
    await s1.locator('[data-testid="error"]', { hasText: /ConnectionRefusedError/ }).waitFor();
  }
  const s2 = await sock(2);
  await fill(s2, 'port', port);
  await click(s2, 'connect_ex');
  await s2.locator('.last-call', { hasText: /111/ }).waitFor();
  const srv = await sock(3);
  await fill(srv, 'port', port);
  await click(srv, 'bind');
  await click(srv, 'listen');
  await waitState(srv, 'LISTEN');
  const s4 = await sock(4);
  await fill(s4, 'port', port);
  await click(s4, 'connect_ex');
  await waitState(s4, 'ESTABLISHED');
}

test('the front door on / lists the lessons in order, none done for a new learner, each a link into /learn/', () => onLanding(async (page) => {
  const ids = await page.locator('.lesson-list li').evaluateAll((lis) => lis.map((li) => li.dataset.lesson));
  assert.ok(ids.length >= 2, `lessons listed: ${ids}`);
  assert.deepEqual([...ids].sort(), ids, 'in the article\'s order (id order)');
  assert.ok(ids.includes(E2) && ids.includes(E4), ids.join(' '));
  assert.equal(await page.locator('.lesson-list li[data-done="true"]').count(), 0);
  assert.equal(await page.locator('.continue').count(), 0, 'no Continue before any progress');
  assert.match(await lessonItem(page, E2).innerText(), /^E2\b/);
  assert.equal(await lessonItem(page, E2).getByRole('link').getAttribute('href'), `/learn/#lesson=${E2}`);
  // The labs and the free workbench are still offered.
  await page.locator('li[data-lab="tcp_echo"]').waitFor();
  await page.getByRole('button', { name: 'open the workbench' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `lessons-landing-en-${width}`, { fullPage: true });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(sideways <= 0, `no sideways scroll at ${width} px (${sideways})`);
  }
  // The link opens the lesson in the `learn` build, and leaves no fragment behind.
  await lessonItem(page, E2).getByRole('link').click();
  await lessonView(page).and(page.locator(`[data-lesson="${E2}"]`)).waitFor();
  assert.equal(page.url(), LEARN_URL);
}, URL));

test('E2 and E4 completed by clicking are marked done, also after a reload', () => onLanding(async (page) => {
  // Keyboard: the lesson link opens with Enter.
  await lessonItem(page, E2).getByRole('button').focus();
  await page.keyboard.press('Enter');
  await lessonView(page).waitFor();
  assert.equal((await steps(page))[0], 'next', 'the first step is highlighted');
  await echoClient(page);
  await waitComplete(page);
  assert.ok((await steps(page)).every((s) => s === 'met'), `${await steps(page)}`);
  // "Lesson complete" offers the next lesson.
  await page.locator('[data-testid="lesson-complete"]').getByRole('button', { name: /^next lesson: / }).waitFor();
  await closeLesson(page);
  await openLesson(page, E4);
  await connectVsConnectEx(page, { before: 1 });
  await waitComplete(page);
  await shot(page, 'lessons-e4-complete');
  await closeLesson(page);
  for (const id of [E2, E4]) {
    assert.equal(await lessonItem(page, id).getAttribute('data-done'), 'true', id);
  }
  await reload(page);
  for (const id of [E2, E4]) {
    await lessonItem(page, id).and(page.locator('[data-done="true"]')).waitFor();
  }
  // A returning learner is offered the next lesson not done.
  assert.match(await page.locator('button.continue').innerText(), /^Continue: E\d+\b/);
  // The front door on / reads the same progress: done marks, and "Continue" links into /learn/.
  await page.goto(URL);
  for (const id of [E2, E4]) {
    await lessonItem(page, id).and(page.locator('[data-done="true"]')).waitFor();
  }
  const again = page.locator('a.continue');
  assert.match(await again.innerText(), /^Continue: E\d+\b/);
  assert.match(await again.getAttribute('href'), /^\/learn\/#lesson=e\d+/);
}));

test('E2 and E4 with a step skipped are not marked done', () => onLanding(async (page) => {
  await openLesson(page, E2);
  await echoClient(page, { skipSend: true });
  assert.equal(await lessonView(page).getAttribute('data-done'), 'false');
  assert.ok((await steps(page)).includes('next'), `${await steps(page)}`);
  assert.equal(await page.locator('[data-testid="lesson-complete"]').count(), 0);
  await closeLesson(page);
  // Sockets of the last lesson stay: E4 starts on a fresh page.
  await reload(page);
  await openLesson(page, E4);
  await connectVsConnectEx(page, { skipConnect: true });
  assert.equal(await lessonView(page).getAttribute('data-done'), 'false');
  await closeLesson(page);
  for (const id of [E2, E4]) {
    assert.equal(await lessonItem(page, id).getAttribute('data-done'), 'false', id);
  }
}));

test('hints one at a time; the language switch is remembered; screenshots of a lesson in progress', () => onLanding(async (page) => {
  await openLesson(page, E2);
  const hints = page.locator('.hint-list li');
  assert.equal(await hints.count(), 0);
  await page.getByRole('button', { name: 'show a hint' }).click();
  await hints.first().waitFor();
  assert.equal(await hints.count(), 1);
  const s = await newSocket(page, 's1');
  await click(s, 'connect');
  await waitState(s, 'ESTABLISHED');
  await page.locator('.steps > li[data-status="met"]').first().waitFor();
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `lessons-progress-en-${width}`, { fullPage: true });
  }
  await page.getByRole('button', { name: '中文', exact: true }).click();
  await page.locator('html[lang="zh-Hans"]').waitFor();
  assert.match(await lessonView(page).locator('h2').innerText(), /课程/);
  assert.match(await lessonView(page).innerText(), /[\u4e00-\u9fff]/);
  assert.equal(await page.getByRole('button', { name: '中文', exact: true }).getAttribute('aria-pressed'), 'true');
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `lessons-progress-zh-${width}`, { fullPage: true });
  }
  await reload(page);
  await page.locator('html[lang="zh-Hans"]').waitFor();
  assert.match(await page.locator('#first-step-title').innerText(), /从这里开始/);
  assert.match(await page.locator('[data-testid="lessons"] h3').innerText(), /课程/);
  // The hint revealed before the reload is still revealed, and "Continue" brings the lesson back.
  await page.locator('button.continue', { hasText: /^继续: E2\b/ }).click();
  await lessonView(page).waitFor();
  assert.equal(await page.locator('.hint-list li').count(), 1);
  await closeLesson(page);
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `lessons-landing-zh-${width}`, { fullPage: true });
  }
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.locator('html[lang="en"]').waitFor();
}));

test('reset progress asks first; corrupt saved progress is ignored', () => onLanding(async (page) => {
  await page.evaluate(() => localStorage.setItem('socklab.lessons.v1',
    JSON.stringify({ done: ['e02-echo-client'], current: 'e02-echo-client', hints: {} })));
  await reload(page);
  await lessonItem(page, E2).and(page.locator('[data-done="true"]')).waitFor();
  await page.getByRole('button', { name: 'Reset progress' }).click();
  // Nothing is forgotten until the learner confirms.
  assert.equal(await lessonItem(page, E2).getAttribute('data-done'), 'true');
  await page.getByRole('button', { name: 'keep my progress' }).click();
  assert.equal(await lessonItem(page, E2).getAttribute('data-done'), 'true');
  await page.getByRole('button', { name: 'Reset progress' }).click();
  await page.getByRole('button', { name: 'yes, reset' }).click();
  await lessonItem(page, E2).and(page.locator('[data-done="false"]')).waitFor();
  await reload(page);
  assert.equal(await lessonItem(page, E2).getAttribute('data-done'), 'false');

  await page.evaluate(() => {
    localStorage.setItem('socklab.lessons.v1', '{"done": [tru');
    localStorage.setItem('socklab.lang.v1', 42);
  });
  await reload(page);
  assert.equal(await page.locator('.lesson-list li[data-done="true"]').count(), 0);
  await openLesson(page, E2);
}));

/** A teacher's lesson: an echo server on loopback, checked by the lesson's
 * own client (a probe) that sends "ping" and expects it back. */
const TEACHER_LESSON = `
id = "t01-echo-server"
title = { en = "Teacher: an echo server", zh = "老师的课：回显服务器" }
goal = { en = "Serve one client: send back what it sends." }
concept = { en = "The lesson's own client connects to your server and checks the echo." }
hints = [ { en = "bind, listen, accept, recv, then sendall the same bytes." } ]

[[check]]
say = { en = "A socket is bound" }
expect = { call = "bind", args = { sock = "$srv" }, ok = { addr = "$addr" } }

[[check]]
say = { en = "It listens" }
expect = { call = "listen", args = { sock = "$srv" }, ok = {} }

[[check]]
say = { en = "The lesson's client gets its bytes back" }
probe = { connect = "$addr", clients = 1, send = ["ping"], expect = "echo", timeout_ms = 60000 }
`;

test('a lesson from --lessons DIR appears and its check works, probe client included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-lessons-'));
  writeFileSync(join(dir, 't01-echo-server.toml'), TEACHER_LESSON);
  // The same lesson, impatient: its client gives up after 2 s without a reply.
  writeFileSync(join(dir, 't02-impatient.toml'), TEACHER_LESSON
    .replace('t01-echo-server', 't02-impatient').replace('timeout_ms = 60000', 'timeout_ms = 2000'));
  // No labs: the main relay holds their ports. This relay serves the page too.
  const { child, addr } = await startRelay(['--listen', '127.0.0.1:0', '--no-labs',
    '--lessons', dir, '--ui-dir', '../dist']);
  try {
    await onLanding(async (page) => {
      const ids = await page.locator('.lesson-list li').evaluateAll((lis) => lis.map((li) => li.dataset.lesson));
      assert.ok(ids.includes('t01-echo-server') && ids.includes(E2), ids.join(' '));
      await openLesson(page, 't01-echo-server');
      const port = await freePort();
      const srv = await newSocket(page, 's1');
      await fill(srv, 'port', port);
      await click(srv, 'bind');
      await click(srv, 'listen');
      await waitState(srv, 'LISTEN');
      // The check runs its own client against the server, on the timeline as the lesson's.
      await page.locator('.probe-run', { hasText: `the lesson's client is connecting to your server at 127.0.0.1:${port}` }).waitFor();
      await page.locator('.lane-head', { hasText: "lesson's client 1" }).first().waitFor();
      await shot(page, 'lessons-probe-running');
      await click(srv, 'accept');
      const conn = card(page, 's3');
      await conn.waitFor();
      await click(conn, 'recv');
      await conn.locator('.received pre.text').filter({ hasText: /^ping$/ }).first().waitFor();
      await fill(conn, 'data', 'ping');
      await click(conn, 'sendall');
      await waitComplete(page);
      assert.deepEqual(await steps(page), ['met', 'met', 'met']);
      await closeLesson(page);
      assert.equal(await lessonItem(page, 't01-echo-server').getAttribute('data-done'), 'true');

      // A server that never answers: the probe's step is broken, saying why.
      await openLesson(page, 't02-impatient');
      const quiet = await newSocket(page, 's4');
      await fill(quiet, 'port', await freePort());
      await click(quiet, 'bind');
      await click(quiet, 'listen');
      const broken = page.locator('.steps > li[data-status="broken"]');
      await broken.locator('.probe-failed').waitFor({ timeout: 30_000 });
      assert.match(await broken.innerText(), /start again/);
      assert.deepEqual(await steps(page), ['met', 'met', 'broken']);
      await shot(page, 'lessons-probe-failed');
      await closeLesson(page);
      assert.equal(await lessonItem(page, 't02-impatient').getAttribute('data-done'), 'false');
    }, `http://${addr}/learn/`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
