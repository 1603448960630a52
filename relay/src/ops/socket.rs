//! Socket life cycle and configuration: `socket`, `setsockopt`/`getsockopt`,
//! `setblocking`/`settimeout`, `bind`, `listen`, `getsockname`/`getpeername`,
//! `shutdown`, `close`, `tcp_info`, and the `state`/`closed` events they cause
//! (the `kernel` events are `kernel.rs`'s; this file says when).
//!
//! Reads and writes are in `recv.rs` and `send.rs`; this file must not perform I/O
//! on a socket's data.

use crate::io::{self, IoDone};
use crate::ops::{Closing, OpResult, Outcome, Then};
use crate::oserror::{bad_handle, from_io};
use crate::policy::Policy;
use crate::port_space;
use crate::resolve::{self, Purpose};
use crate::session::{Loc, Session};
use crate::sock::{self, DgramSock, ListenSock, Mode, Os, Sock};
use shared::{
    Addr, CloseReason, Errno, ErrorBody, Event, Family, How, OkBody, OptLevel, OptName, SockState,
    SockType,
};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

/// The accept queue never exceeds this, whatever `listen` asks for.
const MAX_BACKLOG: usize = 128;

impl Session {
    /// Moves a socket to a new state and tells the client.
    pub fn set_state(&mut self, h: &str, to: SockState) {
        if let Some(s) = self.socks.get_mut(h) {
            let from = s.state;
            if from != to {
                s.state = to;
                self.out.event(Event::State {
                    sock: h.to_owned(),
                    from,
                    to,
                });
            }
        }
    }

    pub fn op_socket(&mut self, family: Family, kind: SockType, proto: i32) -> OpResult {
        if family == Family::AfUnix {
            return Err(ErrorBody::new(
                shared::codes::NOT_ALLOWED,
                "AF_UNIX sockets are not available through the relay: they would reach files on the relay's machine; use AF_INET or AF_INET6",
            ));
        }
        let expected = match kind {
            SockType::Stream => libc::IPPROTO_TCP,
            SockType::Dgram => libc::IPPROTO_UDP,
        };
        if proto != 0 && proto != expected {
            return Err(ErrorBody::errno_with(
                Errno::EINVAL,
                format!("protocol {proto} does not fit this socket type; use 0"),
            ));
        }
        let h = self.new_handle('s')?;
        let os_sock = sock::new_os_socket(family, kind).map_err(|e| from_io(&e))?;
        let os = match kind {
            SockType::Stream => Os::Fresh(os_sock),
            SockType::Dgram => {
                let udp =
                    tokio::net::UdpSocket::from_std(os_sock.into()).map_err(|e| from_io(&e))?;
                Os::Dgram(DgramSock {
                    io: Arc::new(udp),
                    queue: VecDeque::new(),
                    queued_bytes: 0,
                    peer: None,
                })
            }
        };
        self.socks.insert(h.clone(), Sock::new(family, kind, os));
        self.arm_reader(&h);
        Ok(Outcome::Done(OkBody::Sock { sock: h }))
    }

    pub fn op_setsockopt(
        &mut self,
        h: &str,
        level: OptLevel,
        name: OptName,
        value: i64,
    ) -> OpResult {
        check_level(level, name)?;
        let s = self.sock(h)?;
        if let Some(r) = s.sock_ref() {
            sock::set_opt(&r, name, value).map_err(|e| from_io(&e))?;
        }
        s.opts.retain(|(n, _)| *n != name);
        s.opts.push((name, value));
        Ok(Outcome::empty())
    }

