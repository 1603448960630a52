//! Response parsing as CPython 3.11's `HTTPResponse.begin` does it: the status
//! line split (with `BadStatusLine`, `UnknownProtocol`), the header block (parsed
//! by `httparse`, leniently, as Python's `email` parser is lenient), and the body
//! framing decisions: chunked, `Content-Length`, `will_close`.
//!
//! Pure functions over lines already read; reading them (and the 64 KiB line and
//! 100 header limits) is `body.rs`'s job, keeping state is `conn.rs`'s.

use super::{exc, MAXHEADERS};
use shared::ErrorBody;

/// The parsed status line: `(version, status, reason)` as Python splits it.
pub struct StatusLine {
    pub version: String,
    pub status: u16,
    pub reason: String,
}

/// Bytes → `str(line, "iso-8859-1")`.
pub fn latin1_str(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// `str.isspace()` for the Latin-1 range.
fn py_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// `str.split(None, maxsplit)`.
fn py_split(s: &str, maxsplit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = s.trim_start_matches(py_space);
    while !rest.is_empty() {
        if parts.len() == maxsplit {
            parts.push(rest.to_owned());
            break;
        }
        let (word, tail) = rest.split_once(py_space).unwrap_or((rest, ""));
        parts.push(word.to_owned());
        rest = tail.trim_start_matches(py_space);
    }
    parts
}

/// Python's `int(s, radix)` for ASCII input: surrounding whitespace, a sign, a
/// `0x` prefix in base 16, and `_` between digits are allowed.
pub fn py_int(s: &[u8], radix: u32) -> Option<i128> {
    let s = std::str::from_utf8(s).ok()?;
    let s = s.trim_matches(py_space);
    let (neg, s) = match (s.strip_prefix('-'), s.strip_prefix('+')) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => (false, s),
    };
    let s = if radix == 16 {
        s.strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .map(|r| r.strip_prefix('_').unwrap_or(r))
            .unwrap_or(s)
    } else {
        s
    };
    if s.is_empty() || s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    let mut v: i128 = 0;
    for c in s.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix)?;
        v = v
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(d))?;
    }
    Some(if neg { -v } else { v })
}

/// Escapes a raw line for an error message (`BadStatusLine`'s argument).
fn shown(line: &str) -> String {
    if line.is_empty() {
        return "''".to_owned();
    }
    line.escape_debug().to_string()
}

/// `HTTPResponse._read_status` after the line was read (not empty, not too long).
pub fn parse_status(line: &str) -> Result<StatusLine, ErrorBody> {
    let bad = || exc("BadStatusLine", shown(line));
    let mut parts = py_split(line, 2).into_iter();
    let (version, status, reason) = match (parts.next(), parts.next(), parts.next()) {
        (Some(v), Some(s), r) => (v, s, r.unwrap_or_default()),
        _ => (String::new(), String::new(), String::new()),
    };
    if !version.starts_with("HTTP/") {
        return Err(bad());
    }
    let status = py_int(status.as_bytes(), 10)
        .filter(|s| (100..=999).contains(s))
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(bad)?;
    Ok(StatusLine {
        version,
        status,
        reason,
    })
}

/// `begin()`'s version rule: `HTTP/1.0`, `HTTP/0.9` → 10; `HTTP/1.x` → 11.
pub fn version_code(version: &str) -> Result<u8, ErrorBody> {
    if version == "HTTP/1.0" || version == "HTTP/0.9" {
        Ok(10)
    } else if version.starts_with("HTTP/1.") {
        Ok(11)
    } else {
        Err(exc("UnknownProtocol", version.to_owned()))
    }
}

/// Parses a header block (the lines after the status line, without the blank
/// line) with `httparse`, tolerating what Python's `email` parser tolerates:
/// obsolete line folding, spaces before the colon; invalid lines are skipped.
pub fn parse_headers(lines: &[Vec<u8>]) -> Result<Vec<(String, String)>, ErrorBody> {
    let mut head = b"HTTP/1.1 200 -\r\n".to_vec();
    for l in lines {
        head.extend_from_slice(l);
        if !l.ends_with(b"\n") {
            head.extend_from_slice(b"\r\n");
        }
    }
    head.extend_from_slice(b"\r\n");
    let mut slots = [httparse::EMPTY_HEADER; MAXHEADERS];
    let mut resp = httparse::Response::new(&mut slots);
    let parsed = httparse::ParserConfig::default()
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true)
        .ignore_invalid_headers_in_responses(true)
        .parse_response(&mut resp, &head);
    match parsed {
        Ok(httparse::Status::Complete(_)) => Ok(resp
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), latin1_str(h.value)))
            .collect()),
        Ok(httparse::Status::Partial) => Err(exc("HTTPException", "incomplete header block")),
        Err(e) => Err(exc(
            "HTTPException",
            format!("cannot parse the headers: {e}"),
        )),
    }
}

/// `Message.get(name)`: the first header of that name, any case.
pub fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How the body of a response is delimited, as `begin()` decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Framing {
    pub chunked: bool,
    /// Bytes left (`None`: unknown — close-delimited or chunked).
    pub length: Option<u64>,
    pub will_close: bool,
}

