// The Python tab's code editor: a plain <textarea> (so typing, selection, undo,
// copy and screen readers work as in any text field) over a highlighted copy of
// its text (highlight.js) and beside a line-number gutter. Keys: Tab / Shift+Tab
// indent and dedent the line or every selected line, Enter keeps the line's
// indentation (one level more after a ':'), Backspace in leading spaces removes
// one level, Ctrl/Cmd+Enter runs, and Escape then Tab leaves the editor.
// Edits go through the browser's insertText so Ctrl+Z undoes them.

import { highlight } from './highlight.js';

const INDENT = '    ';

/** Builds the editor; `onChange(code)` after each edit, `onRun()` on Ctrl/Cmd+Enter.
 * Returns { element, textarea, value (get/set), focus() }. */
export function createEditor({ value = '', onChange = () => {}, onRun = () => {}, hintId }) {
  const element = document.createElement('div');
  element.className = 'pyt-ed';
  element.innerHTML = '<div class="pyt-gutter" aria-hidden="true"><pre class="pyt-nums"></pre></div>'
    + '<div class="pyt-area"><pre class="pyt-hl" aria-hidden="true"><code></code></pre>'
    + '<textarea class="pyt-input" wrap="off" spellcheck="false" autocomplete="off" '
    + 'autocapitalize="off" autocorrect="off" aria-label="Python code"></textarea></div>';
  const gutter = element.querySelector('.pyt-gutter');
  const nums = element.querySelector('.pyt-nums');
  const hl = element.querySelector('.pyt-hl');
  const code = hl.querySelector('code');
  const ta = element.querySelector('textarea');
  if (hintId) ta.setAttribute('aria-describedby', hintId);
  ta.value = value;

  let lines = 0;
  let frame = 0;
  const render = () => {
    frame = 0;
    // The trailing newline gives an empty last line its height.
    code.innerHTML = `${highlight(ta.value)}\n`;
    const count = ta.value.split('\n').length;
    if (count !== lines) {
      lines = count;
      nums.textContent = Array.from({ length: count }, (_, i) => i + 1).join('\n');
    }
    syncScroll();
  };
  const syncScroll = () => {
    hl.scrollTop = ta.scrollTop;
    hl.scrollLeft = ta.scrollLeft;
    gutter.scrollTop = ta.scrollTop;
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(render); };

  ta.addEventListener('input', () => { schedule(); onChange(ta.value); });
  ta.addEventListener('scroll', syncScroll);

  // Escape arms "leave": the next Tab (or Shift+Tab) moves focus as usual.
  let leaving = false;
  ta.addEventListener('keydown', (e) => {
    if (e.isComposing) return;
    if (e.key === 'Escape') { leaving = true; return; }
    const leave = leaving;
    leaving = false;
    if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) {
      if (leave) return;
      e.preventDefault();
      if (e.shiftKey) dedent(ta); else indent(ta);
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      newline(ta);
    } else if (e.key === 'Backspace' && !e.ctrlKey && !e.altKey && !e.metaKey) {
      if (backspaceIndent(ta)) e.preventDefault();
    }
  });

  render();
  return {
    element,
    textarea: ta,
    get value() { return ta.value; },
    /** Replaces the whole text (a program loaded from elsewhere; not undoable). */
    set value(v) { ta.value = v; ta.setSelectionRange(0, 0); ta.scrollTop = 0; ta.scrollLeft = 0; render(); },
    focus() { ta.focus(); },
  };
}

/** Replaces start..end with `text` as if typed (undoable), leaving the caret
 * after it unless `select` asks for the new text selected. */
function replace(ta, start, end, text, select = false) {
  ta.setSelectionRange(start, end);
  // execCommand keeps the undo stack; it is missing in some engines.
  const done = typeof document.execCommand === 'function'
    && (start === end && text === '' ? true
      : document.execCommand(text === '' ? 'delete' : 'insertText', false, text));
  if (!done) {
    ta.setRangeText(text, start, end, 'end');
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }
  if (select) ta.setSelectionRange(start, start + text.length);
}

/** The start of the line holding `pos`. */
const lineStart = (s, pos) => s.lastIndexOf('\n', pos - 1) + 1;

/** The selected lines' span: from the first's start to the last's end (a
 * selection ending at a line's very start leaves that line out). */
function selectedLines(ta) {
  const s = ta.value;
  const { selectionStart: a } = ta;
  let b = ta.selectionEnd;
  if (b > a && s[b - 1] === '\n') b -= 1;
  const from = lineStart(s, a);
  let to = s.indexOf('\n', b);
  if (to < 0) to = s.length;
  return { from, to, multi: s.slice(a, b).includes('\n') };
}

function indent(ta) {
  const { from, to, multi } = selectedLines(ta);
  if (!multi) {
    // Spaces up to the next multiple of four, at the caret.
    const col = ta.selectionStart - lineStart(ta.value, ta.selectionStart);
    replace(ta, ta.selectionStart, ta.selectionEnd, ' '.repeat(4 - (col % 4)));
    return;
  }
  const block = ta.value.slice(from, to).split('\n').map((l) => (l ? INDENT + l : l)).join('\n');
  replace(ta, from, to, block, true);
}

function dedent(ta) {
  const { from, to, multi } = selectedLines(ta);
  const old = ta.value.slice(from, to);
  const block = old.split('\n').map((l) => l.replace(/^(?: {1,4}|\t)/, '')).join('\n');
  if (block === old) return;
  const caret = ta.selectionStart;
  replace(ta, from, to, block, multi);
  if (!multi) {
    const removed = old.length - block.length;
    const pos = Math.max(from, caret - removed);
    ta.setSelectionRange(pos, pos);
  }
}

function newline(ta) {
  const s = ta.value;
  const at = ta.selectionStart;
  const before = s.slice(lineStart(s, at), at);
  let lead = before.match(/^[ \t]*/)[0];
  // A block opener (`if x:`, `def f():`, ignoring a trailing comment) indents one level more.
  if (/:\s*(#.*)?$/.test(before)) lead += INDENT;
  replace(ta, at, ta.selectionEnd, `\n${lead}`);
}

/** Backspace right after leading spaces removes back to the previous indent
 * level; returns whether it did. */
function backspaceIndent(ta) {
  const s = ta.value;
  const at = ta.selectionStart;
  if (at !== ta.selectionEnd) return false;
  const before = s.slice(lineStart(s, at), at);
  if (before.length === 0 || !/^ +$/.test(before)) return false;
  const cut = before.length % 4 || 4;
  replace(ta, at - cut, at, '');
  return true;
}
