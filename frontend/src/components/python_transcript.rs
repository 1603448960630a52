//! The Sockets tab's Python section: the session's transcript (every
//! completed call as Python 3, with what it printed or raised) with copy and
//! download, as a `.py` that reproduces the session against the same servers.

use super::transcript::Transcript;
use crate::log::Log;
use crate::python::{script, PyEntry};
use yew::prelude::*;

/// The downloaded file's name.
const FILE_NAME: &str = "socklab_session.py";
/// Entries shown on the page (the download always has all of them).
const SHOWN: usize = 400;

fn download(text: &str) -> Result<(), wasm_bindgen::JsValue> {
    crate::panel_io::save_as(FILE_NAME, "text/x-python", text.as_bytes())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entries: Log<PyEntry>,
}

#[function_component(PythonTranscript)]
pub fn python_transcript(props: &Props) -> Html {
    let copied = use_state(|| None::<&'static str>);
    let on_copy = {
        let (entries, copied) = (props.entries.clone(), copied.setter());
        Callback::from(move |_| {
            let Some(window) = web_sys::window() else {
                return;
            };
            let promise = window
                .navigator()
                .clipboard()
                .write_text(&script(&entries.items()));
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
        let entries = props.entries.clone();
        Callback::from(move |_| {
            let _ = download(&script(&entries.items()));
        })
    };
    html! {
        <section class="transcript" aria-label="python transcript">
            <h2>{"Python"}
                <span class="tools">
                    <button onclick={on_copy}>{"copy"}</button>
                    <button onclick={on_download}>{"download .py"}</button>
                    if let Some(c) = *copied { <span class="hint">{c}</span> }
                </span>
            </h2>
            <Transcript entries={props.entries.clone()} class="py" head="import socket, select"
                shown={SHOWN} expected=true />
        </section>
    }
}
