//! The write side of a socket: `send`, `sendall`, `sendto`, `connect`,
//! `connect_ex`, and the piped client frames. Jobs run one at a time per socket in
//! arrival order; a job that can finish at once does (no future), otherwise it
//! runs as a future while the read side and other sockets carry on.

use crate::budget::Charge;
use crate::io::{self, IoDone};
use crate::ops::{OpResult, Outcome};
use crate::oserror::from_io;
use crate::resolve::{self, Purpose};
use crate::session::{Loc, Session};
use crate::sock::{self, Busy, BusyKind, Mode, Os, StreamSock, WriteJob, WriteKind};
use bytes::Bytes;
use shared::{
    Addr, ConnectArgs, Data, Dir, Errno, ErrorBody, Event, OkBody, SendArgs, SockState, SockType,
};
use std::sync::Arc;
use tokio::net::TcpStream;

/// What starting a job led to.
enum Step {
    /// Finished now: reply (when it is a request) and go on with the next job.
    Done(Option<u64>, Result<OkBody, ErrorBody>),
    /// Running as a future.
    Started,
    /// The job cannot run yet (e.g. a connect is still in flight).
    Blocked,
}

impl Session {
    pub fn op_send(&mut self, id: u64, args: SendArgs, all: bool) -> OpResult {
        let data = Bytes::from(args.data.into_bytes());
        self.queue_write(id, &args.sock, WriteKind::Send { data, all })
    }

    pub fn op_sendto(&mut self, id: u64, h: &str, data: Vec<u8>, addr: Addr) -> OpResult {
        let data = Bytes::from(data);
        let (host, port) = (addr.0, addr.1);
        self.queue_write(id, h, WriteKind::SendTo { data, host, port })
    }

    pub fn op_connect(&mut self, id: u64, args: ConnectArgs, ex: bool) -> OpResult {
        let h = args.sock.as_str();
        if let Some(e) = self.connect_error_now(h) {
            return connect_result(ex, Err(e)).map(Outcome::Done);
        }
        let (host, port) = (args.addr.0, args.addr.1);
        self.queue_write(id, h, WriteKind::Connect { host, port, ex })
    }

    /// An error Python's `connect` raises before any I/O, if there is one.
    fn connect_error_now(&mut self, h: &str) -> Option<ErrorBody> {
        let s = match self.sock(h) {
            Ok(s) => s,
            Err(e) => return Some(e),
        };
        if let Some(e) = s.pending_error.take() {
            return Some(e);
        }
        match &s.os {
            Os::Stream(_) | Os::Listening(_) if s.kind == SockType::Stream => {
                Some(ErrorBody::errno(Errno::EISCONN))
            }
            Os::Connecting if s.write_busy.as_ref().is_some_and(|b| b.id.is_none()) => {
                Some(ErrorBody::errno(Errno::EALREADY))
            }
            _ => None,
        }
    }

    fn queue_write(&mut self, id: u64, h: &str, kind: WriteKind) -> OpResult {
        let s = self.sock(h)?;
        let idle = s.writes.is_empty() && s.write_busy.is_none();
        // Queued behind another write (or a connect in progress), a non-blocking
        // call would block.
        if !idle && s.mode == Mode::NonBlocking && !matches!(kind, WriteKind::Connect { .. }) {
            return Err(ErrorBody::errno(Errno::EAGAIN));
        }
        // The bytes stay buffered (and counted in the budget) until answered.
        let charge = match &kind {
            WriteKind::Send { data, .. } | WriteKind::SendTo { data, .. } => {
                Charge::Bytes(data.len())
            }
            WriteKind::Connect { .. } | WriteKind::Pipe { .. } => Charge::Nothing,
        };
        // Timeouts of write-side calls run inside their futures (see `io.rs`).
        self.add_pending_charged(id, Loc::Write(h.to_owned()), None, None, charge)?;
        if let Some(s) = self.socks.get_mut(h) {
            s.writes.push_back(WriteJob { id: Some(id), kind });
        }
        // The job may finish at once: it is then answered from `start_writes`.
        self.start_writes(h);
        Ok(Outcome::Later)
    }

