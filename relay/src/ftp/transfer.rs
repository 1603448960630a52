//! ftplib's transfer rules (docs/protocol.md "FTP operations", "Transfers" and
//! "FTP bounds"): how `retrbinary`, `retrlines`, `dir`, `nlst`, `storbinary` and
//! `storlines` turn data-connection bytes into blocks, lines and names and back,
//! and what each answers when the transfer ends.
//!
//! Owns one running transfer's byte count and line state ([`Transfer`]), the
//! `LIST`/`NLST` command building, the `blocksize` bound, the line-length bound
//! for data lines, `storlines`' CRLF rule and `nlst`'s name bound. Pure: no I/O,
//! no events (the connection engine, `conn.rs` and `data_phase.rs`, does those).

use super::lines::take_lines;
use super::reply::{too_long, MAXLINE};
use crate::oserror::{bad_request, limit};
use bytes::Bytes;
use shared::{Dir, ErrorBody, OkBody};

/// Default `blocksize` of `retrbinary`/`storbinary`.
pub const DEFAULT_BLOCKSIZE: usize = 8192;
/// Largest `blocksize` the relay accepts (one block is one event or frame).
pub const MAX_BLOCKSIZE: usize = 256 << 10;
/// Bytes read from the data connection at once for `retrlines`, `nlst`, `dir`.
pub const LINES_READ: usize = 64 << 10;
/// Most names `nlst` collects for its reply.
pub const MAX_NAMES: usize = 100_000;
/// Most bytes of names `nlst` collects for its reply.
pub const MAX_NAMES_BYTES: usize = 4 << 20;

/// How a download hands its bytes to the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetrMode {
    /// `retrbinary`: blocks as `ftp.block` events or binary frames.
    Binary { blocksize: usize, frames: bool },
    /// `retrlines`/`dir`: lines as `ftp.line` events.
    Lines,
    /// `nlst`: lines as events, and collected for the reply.
    Names,
}

/// A `blocksize` argument, checked against [`MAX_BLOCKSIZE`].
pub fn check_blocksize(blocksize: usize) -> Result<usize, ErrorBody> {
    if blocksize == 0 || blocksize > MAX_BLOCKSIZE {
        return Err(bad_request(format!(
            "field `blocksize` must be from 1 to {MAX_BLOCKSIZE}, got {blocksize}"
        )));
    }
    Ok(blocksize)
}

/// `dir(*args)`: `LIST` and the non-empty arguments.
pub fn list_cmd(args: &[String]) -> String {
    let mut cmd = "LIST".to_owned();
    for a in args.iter().filter(|a| !a.is_empty()) {
        cmd.push(' ');
        cmd.push_str(a);
    }
    cmd
}

/// `nlst(*args)`: `NLST` and every argument.
pub fn nlst_cmd(args: &[String]) -> String {
    let mut cmd = "NLST".to_owned();
    for a in args {
        cmd.push(' ');
        cmd.push_str(a);
    }
    cmd
}

fn too_long_line() -> ErrorBody {
    too_long("a data-channel line", MAXLINE)
}

/// ftplib's line ending rule for `storlines`: every line leaves as `…\r\n`.
fn crlf_line(mut line: Vec<u8>, out: &mut Vec<u8>) {
    if !line.ends_with(b"\r\n") {
        if matches!(line.last(), Some(b'\r' | b'\n')) {
            line.pop();
        }
        line.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&line);
}

/// Bytes that arrived on a download's data connection, as its mode wants them.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrived {
    /// `retrbinary`: the chunk is one block (a binary frame when `frames`).
    Block { frames: bool },
    /// Text modes: the lines the chunk completed (each with its line ending), or
    /// the too-long-line error.
    Lines(Result<Vec<Vec<u8>>, ErrorBody>),
}

/// The direction-specific state of a transfer.
#[derive(Debug)]
enum Kind {
    Retr {
        mode: RetrMode,
        /// A line not yet ended (text modes).
        partial: Vec<u8>,
        names: Vec<String>,
        names_bytes: usize,
    },
    Stor {
        lines: bool,
        /// A line not yet ended (`storlines`).
        partial: Vec<u8>,
    },
}

/// One running transfer: bytes moved so far and its line state.
#[derive(Debug)]
pub struct Transfer {
    /// Bytes moved on the data connection.
    pub bytes: u64,
    kind: Kind,
}

impl Transfer {
    /// A download (`retrbinary`, `retrlines`, `dir`, `nlst`).
    pub fn retr(mode: RetrMode) -> Transfer {
        Transfer {
            bytes: 0,
            kind: Kind::Retr {
                mode,
                partial: Vec::new(),
                names: Vec::new(),
                names_bytes: 0,
            },
        }
    }

