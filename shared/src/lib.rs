//! The socklab wire protocol (version 1, specified in `docs/protocol.md`) as serde types.
//!
//! This crate owns every message that crosses the WebSocket between the browser
//! frontend and the native relay: requests ([`Request`], [`Op`] and the argument
//! structs of [`op_args`]), replies ([`Reply`], [`OkBody`], [`ErrorBody`]), events
//! ([`EventFrame`], [`Event`]),
//! the byte carrier [`Data`], addresses ([`Addr`]) and the binary frame layout
//! ([`binary`]), and the files made of them: lessons and their checks
//! ([`lesson`], [`check`], [`pattern`], [`trace`], [`probe_run`]) and recordings and scenarios
//! ([`recording`]). It performs no I/O and compiles for native targets and for
//! `wasm32-unknown-unknown`; nothing else in the workspace may declare a wire type.
//!
//! Everything here reads what a peer sends, so non-test code never panics on it:
//! no `unwrap`, no slicing of `str` at byte offsets, no unchecked indexing.

#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

pub mod addr;
pub mod binary;
pub mod check;
pub mod data;
mod decode;
pub mod decode_op;
pub mod error;
pub mod event;
pub mod field_error;
pub mod health;
pub mod kernel;
pub mod lesson;
pub mod mail_args;
pub mod op;
pub mod op_args;
mod op_names;
pub mod pattern;
pub mod probe_run;
pub mod progress;
pub mod recording;
pub mod reply;
pub mod request;
pub mod socket_consts;
pub mod status;
pub mod trace;

pub use addr::Addr;
pub use data::{Data, Encoding};
pub use error::{codes, Errno, ErrorBody};
pub use event::{
    Channel, CloseReason, Dir, Event, EventFrame, Hello, Limits, PolicySummary, RelayInfo,
    SockState,
};
pub use health::Health;
pub use kernel::{KernelSource, KernelState};
pub use op::Op;
pub use op_args::{ConnectArgs, FtpStore, RecvArgs, SendArgs};
pub use progress::Progress;
pub use reply::{OkBody, Outcome, Reply, ServerFrame, TcpInfo};
pub use request::{parse_request, Request, RequestError};
pub use socket_consts::{Family, How, OptLevel, OptName, OptValue, RecvFlag, SockType};
pub use status::{HandleCounts, SessionStatus, StatusReport, StatusTotals};

/// The protocol version this crate implements (`hello.protocol`).
pub const PROTOCOL_VERSION: u32 = 1;
