// The page at phone, tablet and desktop widths (390, 1024 and 1440 px), asserted
// from layout rather than eyeballed: at each width the workbench is driven by
// clicking (a TCP echo exchange with the echo lab, an own server with its client,
// a connected UDP socket, a refused connect), then the HTTP, FTP and Mail tabs are
// used; the relay dropdown and the lost-relay banner are shown too. Every view
// must have no horizontal scroll, no control covered by another element, no text
// spilling out of its panel, and text contrast that meets WCAG AA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  launch, open, card, newSocket, fill, click, waitReceived, shot, freePort, ARTIFACTS, URL,
} from '../lib.mjs';

// LAYOUT_WIDTHS=320,768 checks other widths (a comma-separated list).
const WIDTHS = (process.env.LAYOUT_WIDTHS ?? '390,1024,1440').split(',').map(Number);
const HEIGHT = 860;

/** The panels text must stay inside; the boxes whose own text must fit them. */
const PANELS = '.top, .tabs, .banner, .auth, .new-socket, article.card, .select-panel, '
  + '.timeline, .transcript, .http-panel, .ftp-panel, .mail-panel, .first-step, .lesson';
const TIGHT = '.tl-row, .tl-heads, .card-head';

/** Measures the current view in the page; returns every finding, grouped. Runs in
 * the browser (passed to page.evaluate), so it must be self-contained. */
