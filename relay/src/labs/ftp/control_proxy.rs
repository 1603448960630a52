//! The FTP lab's control-connection proxy: the lab's listener hands every client
//! to this line-level proxy, which forwards commands to libunftp (on an internal
//! loopback connection) and replies back, so the lab can enforce what libunftp does
//! not:
//!
//! - `PORT`/`EPRT` only to the client's own address and a port ≥ 1024
//!   ([`super::data_port`]); a refused one is answered here and never reaches libunftp;
//! - RFC 959 quoting of `257` replies ([`super::replies`]);
//! - a command line of at most [`MAX_COMMAND_LINE`] bytes (a longer one is answered
//!   `500 Command line too long` and the connection closes);
//! - an idle limit: a client that sends nothing and gets nothing for
//!   [`crate::labs::IDLE_TIMEOUT`] is told `421` and closed.
//!
//! Data connections do not pass through here: `PASV` replies name libunftp's own
//! passive port and the client connects there directly; for `PORT` libunftp connects
//! to the (checked) client address directly. Both sides end together: when libunftp
//! closes, [`run`] returns and the caller drops the client; when the client closes
//! its sending side, libunftp's side is closed for sending too and the replies to
//! what the client sent still reach it until libunftp closes.
//!
//! The proxy answers a refused `PORT`/`EPRT` at once; a client that pipelines
//! commands before it (without waiting for their replies) may see that refusal
//! before earlier replies. libunftp's greeting always comes first.

use super::data_port;
use super::replies;
use crate::labs::line_buffer::LineBuffer;
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Longest command line a client may send (vsftpd's limit), line end included.
pub(crate) const MAX_COMMAND_LINE: usize = 4096;
/// Longest reply line passed through whole (longer ones pass unchanged, in pieces).
const MAX_REPLY_LINE: usize = 64 * 1024;
/// Bytes read at once from either side.
const READ_CHUNK: usize = 4096;

/// Why the proxy stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The client closed (or failed).
    Client,
    /// libunftp closed (e.g. after `QUIT`) or failed.
    Server,
    /// The client sent a line longer than [`MAX_COMMAND_LINE`].
    LineTooLong,
    /// Nothing happened for the idle limit.
    Idle,
}

/// Proxies between `client` (whose real address is `peer`) and libunftp's side
/// `server` until one ends. Returns why; the caller closes both.
pub(crate) async fn run(
    client: &mut TcpStream,
    peer: IpAddr,
    server: &mut TcpStream,
    idle: Duration,
) -> End {
    let (mut crd, mut cwr) = client.split();
    let (mut srd, mut swr) = server.split();
    let mut commands = LineBuffer::new(MAX_COMMAND_LINE);
    let mut replies = LineBuffer::new(MAX_REPLY_LINE);
    let mut cbuf = [0u8; READ_CHUNK];
    let mut sbuf = [0u8; READ_CHUNK];
    // libunftp's greeting goes first: nothing the proxy answers itself may overtake it.
    loop {
        let read = tokio::time::timeout(idle, srd.read(&mut sbuf)).await;
        let n = match read {
            Ok(Ok(n)) if n > 0 => n,
            _ => return End::Server,
        };
        replies.push(sbuf.get(..n).unwrap_or_default());
        let mut greeted = false;
        while let Some(line) = replies.next_line() {
            if let Err(end) = send(&mut cwr, &line, idle, End::Client).await {
                return end;
            }
            // The last line of a reply has a space after its code.
            greeted |= line.get(3) == Some(&b' ');
        }
        if greeted {
            break;
        }
        if replies.overflowed() {
            return End::Server;
        }
    }
    let mut deadline = Instant::now() + idle;
    // After the client's end of file, the replies to what it sent still reach it.
    let mut client_done = false;
    loop {
        tokio::select! {
            r = crd.read(&mut cbuf), if !client_done => {
                let n = match r {
                    Ok(0) => {
                        client_done = true;
                        if swr.shutdown().await.is_err() {
                            return End::Client;
                        }
                        continue;
                    }
                    Err(_) => return End::Client,
                    Ok(n) => n,
                };
                deadline = Instant::now() + idle;
                commands.push(cbuf.get(..n).unwrap_or_default());
                while let Some(line) = commands.next_line() {
                    let sent = match data_port::refusal(&line, peer) {
                        Some(reply) => send(&mut cwr, reply.as_bytes(), idle, End::Client).await,
                        None => send(&mut swr, &line, idle, End::Server).await,
                    };
                    if let Err(end) = sent {
                        return end;
                    }
                }
                if commands.overflowed() {
                    let msg = format!(
                        "500 Command line too long (at most {MAX_COMMAND_LINE} bytes), closing control connection\r\n"
                    );
                    let _ = send(&mut cwr, msg.as_bytes(), idle, End::Client).await;
                    return End::LineTooLong;
                }
            }
            r = srd.read(&mut sbuf) => {
                let n = match r {
                    Ok(0) | Err(_) => {
                        // Whatever libunftp said last still reaches the client.
                        let rest = replies.take_all();
                        let _ = send(&mut cwr, &rest, idle, End::Client).await;
                        return if client_done { End::Client } else { End::Server };
                    }
                    Ok(n) => n,
                };
                deadline = Instant::now() + idle;
                replies.push(sbuf.get(..n).unwrap_or_default());
                while let Some(line) = replies.next_line() {
                    let out = match replies::rewrite(&line) {
                        Some(new) => send(&mut cwr, new.as_bytes(), idle, End::Client).await,
                        None => send(&mut cwr, &line, idle, End::Client).await,
                    };
                    if let Err(end) = out {
                        return end;
                    }
                }
                if replies.overflowed() {
                    let raw = replies.take_all();
                    if let Err(end) = send(&mut cwr, &raw, idle, End::Client).await {
                        return end;
                    }
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                let msg = format!(
                    "421 Timeout: nothing sent for {idle:?}, closing control connection\r\n"
                );
                let _ = send(&mut cwr, msg.as_bytes(), idle, End::Client).await;
                return End::Idle;
            }
        }
    }
}

/// Writes `bytes`; a peer that does not take them within `idle` (it stopped
/// reading) ends the proxy like an idle one, so it cannot hold its slot forever.
async fn send(
    w: &mut (impl AsyncWriteExt + Unpin),
    bytes: &[u8],
    idle: Duration,
    on_error: End,
) -> Result<(), End> {
    match tokio::time::timeout(idle, w.write_all(bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(on_error),
        Err(_) => Err(End::Idle),
    }
}
