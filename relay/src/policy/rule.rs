//! `Rule`: one `--allow-connect` / `--allow-bind` rule — a set of addresses (an IP,
//! a CIDR, a host name or `*`) with an optional port or port range — its syntax,
//! its display and its matching.
//!
//! Owns only the rule language. Which rules apply belongs to `policy.rs`,
//! `policy/connect.rs` and `policy/bind.rs`, the special ranges to
//! `policy/special.rs`, the wording of denials to `policy/denial.rs`; this file
//! performs no I/O (a host rule compares names, it never resolves them).

use ipnet::{IpNet, Ipv4Net};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The forms `Rule::from_str` accepts, quoted in every parse error.
pub const RULE_SYNTAX: &str = "accepted forms: an IP or CIDR (192.168.1.5, 10.0.0.0/8, ::1, \
     [::1], fd00::/8), a host name (example.org) or * (any address), each optionally \
     followed by :PORT or :FIRST-LAST (10.0.0.0/8:22, 10.0.0.0/8:8000-9000, [fd00::/8]:80, \
     example.org:80-443, *:8080); an IPv6 address or network with a port must be written \
     in brackets";

/// The addresses a rule covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `*`: every IPv4 and IPv6 address (it does not *name* any special range).
    Any,
    /// An IP network; a single address is a /32 or /128. IPv4-mapped IPv6 networks
    /// are stored as the IPv4 network they map, host bits are cleared.
    Net(IpNet),
    /// A host name, lower case, without a trailing dot. It matches the name a
    /// request used, whatever that name resolves to.
    Host(String),
}

/// An inclusive port range; `first == last` for a single port. Never contains 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub first: u16,
    pub last: u16,
}

impl Ports {
    pub fn contains(&self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// One allow rule. `Display` writes the flag syntax back (`10.0.0.0/8:22`,
/// `[fd00::/8]:80`, `example.org:80-443`, `*`), so a displayed rule parses to
/// itself and can be pasted after `--allow-connect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    target: Target,
    /// `None`: every port.
    ports: Option<Ports>,
}

impl Rule {
    /// A rule for `net` (IPv4-mapped IPv6 normalised, host bits cleared).
    pub fn net(net: IpNet, ports: Option<Ports>) -> Rule {
        Rule {
            target: Target::Net(normalise_net(net)),
            ports,
        }
    }

