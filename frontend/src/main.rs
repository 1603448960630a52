//! socklab's browser workbench: a Yew app (wasm32) that drives real sockets
//! through the relay over one WebSocket, shows each socket's life (cards and a
//! timeline) and writes the equivalent Python as the learner clicks. Tabs add
//! an HTTP panel (`http.client`) and an FTP panel (`ftplib`).
//!
//! Layout: [`state`] (the one reducer), [`relay`] (the WebSocket service),
//! [`python`] (the transcript), [`python_http`] and [`python_ftp`] (the HTTP
//! and FTP calls as Python), [`bytes`] (literals and hex), [`log`] (the
//! append-only storage behind the timeline), [`panel_io`] (timed requests,
//! wire text, browser files for the panels), and `components/`, one component
//! per file. Wire types come only from the `shared` crate.

mod bytes;
mod components;
mod log;
mod panel_io;
mod python;
mod python_ftp;
mod python_http;
mod relay;
mod state;

fn main() {
    yew::Renderer::<components::app::App>::new().render();
}
