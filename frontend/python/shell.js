// Mounts the Python tab (called by the Yew shell, components/python_tab.rs,
// the first time the tab is shown): the UI of ui/tab.js with this page's
// runtime (runtime.js) and the example programs' location.
import { createRuntime } from './runtime.js';

export const EXAMPLES_URL = new URL('./examples/', import.meta.url).href;

export async function open(el) {
  const { mount } = await import('./ui/tab.js');
  return mount(el, { createRuntime, examples: EXAMPLES_URL });
}