    pub fn op_getsockopt(&mut self, h: &str, level: OptLevel, name: OptName) -> OpResult {
        check_level(level, name)?;
        let s = self.sock(h)?;
        let value = match s.sock_ref() {
            Some(r) => sock::get_opt(&r, name).map_err(|e| from_io(&e))?,
            None => s
                .opts
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, v)| *v),
        };
        Ok(Outcome::Done(OkBody::Value { value }))
    }

    pub fn op_setblocking(&mut self, h: &str, flag: bool) -> OpResult {
        self.sock(h)?.mode = if flag {
            Mode::Blocking
        } else {
            Mode::NonBlocking
        };
        Ok(Outcome::empty())
    }

    pub fn op_settimeout(&mut self, h: &str, timeout: Option<f64>) -> OpResult {
        let t = super::parse_timeout(timeout)?;
        self.sock(h)?.mode = match t {
            None => Mode::Blocking,
            Some(d) if d.is_zero() => Mode::NonBlocking,
            Some(d) => Mode::Timeout(d),
        };
        Ok(Outcome::empty())
    }

    pub fn op_bind(&mut self, id: u64, h: &str, addr: Addr) -> OpResult {
        let s = self.sock(h)?;
        if s.bound.is_some() || !matches!(s.os, Os::Fresh(_) | Os::Dgram(_)) {
            return Err(ErrorBody::errno_with(
                Errno::EINVAL,
                "Invalid argument (the socket is already bound)",
            ));
        }
        let family = s.family;
        let policy = Arc::clone(&self.policy);
        if let Some(checked) =
            resolve::resolve_now(&policy, Purpose::Bind, family, addr.host(), addr.port())
        {
            return checked
                .and_then(|sa| self.finish_bind(h, sa))
                .map(Outcome::Done);
        }
        let sock = h.to_owned();
        let (fut, abort) = io::abortable(async move {
            let result =
                resolve::resolve(&policy, Purpose::Bind, family, addr.host(), addr.port()).await;
            IoDone::BindResolved { id, sock, result }
        });
        self.add_pending(id, Loc::Bind(h.to_owned()), None, Some(abort))?;
        self.io.push(fut);
        Ok(Outcome::Later)
    }

    /// Binds to an address the policy has already checked; the reply's body.
    /// With port spaces, `addr` is the virtual address: the socket gets a real
    /// one (`port_space.rs`), and the reply is shown in virtual form.
    pub fn finish_bind(&mut self, h: &str, addr: SocketAddr) -> Result<OkBody, ErrorBody> {
        match self.bind_once(h, addr) {
            Err(e) if e.code == "EADDRINUSE" => {
                // A socket closed just before may still be held by its aborted
                // futures; once they are dropped, the port is as Linux would
                // have it after close().
                self.settle_ready_io();
                self.bind_once(h, addr)
            }
            r => r,
        }
    }

    /// Completes the I/O futures that are ready now, among them the aborted
    /// futures of closed handles, which release their descriptors.
    fn settle_ready_io(&mut self) {
        use futures::{FutureExt, StreamExt};
        while let Some(Some(done)) = self.io.next().now_or_never() {
            self.on_io(done);
        }
    }

    fn bind_once(&mut self, h: &str, addr: SocketAddr) -> Result<OkBody, ErrorBody> {
        let lingering = &self.lingering;
        let s = self.socks.get_mut(h).ok_or_else(|| bad_handle(h))?;
        if s.bound.is_some() {
            return Err(ErrorBody::errno(Errno::EINVAL));
        }
        let (local, lease) = {
            let r = s
                .sock_ref()
                .ok_or_else(|| ErrorBody::errno(Errno::EINVAL))?;
            port_space::bind(&self.policy, &r, s.kind, addr, |real| {
                lingering.holds_local(real)
            })
            .map_err(|e| from_io(&e))?
        };
        s.bound = Some(local);
        s.lease = lease;
        self.set_state(h, SockState::Bound);
        Ok(OkBody::Addr { addr: local.into() })
    }

    pub fn op_listen(&mut self, h: &str, backlog: Option<i32>) -> OpResult {
        let cap = backlog.map_or(MAX_BACKLOG, |b| (b.max(1) as usize).min(MAX_BACKLOG));
        let policy = Arc::clone(&self.policy);
        let s = self.sock(h)?;
        if listen(s, cap, &policy)? {
            self.set_state(h, SockState::Listen);
            self.report_kernel(h);
            self.arm_reader(h);
        }
        Ok(Outcome::empty())
    }

    pub fn op_getsockname(&mut self, h: &str) -> OpResult {
        let s = self.sock(h)?;
        let addr = match &s.os {
            Os::Connecting => s
                .bound
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))),
            _ => s.local_addr().map_err(|e| from_io(&e))?,
        };
        Ok(Outcome::Done(OkBody::Addr { addr: addr.into() }))
    }

    pub fn op_getpeername(&mut self, h: &str) -> OpResult {
        let addr = match &self.sock(h)?.os {
            Os::Stream(st) => st.peer,
            Os::Dgram(d) => d.peer.ok_or_else(|| ErrorBody::errno(Errno::ENOTCONN))?,
            _ => return Err(ErrorBody::errno(Errno::ENOTCONN)),
        };
        Ok(Outcome::Done(OkBody::Addr { addr: addr.into() }))
    }

    pub fn op_shutdown(&mut self, h: &str, how: How) -> OpResult {
        let (wr, eof) = shutdown(self.sock(h)?, how)?;
        if wr {
            let to = if eof {
                SockState::Closed
            } else {
                SockState::FinWait
            };
            self.set_state(h, to);
        }
        self.report_kernel(h);
        self.serve_readers(h);
        Ok(Outcome::empty())
    }

    pub fn op_close(&mut self, h: &str) -> OpResult {
        if self.http.contains_key(h) {
            self.http_drop(h)?;
        } else if self.ftp.contains_key(h) {
            self.ftp_drop(h)?;
        } else if self.mail.contains_key(h) {
            self.mail_drop(h)?;
        } else {
            return self.close_handle(h);
        }
        Ok(Outcome::empty())
    }

    /// Closes a handle at once: every request still pending on it replies `EBADF`,
    /// its futures are aborted and its OS socket is released. A TCP connection
    /// is then watched while the kernel holds it (its first state follows the reply).
    fn close_handle(&mut self, h: &str) -> OpResult {
        let Some(s) = self.socks.get_mut(h) else {
            return Err(bad_handle(h));
        };
        let lingers = Closing::of(s);
        let ids = s.close_requests();
        let was_connected = matches!(s.os, Os::Stream(_) | Os::Connecting);
        let piped_bytes = s.pipe_queued();
        let queued_accepts = match &s.os {
            Os::Listening(l) => l.queue.len(),
            _ => 0,
        };
        for pid in ids {
            self.take_pending(pid);
            self.complete(pid, Err(closed(h)));
        }
        for pid in self.pending_at(&Loc::Bind(h.to_owned())) {
            self.abandon(pid, closed(h));
        }
        self.budget.release_piped(piped_bytes);
        self.budget.accept_dequeued(queued_accepts);
        self.budget.release_lab(h);
        self.set_state(h, SockState::Closed);
        if was_connected {
            self.out.event(Event::Closed {
                sock: h.to_owned(),
                reason: CloseReason::Local,
            });
        }
        self.socks.remove(h);
        self.mark_dirty();
        Ok(match lingers {
            Some(closing) => {
                self.linger(h, closing);
                Outcome::then_empty(Then::Linger)
            }
            None => Outcome::empty(),
        })
    }

    pub fn op_tcp_info(&mut self, h: &str) -> OpResult {
        let s = self.sock(h)?;
        if s.kind != SockType::Stream {
            return Err(ErrorBody::errno(Errno::ENOPROTOOPT));
        }
        let r = s
            .sock_ref()
            .ok_or_else(|| ErrorBody::errno(Errno::EAGAIN))?;
        let info = crate::tcp_info::read(&r).map_err(|e| from_io(&e))?;
        Ok(Outcome::Done(OkBody::TcpInfo(info)))
    }
}

