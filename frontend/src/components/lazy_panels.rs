//! The code that loads on first use: the HTTP, FTP and Mail panels' views
//! ([`Panels`]) and the Python tab's request reader ([`ReadRequest`]). In the workbench's
//! build (`/`, the `split` feature) each is a split point of
//! `wasm_split_helpers`: `cargo xtask ui` cuts what only it reaches out of the
//! start wasm into a module of its own that the page fetches the first time
//! the tab opens (docs/architecture.md, "Two builds"). State stays where it is
//! (the one reducer, `state/`); only views and the request reader move. Without the
//! feature (the `learn` build, native tests) the same functions are plain
//! calls.

use super::{ftp_panel::FtpPanel, http_panel::HttpPanel, mail_panel::MailPanel};
use crate::state::{ftp::FtpState, http::HttpState, mail::MailState};
use std::rc::Rc;
use yew::prelude::*;

/// The protocol panels' views, each rendering its slice of the state.
#[derive(Clone, Copy)]
pub struct Panels {
    pub http: fn(Rc<HttpState>) -> Html,
    pub ftp: fn(Rc<FtpState>) -> Html,
    pub mail: fn(Rc<MailState>) -> Html,
}

fn http_view(http: Rc<HttpState>) -> Html {
    html! { <HttpPanel {http} /> }
}

fn ftp_view(ftp: Rc<FtpState>) -> Html {
    html! { <FtpPanel {ftp} /> }
}

fn mail_view(mail: Rc<MailState>) -> Html {
    html! { <MailPanel {mail} /> }
}

#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(panels))]
fn panels() -> Panels {
    Panels {
        http: http_view,
        ftp: ftp_view,
        mail: mail_view,
    }
}

/// The panels, fetched on the first call (once; later calls are immediate).
pub async fn load_panels() -> Panels {
    #[cfg(feature = "split")]
    return panels().await;
    #[cfg(not(feature = "split"))]
    return panels();
}

/// Reads a program's request (`shared::decode_op::program_op`): the Python
/// tab's bridge ([`crate::program::install`]) gets it when the tab first opens.
pub type ReadRequest = fn(&str) -> Result<shared::Op, String>;

fn read_request(text: &str) -> Result<shared::Op, String> {
    shared::decode_op::program_op(text).map_err(|e| e.to_string())
}

#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(python))]
fn request_reader() -> ReadRequest {
    read_request
}

/// The Python tab's request reader, fetched on the first call.
pub async fn load_request_reader() -> ReadRequest {
    #[cfg(feature = "split")]
    return request_reader().await;
    #[cfg(not(feature = "split"))]
    return request_reader();
}

/// The panels once a protocol tab has been `wanted` (opened) for the first
/// time; `None` before and while they load.
#[hook]
pub fn use_panels(wanted: bool) -> Option<Panels> {
    let panels = use_state(|| None::<Panels>);
    {
        let panels = panels.clone();
        use_effect_with(wanted, move |wanted| {
            if *wanted && panels.is_none() {
                wasm_bindgen_futures::spawn_local(async move {
                    panels.set(Some(load_panels().await));
                });
            }
        });
    }
    *panels
}

/// A panel's view, or a line saying it is on its way.
pub fn panel_or_progress(view: Option<Html>) -> Html {
    view.unwrap_or_else(
        || html! { <p class="hint loading" role="status">{"Loading this tab…"}</p> },
    )
}
