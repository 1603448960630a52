//! One socket handle as the session sees it: the real OS socket in whichever
//! stage of its life it is (fresh, listening, connected stream, datagram), the
//! bounded receive buffer or accept queue, the Python blocking mode, and the
//! read-side and write-side request queues.
//!
//! Owns the socket model and the pure questions about it (is it readable, what
//! state name does it have). Performing operations and sending frames belong to
//! the session and `ops/`.

use crate::policy::Policy;
use crate::port_space::Lease;
use bytes::{Bytes, BytesMut};
use futures::future::AbortHandle;
use shared::{Encoding, ErrorBody, Family, OptName, SockState, SockType};
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::time::Instant;

/// Python's three modes: `settimeout(None)`, `settimeout(t)`, `settimeout(0)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Blocking,
    Timeout(Duration),
    NonBlocking,
}

impl Mode {
    /// The timeout a blocking call gets (`None`: wait forever, or never wait).
    pub fn timeout(self) -> Option<Duration> {
        match self {
            Mode::Timeout(d) => Some(d),
            _ => None,
        }
    }

    pub fn deadline(self, now: Instant) -> Option<Instant> {
        match self {
            Mode::Timeout(d) => Some(now + d),
            _ => None,
        }
    }
}

/// A read-side request waiting for data, a datagram or a connection.
#[derive(Debug)]
pub struct ReadWaiter {
    pub id: u64,
    pub kind: ReadKind,
}

#[derive(Clone, Copy, Debug)]
pub enum ReadKind {
    Recv {
        bufsize: usize,
        peek: bool,
        encoding: Encoding,
        from: bool,
    },
    Accept,
}

/// A write-side job: a request (with `id`) or a piped client frame (no `id`).
#[derive(Debug)]
pub struct WriteJob {
    pub id: Option<u64>,
    pub kind: WriteKind,
}

#[derive(Debug)]
pub enum WriteKind {
    Send {
        data: Bytes,
        all: bool,
    },
    SendTo {
        data: Bytes,
        host: String,
        port: u16,
    },
    Connect {
        host: String,
        port: u16,
        ex: bool,
    },
    Pipe {
        data: Bytes,
    },
}

/// The write-side job that runs as a future.
pub struct Busy {
    pub id: Option<u64>,
    pub abort: AbortHandle,
    pub what: BusyKind,
}

pub enum BusyKind {
    /// `send`/`sendall`/`sendto` (the data, for the `data` event's preview).
    Send {
        data: Bytes,
    },
    Connect {
        ex: bool,
    },
    Pipe {
        len: usize,
    },
}

/// A connected TCP stream and what the relay has read from it.
pub struct StreamSock {
    pub io: Arc<TcpStream>,
    pub buf: BytesMut,
    pub peer: SocketAddr,
    /// The peer's FIN has been read.
    pub eof: bool,
    pub rd_shut: bool,
    pub wr_shut: bool,
    /// A read error (e.g. ECONNRESET) not yet reported to a `recv`.
    pub error: Option<ErrorBody>,
    pub reset: bool,
}

impl StreamSock {
    /// A freshly connected (or accepted) stream to `peer`, nothing read yet.
    pub fn new(io: TcpStream, peer: SocketAddr) -> StreamSock {
        StreamSock {
            io: Arc::new(io),
            buf: BytesMut::new(),
            peer,
            eof: false,
            rd_shut: false,
            wr_shut: false,
            error: None,
            reset: false,
        }
    }
}

/// A listening socket with its accept queue (bounded by the backlog).
pub struct ListenSock {
    pub io: Arc<TcpListener>,
    pub queue: VecDeque<(TcpStream, SocketAddr)>,
    pub cap: usize,
}

/// A UDP socket with its queue of received datagrams (bounded in bytes).
pub struct DgramSock {
    pub io: Arc<UdpSocket>,
    pub queue: VecDeque<(Bytes, SocketAddr)>,
    pub queued_bytes: usize,
    pub peer: Option<SocketAddr>,
}

pub enum Os {
    /// A TCP socket that is neither listening nor connected (maybe bound).
    Fresh(Socket),
    /// A TCP connect is in flight; the socket lives in that future.
    Connecting,
    Listening(ListenSock),
    Stream(StreamSock),
    Dgram(DgramSock),
}

/// Streaming mode (`pipe`): how received bytes go to the client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PipeMode {
    Binary,
    Events(Encoding),
}