    /// An upload (`storbinary`, or `storlines` when `lines`).
    pub fn stor(lines: bool) -> Transfer {
        Transfer {
            bytes: 0,
            kind: Kind::Stor {
                lines,
                partial: Vec::new(),
            },
        }
    }

    /// Which way the data flows (for the data channel's `wire` notes).
    pub fn dir(&self) -> Dir {
        match self.kind {
            Kind::Retr { .. } => Dir::In,
            Kind::Stor { .. } => Dir::Out,
        }
    }

    /// How many bytes one read of a download asks for; `None` for an upload.
    pub fn read_size(&self) -> Option<usize> {
        match self.kind {
            Kind::Retr {
                mode: RetrMode::Binary { blocksize, .. },
                ..
            } => Some(blocksize),
            Kind::Retr { .. } => Some(LINES_READ),
            Kind::Stor { .. } => None,
        }
    }

    /// A chunk a download received (counted already): a block, or the lines it
    /// completed — or the error when a line outgrows [`MAXLINE`].
    pub fn arrived(&mut self, chunk: &[u8]) -> Arrived {
        let (mode, partial) = match &mut self.kind {
            Kind::Retr { mode, partial, .. } => (*mode, partial),
            Kind::Stor { .. } => return Arrived::Lines(Ok(Vec::new())),
        };
        if let RetrMode::Binary { frames, .. } = mode {
            return Arrived::Block { frames };
        }
        let lines = take_lines(partial, chunk);
        let too_long = lines.iter().any(|l| l.len() > MAXLINE) || partial.len() > MAXLINE;
        Arrived::Lines(if too_long {
            Err(too_long_line())
        } else {
            Ok(lines)
        })
    }

    /// A download's last line when the server closed without ending it.
    pub fn retr_rest(&mut self) -> Option<Vec<u8>> {
        match &mut self.kind {
            Kind::Retr { partial, .. } if !partial.is_empty() => Some(std::mem::take(partial)),
            _ => None,
        }
    }

