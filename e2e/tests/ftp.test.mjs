// The FTP panel in real headless Chromium against the real relay and its FTP
// lab: log in as learner, list, download a file to disk, upload one from disk,
// download it back (same bytes), delete it; the control channel shows decoded
// PASV replies and each data connection gets a lane named after its command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndCopyPy, open, shot, ARTIFACTS } from '../lib.mjs';

let browser, page, errors, panel;

before(async () => {
  ({ browser, page, errors } = await open());
  await page.getByRole('tab', { name: 'FTP' }).click();
  panel = page.locator('section.ftp-panel');
  await panel.waitFor();
});

/** The learner's disk: where the uploaded file comes from. */
const disk = mkdtempSync(join(tmpdir(), 'socklab-ftp-e2e-'));

after(async () => {
  await browser?.close();
  rmSync(disk, { recursive: true, force: true });
});

const btn = (name) => panel.getByRole('button', { name, exact: true });
const row = (name) => panel.locator(`tr.remote[data-name="${name}"]`);

/** Clicks `button` of a listing row and returns the file the browser saved. */
async function download(name) {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    row(name).getByRole('button', { name: 'download', exact: true }).click(),
  ]);
  assert.equal(dl.suggestedFilename(), name);
  return readFileSync(await dl.path());
}

test('log in as learner and list the home directory', async () => {
  assert.equal(await panel.getByLabel('ftp port', { exact: true }).inputValue(), '20021');
  await panel.getByLabel('ftp user', { exact: true }).fill('learner');
  // A wrong password first: ftplib's exception, then a retry on the same connection.
  await panel.getByLabel('ftp password', { exact: true }).fill('wrong');
  await btn('connect and log in').click();
  await panel.locator('[data-testid="ftp-status"].err', { hasText: /^ftplib\.error_perm: 530/ }).waitFor();
  await panel.getByLabel('ftp password', { exact: true }).fill('learner');
  await btn('log in').click();
  await row('welcome.txt').waitFor();
  await row('uploads').waitFor();
  assert.equal(await panel.locator('[data-testid="ftp-pwd"]').textContent(), '/');
  const control = await panel.locator('.control-log').innerText();
  assert.match(control, /PASS \*\*\*\*/);
  assert.doesNotMatch(control, /PASS learner/);
  // The 227 reply is decoded into the address and port it names.
  const decoded = await panel.locator('.pasv-decoded').first().textContent();
  assert.match(decoded, /^data address 127\.0\.0\.1:(\d+) {2}\(port = (\d+)×256 \+ (\d+)\)$/);
  const [, port, p1, p2] = decoded.match(/:(\d+) .*= (\d+)×256 \+ (\d+)/);
  assert.equal(Number(port), Number(p1) * 256 + Number(p2));
  await panel.locator('.ftp-lane-head', { hasText: 'LIST' }).first().waitFor();
});

test('download welcome.txt to disk', async () => {
  const bytes = await download('welcome.txt');
  assert.equal(bytes.length, 76);
  assert.match(bytes.toString(), /^Welcome to the socklab FTP lab!\r\n/);
  await panel.locator('.transfer[data-name="welcome.txt"][data-done="true"]').waitFor();
  const lane = panel.locator('.ftp-lane', { hasText: 'RETR welcome.txt' });
  await lane.locator('.step', { hasText: 'close after 76 bytes' }).waitFor();
  await panel.locator('.ctl .lane-link').first().waitFor();
});

test('download the 1 MiB sample with a progress bar', async () => {
  await row('binary').getByRole('button', { name: 'cd', exact: true }).click();
  await panel.locator('[data-testid="ftp-pwd"]', { hasText: '/binary' }).waitFor();
  const bytes = await download('sample-1MiB.bin');
  assert.equal(bytes.length, 1048576);
  const bar = panel.locator('.transfer[data-name="sample-1MiB.bin"][data-done="true"] progress');
  assert.equal(await bar.getAttribute('value'), '1048576');
  assert.equal(await bar.getAttribute('max'), '1048576');
  await panel.locator('.ftp-lane', { hasText: 'RETR sample-1MiB.bin' })
    .locator('.step', { hasText: /^\d+ blocks, 1048576 bytes$/ }).waitFor();
  await btn('up').click();
  await row('uploads').waitFor();
});

