//! Requests: `{"id": 7, "op": "connect", …arguments}`, one per text frame.
//!
//! Owns the [`Op`] catalogue (every operation of docs/protocol.md with its arguments and
//! Python's defaults) and [`parse_request`], which turns a text frame into a request
//! or into an error that names the offending field. Performing an op is the relay's job.

use crate::field_error::culprit_field;
use crate::{Addr, Data, Encoding};
use serde::{Deserialize, Serialize};

/// A request frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the client, unique among its pending requests.
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn default_family() -> Family {
    Family::AfInet
}
fn default_user() -> String {
    "anonymous".to_owned()
}
fn default_list() -> String {
    "LIST".to_owned()
}

/// Every operation, tagged by `op`. Field names are those of the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Op {
    // ---- session ----
    #[serde(rename = "auth")]
    Auth { token: String },
    #[serde(rename = "ping")]
    Ping,
    #[serde(rename = "cancel")]
    Cancel { target: u64 },

    // ---- socket ----
    #[serde(rename = "socket")]
    Socket {
        #[serde(default = "default_family")]
        family: Family,
        #[serde(rename = "type", default)]
        kind: SockType,
        #[serde(default)]
        proto: i32,
    },
    #[serde(rename = "setsockopt")]
    Setsockopt {
        sock: String,
        level: OptLevel,
        name: OptName,
        value: OptValue,
    },
    #[serde(rename = "getsockopt")]
    Getsockopt {
        sock: String,
        level: OptLevel,
        name: OptName,
    },
    #[serde(rename = "setblocking")]
    Setblocking { sock: String, flag: bool },
    #[serde(rename = "settimeout")]
    Settimeout {
        sock: String,
        #[serde(default)]
        timeout: Option<f64>,
    },
    #[serde(rename = "bind")]
    Bind { sock: String, addr: Addr },
    #[serde(rename = "listen")]
    Listen {
        sock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backlog: Option<i32>,
    },
    #[serde(rename = "accept")]
    Accept { sock: String },
    #[serde(rename = "connect")]
    Connect { sock: String, addr: Addr },
    #[serde(rename = "connect_ex")]
    ConnectEx { sock: String, addr: Addr },
    #[serde(rename = "send")]
    Send { sock: String, data: Data },
    #[serde(rename = "sendall")]
    Sendall { sock: String, data: Data },
    #[serde(rename = "sendto")]
    Sendto {
        sock: String,
        data: Data,
        addr: Addr,
    },
    #[serde(rename = "recv")]
    Recv {
        sock: String,
        bufsize: usize,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<RecvFlag>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding: Option<Encoding>,
    },
    #[serde(rename = "recvfrom")]
    Recvfrom {
        sock: String,
        bufsize: usize,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<RecvFlag>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding: Option<Encoding>,
    },
    #[serde(rename = "getsockname")]
    Getsockname { sock: String },
    #[serde(rename = "getpeername")]
    Getpeername { sock: String },
    #[serde(rename = "shutdown")]
    Shutdown { sock: String, how: How },
    #[serde(rename = "close")]
    Close { sock: String },
    #[serde(rename = "select")]
    Select {
        #[serde(default)]
        rlist: Vec<String>,
        #[serde(default)]
        wlist: Vec<String>,
        #[serde(default)]
        xlist: Vec<String>,
        #[serde(default)]
        timeout: Option<f64>,
    },
    #[serde(rename = "tcp_info")]
    TcpInfo { sock: String },
    #[serde(rename = "pipe")]
    Pipe {
        sock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding: Option<Encoding>,
    },

    // ---- http.client ----
    #[serde(rename = "http.open")]
    HttpOpen {
        host: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<f64>,
        #[serde(default, skip_serializing_if = "is_false")]
        tls: bool,
    },
    #[serde(rename = "http.request")]
    HttpRequest {
        conn: String,
        method: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Data>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        headers: Vec<(String, String)>,
    },
    #[serde(rename = "http.putrequest")]
    HttpPutrequest {
        conn: String,
        method: String,
        url: String,
        #[serde(default, skip_serializing_if = "is_false")]
        skip_host: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        skip_accept_encoding: bool,
    },
    #[serde(rename = "http.putheader")]
    HttpPutheader {
        conn: String,
        header: String,
        values: Vec<String>,
    },
    #[serde(rename = "http.endheaders")]
    HttpEndheaders {
        conn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Data>,
    },
    #[serde(rename = "http.send")]
    HttpSend { conn: String, data: Data },
    #[serde(rename = "http.getresponse")]
    HttpGetresponse { conn: String },
    #[serde(rename = "http.read")]
    HttpRead {
        conn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amt: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding: Option<Encoding>,
    },
    #[serde(rename = "http.close")]
    HttpClose { conn: String },

    // ---- ftplib ----
    #[serde(rename = "ftp.connect")]
    FtpConnect {
        host: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<f64>,
    },
    #[serde(rename = "ftp.login")]
    FtpLogin {
        conn: String,
        #[serde(default = "default_user")]
        user: String,
        #[serde(default)]
        passwd: String,
        #[serde(default)]
        acct: String,
    },
    #[serde(rename = "ftp.getwelcome")]
    FtpGetwelcome { conn: String },
    #[serde(rename = "ftp.sendcmd")]
    FtpSendcmd { conn: String, cmd: String },
    #[serde(rename = "ftp.voidcmd")]
    FtpVoidcmd { conn: String, cmd: String },
    #[serde(rename = "ftp.set_pasv")]
    FtpSetPasv { conn: String, val: bool },
    #[serde(rename = "ftp.retrbinary")]
    FtpRetrbinary {
        conn: String,
        cmd: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blocksize: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rest: Option<u64>,
        #[serde(default, skip_serializing_if = "is_false")]
        frames: bool,
    },
    #[serde(rename = "ftp.retrlines")]
    FtpRetrlines {
        conn: String,
        #[serde(default = "default_list")]
        cmd: String,
    },
    #[serde(rename = "ftp.storbinary")]
    FtpStorbinary(FtpStore),
    #[serde(rename = "ftp.storlines")]
    FtpStorlines(FtpStore),
    #[serde(rename = "ftp.dir")]
    FtpDir {
        conn: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        args: Vec<String>,
    },
    #[serde(rename = "ftp.nlst")]
    FtpNlst {
        conn: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        args: Vec<String>,
    },
    #[serde(rename = "ftp.rename")]
    FtpRename {
        conn: String,
        fromname: String,
        toname: String,
    },
    #[serde(rename = "ftp.delete")]
    FtpDelete { conn: String, name: String },
    #[serde(rename = "ftp.size")]
    FtpSize { conn: String, name: String },
    #[serde(rename = "ftp.cwd")]
    FtpCwd { conn: String, dirname: String },
    #[serde(rename = "ftp.mkd")]
    FtpMkd { conn: String, dirname: String },
    #[serde(rename = "ftp.rmd")]
    FtpRmd { conn: String, dirname: String },
    #[serde(rename = "ftp.pwd")]
    FtpPwd { conn: String },
    #[serde(rename = "ftp.abort")]
    FtpAbort { conn: String },
    #[serde(rename = "ftp.quit")]
    FtpQuit { conn: String },
    #[serde(rename = "ftp.close")]
    FtpClose { conn: String },
    #[serde(rename = "ftp.set_debuglevel")]
    FtpSetDebuglevel { conn: String, level: u8 },
}

