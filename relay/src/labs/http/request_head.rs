//! The HTTP lab's request-head parser: a pure function from the bytes received so
//! far to "need more", a parsed head, or the error status to answer with.
//!
//! Accepts what Python's `http.server` accepts that matters to learners: obsolete
//! line folding (`h: v1\r\n\tv2\r\n`, which `http.client.putheader(h, v1, v2)`
//! sends) joins the continuation to the previous value with one space, as RFC 7230
//! §3.2.4 tells a recipient to; bare `\n` line ends; empty lines before the request
//! line. Bounded: a head of at most [`MAX_HEAD_BYTES`] with at most [`MAX_HEADERS`]
//! header fields (the limit `http.client` also applies).

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, Version};

/// Largest request head (request line, header fields and the empty line).
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most header fields in one request.
pub(crate) const MAX_HEADERS: usize = 100;

/// A parsed request head.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
}

/// A request the lab refuses: the status and a one-line reason for the body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
}

/// A refusal with `status` and the one-line `reason`.
pub(super) fn refuse(status: StatusCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

fn bad(reason: impl Into<String>) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, reason)
}

/// `Ok(None)`: the head is not complete yet. `Ok(Some((head, n)))`: the head took
/// the first `n` bytes of `buf`. `Err`: answer with that status and close.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, Refusal> {
    // Empty lines before the request line are ignored (RFC 7230 §3.5).
    let mut start = 0;
    while let Some(rest) = buf.get(start..) {
        if rest.starts_with(b"\r\n") {
            start += 2;
        } else if rest.starts_with(b"\n") {
            start += 1;
        } else {
            break;
        }
    }
    let head_bytes = buf.get(start..).unwrap_or_default();
    let Some((lines, used)) = head_lines(head_bytes) else {
        return if head_bytes.len() > MAX_HEAD_BYTES {
            Err(too_large())
        } else {
            Ok(None)
        };
    };
    if used > MAX_HEAD_BYTES {
        return Err(too_large());
    }
    let mut lines = lines.into_iter();
    let request_line = lines.next().unwrap_or_default();
    let (method, uri, version) = request_line_parts(request_line)?;
    let headers = header_fields(lines)?;
    Ok(Some((
        Head {
            method,
            uri,
            version,
            headers,
        },
        start + used,
    )))
}

fn too_large() -> Refusal {
    refuse(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        format!("the request head is larger than {MAX_HEAD_BYTES} bytes"),
    )
}

/// The head's lines (without line ends) up to the empty line, and the bytes used
/// including that empty line; `None` while the empty line has not arrived.
fn head_lines(buf: &[u8]) -> Option<(Vec<&[u8]>, usize)> {
    let mut lines = Vec::new();
    let mut pos = 0;
    loop {
        let rest = buf.get(pos..)?;
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let (line, _) = rest.split_at_checked(nl)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += nl + 1;
        if line.is_empty() {
            return Some((lines, pos));
        }
        lines.push(line);
        if pos > MAX_HEAD_BYTES {
            // Let the caller refuse it; no need to split further.
            return Some((lines, pos));
        }
    }
}

fn request_line_parts(line: &[u8]) -> Result<(Method, Uri, Version), Refusal> {
    let text = std::str::from_utf8(line).map_err(|_| bad("the request line is not valid text"))?;
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let [method, target, version] = words.as_slice() else {
        return Err(bad(format!(
            "bad request line {text:?}: expected METHOD TARGET HTTP/1.1"
        )));
    };
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|_| bad(format!("bad method {method:?}")))?;
    let uri = Uri::try_from(*target).map_err(|_| bad(format!("bad request target {target:?}")))?;
    let version = match *version {
        "HTTP/1.1" => Version::HTTP_11,
        "HTTP/1.0" => Version::HTTP_10,
        v if v.starts_with("HTTP/") => {
            return Err(refuse(
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                format!("the lab speaks HTTP/1.0 and HTTP/1.1, not {v}"),
            ))
        }
        v => return Err(bad(format!("bad HTTP version {v:?}"))),
    };
    Ok((method, uri, version))
}