test('upload a file from disk, get the same bytes back, delete it', async () => {
  await row('uploads').getByRole('button', { name: 'cd', exact: true }).click();
  await panel.locator('[data-testid="ftp-pwd"]', { hasText: '/uploads' }).waitFor();
  const name = `e2e-${Date.now()}-${process.pid}.bin`;
  const local = join(disk, name);
  const data = randomBytes(200 * 1024);
  writeFileSync(local, data);
  await panel.getByLabel('file to upload', { exact: true }).setInputFiles(local);
  await btn('upload').click();
  await row(name).waitFor();
  const up = panel.locator(`.transfer[data-name="${name}"][data-done="true"]`);
  await up.waitFor();
  assert.equal(await up.locator('progress').getAttribute('value'), String(data.length));
  assert.match(await up.innerText(), /226/);
  assert.equal(await row(name).locator('.size').textContent(), `${data.length} B`);

  const back = await download(name);
  assert.ok(back.equals(data), 'downloaded bytes equal the uploaded ones');

  await row(name).getByRole('button', { name: 'delete', exact: true }).click();
  await row(name).waitFor({ state: 'detached' });
  await panel.locator('[data-testid="ftp-status"]', { hasText: /^\/uploads|250|226/ }).waitFor();

  const py = await panel.locator('[data-testid="ftp-python"]').innerText();
  for (const line of [
    'ftp = ftplib.FTP()',
    'print(ftp.connect("127.0.0.1", 20021, timeout=10))',
    'print(ftp.login("learner", "wrong"))',
    'ftplib.error_perm: 530',
    'print(ftp.login("learner", "learner"))',
    'with open("welcome.txt", "wb") as f: print(ftp.retrbinary("RETR welcome.txt", f.write))',
    `with open("${name}", "rb") as f: print(ftp.storbinary("STOR ${name}", f))`,
    `print(ftp.delete("${name}"))`,
  ]) {
    assert.ok(py.includes(line), `transcript has ${line}:\n${py}`);
  }
  await shot(page, 'ftp-panel');
});

test('active mode opens the data connection the other way', async () => {
  await panel.getByLabel('passive mode', { exact: true }).click();
  await panel.locator('.calls, [data-testid="ftp-python"]', { hasText: 'ftp.set_pasv(False)' }).waitFor();
  await btn('list').click();
  await panel.locator('.ftp-lane .step', { hasText: /^open active / }).first().waitFor();
  await panel.locator('.ctl', { hasText: /^→ PORT / }).first().waitFor();
});

const py = () => panel.locator('[data-testid="ftp-python"]');
const status = () => panel.locator('[data-testid="ftp-status"]');

