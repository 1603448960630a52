//! Operations, one file per family, as methods on [`Session`]. This file only
//! dispatches a parsed [`Op`] to its implementation.
//!
//! - `socket.rs`: creating sockets, options, modes, bind/listen, addresses,
//!   shutdown, close, `tcp_info`;
//! - `recv.rs`: the read side (`recv`, `recvfrom`, `accept`) and the readers that
//!   fill the bounded buffers;
//! - `send.rs`: the write side (`send`, `sendall`, `sendto`, `connect`, `connect_ex`);
//! - `select.rs`: `select`;
//! - `pipe.rs`: streaming mode;
//! - `http.rs`: `http.*` (http.client), on top of `crate::http`;
//! - `ftp.rs`: `ftp.*` (ftplib), on top of `crate::ftp`.

mod ftp;
mod http;
mod outcome;
mod pipe;
mod recv;
mod select;
mod send;
mod socket;

#[allow(unused_imports)] // until the ops are converted (issue 10)
pub use outcome::{OpResult, Outcome};
pub use select::WatchList;

use crate::session::Session;
use shared::{ErrorBody, Op, RecvFlag};

impl Session {
    pub fn dispatch(&mut self, id: u64, op: Op) {
        match op {
            Op::Auth { token } => self.op_auth(id, token),
            Op::Ping => self.out.empty_ok(id),
            Op::Cancel { target } => self.op_cancel(id, target),
            Op::Socket {
                family,
                kind,
                proto,
            } => self.op_socket(id, family, kind, proto),
            Op::Setsockopt {
                sock,
                level,
                name,
                value,
            } => self.op_setsockopt(id, &sock, level, name, value.as_i64()),
            Op::Getsockopt { sock, level, name } => self.op_getsockopt(id, &sock, level, name),
            Op::Setblocking { sock, flag } => self.op_setblocking(id, &sock, flag),
            Op::Settimeout { sock, timeout } => self.op_settimeout(id, &sock, timeout),
            Op::Bind { sock, addr } => self.op_bind(id, &sock, addr),
            Op::Listen { sock, backlog } => self.op_listen(id, &sock, backlog),
            Op::Accept { sock } => self.op_accept(id, &sock),
            Op::Connect { sock, addr } => self.op_connect(id, &sock, addr, false),
            Op::ConnectEx { sock, addr } => self.op_connect(id, &sock, addr, true),
            Op::Send { sock, data } => self.op_send(id, &sock, data.into_bytes(), false),
            Op::Sendall { sock, data } => self.op_send(id, &sock, data.into_bytes(), true),
            Op::Sendto { sock, data, addr } => self.op_sendto(id, &sock, data.into_bytes(), addr),
            Op::Recv {
                sock,
                bufsize,
                flags,
                encoding,
            } => self.op_recv(
                id,
                &sock,
                bufsize,
                flags.contains(&RecvFlag::MsgPeek),
                encoding.unwrap_or_default(),
                false,
            ),
            Op::Recvfrom {
                sock,
                bufsize,
                flags,
                encoding,
            } => self.op_recv(
                id,
                &sock,
                bufsize,
                flags.contains(&RecvFlag::MsgPeek),
                encoding.unwrap_or_default(),
                true,
            ),
            Op::Getsockname { sock } => self.op_getsockname(id, &sock),
            Op::Getpeername { sock } => self.op_getpeername(id, &sock),
            Op::Shutdown { sock, how } => self.op_shutdown(id, &sock, how),
            Op::Close { sock } => self.op_close(id, &sock),
            Op::Select {
                rlist,
                wlist,
                xlist,
                timeout,
            } => self.op_select(id, rlist, wlist, xlist, timeout),
            Op::TcpInfo { sock } => self.op_tcp_info(id, &sock),
            Op::Pipe { sock, encoding } => self.op_pipe(id, &sock, encoding),
            op if op.is_http() => {
                let r = self.op_http(id, op);
                self.answer(id, r)
            }
            op if op.is_ftp() => {
                let r = self.op_ftp(id, op);
                self.answer(id, r)
            }
            // Every op is one of the above; a new one must be added here.
            other => self.out.err(
                id,
                crate::oserror::bad_request(format!(
                    "`{}` is not performed by this relay",
                    other.name()
                )),
            ),
        }
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
