//! The HTTP lab's request bodies: which framing a head announces
//! (`Content-Length`, `Transfer-Encoding: chunked`, or none) and an incremental,
//! bounded decoder of chunked bodies. Pure: bytes in, progress or a refusal out.
//! A body is at most [`MAX_BODY_BYTES`] (`413`).

use super::request_head::{refuse, Refusal};
use axum::http::{header, HeaderMap, StatusCode};

/// Largest request body the lab takes.
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;
/// Longest chunk-size or trailer line.
const MAX_CHUNK_LINE: usize = 1024;
/// Most trailer fields after a chunked body.
const MAX_TRAILERS: usize = 100;

/// How the body after a head is delimited.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes (0 when the head announces nothing).
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

fn too_large() -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// The framing `headers` announce (RFC 7230 §3.3.3): chunked wins over a length;
/// any other transfer coding, or lengths that disagree, are refused.
pub(crate) fn framing(headers: &HeaderMap) -> Result<Framing, Refusal> {
    let codings: Vec<String> = headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .flat_map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(last) = codings.last() {
        if last == "chunked" {
            return Ok(Framing::Chunked);
        }
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("Transfer-Encoding {last:?} is not supported: use chunked or Content-Length"),
        ));
    }
    let mut length: Option<usize> = None;
    for v in headers.get_all(header::CONTENT_LENGTH) {
        for part in String::from_utf8_lossy(v.as_bytes()).split(',') {
            let part = part.trim();
            let n = if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<usize>().unwrap_or(usize::MAX)
            } else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("bad Content-Length {part:?}"),
                ));
            };
            if length.is_some_and(|l| l != n) {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "Content-Length headers disagree",
                ));
            }
            length = Some(n);
        }
    }
    let n = length.unwrap_or(0);
    if n > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(Framing::Length(n))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data(usize),
    DataEnd,
    Trailers(usize),
    Done,
}

/// Decodes a chunked body fed in pieces.
#[derive(Debug)]
pub(crate) struct Chunked {
    state: State,
    line: Vec<u8>,
    body: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size,
            line: Vec::new(),
            body: Vec::new(),
        }
    }
}

