//! socklab's browser workbench: a Yew app (wasm32) that drives real sockets
//! through the relay over one WebSocket, shows each socket's life (cards and a
//! timeline) and writes the equivalent Python as the learner clicks. Tabs add
//! an HTTP panel (`http.client`) and an FTP panel (`ftplib`).
//!
//! Layout: [`state`] (the one reducer and its slices), [`relay`] (the
//! WebSocket service), [`python`] (the transcript and its builders for
//! `socket`, `http.client` and `ftplib`), [`bytes`] (literals and hex),
//! [`log`] (the append-only storage behind the timeline), [`panel_io`] (wire
//! text, URLs, browser files for the panels), [`lessons`] (the lesson
//! catalogue, saved progress, words in two languages, probes), [`hooks`] (the app's contexts
//! and the hooks components share), and `components/`, one component per file
//! (a big one as a folder of subcomponents). Wire types come only from the
//! `shared` crate.

mod bytes;
mod components;
mod embed;
mod hooks;
mod lessons;
mod log;
mod panel_io;
mod program;
mod python;
mod relay;
mod replay;
mod share;
mod state;

fn main() {
    match embed::Options::from_location() {
        Some(opts) => {
            let props = embed::player::Props {
                opts: std::rc::Rc::new(opts),
            };
            yew::Renderer::<embed::player::Player>::with_props(props).render();
        }
        None => {
            yew::Renderer::<components::app::App>::new().render();
        }
    }
}