/// What a request pending on a closed handle gets.
fn closed(h: &str) -> ErrorBody {
    ErrorBody::errno_with(
        Errno::EBADF,
        format!("Bad file descriptor ({h} was closed)"),
    )
}

/// Makes a socket listen with an accept queue of `cap`: `Ok(true)` when it
/// starts listening now, `Ok(false)` when it already listened (the new backlog
/// applies).
fn listen(s: &mut Sock, cap: usize, policy: &Policy) -> Result<bool, ErrorBody> {
    match &mut s.os {
        Os::Listening(l) => {
            l.cap = cap;
            return Ok(false);
        }
        Os::Dgram(_) => return Err(ErrorBody::errno(Errno::EOPNOTSUPP)),
        Os::Fresh(_) => {}
        _ => return Err(ErrorBody::errno(Errno::EINVAL)),
    }
    if s.bound.is_none() {
        // The kernel would bind an unbound listener to every interface;
        // bind it where the policy says instead.
        let any = match s.family {
            Family::AfInet6 => SocketAddr::from(([0u16; 8], 0)),
            _ => SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let addr = resolve::check(policy, Purpose::Bind, "", any)?;
        if let Os::Fresh(f) = &s.os {
            f.bind(&addr.into()).map_err(|e| from_io(&e))?;
        }
        s.note_bound(policy);
    }
    let Os::Fresh(f) = std::mem::replace(&mut s.os, Os::Connecting) else {
        return Err(ErrorBody::errno(Errno::EINVAL));
    };
    let listened = f
        .listen(cap as i32)
        .and_then(|()| tokio::net::TcpListener::from_std(std::net::TcpListener::from(f)));
    match listened {
        Ok(l) => {
            s.os = Os::Listening(ListenSock {
                io: Arc::new(l),
                queue: VecDeque::new(),
                cap,
            });
            Ok(true)
        }
        Err(e) => {
            // The socket is gone with the error; give the handle a fresh one.
            s.os = Os::Fresh(sock::new_os_socket(s.family, s.kind).map_err(|e| from_io(&e))?);
            s.bound = None;
            s.lease = None;
            Err(from_io(&e))
        }
    }
}

/// Shuts down one or both directions of a connected stream: whether the write
/// side is now shut, and whether the peer had already closed.
fn shutdown(s: &mut Sock, how: How) -> Result<(bool, bool), ErrorBody> {
    let Os::Stream(st) = &mut s.os else {
        return Err(ErrorBody::errno(Errno::ENOTCONN));
    };
    let (rd, wr, std_how) = match how {
        How::ShutRd => (true, false, std::net::Shutdown::Read),
        How::ShutWr => (false, true, std::net::Shutdown::Write),
        How::ShutRdwr => (true, true, std::net::Shutdown::Both),
    };
    socket2::SockRef::from(&*st.io)
        .shutdown(std_how)
        .map_err(|e| from_io(&e))?;
    if rd {
        st.rd_shut = true;
        st.buf.clear();
        if let Some(p) = s.pump.take() {
            p.abort();
        }
    }
    if wr {
        st.wr_shut = true;
    }
    Ok((wr, st.eof))
}

/// Python raises `OSError: [Errno 92] Protocol not available` for an option asked
/// at the wrong level.
fn check_level(level: OptLevel, name: OptName) -> Result<(), ErrorBody> {
    if name.level() == level {
        Ok(())
    } else {
        Err(ErrorBody::errno_with(
            Errno::ENOPROTOOPT,
            format!("Protocol not available ({name:?} is not a {level:?} option)"),
        ))
    }
}
