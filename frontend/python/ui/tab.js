// The Python tab: the example picker (picker.js), Run and Stop, the loading progress, the
// editor (editor.js) and the console (console.js), wired to the runtime that
// 14-core's runtime.js creates. The Yew shell imports this module the first time
// the tab opens and calls mount(); its stylesheet (tab.css) loads with it, so
// the workbench page does not carry either. The code (and the example it came
// from) is kept in localStorage, so a reload keeps it.

import { createEditor } from './editor.js';
import { createConsole, MAX_LINES } from './console.js';
import { createPicker } from './picker.js';

const STORE_KEY = 'socklab.python.code';
const DEFAULT_EXAMPLE = 'http_get';
const DEFAULT_FILE = 'main.py';

const PHASE_TEXT = {
  ready: 'Python ready',
  running: 'Running…',
  stopping: 'Stopping…',
  done: 'Python ready',
};

function loadStylesheet() {
  const href = new URL('./tab.css', import.meta.url).href;
  const found = [...document.querySelectorAll('link[rel=stylesheet]')].find((l) => l.href === href);
  if (found) return Promise.resolve();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  const loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  return loaded;
}

function restore() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
    if (saved && typeof saved.code === 'string') return saved;
  } catch { /* unreadable or blocked storage: start from an example */ }
  return null;
}

