// The page's Python (Pyodide in a Web Worker, frontend/python/) against the
// real relay and its labs: the article's programs, an http.client GET and an
// ftplib LIST print in the page exactly what the machine's python3 prints for
// the same files (compared, never hard-coded; a server's client is python3
// either way); Stop ends an infinite loop and a program blocked in accept()
// and the program's sockets are closed; too many sockets is the relay's
// `limit` error as a Python exception; input() asks the page; a relay that
// goes away is ConnectionResetError. One page, one Pyodide load for the whole
// file: the page is the test relay's, its session a second relay's
// (`?relay=`, started here with `--max-handles 8` so the limit comes soon and
// the last test can stop it; the labs are the
// test relay's, reached over loopback).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { launch, card, waitState, shot, startRelay, URL as PAGE } from '../lib.mjs';

// The tab's own example programs: the page and python3 run the same files.
const DIR = fileURLToPath(new URL('../../frontend/python/examples/', import.meta.url));
const source = (name) => readFileSync(DIR + name, 'utf8');

let browser, page, errors, relay;

before(async () => {
  relay = await startRelay(['--listen', '127.0.0.1:0', '--no-labs', '--max-handles', '8', '--allow-origin', new URL(PAGE).origin]);
  ({ browser, page, errors } = await launch(`${PAGE}?relay=ws://${relay.addr}/ws`));
  await page.locator('.app[data-ready="true"]').waitFor();
  // Opening the tab installs the page's bridge (window.socklabProgram), whose
  // request reader loads with the tab.
  await page.getByRole('tab', { name: 'Python' }).click();
  await page.locator('.pyt').waitFor();
  await page.waitForFunction(() => typeof window.socklabProgram === 'function');
  await page.getByRole('tab', { name: 'Sockets' }).click(); // the cards these tests read
  await page.evaluate(async () => {
    const { createRuntime } = await import('/python/runtime.js');
    const py = { out: [], status: null };
    py.rt = await createRuntime({
      onOutput: (stream, text) => py.out.push([stream, text]),
      onInput: async (prompt) => `typed after ${prompt.trim()}`,
      onStatus: (s) => { py.status = s; },
    });
    window.__py = py;
    await py.rt.run('pass'); // Pyodide loads once, here, for the whole file
  });
});

after(async () => {
  await browser?.close();
  if (relay && relay.child.exitCode === null) relay.child.kill();
});

/** Starts `code` in the page; resolves with {ok, exception, stdout, stderr}. */
function runInPage(code, filename = 'main.py') {
  return page.evaluate(async ([code, filename]) => {
    const py = window.__py;
    py.out.length = 0;
    const result = await py.rt.run(code, filename);
    const text = (s) => py.out.filter(([k]) => k === s).map(([, t]) => t).join('');
    return { ...result, stdout: text('stdout'), stderr: text('stderr') };
  }, [code, filename]);
}

/** Waits until the page's program has printed `text`. */
function printed(text) {
  return page.waitForFunction((t) => window.__py.out.some(([, s]) => s.includes(t)), text);
}

/** Runs `python3 args…` in the examples' directory; `done` resolves with {code, stdout,
 *  stderr}, `listening` once a server program's socket listens (a wrapper
 *  reports each listen() on stderr, so a client never races the server). */
function python3(args) {
  const wrapper = 'import runpy, socket, sys\n'
    + 'listen = socket.socket.listen\n'
    + 'def told(self, *a):\n    listen(self, *a)\n    print("LISTENING", file=sys.stderr, flush=True)\n'
    + 'socket.socket.listen = told\n'
    + 'sys.argv = sys.argv[1:]\n'
    + 'runpy.run_path(sys.argv[0], run_name="__main__")\n';
  const child = spawn('python3', ['-c', wrapper, ...args], { cwd: DIR });
  let stdout = '';
  let stderr = '';
  let heard;
  const listening = new Promise((resolve) => { heard = resolve; });
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes('LISTENING')) heard();
  });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr: stderr.replace(/LISTENING\n/g, '') }));
  });
  return { child, listening, done };
}

/** What python3 prints for a server program and its client (both python3). */
async function reference(serverFile, clients) {
  const server = python3([serverFile]);
  await server.listening;
  const out = [];
  for (const args of clients) out.push(await python3(args).done);
  return { server: await server.done, clients: out };
}

/** Waits until the page's program `run` has a listening socket (its card
 *  says LISTEN); fails with the program's output if it ends first. */
const listening = (run) => Promise.race([
  page.locator('article.card [data-testid="state"]', { hasText: /^LISTEN$/ }).first().waitFor().catch(async (e) => {
    const states = await page.locator('article.card [data-testid="state"]').allTextContents();
    const out = await page.evaluate(() => JSON.stringify([window.__py.out, window.__py.status]));
    throw new Error(`${e.message}\nstates ${states}\nout ${out}`);
  }),
  run.then((r) => { throw new Error(`the program ended before listening: ${JSON.stringify(r)}`); }),
]);

test('the blocking client prints what python3 prints, against the same server', async () => {
  const ref = await reference('blocking_server.py', [['blocking_client.py']]);
  assert.equal(ref.clients[0].code, 0, ref.clients[0].stderr);

  const server = python3(['blocking_server.py']);
  await server.listening;
  const inPage = await runInPage(source('blocking_client.py'), 'blocking_client.py');
  assert.equal((await server.done).code, 0);
  assert.deepEqual(inPage, { ok: true, exception: null, stdout: ref.clients[0].stdout, stderr: '' });
});

