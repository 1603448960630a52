//! The "Share" button: the session's calls as a scenario (or, while replaying,
//! the recording itself) put in a link, copied to the clipboard, with a
//! visible confirmation and the link shown; a link over the size limit gets
//! the message saying how long it would be and what to do instead.
//!
//! Owns the shown link and message; encoding is `share/mod.rs`.

use super::fragment_for;
use crate::replay::recorder::Recorder;
use shared::recording::Recording;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub recorder: Recorder,
    /// The recording being replayed, shared as it is (else the session's scenario).
    #[prop_or_default]
    pub replaying: Option<Rc<Recording>>,
}

/// What the button last did.
#[derive(Clone, PartialEq)]
enum Shown {
    Nothing,
    Link { url: String, copied: bool },
    Error(String),
}

/// The page's address without query or fragment.
fn page_base() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

#[function_component(ShareButton)]
pub fn share_button(props: &Props) -> Html {
    let shown = use_state(|| Shown::Nothing);
    let onclick = {
        let (recorder, replaying, shown) = (
            props.recorder.clone(),
            props.replaying.clone(),
            shown.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let json = match &replaying {
                Some(rec) => serde_json::to_string(&**rec),
                None => {
                    let mut scenario = recorder.snapshot().to_scenario();
                    scenario.title = "shared from socklab".into();
                    serde_json::to_string(&scenario)
                }
            }
            .unwrap_or_default();
            let shown = shown.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match fragment_for(&json).await {
                    Ok(fragment) => {
                        let url = format!("{}{fragment}", page_base());
                        let copied = match web_sys::window() {
                            Some(w) => wasm_bindgen_futures::JsFuture::from(
                                w.navigator().clipboard().write_text(&url),
                            )
                            .await
                            .is_ok(),
                            None => false,
                        };
                        shown.set(Shown::Link { url, copied });
                    }
                    Err(e) => shown.set(Shown::Error(e)),
                }
            });
        })
    };
    html! {
        <div class="share">
            <button {onclick} title="put this session's calls in a link">{"Share"}</button>
            { match &*shown {
                Shown::Nothing => html! {},
                Shown::Link { url, copied } => html! {
                    <p class="share-link" role="status">
                        <span class="hint">{if *copied { "link copied to the clipboard:" } else { "copy this link:" }}</span>
                        <input readonly=true aria-label="share link" value={url.clone()} />
                    </p>
                },
                Shown::Error(e) => html! { <p class="error share-error" role="alert">{e.clone()}</p> },
            } }
        </div>
    }
}
