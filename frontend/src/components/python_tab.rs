//! The Python tab's shell: an empty container that, the first time the tab
//! is shown, loads the bridge's request reader (a part of its own in the
//! workbench's build: `lazy_panels.rs`), installs `window.socklabProgram`
//! ([`crate::program`]), then loads `/python/shell.js` (served beside the
//! page, never part of the wasm) and lets it mount the editor, console and
//! runtime into it. Keeps the bridge calling through the page's current relay
//! connection.

use super::lazy_panels::{load_request_reader, use_part, Part};
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
    let (reader, retry) = use_part(props.shown, load_request_reader);
    let mounted = use_mut_ref(|| false);
    // The bridge calls through the current connection: installed again after a reconnect.
    let read = match reader {
        Part::Ready(read) => Some(read),
        Part::Loading | Part::Failed => None,
    };
    use_effect_with((ctx.relay.clone(), read.is_some()), move |_| {
        if let Some(read) = read {
            crate::program::install(ctx, read);
        }
    });
    {
        let div = div.clone();
        use_effect_with((props.shown, read.is_some()), move |(shown, ready)| {
            if *shown && *ready && !*mounted.borrow() {
                *mounted.borrow_mut() = true;
                if let Some(el) = div.get() {
                    mount(&el);
                }
            }
        });
    }
    html! {
        <>
            if matches!(reader, Part::Failed) {
                <p class="hint-err" role="alert">
                    {"The Python tab's code could not be fetched from the relay (is it still running?). "}
                    <button onclick={retry}>{"try again"}</button>
                </p>
            }
            <div class="python-tab" ref={div} aria-label="Python"></div>
        </>
    }
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