test('the blocking server prints what python3 prints, for the same client', async () => {
  const ref = await reference('blocking_server.py', [['blocking_client.py']]);
  assert.equal(ref.server.code, 0, ref.server.stderr);

  const inPage = runInPage(source('blocking_server.py'), 'blocking_server.py');
  await listening(inPage);
  const client = await python3(['blocking_client.py']).done;
  const result = await inPage;
  assert.deepEqual(result, { ok: true, exception: null, stdout: ref.server.stdout, stderr: '' });
  assert.equal(client.stdout, ref.clients[0].stdout, 'the client sees the same reply');
});

test('the select server prints what python3 prints, serving two clients', async () => {
  const clients = [['blocking_client.py'], ['blocking_client.py']];
  const ref = await reference('select_server.py', clients);
  assert.equal(ref.server.code, 0, ref.server.stderr);

  const inPage = runInPage(source('select_server.py'), 'select_server.py');
  await listening(inPage);
  const seen = [];
  for (const args of clients) seen.push(await python3(args).done);
  const result = await inPage;
  assert.deepEqual(result, { ok: true, exception: null, stdout: ref.server.stdout, stderr: '' });
  assert.deepEqual(seen.map((c) => c.stdout), ref.clients.map((c) => c.stdout));
});

test('http.client GET and ftplib LIST and download print what python3 prints', async () => {
  for (const file of ['http_get.py', 'ftp_download.py']) {
    const ref = await python3([file]).done;
    assert.equal(ref.code, 0, ref.stderr);
    const inPage = await runInPage(source(file), file);
    assert.deepEqual(inPage, { ok: true, exception: null, stdout: ref.stdout, stderr: '' }, file);
  }
});

test('UDP, IPv6, timeout, non-blocking, makefile and select print what python3 prints', async () => {
  const file = fileURLToPath(new URL('../python/modes.py', import.meta.url));
  const ref = await python3([file]).done;
  assert.equal(ref.code, 0, ref.stderr);
  const inPage = await runInPage(readFileSync(file, 'utf8'), 'modes.py');
  assert.deepEqual(inPage, { ok: true, exception: null, stdout: ref.stdout, stderr: '' });
  const unknown = await runInPage('import socket\nsocket.getaddrinfo("no-such-host.invalid", 80)\n');
  assert.equal(unknown.exception, 'gaierror');
  assert.match(unknown.stderr, /^socket\.gaierror: \[Errno -2\] Name or service not known$/m);
});

test('input() asks the page for a line', async () => {
  const result = await runInPage('name = input("name? ")\nprint("hello", name)\n');
  assert.equal(result.stdout, 'hello typed after name?\n');
});

test('Stop ends an infinite loop and a program blocked in accept(); its sockets are closed', async () => {
  const loop = runInPage('print("looping", flush=True)\nn = 0\nwhile True:\n    n += 1\n');
  await printed('looping');
  await page.evaluate(() => window.__py.rt.stop());
  const stopped = await loop;
  assert.equal(stopped.exception, 'KeyboardInterrupt');
  assert.match(stopped.stderr, /KeyboardInterrupt/);
  assert.doesNotMatch(stopped.stderr, /restarted/, 'the interrupt buffer stopped it, not a new worker');

  const blocked = runInPage([
    'import socket',
    's = socket.socket()',
    's.bind(("127.0.0.1", 50009))',
    's.listen()',
    'print("handle", s.fileno() - 1000, flush=True)',
    's.accept()',
  ].join('\n'));
  await printed('handle');
  const handle = await page.evaluate(() => 's' + window.__py.out.map(([, t]) => t).join('').match(/handle (\d+)/)[1]);
  await waitState(card(page, handle), 'LISTEN');
  await page.evaluate(() => window.__py.rt.stop());
  const result = await blocked;
  assert.equal(result.exception, 'KeyboardInterrupt');
  assert.match(result.stderr, /KeyboardInterrupt/);
  await waitState(card(page, handle), 'closed');
  await shot(page, 'python-stopped');
});

test('too many sockets is the relay\'s limit error as a Python exception; the handles are given back', async () => {
  const result = await runInPage('import socket\nsocks = []\nwhile True:\n    socks.append(socket.socket())\n');
  assert.equal(result.exception, 'limit');
  assert.match(result.stderr, /^socklab\.limit: /m);
  const after = await runInPage('import socket\nwith socket.socket() as s:\n    print("a socket again")\n');
  assert.equal(after.stdout, 'a socket again\n');
  assert.deepEqual(errors, []);
});

test('a relay that goes away is ConnectionResetError in the program, and the console says so', async () => {
  const blocked = runInPage([
    'import socket',
    's = socket.create_connection(("127.0.0.1", 20007))',
    'print("connected", flush=True)',
    's.recv(100)',
  ].join('\n'));
  await printed('connected');
  relay.child.removeAllListeners('exit');
  relay.child.kill('SIGKILL');
  const result = await blocked;
  assert.equal(result.exception, 'ConnectionResetError');
  assert.match(result.stderr, /ConnectionResetError: \[Errno 104\] the relay went away/);
  assert.match(result.stderr, /the relay connection was lost/);
});