    /// Runs the socket's queued write jobs until one has to wait.
    pub fn start_writes(&mut self, h: &str) {
        loop {
            let Some(s) = self.socks.get_mut(h) else {
                return;
            };
            if s.write_busy.is_some() {
                return;
            }
            let Some(job) = s.writes.pop_front() else {
                return;
            };
            match self.start_job(h, job) {
                Step::Started => return,
                Step::Blocked => return,
                Step::Done(id, r) => {
                    if let Some(id) = id {
                        self.take_pending(id);
                        self.complete(id, r);
                    }
                }
            }
        }
    }

    fn start_job(&mut self, h: &str, job: WriteJob) -> Step {
        let policy = Arc::clone(&self.policy);
        let Some(s) = self.socks.get_mut(h) else {
            return Step::Blocked;
        };
        let timeout = s.mode.timeout();
        let id = job.id;
        match job.kind {
            WriteKind::Send { data, all } => {
                let st = match &s.os {
                    Os::Stream(st) => st,
                    Os::Dgram(d) => {
                        let Some(peer) = d.peer else {
                            return Step::Done(id, Err(ErrorBody::errno(Errno::EDESTADDRREQ)));
                        };
                        return self.start_datagram(h, id, data, peer);
                    }
                    _ => return Step::Done(id, Err(ErrorBody::errno(Errno::EPIPE))),
                };
                if st.wr_shut {
                    return Step::Done(id, Err(ErrorBody::errno(Errno::EPIPE)));
                }
                let io = Arc::clone(&st.io);
                let mut written = 0;
                let mut blocked = false;
                while written < data.len() {
                    match io.try_write(data.get(written..).unwrap_or_default()) {
                        Ok(n) => {
                            written += n;
                            if !all {
                                break;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            blocked = true;
                            break;
                        }
                        Err(e) => return Step::Done(id, Err(from_io(&e))),
                    }
                }
                let done = !blocked || (!all && written > 0) || data.is_empty();
                if done {
                    self.data_out(h, data.get(..written).unwrap_or_default());
                    return Step::Done(id, Ok(OkBody::Sent { n: written as u64 }));
                }
                if s.mode == Mode::NonBlocking {
                    if written > 0 {
                        self.data_out(h, data.get(..written).unwrap_or_default());
                    }
                    return Step::Done(id, Err(ErrorBody::errno(Errno::EAGAIN)));
                }
                let fut = io::write_stream(h.to_owned(), io, data.clone(), written, all, timeout);
                self.start_busy(h, id, BusyKind::Send { data }, fut)
            }
            WriteKind::Pipe { data } => {
                let Os::Stream(st) = &s.os else {
                    return Step::Done(None, Ok(OkBody::Empty {}));
                };
                let io = Arc::clone(&st.io);
                let mut written = 0;
                while written < data.len() {
                    match io.try_write(data.get(written..).unwrap_or_default()) {
                        Ok(n) => written += n,
                        Err(_) => break,
                    }
                }
                if written == data.len() {
                    self.pipe_written(h, data.len());
                    return Step::Done(None, Ok(OkBody::Empty {}));
                }
                let len = data.len();
                let (fut, abort) = io::abortable(io::write_stream(
                    h.to_owned(),
                    io,
                    data,
                    written,
                    true,
                    None,
                ));
                s.write_busy = Some(Busy {
                    id: None,
                    abort,
                    what: BusyKind::Pipe { len },
                });
                self.io.push(fut);
                Step::Started
            }
            WriteKind::SendTo { data, host, port } => {
                if s.kind == SockType::Stream {
                    let e = match s.os {
                        Os::Stream(_) => Errno::EISCONN,
                        _ => Errno::EPIPE,
                    };
                    return Step::Done(id, Err(ErrorBody::errno(e)));
                }
                let family = s.family;
                match resolve::resolve_now(&policy, Purpose::Datagram, family, &host, port) {
                    Some(Ok(to)) => self.start_datagram(h, id, data, to),
                    Some(Err(e)) => Step::Done(id, Err(e)),
                    None => {
                        let Os::Dgram(d) = &s.os else {
                            return Step::Blocked;
                        };
                        let udp = Arc::clone(&d.io);
                        let sock = h.to_owned();
                        let payload = data.clone();
                        let fut = async move {
                            match resolve::resolve(&policy, Purpose::Datagram, family, &host, port)
                                .await
                            {
                                Ok(to) => {
                                    io::send_datagram(sock, udp, payload, Some(to), timeout).await
                                }
                                Err(e) => IoDone::Wrote {
                                    sock,
                                    result: Err(e),
                                },
                            }
                        };
                        self.start_busy(h, id, BusyKind::Send { data }, fut)
                    }
                }
            }
            WriteKind::Connect { host, port, ex } => self.start_connect(h, id, host, port, ex),
        }
    }

    /// Runs a write-side job as a future; the socket is busy until it reports.
    fn start_busy(
        &mut self,
        h: &str,
        id: Option<u64>,
        what: BusyKind,
        fut: impl std::future::Future<Output = IoDone> + Send + 'static,
    ) -> Step {
        let (fut, abort) = io::abortable(fut);
        if let Some(s) = self.socks.get_mut(h) {
            s.write_busy = Some(Busy { id, abort, what });
        }
        self.io.push(fut);
        Step::Started
    }

    fn start_datagram(
        &mut self,
        h: &str,
        id: Option<u64>,
        data: Bytes,
        to: std::net::SocketAddr,
    ) -> Step {
        let Some(s) = self.socks.get_mut(h) else {
            return Step::Blocked;
        };
        let Os::Dgram(d) = &s.os else {
            return Step::Done(id, Err(ErrorBody::errno(Errno::EINVAL)));
        };
        if s.bound.is_none() && d.peer.is_none() {
            // The kernel would bind an unbound socket to every interface on its
            // first sendto (Python shows 0.0.0.0); bind where the policy says.
            let any = match s.family {
                shared::Family::AfInet6 => std::net::SocketAddr::from(([0u16; 8], 0)),
                _ => std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
            };
            let bound = resolve::check(&self.policy, Purpose::Bind, "", any).and_then(|a| {
                socket2::SockRef::from(&*d.io)
                    .bind(&a.into())
                    .map_err(|e| from_io(&e))
            });
            if let Err(e) = bound {
                return Step::Done(id, Err(e));
            }
            s.note_bound(&self.policy);
            self.set_state(h, SockState::Bound);
        }
        let Some(s) = self.socks.get_mut(h) else {
            return Step::Blocked;
        };
        let Os::Dgram(d) = &s.os else {
            return Step::Blocked;
        };
        match d.io.try_send_to(&data, to) {
            Ok(n) => {
                self.data_out(h, data.get(..n).unwrap_or_default());
                Step::Done(id, Ok(OkBody::Sent { n: n as u64 }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && s.mode != Mode::NonBlocking => {
                let udp = Arc::clone(&d.io);
                let fut =
                    io::send_datagram(h.to_owned(), udp, data.clone(), Some(to), s.mode.timeout());
                self.start_busy(h, id, BusyKind::Send { data }, fut)
            }
            Err(e) => Step::Done(id, Err(from_io(&e))),
        }
    }

    fn start_connect(
        &mut self,
        h: &str,
        id: Option<u64>,
        host: String,
        port: u16,
        ex: bool,
    ) -> Step {
        let policy = Arc::clone(&self.policy);
        let Some(s) = self.socks.get_mut(h) else {
            return Step::Blocked;
        };
        let family = s.family;
        let timeout = s.mode.timeout();
        let nonblocking = s.mode == Mode::NonBlocking;
        let purpose = match s.kind {
            SockType::Stream => Purpose::Connect,
            SockType::Dgram => Purpose::Datagram,
        };
        let checked = resolve::resolve_now(&policy, purpose, family, &host, port);
        if let Some(Err(e)) = checked {
            return self.connect_done_now(id, ex, Err(e));
        }
        // UDP: connect only sets the default peer.
        if let Os::Dgram(d) = &mut s.os {
            let Some(Ok(addr)) = checked else {
                return self.connect_done_now(
                    id,
                    ex,
                    Err(ErrorBody::errno_with(
                        Errno::EINVAL,
                        "UDP connect needs an IP address or localhost",
                    )),
                );
            };
            let r = socket2::SockRef::from(&*d.io)
                .connect(&addr.into())
                .map_err(|e| from_io(&e));
            if r.is_ok() {
                d.peer = Some(addr);
                s.note_bound(&self.policy);
                self.set_state(h, SockState::Established);
            }
            return self.connect_done_now(id, ex, r.map(|()| OkBody::Empty {}));
        }
        let Os::Fresh(_) = &s.os else {
            let e = match s.os {
                Os::Connecting => Errno::EALREADY,
                _ => Errno::EISCONN,
            };
            return self.connect_done_now(id, ex, Err(ErrorBody::errno(e)));
        };
        // A connection to a lab takes one of the session's slots for that lab.
        if let Some(Ok(addr)) = checked {
            if let Some(lab) = self.budget.lab_at(addr) {
                if let Err(e) = self.budget.hold_lab(h, lab) {
                    return self.connect_done_now(id, ex, Err(e));
                }
            }
        }
        let Some(s) = self.socks.get_mut(h) else {
            return Step::Blocked;
        };
        let Os::Fresh(socket) = std::mem::replace(&mut s.os, Os::Connecting) else {
            return Step::Blocked;
        };
        let sock_name = h.to_owned();
        let fut = match checked {
            Some(Ok(addr)) => io::abortable(io::connect(sock_name, socket, addr, timeout)),
            _ => io::abortable(async move {
                match resolve::resolve(&policy, Purpose::Connect, family, &host, port).await {
                    Ok(addr) => io::connect(sock_name, socket, addr, timeout).await,
                    Err(e) => IoDone::Connected {
                        sock: sock_name,
                        result: Err(e),
                    },
                }
            }),
        };
        let (fut, abort) = fut;
        // A non-blocking connect answers EINPROGRESS now and goes on in the background.
        let waiting = if nonblocking { None } else { id };
        s.write_busy = Some(Busy {
            id: waiting,
            abort,
            what: BusyKind::Connect { ex },
        });
        self.io.push(fut);
        self.set_state(h, SockState::SynSent);
        if nonblocking {
            return self.connect_done_now(id, ex, Err(ErrorBody::errno(Errno::EINPROGRESS)));
        }
        Step::Started
    }

    /// A connect that finished without I/O (or a non-blocking one): reply now.
    fn connect_done_now(
        &mut self,
        id: Option<u64>,
        ex: bool,
        r: Result<OkBody, ErrorBody>,
    ) -> Step {
        if let Some(id) = id {
            self.take_pending(id);
            self.complete(id, connect_result(ex, r));
        }
        Step::Done(None, Ok(OkBody::Empty {}))
    }

    pub fn on_connected(&mut self, h: &str, result: Result<TcpStream, ErrorBody>) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        let (id, ex) = match s.write_busy.take() {
            Some(Busy {
                id,
                what: BusyKind::Connect { ex },
                ..
            }) => (id, ex),
            _ => (None, false),
        };
        let reply = match result {
            Ok(stream) => {
                let peer = stream
                    .peer_addr()
                    .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
                for (name, value) in &s.opts {
                    let _ = sock::set_opt(&socket2::SockRef::from(&stream), *name, *value);
                }
                // A raw socket to a mail lab uses this session's mailboxes too.
                let mail_lab = ["smtp", "pop3"]
                    .iter()
                    .any(|l| self.relay.labs.get(*l) == Some(&peer));
                if let (true, Ok(local)) = (mail_lab, stream.local_addr()) {
                    self.mail_scope.register(local);
                }
                s.os = Os::Stream(StreamSock::new(stream, peer));
                self.set_state(h, SockState::Established);
                self.report_kernel(h);
                self.arm_reader(h);
                Ok(OkBody::Empty {})
            }
            Err(e) => {
                if id.is_none() {
                    s.pending_error = Some(e.clone());
                }
                self.renew_after_failed_connect(h);
                Err(e)
            }
        };
        if let Some(id) = id {
            self.take_pending(id);
            self.complete(id, connect_result(ex, reply));
        }
        self.serve_readers(h);
        self.start_writes(h);
    }

    /// A failed or abandoned connect consumed the OS socket: give the handle a
    /// fresh one, re-bound and with its options, so the learner can try again.
    pub fn renew_after_failed_connect(&mut self, h: &str) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        if !matches!(s.os, Os::Connecting) {
            return;
        }
        self.budget.release_lab(h);
        match sock::new_os_socket(s.family, s.kind) {
            Ok(f) => {
                for (name, value) in &s.opts {
                    let _ = sock::set_opt(&socket2::SockRef::from(&f), *name, *value);
                }
                if let Some(b) = s.bound {
                    if f.bind(&b.into()).is_err() {
                        s.bound = None;
                        s.lease = None;
                    }
                }
                s.os = Os::Fresh(f);
            }
            Err(err) => tracing::warn!("cannot recreate a socket: {err}"),
        }
        let to = if s.bound.is_some() {
            SockState::Bound
        } else {
            SockState::Closed
        };
        self.set_state(h, to);
    }

    pub fn on_wrote(&mut self, h: &str, result: Result<usize, ErrorBody>) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        let Some(busy) = s.write_busy.take() else {
            return;
        };
        match (busy.what, result) {
            (BusyKind::Send { data }, Ok(n)) => {
                self.data_out(h, data.get(..n).unwrap_or(&data));
                if let Some(id) = busy.id {
                    self.take_pending(id);
                    self.complete(id, Ok(OkBody::Sent { n: n as u64 }));
                }
            }
            (BusyKind::Pipe { len }, Ok(_)) => self.pipe_written(h, len),
            (BusyKind::Pipe { len }, Err(e)) => {
                self.pipe_written(h, len);
                self.pipe_failed(h, e);
            }
            (_, Err(e)) => {
                if let Some(id) = busy.id {
                    self.take_pending(id);
                    self.complete(id, Err(e));
                }
                self.report_kernel(h);
            }
            (BusyKind::Connect { .. }, Ok(_)) => {}
        }
        self.start_writes(h);
    }

    /// A `data` event for bytes written to the kernel (none for piped sockets).
    fn data_out(&mut self, h: &str, bytes: &[u8]) {
        if self.socks.get(h).is_some_and(|s| s.piped.is_some()) {
            return;
        }
        self.out.event(Event::Data {
            sock: h.to_owned(),
            dir: Dir::Out,
            n: bytes.len() as u64,
            preview: Some(Data::preview(bytes, super::recv::PREVIEW_BYTES)),
            data: None,
        });
    }
}

/// `connect_ex` turns OS errors (and a timeout) into `{"errno": n}` and success
/// into `{"errno": 0}`; everything else raises, as for `connect`.
fn connect_result(ex: bool, r: Result<OkBody, ErrorBody>) -> Result<OkBody, ErrorBody> {
    match r {
        Err(e) if ex && e.errno.is_some() && e.os_errno().is_some() => Ok(OkBody::Errno {
            errno: e.errno.unwrap_or_default(),
        }),
        Err(e) if ex && e.code == shared::codes::TIMEOUT => Ok(OkBody::Errno {
            errno: Errno::EAGAIN.number(),
        }),
        Ok(_) if ex => Ok(OkBody::Errno { errno: 0 }),
        r => r,
    }
}
