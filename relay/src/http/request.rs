//! Request formatting exactly as CPython 3.11's `http.client` does it: the
//! `host[:port]` split of `HTTPConnection()`, the checks of `putrequest` and
//! `putheader` (with their exceptions), the `Host` header value, and the
//! `Content-Length` decision of `request()`.
//!
//! Pure functions over strings and bytes: no state machine (see `conn.rs`) and
//! no I/O. Python's `ValueError`/`UnicodeEncodeError` become `bad_request`
//! errors whose message starts with the Python exception name.

use super::exc;
use crate::oserror::bad_request;
use shared::ErrorBody;

/// `HTTPConnection._get_hostport`: with no port, `host:port` is split and
/// `[v6]` brackets are removed; a non-numeric port raises `InvalidURL`.
pub fn get_hostport(
    host: &str,
    port: Option<u16>,
    default_port: u16,
) -> Result<(String, u16), ErrorBody> {
    if let Some(p) = port {
        return Ok((host.to_owned(), p));
    }
    let mut host = host;
    let mut port = default_port;
    if let Some((name, tail)) = host.rsplit_once(':') {
        // A colon inside `[v6]` brackets is not a port separator.
        if !tail.contains(']') {
            if !tail.is_empty() {
                port = parse_port(tail)
                    .ok_or_else(|| exc("InvalidURL", format!("nonnumeric port: '{tail}'")))?;
            }
            host = name;
        }
    }
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host.to_owned(), port))
}

/// Python's `int()` on a port string; ports beyond 65535 fail when connecting
/// in Python, and are refused here at once as non-numeric ports.
fn parse_port(s: &str) -> Option<u16> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `[\x00-\x20\x7f]`: characters http.client refuses in URLs and hosts.
fn disallowed_url_char(s: &str) -> Option<char> {
    s.chars().find(|&c| c <= '\x20' || c == '\x7f')
}

fn py_repr(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `_validate_host` (CVE-2019-18348).
pub fn validate_host(host: &str) -> Result<(), ErrorBody> {
    match disallowed_url_char(host) {
        Some(c) => Err(exc(
            "InvalidURL",
            format!(
                "URL can't contain control characters. {} (found at least {})",
                py_repr(host),
                py_repr(&c.to_string())
            ),
        )),
        None => Ok(()),
    }
}

/// `_validate_path` (CVE-2019-9740).
pub fn validate_path(url: &str) -> Result<(), ErrorBody> {
    validate_host(url)
}

/// `_validate_method`: no control characters `[\x00-\x1f]`.
pub fn validate_method(method: &str) -> Result<(), ErrorBody> {
    match method.chars().find(|&c| c <= '\x1f') {
        Some(c) => Err(bad_request(format!(
            "ValueError: method can't contain control characters. {} (found at least {})",
            py_repr(method),
            py_repr(&c.to_string())
        ))),
        None => Ok(()),
    }
}

/// `str.encode('ascii')` for the request line.
pub fn ascii(s: &str, what: &str) -> Result<Vec<u8>, ErrorBody> {
    if s.is_ascii() {
        Ok(s.as_bytes().to_vec())
    } else {
        Err(bad_request(format!(
            "UnicodeEncodeError: 'ascii' codec can't encode the {what} {}",
            py_repr(s)
        )))
    }
}

/// `str.encode('latin-1')` for header values.
pub fn latin1(s: &str) -> Result<Vec<u8>, ErrorBody> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            bad_request(format!(
                "UnicodeEncodeError: 'latin-1' codec can't encode the header value {}; \
                 http.client sends header values as Latin-1",
                py_repr(s)
            ))
        })
}

/// `_is_legal_header_name`: `[^:\s][^:\r\n]*` over the whole name.
pub fn legal_header_name(name: &[u8]) -> bool {
    let Some((&first, rest)) = name.split_first() else {
        return false;
    };
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    first != b':' && !space(first) && rest.iter().all(|&b| !matches!(b, b':' | b'\r' | b'\n'))
}

