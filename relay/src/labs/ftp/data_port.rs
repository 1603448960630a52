//! The FTP lab's guard against the bounce attack (RFC 2577 §3): a `PORT` or `EPRT`
//! command may name only the control connection's own peer address and a port of
//! 1024 or more. Pure functions over one command line; the control proxy calls
//! [`refusal`] for every line a client sends and answers a refused one itself, so
//! libunftp never connects anywhere a learner did not come from.
//!
//! Replies (all `5xx`, so Python's `ftplib` raises `ftplib.error_perm`):
//! - a foreign address: `504 Illegal PORT command: data connections go only to your
//!   own address 127.0.0.1, not 127.0.0.2`;
//! - a port below 1024: `504 Illegal PORT command: port 21 is privileged (below 1024)`;
//! - a malformed argument: `501 Syntax error in PORT: …`.
//!
//! 504 ("command not implemented for that parameter") is the code RFC 2577 §3
//! suggests for a refused `PORT`; 501 is RFC 959's code for an unparsable argument.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Lowest port a data connection may go to.
pub(crate) const LOWEST_DATA_PORT: u16 = 1024;

/// The reply line (with CRLF) refusing `line`, or `None` when the line is not a
/// `PORT`/`EPRT` command or names an allowed address.
pub(crate) fn refusal(line: &[u8], peer: IpAddr) -> Option<String> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(i) => line.split_at_checked(i)?,
        None => (line, &b""[..]),
    };
    let arg = String::from_utf8_lossy(arg);
    let arg = arg.trim();
    let (cmd, target) = if verb.eq_ignore_ascii_case(b"PORT") {
        ("PORT", parse_port(arg))
    } else if verb.eq_ignore_ascii_case(b"EPRT") {
        ("EPRT", parse_eprt(arg))
    } else {
        return None;
    };
    let reply = match target {
        Err(why) => format!("501 Syntax error in {cmd}: {why}"),
        Ok(to) => {
            let own = canonical(peer);
            if canonical(to.ip()) != own {
                format!(
                    "504 Illegal {cmd} command: data connections go only to your own address {own}, not {}",
                    canonical(to.ip())
                )
            } else if to.port() < LOWEST_DATA_PORT {
                format!(
                    "504 Illegal {cmd} command: port {} is privileged (below {LOWEST_DATA_PORT})",
                    to.port()
                )
            } else {
                return None;
            }
        }
    };
    Some(reply + "\r\n")
}

fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// `h1,h2,h3,h4,p1,p2` (RFC 959).
fn parse_port(arg: &str) -> Result<SocketAddr, &'static str> {
    const WANT: &str = "expected h1,h2,h3,h4,p1,p2 (six numbers from 0 to 255)";
    let mut n = [0u8; 6];
    let mut fields = arg.split(',');
    for slot in &mut n {
        *slot = fields
            .next()
            .and_then(|f| f.trim().parse::<u8>().ok())
            .ok_or(WANT)?;
    }
    if fields.next().is_some() {
        return Err(WANT);
    }
    let [a, b, c, d, p1, p2] = n;
    let ip = Ipv4Addr::new(a, b, c, d);
    Ok(SocketAddr::new(ip.into(), u16::from_be_bytes([p1, p2])))
}

