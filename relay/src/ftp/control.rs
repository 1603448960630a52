//! The control channel of one FTP connection: ftplib's `putline`, `getline`,
//! `getmultiline`, `getresp`, `voidresp`, `sendcmd` and `voidcmd` on a tokio stream,
//! with Python's per-call socket timeout and bounded line lengths.
//!
//! Every command sent and every reply read is recorded as a [`Note`] (a future
//! `wire` event; `PASS` is recorded as `PASS ****`). Owns the control stream only;
//! data connections live in `data.rs` and the session never sees this stream's
//! bytes except through the notes.

use super::reply::{self, MAXLINE, MAX_REPLY};
use crate::io::with_timeout;
use crate::oserror::{bad_request, from_io};
use shared::{Channel, Dir, Errno, ErrorBody};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// Something that crossed a channel, to be shown as a `wire` event.
#[derive(Debug)]
pub struct Note {
    pub channel: Channel,
    pub dir: Dir,
    pub bytes: Vec<u8>,
}

impl Note {
    pub fn data(dir: Dir, text: String) -> Note {
        Note {
            channel: Channel::Data,
            dir,
            bytes: text.into_bytes(),
        }
    }
}

/// An open control connection.
pub struct Control {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// Python's socket timeout for every blocking call (`None`: block).
    pub timeout: Option<Duration>,
    /// Notes not yet handed to the session.
    pub notes: Vec<Note>,
}

/// EOF on the control connection (Python raises `EOFError`).
fn eof() -> ErrorBody {
    ErrorBody::errno_with(
        Errno::ECONNRESET,
        "EOFError: the FTP server closed the control connection",
    )
}

impl Control {
    pub fn new(stream: TcpStream, timeout: Option<Duration>) -> Result<Control, ErrorBody> {
        let peer = stream.peer_addr().map_err(|e| from_io(&e))?;
        let local = stream.local_addr().map_err(|e| from_io(&e))?;
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        Ok(Control {
            rd: BufReader::with_capacity(MAXLINE + 2, rd),
            wr,
            peer,
            local,
            timeout,
            notes: Vec::new(),
        })
    }

    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// `putline`: one command line; CR or LF inside it is Python's `ValueError`.
    pub async fn putline(&mut self, line: &str) -> Result<(), ErrorBody> {
        if line.contains(['\r', '\n']) {
            return Err(bad_request(
                "ValueError: an illegal newline character should not be contained",
            ));
        }
        let shown = if line.len() >= 5 && line[..5].eq_ignore_ascii_case("PASS ") {
            format!("{}****\r\n", &line[..5])
        } else {
            format!("{line}\r\n")
        };
        self.notes.push(Note {
            channel: Channel::Control,
            dir: Dir::Out,
            bytes: shown.into_bytes(),
        });
        let wire = format!("{line}\r\n");
        let wr = &mut self.wr;
        with_timeout(self.timeout, async move {
            wr.write_all(wire.as_bytes()).await.map_err(|e| from_io(&e))
        })
        .await
    }

    /// Sends raw bytes (used for `ABOR`, which ftplib sends the same way).
    pub async fn putcmd(&mut self, line: &str) -> Result<(), ErrorBody> {
        self.putline(line).await
    }

    /// `getline`: one line without its CRLF; appends the raw bytes to `raw`.
    async fn getline(&mut self, raw: &mut Vec<u8>) -> Result<String, ErrorBody> {
        let mut buf = Vec::new();
        let rd = &mut self.rd;
        let n = with_timeout(self.timeout, async {
            (&mut *rd)
                .take(MAXLINE as u64 + 1)
                .read_until(b'\n', &mut buf)
                .await
                .map_err(|e| from_io(&e))
        })
        .await?;
        if buf.len() > MAXLINE {
            raw.extend_from_slice(&buf);
            return Err(reply::too_long("a control-channel line", MAXLINE));
        }
        if n == 0 {
            return Err(eof());
        }
        raw.extend_from_slice(&buf);
        if buf.ends_with(b"\r\n") {
            buf.truncate(buf.len() - 2);
        } else if buf.ends_with(b"\r") || buf.ends_with(b"\n") {
            buf.truncate(buf.len() - 1);
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// `getmultiline`: a whole reply, lines joined with `\n`.
    pub async fn getmultiline(&mut self) -> Result<String, ErrorBody> {
        let mut raw = Vec::new();
        let r = self.read_reply(&mut raw).await;
        if !raw.is_empty() {
            self.notes.push(Note {
                channel: Channel::Control,
                dir: Dir::In,
                bytes: raw,
            });
        }
        r
    }

    async fn read_reply(&mut self, raw: &mut Vec<u8>) -> Result<String, ErrorBody> {
        let mut line = self.getline(raw).await?;
        if line.get(3..4) == Some("-") {
            let code = line[..3].to_owned();
            loop {
                let next = self.getline(raw).await?;
                line.push('\n');
                line.push_str(&next);
                if line.len() > MAX_REPLY {
                    return Err(reply::too_long("one reply", MAX_REPLY));
                }
                if next.get(..3) == Some(code.as_str()) && next.get(3..4) != Some("-") {
                    break;
                }
            }
        }
        Ok(line)
    }

    /// `getresp`.
    pub async fn getresp(&mut self) -> Result<String, ErrorBody> {
        let resp = self.getmultiline().await?;
        reply::check(resp)
    }

    /// `voidresp`.
    pub async fn voidresp(&mut self) -> Result<String, ErrorBody> {
        let resp = self.getmultiline().await?;
        reply::check_void(resp)
    }

    /// `sendcmd`.
    pub async fn sendcmd(&mut self, cmd: &str) -> Result<String, ErrorBody> {
        self.putcmd(cmd).await?;
        self.getresp().await
    }

    /// `voidcmd`.
    pub async fn voidcmd(&mut self, cmd: &str) -> Result<String, ErrorBody> {
        self.putcmd(cmd).await?;
        self.voidresp().await
    }
}