pub struct Sock {
    pub family: Family,
    pub kind: SockType,
    pub state: SockState,
    pub mode: Mode,
    pub os: Os,
    pub reads: VecDeque<ReadWaiter>,
    pub writes: VecDeque<WriteJob>,
    /// The write-side job running as a future, taken off `writes`.
    pub write_busy: Option<Busy>,
    /// The reader/acceptor future, when one is armed.
    pub pump: Option<AbortHandle>,
    /// A writability watcher for a pending `select`.
    pub w_watch: Option<AbortHandle>,
    pub piped: Option<PipeMode>,
    /// Bytes of piped client frames queued for this socket.
    pipe_queued: usize,
    /// The address an explicit `bind` chose (kept to rebind after a failed connect).
    pub bound: Option<SocketAddr>,
    /// This socket's entry in the relay's registry of session-bound addresses
    /// (`policy::BoundPorts`) or in the session's port space; released when the
    /// socket is dropped.
    pub lease: Option<Lease>,
    /// Options set with `setsockopt` (re-applied after a failed connect).
    pub opts: Vec<(OptName, i64)>,
    /// An error from a background (non-blocking) connect, not yet reported.
    pub pending_error: Option<ErrorBody>,
    /// The kernel's TCP state last reported in a `kernel` event (`CLOSE`, a new
    /// socket's, is never reported).
    pub kernel: &'static str,
}

impl Sock {
    pub fn new(family: Family, kind: SockType, os: Os) -> Sock {
        Sock {
            family,
            kind,
            state: SockState::Closed,
            mode: Mode::Blocking,
            os,
            reads: VecDeque::new(),
            writes: VecDeque::new(),
            write_busy: None,
            pump: None,
            w_watch: None,
            piped: None,
            pipe_queued: 0,
            bound: None,
            lease: None,
            opts: Vec::new(),
            pending_error: None,
            kernel: "CLOSE",
        }
    }

    pub fn abort_all(&mut self) {
        self.abort_write();
        for h in [self.pump.take(), self.w_watch.take()]
            .into_iter()
            .flatten()
        {
            h.abort();
        }
    }

    /// Records the address the kernel bound this socket to in `bound` and holds
    /// it under `policy` (the registry an exposed relay lets sessions connect
    /// to, or the session's port space).
    pub fn note_bound(&mut self, policy: &Policy) {
        self.bound = self.local_addr().ok();
        self.lease = self.bound.and_then(|a| Lease::adopt(policy, self.kind, a));
    }

    /// The request id of the in-flight write, if any.
    pub fn busy_id(&self) -> Option<u64> {
        self.write_busy.as_ref().and_then(|b| b.id)
    }

    pub fn abort_write(&mut self) {
        if let Some(b) = self.write_busy.take() {
            b.abort.abort();
        }
    }

    /// Queues a piped client frame, to be written completely.
    pub fn queue_pipe(&mut self, data: Bytes) {
        self.pipe_queued += data.len();
        self.writes.push_back(WriteJob {
            id: None,
            kind: WriteKind::Pipe { data },
        });
    }

    /// `len` piped bytes left the queue (written, or their write failed).
    pub fn pipe_written(&mut self, len: usize) {
        self.pipe_queued = self.pipe_queued.saturating_sub(len);
    }

    /// Drops the piped frames still queued (writing failed); the bytes they held.
    pub fn drop_pipe_jobs(&mut self) -> usize {
        let dropped: usize = self
            .writes
            .iter()
            .map(|j| match &j.kind {
                WriteKind::Pipe { data } => data.len(),
                _ => 0,
            })
            .sum();
        self.writes
            .retain(|j| !matches!(j.kind, WriteKind::Pipe { .. }));
        self.pipe_written(dropped);
        dropped
    }

    /// Bytes of piped client frames queued for this socket.
    pub fn pipe_queued(&self) -> usize {
        self.pipe_queued
    }

    /// Aborts every future of the socket and empties its request queues (it is
    /// being closed): the ids of the requests that were waiting, the in-flight
    /// write's included.
    pub fn close_requests(&mut self) -> Vec<u64> {
        // Taken before `abort_all` drops the in-flight write.
        let busy = self.busy_id();
        self.abort_all();
        self.reads
            .drain(..)
            .map(|w| w.id)
            .chain(self.writes.drain(..).filter_map(|j| j.id))
            .chain(busy)
            .collect()
    }

