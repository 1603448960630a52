// The Python tab's runtime, page side: one CPython (Pyodide) per page, in a
// Web Worker (worker.js), loaded once on first use. Owns the worker, the
// interrupt buffer, the bridge from a program's protocol calls to the page's
// relay connection (window.socklabProgram, frontend/src/program/), the
// handles a program opened (closed when it ends or is stopped), and input().
// The interface is fixed with the tab's UI (ui/tab.js): docs/python.md.

export const PYODIDE_VERSION = '314.0.7';
const INDEX_URL = `/pyodide/${PYODIDE_VERSION}/`;
const SHIM_URL = '/python/socklab/';
/** How long Stop waits for a program to end before restarting Python. */
const STOP_GRACE_MS = 3000;

let worker = null; // { worker, interrupt, ready: Promise, listeners: Set }

/** The page's one worker, started on first use. */
function sharedWorker() {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const interrupt = self.crossOriginIsolated ? new Uint8Array(new SharedArrayBuffer(1)) : null;
  const listeners = new Set();
  let readyResolve;
  let readyReject;
  const ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
  w.onmessage = ({ data }) => {
    if (data.t === 'status') worker.last = data;
    if (data.t === 'status' && data.phase === 'ready') readyResolve();
    if (data.t === 'status' && data.phase === 'failed') readyReject(new Error(data.message));
    for (const l of listeners) l(data);
  };
  w.onerror = (e) => {
    const message = `Python could not start: ${e.message || 'the worker failed'}`;
    for (const l of listeners) l({ t: 'status', phase: 'failed', progress: 0, message });
    readyReject(new Error(message));
  };
  w.postMessage({ t: 'init', indexURL: new URL(INDEX_URL, location.href).href, shimURL: new URL(SHIM_URL, location.href).href, interrupt });
  worker = { worker: w, interrupt, ready, listeners, last: null };
  worker.ready.catch(() => {});
  return worker;
}

/** Handle ops whose reply opens a socket handle (`ok.sock`). */
const OPENS = new Set(['socket', 'accept']);

export async function createRuntime({ onOutput, onInput, onStatus }) {
  let current = null; // the running program: { resolve, pending: Map(id→true), handles: Set }
  let ws = sharedWorker();
  const onMessage = (msg) => handle(msg);
  ws.listeners.add(onMessage);
  if (ws.last) handle(ws.last);

  function handle(msg) {
    // The worker is the page's one CPython: what a program prints, asks and
    // calls belongs to the runtime that started it, not to every runtime.
    if (msg.t !== 'status' && !current) return;
    switch (msg.t) {
      case 'status':
        onStatus?.({ phase: msg.phase, progress: msg.progress, message: msg.message });
        break;
      case 'out':
        onOutput?.(msg.stream, msg.text);
        break;
      case 'call':
        relayCall(msg);
        break;
      case 'input':
        Promise.resolve(onInput ? onInput(msg.prompt) : null)
          .catch(() => null)
          .then((line) => ws.worker.postMessage({ t: 'reply', seq: msg.seq, value: line ?? null }));
        break;
      case 'done':
        finish({ ok: msg.ok, exception: msg.exception });
        break;
      default:
        break;
    }
  }

  function relayCall({ seq, json }) {
    const program = current;
    const reply = (value) => ws.worker.postMessage({ t: 'reply', seq, value });
    const bridge = globalThis.socklabProgram;
    if (typeof bridge !== 'function') {
      reply(JSON.stringify({ err: { code: 'disconnected', message: 'the page has no relay connection' } }));
      return;
    }
    const op = JSON.parse(json);
    const [id, promise] = bridge(json);
    if (program && id) program.pending.set(id, op.op);
    promise.then((text) => {
      if (program) {
        program.pending.delete(id);
        const outcome = JSON.parse(text);
        if (outcome.ok && OPENS.has(op.op) && outcome.ok.sock) program.handles.add(outcome.ok.sock);
        if (op.op === 'close') program.handles.delete(op.sock);
        if (outcome.err && outcome.err.code === 'disconnected' && !program.said) {
          program.said = true;
          onOutput?.('stderr', 'socklab: the relay connection was lost; the program\'s sockets are gone.\n');
        }
      }
      reply(text);
    });
  }

  /** Closes every handle the program left open (as a process exit does). */
  async function closeLeftovers(program) {
    const bridge = globalThis.socklabProgram;
    if (typeof bridge !== 'function') return;
    for (const [id] of program.pending) bridge(JSON.stringify({ op: 'cancel', target: id }));
    const closes = [...program.handles].map((sock) => bridge(JSON.stringify({ op: 'close', sock }))[1]);
    program.handles.clear();
    await Promise.all(closes);
  }

  async function finish(result) {
    const program = current;
    if (!program) return;
    current = null;
    clearTimeout(program.timer);
    await closeLeftovers(program);
    if (ws.interrupt) ws.interrupt[0] = 0;
    onStatus?.({ phase: 'done', progress: 1, message: result.ok ? 'finished' : `stopped by ${result.exception}` });
    program.resolve(result);
  }

  /** Python is stuck (no interrupt buffer, or it ignores KeyboardInterrupt):
   *  a new worker, and the program counts as stopped. */
  function restart() {
    ws.worker.terminate();
    ws.listeners.delete(onMessage);
    worker = null;
    ws = sharedWorker();
    ws.listeners.add(onMessage);
    onOutput?.('stderr', 'KeyboardInterrupt (Python was restarted)\n');
    finish({ ok: false, exception: 'KeyboardInterrupt' });
  }

  return {
    async run(code, filename = 'main.py') {
      if (current) throw new Error('a program is already running');
      await ws.ready;
      return new Promise((resolve) => {
        current = { resolve, pending: new Map(), handles: new Set(), said: false, timer: 0 };
        if (ws.interrupt) ws.interrupt[0] = 0;
        ws.worker.postMessage({ t: 'run', code, filename });
      });
    },
    stop() {
      const program = current;
      if (!program) return;
      onStatus?.({ phase: 'stopping', progress: 1, message: 'stopping' });
      if (ws.interrupt) ws.interrupt[0] = 2; // SIGINT: KeyboardInterrupt in the program
      ws.worker.postMessage({ t: 'stop' });
      const bridge = globalThis.socklabProgram;
      if (typeof bridge === 'function') {
        for (const [id] of program.pending) bridge(JSON.stringify({ op: 'cancel', target: id }));
      }
      program.timer = setTimeout(() => { if (current === program) restart(); }, STOP_GRACE_MS);
    },
    dispose() {
      this.stop();
      ws.listeners.delete(onMessage);
    },
  };
}
