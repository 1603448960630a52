//! socklab relay: performs Python `socket`, `select`, `http.client` and `ftplib`
//! calls for a browser over one WebSocket per session.
//!
//! Layout: `server` (HTTP, upgrade, start/stop), `session` (one task and one
//! `select!` loop per WebSocket, the only owner of its handles), `ops/` (the
//! operations, one file per family), `io` (the socket futures a session polls),
//! `sock` (the socket model), `policy` (pure allow/deny decisions), `resolve`
//! (resolve-then-check), `http/` and `ftp/` (the protocol clients), `tap` (wire
//! events), `labs/` (built-in lab servers), `config`, `state`.

// Input from browsers, peers and lab clients must never panic the relay: no
// byte-slicing of `str`, no unchecked indexing, no `unwrap` outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

pub mod budget;
mod call_queue;
pub mod class_preset;
pub mod config;
pub mod descriptors;
pub mod drain;
mod engines;
mod framing;
mod ftp;
mod http;
mod io;
pub mod labs;
pub mod lessons;
pub mod linger;
mod mail;
mod metrics;
mod ops;
mod oserror;
mod outbox;
pub mod policy;
pub mod port_space;
mod resolve;
mod server;
mod session;
mod shards;
mod sock;
pub mod sock_diag;
mod state;
pub mod status;
mod status_page;
mod stop_signal;
mod sweeper;
mod tally;
mod tap;
mod tcp_info;
#[cfg(test)]
mod test_support;
pub mod tls_listener;
mod ui_files;
mod wake_gate;

pub use config::Config;
pub use server::{start, Running};
