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
//! The connection engine: `conn.rs` ([`FtpConn`]: one handle's calls, one at a
//! time, and its phase), `phase.rs` (the one [`phase::Phase`] a connection is in
//! and what each phase allows), `data_phase.rs` (the reads and writes of a
//! transfer's data phase), `transfer.rs` (the transfer rules: lines, blocks,
//! names, `storlines`' CRLF rule, bounds) and `upload.rs` (upload bytes waiting
//! for the data connection).
//!
//! This module owns FTP protocol behaviour and each connection's state; the
//! session's side (parsing ops, registering pending requests, applying the
//! engine's effects) is `ops/ftp.rs`. Nothing here spawns tasks or touches the
//! session or other handles.

mod conn;
mod control;
mod data;
mod data_phase;
pub mod jobs;
mod lines;
mod phase;
mod reply;
mod transfer;
mod upload;

pub use conn::FtpConn;
pub use control::{Control, Note};
pub use data::DataConn;
pub use transfer::{check_blocksize, list_cmd, nlst_cmd, RetrMode, DEFAULT_BLOCKSIZE};

use bytes::Bytes;
use shared::ErrorBody;

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

/// What an FTP future reports back to the session.
pub enum FtpDone {
    /// `ftp.connect` finished.
    Connected {
        conn: String,
        id: u64,
        notes: Vec<Note>,
        result: Result<(Control, String), ErrorBody>,
    },
    /// A future of open connection `conn` finished (for its engine).
    Report { conn: String, report: Report },
}

/// What a future of an open connection reports to its engine.
// As large as `FtpDone::Connected`, which carries a control connection too.
#[allow(clippy::large_enum_variant)]
pub enum Report {
    /// A control future of request `id` finished and hands the connection back.
    Control {
        id: u64,
        ctrl: Control,
        notes: Vec<Note>,
        result: Result<jobs::Step, ErrorBody>,
    },
    /// One read on a data connection (empty: the server closed it).
    Read {
        data: DataConn,
        result: Result<Bytes, ErrorBody>,
    },
    /// One write of `n` bytes on a data connection.
    Wrote {
        data: DataConn,
        n: usize,
        result: Result<(), ErrorBody>,
    },
}