    /// Drops read-side request `id` from the queue (cancelled or timed out).
    pub fn forget_read(&mut self, id: u64) {
        self.reads.retain(|w| w.id != id);
    }

    /// Drops write-side request `id`: from the queue, or as the in-flight write,
    /// whose future is aborted.
    pub fn forget_write(&mut self, id: u64) {
        self.writes.retain(|j| j.id != Some(id));
        if self.busy_id() == Some(id) {
            self.abort_write();
        }
    }

    /// `select` readability: data, EOF, an error, a connection or a datagram waits.
    pub fn readable(&self) -> bool {
        if self.pending_error.is_some() {
            return true;
        }
        match &self.os {
            Os::Stream(s) => !s.buf.is_empty() || s.eof || s.rd_shut || s.error.is_some(),
            Os::Listening(l) => !l.queue.is_empty(),
            Os::Dgram(d) => !d.queue.is_empty(),
            Os::Fresh(_) | Os::Connecting => false,
        }
    }

    /// `select` writability: a send would not block now.
    pub fn writable(&self) -> bool {
        use futures::FutureExt;
        if self.pending_error.is_some() {
            return true;
        }
        if !self.writes.is_empty() || self.write_busy.is_some() {
            return false;
        }
        match &self.os {
            Os::Stream(s) => s.wr_shut || s.io.writable().now_or_never().is_some(),
            Os::Dgram(_) => true,
            Os::Fresh(_) | Os::Connecting | Os::Listening(_) => false,
        }
    }

    /// A borrowed view of the OS socket for options and syscalls.
    pub fn sock_ref(&self) -> Option<socket2::SockRef<'_>> {
        Some(match &self.os {
            Os::Fresh(s) => socket2::SockRef::from(s),
            Os::Listening(l) => socket2::SockRef::from(&*l.io),
            Os::Stream(s) => socket2::SockRef::from(&*s.io),
            Os::Dgram(d) => socket2::SockRef::from(&*d.io),
            Os::Connecting => return None,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.sock_ref() {
            Some(s) => s
                .local_addr()?
                .as_socket()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an inet socket")),
            None => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        }
    }
}

pub fn domain(family: Family) -> Domain {
    match family {
        Family::AfInet6 => Domain::IPV6,
        _ => Domain::IPV4,
    }
}

/// A new non-blocking OS socket, as `socket.socket(family, type)` creates.
pub fn new_os_socket(family: Family, kind: SockType) -> io::Result<Socket> {
    let (ty, proto) = match kind {
        SockType::Stream => (Type::STREAM, Protocol::TCP),
        SockType::Dgram => (Type::DGRAM, Protocol::UDP),
    };
    let s = Socket::new(domain(family), ty, Some(proto))?;
    s.set_nonblocking(true)?;
    if family == Family::AfInet6 {
        // Python leaves IPV6_V6ONLY at the OS default; the relay pins it so that an
        // AF_INET6 socket never reaches IPv4 addresses behind the policy's back.
        s.set_only_v6(true)?;
    }
    Ok(s)
}

/// Applies a socket option through any socket stage.
pub fn set_opt(s: &socket2::SockRef<'_>, name: OptName, value: i64) -> io::Result<()> {
    let on = value != 0;
    let size = usize::try_from(value).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    match name {
        OptName::SoReuseaddr => s.set_reuse_address(on),
        OptName::SoKeepalive => s.set_keepalive(on),
        OptName::SoBroadcast => s.set_broadcast(on),
        OptName::SoRcvbuf => s.set_recv_buffer_size(size),
        OptName::SoSndbuf => s.set_send_buffer_size(size),
        OptName::TcpNodelay => s.set_tcp_nodelay(on),
    }
}

pub fn get_opt(s: &socket2::SockRef<'_>, name: OptName) -> io::Result<i64> {
    Ok(match name {
        OptName::SoReuseaddr => i64::from(s.reuse_address()?),
        OptName::SoKeepalive => i64::from(s.keepalive()?),
        OptName::SoBroadcast => i64::from(s.broadcast()?),
        OptName::SoRcvbuf => s.recv_buffer_size()? as i64,
        OptName::SoSndbuf => s.send_buffer_size()? as i64,
        OptName::TcpNodelay => i64::from(s.tcp_nodelay()?),
    })
}
