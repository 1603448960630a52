//! Events: unsolicited relay frames, `{"ev": "state", "t": 1532, …}`.
//!
//! Owns the event catalogue and the `hello` description of a relay; when an event
//! is sent is the relay's business.

use crate::{Addr, Data};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An event frame: `t` (ms since the session started, never decreasing) and the
/// event. (Its `Deserialize`, like [`Event`]'s, is in `decode.rs`.)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventFrame {
    pub t: u64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "ev")]
pub enum Event {
    #[serde(rename = "hello")]
    Hello(Hello),
    #[serde(rename = "state")]
    State {
        sock: String,
        from: SockState,
        to: SockState,
    },
    #[serde(rename = "incoming")]
    Incoming { sock: String, addr: Addr },
    /// The kernel's own state of a TCP connection (`crate::kernel`).
    #[serde(rename = "kernel")]
    Kernel(crate::kernel::KernelState),
    #[serde(rename = "data")]
    Data {
        sock: String,
        dir: Dir,
        n: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preview: Option<Data>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Data>,
    },
    #[serde(rename = "closed")]
    Closed { sock: String, reason: CloseReason },
    #[serde(rename = "wire")]
    Wire {
        handle: String,
        channel: Channel,
        dir: Dir,
        data: Data,
    },
    #[serde(rename = "ftp.block")]
    FtpBlock { conn: String, data: Data },
    #[serde(rename = "ftp.line")]
    FtpLine { conn: String, line: String },
    #[serde(rename = "error")]
    Error { code: String, message: String },
}

/// Every `ev` value, in [`Event`]'s order (tests check each is read and
/// documented).
pub const EVENT_NAMES: &[&str] = &[
    "hello",
    "state",
    "incoming",
    "kernel",
    "data",
    "closed",
    "wire",
    "ftp.block",
    "ftp.line",
    "error",
];

/// The relay's first frame: everything a client needs to know about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub relay: RelayInfo,
    /// This session's id (for logs and support).
    pub session: String,
    pub limits: Limits,
    /// Lab servers that are running: `tcp_echo`, `udp_echo`, `chat`, `http`, `ftp`.
    pub labs: BTreeMap<String, Addr>,
    pub policy: PolicySummary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayInfo {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest text or binary frame the relay accepts (`--max-message-bytes`).
    pub max_message_bytes: u64,
    /// Open handles per session (`--max-handles`).
    pub max_handles: u32,
    /// Bytes the relay buffers per socket before it stops reading from the kernel.
    pub recv_buffer_bytes: u64,
    /// Requests that may wait for completion at once in a session.
    pub max_pending: u32,
    /// Seconds without a frame from the client before the session is closed.
    pub idle_timeout_secs: u64,
    /// Sessions one IP address may hold (`--max-sessions-per-ip`).
    pub max_sessions_per_ip: u32,
}

/// The relay's allow rules, in words a learner can read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub connect: Vec<String>,
    pub bind: Vec<String>,
    pub auth_required: bool,
}

/// Socket states as Linux names them (docs/protocol.md, choice `tcp-states`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SockState {
    Closed,
    Bound,
    Listen,
    SynSent,
    Established,
    /// The peer sent FIN.
    CloseWait,
    /// We shut down writing.
    FinWait,
}

impl SockState {
    pub fn as_str(self) -> &'static str {
        match self {
            SockState::Closed => "CLOSED",
            SockState::Bound => "BOUND",
            SockState::Listen => "LISTEN",
            SockState::SynSent => "SYN_SENT",
            SockState::Established => "ESTABLISHED",
            SockState::CloseWait => "CLOSE_WAIT",
            SockState::FinWait => "FIN_WAIT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    In,
    Out,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseReason {
    Peer,
    Reset,
    Local,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Http,
    Control,
    Data,
}
