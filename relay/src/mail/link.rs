//! One mail client connection (`m…` or `p…`): connecting under the policy,
//! registering its local address with the session's mailbox [`Scope`], writing
//! command lines and reading bounded reply lines under Python's socket timeout,
//! and the log of what crossed it for the `wire` events.
//!
//! Owns the socket and the log; what the lines mean is `smtp.rs` / `pop3.rs`.

use super::lines::{read_line, Line};
use crate::io::with_timeout;
use crate::labs::mail::store::Scope;
use crate::oserror::from_io;
use crate::policy::Policy;
use crate::resolve::{self, Purpose};
use crate::tap::WireChunk;
use bytes::Bytes;
use shared::{Dir, ErrorBody, Family};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// A connected mail client socket.
pub struct Link {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    timeout: Option<Duration>,
    log: Vec<WireChunk>,
    local: SocketAddr,
    scope: Arc<Scope>,
}

/// What reading a line found, as the callers' errors need it.
pub enum Read {
    Line(Vec<u8>),
    TooLong,
    Closed,
}

impl Link {
    /// Connects to `host:port` after the policy checks it (as `ftp.connect`).
    pub async fn connect(
        policy: &Policy,
        scope: Arc<Scope>,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> Result<Link, ErrorBody> {
        let family = if host.trim_start_matches('[').contains(':') {
            Family::AfInet6
        } else {
            Family::AfInet
        };
        let addr = resolve::resolve(policy, Purpose::Connect, family, host, port).await?;
        let stream = with_timeout(timeout, async {
            TcpStream::connect(addr).await.map_err(|e| from_io(&e))
        })
        .await?;
        let local = stream.local_addr().map_err(|e| from_io(&e))?;
        scope.register(local);
        let (rd, wr) = stream.into_split();
        Ok(Link {
            rd: BufReader::new(rd),
            wr,
            timeout,
            log: Vec::new(),
            local,
            scope,
        })
    }

    /// Writes `bytes`; the log shows `shown` instead when given (a masked password).
    pub async fn send(&mut self, bytes: &[u8], shown: Option<&[u8]>) -> Result<(), ErrorBody> {
        self.note(Dir::Out, shown.unwrap_or(bytes));
        let wr = &mut self.wr;
        with_timeout(self.timeout, async {
            wr.write_all(bytes).await.map_err(|e| from_io(&e))
        })
        .await
    }

    /// Reads one line of at most `limit` bytes (not logged: see [`Link::note`]).
    pub async fn read(&mut self, limit: usize) -> Result<Read, ErrorBody> {
        let rd = &mut self.rd;
        let line = with_timeout(self.timeout, async {
            read_line(rd, limit).await.map_err(|e| from_io(&e))
        })
        .await?;
        Ok(match line {
            Line::Text(l) => Read::Line(l),
            Line::TooLong => Read::TooLong,
            Line::Eof => Read::Closed,
        })
    }

    /// Adds bytes to the log (a whole reply is logged as one run).
    pub fn note(&mut self, dir: Dir, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.log.push(WireChunk {
                dir,
                bytes: Bytes::copy_from_slice(bytes),
            });
        }
    }

    /// The log so far.
    pub fn take_log(&mut self) -> Vec<WireChunk> {
        std::mem::take(&mut self.log)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.scope.unregister(self.local);
    }
}