/// `begin()` from the status and headers on: chunked, `_check_close`, length.
pub fn framing(
    version: u8,
    status: u16,
    headers: &[(String, String)],
    head_method: bool,
) -> Framing {
    let chunked =
        get(headers, "transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked"));
    let mut will_close = check_close(version, headers);
    let mut length = None;
    if !chunked {
        if let Some(l) = get(headers, "content-length").filter(|l| !l.is_empty()) {
            length = py_int(l.as_bytes(), 10).and_then(|n| u64::try_from(n).ok());
        }
    }
    if status == 204 || status == 304 || (100..200).contains(&status) || head_method {
        length = Some(0);
    }
    if !will_close && !chunked && length.is_none() {
        will_close = true;
    }
    Framing {
        chunked,
        length,
        will_close,
    }
}

/// `HTTPResponse._check_close`.
fn check_close(version: u8, headers: &[(String, String)]) -> bool {
    let conn = get(headers, "connection").map(str::to_ascii_lowercase);
    if version == 11 {
        return conn.is_some_and(|c| c.contains("close"));
    }
    if get(headers, "keep-alive").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if conn.is_some_and(|c| c.contains("keep-alive")) {
        return false;
    }
    let pconn = get(headers, "proxy-connection").map(str::to_ascii_lowercase);
    !pconn.is_some_and(|c| c.contains("keep-alive"))
}

/// `_read_next_chunk_size` after the line was read: extensions after `;` are
/// ignored, the size is hexadecimal. `None` is Python's `ValueError`.
pub fn chunk_size(line: &[u8]) -> Option<u64> {
    let line = line.split(|&b| b == b';').next().unwrap_or(line);
    py_int(line, 16).and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn status_lines_like_python() {
        let s = parse_status("HTTP/1.1 200 OK\r\n").unwrap();
        assert_eq!(
            (s.version.as_str(), s.status, s.reason.trim()),
            ("HTTP/1.1", 200, "OK")
        );
        let s = parse_status("HTTP/1.1 404 Not  Found\r\n").unwrap();
        assert_eq!(s.reason.trim(), "Not  Found");
        let s = parse_status("HTTP/1.0 200\r\n").unwrap();
        assert_eq!((s.status, s.reason.as_str()), (200, ""));
        for bad in [
            "ICY 200 OK\r\n",
            "HTTP/1.1 abc OK\r\n",
            "HTTP/1.1 99 X\r\n",
            "\r\n",
            "HTTP/1.1 1000 X",
        ] {
            let e = parse_status(bad).map(|_| ()).unwrap_err();
            assert_eq!(e.code, "http.BadStatusLine", "{bad:?}");
        }
        assert_eq!(version_code("HTTP/1.0").unwrap(), 10);
        assert_eq!(version_code("HTTP/1.2").unwrap(), 11);
        assert_eq!(
            version_code("HTTP/2").unwrap_err().code,
            "http.UnknownProtocol"
        );
    }

    #[test]
    fn python_ints() {
        assert_eq!(py_int(b" 12 ", 10), Some(12));
        assert_eq!(py_int(b"1_0", 10), Some(10));
        assert_eq!(py_int(b"1__0", 10), None);
        assert_eq!(py_int(b"", 10), None);
        assert_eq!(chunk_size(b"1a\r\n"), Some(26));
        assert_eq!(chunk_size(b"0x1A;ext=1\r\n"), Some(26));
        assert_eq!(chunk_size(b"zz\r\n"), None);
        assert_eq!(chunk_size(b""), None);
    }

    #[test]
    fn header_block_and_framing() {
        let lines = vec![
            b"Content-Length: 5\r\n".to_vec(),
            b"X-Folded: a\r\n".to_vec(),
            b" b\r\n".to_vec(),
            b"bad line\r\n".to_vec(),
            b"Connection: keep-alive\n".to_vec(),
        ];
        let hs = parse_headers(&lines).unwrap();
        assert_eq!(hs[0], ("Content-Length".to_owned(), "5".to_owned()));
        assert_eq!(get(&hs, "connection"), Some("keep-alive"));
        let f = framing(11, 200, &hs, false);
        assert_eq!(
            f,
            Framing {
                chunked: false,
                length: Some(5),
                will_close: false
            }
        );

        let f = framing(
            11,
            200,
            &h(&[("Transfer-Encoding", "chunked"), ("Content-Length", "9")]),
            false,
        );
        assert_eq!(
            f,
            Framing {
                chunked: true,
                length: None,
                will_close: false
            }
        );
        let f = framing(10, 200, &h(&[("Content-Length", "3")]), false);
        assert!(f.will_close, "HTTP/1.0 closes unless keep-alive");
        let f = framing(
            10,
            200,
            &h(&[("Content-Length", "3"), ("Connection", "Keep-Alive")]),
            false,
        );
        assert!(!f.will_close);
        let f = framing(11, 200, &h(&[]), false);
        assert_eq!(
            f,
            Framing {
                chunked: false,
                length: None,
                will_close: true
            }
        );
        let f = framing(11, 204, &h(&[]), false);
        assert_eq!(f.length, Some(0));
        assert!(!f.will_close);
        let f = framing(11, 200, &h(&[("Content-Length", "-1")]), true);
        assert_eq!(f.length, Some(0), "HEAD has no body");
        let f = framing(
            11,
            200,
            &h(&[("Connection", "close"), ("Content-Length", "1")]),
            false,
        );
        assert!(f.will_close);
    }
}
