//! "Export recording" and "Import recording": the session's recording saved as
//! `socklab-<date>.json`, and a recording file (chosen, or dropped on the
//! button) read with `Recording::from_json` and handed to `on_load`. A file
//! that cannot be read is said in words and the workbench is left untouched.
//!
//! Owns the import's error line; recording is `recorder.rs`, replay is
//! `state/replay.rs`.

use super::recorder::Recorder;
use crate::panel_io;
use shared::recording::Recording;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub recorder: Recorder,
    /// A recording was read: replay it.
    pub on_load: Callback<Rc<Recording>>,
}

/// `socklab-2026-11-29-105149.json`, from the page's clock.
pub fn file_name() -> String {
    let iso: String = js_sys::Date::new_0().to_iso_string().into();
    let stamp: String = iso
        .chars()
        .take(19)
        .map(|c| if c == 'T' { '-' } else { c })
        .filter(|c| *c != ':')
        .collect();
    format!("socklab-{stamp}.json")
}

/// Reads a dropped or chosen file and loads it, or says why not.
fn load(
    file: web_sys::File,
    on_load: Callback<Rc<Recording>>,
    error: UseStateHandle<Option<String>>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(t) => t.as_string().unwrap_or_default(),
            Err(_) => {
                error.set(Some(format!(
                    "{}: the browser could not read this file",
                    file.name()
                )));
                return;
            }
        };
        match Recording::from_json(&text) {
            Ok(rec) => {
                error.set(None);
                on_load.emit(Rc::new(rec));
            }
            Err(e) => error.set(Some(format!("{} cannot be replayed: {e}", file.name()))),
        }
    });
}

#[function_component(RecordingFiles)]
pub fn recording_files(props: &Props) -> Html {
    let error = use_state(|| None::<String>);
    let input = use_node_ref();
    let on_export = {
        let (recorder, error) = (props.recorder.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let text = serde_json::to_string_pretty(&recorder.snapshot()).unwrap_or_default();
            if panel_io::save_as(&file_name(), "application/json", text.as_bytes()).is_err() {
                error.set(Some("the browser refused the download".into()));
            }
        })
    };
    let on_pick = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = input.cast::<web_sys::HtmlInputElement>() {
                el.set_value("");
                el.click();
            }
        })
    };
    let on_change = {
        let (on_load, error) = (props.on_load.clone(), error.clone());
        Callback::from(move |e: Event| {
            let file = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                load(file, on_load.clone(), error.clone());
            }
        })
    };
    let on_drop = {
        let (on_load, error) = (props.on_load.clone(), error.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let file = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                load(file, on_load.clone(), error.clone());
            }
        })
    };
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    html! {
        <div class="rec-files">
            <button onclick={on_export} title="save every request, reply and event of this session as JSON">{"Export recording"}</button>
            <button onclick={on_pick} ondrop={on_drop} ondragover={on_dragover} title="replay a recording file (or drop it here)">{"Import recording"}</button>
            <input ref={input} type="file" accept=".json,application/json" class="visually-hidden" aria-label="recording file" tabindex="-1" onchange={on_change} />
            if let Some(text) = (*error).clone() {
                <p class="error rec-error" role="alert">{text}</p>
            }
        </div>
    }
}
