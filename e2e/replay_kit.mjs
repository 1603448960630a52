// What the replay, share and embed browser tests share: a relay of a test's
// own, serving dist/ without labs, that the test can stop and start again
// (replay with the relay stopped, embeds falling back to replay) — the labs stay
// those of the relay that `cargo xtask e2e` started, as a loopback relay may
// connect to any loopback port — and a socket connected to the echo lab.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { newSocket, fill, click, waitState, waitReceived } from './lib.mjs';

/** Socket `handle`, connected to the TCP echo lab; sends `text` and receives it
 * back when given. Returns its card. */
export async function echoSocket(page, handle, text) {
  const s = await newSocket(page, handle);
  await fill(s, 'host', '127.0.0.1');
  await fill(s, 'port', 20007);
  await click(s, 'connect');
  await waitState(s, 'ESTABLISHED');
  if (text !== undefined) {
    await fill(s, 'data', text);
    await click(s, 'send');
    await fill(s, 'bufsize', 100);
    await click(s, 'recv');
    await waitReceived(s, text);
  }
  return s;
}

/** Starts `socklab` serving dist/ on `port` with extra args; resolves once it listens. */
export function startRelay(port, extra = []) {
  const bin = process.env.SOCKLAB_BIN;
  assert.ok(bin, 'SOCKLAB_BIN is set by cargo xtask e2e');
  const child = spawn(bin, [
    '--listen', `127.0.0.1:${port}`, '--no-labs', '--ui-dir', join('..', 'dist'), ...extra,
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`relay exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (/socklab is running/.test(out)) resolve(child);
    });
  });
}

/** Stops a relay started by `startRelay` and waits until it has exited. */
export async function stopRelay(child) {
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