impl Op {
    /// An `http.*` op (Python's `http.client`).
    pub fn is_http(&self) -> bool {
        self.name().starts_with("http.")
    }

    /// An `ftp.*` op (Python's `ftplib`).
    pub fn is_ftp(&self) -> bool {
        self.name().starts_with("ftp.")
    }

    /// The existing handle the op acts on: its `sock` (`s…`) or `conn` (`h…`, `f…`)
    /// argument. `None` for ops that act on no handle (`ping`, `socket`, `select`,
    /// `http.open`, `ftp.connect`, …). The relay routes by it and the page uses it to
    /// find the card or panel a call belongs to.
    pub fn handle(&self) -> Option<&str> {
        match self {
            Op::Setsockopt { sock, .. }
            | Op::Getsockopt { sock, .. }
            | Op::Setblocking { sock, .. }
            | Op::Settimeout { sock, .. }
            | Op::Bind { sock, .. }
            | Op::Listen { sock, .. }
            | Op::Accept { sock }
            | Op::Connect { sock, .. }
            | Op::ConnectEx { sock, .. }
            | Op::Send { sock, .. }
            | Op::Sendall { sock, .. }
            | Op::Sendto { sock, .. }
            | Op::Recv { sock, .. }
            | Op::Recvfrom { sock, .. }
            | Op::Getsockname { sock }
            | Op::Getpeername { sock }
            | Op::Shutdown { sock, .. }
            | Op::Close { sock }
            | Op::TcpInfo { sock }
            | Op::Pipe { sock, .. } => Some(sock),
            Op::HttpRequest { conn, .. }
            | Op::HttpPutrequest { conn, .. }
            | Op::HttpPutheader { conn, .. }
            | Op::HttpEndheaders { conn, .. }
            | Op::HttpSend { conn, .. }
            | Op::HttpGetresponse { conn }
            | Op::HttpRead { conn, .. }
            | Op::HttpClose { conn }
            | Op::FtpLogin { conn, .. }
            | Op::FtpGetwelcome { conn }
            | Op::FtpSendcmd { conn, .. }
            | Op::FtpVoidcmd { conn, .. }
            | Op::FtpSetPasv { conn, .. }
            | Op::FtpRetrbinary { conn, .. }
            | Op::FtpRetrlines { conn, .. }
            | Op::FtpDir { conn, .. }
            | Op::FtpNlst { conn, .. }
            | Op::FtpRename { conn, .. }
            | Op::FtpDelete { conn, .. }
            | Op::FtpSize { conn, .. }
            | Op::FtpCwd { conn, .. }
            | Op::FtpMkd { conn, .. }
            | Op::FtpRmd { conn, .. }
            | Op::FtpPwd { conn }
            | Op::FtpAbort { conn }
            | Op::FtpQuit { conn }
            | Op::FtpClose { conn }
            | Op::FtpSetDebuglevel { conn, .. } => Some(conn),
            Op::FtpStorbinary(store) | Op::FtpStorlines(store) => Some(&store.conn),
            Op::Auth { .. }
            | Op::Ping
            | Op::Cancel { .. }
            | Op::Socket { .. }
            | Op::Select { .. }
            | Op::HttpOpen { .. }
            | Op::FtpConnect { .. } => None,
        }
    }