function save(state) {
  try { localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch { /* full or blocked */ }
}

/** The example list: `examples` is the list itself (examples/index.js's
 * export), a promise of it, or the URL of the examples directory. */
async function exampleList(examples) {
  try {
    const given = await examples;
    if (Array.isArray(given)) return given;
    if (typeof given === 'string' || given instanceof URL) {
      const mod = await import(new URL('index.js', new URL(given, location.href)).href);
      return Array.isArray(mod.examples) ? mod.examples : [];
    }
  } catch (e) {
    console.warn('socklab: the example programs could not load:', e);
  }
  return [];
}

/** What an exception from the runtime reads as. */
function describe(exception) {
  if (exception == null) return 'an exception';
  if (typeof exception === 'string') return exception;
  if (exception.type && exception.message != null) return `${exception.type}: ${exception.message}`;
  return String(exception.message ?? exception);
}

const TEMPLATE = `
<div class="pyt-bar">
  <label class="pyt-pick">Example
    <select class="pyt-examples"><option value="">Load an example…</option></select></label>
  <button type="button" class="primary pyt-run" title="Run (Ctrl+Enter)">Run</button>
  <button type="button" class="pyt-stop" disabled>Stop</button>
  <span class="pyt-status" role="status"><span class="pyt-status-text"></span>
    <progress class="pyt-progress" max="1" hidden></progress></span>
</div>
<div class="pyt-ask" role="alert" hidden><span class="pyt-ask-text"></span>
  <button type="button" class="danger pyt-replace">Replace</button>
  <button type="button" class="pyt-keep">Keep my code</button></div>
<div class="pyt-main">
  <section class="pyt-editor" aria-label="Editor">
    <h2>Code <span class="pyt-file count"></span></h2>
    <p class="pyt-hint hint">Tab indents, Shift+Tab dedents, Ctrl+Enter runs; Esc then Tab leaves the editor.</p>
  </section>
  <section class="pyt-output" aria-label="Console output">
    <h2>Console <span class="count">keeps the last ${MAX_LINES} lines</span>
      <button type="button" class="pyt-clear">Clear</button></h2>
  </section>
</div>`;

/** Mounts the tab into `container`; returns { dispose() }. */
export function mount(container, { createRuntime, examples = [] }) {
  const root = document.createElement('div');
  root.className = 'pyt';
  root.style.visibility = 'hidden';
  root.innerHTML = TEMPLATE;
  loadStylesheet().then(() => { root.style.visibility = ''; });
  const $ = (sel) => root.querySelector(sel);
  const [runBtn, stopBtn, statusText, progress] = ['.pyt-run', '.pyt-stop', '.pyt-status-text', '.pyt-progress'].map($);

  let current = restore() ?? { code: '', example: '', file: DEFAULT_FILE };
  const showFile = () => { $('.pyt-file').textContent = current.file || DEFAULT_FILE; };

  const hintId = `pyt-hint-${Math.random().toString(36).slice(2)}`;
  $('.pyt-hint').id = hintId;
  const editor = createEditor({
    value: current.code,
    hintId,
    onChange: (code) => { current = { ...current, code }; save(current); },
    onRun: () => run(),
  });
  $('.pyt-hint').before(editor.element);
  const con = createConsole();
  $('.pyt-output').append(con.element);
  showFile();

  // The examples: offered in the picker, which asks before replacing edited
  // code; with no saved code, the editor starts from the http.client GET.
  const load = (ex) => {
    current = { code: ex.code, example: ex.name, file: ex.file };
    editor.value = ex.code;
    save(current);
    showFile();
  };
  const picker = createPicker({
    select: $('.pyt-examples'),
    ask: $('.pyt-ask'),
    isEdited: () => editor.value.trim() !== '' && editor.value !== picker.get(current.example)?.code,
    onLoad: load,
    onDone: () => editor.focus(),
  });
  exampleList(examples).then((list) => {
    picker.add(list);
    const first = picker.get(DEFAULT_EXAMPLE) ?? list[0];
    if (first && !current.example && editor.value === '') load(first);
  });

  // Loading and the runtime's phases.
  let phase = 'loading';
  const setStatus = ({ phase: p, progress: frac, message }) => {
    phase = p ?? phase;
    if (phase === 'loading') {
      const pct = Math.round(Math.min(1, Math.max(0, Number(frac) || 0)) * 100);
      statusText.textContent = `Loading Python… ${pct}%`;
      progress.hidden = false;
      progress.value = pct / 100;
    } else {
      progress.hidden = true;
      const why = String(message ?? 'unknown error');
      statusText.textContent = phase === 'failed'
        ? (why.startsWith('Python could not start') ? why : `Python could not start: ${why}`)
        : (PHASE_TEXT[phase] ?? '');
    }
    root.dataset.phase = phase;
    statusText.classList.toggle('pyt-bad', phase === 'failed');
    if (phase === 'stopping') stopBtn.disabled = true;
  };
  setStatus({ phase: 'loading', progress: 0 });
  const runtime = Promise.resolve().then(() => createRuntime({
    onOutput: (stream, text) => con.write(stream, text),
    onInput: (prompt) => con.askInput(prompt),
    onStatus: setStatus,
  }));
  runtime.catch((e) => setStatus({ phase: 'failed', message: describe(e) }));

  // Running and stopping.
  let running = false;
  let stopAsked = false;
  const setRunning = (on) => {
    running = on;
    root.dataset.running = String(on);
    runBtn.disabled = on;
    stopBtn.disabled = !on;
  };
  setRunning(false);
  async function run() {
    if (running) return;
    setRunning(true);
    stopAsked = false;
    const file = current.file || DEFAULT_FILE;
    con.system(`▶ Running ${file}`, 'start');
    try {
      const rt = await runtime;
      if (stopAsked) {
        con.system('Stopped before it started', 'fail');
        return;
      }
      const result = await rt.run(editor.value, file);
      if (result?.ok) con.system('Process finished', 'end');
      else con.system(`Process ended by ${describe(result?.exception)}`, 'fail');
    } catch (e) {
      con.system(`The program could not run: ${describe(e)}`, 'fail');
    } finally {
      con.cancelInput();
      setRunning(false);
    }
  }
  async function stop() {
    if (!running) return;
    stopAsked = true;
    stopBtn.disabled = true;
    con.cancelInput();
    const rt = await runtime.catch(() => null);
    rt?.stop();
  }
  runBtn.addEventListener('click', () => run());
  stopBtn.addEventListener('click', () => stop());
  $('.pyt-clear').addEventListener('click', () => con.clear());

  container.append(root);
  return {
    dispose() {
      runtime.then((rt) => rt.dispose?.()).catch(() => {});
      root.remove();
    },
  };
}
