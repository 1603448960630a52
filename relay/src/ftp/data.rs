//! Data connections: ftplib's `makepasv`, `makeport` and `ntransfercmd`, and the
//! single reads and writes a session runs on an open data connection.
//!
//! Passive mode connects to the address the `227` reply names (checked against the
//! connect policy first — unlike CPython 3.11's default, which silently replaces the
//! host by the control peer, the playground shows and uses the real address, so the
//! policy is what keeps a server from redirecting the relay) or, for IPv6, to the
//! control peer at the `229` port. Active mode listens on the control connection's
//! local address (checked against the bind policy) and sends `PORT`/`EPRT`.
//! Owns the data stream and the futures of single reads and writes
//! ([`start_read`], [`start_write`]); it never touches the session.

use super::control::{Control, Note};
use super::reply::{self, parse150, parse227, parse229};
use super::{FtpDone, Report};
use crate::io::{abortable, with_timeout, IoDone, IoFuture};
use crate::oserror::from_io;
use crate::policy::Policy;
use crate::resolve::{self, Purpose};
use bytes::{Bytes, BytesMut};
use futures::future::AbortHandle;
use shared::{Dir, ErrorBody};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// One open data connection.
pub struct DataConn {
    stream: TcpStream,
    pub timeout: Option<Duration>,
}

/// What `ntransfercmd` needs besides the control connection.
pub struct TransferSpec {
    /// `TYPE I` (checked with `voidcmd`) or `TYPE A` (sent with `sendcmd`), as the
    /// ftplib method that opens the transfer does.
    pub binary: bool,
    pub cmd: String,
    pub rest: Option<u64>,
    pub passive: bool,
}

/// `TYPE …` then `ntransfercmd`: the open data connection and the size a `150`
/// reply announced.
pub async fn open_transfer(
    ctrl: &mut Control,
    spec: &TransferSpec,
    policy: &Policy,
) -> Result<(DataConn, Option<u64>), ErrorBody> {
    if spec.binary {
        ctrl.voidcmd("TYPE I").await?;
    } else {
        ctrl.sendcmd("TYPE A").await?;
    }
    let (conn, resp) = if spec.passive {
        let addr = makepasv(ctrl, policy).await?;
        let stream = with_timeout(ctrl.timeout, async {
            TcpStream::connect(addr).await.map_err(|e| from_io(&e))
        })
        .await?;
        let local = stream.local_addr().map_err(|e| from_io(&e))?;
        ctrl.notes.push(Note::data(
            Dir::Out,
            format!("open passive {local} -> {addr}"),
        ));
        let conn = DataConn {
            stream,
            timeout: ctrl.timeout,
        };
        // On an error `conn` is dropped, which closes it (Python's `conn.close()`).
        let resp = send_transfer_cmd(ctrl, spec).await?;
        (conn, resp)
    } else {
        let listener = makeport(ctrl, policy).await?;
        let resp = send_transfer_cmd(ctrl, spec).await?;
        let (stream, peer) = with_timeout(ctrl.timeout, async {
            listener.accept().await.map_err(|e| from_io(&e))
        })
        .await?;
        let local = stream.local_addr().map_err(|e| from_io(&e))?;
        ctrl.notes.push(Note::data(
            Dir::In,
            format!("open active {peer} -> {local}"),
        ));
        (
            DataConn {
                stream,
                timeout: ctrl.timeout,
            },
            resp,
        )
    };
    let size = if reply::code(&resp) == "150" {
        parse150(&resp)
    } else {
        None
    };
    Ok((conn, size))
}

/// `REST` (when asked), the transfer command, and its preliminary `1xx` reply.
async fn send_transfer_cmd(ctrl: &mut Control, spec: &TransferSpec) -> Result<String, ErrorBody> {
    if let Some(rest) = spec.rest {
        ctrl.sendcmd(&format!("REST {rest}")).await?;
    }
    let mut resp = ctrl.sendcmd(&spec.cmd).await?;
    if resp.starts_with('2') {
        resp = ctrl.getresp().await?;
    }
    if !resp.starts_with('1') {
        return Err(reply::error_reply(&resp));
    }
    Ok(resp)
}

