//! Reading a response off a [`Link`] the way CPython 3.11's `HTTPResponse` does:
//! `begin()` (status line, `100 Continue` skipped, header lines with the 64 KiB
//! line and 100-header limits) and `read(amt)` over content-length, chunked and
//! close-delimited bodies, with `IncompleteRead` exactly where Python raises it.
//!
//! Owns the reading algorithms and the per-response body state ([`Body`]); what a
//! line means is `response.rs`'s, which response a call reads is `conn.rs`'s.
//! Beyond Python, everything is bounded: a head at most [`MAX_HEAD`] bytes, a
//! single `read` at most [`MAX_READ`] bytes (`limit` errors name the bound).

use super::link::Link;
use super::response::{self, Framing};
use super::{exc, MAXHEADERS, MAXLINE};
use crate::oserror::limit;
use bytes::{Bytes, BytesMut};
use shared::ErrorBody;

/// Most bytes of one response head (status line and headers).
pub const MAX_HEAD: usize = 1 << 20;
/// Most bytes one `http.read` returns: larger `amt`s are clipped to it, and
/// `read()` of a longer body is refused (read it in parts with `amt`).
pub const MAX_READ: usize = 4 << 20;

/// A parsed response head (`getresponse()`'s result).
pub struct Head {
    pub status: u16,
    pub reason: String,
    pub version: u8,
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
}

/// `HTTPResponse`'s body state: what `read` needs between calls.
#[derive(Clone, Debug)]
pub struct Body {
    pub head_method: bool,
    pub chunked: bool,
    /// `None`: read the next chunk size; `Some(0)`: the chunk's CRLF is next.
    pub chunk_left: Option<u64>,
    pub length: Option<u64>,
    /// `fp is None`: everything was read (or the response was closed).
    pub closed: bool,
}

impl Body {
    pub fn new(head: &Head, head_method: bool) -> Body {
        Body {
            head_method,
            chunked: head.framing.chunked,
            chunk_left: None,
            length: head.framing.length,
            closed: false,
        }
    }
}

fn incomplete(partial: usize, expected: Option<u64>) -> ErrorBody {
    let more = expected.map_or(String::new(), |e| format!(", {e} more expected"));
    exc(
        "IncompleteRead",
        format!("IncompleteRead({partial} bytes read{more})"),
    )
}

fn line_too_long(what: &str) -> ErrorBody {
    exc(
        "LineTooLong",
        format!("got more than {MAXLINE} bytes when reading {what}"),
    )
}

/// `fp.readline(_MAXLINE + 1)` with the `LineTooLong` check.
async fn line(link: &mut Link, what: &str) -> Result<Bytes, ErrorBody> {
    let l = link.readline(MAXLINE + 1).await?;
    if l.len() > MAXLINE {
        return Err(line_too_long(what));
    }
    Ok(l)
}

fn blank(l: &[u8]) -> bool {
    matches!(l, b"\r\n" | b"\n" | b"")
}

/// `_read_headers`: lines up to the blank one.
async fn header_lines(link: &mut Link, budget: &mut usize) -> Result<Vec<Vec<u8>>, ErrorBody> {
    let mut lines = Vec::new();
    let mut count = 0;
    loop {
        let l = line(link, "header line").await?;
        count += 1;
        if count > MAXHEADERS {
            return Err(exc(
                "HTTPException",
                format!("got more than {MAXHEADERS} headers"),
            ));
        }
        *budget = budget.checked_sub(l.len()).ok_or_else(head_too_big)?;
        if blank(&l) {
            return Ok(lines);
        }
        lines.push(l.to_vec());
    }
}

fn head_too_big() -> ErrorBody {
    limit(format!(
        "the response head is larger than {MAX_HEAD} bytes, the relay's bound for one response head"
    ))
}

/// `HTTPResponse.begin()` up to the body.
pub async fn read_head(link: &mut Link, head_method: bool) -> Result<Head, ErrorBody> {
    let mut budget = MAX_HEAD;
    let status = loop {
        let l = line(link, "status line").await?;
        if l.is_empty() {
            return Err(exc(
                "RemoteDisconnected",
                "Remote end closed connection without response",
            ));
        }
        budget = budget.checked_sub(l.len()).ok_or_else(head_too_big)?;
        let s = response::parse_status(&response::latin1_str(&l))?;
        if s.status != 100 {
            break s;
        }
        header_lines(link, &mut budget).await?;
    };
    let version = response::version_code(&status.version)?;
    let lines = header_lines(link, &mut budget).await?;
    let headers = response::parse_headers(&lines)?;
    let framing = response::framing(version, status.status, &headers, head_method);
    Ok(Head {
        status: status.status,
        reason: status.reason.trim_matches(char::is_whitespace).to_owned(),
        version,
        headers,
        framing,
    })
}

/// Why `_safe_read` failed.
enum Short {
    /// End of stream after `got` bytes, `more` missing: `IncompleteRead`.
    Eof { got: usize, more: u64 },
    /// The socket call failed (timeout, reset): that error.
    Io(ErrorBody),
}