    /// A socket op (Python's `socket` and `select`): neither `http.*`, `ftp.*` nor a
    /// session op.
    pub fn is_socket(&self) -> bool {
        !self.is_http()
            && !self.is_ftp()
            && !matches!(self, Op::Auth { .. } | Op::Ping | Op::Cancel { .. })
    }

    /// The op's wire name (`"connect"`, `"http.getresponse"`, …), for logs and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Auth { .. } => "auth",
            Op::Ping => "ping",
            Op::Cancel { .. } => "cancel",
            Op::Socket { .. } => "socket",
            Op::Setsockopt { .. } => "setsockopt",
            Op::Getsockopt { .. } => "getsockopt",
            Op::Setblocking { .. } => "setblocking",
            Op::Settimeout { .. } => "settimeout",
            Op::Bind { .. } => "bind",
            Op::Listen { .. } => "listen",
            Op::Accept { .. } => "accept",
            Op::Connect { .. } => "connect",
            Op::ConnectEx { .. } => "connect_ex",
            Op::Send { .. } => "send",
            Op::Sendall { .. } => "sendall",
            Op::Sendto { .. } => "sendto",
            Op::Recv { .. } => "recv",
            Op::Recvfrom { .. } => "recvfrom",
            Op::Getsockname { .. } => "getsockname",
            Op::Getpeername { .. } => "getpeername",
            Op::Shutdown { .. } => "shutdown",
            Op::Close { .. } => "close",
            Op::Select { .. } => "select",
            Op::TcpInfo { .. } => "tcp_info",
            Op::Pipe { .. } => "pipe",
            Op::HttpOpen { .. } => "http.open",
            Op::HttpRequest { .. } => "http.request",
            Op::HttpPutrequest { .. } => "http.putrequest",
            Op::HttpPutheader { .. } => "http.putheader",
            Op::HttpEndheaders { .. } => "http.endheaders",
            Op::HttpSend { .. } => "http.send",
            Op::HttpGetresponse { .. } => "http.getresponse",
            Op::HttpRead { .. } => "http.read",
            Op::HttpClose { .. } => "http.close",
            Op::FtpConnect { .. } => "ftp.connect",
            Op::FtpLogin { .. } => "ftp.login",
            Op::FtpGetwelcome { .. } => "ftp.getwelcome",
            Op::FtpSendcmd { .. } => "ftp.sendcmd",
            Op::FtpVoidcmd { .. } => "ftp.voidcmd",
            Op::FtpSetPasv { .. } => "ftp.set_pasv",
            Op::FtpRetrbinary { .. } => "ftp.retrbinary",
            Op::FtpRetrlines { .. } => "ftp.retrlines",
            Op::FtpStorbinary(_) => "ftp.storbinary",
            Op::FtpStorlines(_) => "ftp.storlines",
            Op::FtpDir { .. } => "ftp.dir",
            Op::FtpNlst { .. } => "ftp.nlst",
            Op::FtpRename { .. } => "ftp.rename",
            Op::FtpDelete { .. } => "ftp.delete",
            Op::FtpSize { .. } => "ftp.size",
            Op::FtpCwd { .. } => "ftp.cwd",
            Op::FtpMkd { .. } => "ftp.mkd",
            Op::FtpRmd { .. } => "ftp.rmd",
            Op::FtpPwd { .. } => "ftp.pwd",
            Op::FtpAbort { .. } => "ftp.abort",
            Op::FtpQuit { .. } => "ftp.quit",
            Op::FtpClose { .. } => "ftp.close",
            Op::FtpSetDebuglevel { .. } => "ftp.set_debuglevel",
        }
    }
}

