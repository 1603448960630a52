//! The futures a session runs for its sockets, and what each reports when done.
//!
//! Every future here owns `Arc`s of the OS sockets it needs and returns an
//! [`IoDone`]; the session polls them all from its one `select!` loop (they run
//! inside the session's task, never as separate tasks) and applies the results to
//! its handle table. Nothing here touches the handle table or sends frames.

use crate::oserror::{from_io, timed_out};
use bytes::{Bytes, BytesMut};
use futures::future::{AbortHandle, Abortable, BoxFuture};
use futures::stream::FuturesUnordered;
use futures::FutureExt;
use shared::ErrorBody;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};

/// The result of one session future.
pub enum IoDone {
    /// Bytes read from a stream (`Ok` with no bytes = the peer's FIN). `header` is
    /// the length of a binary-frame header written before the bytes (pipe mode).
    Read {
        sock: String,
        result: io::Result<BytesMut>,
        header: usize,
    },
    Accepted {
        sock: String,
        result: io::Result<(TcpStream, SocketAddr)>,
    },
    Datagram {
        sock: String,
        result: io::Result<(Bytes, SocketAddr)>,
    },
    /// A write-side job finished (`n` bytes written).
    Wrote {
        sock: String,
        result: Result<usize, ErrorBody>,
    },
    Connected {
        sock: String,
        result: Result<TcpStream, ErrorBody>,
    },
    /// A socket that a `select` waits on became writable.
    Writable { sock: String },
    /// A host name for `bind` was resolved and checked.
    BindResolved {
        id: u64,
        sock: String,
        result: Result<SocketAddr, ErrorBody>,
    },
    /// An HTTP connection's future finished (see `http/`).
    Http(crate::http::HttpDone),
    /// An FTP connection's future finished (see `ftp/`).
    Ftp(crate::ftp::FtpDone),
    /// A mail connection's call finished (see `mail/`).
    Mail(crate::mail::MailDone),
    /// The future was aborted (its handle was closed or its request cancelled).
    Aborted,
}

pub type IoFuture = BoxFuture<'static, IoDone>;

/// A session's set of running futures. It always holds one future that never
/// completes: `FuturesUnordered` wakes its task again whenever one poll found
/// every future it holds pending ("yield when all were polled"), which for a
/// session with one busy socket meant a second, empty turn of the whole
/// `select!` after each socket event. With the sentinel that is never the case.
pub fn io_set() -> FuturesUnordered<IoFuture> {
    let set = FuturesUnordered::new();
    set.push(futures::future::pending().boxed());
    set
}

/// Wraps a future so the session can abort it; returns the boxed future and its handle.
pub fn abortable(fut: impl Future<Output = IoDone> + Send + 'static) -> (IoFuture, AbortHandle) {
    let (handle, reg) = AbortHandle::new_pair();
    let fut = Abortable::new(fut, reg).map(|r| r.unwrap_or(IoDone::Aborted));
    (fut.boxed(), handle)
}

/// Applies a Python timeout to a future's result.
pub async fn with_timeout<T>(
    timeout: Option<Duration>,
    fut: impl Future<Output = Result<T, ErrorBody>>,
) -> Result<T, ErrorBody> {
    match timeout {
        Some(d) => tokio::time::timeout(d, fut)
            .await
            .unwrap_or_else(|_| Err(timed_out())),
        None => fut.await,
    }
}

/// Reads up to `max` bytes once data is available. In pipe mode `header` bytes
/// (the binary frame header) are written first so the payload needs no copy.
pub async fn read_stream(
    sock: String,
    io: Arc<TcpStream>,
    max: usize,
    header: Option<Vec<u8>>,
) -> IoDone {
    let header_len = header.as_ref().map_or(0, Vec::len);
    let mut buf = BytesMut::with_capacity(header_len + max);
    if let Some(h) = header {
        buf.extend_from_slice(&h);
    }
    let result = loop {
        if let Err(e) = io.readable().await {
            break Err(e);
        }
        // try_read_buf appends into the spare capacity after the header. A
        // read shorter than the room drained the socket: answering
        // `WouldBlock` to `try_io` clears tokio's readiness, so the next read
        // waits for the kernel's next event instead of first costing a `recv`
        // that can only say EAGAIN (tokio's own `poll_read` does the same).
        let mut got = None;
        let tried = io.try_io(Interest::READABLE, || {
            let n = io.try_read_buf(&mut buf)?;
            got = Some(n);
            if n > 0 && n < max {
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(())
            }
        });
        match (got, tried) {
            (Some(_), _) => break Ok(buf),
            (None, Err(e)) if e.kind() != io::ErrorKind::WouldBlock => break Err(e),
            (None, _) => continue,
        }
    };
    IoDone::Read {
        sock,
        result,
        header: header_len,
    }
}

pub async fn accept(sock: String, io: Arc<TcpListener>) -> IoDone {
    IoDone::Accepted {
        result: io.accept().await,
        sock,
    }
}

pub async fn recv_datagram(sock: String, io: Arc<UdpSocket>) -> IoDone {
    let mut buf = vec![0u8; 65536];
    let result = io.recv_from(&mut buf).await.map(|(n, addr)| {
        (
            Bytes::copy_from_slice(buf.get(..n).unwrap_or_default()),
            addr,
        )
    });
    IoDone::Datagram { sock, result }
}

/// Writes `data[written..]` to a stream: everything (`all`) or at least one byte.
pub async fn write_stream(
    sock: String,
    io: Arc<TcpStream>,
    data: Bytes,
    mut written: usize,
    all: bool,
    timeout: Option<Duration>,
) -> IoDone {
    let result = with_timeout(timeout, async {
        loop {
            io.writable().await.map_err(|e| from_io(&e))?;
            match io.try_write(data.get(written..).unwrap_or_default()) {
                Ok(n) => {
                    written += n;
                    if !all || written == data.len() {
                        return Ok(written);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(from_io(&e)),
            }
        }
    })
    .await;
    IoDone::Wrote { sock, result }
}

pub async fn send_datagram(
    sock: String,
    io: Arc<UdpSocket>,
    data: Bytes,
    to: Option<SocketAddr>,
    timeout: Option<Duration>,
) -> IoDone {
    let result = with_timeout(timeout, async {
        let r = match to {
            Some(addr) => io.send_to(&data, addr).await,
            None => io.send(&data).await,
        };
        r.map_err(|e| from_io(&e))
    })
    .await;
    IoDone::Wrote { sock, result }
}

/// Connects a fresh socket to an address the policy already checked.
pub async fn connect(
    sock: String,
    socket: socket2::Socket,
    addr: SocketAddr,
    timeout: Option<Duration>,
) -> IoDone {
    let result = with_timeout(timeout, async {
        let std_stream = std::net::TcpStream::from(socket);
        let tcp = TcpSocket::from_std_stream(std_stream);
        tcp.connect(addr).await.map_err(|e| from_io(&e))
    })
    .await;
    IoDone::Connected { sock, result }
}

pub async fn writable(sock: String, io: Arc<TcpStream>) -> IoDone {
    let _ = io.writable().await;
    IoDone::Writable { sock }
}
