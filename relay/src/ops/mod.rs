//! Operations, one file per family, as methods on [`Session`]. This file only
//! dispatches a parsed [`Op`] to its implementation and hands the [`OpResult`] it
//! returns to the one reply point (`outcome.rs`).
//!
//! - `socket.rs`: creating sockets, options, modes, bind/listen, addresses,
//!   shutdown, close, `tcp_info`;
//! - `recv.rs`: the read side (`recv`, `recvfrom`, `accept`) and the readers that
//!   fill the bounded buffers;
//! - `send.rs`: the write side (`send`, `sendall`, `sendto`, `connect`, `connect_ex`);
//! - `select.rs`: `select`;
//! - `kernel.rs`: the `kernel` events (the kernel's TCP state, also after `close`);
//! - `outcome.rs`: what an op returns, and the one place a reply is written;
//! - `pipe.rs`: streaming mode;
//! - `http.rs`: `http.*` (http.client), on top of `crate::http`;
//! - `ftp.rs`: `ftp.*` (ftplib), on top of `crate::ftp`;
//! - `mail.rs`: `smtp.*` (smtplib) and `pop3.*` (poplib), on top of `crate::mail`.

mod ftp;
mod http;
mod kernel;
mod mail;
mod outcome;
mod pipe;
mod recv;
mod select;
mod send;
mod socket;

pub use kernel::Closing;
pub use outcome::{OpResult, Outcome, Then};
pub use select::PendingSelect;

use crate::session::Session;
use shared::{ErrorBody, Op};

impl Session {
    /// Performs one request and writes its reply through [`Session::answer`]: the
    /// match names every op, so a new one must be added here to compile.
    pub fn dispatch(&mut self, id: u64, op: Op) {
        let result = match op {
            Op::Auth { token } => self.op_auth(&token),
            Op::Ping => Ok(Outcome::empty()),
            Op::Cancel { target } => Ok(Outcome::then_empty(Then::Cancel(target))),
            Op::Progress(report) => self.op_progress(report),
            Op::Socket {
                family,
                kind,
                proto,
            } => self.op_socket(family, kind, proto),
            Op::Setsockopt {
                sock,
                level,
                name,
                value,
            } => self.op_setsockopt(&sock, level, name, value.as_i64()),
            Op::Getsockopt { sock, level, name } => self.op_getsockopt(&sock, level, name),
            Op::Setblocking { sock, flag } => self.op_setblocking(&sock, flag),
            Op::Settimeout { sock, timeout } => self.op_settimeout(&sock, timeout),
            Op::Bind { sock, addr } => self.op_bind(id, &sock, addr),
            Op::Listen { sock, backlog } => self.op_listen(&sock, backlog),
            Op::Accept { sock } => self.op_accept(id, &sock),
            Op::Connect(args) => self.op_connect(id, args, false),
            Op::ConnectEx(args) => self.op_connect(id, args, true),
            Op::Send(args) => self.op_send(id, args, false),
            Op::Sendall(args) => self.op_send(id, args, true),
            Op::Sendto { sock, data, addr } => self.op_sendto(id, &sock, data.into_bytes(), addr),
            Op::Recv(args) => self.op_recv(id, args, false),
            Op::Recvfrom(args) => self.op_recv(id, args, true),
            Op::Getsockname { sock } => self.op_getsockname(&sock),
            Op::Getpeername { sock } => self.op_getpeername(&sock),
            Op::Shutdown { sock, how } => self.op_shutdown(&sock, how),
            Op::Close { sock } => self.op_close(&sock),
            Op::Select {
                rlist,
                wlist,
                xlist,
                timeout,
            } => self.op_select(id, rlist, wlist, xlist, timeout),
            Op::TcpInfo { sock } => self.op_tcp_info(&sock),
            Op::Pipe { sock, encoding } => self.op_pipe(&sock, encoding),
            op @ (Op::HttpOpen { .. }
            | Op::HttpRequest { .. }
            | Op::HttpPutrequest { .. }
            | Op::HttpPutheader { .. }
            | Op::HttpEndheaders { .. }
            | Op::HttpSend { .. }
            | Op::HttpGetresponse { .. }
            | Op::HttpRead { .. }
            | Op::HttpClose { .. }) => self.op_http(id, op),
            op @ (Op::FtpConnect { .. }
            | Op::FtpLogin { .. }
            | Op::FtpGetwelcome { .. }
            | Op::FtpSendcmd { .. }
            | Op::FtpVoidcmd { .. }
            | Op::FtpSetPasv { .. }
            | Op::FtpRetrbinary { .. }
            | Op::FtpRetrlines { .. }
            | Op::FtpStorbinary(_)
            | Op::FtpStorlines(_)
            | Op::FtpDir { .. }
            | Op::FtpNlst { .. }
            | Op::FtpRename { .. }
            | Op::FtpDelete { .. }
            | Op::FtpSize { .. }
            | Op::FtpCwd { .. }
            | Op::FtpMkd { .. }
            | Op::FtpRmd { .. }
            | Op::FtpPwd { .. }
            | Op::FtpAbort { .. }
            | Op::FtpQuit { .. }
            | Op::FtpClose { .. }
            | Op::FtpSetDebuglevel { .. }) => self.op_ftp(id, op),
            op @ (Op::SmtpConnect(_)
            | Op::SmtpEhlo(_)
            | Op::SmtpHeloOp(_)
            | Op::SmtpLogin(_)
            | Op::SmtpSendmail(_)
            | Op::SmtpSendMessage(_)
            | Op::SmtpMail(_)
            | Op::SmtpRcpt(_)
            | Op::SmtpData(_)
            | Op::SmtpDocmd(_)
            | Op::SmtpNoop(_)
            | Op::SmtpRset(_)
            | Op::SmtpQuit(_)
            | Op::SmtpClose(_)
            | Op::Pop3Connect(_)
            | Op::Pop3User(_)
            | Op::Pop3Pass(_)
            | Op::Pop3Stat(_)
            | Op::Pop3List(_)
            | Op::Pop3Retr(_)
            | Op::Pop3Top(_)
            | Op::Pop3Dele(_)
            | Op::Pop3Rset(_)
            | Op::Pop3Noop(_)
            | Op::Pop3Uidl(_)
            | Op::Pop3Capa(_)
            | Op::Pop3Quit(_)
            | Op::Pop3Close(_)) => self.op_mail(id, op),
        };
        self.answer(id, result);
    }
}

/// Python's timeout argument: `None` blocks, `0` never blocks, otherwise seconds.
pub fn parse_timeout(timeout: Option<f64>) -> Result<Option<std::time::Duration>, ErrorBody> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_finite() && (0.0..=31_536_000.0).contains(&t) => {
            Ok(Some(std::time::Duration::from_secs_f64(t)))
        }
        Some(t) => Err(crate::oserror::bad_request(format!(
            "timeout must be a number of seconds from 0 to 31536000 or null, got {t} (Python raises ValueError: Timeout value out of range)"
        ))),
    }
}
