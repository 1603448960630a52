// The Mail tab in real headless Chromium against the real relay and its mail
// labs: a refused recipient reads like smtplib, a message sent to oneself step
// by step (ehlo, mail, rcpt, data, quit) is fetched over POP3 (stat, list,
// retr: its Subject and body), deleted; then the downloaded .py, run by python3
// against the same labs, prints what the page showed. (The script's mail lands
// in the labs' "outside" mailboxes, not the page's session ones: it sends its
// own copy of the same message before fetching it, so the results agree.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndCopyPy, open, shot, ARTIFACTS } from '../lib.mjs';

let browser, page, errors, panel;
const disk = mkdtempSync(join(tmpdir(), 'socklab-mail-e2e-'));

before(async () => {
  ({ browser, page, errors } = await open());
  await page.getByRole('tab', { name: 'Mail' }).click();
  panel = page.locator('section.mail-panel');
  await panel.waitFor();
});

after(async () => {
  await browser?.close();
  rmSync(disk, { recursive: true, force: true });
});

const btn = (name) => panel.getByRole('button', { name, exact: true });
const smtpBtn = (name) => panel.locator('[aria-label="smtp steps"]').getByRole('button', { name, exact: true });
const popBtn = (name) => panel.locator('[aria-label="pop3 calls"]').getByRole('button', { name, exact: true });
const field = (label) => panel.getByLabel(label, { exact: true });
const py = () => panel.locator('[data-testid="mail-python"]');
const SUBJECT = `e2e ${process.pid}`;
const BODY = 'Hi me!\n.a line that starts with a dot\nbye';

test('a recipient of another domain is refused, in the learner\'s words and then as smtplib says', async () => {
  assert.equal(await field('smtp port').inputValue(), '20025');
  await field('to').fill('x@example.com');
  await btn('send in one call: sendmail()').click();
  const error = panel.locator('[data-testid="mail-error"]');
  await error.locator('code', {
    hasText: /^smtplib\.SMTPRecipientsRefused: \{'x@example\.com': \(550, b'5\.7\.1 Relaying denied/,
  }).waitFor();
  assert.match(await error.locator('p').first().innerText(), /only for its own domain/);
  await panel.locator('.wire-view[aria-label="SMTP on the wire"] .wire-chunk.in .wire-bytes', { hasText: /^550 / }).waitFor();
});

test('send a message to oneself step by step: ehlo, mail, rcpt, data, quit', async () => {
  await field('to').fill('learner@socklab.test');
  await field('subject').fill(SUBJECT);
  await field('body').fill(BODY);
  const enabled = (name) => smtpBtn(name).and(page.locator(':enabled'));
  for (const step of ['ehlo', 'mail', 'rcpt', 'data']) {
    await enabled(step).click();
  }
  await enabled('quit').click();
  await enabled('connect').waitFor();
  const wire = panel.locator('.wire-view[aria-label="SMTP on the wire"]');
  const text = await wire.innerText();
  for (const line of [/ehlo localhost/, /mail FROM:<learner@socklab\.test>/, /rcpt TO:<learner@socklab\.test>/, /^354 /m, /^221 /m]) {
    assert.match(text, line);
  }
  // Dot-stuffing: the body's line that starts with "." goes out as "..".
  await wire.locator('.wire-chunk.out', { hasText: '..a line that starts with a dot' }).waitFor();
});

test('the mailbox over POP3: stat, list, retr shows the Subject and body; dele and quit', async () => {
  await popBtn('open the mailbox').click();
  await panel.locator('[data-testid="mail-stat"]', { hasText: /^stat\(\): 1 messages, \d+ octets$/ }).waitFor();
  const row = panel.locator('.mail-list tr[data-msg="1"]');
  await row.getByRole('button', { name: 'retr', exact: true }).click();
  const message = panel.locator('[data-testid="mail-message"]');
  await message.locator('td[data-header="Subject"]', { hasText: SUBJECT }).waitFor();
  assert.equal(await message.locator('td[data-header="To"]').innerText(), 'learner@socklab.test');
  assert.match(await message.locator('td[data-header="Message-ID"]').innerText(), /^<\d+\.\d+@socklab\.test>$/);
  assert.equal(await message.locator('[data-testid="mail-body"]').innerText(), BODY);
  const pop = await panel.locator('.wire-view[aria-label="POP3 on the wire"]').innerText();
  assert.match(pop, /PASS \*\*\*\*/);
  assert.doesNotMatch(pop, /PASS learner/);
  await row.getByRole('button', { name: 'dele', exact: true }).click();
  await panel.locator('.mail-list tr.deleted[data-msg="1"]').waitFor();
  await shot(page, 'mail-panel', { fullPage: true });
  await popBtn('quit').click();
  await popBtn('open the mailbox').and(page.locator(':enabled')).waitFor();
});

test('the Mail tab downloads its .py, and python3 prints what the page showed', async () => {
  const path = join(disk, 'socklab_mail.py');
  const { script, name } = await downloadAndCopyPy(page, panel, path);
  assert.equal(name, 'socklab_mail.py');
  writeFileSync(join(ARTIFACTS, 'socklab_mail.py'), script);
  const expected = (await py().getAttribute('data-expected')).split('\n');
  assert.ok(expected.some((l) => l.startsWith('smtplib.SMTPRecipientsRefused: ')), expected.join('\n'));
  assert.ok(expected.includes(`b'Subject: ${SUBJECT}'`), expected.join('\n'));
  assert.ok(expected.includes("b'..a line that starts with a dot'") === false, 'retr un-stuffs the dot');
  assert.ok(expected.includes("b'.a line that starts with a dot'"), expected.join('\n'));
  const out = execFileSync('python3', [path], { cwd: disk, timeout: 60_000, encoding: 'utf8' });
  writeFileSync(join(ARTIFACTS, 'socklab_mail.out'), out);
  assert.deepEqual(out.trimEnd().split('\n'), expected, script);
  assert.deepEqual(errors, []);
});