    /// A rule for one address.
    pub fn ip(ip: IpAddr, ports: Option<Ports>) -> Rule {
        Rule::net(IpNet::from(ip), ports)
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn ports(&self) -> Option<Ports> {
        self.ports
    }

    /// The network of an IP rule (`None` for `*` and host rules).
    pub fn network(&self) -> Option<IpNet> {
        match &self.target {
            Target::Net(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether the rule's addresses include `ip` (`ip` already normalised).
    /// Host rules never match an address.
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        match &self.target {
            Target::Any => true,
            Target::Net(n) => n.contains(&ip),
            Target::Host(_) => false,
        }
    }

    /// Whether this is a host rule for `host` (case-insensitive, a trailing dot
    /// ignored).
    pub fn matches_host(&self, host: &str) -> bool {
        match &self.target {
            Target::Host(h) => {
                let host = host.strip_suffix('.').unwrap_or(host);
                h.eq_ignore_ascii_case(host)
            }
            _ => false,
        }
    }

    /// Whether the rule allows `port`: a rule without a port allows every port.
    pub fn matches_port(&self, port: u16) -> bool {
        self.ports.is_none_or(|p| p.contains(port))
    }

    /// Whether the rule *names* `port`, i.e. has an explicit range containing it.
    pub fn names_port(&self, port: u16) -> bool {
        self.ports.is_some_and(|p| p.contains(port))
    }

    /// The address part in words: `127.0.0.0/8`, `::1`, `example.org`, `any address`.
    pub fn describe_target(&self) -> String {
        match &self.target {
            Target::Any => "any address".to_string(),
            Target::Net(n) => net_text(n),
            Target::Host(h) => h.clone(),
        }
    }

    /// The port part in words: `any port`, `port 22`, `ports 8000-9000`.
    pub fn describe_ports(&self) -> String {
        match self.ports {
            None => "any port".to_string(),
            Some(p) if p.first == p.last => format!("port {}", p.first),
            Some(p) => format!("ports {p}"),
        }
    }
}

/// `10.0.0.5` for a single address, `10.0.0.0/8` for a network.
fn net_text(n: &IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// IPv4-mapped IPv6 networks (inside `::ffff:0:0/96`) become the IPv4 network they
/// map; host bits are cleared.
fn normalise_net(net: IpNet) -> IpNet {
    let net = net.trunc();
    if let IpNet::V6(v6) = net {
        if v6.prefix_len() >= 96 {
            if let Some(v4) = v6.addr().to_ipv4_mapped() {
                if let Ok(n) = Ipv4Net::new(v4, v6.prefix_len() - 96) {
                    return IpNet::V4(n);
                }
            }
        }
    }
    net
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.target {
            Target::Any => "*".to_string(),
            Target::Net(n) => net_text(n),
            Target::Host(h) => h.clone(),
        };
        match self.ports {
            None => f.write_str(&target),
            Some(p) if matches!(self.target, Target::Net(IpNet::V6(_))) => {
                write!(f, "[{target}]:{p}")
            }
            Some(p) => write!(f, "{target}:{p}"),
        }
    }
}

impl FromStr for Rule {
    type Err = String;

    fn from_str(text: &str) -> Result<Rule, String> {
        let s = text.trim();
        parse(s).map_err(|why| format!("bad rule {s:?}: {why}; {RULE_SYNTAX}"))
    }
}

fn parse(s: &str) -> Result<Rule, String> {
    if s.is_empty() {
        return Err("the rule is empty".to_string());
    }
    let (target, ports) = if let Some(inner) = s.strip_prefix('[') {
        let (inside, after) = inner
            .split_once(']')
            .ok_or_else(|| "'[' without a closing ']'".to_string())?;
        let ports = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err(format!("unexpected {after:?} after ']'")),
            },
        };
        let target = parse_ip_target(inside)?
            .ok_or_else(|| format!("{inside:?} in brackets is not an IP address or network"))?;
        (target, ports)
    } else if s.matches(':').count() >= 2 {
        // A bare IPv6 address or network: it cannot carry a port.
        let target = parse_ip_target(s)?.ok_or_else(|| {
            "not an IPv6 address or network (write a port as [fd00::/8]:80)".to_string()
        })?;
        (target, None)
    } else {
        let (addr, ports) = match s.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let target = if addr == "*" {
            Target::Any
        } else if let Some(t) = parse_ip_target(addr)? {
            t
        } else {
            Target::Host(parse_host(addr)?)
        };
        (target, ports)
    };
    let ports = ports.map(parse_ports).transpose()?;
    Ok(Rule { target, ports })
}

/// `Some` for an IP or CIDR, `None` when `s` does not look like one at all (it may
/// be a host name), `Err` for a malformed CIDR.
fn parse_ip_target(s: &str) -> Result<Option<Target>, String> {
    if s.contains('/') {
        let net = IpNet::from_str(s).map_err(|_| {
            format!("{s:?} is not a valid CIDR network (an address, '/', a prefix length of at most 32 for IPv4 or 128 for IPv6)")
        })?;
        return Ok(Some(Target::Net(normalise_net(net))));
    }
    Ok(s.parse::<IpAddr>()
        .ok()
        .map(|ip| Target::Net(normalise_net(IpNet::from(ip)))))
}

/// A DNS host name: labels of letters, digits, `-` and `_`, at most 63 characters
/// each and 253 in all, the last label not all digits (so a mistyped IPv4 address
/// such as `300.1.1.1` is not taken for a name).
fn parse_host(s: &str) -> Result<String, String> {
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.is_empty() {
        return Err("the address is empty".to_string());
    }
    if name.len() > 253 {
        return Err("a host name is at most 253 characters long".to_string());
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "{s:?} is not a valid host name (each dot-separated part must be 1 to 63 characters)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "{s:?} is not a valid host name (a part may not begin or end with '-')"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!(
                "{s:?} is not a valid IP address or host name (unexpected {c:?})"
            ));
        }
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{s:?} is not a valid IP address or host name"));
    }
    Ok(name.to_ascii_lowercase())
}

fn parse_port(s: &str) -> Result<u16, String> {
    let port: u16 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a port (a number from 1 to 65535)"))?;
    if port == 0 {
        return Err(
            "port 0 cannot appear in a rule (leave the port out to allow every port)".to_string(),
        );
    }
    Ok(port)
}

