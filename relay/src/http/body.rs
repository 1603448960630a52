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
        if (value.len() as u64).saturating_add(left) > MAX_READ as u64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::Tap;
    use proptest::prelude::*;
    use std::collections::VecDeque;
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    /// A server that sends `chunks`, then `endless` over and over (if not empty),
    /// else EOF; counts the bytes it delivered. Writes are discarded.
    struct Server {
        chunks: VecDeque<Vec<u8>>,
        endless: Vec<u8>,
        sent: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl AsyncRead for Server {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let next = match self.chunks.pop_front() {
                Some(c) => c,
                None => self.endless.clone(),
            };
            let n = next.len().min(buf.remaining());
            buf.put_slice(&next[..n]);
            if n < next.len() {
                self.chunks.push_front(next[n..].to_vec());
            }
            self.sent.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Server {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// What a response gave: its head (status and framing) or error, then each
    /// `read`'s bytes or error; and the most bytes the link ever buffered.
    #[derive(Debug, PartialEq)]
    struct Outcome {
        head: Result<(u16, Framing), String>,
        reads: Vec<Result<Vec<u8>, String>>,
        most_buffered: usize,
        sent: usize,
    }

    fn shown(e: &ErrorBody) -> String {
        format!("{} {}", e.code, e.message)
    }

    /// `input` cut at `cuts`, then `endless` forever; `getresponse()` then `read`s
    /// with the given `amt`s (cycled) until the body is done or fails.
    fn respond(input: &[u8], cuts: &[usize], endless: &[u8], amts: &[Option<usize>]) -> Outcome {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = VecDeque::new();
        let mut at = 0;
        for c in cuts.into_iter().chain([input.len()]) {
            if c > at {
                chunks.push_back(input[at..c].to_vec());
                at = c;
            }
        }
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let server = Server {
            chunks,
            endless: endless.to_vec(),
            sent: sent.clone(),
        };
        let mut link = Link {
            io: Tap::new(Box::new(server)),
            rbuf: BytesMut::new(),
            eof: false,
            timeout: None,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut most = 0;
            let head = read_head(&mut link, false).await;
            most = most.max(link.rbuf.len());
            let mut reads = Vec::new();
            let head = match head {
                Err(e) => Err(shown(&e)),
                Ok(h) => {
                    let mut body = Body::new(&h, false);
                    for amt in amts.iter().cycle().take(16) {
                        let r = read(&mut link, &mut body, *amt).await;
                        most = most.max(link.rbuf.len());
                        let stop = r.is_err() || body.closed;
                        reads.push(r.map(|b| b.to_vec()).map_err(|e| shown(&e)));
                        if stop {
                            break;
                        }
                    }
                    Ok((h.status, h.framing))
                }
            };
            Outcome {
                head,
                reads,
                most_buffered: most,
                sent: sent.load(std::sync::atomic::Ordering::Relaxed),
            }
        })
    }

    #[test]
    fn a_chunked_response_is_read_like_python() {
        let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n";
        let o = respond(input, &[5, 20, 50, 51, 60], b"", &[Some(2), None]);
        assert_eq!(o.head.as_ref().map(|h| h.0), Ok(200));
        assert_eq!(o.reads, vec![Ok(b"ab".to_vec()), Ok(b"cde".to_vec())]);
    }

    #[test]
    fn an_endless_status_line_is_line_too_long_after_64_kib() {
        let o = respond(b"HTTP/1.1 200 ", &[], b"OK OK OK ", &[None]);
        let e = o.head.unwrap_err();
        assert!(e.starts_with("http.LineTooLong"), "{e}");
        assert!(o.sent <= MAXLINE + 1 + (64 << 10), "read {} bytes", o.sent);
    }

    #[test]
    fn endless_headers_stop_at_100() {
        let o = respond(b"HTTP/1.1 200 OK\r\n", &[], b"X: y\r\n", &[None]);
        let e = o.head.unwrap_err();
        assert!(e.contains("got more than 100 headers"), "{e}");
    }

    #[test]
    fn endless_100_continue_stops_at_the_head_bound() {
        let o = respond(b"", &[], b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n", &[None]);
        let e = o.head.unwrap_err();
        assert!(e.starts_with("limit") && e.contains("response head"), "{e}");
        assert!(o.sent <= MAX_HEAD + (128 << 10), "read {} bytes", o.sent);
    }

    #[test]
    fn huge_headers_stop_at_the_head_bound() {
        let line = format!("X: {}\r\n", "v".repeat(60_000));
        let o = respond(b"HTTP/1.1 200 OK\r\n", &[], line.as_bytes(), &[None]);
        let e = o.head.unwrap_err();
        assert!(e.starts_with("limit"), "{e}");
        assert!(
            o.most_buffered <= MAXLINE + 1 + (128 << 10),
            "{}",
            o.most_buffered
        );
    }

    #[test]
    fn endless_bodies_are_read_in_bounded_parts() {
        // Close-delimited: read() refuses past MAX_READ; read(amt) is clipped.
        let head = b"HTTP/1.1 200 OK\r\n\r\n";
        let o = respond(head, &[], &[b'x'; 4096], &[None]);
        let e = o.reads[0].as_ref().unwrap_err();
        assert!(e.starts_with("limit"), "{e}");
        assert!(
            o.most_buffered <= MAX_READ + (128 << 10),
            "{}",
            o.most_buffered
        );
        let o = respond(head, &[], &[b'x'; 4096], &[Some(usize::MAX)]);
        assert_eq!(o.reads[0].as_ref().map(Vec::len), Ok(MAX_READ));
        // A huge declared chunk, after a small one: no overflow adding them.
        let head =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nffffffffffffffff\r\n";
        let o = respond(head, &[], &[b'x'; 4096], &[None]);
        assert!(o.reads[0].as_ref().unwrap_err().starts_with("limit"));
        let o = respond(head, &[], &[b'x'; 4096], &[Some(2), Some(3)]);
        assert_eq!(o.reads[0], Ok(b"xx".to_vec()));
        // Endless chunk extensions: one chunk-size line is at most 64 KiB.
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;";
        let o = respond(head, &[], b"ext=1;", &[None]);
        let e = o.reads[0].as_ref().unwrap_err();
        assert!(e.starts_with("http.LineTooLong"), "{e}");
    }

    /// Bytes that look like an HTTP response, with random damage.
    fn response_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
            Just(b"HTTP/1.0 100 Continue\r\n".to_vec()),
            Just(b"Content-Length: 5\r\n".to_vec()),
            Just(b"Content-Length: -1\r\n".to_vec()),
            Just(b"Content-Length: 99999999999999999999999\r\n".to_vec()),
            Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
            Just(b"1\r\nx\r\n".to_vec()),
            Just(b"ffffffffffffffff\r\n".to_vec()),
            Just(b"10000000000000000\r\n".to_vec()),
            Just(b"Connection: close\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b" folded\r\n".to_vec()),
            Just("é\u{85}\u{a0}".as_bytes().to_vec()),
            "[0-9a-fA-FxX_+ -]{1,6}(;[a-z=]{0,5})?\r\n".prop_map(String::into_bytes),
            "[ -~]{0,12}".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..12),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(128)
        ))]

        /// Any bytes in any chunking, read with any `amt`s: no panic, the
        /// chunking changes nothing, nothing is returned that was not sent.
        #[test]
        fn any_response_any_chunking(
            input in response_bytes(),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
            amts in prop::collection::vec(prop::option::of(0usize..40), 1..4),
        ) {
            let chunked = respond(&input, &cuts, b"", &amts);
            let whole = respond(&input, &[], b"", &amts);
            prop_assert_eq!(&chunked.head, &whole.head);
            prop_assert_eq!(&chunked.reads, &whole.reads);
            let body: usize = chunked.reads.iter().flatten().map(Vec::len).sum();
            prop_assert!(body <= input.len());
            prop_assert!(chunked.most_buffered <= input.len());
        }

        /// The pure parsers on any text: no panic, and statuses in 100..=999.
        #[test]
        fn line_parsers_never_panic(line in "\\PC{0,40}|HTTP/1\\.[01] [0-9+_ -]{0,6}.{0,10}") {
            if let Ok(s) = response::parse_status(&line) {
                prop_assert!((100..=999).contains(&s.status));
            }
            let _ = response::version_code(&line);
            let _ = response::chunk_size(line.as_bytes());
            let _ = response::py_int(line.as_bytes(), 16);
            let _ = response::parse_headers(&[line.clone().into_bytes()]);
        }
    }
}