/// `_is_illegal_header_value`: `\n(?![ \t])|\r(?![ \t\n])`.
pub fn illegal_header_value(v: &[u8]) -> bool {
    v.iter().enumerate().any(|(i, &b)| {
        let next = v.get(i + 1).copied();
        match b {
            b'\n' => !matches!(next, Some(b' ' | b'\t')),
            b'\r' => !matches!(next, Some(b' ' | b'\t' | b'\n')),
            _ => false,
        }
    })
}

/// The netloc of `urlsplit(url)` when `url` has a scheme and `//authority`.
fn netloc(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let n = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    (!n.is_empty()).then_some(n)
}

/// `_strip_ipv6_iface`: `[fe80::1%eth0]` → `[fe80::1]`.
fn strip_ipv6_iface(h: String) -> String {
    if h.starts_with('[') {
        if let Some((addr, _iface)) = h.split_once('%') {
            return format!("{addr}]");
        }
    }
    h
}

/// The value of the automatic `Host` header of `putrequest`: the URL's netloc
/// for absolute URLs, else `host` (bracketed when it holds a `:`) with `:port`
/// unless the port is the scheme's default.
pub fn host_header(url: &str, host: &str, port: u16, default_port: u16) -> String {
    if url.starts_with("http") {
        if let Some(n) = netloc(url) {
            return strip_ipv6_iface(n.to_owned());
        }
    }
    let mut h = host.to_owned();
    if h.contains(':') {
        h = strip_ipv6_iface(format!("[{h}]"));
    }
    if port == default_port {
        h
    } else {
        format!("{h}:{port}")
    }
}

/// Methods for which `request()` sends `Content-Length: 0` without a body.
pub fn expects_body(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "PATCH" | "POST" | "PUT"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostport_like_python() {
        assert_eq!(
            get_hostport("example.com", None, 80).unwrap(),
            ("example.com".into(), 80)
        );
        assert_eq!(
            get_hostport("example.com:8080", None, 80).unwrap(),
            ("example.com".into(), 8080)
        );
        assert_eq!(
            get_hostport("example.com:", None, 80).unwrap(),
            ("example.com".into(), 80)
        );
        assert_eq!(
            get_hostport("[::1]:81", None, 80).unwrap(),
            ("::1".into(), 81)
        );
        assert_eq!(
            get_hostport("[::1]", None, 443).unwrap(),
            ("::1".into(), 443)
        );
        assert_eq!(
            get_hostport("::1", Some(80), 80).unwrap(),
            ("::1".into(), 80)
        );
        let e = get_hostport("example.com:http", None, 80).unwrap_err();
        assert_eq!(e.code, "http.InvalidURL");
        assert_eq!(e.message, "nonnumeric port: 'http'");
    }

    #[test]
    fn host_header_like_python() {
        assert_eq!(host_header("/", "127.0.0.1", 8000, 80), "127.0.0.1:8000");
        assert_eq!(host_header("/", "example.com", 80, 80), "example.com");
        assert_eq!(host_header("/", "::1", 80, 80), "[::1]");
        assert_eq!(host_header("/", "::1", 8080, 80), "[::1]:8080");
        assert_eq!(host_header("/", "fe80::1%eth0", 80, 80), "[fe80::1]");
        assert_eq!(
            host_header("http://other.example:81/x", "h", 80, 80),
            "other.example:81"
        );
        assert_eq!(host_header("httpfoo", "h", 80, 80), "h");
    }

    #[test]
    fn header_checks_like_python() {
        assert!(legal_header_name(b"X-Test"));
        assert!(!legal_header_name(b""));
        assert!(!legal_header_name(b" X"));
        assert!(!legal_header_name(b"X:Y"));
        assert!(!illegal_header_value(b"a\r\n\tb"));
        assert!(illegal_header_value(b"a\r\nb"));
        assert!(illegal_header_value(b"a\rb"));
        assert!(latin1("caf\u{e9}").is_ok());
        assert_eq!(latin1("\u{20ac}").unwrap_err().code, "bad_request");
        assert_eq!(validate_path("/a b").unwrap_err().code, "http.InvalidURL");
        assert!(validate_method("GET\r\n").is_err());
    }
}