/// `|1|132.235.1.2|6275|` or `|2|::1|5282|` with any delimiter (RFC 2428).
fn parse_eprt(arg: &str) -> Result<SocketAddr, &'static str> {
    const WANT: &str = "expected |1|address|port| or |2|address|port| (RFC 2428)";
    let delim = arg.chars().next().ok_or(WANT)?;
    if !(delim.is_ascii_graphic()) {
        return Err(WANT);
    }
    let mut parts = arg.split(delim);
    let (Some(""), Some(proto), Some(addr), Some(port), Some(""), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(WANT);
    };
    let ip: IpAddr = match proto {
        "1" => addr.parse::<Ipv4Addr>().map_err(|_| WANT)?.into(),
        "2" => addr.parse::<std::net::Ipv6Addr>().map_err(|_| WANT)?.into(),
        _ => return Err(WANT),
    };
    let port = port.parse::<u16>().map_err(|_| WANT)?;
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ME: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn own_address_and_unprivileged_port_pass() {
        assert_eq!(refusal(b"PORT 127,0,0,1,4,1\r\n", ME), None);
        assert_eq!(refusal(b"port 127,0,0,1,200,10\n", ME), None);
        assert_eq!(refusal(b"EPRT |1|127.0.0.1|2000|\r\n", ME), None);
        assert_eq!(refusal(b"RETR PORT 1,2,3,4,5,6\r\n", ME), None);
        assert_eq!(refusal(b"PASV\r\n", ME), None);
        let v6 = IpAddr::V6(std::net::Ipv6Addr::LOCALHOST);
        assert_eq!(refusal(b"EPRT |2|::1|5282|\r\n", v6), None);
    }

    #[test]
    fn a_foreign_address_is_refused_with_504() {
        assert_eq!(
            refusal(b"PORT 127,0,0,2,4,1\r\n", ME).as_deref(),
            Some("504 Illegal PORT command: data connections go only to your own address 127.0.0.1, not 127.0.0.2\r\n")
        );
        let r = refusal(b"EPRT |2|::1|5282|\r\n", ME).unwrap();
        assert!(r.starts_with("504 Illegal EPRT command"), "{r}");
    }

    #[test]
    fn a_privileged_port_is_refused_with_504() {
        assert_eq!(
            refusal(b"PORT 127,0,0,1,0,21\r\n", ME).as_deref(),
            Some("504 Illegal PORT command: port 21 is privileged (below 1024)\r\n")
        );
        assert!(
            refusal(b"PORT 127,0,0,1,3,255\r\n", ME).is_some(),
            "port 1023"
        );
        assert!(
            refusal(b"PORT 127,0,0,1,4,0\r\n", ME).is_none(),
            "port 1024"
        );
    }

    #[test]
    fn malformed_arguments_are_refused_with_501() {
        for line in [
            &b"PORT\r\n"[..],
            b"PORT 127,0,0,1,4\r\n",
            b"PORT 127,0,0,2,x,4,5\r\n",
            b"PORT 127,0,0,1,4,1,9\r\n",
            b"PORT 256,0,0,1,4,1\r\n",
            b"EPRT |3|127.0.0.1|2000|\r\n",
            b"EPRT |1|127.0.0.1|2000\r\n",
            b"EPRT \xff\r\n",
        ] {
            let r = refusal(line, ME).unwrap_or_default();
            assert!(r.starts_with("501 Syntax error in "), "{line:?} → {r}");
        }
    }

    fn cases() -> ProptestConfig {
        let n = crate::test_support::proptest_cases(256);
        ProptestConfig::with_cases(n)
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn arbitrary_lines_never_panic_and_refusals_are_one_reply_line(
            line in proptest::collection::vec(any::<u8>(), 0..300)
        ) {
            if let Some(r) = refusal(&line, ME) {
                prop_assert!(r.starts_with("50"));
                prop_assert!(r.ends_with("\r\n"));
                prop_assert_eq!(r.matches('\n').count(), 1);
            }
        }

        #[test]
        fn only_the_own_address_on_a_high_port_passes(
            a in any::<[u8; 4]>(), port in any::<u16>()
        ) {
            let [p1, p2] = port.to_be_bytes();
            let line = format!("PORT {},{},{},{},{p1},{p2}\r\n", a[0], a[1], a[2], a[3]);
            let allowed = Ipv4Addr::from(a) == Ipv4Addr::LOCALHOST && port >= 1024;
            prop_assert_eq!(refusal(line.as_bytes(), ME).is_none(), allowed);
        }
    }
}
