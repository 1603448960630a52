//! poplib's client, after CPython 3.11's `Lib/poplib.py`: one `POP3` object's
//! methods as async functions over a [`Link`], with Python's return values and
//! its one exception, `error_proto` (code `pop3.error_proto`).
//!
//! Owns the protocol only; queueing the calls of a handle is `engine.rs`.

use super::dot::strip_eol;
use super::link::{Link, Read};
use super::quote::py_bytes;
use crate::oserror::limit;
use crate::tap::WireChunk;
use shared::{Data, Dir, Encoding, ErrorBody, OkBody};
use std::collections::BTreeMap;

/// poplib's `_MAXLINE`.
pub const MAXLINE: usize = 2048;
/// Most bytes of one multi-line response.
pub const MAX_LONG_RESPONSE: usize = 4 << 20;

/// A poplib method call.
pub enum Call {
    User(String),
    Pass(String),
    Stat,
    List(Option<u32>),
    Uidl(Option<u32>),
    Retr(u32),
    Top(u32, u32),
    Dele(u32),
    Rset,
    Noop,
    Capa,
    Quit,
}

/// One `poplib.POP3` object.
#[derive(Default)]
pub struct Pop3 {
    pub link: Option<Link>,
}

fn proto(message: impl Into<String>, reply: Option<&[u8]>) -> ErrorBody {
    let mut e = ErrorBody::new("pop3.error_proto", message);
    e.reply = reply.map(|r| String::from_utf8_lossy(r).into_owned());
    e
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Pop3 {
    fn close(&mut self, log: &mut Vec<WireChunk>) {
        if let Some(mut link) = self.link.take() {
            log.extend(link.take_log());
        }
    }

    /// `_getline`: one line without its line end, and its length as read.
    async fn getline(&mut self, log: &mut Vec<WireChunk>) -> Result<(Vec<u8>, usize), ErrorBody> {
        let Some(link) = self.link.as_mut() else {
            return Err(crate::oserror::bad_handle("closed POP3 connection"));
        };
        match link.read(MAXLINE).await {
            Ok(Read::Line(l)) => Ok((strip_eol(&l).to_vec(), l.len())),
            Ok(Read::TooLong) => Err(proto("line too long", None)),
            Ok(Read::Closed) => {
                self.close(log);
                Err(proto("-ERR EOF", None))
            }
            Err(e) => Err(e),
        }
    }

    /// `_getresp`: a line that must start with `+`.
    async fn getresp(&mut self, log: &mut Vec<WireChunk>) -> Result<Vec<u8>, ErrorBody> {
        let (line, n) = self.getline(log).await?;
        self.note_in(&line, n);
        if !line.starts_with(b"+") {
            return Err(proto(py_bytes(&line), Some(&line)));
        }
        Ok(line)
    }

    fn note_in(&mut self, line: &[u8], _n: usize) {
        if let Some(link) = self.link.as_mut() {
            let mut raw = line.to_vec();
            raw.extend_from_slice(b"\r\n");
            link.note(Dir::In, &raw);
        }
    }

    /// The greeting: `getwelcome()`.
    pub async fn greet(&mut self, log: &mut Vec<WireChunk>) -> Result<Vec<u8>, ErrorBody> {
        self.getresp(log).await
    }

    async fn putcmd(&mut self, line: &str, shown: Option<&str>) -> Result<(), ErrorBody> {
        let Some(link) = self.link.as_mut() else {
            return Err(crate::oserror::bad_handle("closed POP3 connection"));
        };
        let shown = shown.map(|s| format!("{s}\r\n"));
        link.send(
            format!("{line}\r\n").as_bytes(),
            shown.as_deref().map(str::as_bytes),
        )
        .await
    }

    async fn shortcmd(
        &mut self,
        line: &str,
        shown: Option<&str>,
        log: &mut Vec<WireChunk>,
    ) -> Result<OkBody, ErrorBody> {
        self.putcmd(line, shown).await?;
        let reply = self.getresp(log).await?;
        Ok(OkBody::FtpReply {
            reply: text(&reply),
        })
    }

    /// `_longcmd`: `(resp, lines, octets)`, the lines dot-unstuffed as poplib does.
    async fn longcmd(
        &mut self,
        line: &str,
        log: &mut Vec<WireChunk>,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>, u64), ErrorBody> {
        self.putcmd(line, None).await?;
        let resp = self.getresp(log).await?;
        let (mut lines, mut octets, mut raw, mut total) = (Vec::new(), 0u64, Vec::new(), 0usize);
        let result = loop {
            let (mut l, mut o) = match self.getline(log).await {
                Ok(x) => x,
                Err(e) => break Err(e),
            };
            total += o;
            raw.extend_from_slice(&l);
            raw.extend_from_slice(b"\r\n");
            if total > MAX_LONG_RESPONSE {
                break Err(limit(format!(
                    "the response to {line} is over {MAX_LONG_RESPONSE} bytes; the connection was closed"
                )));
            }
            if l == b"." {
                break Ok(());
            }
            if l.starts_with(b"..") {
                o -= 1;
                l.remove(0);
            }
            octets += o as u64;
            lines.push(l);
        };
        if let Some(link) = self.link.as_mut() {
            link.note(Dir::In, &raw);
        }
        match result {
            Ok(()) => Ok((resp, lines, octets)),
            Err(e) => {
                self.close(log);
                Err(e)
            }
        }
    }

    async fn lines(&mut self, line: &str, log: &mut Vec<WireChunk>) -> Result<OkBody, ErrorBody> {
        let (resp, lines, octets) = self.longcmd(line, log).await?;
        Ok(OkBody::Pop3Lines {
            reply: text(&resp),
            lines: lines
                .into_iter()
                .map(|l| Data::from_bytes(l, Encoding::Text))
                .collect(),
            octets,
        })
    }

    /// Performs one call.
    pub async fn call(
        &mut self,
        call: Call,
        log: &mut Vec<WireChunk>,
    ) -> Result<OkBody, ErrorBody> {
        match call {
            Call::User(user) => self.shortcmd(&format!("USER {user}"), None, log).await,
            Call::Pass(pswd) => {
                self.shortcmd(&format!("PASS {pswd}"), Some("PASS ****"), log)
                    .await
            }
            Call::Stat => {
                let OkBody::FtpReply { reply } = self.shortcmd("STAT", None, log).await? else {
                    return Err(proto("STAT", None));
                };
                let words: Vec<&str> = reply.split_whitespace().collect();
                match (
                    words.get(1).and_then(|w| w.parse().ok()),
                    words.get(2).and_then(|w| w.parse().ok()),
                ) {
                    (Some(count), Some(size)) => Ok(OkBody::Pop3Stat { count, size }),
                    _ => Err(proto(
                        format!("ValueError: cannot read the STAT response {reply:?}"),
                        Some(reply.as_bytes()),
                    )),
                }
            }
            Call::List(Some(n)) => self.shortcmd(&format!("LIST {n}"), None, log).await,
            Call::List(None) => self.lines("LIST", log).await,
            Call::Uidl(Some(n)) => self.shortcmd(&format!("UIDL {n}"), None, log).await,
            Call::Uidl(None) => self.lines("UIDL", log).await,
            Call::Retr(n) => self.lines(&format!("RETR {n}"), log).await,
            Call::Top(n, k) => self.lines(&format!("TOP {n} {k}"), log).await,
            Call::Dele(n) => self.shortcmd(&format!("DELE {n}"), None, log).await,
            Call::Rset => self.shortcmd("RSET", None, log).await,
            Call::Noop => self.shortcmd("NOOP", None, log).await,
            Call::Capa => {
                let (_, lines, _) = self.longcmd("CAPA", log).await.map_err(|e| {
                    if e.code == "pop3.error_proto" {
                        proto(
                            "-ERR CAPA not supported by server",
                            e.reply.as_deref().map(str::as_bytes),
                        )
                    } else {
                        e
                    }
                })?;
                let mut capa = BTreeMap::new();
                for line in lines {
                    let line = text(&line);
                    let mut words = line.split_whitespace();
                    if let Some(name) = words.next() {
                        capa.insert(name.to_owned(), words.map(str::to_owned).collect());
                    }
                }
                Ok(OkBody::Pop3Capa { capa })
            }
            Call::Quit => {
                let r = self.shortcmd("QUIT", None, log).await?;
                self.close(log);
                Ok(r)
            }
        }
    }
}