/// `makepasv`: `PASV` (IPv4) or `EPSV` (IPv6) and the policy check of the address.
async fn makepasv(ctrl: &mut Control, policy: &Policy) -> Result<SocketAddr, ErrorBody> {
    let (host, addr) = if ctrl.peer.is_ipv4() {
        let resp = ctrl.sendcmd("PASV").await?;
        let (host, port) = parse227(&resp)?;
        let ip: IpAddr = host.parse().map_err(|_| reply::error_proto(&resp))?;
        (host, SocketAddr::new(ip, port))
    } else {
        let resp = ctrl.sendcmd("EPSV").await?;
        let port = parse229(&resp)?;
        (
            ctrl.peer.ip().to_string(),
            SocketAddr::new(ctrl.peer.ip(), port),
        )
    };
    resolve::check(policy, Purpose::Connect, &host, addr).map_err(|mut e| {
        e.message = format!("data connection named by the server: {}", e.message);
        e
    })
}

/// `makeport`: a listener on the control connection's local address, announced
/// with `PORT` (IPv4) or `EPRT` (IPv6).
async fn makeport(ctrl: &mut Control, policy: &Policy) -> Result<TcpListener, ErrorBody> {
    let bind = SocketAddr::new(ctrl.local.ip(), 0);
    let bind = resolve::check(policy, Purpose::Bind, &bind.ip().to_string(), bind)?;
    let listener = TcpListener::bind(bind).await.map_err(|e| from_io(&e))?;
    let addr = listener.local_addr().map_err(|e| from_io(&e))?;
    let cmd = match addr.ip() {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            let p = addr.port();
            format!(
                "PORT {},{},{},{},{},{}",
                o[0],
                o[1],
                o[2],
                o[3],
                p >> 8,
                p & 0xff
            )
        }
        IpAddr::V6(v6) => format!("EPRT |2|{v6}|{}|", addr.port()),
    };
    ctrl.voidcmd(&cmd).await?;
    Ok(listener)
}

impl DataConn {
    /// One `recv(max)`: empty bytes mean the server closed the connection.
    pub async fn read(&mut self, max: usize) -> Result<Bytes, ErrorBody> {
        let stream = &self.stream;
        let mut buf = BytesMut::with_capacity(max);
        with_timeout(self.timeout, async {
            loop {
                stream.readable().await.map_err(|e| from_io(&e))?;
                match stream.try_read_buf(&mut buf) {
                    Ok(_) => return Ok(buf.freeze()),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(from_io(&e)),
                }
            }
        })
        .await
    }

    /// `sendall(bytes)`.
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<(), ErrorBody> {
        let stream = &mut self.stream;
        with_timeout(self.timeout, async {
            stream.write_all(bytes).await.map_err(|e| from_io(&e))
        })
        .await
    }

    /// Closes the connection in order (FIN after the last byte).
    pub async fn close(mut self) {
        let _ = with_timeout(self.timeout, async {
            self.stream.shutdown().await.map_err(|e| from_io(&e))
        })
        .await;
    }
}

/// The future of one read of at most `max` bytes on connection `conn`'s data
/// connection, and its abort handle.
pub fn start_read(conn: String, mut data: DataConn, max: usize) -> (IoFuture, AbortHandle) {
    abortable(async move {
        let result = data.read(max).await;
        IoDone::Ftp(FtpDone::Report {
            conn,
            report: Report::Read { data, result },
        })
    })
}

/// The future of writing `bytes` on connection `conn`'s data connection, and
/// its abort handle.
pub fn start_write(conn: String, mut data: DataConn, bytes: Bytes) -> (IoFuture, AbortHandle) {
    abortable(async move {
        let n = bytes.len();
        let result = data.write_all(&bytes).await;
        IoDone::Ftp(FtpDone::Report {
            conn,
            report: Report::Wrote { data, n, result },
        })
    })
}
