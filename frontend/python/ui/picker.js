// The Python tab's example picker: a <select> of the example programs and,
// when choosing one would replace code the learner has edited, an inline
// question ("Replace your edited code with …?") instead of a browser dialog.
// Knows nothing of the editor: it asks `isEdited()` and calls `onLoad(example)`.

/** Wires the picker: `select` (the <select>) and `ask` (the question); returns
 * { add(list), get(name) }: offer the examples once they load, look one up. */
export function createPicker({ select, ask, isEdited, onLoad, onDone }) {
  const byName = new Map();
  const text = ask.querySelector('.pyt-ask-text');
  const keep = ask.querySelector('.pyt-keep');
  let wanted = null;
  const close = () => { ask.hidden = true; wanted = null; };

  select.addEventListener('change', () => {
    const ex = byName.get(select.value);
    select.value = '';
    if (!ex) return;
    if (!isEdited()) { close(); onLoad(ex); return; }
    wanted = ex;
    text.textContent = `Replace your edited code with “${ex.title}”?`;
    ask.hidden = false;
    keep.focus();
  });
  ask.querySelector('.pyt-replace').addEventListener('click', () => {
    const ex = wanted;
    close();
    if (ex) onLoad(ex);
    onDone();
  });
  keep.addEventListener('click', () => { close(); select.focus(); });

  return {
    /** Offers `list` ([{ name, title, file, code }]). */
    add(list) {
      for (const ex of list) {
        byName.set(ex.name, ex);
        select.add(new Option(ex.title, ex.name));
      }
    },
    /** The example called `name`, if offered. */
    get: (name) => byName.get(name),
  };
}