    /// One line of `retrlines`/`dir`/`nlst` as text without its line ending
    /// (an `ftp.line` event); `nlst` also collects it as a name, up to
    /// [`MAX_NAMES`] names or [`MAX_NAMES_BYTES`] bytes.
    pub fn line(&mut self, mut line: Vec<u8>) -> Result<String, ErrorBody> {
        if line.ends_with(b"\n") {
            line.pop();
        }
        if line.ends_with(b"\r") {
            line.pop();
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        if let Kind::Retr {
            mode: RetrMode::Names,
            names,
            names_bytes,
            ..
        } = &mut self.kind
        {
            *names_bytes += line.len();
            if names.len() >= MAX_NAMES || *names_bytes > MAX_NAMES_BYTES {
                return Err(limit(format!(
                    "nlst returned more than {MAX_NAMES} names or {MAX_NAMES_BYTES} bytes; list a smaller directory"
                )));
            }
            names.push(line.clone());
        }
        Ok(line)
    }

    /// Upload bytes as they go on the wire: `storlines` sends every completed
    /// line with CRLF and keeps the rest for later; `storbinary` sends the chunk
    /// as it is. Empty when nothing is complete yet.
    pub fn outgoing(&mut self, chunk: Bytes) -> Result<Bytes, ErrorBody> {
        let Kind::Stor {
            lines: true,
            partial,
        } = &mut self.kind
        else {
            return Ok(chunk);
        };
        let mut out = Vec::new();
        for line in take_lines(partial, &chunk) {
            if line.len() > MAXLINE {
                return Err(too_long_line());
            }
            crlf_line(line, &mut out);
        }
        if partial.len() > MAXLINE {
            return Err(too_long_line());
        }
        Ok(Bytes::from(out))
    }

    /// `storlines`' last line when the upload did not end it, with CRLF (once).
    pub fn stor_rest(&mut self) -> Option<Bytes> {
        let Kind::Stor {
            lines: lines @ true,
            partial,
        } = &mut self.kind
        else {
            return None;
        };
        if partial.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        crlf_line(std::mem::take(partial), &mut out);
        // Everything after this is already CRLF-terminated.
        *lines = false;
        Some(Bytes::from(out))
    }

    /// The `ok` body of the finished transfer, given its final reply.
    pub fn body(self, reply: String) -> OkBody {
        let bytes = self.bytes;
        match self.kind {
            Kind::Retr {
                mode: RetrMode::Lines,
                ..
            } => OkBody::FtpReply { reply },
            Kind::Retr {
                mode: RetrMode::Names,
                names,
                ..
            } => OkBody::FtpNames { names },
            Kind::Retr { .. } | Kind::Stor { .. } => OkBody::FtpTransfer { reply, bytes },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(a: Arrived) -> Vec<Vec<u8>> {
        match a {
            Arrived::Lines(Ok(l)) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_skips_empty_arguments_and_nlst_keeps_them() {
        let args = vec!["-l".to_owned(), String::new(), "docs".to_owned()];
        assert_eq!(list_cmd(&args), "LIST -l docs");
        assert_eq!(nlst_cmd(&args), "NLST -l  docs");
        assert_eq!(list_cmd(&[]), "LIST");
    }

    #[test]
    fn blocksize_bounds() {
        assert_eq!(check_blocksize(1).unwrap(), 1);
        assert_eq!(check_blocksize(MAX_BLOCKSIZE).unwrap(), MAX_BLOCKSIZE);
        assert_eq!(check_blocksize(0).unwrap_err().code, "bad_request");
        assert_eq!(
            check_blocksize(MAX_BLOCKSIZE + 1).unwrap_err().code,
            "bad_request"
        );
    }

    #[test]
    fn storlines_sends_every_line_with_crlf() {
        let mut t = Transfer::stor(true);
        let out = t.outgoing(Bytes::from_static(b"a\nb\r\nc\r")).unwrap();
        assert_eq!(&out[..], b"a\r\nb\r\n");
        // A last line ending in a lone CR gets CRLF instead.
        assert_eq!(t.stor_rest(), Some(Bytes::from_static(b"c\r\n")));
        assert_eq!(t.stor_rest(), None, "the last line goes once");
        // After the last line, bytes pass as they are.
        assert_eq!(&t.outgoing(Bytes::from_static(b"x")).unwrap()[..], b"x");
    }

    #[test]
    fn storbinary_sends_bytes_as_they_are() {
        let mut t = Transfer::stor(false);
        assert_eq!(
            &t.outgoing(Bytes::from_static(b"a\nb")).unwrap()[..],
            b"a\nb"
        );
        assert_eq!(t.stor_rest(), None);
        assert_eq!(t.dir(), Dir::Out);
        assert_eq!(t.read_size(), None);
    }

    #[test]
    fn a_data_line_over_maxline_is_refused_both_ways() {
        let long = vec![b'x'; MAXLINE + 1];
        let mut t = Transfer::stor(true);
        assert_eq!(
            t.outgoing(Bytes::from(long.clone())).unwrap_err().code,
            "ftp.error_proto"
        );
        let mut t = Transfer::retr(RetrMode::Lines);
        match t.arrived(&long) {
            Arrived::Lines(Err(e)) => assert_eq!(e.code, "ftp.error_proto"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retrlines_splits_lines_and_keeps_the_rest() {
        let mut t = Transfer::retr(RetrMode::Lines);
        assert_eq!(t.read_size(), Some(LINES_READ));
        let got = lines(t.arrived(b"one\r\ntw"));
        assert_eq!(got, vec![b"one\r\n".to_vec()]);
        assert_eq!(t.line(got[0].clone()).unwrap(), "one");
        assert_eq!(t.retr_rest(), Some(b"tw".to_vec()));
        assert_eq!(t.retr_rest(), None);
        assert_eq!(
            t.body("226 ok".into()),
            OkBody::FtpReply {
                reply: "226 ok".into()
            }
        );
    }

    #[test]
    fn retrbinary_hands_blocks_and_counts_bytes() {
        let mut t = Transfer::retr(RetrMode::Binary {
            blocksize: 10,
            frames: true,
        });
        assert_eq!(t.read_size(), Some(10));
        assert_eq!(t.arrived(b"a\nb"), Arrived::Block { frames: true });
        t.bytes += 3;
        assert_eq!(
            t.body("226 ok".into()),
            OkBody::FtpTransfer {
                reply: "226 ok".into(),
                bytes: 3
            }
        );
    }

    #[test]
    fn nlst_collects_names_up_to_its_bound() {
        let mut t = Transfer::retr(RetrMode::Names);
        assert_eq!(t.line(b"a.txt\r\n".to_vec()).unwrap(), "a.txt");
        assert_eq!(t.line(b"b\n".to_vec()).unwrap(), "b");
        assert_eq!(
            t.body("226".into()),
            OkBody::FtpNames {
                names: vec!["a.txt".into(), "b".into()]
            }
        );
        let mut t = Transfer::retr(RetrMode::Names);
        let big = vec![b'n'; MAX_NAMES_BYTES + 1];
        assert_eq!(t.line(big).unwrap_err().code, "limit");
    }
}
