// Python syntax highlighting for the Python tab's editor: turns source text into
// HTML with one <span class="tok-…"> per keyword, string (single-, triple-quoted,
// with any prefix such as b, r, f, rb), comment, number, builtin, decorator and
// the name after def/class. Pure: text in, HTML out, every character escaped.
// Work is linear in the text; past MAX_CHARS the text is returned unhighlighted.

export const MAX_CHARS = 50_000;

const KEYWORDS = new Set(('False None True and as assert async await break class continue def del '
  + 'elif else except finally for from global if import in is lambda nonlocal not or pass raise '
  + 'return try while with yield match case type').split(' '));
// `match`, `case` and `type` are soft keywords: only highlighted at the start of a line.
const SOFT = new Set(['match', 'case', 'type']);

const BUILTINS = new Set(('abs all any ascii bin bool breakpoint bytearray bytes callable chr '
  + 'classmethod compile complex delattr dict dir divmod enumerate eval exec filter float format '
  + 'frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len '
  + 'list locals map max memoryview min next object oct open ord pow print property range repr '
  + 'reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip '
  + 'self Exception BaseException OSError ConnectionError ConnectionRefusedError '
  + 'ConnectionResetError TimeoutError BlockingIOError KeyError ValueError TypeError '
  + 'KeyboardInterrupt StopIteration').split(' '));

// One alternation, tried at every position; each group is a token kind.
const TOKEN = new RegExp([
  '(#[^\\n]*)', // 1 comment
  // 2 string: optional prefix, then triple or single quotes (a single-quoted
  // string ends at its line's end when unterminated; a triple one at the text's end)
  '((?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:\'\'\'[\\s\\S]*?(?:\'\'\'|$(?![\\s\\S]))|"""[\\s\\S]*?(?:"""|$(?![\\s\\S]))|\'(?:[^\'\\\\\\n]|\\\\[\\s\\S])*\'?|"(?:[^"\\\\\\n]|\\\\[\\s\\S])*"?))',
  // 3 number: hex, octal, binary, decimal/float with exponent, complex; underscores
  '(\\b(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\\d[\\d_]*\\.?[\\d_]*|\\.\\d[\\d_]*)(?:[eE][+-]?\\d[\\d_]*)?[jJ]?)\\b|\\.\\d[\\d_]*(?:[eE][+-]?\\d+)?[jJ]?)',
  '(@[A-Za-z_][\\w.]*)', // 4 decorator
  '([A-Za-z_]\\w*)', // 5 name
].join('|'), 'gy');

// Characters a token can start with.
const STARTS = /[#'"A-Za-z_0-9.@]/;

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ESCAPES[c]);

const span = (cls, text) => `<span class="tok-${cls}">${escapeHtml(text)}</span>`;

/** The highlighted HTML for `src`. */
export function highlight(src) {
  if (src.length > MAX_CHARS) return escapeHtml(src);
  let out = '';
  let plainFrom = 0;
  let prevName = '';
  let i = 0;
  const flushPlain = (to) => {
    if (to > plainFrom) out += escapeHtml(src.slice(plainFrom, to));
  };
  while (i < src.length) {
    const c = src.charCodeAt(i);
    const m = STARTS.test(src[i]) ? (TOKEN.lastIndex = i, TOKEN.exec(src)) : null;
    if (!m || m[0] === '') {
      // Whitespace, punctuation or operators: skip to the next possible token start.
      if (c !== 32 && c !== 9) prevName = '';
      i += 1;
      continue;
    }
    flushPlain(i);
    const [text, comment, string, number, decorator, name] = m;
    if (comment !== undefined) out += span('comment', text);
    else if (string !== undefined) out += span(/^[rRuU]?[fF]|^[fF]/.test(text) ? 'fstring' : 'string', text);
    else if (number !== undefined) out += span('number', text);
    else if (decorator !== undefined) out += span('decorator', text);
    else if (name !== undefined) out += nameToken(src, i, text, prevName);
    prevName = name ?? '';
    i += text.length;
    plainFrom = i;
  }
  flushPlain(src.length);
  return out;
}

/** A name's span: the defined name after def/class, a keyword, a builtin (not
 * after a dot: `sock.send` is an attribute) or plain. */
function nameToken(src, at, name, prevName) {
  if (prevName === 'def' || prevName === 'class') return span('def', name);
  const afterDot = at > 0 && src[at - 1] === '.';
  if (KEYWORDS.has(name) && !afterDot) {
    if (!SOFT.has(name)) return span('keyword', name);
    const lineStart = src.lastIndexOf('\n', at - 1) + 1;
    if (/^\s*$/.test(src.slice(lineStart, at))) return span('keyword', name);
  }
  if (BUILTINS.has(name) && !afterDot) return span('builtin', name);
  return escapeHtml(name);
}
