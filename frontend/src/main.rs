//! socklab's browser workbench: a Yew app (wasm32) that drives real sockets
//! through the relay over one WebSocket, shows each socket's life (cards and a
//! timeline) and writes the equivalent Python as the learner clicks.
//!
//! Layout: [`state`] (the one reducer), [`relay`] (the WebSocket service),
//! [`python`] (the transcript), [`bytes`] (literals and hex), [`log`] (the
//! append-only storage behind the timeline), and `components/`, one component
//! per file. Wire types come only from the `shared` crate.

mod bytes;
mod components;
mod log;
mod python;
mod relay;
mod state;

fn main() {
    yew::Renderer::<components::app::App>::new().render();
}