fn header_fields<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Result<HeaderMap, Refusal> {
    let mut fields: Vec<(HeaderName, Vec<u8>)> = Vec::new();
    for line in lines {
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            // Obsolete line folding: the continuation of the previous value.
            let Some((_, value)) = fields.last_mut() else {
                return Err(bad("a continuation line comes before any header"));
            };
            let more = line.trim_ascii();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(b' ');
                }
                value.extend_from_slice(more);
            }
            continue;
        }
        if fields.len() >= MAX_HEADERS {
            return Err(refuse(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("more than {MAX_HEADERS} headers"),
            ));
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| {
            bad(format!(
                "bad header line {:?}",
                String::from_utf8_lossy(line)
            ))
        })?;
        let (name, value) = line
            .split_at_checked(colon)
            .ok_or_else(|| bad("bad header line"))?;
        let name = HeaderName::from_bytes(name).map_err(|_| {
            bad(format!(
                "bad header name {:?}",
                String::from_utf8_lossy(name)
            ))
        })?;
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        fields.push((name, value.to_vec()));
    }
    let mut headers = HeaderMap::with_capacity(fields.len());
    for (name, value) in fields {
        let value = HeaderValue::from_bytes(&value)
            .map_err(|_| bad(format!("bad value for header {name}")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(bytes: &[u8]) -> (Head, usize) {
        parse(bytes).unwrap().expect("a whole head")
    }

    #[test]
    fn parses_a_plain_head_and_says_how_much_it_used() {
        let req = b"GET /get?x=1 HTTP/1.1\r\nHost: lab\r\nX-A: 1\r\nX-A: 2\r\n\r\nBODY";
        let (h, n) = ok(req);
        assert_eq!(n, req.len() - 4);
        assert_eq!(h.method, Method::GET);
        assert_eq!(h.uri, "/get?x=1");
        assert_eq!(h.version, Version::HTTP_11);
        assert_eq!(h.headers["host"], "lab");
        assert_eq!(h.headers.get_all("x-a").iter().count(), 2);
    }

    #[test]
    fn folded_headers_are_joined_with_one_space() {
        // What http.client sends for putheader("X-Multi", "v1", "v2").
        let (h, _) = ok(b"GET / HTTP/1.1\r\nX-Multi: v1\r\n\tv2\r\n   v3  \r\nHost: x\r\n\r\n");
        assert_eq!(h.headers["x-multi"], "v1 v2 v3");
        assert_eq!(h.headers["host"], "x");
    }

    #[test]
    fn incomplete_heads_ask_for_more() {
        for part in [
            &b""[..],
            b"\r\n",
            b"GET / HTTP/1.1",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ] {
            assert!(parse(part).unwrap().is_none(), "{part:?}");
        }
    }

    #[test]
    fn bare_newlines_and_leading_empty_lines_are_accepted() {
        let req = b"\r\n\nGET / HTTP/1.0\nA: b\n\n";
        let (h, n) = ok(req);
        assert_eq!((h.version, n), (Version::HTTP_10, req.len()));
        assert_eq!(h.headers["a"], "b");
    }

    #[test]
    fn refusals_name_the_problem() {
        let cases: [(&[u8], StatusCode); 7] = [
            (b"GET /\r\n\r\n", StatusCode::BAD_REQUEST),
            (
                b"GET / HTTP/2.0\r\n\r\n",
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            ),
            (b"GET / FTP/1.0\r\n\r\n", StatusCode::BAD_REQUEST),
            (b"G(T / HTTP/1.1\r\n\r\n", StatusCode::BAD_REQUEST),
            (
                b"GET / HTTP/1.1\r\n\tfold first\r\n\r\n",
                StatusCode::BAD_REQUEST,
            ),
            (
                b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
                StatusCode::BAD_REQUEST,
            ),
            (
                b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (req, status) in cases {
            assert_eq!(parse(req).unwrap_err().status, status, "{req:?}");
        }
    }

    #[test]
    fn heads_are_bounded() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.resize(MAX_HEAD_BYTES + 10, b'a');
        assert_eq!(
            parse(&big).unwrap_err().status,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "refused before the end arrives"
        );
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(
            parse(&many).unwrap_err().status,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
    }

    fn cases() -> ProptestConfig {
        ProptestConfig::with_cases(crate::test_support::proptest_cases(256))
    }

    proptest! {
        #![proptest_config(cases())]

        /// Arbitrary bytes: never a panic; "need more" only while the bytes are
        /// within the limit; a parsed head never claims more bytes than it had.
        #[test]
        fn arbitrary_bytes_get_an_answer(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            match parse(&bytes) {
                Ok(None) => prop_assert!(bytes.len() <= MAX_HEAD_BYTES),
                Ok(Some((_, n))) => prop_assert!(n <= bytes.len()),
                Err(r) => prop_assert!(r.status.is_client_error() || r.status.is_server_error()),
            }
        }

        /// Heads made of plausible pieces, cut anywhere: the prefix asks for more or
        /// gives the same answer as the whole.
        #[test]
        fn any_prefix_of_a_head_is_incomplete_or_consistent(
            name in "[A-Za-z][A-Za-z0-9-]{0,12}",
            values in proptest::collection::vec("[ -~]{0,12}", 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut req = format!("POST /post HTTP/1.1\r\n{name}: {}", values.first().map_or("", String::as_str));
            for v in values.iter().skip(1) {
                req.push_str("\r\n\t");
                req.push_str(v);
            }
            req.push_str("\r\n\r\n");
            let whole = parse(req.as_bytes());
            let joined: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
            if let Ok(Some((h, n))) = &whole {
                prop_assert_eq!(*n, req.len());
                let got = h.headers.get(name.to_ascii_lowercase()).map(|v| v.as_bytes().to_vec());
                prop_assert_eq!(got, Some(joined.join(" ").into_bytes()));
            }
            let cut = cut.index(req.len());
            let prefix = req.as_bytes().get(..cut).unwrap_or_default();
            prop_assert!(matches!(parse(prefix), Ok(None) | Err(_)));
        }

        /// However much arrives before the end of the head, memory stays bounded: a
        /// head that never ends is refused once it passes the limit.
        #[test]
        fn endless_heads_are_refused(fill in any::<u8>().prop_filter("no line end", |b| *b != b'\n')) {
            let mut req = b"GET / HTTP/1.1\r\nX: ".to_vec();
            req.resize(MAX_HEAD_BYTES + 1, fill);
            prop_assert!(parse(&req).is_err());
        }
    }
}