impl Chunked {
    /// Takes bytes from `input`; returns how many it used (it stops at the end of
    /// the body, so the rest belongs to the next request).
    pub(crate) fn feed(&mut self, input: &[u8]) -> Result<usize, Refusal> {
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            if rest.is_empty() || self.state == State::Done {
                break;
            }
            if let State::Data(left) = self.state {
                let take = left.min(rest.len());
                self.body
                    .extend_from_slice(rest.get(..take).unwrap_or_default());
                used += take;
                self.state = if take == left {
                    State::DataEnd
                } else {
                    State::Data(left - take)
                };
                continue;
            }
            // A line-based state: gather up to the line end.
            let (piece, ended) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (rest.get(..i).unwrap_or_default(), true),
                None => (rest, false),
            };
            used += piece.len() + usize::from(ended);
            if self.line.len() + piece.len() > MAX_CHUNK_LINE {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("a chunk-size or trailer line is longer than {MAX_CHUNK_LINE} bytes"),
                ));
            }
            self.line.extend_from_slice(piece);
            if ended {
                let line = std::mem::take(&mut self.line);
                self.end_of_line(line.strip_suffix(b"\r").unwrap_or(&line))?;
            }
        }
        Ok(used)
    }

    fn end_of_line(&mut self, line: &[u8]) -> Result<(), Refusal> {
        self.state = match self.state {
            State::Size => {
                let size = line.split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(size)
                    .ok()
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && s.len() <= 16)
                    .and_then(|s| usize::from_str_radix(s, 16).ok())
                    .ok_or_else(|| {
                        refuse(
                            StatusCode::BAD_REQUEST,
                            format!("bad chunk size {:?}", String::from_utf8_lossy(line)),
                        )
                    })?;
                if size == 0 {
                    State::Trailers(0)
                } else if self.body.len().saturating_add(size) > MAX_BODY_BYTES {
                    return Err(too_large());
                } else {
                    State::Data(size)
                }
            }
            State::DataEnd if line.is_empty() => State::Size,
            State::DataEnd => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "a chunk is longer than its size says",
                ))
            }
            State::Trailers(_) if line.is_empty() => State::Done,
            State::Trailers(n) if n >= MAX_TRAILERS => {
                return Err(refuse(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    format!("more than {MAX_TRAILERS} trailer fields"),
                ))
            }
            State::Trailers(n) => State::Trailers(n + 1),
            s @ (State::Data(_) | State::Done) => s,
        };
        Ok(())
    }

    /// True once the last chunk and the trailers have arrived.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The decoded body.
    pub(crate) fn into_body(self) -> Vec<u8> {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn framing_follows_rfc_7230() {
        assert_eq!(framing(&headers(&[])).unwrap(), Framing::Length(0));
        assert_eq!(
            framing(&headers(&[("content-length", "8")])).unwrap(),
            Framing::Length(8)
        );
        assert_eq!(
            framing(&headers(&[
                ("content-length", "8"),
                ("content-length", "8")
            ]))
            .unwrap(),
            Framing::Length(8)
        );
        assert_eq!(
            framing(&headers(&[
                ("transfer-encoding", "gzip, chunked"),
                ("content-length", "3")
            ]))
            .unwrap(),
            Framing::Chunked
        );
        for bad in [
            headers(&[("content-length", "8"), ("content-length", "9")]),
            headers(&[("content-length", "-1")]),
            headers(&[("content-length", "0x10")]),
            headers(&[("transfer-encoding", "gzip")]),
        ] {
            assert_eq!(framing(&bad).unwrap_err().status, StatusCode::BAD_REQUEST);
        }
        assert_eq!(
            framing(&headers(&[("content-length", "99999999999999999999999")]))
                .unwrap_err()
                .status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[test]
    fn decodes_chunks_with_extensions_and_trailers_and_stops_at_the_end() {
        let wire = b"5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        let mut c = Chunked::default();
        let used = c.feed(wire).unwrap();
        assert!(c.is_done());
        assert_eq!(used, wire.len() - 4);
        assert_eq!(c.into_body(), b"hello world");
    }

    #[test]
    fn refuses_bad_chunks() {
        for wire in [&b"zz\r\n"[..], b"3\r\nabcd\r\n", b"\r\n"] {
            assert!(Chunked::default().feed(wire).is_err(), "{wire:?}");
        }
        let huge = format!("{:x}\r\n", MAX_BODY_BYTES + 1);
        assert_eq!(
            Chunked::default().feed(huge.as_bytes()).unwrap_err().status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let long = vec![b'1'; MAX_CHUNK_LINE + 1];
        assert!(Chunked::default().feed(&long).is_err());
    }

    fn encode(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in chunks.iter().filter(|c| !c.is_empty()) {
            out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            out.extend_from_slice(c);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Any chunking, fed in any pieces, decodes to the same bytes.
        #[test]
        fn any_chunking_fed_in_any_pieces_round_trips(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8),
            piece in 1usize..17,
        ) {
            let wire = encode(&chunks);
            let mut c = Chunked::default();
            let mut fed = 0;
            for p in wire.chunks(piece) {
                fed += c.feed(p).unwrap();
            }
            prop_assert!(c.is_done());
            prop_assert_eq!(fed, wire.len());
            prop_assert_eq!(c.into_body(), chunks.concat());
        }

        /// Arbitrary bytes: no panic, never more used than given, body bounded.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let mut c = Chunked::default();
            if let Ok(used) = c.feed(&bytes) {
                prop_assert!(used <= bytes.len());
                prop_assert!(c.into_body().len() <= MAX_BODY_BYTES);
            }
        }
    }
}
