//! ftplib's client for the relay: one [`FtpConn`] per `f1…` handle, and the
//! futures ([`FtpDone`]) a session polls for it.
//!
//! Hand-written after CPython 3.11's `Lib/ftplib.py` on tokio rather than on
//! suppaftp: the playground must show every byte of the control channel (`wire`
//! events, with `PASS ****`), hand each reply back verbatim (ftplib's return values
//! and exception texts), check the address of every `227` reply against the connect
//! policy before connecting, and stream each block to the browser as it arrives —
//! suppaftp hides the wire, parses replies into its own types and connects to
//! passive addresses itself. The protocol logic is small: `reply.rs` (ftplib's
//! reply rules and parsers), `control.rs` (the control channel), `lines.rs`
//! (data split into lines), `data.rs` (passive and active data connections),
//! `jobs.rs` (the methods, as futures).
//!
//! This module owns FTP protocol behaviour and the per-connection state kept by the
//! session; the session glue (queueing, replies, events, uploads) lives in
//! `ops/ftp.rs`. Nothing here spawns tasks or touches other handles.

mod control;
mod data;
pub mod jobs;
pub mod lines;
pub mod reply;

pub use control::{Control, Note};
pub use data::{DataConn, TransferSpec};

use bytes::Bytes;
use futures::future::AbortHandle;
use shared::ErrorBody;
use std::collections::VecDeque;
use tokio::sync::oneshot;

/// Default `blocksize` of `retrbinary`/`storbinary`.
pub const DEFAULT_BLOCKSIZE: usize = 8192;
/// Largest `blocksize` the relay accepts (one block is one event or frame).
pub const MAX_BLOCKSIZE: usize = 256 << 10;
/// Bytes read from the data connection at once for `retrlines`, `nlst`, `dir`.
pub const LINES_READ: usize = 64 << 10;
/// Most names `nlst` collects for its reply.
pub const MAX_NAMES: usize = 100_000;
/// Most bytes of names `nlst` collects for its reply.
pub const MAX_NAMES_BYTES: usize = 4 << 20;

/// One `ftplib.FTP` object.
pub struct FtpConn {
    /// The control connection; `None` while a control future owns it, or after it
    /// was lost (see `lost`).
    pub ctrl: Option<Control>,
    pub welcome: String,
    /// `set_pasv` (default `True`).
    pub passive: bool,
    /// `set_debuglevel`: 0 hides `wire` events (the playground's default is 1).
    pub debug: u8,
    /// Requests waiting for the connection, in arrival order.
    pub queue: VecDeque<Queued>,
    /// The request being performed.
    pub busy: Option<Busy>,
    /// Why the control connection is gone (a request was cancelled mid-command).
    pub lost: Option<String>,
    /// Upload slots of `storbinary`/`storlines` requests with `size`, in arrival
    /// order: binary frames addressed to this connection fill the first open one.
    pub uploads: VecDeque<Upload>,
}

impl FtpConn {
    pub fn new(ctrl: Control, welcome: String) -> FtpConn {
        FtpConn {
            ctrl: Some(ctrl),
            welcome,
            passive: true,
            debug: 1,
            queue: VecDeque::new(),
            busy: None,
            lost: None,
            uploads: VecDeque::new(),
        }
    }
}

/// A request in the queue; `done` ends its cancel watcher when dropped.
pub struct Queued {
    pub id: u64,
    pub job: Job,
    pub done: oneshot::Sender<()>,
}

/// The request being performed.
pub struct Busy {
    pub id: u64,
    pub done: oneshot::Sender<()>,
    /// The running future (control or data), to stop it on `close` or `cancel`.
    pub fut: Option<AbortHandle>,
    /// Whether the running future owns the control connection.
    pub ctrl_busy: bool,
    pub transfer: Option<Transfer>,
    /// An `ftp.abort` request waiting for this transfer's data phase (with the
    /// end of its cancel watcher).
    pub abort: Option<(u64, oneshot::Sender<()>)>,
    /// Set when the request was cancelled during its data phase: the relay aborts
    /// the transfer to keep the connection in step, but replies to nobody.
    pub cancelled: bool,
}

/// An ftplib method, as queued.
pub enum Job {
    GetWelcome,
    SetPasv(bool),
    SetDebuglevel(u8),
    Cmd(jobs::Cmd),
    Retr {
        cmd: String,
        rest: Option<u64>,
        mode: RetrMode,
    },
    Stor {
        cmd: String,
        rest: Option<u64>,
        lines: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetrMode {
    /// `retrbinary`: blocks as `ftp.block` events or binary frames.
    Binary { blocksize: usize, frames: bool },
    /// `retrlines`/`dir`: lines as `ftp.line` events.
    Lines,
    /// `nlst`: lines as events, and collected for the reply.
    Names,
}

/// A transfer's data phase.
pub struct Transfer {
    /// `None` while a data future owns it.
    pub data: Option<DataConn>,
    pub bytes: u64,
    pub kind: TransferKind,
}

pub enum TransferKind {
    Retr {
        mode: RetrMode,
        /// A line not yet ended (`retrlines`).
        partial: Vec<u8>,
        names: Vec<String>,
        names_bytes: usize,
    },
    Stor {
        lines: bool,
        /// A line not yet ended (`storlines`).
        partial: Vec<u8>,
    },
}

/// Bytes of one upload: what the client still has to send and what waits to be
/// written.
pub struct Upload {
    pub id: u64,
    /// Bytes the client has yet to send as binary frames.
    pub left: u64,
    pub buf: VecDeque<Bytes>,
    pub buffered: usize,
    /// The request failed or was cancelled: frames still due are dropped.
    pub discard: bool,
}

/// What an FTP future reports back to the session.
pub enum FtpDone {
    /// `ftp.connect` finished.
    Connected {
        conn: String,
        id: u64,
        notes: Vec<Note>,
        result: Result<(Control, String), ErrorBody>,
    },
    /// A control future finished and hands the connection back.
    Ctrl {
        conn: String,
        id: u64,
        ctrl: Control,
        notes: Vec<Note>,
        result: Result<jobs::Step, ErrorBody>,
    },
    /// One read on a data connection (empty: the server closed it).
    Read {
        conn: String,
        data: DataConn,
        result: Result<Bytes, ErrorBody>,
    },
    /// One write on a data connection.
    Wrote {
        conn: String,
        data: DataConn,
        n: usize,
        result: Result<(), ErrorBody>,
    },
    /// Request `id` was cancelled (or timed out) while queued or running.
    Cancelled { conn: String, id: u64 },
}
