//! One open HTTP connection as the futures use it: the TCP (or TLS) stream behind
//! a [`Tap`], the bytes read but not yet consumed, and the socket timeout; plus
//! opening one (`HTTPConnection.connect`): resolve, check the connect policy
//! exactly as sockets do, connect, `TCP_NODELAY`, and the TLS handshake.
//!
//! The [`Tap`] sits above TLS, so `wire` events show the HTTP bytes a learner
//! can read, not ciphertext.
//!
//! Owns Python's buffered-file reads (`readline(limit)`, `read(n)`, `read()`)
//! over the stream, each socket call bounded by the timeout like a Python socket
//! with `settimeout`. What the bytes mean is `body.rs`'s business.

use super::tls;
use crate::oserror::{from_io, timed_out};
use crate::policy::Policy;
use crate::resolve::{self, Purpose};
use crate::tap::Tap;
use bytes::{Bytes, BytesMut};
use shared::{ErrorBody, Family};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest single read from the stream.
const READ_CHUNK: usize = 64 << 10;

/// A byte stream: plain TCP or TLS over TCP.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Where and how to connect (`HTTPConnection`'s host, port, timeout, TLS).
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub timeout: Option<Duration>,
    pub policy: Arc<Policy>,
}

pub struct Link {
    pub io: Tap<Box<dyn Stream>>,
    /// Read from the stream, not yet consumed.
    pub rbuf: BytesMut,
    /// The peer ended the stream (a read returned nothing).
    pub eof: bool,
    pub timeout: Option<Duration>,
}

/// Runs one socket call under the Python timeout.
async fn timed<T>(
    timeout: Option<Duration>,
    fut: impl Future<Output = Result<T, ErrorBody>>,
) -> Result<T, ErrorBody> {
    crate::io::with_timeout(timeout, fut).await
}

impl Link {
    /// `socket.create_connection((host, port), timeout)` (then the TLS handshake
    /// for HTTPS), with the relay's connect policy checked on the resolved
    /// address before any packet leaves.
    pub async fn open(t: &Target) -> Result<Link, ErrorBody> {
        let family = if t.host.contains(':') {
            Family::AfInet6
        } else {
            Family::AfInet
        };
        let addr =
            match resolve::resolve(&t.policy, Purpose::Connect, family, &t.host, t.port).await {
                // A name with only IPv6 addresses: try those, as getaddrinfo(AF_UNSPEC) would.
                Err(e) if family == Family::AfInet && e.errno == Some(-9) => {
                    resolve::resolve(
                        &t.policy,
                        Purpose::Connect,
                        Family::AfInet6,
                        &t.host,
                        t.port,
                    )
                    .await?
                }
                r => r?,
            };
        let tcp = timed(t.timeout, async {
            TcpStream::connect(addr).await.map_err(|e| from_io(&e))
        })
        .await?;
        // http.client sets TCP_NODELAY too; failure is harmless.
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = if t.tls {
            Box::new(timed(t.timeout, tls::handshake(&t.host, tcp)).await?)
        } else {
            Box::new(tcp)
        };
        Ok(Link {
            io: Tap::new(stream),
            rbuf: BytesMut::new(),
            eof: false,
            timeout: t.timeout,
        })
    }

    /// One read from the stream into `rbuf`; `Ok(0)` at end of stream.
    async fn fill(&mut self) -> Result<usize, ErrorBody> {
        if self.eof {
            return Ok(0);
        }
        self.rbuf.reserve(READ_CHUNK);
        let io = &mut self.io;
        let rbuf = &mut self.rbuf;
        let n = timed(self.timeout, async {
            match io.read_buf(rbuf).await {
                Ok(n) => Ok(n),
                // A TLS peer that closes without close_notify: Python's
                // `suppress_ragged_eofs` reads that as end of stream.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                Err(e) => Err(read_error(&e)),
            }
        })
        .await?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n)
    }

    /// `fp.readline(limit)`: up to and including `\n`, at most `limit` bytes,
    /// shorter at end of stream (empty when nothing is left).
    pub async fn readline(&mut self, limit: usize) -> Result<Bytes, ErrorBody> {
        let mut scanned = 0;
        loop {
            let upto = self.rbuf.len().min(limit);
            let fresh = self.rbuf.get(scanned..upto).unwrap_or_default();
            if let Some(i) = fresh.iter().position(|&b| b == b'\n') {
                return Ok(self.rbuf.split_to(scanned + i + 1).freeze());
            }
            scanned = upto;
            if self.rbuf.len() >= limit {
                return Ok(self.rbuf.split_to(limit).freeze());
            }
            if self.fill().await? == 0 {
                let n = self.rbuf.len();
                return Ok(self.rbuf.split_to(n).freeze());
            }
        }
    }

    /// `fp.read(n)`: `n` bytes, fewer only at end of stream.
    pub async fn read_upto(&mut self, n: usize) -> Result<Bytes, ErrorBody> {
        while self.rbuf.len() < n {
            if self.fill().await? == 0 {
                break;
            }
        }
        let n = n.min(self.rbuf.len());
        Ok(self.rbuf.split_to(n).freeze())
    }

    /// `fp.read()`: everything up to end of stream, failing with `Err(None)`
    /// (bytes kept in the buffer) once more than `max` bytes wait.
    pub async fn read_to_eof(&mut self, max: usize) -> Result<Bytes, Option<ErrorBody>> {
        loop {
            if self.rbuf.len() > max {
                return Err(None);
            }
            if self.fill().await.map_err(Some)? == 0 {
                let n = self.rbuf.len();
                return Ok(self.rbuf.split_to(n).freeze());
            }
        }
    }

    /// `sock.sendall(data)` under the timeout. Each call is its own `wire` event.
    pub async fn sendall(&mut self, data: &[u8]) -> Result<(), ErrorBody> {
        self.io.cut();
        let io = &mut self.io;
        timed(self.timeout, async {
            io.write_all(data).await.map_err(|e| from_io(&e))?;
            io.flush().await.map_err(|e| from_io(&e))
        })
        .await
    }
}

fn read_error(e: &io::Error) -> ErrorBody {
    if e.kind() == io::ErrorKind::TimedOut {
        return timed_out();
    }
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(tls_err) => tls::error(tls_err),
        None => from_io(e),
    }
}