/// `_safe_read(n)`: exactly `n` bytes or `IncompleteRead`.
async fn safe_read(link: &mut Link, n: u64) -> Result<Bytes, Short> {
    let want = usize::try_from(n).unwrap_or(usize::MAX);
    match link.read_upto(want).await {
        Ok(b) if b.len() == want => Ok(b),
        Ok(b) => Err(Short::Eof {
            got: b.len(),
            more: (want - b.len()) as u64,
        }),
        Err(e) => Err(Short::Io(e)),
    }
}

/// `HTTPResponse.read(amt)`.
pub async fn read(link: &mut Link, b: &mut Body, amt: Option<usize>) -> Result<Bytes, ErrorBody> {
    if b.closed {
        return Ok(Bytes::new());
    }
    if b.head_method {
        b.closed = true;
        return Ok(Bytes::new());
    }
    if b.chunked {
        return read_chunked(link, b, amt.map(|a| a.min(MAX_READ))).await;
    }
    match amt {
        Some(amt) => {
            let mut amt = amt.min(MAX_READ);
            if let Some(len) = b.length {
                amt = amt.min(usize::try_from(len).unwrap_or(usize::MAX));
            }
            let s = link.read_upto(amt).await?;
            if s.is_empty() && amt > 0 {
                b.closed = true;
            } else if let Some(len) = b.length {
                let left = len - s.len() as u64;
                b.length = Some(left);
                if left == 0 {
                    b.closed = true;
                }
            }
            Ok(s)
        }
        None => {
            let s = match b.length {
                None => link.read_to_eof(MAX_READ).await.map_err(|e| {
                    e.unwrap_or_else(|| {
                        limit(format!(
                            "the rest of this response is larger than {MAX_READ} bytes, the most one http.read returns; read it in parts with `amt`"
                        ))
                    })
                })?,
                Some(len) if len > MAX_READ as u64 => {
                    return Err(limit(format!(
                        "this response has {len} bytes left, more than the {MAX_READ} one http.read returns; read it in parts with `amt`"
                    )))
                }
                Some(len) => match safe_read(link, len).await {
                    Ok(s) => s,
                    Err(Short::Eof { got, more }) => {
                        b.closed = true;
                        return Err(incomplete(got, Some(more)));
                    }
                    Err(Short::Io(e)) => return Err(e),
                },
            };
            b.length = b.length.map(|_| 0);
            b.closed = true;
            Ok(s)
        }
    }
}

/// `_get_chunk_left`: the bytes left in the current chunk, reading the next
/// chunk header when needed; `None` after the last chunk.
async fn chunk_left(link: &mut Link, b: &mut Body) -> Result<Option<u64>, ChunkErr> {
    let mut left = b.chunk_left;
    if left.is_none_or(|l| l == 0) {
        if left == Some(0) {
            safe_read(link, 2).await.map_err(ChunkErr::from)?;
        }
        let l = line(link, "chunk size").await.map_err(ChunkErr::Other)?;
        let Some(size) = response::chunk_size(&l) else {
            b.closed = true;
            return Err(ChunkErr::Incomplete);
        };
        if size == 0 {
            // _read_and_discard_trailer
            loop {
                let t = line(link, "trailer line").await.map_err(ChunkErr::Other)?;
                if blank(&t) {
                    break;
                }
            }
            b.closed = true;
            left = None;
        } else {
            left = Some(size);
        }
        b.chunk_left = left;
    }
    Ok(left)
}

enum ChunkErr {
    /// Python's `IncompleteRead` (re-raised with what was read so far).
    Incomplete,
    Other(ErrorBody),
}

impl From<Short> for ChunkErr {
    fn from(s: Short) -> ChunkErr {
        match s {
            Short::Eof { .. } => ChunkErr::Incomplete,
            Short::Io(e) => ChunkErr::Other(e),
        }
    }
}

/// `_read_chunked(amt)`.
async fn read_chunked(
    link: &mut Link,
    b: &mut Body,
    mut amt: Option<usize>,
) -> Result<Bytes, ErrorBody> {
    let mut value = BytesMut::new();
    loop {
        let left = match chunk_left(link, b).await {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(ChunkErr::Incomplete) => return Err(incomplete(value.len(), None)),
            Err(ChunkErr::Other(e)) => return Err(e),
        };
        if let Some(a) = amt {
            if a as u64 <= left {
                match safe_read(link, a as u64).await {
                    Ok(s) => value.extend_from_slice(&s),
                    Err(Short::Eof { .. }) => return Err(incomplete(value.len(), None)),
                    Err(Short::Io(e)) => return Err(e),
                }
                b.chunk_left = Some(left - a as u64);
                break;
            }
        }
        if value.len() as u64 + left > MAX_READ as u64 {
            b.closed = true;
            return Err(limit(format!(
                "this chunked response is larger than {MAX_READ} bytes, the most one http.read returns; read it in parts with `amt`"
            )));
        }
        match safe_read(link, left).await {
            Ok(s) => value.extend_from_slice(&s),
            Err(Short::Eof { .. }) => return Err(incomplete(value.len(), None)),
            Err(Short::Io(e)) => return Err(e),
        }
        if let Some(a) = amt.as_mut() {
            *a -= left as usize;
        }
        b.chunk_left = Some(0);
    }
    Ok(value.freeze())
}
