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
//!
//! Two builds (docs/architecture.md, "Two builds"): the default one is the
//! workbench at `/` with its front door; the `learn` feature (learn.html,
//! served at `/learn/` and `/embed`) adds the lesson panel, recordings and
//! replay ([`replay`]), share links ([`share`]) and the embed player
//! ([`embed`]). [`learn`] is where the app picks its build's parts. Unit tests
//! always compile the `learn` parts.

mod bytes;
mod components;
#[cfg(any(feature = "learn", test))]
mod embed;
mod hooks;
mod learn;
mod lessons;
mod log;
mod panel_io;
mod program;
mod python;
mod relay;
#[cfg(any(feature = "learn", test))]
mod replay;
#[cfg(any(feature = "learn", test))]
mod share;
mod state;

fn main() {
    #[cfg(any(feature = "learn", test))]
    if let Some(opts) = embed::Options::from_location() {
        let props = embed::player::Props {
            opts: std::rc::Rc::new(opts),
        };
        yew::Renderer::<embed::player::Player>::with_props(props).render();
        return;
    }
    #[cfg(not(any(feature = "learn", test)))]
    if learn::moved_to_learn() {
        return;
    }
    yew::Renderer::<components::app::App>::new().render();
}
