// The Web Worker that runs CPython (Pyodide) for the Python tab, so a program
// that loops forever never freezes the page. Owns Pyodide's life in this
// worker: loading it (with progress), installing socklab's `socket`/`select`
// (frontend/python/socklab/), running one program at a time, and the bridge
// calls a program's blocking socket calls wait on through JSPI
// (`pyodide.ffi.run_sync`). The page side is runtime.js; the protocol between
// them is in docs/python.md ("Runtime and worker").

const SHIM_FILES = ['__init__.py', 'socket.py', 'select.py', 'runner.py'];
const SHIM_DIR = '/lib/socklab-page';

let pyodide = null;
let runProgram = null;
let nextSeq = 1;
const waiting = new Map(); // seq -> { resolve, kind }, for calls and input lines
const CANCELLED = JSON.stringify({ err: { code: 'cancelled', message: 'the program was stopped' } });
let stopping = false;

const post = (msg) => self.postMessage(msg);
const status = (phase, progress, message) => post({ t: 'status', phase, progress, message });

/** One protocol call, answered by the page (runtime.js → window.socklabProgram). */
self.socklabCall = (json) => ask({ t: 'call', json });
/** `input()`: the page asks the learner for a line. */
self.socklabInput = (prompt) => ask({ t: 'input', prompt });

function ask(msg) {
  const seq = nextSeq++;
  // After Stop only `close` still reaches the relay (a `with` block's exit).
  if (stopping && !(msg.t === 'call' && JSON.parse(msg.json).op === 'close')) {
    return Promise.resolve(msg.t === 'call' ? CANCELLED : null);
  }
  return new Promise((resolve) => {
    waiting.set(seq, { resolve, kind: msg.t });
    post({ ...msg, seq });
  });
}

/** Fetches `urls` (the bulk of Pyodide) reporting their joint progress up to
 *  `share` of the whole load, at most once per percent; the bytes land in the
 *  HTTP cache, where Pyodide's own fetches find them. */
async function prefetch(urls, share) {
  const sizes = new Map();
  const got = new Map();
  let shown = -1;
  const report = () => {
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    const done = [...got.values()].reduce((a, b) => a + b, 0);
    const pct = total ? Math.floor((100 * share * done) / total) : 0;
    if (pct > shown && sizes.size === urls.length) {
      shown = pct;
      status('loading', pct / 100, 'loading Python (CPython 3.14 and its standard library)');
    }
  };
  await Promise.all(urls.map(async (url) => {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
    sizes.set(url, Number(res.headers.get('content-length')) || 0);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got.set(url, (got.get(url) ?? 0) + value.length);
      report();
    }
  }));
}

async function init({ indexURL, shimURL, interrupt }) {
  status('loading', 0, 'loading Python');
  await prefetch([indexURL + 'pyodide.asm.wasm', indexURL + 'python_stdlib.zip'], 0.6);
  status('loading', 0.7, 'starting Python');
  const { loadPyodide } = await import(indexURL + 'pyodide.mjs');
  pyodide = await loadPyodide({ indexURL });
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for (const stream of ['stdout', 'stderr']) {
    const write = (buf) => {
      post({ t: 'out', stream, text: decoders[stream].decode(buf, { stream: true }) });
      return buf.length;
    };
    if (stream === 'stdout') pyodide.setStdout({ write });
    else pyodide.setStderr({ write });
  }
  if (interrupt) pyodide.setInterruptBuffer(interrupt);
  status('loading', 0.85, 'installing the socket layer');
  pyodide.FS.mkdirTree(SHIM_DIR + '/socklab');
  await Promise.all(SHIM_FILES.map(async (name) => {
    const res = await fetch(shimURL + name);
    if (!res.ok) throw new Error(`${shimURL}${name}: HTTP ${res.status}`);
    pyodide.FS.writeFile(`${SHIM_DIR}/socklab/${name}`, await res.text());
  }));
  pyodide.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(SHIM_DIR)})\nimport socklab.runner\nsocklab.runner.install()`);
  runProgram = pyodide.pyimport('socklab.runner').run;
  status('ready', 1, 'Python is ready');
}

async function run({ code, filename }) {
  stopping = false;
  status('running', 1, `running ${filename}`);
  let exception = null;
  try {
    exception = await runProgram.callPromising(code, filename);
  } catch (e) {
    exception = 'Error';
    post({ t: 'out', stream: 'stderr', text: `${e}\n` });
  }
  exception = exception ?? null;
  post({ t: 'done', ok: exception === null, exception });
}

self.onmessage = async ({ data: msg }) => {
  switch (msg.t) {
    case 'init':
      try {
        await init(msg);
      } catch (e) {
        status('failed', 0, `Python could not start: ${e && e.message ? e.message : e}`);
      }
      break;
    case 'run':
      await run(msg);
      break;
    case 'reply': {
      const entry = waiting.get(msg.seq);
      waiting.delete(msg.seq);
      if (entry) entry.resolve(msg.value);
      break;
    }
    case 'stop':
      // A program waiting on the page (a relay call or input()) wakes up with
      // `cancelled` / EOF; the interrupt buffer raises KeyboardInterrupt.
      stopping = true;
      for (const [seq, { resolve, kind }] of waiting) {
        waiting.delete(seq);
        resolve(kind === 'call' ? CANCELLED : null);
      }
      break;
    default:
      break;
  }
};