function measure({ panels, tight }) {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0
      && el.checkVisibility({ checkVisibilityCSS: true, checkOpacity: false });
  };
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += `#${e.id}`;
      for (const c of e.classList) s += `.${c}`;
      for (const a of ['data-sock', 'aria-label', 'data-testid']) {
        if (e.hasAttribute(a)) s += `[${a}="${e.getAttribute(a)}"]`;
      }
      parts.unshift(s);
    }
    const text = (typeof el.value === 'string' ? el.value : el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${parts.join(' > ')} "${text}"`;
  };
  const ownText = (el) => [...el.childNodes]
    .filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '');
  const isControl = (el) => el.matches('input:not([type=checkbox]):not([type=radio]):not([type=file]), select, textarea');
  const textBearers = [...document.body.querySelectorAll('*')]
    .filter((el) => (ownText(el).length > 0 || isControl(el)) && shown(el));

  // 1. Horizontal scroll of the page.
  const page = { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth };

  // 2. Controls under something else (each scrolled into view first; every
  // scroll position is put back afterwards, for the screenshot).
  const scrolled = [...document.querySelectorAll('*')]
    .filter((el) => el.scrollTop !== 0 || el.scrollLeft !== 0)
    .map((el) => [el, el.scrollLeft, el.scrollTop]);
  const covered = [];
  for (const el of document.querySelectorAll('button, input, select, textarea')) {
    if (!shown(el) || (el.type === 'file' && getComputedStyle(el).opacity === '0')) continue;
    el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!(hit && (hit === el || el.contains(hit)))) {
      covered.push(`${describe(el)} is under ${hit ? describe(hit) : 'nothing (off screen)'}`);
    }
  }
  for (const el of document.querySelectorAll('*')) {
    if (el.scrollTop !== 0 || el.scrollLeft !== 0) el.scrollTo({ left: 0, top: 0, behavior: 'instant' });
  }
  for (const [el, left, top] of scrolled) el.scrollTo({ left, top, behavior: 'instant' });
  window.scrollTo({ left: 0, top: 0, behavior: 'instant' });

  // 3. Text outside its panel (or, for the tight boxes, outside that box): the
  // text's own rectangle, clipped by every overflow-hiding ancestor up to the box.
  const visibleTextRect = (node, box) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    let { left, right } = range.getBoundingClientRect();
    for (let e = node.parentElement; e && e !== box; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') {
        const r = e.getBoundingClientRect();
        left = Math.max(left, r.left);
        right = Math.min(right, r.right);
      }
    }
    return { left, right };
  };
  const spills = [];
  const checkInside = (box, kind) => {
    const b = box.getBoundingClientRect();
    for (const el of textBearers) {
      if (!box.contains(el)) continue;
      for (const node of ownText(el)) {
        const { left, right } = visibleTextRect(node, box);
        if (right - left <= 0) continue;
        if (left < b.left - 1 || right > b.right + 1) {
          spills.push(`${describe(el)} spills out of its ${kind} ${describe(box)}: text ${left.toFixed(0)}–${right.toFixed(0)}, ${kind} ${b.left.toFixed(0)}–${b.right.toFixed(0)}`);
        }
      }
    }
  };
  for (const p of document.querySelectorAll(panels)) if (shown(p)) checkInside(p, 'panel');
  for (const t of document.querySelectorAll(tight)) if (shown(t)) checkInside(t, 'box');
  // Boxes that must not scroll sideways: their content fits unless it is an
  // ellipsis (then the full text must be reachable some other way: see `truncated`).
  for (const t of document.querySelectorAll(tight)) {
    if (shown(t) && t.scrollWidth > t.clientWidth + 1 && getComputedStyle(t).textOverflow !== 'ellipsis') {
      spills.push(`${describe(t)} is wider inside (${t.scrollWidth}) than its box (${t.clientWidth})`);
    }
  }
  const truncated = textBearers
    .filter((el) => getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${describe(el)}${el.title ? ' (has title)' : ' (no title)'}`);

  // 4. WCAG AA contrast of each text against what is behind it.
  const rgba = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const v = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  // The background behind point (x, y) of `el`: the first opaque background up
  // the tree, under the translucent ones above it. Ancestors whose box does not
  // reach the point (a timeline mark's dot beside its label) are not behind it;
  // from the first scrolling ancestor up that cannot be told from boxes (the
  // point may be scrolled out of view), so every ancestor counts.
  const backgroundOf = (el, x, y) => {
    const layers = [];
    let scrolled = false;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (e !== el && (cs.overflowX !== 'visible' || cs.overflowY !== 'visible')) scrolled = true;
      const r = e.getBoundingClientRect();
      const behind = x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
      if (!scrolled && !behind && e !== document.documentElement) continue;
      const c = rgba(cs.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const luminance = ([r, g, b]) => {
    const lin = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const lowContrast = [];
  for (const el of textBearers) {
    // Inactive controls are exempt (WCAG 1.4.3).
    if (el.closest(':disabled')) continue;
    const cs = getComputedStyle(el);
    // The middle of the text as shown: an ellipsis cuts it at the element's edge.
    const text = ownText(el)[0];
    const range = document.createRange();
    if (text) range.selectNodeContents(text);
    let { left, right, top, bottom } = (text ? range : el).getBoundingClientRect();
    if (cs.overflowX !== 'visible') {
      const own = el.getBoundingClientRect();
      [left, right] = [Math.max(left, own.left), Math.min(right, own.right)];
    }
    const [x, y] = [(left + right) / 2, (top + bottom) / 2];
    let bg = backgroundOf(el, x, y);
    let fg = over(rgba(cs.color), bg);
    // Translucent ancestors (a released card) fade text and background alike
    // into whatever lies behind the outermost of them.
    let opacity = 1;
    let outer = null;
    for (let e = el; e; e = e.parentElement) {
      const o = Number(getComputedStyle(e).opacity);
      if (o < 1) { opacity *= o; outer = e; }
    }
    if (outer) {
      const behind = outer.parentElement ? backgroundOf(outer.parentElement, x, y) : [255, 255, 255, 1];
      fg = over([...fg.slice(0, 3), opacity], behind);
      bg = over([...bg.slice(0, 3), opacity], behind);
    }
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const px = parseFloat(cs.fontSize);
    const large = px >= 24 || (px >= 18.66 && Number(cs.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    if (ratio < need) {
      const hex = (c) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
      lowContrast.push(`${describe(el)}: ${ratio.toFixed(2)} < ${need} (${hex(fg)} on ${hex(bg)})`);
    }
  }
  return { page, covered, spills, truncated, lowContrast };
}

/** Measures the view, saves its screenshot and findings, and asserts them;
 * `dropdown`: an open dropdown covers controls by design, so they are not checked. */
async function audit(page, name, findings, { dropdown = false } = {}) {
  const m = await page.evaluate(measure, { panels: PANELS, tight: TIGHT });
  await shot(page, name, { fullPage: true });
  findings[name] = m;
  writeFileSync(join(ARTIFACTS, 'layout-findings.json'), JSON.stringify(findings, null, 2));
  const list = (xs) => `\n  ${xs.join('\n  ')}`;
  assert.ok(m.page.scrollWidth <= m.page.innerWidth,
    `${name}: the page scrolls sideways (scrollWidth ${m.page.scrollWidth} > ${m.page.innerWidth})`);
  if (!dropdown) assert.deepEqual(m.covered, [], `${name}: controls covered by other elements:${list(m.covered)}`);
  assert.deepEqual(m.spills, [], `${name}: text outside its panel:${list(m.spills)}`);
  assert.deepEqual(m.lowContrast, [], `${name}: text below WCAG AA contrast:${list(m.lowContrast)}`);
}

/** The socket workbench with a few sockets and a timeline with long rows. */
async function useSockets(page) {
  // An echo exchange with the TCP echo lab (the card's default address).
  const echo = await newSocket(page, 's1');
  await click(echo, 'connect');
  await fill(echo, 'data', 'hello from a narrow screen');
  await click(echo, 'send');
  await click(echo, 'recv');
  await waitReceived(echo, 'hello from a narrow screen');
  await click(echo, 'close');
  await page.locator('article.card.released[data-sock="s1"]').waitFor();

  // An own server, its client and the accepted connection.
  const port = await freePort();
  const server = await newSocket(page, 's2');
  await fill(server, 'port', port);
  await click(server, 'bind');
  await click(server, 'listen');
  await click(server, 'accept');
  const client = await newSocket(page, 's3');
  await fill(client, 'port', port);
  await click(client, 'connect');
  const conn = card(page, 's4');
  await conn.waitFor();
  await fill(client, 'data', 'data');
  await click(client, 'send');
  await click(conn, 'recv');
  await waitReceived(conn, 'data');

  // A connected UDP socket talking to the UDP echo lab.
  const udp = await newSocket(page, 's5', 'SOCK_DGRAM');
  await click(udp, 'connect');
  await fill(udp, 'data', 'ping');
  await click(udp, 'send');
  await click(udp, 'recv');
  await waitReceived(udp, 'ping');

  // A refused connect: an error on the card and in the transcript.
  const refused = await newSocket(page, 's6');
  await fill(refused, 'port', await freePort());
  await click(refused, 'connect');
  await refused.locator('[data-testid="error"]').waitFor();

  await page.locator('details.select-panel > summary').click();
  await page.locator('.tl-row.k-data').last().click();
  await page.locator('.tl-detail pre.hex').waitFor();
}

async function useHttp(page) {
  await page.getByRole('tab', { name: 'HTTP' }).click();
  const panel = page.locator('section.http-panel');
  await panel.getByRole('button', { name: 'Send', exact: true }).click();
  await panel.locator('[data-testid="status-line"]', { hasText: '200 OK' }).waitFor();
}

async function useHttpSteps(page) {
  const panel = page.locator('section.http-panel');
  await panel.getByRole('button', { name: 'step by step', exact: true }).click();
  await panel.getByLabel('step host', { exact: true }).waitFor();
}

async function useFtp(page) {
  await page.getByRole('tab', { name: 'FTP' }).click();
  const panel = page.locator('section.ftp-panel');
  await panel.getByLabel('ftp user', { exact: true }).fill('learner');
  await panel.getByLabel('ftp password', { exact: true }).fill('learner');
  await panel.getByRole('button', { name: 'connect and log in', exact: true }).click();
  const file = panel.locator('tr.remote[data-name="welcome.txt"]');
  await Promise.all([
    page.waitForEvent('download'),
    file.getByRole('button', { name: 'download', exact: true }).click(),
  ]);
  await panel.locator('.transfer[data-name="welcome.txt"][data-done="true"]').waitFor();
}

/** The Mail tab: a message sent in one call and fetched over POP3. */
async function useMail(page) {
  await page.getByRole('tab', { name: 'Mail' }).click();
  const panel = page.locator('section.mail-panel');
  await panel.getByRole('button', { name: 'send in one call: sendmail()', exact: true }).click();
  await panel.getByRole('button', { name: 'open the mailbox', exact: true }).click();
  await panel.locator('.mail-list tr[data-msg]').first().getByRole('button', { name: 'retr', exact: true }).click();
  await panel.locator('[data-testid="mail-message"]').waitFor();
}

const findings = {};

for (const width of WIDTHS) {
  test(`at ${width} px: no sideways scroll, nothing covered, text fits and is readable`, async () => {
    const { browser, page, errors } = await open();
    try {
      await page.setViewportSize({ width, height: HEIGHT });
      // The landing (labs and the first exercise), before any socket exists.
      await page.locator('[data-testid="first-step"]').waitFor();
      await audit(page, `layout-${width}-landing`, findings);
      // A lesson beside the workbench (picture, errata, a hint), in both languages:
      // the front door's link opens it in the `learn` build (/learn/).
      await page.locator('.lesson-list li[data-lesson="e02-echo-client"] a').click();
      await page.locator('[data-testid="lesson"]').waitFor();
      await page.getByRole('button', { name: 'show a hint', exact: true }).click();
      await audit(page, `layout-${width}-lesson`, findings);
      await page.getByRole('button', { name: '中文', exact: true }).click();
      await page.locator('html[lang="zh-Hans"]').waitFor();
      await audit(page, `layout-${width}-lesson-zh`, findings);
      await page.getByRole('button', { name: 'EN', exact: true }).click();
      await audit(page, `layout-${width}-learn-tools`, findings);
      // Back to the workbench at /.
      await page.goto(URL);
      await page.locator('.app[data-ready="true"]').waitFor();
      await useSockets(page);
      await audit(page, `layout-${width}`, findings);
      await page.locator('details.hello > summary').click();
      await audit(page, `layout-${width}-hello`, findings, { dropdown: true });
      await page.locator('details.hello > summary').click();
      await useHttp(page);
      await audit(page, `layout-${width}-http`, findings);
      await useHttpSteps(page);
      await audit(page, `layout-${width}-http-steps`, findings);
      await useFtp(page);
      await audit(page, `layout-${width}-ftp`, findings);
      await useMail(page);
      await audit(page, `layout-${width}-mail`, findings);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}

test('at 390 px: the lost-relay banner wraps and is readable', async () => {
  const { browser, page } = await launch(`${URL}?relay=ws://127.0.0.1:${await freePort()}/ws`);
  try {
    await page.setViewportSize({ width: 390, height: HEIGHT });
    await page.locator('.banner-lost').waitFor();
    await audit(page, 'layout-390-lost', findings);
  } finally {
    await browser.close();
  }
});