test('mkd() and pwd() show their return values; the page\'s own re-reading is not transcribed', async () => {
  await panel.getByLabel('new directory', { exact: true }).fill('new');
  await btn('mkdir').click();
  await status().filter({ hasText: /^\/uploads\/new$/ }).waitFor();
  assert.equal(await status().getAttribute('class'), 'ftp-status ok');
  await row('new').waitFor();
  await py().locator('.py-entry', { hasText: 'print(ftp.mkd("new"))' })
    .locator('.py-out[data-output="/uploads/new"]').waitFor();
  await btn('pwd').click();
  await py().locator('.py-entry', { hasText: 'print(ftp.pwd())' })
    .locator('.py-out[data-output="/uploads"]').waitFor();
  await status().filter({ hasText: /^\/uploads$/ }).waitFor();
  // Only the learner's calls: one pwd() (the button), one dir() ("list").
  const text = await py().innerText();
  assert.equal((text.match(/ftp\.pwd\(\)/g) ?? []).length, 1, text);
  assert.equal((text.match(/ftp\.dir\(/g) ?? []).length, 1, text);
});

test('nothing runs after quit(): no pwd/dir, no Errno 9, the browser is gone', async () => {
  await btn('quit').click();
  await panel.locator('[data-testid="ftp-listing"]').waitFor({ state: 'detached' });
  await status().filter({ hasText: /^221/ }).waitFor();
  await btn('connect and log in').and(page.locator(':enabled')).waitFor();
  const lines = (await py().innerText()).trimEnd().split('\n');
  const quit = lines.findLastIndex((l) => l === 'print(ftp.quit())');
  assert.ok(quit > 0, lines.join('\n'));
  assert.deepEqual(lines.slice(quit + 1).filter((l) => !/^221/.test(l)), [], lines.join('\n'));
  assert.doesNotMatch(lines.join('\n'), /Errno 9|OSError/);
  for (const name of ['pwd', 'list', 'up', 'quit', 'mkdir', 'upload']) {
    assert.equal(await btn(name).count(), 0, `no ${name} button without a connection`);
  }
  assert.match(await status().getAttribute('class'), /\bok\b/);
});

test('the FTP tab copies and downloads its .py, and python3 prints what the page shows', async () => {
  const path = join(disk, 'socklab_ftp.py');
  const { script, name } = await downloadAndCopyPy(page, panel, path);
  assert.equal(name, 'socklab_ftp.py');
  writeFileSync(join(ARTIFACTS, 'socklab_ftp.py'), script);
  const expected = (await py().getAttribute('data-expected')).split('\n');
  assert.ok(expected.includes('/uploads/new'), expected.join('\n'));
  assert.match(expected.at(-1), /^221/);
  // Run where the uploaded file is (the script opens it by name).
  const out = execFileSync('python3', [path], { cwd: disk, timeout: 60_000, encoding: 'utf8' });
  writeFileSync(join(ARTIFACTS, 'socklab_ftp.out'), out);
  assert.deepEqual(out.trimEnd().split('\n'), expected, script);
});

test('anonymous is read-only: a failed delete and a failed upload read as failures', async () => {
  await panel.getByLabel('ftp user', { exact: true }).fill('anonymous');
  await panel.getByLabel('ftp password', { exact: true }).fill('');
  await btn('connect and log in').click();
  await row('welcome.txt').waitFor();
  await row('welcome.txt').getByRole('button', { name: 'delete', exact: true }).click();
  const failed = panel.locator('[data-testid="ftp-status"].err', { hasText: /^ftplib\.error_perm: 5\d\d/ });
  await failed.waitFor();
  await py().locator('.py-entry', { hasText: 'print(ftp2.delete("welcome.txt"))' })
    .locator('.py-err', { hasText: /^ftplib\.error_perm: 5\d\d/ }).waitFor();
  // The failure stays: no re-reading overwrites it with a green 226.
  await btn('pwd').and(page.locator(':enabled')).waitFor();
  assert.equal(await failed.count(), 1);
  assert.equal(await row('welcome.txt').count(), 1);

  const local = join(disk, 'anon.txt');
  writeFileSync(local, 'not allowed here\n');
  await panel.getByLabel('file to upload', { exact: true }).setInputFiles(local);
  await btn('upload').click();
  const up = panel.locator('.transfer.failed[data-name="anon.txt"][data-failed="true"]');
  await up.waitFor();
  assert.match(await up.innerText(), /failed: ftplib\.error_perm: 5\d\d/);
  assert.equal(await up.locator('progress').getAttribute('aria-invalid'), 'true');
  await panel.locator('[data-testid="ftp-status"].err').waitFor();
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `ftp-failures-${width}`, { fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
