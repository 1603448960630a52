//! Every tab's Python section: a transcript (every completed call as Python
//! 3, with what it printed or raised) with copy and download, as a `.py` that
//! reproduces the calls against the same servers. The Sockets tab shows the
//! session's transcript with its defaults; the HTTP and FTP panels show their
//! own calls with their own file name.

use super::transcript::Transcript;
use crate::log::Log;
use crate::python::{script, PyEntry};
use yew::prelude::*;

/// Entries shown on the page (the download always has all of them).
const SHOWN: usize = 400;

fn download(file: &str, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    crate::panel_io::save_as(file, "text/x-python", text.as_bytes())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entries: Log<PyEntry>,
    /// The downloaded file's name.
    #[prop_or(AttrValue::Static("socklab_session.py"))]
    pub file: AttrValue,
    /// The transcript's classes (`py` on the Sockets tab, `py-lines …` in a panel).
    #[prop_or_else(|| classes!("py"))]
    pub class: Classes,
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    /// A first line before the entries.
    #[prop_or(Some(AttrValue::Static("import socket, select")))]
    pub head: Option<AttrValue>,
    /// The section's accessible name.
    #[prop_or(AttrValue::Static("python transcript"))]
    pub label: AttrValue,
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
        let (entries, file) = (props.entries.clone(), props.file.clone());
        Callback::from(move |_| {
            let _ = download(&file, &script(&entries.items()));
        })
    };
    html! {
        <section class="transcript" aria-label={props.label.clone()}>
            <h2>{"Python"}
                <span class="tools">
                    <button onclick={on_copy}>{"copy"}</button>
                    <button onclick={on_download}>{"download .py"}</button>
                    if let Some(c) = *copied { <span class="hint">{c}</span> }
                </span>
            </h2>
            <Transcript entries={props.entries.clone()} class={props.class.clone()} testid={props.testid.clone()}
                head={props.head.clone()} shown={SHOWN} expected=true />
        </section>
    }
}
