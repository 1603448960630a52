//! `OriginPolicy`: whether a WebSocket upgrade's `Origin` header is allowed.
//!
//! Owns only the decision and its 403 message; reading headers and answering the
//! upgrade belong to the server. Performs no I/O.
//!
//! Rules: no `Origin` (not a browser) is allowed — the token, when configured,
//! controls access. An `Origin` equal to an `--allow-origin` value is allowed
//! (after normalising case, a trailing `/` and a default port). Otherwise the
//! upgrade is same-origin only when the Origin's `host:port` equals the `Host`
//! header *and* that host is an IP literal or `localhost`: a page served under a
//! DNS name could be a DNS rebinding attack (the attacker's name first resolves to
//! their server, then to 127.0.0.1), so a named host needs `--allow-origin`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Allowed origins besides the safe same-origin case.
#[derive(Clone, Debug, Default)]
pub struct OriginPolicy {
    /// Normalised `--allow-origin` values.
    extra: Vec<String>,
}

/// An origin split into its parts, all lower case, the default port dropped.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    /// Host as written in a URL: `127.0.0.1`, `[::1]`, `localhost`, `example.org`.
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    fn text(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// Splits `host[:port]` (IPv6 in brackets); the host is lower-cased.
fn split_authority(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if authority.starts_with('[') {
        match authority.split_once(']') {
            Some((h, rest)) => {
                let port = match rest {
                    "" => None,
                    _ => Some(
                        rest.strip_prefix(':')
                            .ok_or_else(|| format!("unexpected {rest:?} after ']'"))?,
                    ),
                };
                (format!("{h}]"), port)
            }
            None => return Err("'[' without a closing ']'".to_string()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("the host is empty".to_string());
    }
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .map_err(|_| format!("{p:?} is not a port number"))
        })
        .transpose()?;
    Ok((host.to_ascii_lowercase(), port))
}

fn parse_origin(s: &str) -> Result<Origin, String> {
    let s = s.trim();
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| "an origin looks like http://host:port".to_string())?;
    let scheme = scheme.to_ascii_lowercase();
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("{scheme:?} is not a URL scheme"));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(c) = authority
        .chars()
        .find(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace())
    {
        return Err(format!(
            "an origin has no path, query, user or spaces (found {c:?})"
        ));
    }
    let (host, port) = split_authority(authority)?;
    let port = port.filter(|p| Some(*p) != default_port(&scheme));
    Ok(Origin { scheme, host, port })
}

/// The canonical text of an origin (`HTTP://LocalHost:80/` → `http://localhost`),
/// or why it is not one. `null` (sent by sandboxed pages) stays `null`. Useful to
/// validate `--allow-origin` values.
pub fn normalize_origin(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t == "null" {
        return Ok(t.to_string());
    }
    parse_origin(t)
        .map(|o| o.text())
        .map_err(|why| format!("bad origin {t:?}: {why}"))
}

/// An IP literal as URLs write it (`127.0.0.1`, `[::1]`) or `localhost`.
fn is_ip_or_localhost(host: &str) -> bool {
    host == "localhost"
        || host.parse::<Ipv4Addr>().is_ok()
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok())
}

impl OriginPolicy {
    /// `extra`: the `--allow-origin` values. A value that is not a valid origin
    /// can still match an identical header (compared trimmed, case-insensitively).
    pub fn new(extra: Vec<String>) -> OriginPolicy {
        let extra = extra
            .iter()
            .map(|e| normalize_origin(e).unwrap_or_else(|_| e.trim().to_ascii_lowercase()))
            .collect();
        OriginPolicy { extra }
    }

