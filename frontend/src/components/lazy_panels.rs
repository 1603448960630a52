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

/// A part that could not be fetched (the relay went away, the network
/// failed). Nothing is cached: the next call fetches again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotLoaded;

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for NotLoaded {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        NotLoaded
    }
}

#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(panels, fallible))]
fn panels() -> Result<Panels, NotLoaded> {
    Ok(Panels {
        http: http_view,
        ftp: ftp_view,
        mail: mail_view,
    })
}

/// The panels, fetched on the first call (once; later calls are immediate).
pub async fn load_panels() -> Result<Panels, NotLoaded> {
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

#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(python, fallible))]
fn request_reader() -> Result<ReadRequest, NotLoaded> {
    Ok(read_request)
}

/// The Python tab's request reader, fetched on the first call.
pub async fn load_request_reader() -> Result<ReadRequest, NotLoaded> {
    #[cfg(feature = "split")]
    return request_reader().await;
    #[cfg(not(feature = "split"))]
    return request_reader();
}

/// Where a part is: not asked for yet or on its way, there, or not fetched
/// (asking again fetches again).
#[derive(Clone, Copy)]
pub enum Part<T> {
    Loading,
    Ready(T),
    Failed,
}

/// A part fetched by `load` once it is `wanted` (its tab opened) and again
/// each time it is wanted while not there, and a callback that fetches it
/// again (a "try again" button).
#[hook]
pub fn use_part<T, F>(wanted: bool, load: fn() -> F) -> (Part<T>, Callback<MouseEvent>)
where
    T: Copy + 'static,
    F: std::future::Future<Output = Result<T, NotLoaded>> + 'static,
{
    let part = use_state(|| Part::Loading);
    let fetch = {
        let part = part.clone();
        Callback::from(move |_: ()| {
            let part = part.clone();
            part.set(Part::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                part.set(match load().await {
                    Ok(p) => Part::Ready(p),
                    Err(NotLoaded) => Part::Failed,
                });
            });
        })
    };
    {
        let fetch = fetch.clone();
        let ready = matches!(*part, Part::Ready(_));
        use_effect_with(wanted, move |wanted| {
            if *wanted && !ready {
                fetch.emit(());
            }
        });
    }
    (*part, fetch.reform(|_| ()))
}

/// A panel's view, a line saying it is on its way, or why it is not there
/// with a button to try again.
pub fn panel_or_progress(
    state: Part<Panels>,
    view: impl FnOnce(Panels) -> Html,
    retry: &Callback<MouseEvent>,
) -> Html {
    match state {
        Part::Ready(p) => view(p),
        Part::Loading => {
            html! { <p class="hint loading" role="status">{"Loading this tab…"}</p> }
        }
        Part::Failed => html! {
            <p class="hint-err" role="alert">
                {"This tab's code could not be fetched from the relay (is it still running?). "}
                <button onclick={retry.clone()}>{"try again"}</button>
            </p>
        },
    }
}
