//! The Python tab's shell: an empty container that, the first time the tab
//! is shown, loads `/python/shell.js` (served beside the page, never part of
//! the wasm) and lets it mount the editor, console and runtime into it. Also
//! keeps `window.socklabProgram` ([`crate::program`]) calling through the
//! page's current relay connection.

use crate::hooks::use_app;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Whether the tab is shown (the code loads on the first `true`).
    pub shown: bool,
}

#[function_component(PythonTab)]
pub fn python_tab(props: &Props) -> Html {
    let ctx = use_app();
    let div = use_node_ref();
    let loaded = use_mut_ref(|| false);
    use_effect_with(ctx.relay.clone(), move |_| crate::program::install(ctx));
    {
        let div = div.clone();
        use_effect_with(props.shown, move |shown| {
            if *shown && !*loaded.borrow() {
                *loaded.borrow_mut() = true;
                if let Some(el) = div.get() {
                    mount(&el);
                }
            }
        });
    }
    html! { <div class="python-tab" ref={div} aria-label="Python"></div> }
}

/// `import("/python/shell.js").then(m => m.open(el))`; a failure shows in the tab.
fn mount(el: &JsValue) {
    let load = js_sys::Function::new_with_args(
        "el",
        "return import('/python/shell.js').then(m => m.open(el)).catch(e => { \
         el.textContent = 'The Python tab could not load: ' + e; })",
    );
    let _ = load.call1(&JsValue::NULL, el);
}
