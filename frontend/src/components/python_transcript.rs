//! The Python transcript: every completed call as Python 3, with what it
//! printed or raised; copy it, or download it as a `.py` that reproduces the
//! session against the same servers.

use super::app::AppCtx;
use crate::python::{expected_output, script};
use yew::prelude::*;

/// The downloaded file's name.
const FILE_NAME: &str = "socklab_session.py";
/// Entries shown on the page (the download always has all of them).
const SHOWN: usize = 400;

fn download(text: &str) -> Result<(), wasm_bindgen::JsValue> {
    crate::panel_io::save_as(FILE_NAME, "text/x-python", text.as_bytes())
}

#[function_component(PythonTranscript)]
pub fn python_transcript() -> Html {
    let ctx = use_context::<AppCtx>();
    let copied = use_state(|| None::<&'static str>);
    let view = use_node_ref();
    let len = ctx.as_ref().map(|c| c.state.transcript.len()).unwrap_or(0);
    {
        // Keep the newest line in view.
        let view = view.clone();
        use_effect_with(len, move |_| {
            if let Some(el) = view.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let Some(ctx) = ctx else { return html! {} };
    let entries = ctx.state.transcript.items();
    let full = script(&entries);
    let expected = expected_output(&entries).join("\n");
    let on_copy = {
        let (text, copied) = (full.clone(), copied.clone());
        Callback::from(move |_| {
            let Some(window) = web_sys::window() else {
                return;
            };
            let promise = window.navigator().clipboard().write_text(&text);
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                copied.set(Some(if ok {
                    "copied"
                } else {
                    "copy failed: select the text instead"
                }));
            });
        })
    };
    let on_download = {
        let text = full.clone();
        Callback::from(move |_| {
            let _ = download(&text);
        })
    };
    let skip = entries.len().saturating_sub(SHOWN);
    let lines: Html = entries
        .iter()
        .skip(skip)
        .map(|e| {
            let code: Html = e
                .code
                .iter()
                .map(|l| {
                    let class = classes!("py-code", e.skipped.is_some().then_some("skipped"));
                    html! { <div {class}>{if e.skipped.is_some() { format!("# {l}") } else { l.clone() }}</div> }
                })
                .collect();
            let out: Html = e
                .output
                .iter()
                .filter(|_| e.error.is_none())
                .map(|o| html! { <div class="py-out" data-output={o.clone()}>{o.clone()}</div> })
                .collect();
            html! {
                <div class="py-entry">
                    {code}
                    if let Some(n) = &e.note { <div class="py-note">{format!("# {n}")}</div> }
                    {out}
                    if let Some(err) = &e.error { <div class="py-err" data-output={err.clone()}>{err.clone()}</div> }
                    if let Some(why) = &e.skipped { <div class="py-note">{format!("# socklab answered: {why}")}</div> }
                </div>
            }
        })
        .collect();
    html! {
        <section class="transcript" aria-label="python transcript">
            <h2>{"Python"}
                <span class="tools">
                    <button onclick={on_copy}>{"copy"}</button>
                    <button onclick={on_download}>{"download .py"}</button>
                    if let Some(c) = *copied { <span class="hint">{c}</span> }
                </span>
            </h2>
            <div class="py" data-expected={expected} ref={view}>
                <div class="py-code py-head">{"import socket, select"}</div>
                if skip > 0 { <div class="py-note">{format!("# … {skip} earlier entries (all are in the download)")}</div> }
                {lines}
            </div>
        </section>
    }
}