/// Every op's wire name, in catalogue order (the names [`Op::name`] returns). Tests
/// check it against what the decoder accepts, so it cannot fall behind [`Op`].
pub const OP_NAMES: &[&str] = &[
    "auth",
    "ping",
    "cancel",
    "socket",
    "setsockopt",
    "getsockopt",
    "setblocking",
    "settimeout",
    "bind",
    "listen",
    "accept",
    "connect",
    "connect_ex",
    "send",
    "sendall",
    "sendto",
    "recv",
    "recvfrom",
    "getsockname",
    "getpeername",
    "shutdown",
    "close",
    "select",
    "tcp_info",
    "pipe",
    "http.open",
    "http.request",
    "http.putrequest",
    "http.putheader",
    "http.endheaders",
    "http.send",
    "http.getresponse",
    "http.read",
    "http.close",
    "ftp.connect",
    "ftp.login",
    "ftp.getwelcome",
    "ftp.sendcmd",
    "ftp.voidcmd",
    "ftp.set_pasv",
    "ftp.retrbinary",
    "ftp.retrlines",
    "ftp.storbinary",
    "ftp.storlines",
    "ftp.dir",
    "ftp.nlst",
    "ftp.rename",
    "ftp.delete",
    "ftp.size",
    "ftp.cwd",
    "ftp.mkd",
    "ftp.rmd",
    "ftp.pwd",
    "ftp.abort",
    "ftp.quit",
    "ftp.close",
    "ftp.set_debuglevel",
];

