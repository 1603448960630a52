//! The operation catalogue: [`Op`], every operation of docs/protocol.md tagged by
//! `op` with its arguments and Python's defaults, what each op acts on
//! ([`Op::handle`]) and its wire name ([`Op::name`], [`OP_NAMES`]).
//!
//! Argument structs that twin ops share are in [`crate::op_args`]; the constants
//! they carry (families, options, flags) in [`crate::socket_consts`]. Reading a
//! request frame is [`crate::request`].

use crate::mail_args;
use crate::op_args::{ConnectArgs, FtpStore, RecvArgs, SendArgs};
pub use crate::op_names::OP_NAMES;
use crate::progress::Progress;
use crate::socket_consts::{Family, How, OptLevel, OptName, OptValue, SockType};
use crate::{Addr, Data, Encoding};
use serde::{Deserialize, Serialize};

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
    /// Lesson progress for the teacher's `/status` view ([`crate::progress`]).
    #[serde(rename = "progress")]
    Progress(Progress),

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
    Connect(ConnectArgs),
    #[serde(rename = "connect_ex")]
    ConnectEx(ConnectArgs),
    #[serde(rename = "send")]
    Send(SendArgs),
    #[serde(rename = "sendall")]
    Sendall(SendArgs),
    #[serde(rename = "sendto")]
    Sendto {
        sock: String,
        data: Data,
        addr: Addr,
    },
    #[serde(rename = "recv")]
    Recv(RecvArgs),
    #[serde(rename = "recvfrom")]
    Recvfrom(RecvArgs),
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

    // ---- smtplib / poplib (arguments in `crate::mail_args`) ----
    #[serde(rename = "smtp.connect")]
    SmtpConnect(mail_args::SmtpOpen),
    #[serde(rename = "smtp.ehlo")]
    SmtpEhlo(mail_args::SmtpHelo),
    #[serde(rename = "smtp.helo")]
    SmtpHeloOp(mail_args::SmtpHelo),
    #[serde(rename = "smtp.login")]
    SmtpLogin(mail_args::SmtpLogin),
    #[serde(rename = "smtp.sendmail")]
    SmtpSendmail(mail_args::SmtpSendmail),
    #[serde(rename = "smtp.send_message")]
    SmtpSendMessage(mail_args::SmtpSendMessage),
    #[serde(rename = "smtp.mail")]
    SmtpMail(mail_args::SmtpMail),
    #[serde(rename = "smtp.rcpt")]
    SmtpRcpt(mail_args::SmtpRcpt),
    #[serde(rename = "smtp.data")]
    SmtpData(mail_args::SmtpData),
    #[serde(rename = "smtp.docmd")]
    SmtpDocmd(mail_args::SmtpDocmd),
    #[serde(rename = "smtp.noop")]
    SmtpNoop(mail_args::MailConn),
    #[serde(rename = "smtp.rset")]
    SmtpRset(mail_args::MailConn),
    #[serde(rename = "smtp.quit")]
    SmtpQuit(mail_args::MailConn),
    #[serde(rename = "smtp.close")]
    SmtpClose(mail_args::MailConn),
    #[serde(rename = "pop3.connect")]
    Pop3Connect(mail_args::MailOpen),
    #[serde(rename = "pop3.user")]
    Pop3User(mail_args::Pop3User),
    #[serde(rename = "pop3.pass_")]
    Pop3Pass(mail_args::Pop3Pass),
    #[serde(rename = "pop3.stat")]
    Pop3Stat(mail_args::MailConn),
    #[serde(rename = "pop3.list")]
    Pop3List(mail_args::Pop3MaybeWhich),
    #[serde(rename = "pop3.retr")]
    Pop3Retr(mail_args::Pop3Which),
    #[serde(rename = "pop3.top")]
    Pop3Top(mail_args::Pop3Top),
    #[serde(rename = "pop3.dele")]
    Pop3Dele(mail_args::Pop3Which),
    #[serde(rename = "pop3.rset")]
    Pop3Rset(mail_args::MailConn),
    #[serde(rename = "pop3.noop")]
    Pop3Noop(mail_args::MailConn),
    #[serde(rename = "pop3.uidl")]
    Pop3Uidl(mail_args::Pop3MaybeWhich),
    #[serde(rename = "pop3.capa")]
    Pop3Capa(mail_args::MailConn),
    #[serde(rename = "pop3.quit")]
    Pop3Quit(mail_args::MailConn),
    #[serde(rename = "pop3.close")]
    Pop3Close(mail_args::MailConn),
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

    /// An `smtp.*` op (Python's `smtplib`).
    pub fn is_smtp(&self) -> bool {
        self.name().starts_with("smtp.")
    }

    /// A `pop3.*` op (Python's `poplib`).
    pub fn is_pop3(&self) -> bool {
        self.name().starts_with("pop3.")
    }

    /// The existing handle the op acts on: its `sock` (`s…`) or `conn` (`h…`, `f…`)
    /// argument. `None` for ops that act on no handle (`ping`, `socket`, `select`,
    /// `http.open`, `ftp.connect`, `smtp.connect`, `pop3.connect`, …). The relay routes by it and the page uses it to
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
            | Op::Sendto { sock, .. }
            | Op::Getsockname { sock }
            | Op::Getpeername { sock }
            | Op::Shutdown { sock, .. }
            | Op::Close { sock }
            | Op::TcpInfo { sock }
            | Op::Pipe { sock, .. }
            | Op::Connect(ConnectArgs { sock, .. })
            | Op::ConnectEx(ConnectArgs { sock, .. })
            | Op::Send(SendArgs { sock, .. })
            | Op::Sendall(SendArgs { sock, .. })
            | Op::Recv(RecvArgs { sock, .. })
            | Op::Recvfrom(RecvArgs { sock, .. }) => Some(sock),
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
            Op::SmtpEhlo(mail_args::SmtpHelo { conn, .. })
            | Op::SmtpHeloOp(mail_args::SmtpHelo { conn, .. })
            | Op::SmtpLogin(mail_args::SmtpLogin { conn, .. })
            | Op::SmtpSendmail(mail_args::SmtpSendmail { conn, .. })
            | Op::SmtpSendMessage(mail_args::SmtpSendMessage { conn, .. })
            | Op::SmtpMail(mail_args::SmtpMail { conn, .. })
            | Op::SmtpRcpt(mail_args::SmtpRcpt { conn, .. })
            | Op::SmtpData(mail_args::SmtpData { conn, .. })
            | Op::SmtpDocmd(mail_args::SmtpDocmd { conn, .. })
            | Op::SmtpNoop(mail_args::MailConn { conn, .. })
            | Op::SmtpRset(mail_args::MailConn { conn, .. })
            | Op::SmtpQuit(mail_args::MailConn { conn, .. })
            | Op::SmtpClose(mail_args::MailConn { conn, .. })
            | Op::Pop3User(mail_args::Pop3User { conn, .. })
            | Op::Pop3Pass(mail_args::Pop3Pass { conn, .. })
            | Op::Pop3Stat(mail_args::MailConn { conn, .. })
            | Op::Pop3List(mail_args::Pop3MaybeWhich { conn, .. })
            | Op::Pop3Retr(mail_args::Pop3Which { conn, .. })
            | Op::Pop3Top(mail_args::Pop3Top { conn, .. })
            | Op::Pop3Dele(mail_args::Pop3Which { conn, .. })
            | Op::Pop3Rset(mail_args::MailConn { conn, .. })
            | Op::Pop3Noop(mail_args::MailConn { conn, .. })
            | Op::Pop3Uidl(mail_args::Pop3MaybeWhich { conn, .. })
            | Op::Pop3Capa(mail_args::MailConn { conn, .. })
            | Op::Pop3Quit(mail_args::MailConn { conn, .. })
            | Op::Pop3Close(mail_args::MailConn { conn, .. }) => Some(conn),
            Op::Auth { .. }
            | Op::Ping
            | Op::Cancel { .. }
            | Op::Progress(_)
            | Op::Socket { .. }
            | Op::Select { .. }
            | Op::HttpOpen { .. }
            | Op::FtpConnect { .. }
            | Op::SmtpConnect(_)
            | Op::Pop3Connect(_) => None,
        }
    }

    /// A socket op (Python's `socket` and `select`): neither `http.*`, `ftp.*`,
    /// `smtp.*`, `pop3.*` nor a session op.
    pub fn is_socket(&self) -> bool {
        !self.is_http()
            && !self.is_ftp()
            && !self.is_smtp()
            && !self.is_pop3()
            && !matches!(
                self,
                Op::Auth { .. } | Op::Ping | Op::Cancel { .. } | Op::Progress(_)
            )
    }

    /// The op's wire name (`"connect"`, `"http.getresponse"`, …), for logs and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Auth { .. } => "auth",
            Op::Ping => "ping",
            Op::Cancel { .. } => "cancel",
            Op::Progress(_) => "progress",
            Op::Socket { .. } => "socket",
            Op::Setsockopt { .. } => "setsockopt",
            Op::Getsockopt { .. } => "getsockopt",
            Op::Setblocking { .. } => "setblocking",
            Op::Settimeout { .. } => "settimeout",
            Op::Bind { .. } => "bind",
            Op::Listen { .. } => "listen",
            Op::Accept { .. } => "accept",
            Op::Connect(_) => "connect",
            Op::ConnectEx(_) => "connect_ex",
            Op::Send(_) => "send",
            Op::Sendall(_) => "sendall",
            Op::Sendto { .. } => "sendto",
            Op::Recv(_) => "recv",
            Op::Recvfrom(_) => "recvfrom",
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
            Op::SmtpConnect(_) => "smtp.connect",
            Op::SmtpEhlo(_) => "smtp.ehlo",
            Op::SmtpHeloOp(_) => "smtp.helo",
            Op::SmtpLogin(_) => "smtp.login",
            Op::SmtpSendmail(_) => "smtp.sendmail",
            Op::SmtpSendMessage(_) => "smtp.send_message",
            Op::SmtpMail(_) => "smtp.mail",
            Op::SmtpRcpt(_) => "smtp.rcpt",
            Op::SmtpData(_) => "smtp.data",
            Op::SmtpDocmd(_) => "smtp.docmd",
            Op::SmtpNoop(_) => "smtp.noop",
            Op::SmtpRset(_) => "smtp.rset",
            Op::SmtpQuit(_) => "smtp.quit",
            Op::SmtpClose(_) => "smtp.close",
            Op::Pop3Connect(_) => "pop3.connect",
            Op::Pop3User(_) => "pop3.user",
            Op::Pop3Pass(_) => "pop3.pass_",
            Op::Pop3Stat(_) => "pop3.stat",
            Op::Pop3List(_) => "pop3.list",
            Op::Pop3Retr(_) => "pop3.retr",
            Op::Pop3Top(_) => "pop3.top",
            Op::Pop3Dele(_) => "pop3.dele",
            Op::Pop3Rset(_) => "pop3.rset",
            Op::Pop3Noop(_) => "pop3.noop",
            Op::Pop3Uidl(_) => "pop3.uidl",
            Op::Pop3Capa(_) => "pop3.capa",
            Op::Pop3Quit(_) => "pop3.quit",
            Op::Pop3Close(_) => "pop3.close",
        }
    }
}