fn parse_ports(s: &str) -> Result<Ports, String> {
    let (first, last) = match s.split_once('-') {
        Some((a, b)) => (parse_port(a)?, parse_port(b)?),
        None => {
            let p = parse_port(s)?;
            (p, p)
        }
    };
    if first > last {
        return Err(format!(
            "the port range {first}-{last} is empty (write the lower port first)"
        ));
    }
    Ok(Ports { first, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> Rule {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn net(s: &str) -> Target {
        Target::Net(s.parse().unwrap())
    }

    #[test]
    fn parses_addresses_networks_and_names() {
        type Case = (&'static str, Target, Option<(u16, u16)>);
        let cases: &[Case] = &[
            ("10.0.0.0/8", net("10.0.0.0/8"), None),
            ("192.168.1.5", net("192.168.1.5/32"), None),
            ("::1", net("::1/128"), None),
            ("[::1]", net("::1/128"), None),
            ("fd00::/8", net("fd00::/8"), None),
            ("10.0.0.0/8:22", net("10.0.0.0/8"), Some((22, 22))),
            (
                "10.0.0.0/8:8000-9000",
                net("10.0.0.0/8"),
                Some((8000, 9000)),
            ),
            ("[fd00::/8]:80", net("fd00::/8"), Some((80, 80))),
            ("[::1]:8080", net("::1/128"), Some((8080, 8080))),
            (
                "example.org:80-443",
                Target::Host("example.org".into()),
                Some((80, 443)),
            ),
            ("Example.ORG.", Target::Host("example.org".into()), None),
            ("localhost", Target::Host("localhost".into()), None),
            ("*", Target::Any, None),
            ("*:8080", Target::Any, Some((8080, 8080))),
            ("  10.1.2.3:22  ", net("10.1.2.3/32"), Some((22, 22))),
        ];
        for (text, target, ports) in cases {
            let r = rule(text);
            assert_eq!(r.target(), target, "{text}");
            assert_eq!(
                r.ports(),
                ports.map(|(first, last)| Ports { first, last }),
                "{text}"
            );
        }
    }

    #[test]
    fn normalises_host_bits_and_ipv4_mapped_networks() {
        assert_eq!(rule("10.1.2.3/8").target(), &net("10.0.0.0/8"));
        assert_eq!(
            rule("::ffff:169.254.169.254").target(),
            &net("169.254.169.254/32")
        );
        assert_eq!(
            rule("[::ffff:10.0.0.0/104]:22").target(),
            &net("10.0.0.0/8")
        );
    }

    #[test]
    fn display_writes_flag_syntax_that_parses_back() {
        for text in [
            "10.0.0.0/8",
            "192.168.1.5",
            "::1",
            "fd00::/8",
            "10.0.0.0/8:22",
            "10.0.0.0/8:8000-9000",
            "[fd00::/8]:80",
            "[::1]:8080",
            "example.org:80-443",
            "*",
            "*:1-1023",
        ] {
            let r = rule(text);
            assert_eq!(r.to_string(), text);
            assert_eq!(rule(&r.to_string()), r);
        }
        assert_eq!(rule("[::1]").to_string(), "::1");
    }

    #[test]
    fn bad_syntax_is_an_error_that_shows_the_accepted_forms() {
        for text in [
            "",
            "   ",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.0/x",
            "300.1.1.1",
            "10.0.0",
            "10.0.0.0/8:",
            "10.0.0.0/8:0",
            "10.0.0.0/8:65536",
            "10.0.0.0/8:http",
            "10.0.0.0/8:9000-8000",
            "10.0.0.0/8:1-",
            "[::1",
            "[::1]80",
            "[example.org]:80",
            "fd00::/8:80x",
            "fd00::zz",
            "exa mple.org",
            "-example.org",
            "example..org",
            "a:b:c",
            "*.example.org",
            "http://example.org",
        ] {
            let err = text.parse::<Rule>().expect_err(text);
            assert!(err.contains("accepted forms"), "{text}: {err}");
            assert!(err.contains("10.0.0.0/8:8000-9000"), "{text}: {err}");
        }
    }

    #[test]
    fn error_says_what_is_wrong() {
        let err = "10.0.0.0/8:0".parse::<Rule>().unwrap_err();
        assert!(err.contains("port 0"), "{err}");
        let err = "10.0.0.0/8:9000-8000".parse::<Rule>().unwrap_err();
        assert!(err.contains("9000-8000"), "{err}");
        let err = "10.0.0.0/33".parse::<Rule>().unwrap_err();
        assert!(err.contains("CIDR"), "{err}");
    }

    #[test]
    fn matching() {
        let r = rule("10.0.0.0/8:8000-9000");
        assert!(r.matches_ip("10.9.8.7".parse().unwrap()));
        assert!(!r.matches_ip("11.0.0.1".parse().unwrap()));
        assert!(!r.matches_ip("::1".parse().unwrap()));
        assert!(r.matches_port(8000) && r.matches_port(9000));
        assert!(!r.matches_port(7999) && !r.matches_port(9001));
        assert!(r.names_port(8500));
        assert!(!rule("10.0.0.0/8").names_port(80));
        assert!(rule("10.0.0.0/8").matches_port(80));

        let h = rule("example.org");
        assert!(h.matches_host("EXAMPLE.org"));
        assert!(h.matches_host("example.org."));
        assert!(!h.matches_host("www.example.org"));
        assert!(!h.matches_ip("93.184.216.34".parse().unwrap()));

        let any = rule("*");
        assert!(any.matches_ip("10.0.0.1".parse().unwrap()));
        assert!(any.matches_ip("2001:db8::1".parse().unwrap()));
        assert!(!any.matches_host("example.org"));
    }

    #[test]
    fn words() {
        assert_eq!(rule("10.0.0.0/8:22").describe_ports(), "port 22");
        assert_eq!(rule("10.0.0.0/8:1-2").describe_ports(), "ports 1-2");
        assert_eq!(rule("10.0.0.0/8").describe_ports(), "any port");
        assert_eq!(rule("*").describe_target(), "any address");
        assert_eq!(rule("[::1]:5").describe_target(), "::1");
    }
}