/// Arguments of `ftp.storbinary` / `ftp.storlines`: inline `data`, or `size` bytes
/// that follow as binary frames addressed to `conn`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FtpStore {
    pub conn: String,
    pub cmd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocksize: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    #[serde(rename = "AF_INET")]
    AfInet,
    #[serde(rename = "AF_INET6")]
    AfInet6,
    #[serde(rename = "AF_UNIX")]
    AfUnix,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SockType {
    #[default]
    #[serde(rename = "SOCK_STREAM")]
    Stream,
    #[serde(rename = "SOCK_DGRAM")]
    Dgram,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptLevel {
    #[serde(rename = "SOL_SOCKET")]
    SolSocket,
    #[serde(rename = "IPPROTO_TCP")]
    IpprotoTcp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::enum_variant_names)]
pub enum OptName {
    #[serde(rename = "SO_REUSEADDR")]
    SoReuseaddr,
    #[serde(rename = "SO_KEEPALIVE")]
    SoKeepalive,
    #[serde(rename = "SO_BROADCAST")]
    SoBroadcast,
    #[serde(rename = "SO_RCVBUF")]
    SoRcvbuf,
    #[serde(rename = "SO_SNDBUF")]
    SoSndbuf,
    #[serde(rename = "TCP_NODELAY")]
    TcpNodelay,
}

impl OptName {
    /// The level this option lives at (Python raises `OSError EINVAL`/`ENOPROTOOPT`
    /// when they disagree).
    pub fn level(self) -> OptLevel {
        match self {
            OptName::TcpNodelay => OptLevel::IpprotoTcp,
            _ => OptLevel::SolSocket,
        }
    }
}

/// A socket option value: an integer, or a boolean meaning 1/0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptValue {
    Int(i64),
    Bool(bool),
}

impl OptValue {
    pub fn as_i64(self) -> i64 {
        match self {
            OptValue::Int(n) => n,
            OptValue::Bool(b) => i64::from(b),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecvFlag {
    #[serde(rename = "MSG_PEEK")]
    MsgPeek,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum How {
    #[serde(rename = "SHUT_RD")]
    ShutRd,
    #[serde(rename = "SHUT_WR")]
    ShutWr,
    #[serde(rename = "SHUT_RDWR")]
    ShutRdwr,
}

/// A text frame that is not a valid request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// The request's `id` when it could be read: reply with `bad_request`;
    /// otherwise answer with an `error` event.
    pub id: Option<u64>,
    /// Names the field or the unknown op, and what was expected.
    pub message: String,
}

/// Parses one text frame. Errors name what was wrong: not JSON, not an object,
/// a missing or mistyped `id`, a missing or unknown `op`, or the op's field.
///
/// All work is linear in the frame's size, whatever it holds: serde_json stops
/// nesting at depth 128, keys the op does not read are ignored (also when looking
/// for the field an error is about, see [`crate::field_error`]), and text quoted
/// back in a message is cut to [`MAX_ECHO`] characters. Of duplicate keys the last
/// one counts, as in Python's `json`.
pub fn parse_request(text: &str) -> Result<Request, RequestError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| RequestError {
        id: None,
        message: format!("frame is not valid JSON: {e}"),
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(RequestError {
            id: None,
            message: format!(
                "a request must be a JSON object like {{\"id\": 1, \"op\": \"ping\"}}, got {}",
                json_kind(&value)
            ),
        });
    };
    let id = match map.get("id") {
        Some(serde_json::Value::Number(n)) if n.is_u64() => n.as_u64(),
        Some(other) => {
            return Err(RequestError {
                id: None,
                message: match other {
                    serde_json::Value::Number(n) => format!(
                        "field `id` must be an unsigned integer (0 to {}), got a number: {n}",
                        u64::MAX
                    ),
                    _ => format!(
                        "field `id` must be an unsigned integer, got {}",
                        json_kind(other)
                    ),
                },
            })
        }
        None => {
            return Err(RequestError {
                id: None,
                message: "missing field `id` (an unsigned integer chosen by the client)".into(),
            })
        }
    };
    let op_name = match map.get("op") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(RequestError {
                id,
                message: format!("field `op` must be a string, got {}", json_kind(other)),
            })
        }
        None => {
            return Err(RequestError {
                id,
                message: "missing field `op` (the operation's name, e.g. \"connect\")".into(),
            })
        }
    };
    let value = serde_json::Value::Object(map);
    match Op::deserialize(&value) {
        Ok(op) => Ok(Request {
            id: id.unwrap_or_default(),
            op,
        }),
        Err(_) if !is_known_op(&op_name) => Err(RequestError {
            id,
            message: format!(
                "unknown op `{}`; see docs/protocol.md for the list of ops",
                shorten(&op_name, MAX_ECHO)
            ),
        }),
        Err(e) => {
            let msg = e.to_string();
            let shown = shorten(&msg, MAX_ECHO);
            let field = value
                .as_object()
                .and_then(|map| culprit_field(&op_name, map, &msg));
            let message = match field {
                Some(field) => format!("op `{op_name}`: field `{field}`: {shown}"),
                None => format!("op `{op_name}`: {shown}"),
            };
            Err(RequestError { id, message })
        }
    }
}

