// The Python tab's console: what a program writes (stdout, and stderr in red,
// where Python prints its tracebacks), the tab's own lines (run started,
// "Process finished" or the exception), and input() as an inline input line.
// Bounded: it keeps the last MAX_LINES lines (and at most MAX_LINE_CHARS
// characters of one line) and says how many earlier lines it dropped. An
// aria-live="polite" log, so screen readers hear new output.

export const MAX_LINES = 1000;
export const MAX_LINE_CHARS = 10_000;

/** Builds the console; returns { element, write, system, clear, askInput, cancelInput }. */
export function createConsole() {
  const element = document.createElement('div');
  element.className = 'pyt-con';
  element.setAttribute('role', 'log');
  element.setAttribute('aria-live', 'polite');
  element.setAttribute('aria-label', 'Console');
  element.tabIndex = 0;
  const dropNote = document.createElement('div');
  dropNote.className = 'pyt-dropped';
  dropNote.hidden = true;
  element.append(dropNote);

  let dropped = 0;
  let open = null; // the last line while it has no newline yet
  let pending = null; // { input, resolve, reject } while input() waits

  const newLine = () => {
    const line = document.createElement('div');
    line.className = 'pyt-line';
    element.append(line);
    return line;
  };
  const trim = () => {
    let extra = element.childElementCount - 1 - MAX_LINES;
    while (extra-- > 0) {
      const first = dropNote.nextElementSibling;
      if (first === open) open = null;
      first.remove();
      dropped += 1;
    }
    if (dropped > 0) {
      dropNote.hidden = false;
      dropNote.textContent = `${dropped} earlier line${dropped === 1 ? '' : 's'} not kept (the console keeps the last ${MAX_LINES}).`;
    }
  };
  // Scrolls to the end once per frame, however many writes came in it (each
  // scroll forces a layout).
  let frame = 0;
  const follow = () => {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; element.scrollTop = element.scrollHeight; });
  };
  /** Appends `text` (no newline in it) to the open line in class `cls`. */
  const append = (cls, text) => {
    if (!text) return;
    if (!open) open = newLine();
    const room = MAX_LINE_CHARS - open.textContent.length;
    if (room <= 0) return;
    const last = open.lastElementChild;
    const piece = text.length > room ? `${text.slice(0, room)}…` : text;
    if (last && last.className === cls) last.textContent += piece;
    else {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = piece;
      open.append(span);
    }
  };

  /** Program output: `stream` is 'stdout' or 'stderr'; `text` as Python wrote it. */
  function write(stream, text) {
    const cls = stream === 'stderr' ? 'pyt-err' : 'pyt-out';
    let parts = String(text).split('\n');
    // More lines than the console keeps: only the last ones get made at all.
    if (parts.length > MAX_LINES + 1) {
      const skip = parts.length - MAX_LINES - 1;
      if (open) { open = null; }
      dropped += skip;
      parts = parts.slice(skip);
    }
    parts.forEach((part, i) => {
      append(cls, part);
      if (i < parts.length - 1) {
        if (!open) newLine();
        open = null;
      }
    });
    trim();
    follow();
  }

  /** A line of the tab's own (kind: 'start', 'end', 'fail' or 'note'), on a line of its own. */
  function system(text, kind = 'note') {
    open = null;
    const line = newLine();
    line.classList.add('pyt-sys', `pyt-${kind}`);
    line.textContent = text;
    trim();
    follow();
  }

  function clear() {
    for (const line of [...element.querySelectorAll('.pyt-line')]) {
      if (!line.contains(pending?.input)) line.remove();
    }
    open = pending ? pending.input.parentElement : null;
    dropped = 0;
    dropNote.hidden = true;
  }

  /** input(prompt): shows `prompt` and an input field on the open line; Enter
   * resolves with the text (echoed into the console). */
  function askInput(prompt) {
    cancelInput();
    append('pyt-out', String(prompt ?? ''));
    if (!open) open = newLine();
    const input = document.createElement('input');
    input.className = 'pyt-stdin';
    input.setAttribute('aria-label', 'input() — type a line and press Enter');
    input.autocomplete = 'off';
    input.spellcheck = false;
    open.append(input);
    follow();
    input.focus({ preventScroll: true });
    return new Promise((resolve, reject) => {
      pending = { input, resolve, reject };
      input.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || e.isComposing) return;
        e.preventDefault();
        const line = input.value;
        const echo = document.createElement('span');
        echo.className = 'pyt-in';
        echo.textContent = line;
        input.replaceWith(echo);
        pending = null;
        open = null;
        follow();
        resolve(line);
      });
    });
  }

  /** Ends a waiting input() (the program stopped): the field goes away and the
   * promise rejects. */
  function cancelInput() {
    if (!pending) return;
    const { input, reject } = pending;
    pending = null;
    input.remove();
    open = null;
    reject(new Error('input() cancelled: the program stopped'));
  }

  return { element, write, system, clear, askInput, cancelInput };
}
