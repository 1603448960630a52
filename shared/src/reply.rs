//! Replies: `{"re": 7, "ok": {…}}` or `{"re": 7, "err": {…}}`, exactly one per
//! request, and [`ServerFrame`], the client's view of any relay text frame.
//!
//! Owns the shapes of successful results ([`OkBody`]); which op yields which shape
//! is listed in docs/protocol.md and performed by the relay.

use crate::{Addr, Data, ErrorBody, EventFrame};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// A reply frame. (Its `Deserialize`, like [`OkBody`]'s, is in `decode.rs`.)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reply {
    /// The `id` of the request this answers.
    pub re: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "ok")]
    Ok(OkBody),
    #[serde(rename = "err")]
    Err(ErrorBody),
}

impl Reply {
    pub fn ok(re: u64, body: OkBody) -> Reply {
        Reply {
            re,
            outcome: Outcome::Ok(body),
        }
    }
    pub fn err(re: u64, err: ErrorBody) -> Reply {
        Reply {
            re,
            outcome: Outcome::Err(err),
        }
    }
}

/// Kernel `TCP_INFO`, the fields a learner can read something from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpInfo {
    /// Kernel TCP state name (`ESTABLISHED`, `CLOSE_WAIT`, …).
    pub state: String,
    pub rtt_us: u32,
    pub rttvar_us: u32,
    pub snd_cwnd: u32,
    pub snd_mss: u32,
    pub rcv_mss: u32,
    /// Retransmissions of the current unacknowledged segment.
    pub retransmits: u32,
    /// All retransmissions over the connection's life.
    pub total_retrans: u32,
    pub unacked: u32,
    pub lost: u32,
}

/// The `ok` object. Variants are tried in order when parsing (the one with the
/// most required fields first), so a client that knows which op it sent can also
/// deserialize into the specific shape it expects (`decode.rs` reads it).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OkBody {
    /// `tcp_info`.
    TcpInfo(TcpInfo),
    /// `http.getresponse`.
    Response {
        status: u16,
        reason: String,
        version: u8,
        headers: Vec<(String, String)>,
    },
    /// `pop3.list`, `pop3.uidl` (without `which`), `pop3.retr`, `pop3.top`: Python's
    /// `(resp, lines, octets)`, the lines without CRLF and dot-unstuffed.
    Pop3Lines {
        reply: String,
        lines: Vec<Data>,
        octets: u64,
    },
    /// `smtp.connect`: the new handle and Python's `(code, msg)` of the greeting.
    SmtpConnect {
        conn: String,
        code: i32,
        msg: String,
    },
    /// `accept`.
    Accept { sock: String, addr: Addr },
    /// `recvfrom`.
    Recvfrom { data: Data, addr: Addr },
    /// `select`.
    Select {
        r: Vec<String>,
        w: Vec<String>,
        x: Vec<String>,
    },
    /// `ftp.connect`, `pop3.connect` (`welcome` is the greeting line).
    FtpConnect { conn: String, welcome: String },
    /// `ftp.retrbinary`, `ftp.storbinary`, `ftp.storlines`.
    FtpTransfer { reply: String, bytes: u64 },
    /// `ftp.size`.
    FtpSize { reply: String, size: u64 },
    /// `ftp.pwd`, `ftp.mkd`.
    FtpPath { reply: String, path: String },
    /// `smtp.*` ops that return Python's `(code, msg)`: `ehlo`, `helo`, `login`,
    /// `mail`, `rcpt`, `data`, `docmd`, `noop`, `rset`, `quit`.
    SmtpReply { code: i32, msg: String },
    /// `smtp.sendmail`, `smtp.send_message`: the refused recipients, Python's dict
    /// `{recipient: (code, msg)}`.
    SmtpRefused {
        refused: BTreeMap<String, (i32, String)>,
    },
    /// `pop3.stat`: Python's `(count, size)`.
    Pop3Stat { count: u64, size: u64 },
    /// `pop3.capa`: Python's dict `{capability: [arguments]}`.
    Pop3Capa { capa: BTreeMap<String, Vec<String>> },
    /// Most `ftp.*` ops; the `pop3.*` ops that return the response line (`user`,
    /// `pass_`, `dele`, `rset`, `noop`, `quit`, `list`/`uidl` with `which`).
    FtpReply { reply: String },
    /// `ftp.nlst`.
    FtpNames { names: Vec<String> },
    /// `ftp.getwelcome`.
    FtpWelcome { welcome: String },
    /// `socket`.
    Sock { sock: String },
    /// `http.open`.
    Conn { conn: String },
    /// `bind`, `getsockname`, `getpeername`.
    Addr { addr: Addr },
    /// `connect_ex`.
    Errno { errno: i32 },
    /// `send`, `sendall`, `sendto`.
    Sent { n: u64 },
    /// `recv`, `http.read`.
    Data { data: Data },
    /// `getsockopt`.
    Value { value: i64 },
    /// Everything else: `{}`.
    Empty {},
}

/// Any text frame the relay sends: a reply (has `re`) or an event (has `ev`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ServerFrame {
    Reply(Reply),
    Event(EventFrame),
}

impl<'de> Deserialize<'de> for ServerFrame {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        if value.get("re").is_some() {
            crate::decode::reply(&value)
                .map(ServerFrame::Reply)
                .map_err(D::Error::custom)
        } else if value.get("ev").is_some() {
            crate::decode::event_frame(&value)
                .map(ServerFrame::Event)
                .map_err(D::Error::custom)
        } else {
            Err(D::Error::custom("relay frame has neither `re` nor `ev`"))
        }
    }
}