/// Most characters of a client's text (an op name, a value serde quotes) repeated
/// in an error message: a 1 MiB string is not echoed back whole.
const MAX_ECHO: usize = 300;

/// `text` cut to `max` characters, with `…` when it was longer.
fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => {
            let (head, _) = text.split_at_checked(cut).unwrap_or((text, ""));
            std::borrow::Cow::Owned(format!("{head}… ({} bytes in all)", text.len()))
        }
    }
}

/// Whether `name` is an op of the catalogue. Probed with an object holding only
/// `op`: an unknown tag is then the only possible "unknown variant" error (a field
/// value such as `"family": "AF_BLUETOOTH"` cannot be mistaken for an unknown op).
fn is_known_op(name: &str) -> bool {
    let probe = serde_json::json!({ "op": name });
    match Op::deserialize(&probe) {
        Ok(_) => true,
        Err(e) => !e.to_string().starts_with("unknown variant"),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        let e = parse_request("nope").unwrap_err();
        assert_eq!(e.id, None);
        assert!(e.message.contains("not valid JSON"));
        let e = parse_request("[1,2]").unwrap_err();
        assert!(e.message.contains("JSON object"), "{}", e.message);
        let e = parse_request(r#"{"op":"ping"}"#).unwrap_err();
        assert!(e.message.contains("`id`"));
        let e = parse_request(r#"{"id":3,"op":"frobnicate"}"#).unwrap_err();
        assert_eq!(e.id, Some(3));
        assert!(
            e.message.contains("unknown op `frobnicate`"),
            "{}",
            e.message
        );
        let e = parse_request(r#"{"id":4,"op":"connect","sock":"s1"}"#).unwrap_err();
        assert_eq!(e.id, Some(4));
        assert!(e.message.contains("`addr`"), "{}", e.message);
        let e = parse_request(r#"{"id":5,"op":"recv","sock":"s1","bufsize":"x"}"#).unwrap_err();
        assert!(e.message.contains("recv"), "{}", e.message);
    }

    #[test]
    fn python_defaults() {
        let r = parse_request(r#"{"id":1,"op":"socket"}"#).unwrap();
        assert_eq!(
            r.op,
            Op::Socket {
                family: Family::AfInet,
                kind: SockType::Stream,
                proto: 0
            }
        );
        let r = parse_request(r#"{"id":1,"op":"ftp.login","conn":"f1"}"#).unwrap();
        assert!(matches!(r.op, Op::FtpLogin { ref user, .. } if user == "anonymous"));
    }
}
