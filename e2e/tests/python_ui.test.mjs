// The Python tab's editor, console and examples (frontend/python/ui/,
// frontend/python/examples/): every example compiles with the machine's python3
// and is offered by the picker; the highlighter keeps every character of any
// input; and on the real page the editor keys work (typing, Enter keeps the
// indentation, Tab/Shift+Tab, Escape then Tab leaves), highlighting spans are
// there, Ctrl+Enter runs, input() is a line in the console, stderr is red, Stop is
// enabled only while running, the console keeps its last lines, the picker asks
// before replacing edited code, the http.client example runs against its lab,
// and a reload keeps the code and shows the loading progress again.
// Screenshots at 390, 1024 and 1440 px go to artifacts/python-ui-<width>.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, shot } from '../lib.mjs';
import { highlight } from '../../frontend/python/ui/highlight.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'frontend', 'python', 'examples');
const PY_FILES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.py')).sort();
const example = (file) => readFileSync(join(EXAMPLES, file), 'utf8');
/** Pyodide's first load (cold cache) takes a while; everything else is quick. */
const LOAD_TIMEOUT = 120_000;

test('every example compiles with python3 and index.js lists each one', () => {
  const cache = mkdtempSync(join(tmpdir(), 'socklab-pyc-'));
  try {
    execFileSync('python3', ['-m', 'py_compile', ...PY_FILES.map((f) => join(EXAMPLES, f))], {
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  const index = readFileSync(join(EXAMPLES, 'index.js'), 'utf8');
  const listed = [...index.matchAll(/'(\w+\.py)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(listed, PY_FILES);
  assert.ok(PY_FILES.length >= 5, `expected the five examples, found ${PY_FILES}`);
});

test('the highlighter keeps every character of any input and escapes HTML', () => {
  const pieces = ['def', ' ', '\n', '    ', "'", '"', "'''", '"""', 'b', 'rb', 'f', '#', '<', '>',
    '&', '\\', '0x1f', '1.5e3', '10j', '.', '@', 'print', 'x', ':', '(', ')', '\t', 'é', '😀'];
  let seed = 14;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const unescape = (html) => html.replace(/<\/?span[^>]*>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  for (let round = 0; round < 2000; round += 1) {
    const src = Array.from({ length: rand(60) }, () => pieces[rand(pieces.length)]).join('');
    const html = highlight(src);
    assert.equal(unescape(html), src, `round ${round}: ${JSON.stringify(src)}`);
    assert.ok(!/<(?!\/?span)/.test(html), `raw markup from ${JSON.stringify(src)}`);
  }
  const spans = highlight("import socket  # c\nb'x' \"\"\"t\nq\"\"\" 0x1F print(s.send)");
  for (const cls of ['keyword', 'comment', 'string', 'number', 'builtin']) {
    assert.match(spans, new RegExp(`class="tok-${cls}"`));
  }
  assert.doesNotMatch(spans, /tok-builtin">send/, 'an attribute is not a builtin');
});

/** The editor's text area and the tab's parts. */
function parts(page) {
  const tab = page.locator('.pyt');
  return {
    tab,
    code: tab.getByLabel('Python code', { exact: true }),
    run: tab.getByRole('button', { name: 'Run', exact: true }),
    stop: tab.getByRole('button', { name: 'Stop', exact: true }),
    clear: tab.getByRole('button', { name: 'Clear', exact: true }),
    picker: tab.getByLabel('Example'),
  };
}

/** Opens the Python tab and waits until Python is ready. */
async function openTab(page) {
  await page.getByRole('tab', { name: 'Python' }).click();
  await page.locator('.pyt[data-phase="ready"], .pyt[data-phase="done"]').waitFor({ timeout: LOAD_TIMEOUT });
  return parts(page);
}

/** Replaces the editor's text by typing `text` (Enter keeps indentation, so
 * typed lines carry no indentation of their own). */
async function typeProgram(page, code, lines) {
  await code.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  for (const [i, line] of lines.entries()) {
    if (i > 0) await page.keyboard.press('Enter');
    await page.keyboard.type(line);
  }
}

/** Clears the console, runs (Ctrl+Enter or the Run button) and waits for the
 * run's last line. */
async function runAndWait(p, how = 'keys') {
  await p.clear.click();
  if (how === 'keys') await p.code.press('Control+Enter');
  else await p.run.click();
  await p.tab.locator('.pyt-end, .pyt-fail').waitFor();
}

test('the Python tab: editor keys, highlighting, running, input(), stderr, Stop, examples, reload', async () => {
  const { browser, page, errors } = await open();
  try {
    const p = await openTab(page);
    // It starts from the http.client example, highlighted, with line numbers.
    const start = example('http_get.py');
    assert.equal(await p.code.inputValue(), start);
    for (const [cls, text] of [['keyword', 'import'], ['string', "'127.0.0.1'"], ['comment', '# An http'],
      ['number', '20080'], ['builtin', 'print']]) {
      await p.tab.locator(`.pyt-hl .tok-${cls}`, { hasText: text }).first().waitFor();
    }
    const lineCount = start.split('\n').length;
    assert.equal(await p.tab.locator('.pyt-nums').textContent(),
      Array.from({ length: lineCount }, (_, i) => i + 1).join('\n'));

    // Typing: Enter keeps the indentation (one level more after ':'), Shift+Tab dedents.
    await typeProgram(page, p.code, ['def greet(name):', 'print("hello", name)']);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('greet(input("name? "))');
    const program = 'def greet(name):\n    print("hello", name)\ngreet(input("name? "))';
    assert.equal(await p.code.inputValue(), program);
    // Tab indents every selected line; Shift+Tab takes it back.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Tab');
    assert.equal(await p.code.inputValue(), program.replace(/^/gm, '    '));
    await page.keyboard.press('Shift+Tab');
    assert.equal(await p.code.inputValue(), program);
    await p.tab.locator('.pyt-hl .tok-def', { hasText: 'greet' }).waitFor();

    // Ctrl+Enter runs; input() is an inline line in the console, Enter submits.
    assert.ok(await p.stop.isDisabled(), 'Stop is disabled before a run');
    await p.code.press('Control+Enter');
    const stdin = p.tab.getByLabel(/^input\(\)/);
    await stdin.fill('Ada');
    await stdin.press('Enter');
    await p.tab.locator('.pyt-line', { hasText: /^name\? Ada$/ }).waitFor();
    await p.tab.locator('.pyt-out', { hasText: /^hello Ada$/ }).waitFor();
    await p.tab.locator('.pyt-end', { hasText: 'Process finished' }).waitFor();

    // A traceback goes to stderr, in red, and the end line names the exception.
    await typeProgram(page, p.code, ['print("before")', '1/0']);
    await runAndWait(p, 'button');
    const err = p.tab.locator('.pyt-err', { hasText: 'ZeroDivisionError: division by zero' });
    await err.waitFor();
    await p.tab.locator('.pyt-err', { hasText: /^Traceback \(most recent call last\):$/ }).waitFor();
    assert.equal(await err.evaluate((el) => getComputedStyle(el).color), 'rgb(179, 38, 30)');
    await p.tab.locator('.pyt-fail', { hasText: 'ZeroDivisionError' }).waitFor();

    // Stop is enabled only while a program runs, and ends an endless loop.
    await typeProgram(page, p.code, ['while True:', 'pass']);
    await p.run.click();
    await page.locator('.pyt[data-running="true"]').waitFor();
    assert.ok(await p.stop.isEnabled(), 'Stop is enabled while running');
    assert.ok(await p.run.isDisabled(), 'Run is disabled while running');
    await p.stop.click();
    await page.locator('.pyt[data-running="false"]').waitFor();
    assert.ok(await p.stop.isDisabled(), 'Stop is disabled again');

    // The console keeps its last lines and says so; Clear empties it.
    await typeProgram(page, p.code, ['for i in range(1500): print(i)']);
    await runAndWait(p);
    await p.tab.locator('.pyt-out', { hasText: /^1499$/ }).waitFor();
    assert.ok(await p.tab.locator('.pyt-line').count() <= 1000);
    await p.tab.locator('.pyt-dropped', { hasText: 'the console keeps the last 1000' }).waitFor();
    await p.clear.click();
    assert.equal(await p.tab.locator('.pyt-line').count(), 0);

    // Escape then Tab leaves the editor (the focus moves on, no indent is typed).
    const typed = await p.code.inputValue();
    await p.code.focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.equal(await p.code.evaluate((el) => document.activeElement === el), false);
    assert.equal(await p.code.inputValue(), typed);

    // The picker asks before replacing edited code.
    await p.picker.selectOption('blocking_client');
    await p.tab.getByRole('button', { name: 'Keep my code' }).click();
    assert.equal(await p.code.inputValue(), typed);
    await p.picker.selectOption('blocking_client');
    await p.tab.getByRole('button', { name: 'Replace', exact: true }).click();
    assert.equal(await p.code.inputValue(), example('blocking_client.py'));
    // Unedited example code is replaced without asking.
    await p.picker.selectOption('select_server');
    assert.equal(await p.code.inputValue(), example('select_server.py'));
    const offered = await p.picker.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.equal(offered.length, PY_FILES.length);

    // An example runs against its lab; the screenshots show it.
    await p.picker.selectOption('http_get');
    assert.equal(await p.code.inputValue(), example('http_get.py'));
    await runAndWait(p, 'button');
    await p.tab.locator('.pyt-out', { hasText: /^200 OK$/ }).waitFor();
    await p.tab.locator('.pyt-end', { hasText: 'Process finished' }).waitFor();
    for (const width of [390, 1024, 1440]) {
      await page.setViewportSize({ width, height: 860 });
      await p.tab.scrollIntoViewIfNeeded();
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true,
        `no sideways scroll at ${width} px`);
      await shot(page, `python-ui-${width}`, { fullPage: true });
    }

    // A reload keeps the code (the editor shows it before Python has loaded again).
    await p.code.press('ControlOrMeta+End');
    await page.keyboard.type('\n# mine');
    const kept = await p.code.inputValue();
    await page.reload();
    await page.locator('.app[data-ready="true"]').waitFor();
    await page.getByRole('tab', { name: 'Python' }).click();
    assert.equal(await parts(page).code.inputValue(), kept);
    // Meanwhile the bar shows how far Python has loaded.
    await page.locator('.pyt-status-text', { hasText: /^Loading Python… \d{1,3}%$/ }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
