// Shared helpers for socklab's browser tests: launch Debian's Chromium through
// playwright-core, open the workbench, and drive socket cards by clicking.
// The relay is started by `cargo xtask e2e|test`, which sets SOCKLAB_URL,
// CHROMIUM and ARTIFACTS.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const URL = process.env.SOCKLAB_URL ?? 'http://127.0.0.1:8080/';
/** The `learn` build (lessons, recordings and replay, share links, embeds) beside it. */
export const LEARN_URL = new globalThis.URL('learn/', URL).href;
export const ARTIFACTS = process.env.ARTIFACTS ?? join(process.cwd(), '..', 'artifacts');
const TIMEOUT = 15_000;

/** Launches headless Chromium with a fresh profile and opens `url` without
 * waiting for the workbench; returns {browser, page, errors}. */
export async function launch(url = URL) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(url);
  return { browser, page, errors };
}

/** Opens the workbench and waits until it is usable (the relay said hello). */
export async function open() {
  const started = Date.now();
  const opened = await launch(URL);
  await opened.page.locator('.app[data-ready="true"]').waitFor();
  return { ...opened, readyMs: Date.now() - started };
}

/** The card of socket `handle`. */
export const card = (page, handle) => page.locator(`article.card[data-sock="${handle}"]`);

/** Clicks "new socket" with the given type and waits for card `handle`. */
export async function newSocket(page, handle, type = 'SOCK_STREAM', family = 'AF_INET') {
  await page.getByLabel('family', { exact: true }).selectOption(family);
  await page.getByLabel('type', { exact: true }).selectOption(type);
  await page.getByRole('button', { name: 'new socket' }).click();
  await card(page, handle).waitFor();
  return card(page, handle);
}

/** Fills the labelled input of a card. */
export async function fill(c, label, value) {
  await c.getByLabel(label, { exact: true }).fill(String(value));
}

/** Clicks the card's button named exactly `name`. */
export async function click(c, name) {
  await c.getByRole('button', { name, exact: true }).click();
}

/** Waits until the card's state badge reads `state`. */
export async function waitState(c, state) {
  await c.locator(`[data-testid="state"]`).filter({ hasText: new RegExp(`^${state}$`) }).waitFor();
}

/** Waits until the card shows received bytes whose text is `text`. */
export async function waitReceived(c, text) {
  await c.locator('.received pre.text').filter({ hasText: new RegExp(`^${text}$`) }).first().waitFor();
}

/** A loopback TCP port that nothing listens on now (bound, then released). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Saves a screenshot as artifacts/<name>.png (`options` go to page.screenshot,
 * e.g. `{ fullPage: true }`). */
export async function shot(page, name, options = {}) {
  await page.screenshot({ ...options, path: join(ARTIFACTS, `${name}.png`) });
}

/** Clicks `download .py` in `scope`, saves the file at `path`, then clicks `copy`
 * and checks that the clipboard holds the same text; returns the script. */
export async function downloadAndCopyPy(page, scope, path) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    scope.getByRole('button', { name: 'download .py', exact: true }).click(),
  ]);
  await dl.saveAs(path);
  const script = readFileSync(path, 'utf8');
  await scope.getByRole('button', { name: 'copy', exact: true }).click();
  await scope.locator('.transcript .hint', { hasText: 'copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== script) throw new Error(`the clipboard differs from ${path}`);
  return { script, name: dl.suggestedFilename() };
}

/** Starts a second relay (`SOCKLAB_BIN`, set by `cargo xtask e2e`) with
 * `args` (which should include `--listen 127.0.0.1:0`); resolves with
 * {child, addr} once it prints the address it listens on. */
export function startRelay(args) {
  const bin = process.env.SOCKLAB_BIN;
  if (!bin) throw new Error('SOCKLAB_BIN is set by cargo xtask e2e');
  const child = spawn(bin, args,
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`relay ${args.join(' ')} exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/socklab is running: open http:\/\/([^/\s]+)\//);
      if (m) resolve({ child, addr: m[1] });
    });
  });
}