    /// `origin`: the `Origin` header, `host`: the `Host` header of the upgrade.
    /// `Err` holds the message for the 403 body.
    pub fn check(&self, origin: Option<&str>, host: Option<&str>) -> Result<(), String> {
        let Some(raw) = origin else {
            return Ok(());
        };
        let raw = raw.trim();
        let parsed = parse_origin(raw);
        let canonical = match &parsed {
            Ok(o) => o.text(),
            Err(_) => raw.to_ascii_lowercase(),
        };
        if self.extra.contains(&canonical) {
            return Ok(());
        }
        let hint =
            format!("if this page is yours, start the relay with --allow-origin {canonical}");
        let o = match parsed {
            Ok(o) => o,
            Err(why) => return Err(format!("Origin {raw} is not allowed ({why}); {hint}")),
        };
        let same = matches!(o.scheme.as_str(), "http" | "https")
            && host
                .and_then(|h| split_authority(h.trim()).ok())
                .is_some_and(|(h, p)| {
                    let p = p.filter(|p| Some(*p) != default_port(&o.scheme));
                    h == o.host && p == o.port
                });
        if !same {
            return Err(format!("Origin {raw} is not allowed; {hint}"));
        }
        if is_ip_or_localhost(&o.host) {
            return Ok(());
        }
        Err(format!(
            "Origin {raw} is not allowed: its host {} is a DNS name, and a page served \
             under a DNS name may be a DNS rebinding attack (the name is re-pointed at \
             this relay), so only IP addresses and localhost count as the relay's own \
             origin; {hint}",
            o.host
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(extra: &[&str]) -> OriginPolicy {
        OriginPolicy::new(extra.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn no_origin_is_allowed() {
        assert_eq!(policy(&[]).check(None, None), Ok(()));
        assert_eq!(policy(&[]).check(None, Some("evil.com")), Ok(()));
    }

    #[test]
    fn same_origin_with_ip_literal_or_localhost_is_allowed() {
        let p = policy(&[]);
        for (origin, host) in [
            ("http://127.0.0.1:8080", "127.0.0.1:8080"),
            ("http://localhost:8080", "localhost:8080"),
            ("http://LOCALHOST:8080", "localhost:8080"),
            ("http://[::1]:8080", "[::1]:8080"),
            ("https://192.168.1.5", "192.168.1.5"),
            ("http://127.0.0.1", "127.0.0.1:80"),
            ("http://127.0.0.1:80", "127.0.0.1"),
            ("http://localhost:8080/", "localhost:8080"),
        ] {
            assert_eq!(p.check(Some(origin), Some(host)), Ok(()), "{origin} {host}");
        }
    }

    #[test]
    fn dns_rebinding_same_origin_is_refused() {
        let err = policy(&[])
            .check(Some("http://evil.com:8080"), Some("evil.com:8080"))
            .unwrap_err();
        assert!(err.contains("DNS rebinding"), "{err}");
        assert!(err.contains("--allow-origin http://evil.com:8080"), "{err}");
    }

    #[test]
    fn named_host_is_allowed_with_allow_origin() {
        let p = policy(&["http://evil.com:8080"]);
        assert_eq!(
            p.check(Some("http://evil.com:8080"), Some("evil.com:8080")),
            Ok(())
        );
    }

    #[test]
    fn cross_origin_is_refused_with_the_flag_to_use() {
        let p = policy(&[]);
        let err = p
            .check(Some("http://evil.example"), Some("127.0.0.1:8080"))
            .unwrap_err();
        assert_eq!(
            err,
            "Origin http://evil.example is not allowed; if this page is yours, start the relay with --allow-origin http://evil.example"
        );
        // Port or scheme differ, or no Host header.
        for (origin, host) in [
            ("http://127.0.0.1:9999", Some("127.0.0.1:8080")),
            ("http://localhost:8080", Some("127.0.0.1:8080")),
            ("http://127.0.0.1:8080", None),
            ("ws://127.0.0.1:8080", Some("127.0.0.1:8080")),
            ("null", Some("127.0.0.1:8080")),
            ("http://user@127.0.0.1:8080", Some("127.0.0.1:8080")),
            ("garbage", Some("127.0.0.1:8080")),
        ] {
            let err = p.check(Some(origin), host).unwrap_err();
            assert!(err.contains("--allow-origin"), "{origin}: {err}");
        }
    }

    #[test]
    fn extra_origins_match_exactly_after_normalising() {
        let p = policy(&["HTTPS://Lab.Example.org/", "http://10.0.0.1:80", "null"]);
        assert_eq!(p.check(Some("https://lab.example.org"), None), Ok(()));
        assert_eq!(p.check(Some("https://LAB.example.org/"), None), Ok(()));
        assert_eq!(p.check(Some("https://lab.example.org:443"), None), Ok(()));
        assert_eq!(p.check(Some("http://10.0.0.1"), None), Ok(()));
        assert_eq!(p.check(Some("null"), None), Ok(()));
        assert!(p.check(Some("http://lab.example.org"), None).is_err());
        assert!(p.check(Some("https://lab.example.org:8443"), None).is_err());
        assert!(p.check(Some("https://sub.lab.example.org"), None).is_err());
    }

    #[test]
    fn normalize_origin_validates_flag_values() {
        assert_eq!(
            normalize_origin("HTTP://LocalHost:80/").as_deref(),
            Ok("http://localhost")
        );
        assert_eq!(
            normalize_origin("http://[::1]:8080").as_deref(),
            Ok("http://[::1]:8080")
        );
        for bad in [
            "localhost:8080",
            "http://",
            "http://a/b",
            "http://a:x",
            "1http://a",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
