//! The relay's pure allow/deny decisions: which addresses a learner may `connect`
//! to and `bind`, and which pages may open the WebSocket (`OriginPolicy`).
//!
//! Owns the defaults of docs/architecture.md "Security stance" and "Lab servers" and the
//! wording of every denial (each names the rule and the flag that changes it).
//! It must not touch sockets, DNS or the session: callers resolve names, pass the
//! resolved address here, and connect to / bind exactly the address returned.
//!
//! - Connect, relay listening on loopback: loopback (127.0.0.0/8, ::1) on any port
//!   by default (the relay's user can reach those anyway); `--allow-connect` rules
//!   add to it (a test override replaces the defaults).
//! - Connect, relay listening beyond loopback ([`Policy::expose`]): only the labs'
//!   addresses (with the FTP lab's passive range) and the loopback addresses that
//!   sockets of this relay's sessions hold right now ([`BoundPorts`]), plus the
//!   `--allow-connect` rules: learners on the network must not reach the host's
//!   other loopback services (ssh, databases, printers). Link-local,
//!   cloud-metadata, multicast, broadcast and unspecified addresses are denied
//!   unless a rule *names* them: its network lies inside the special range
//!   (`169.254.169.254`, `169.254.0.0/16`), so `*`, `0.0.0.0/0` and host-name rules
//!   never do. Port 0 is always a `Denial` (there is no server on port 0).
//! - Bind: loopback ports 1024–65535 and port 0 by default; `--allow-bind` rules
//!   add. `0.0.0.0` / `::` become `127.0.0.1` / `::1` unless a rule names the
//!   unspecified address (`0.0.0.0`, `::`, `*`). Ports below 1024 need a rule that
//!   names the port; ports reserved by the relay (its own, the labs', the FTP lab's
//!   passive range) are refused.
//! - IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is checked as the IPv4 address (so it
//!   cannot dodge a rule) and returned in the mapped form it was asked in, so an
//!   `AF_INET6` socket can connect to / bind it.

mod bound;
mod origin;
mod rule;
mod special;

pub use bound::{BoundPorts, PortLease};
pub use origin::{normalize_origin, OriginPolicy};
pub use rule::{Ports, Rule, Target, RULE_SYNTAX};

use ipnet::IpNet;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Why the policy refused an address; the text names the rule and the flag that
/// would change the decision. Becomes a `not_allowed` error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial(pub String);

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Denial {}

/// Where a rule came from, for summaries and messages.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    /// A built-in loopback default.
    Default,
    /// A lab of an exposed relay; the text names it (`tcp_echo lab`).
    Lab(String),
    /// `--allow-connect` / `--allow-bind`.
    Flag,
    /// `Config::connect_rules_override` (tests).
    Override,
}

/// The connect and bind rules of one relay, plus the ports it keeps for itself.
#[derive(Clone, Debug)]
pub struct Policy {
    connect: Vec<(Rule, Source)>,
    bind: Vec<(Rule, Source)>,
    /// Port → what uses it ("tcp_echo lab"); never contains 0.
    reserved: BTreeMap<u16, Vec<String>>,
    /// Port ranges the relay keeps (the FTP lab's passive ports) and their user.
    reserved_ranges: Vec<(Ports, String)>,
    /// Listening beyond loopback: the defaults are the labs and `bound`.
    exposed: bool,
    /// Loopback addresses held by sockets of this relay's sessions.
    bound: Arc<BoundPorts>,
}

fn loopback_rules() -> Vec<Rule> {
    let v4 = IpNet::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8)
        .map(|n| Rule::net(n, None))
        .unwrap_or_else(|_| Rule::ip(IpAddr::V4(Ipv4Addr::LOCALHOST), None));
    vec![v4, Rule::ip(IpAddr::V6(Ipv6Addr::LOCALHOST), None)]
}

/// `::ffff:a.b.c.d` → `a.b.c.d` (and `true`: it was mapped); everything else
/// unchanged.
fn normalise(addr: SocketAddr) -> (SocketAddr, bool) {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => (SocketAddr::new(IpAddr::V4(v4), v6.port()), true),
            None => (addr, false),
        },
        v4 => (v4, false),
    }
}

/// Gives a checked IPv4 address back its IPv4-mapped IPv6 form when the caller
/// asked with that form (an `AF_INET6` socket cannot use a bare IPv4 address).
fn restore(addr: SocketAddr, mapped: bool) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) if mapped => {
            SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port())
        }
        other => other,
    }
}

/// The first privileged port and the example a denial suggests.
const FIRST_UNPRIVILEGED: u16 = 1024;
const EXAMPLE_PORT: u16 = 20178;

/// How a learner should write `addr` after a flag: `10.0.0.5:22`, `[::1]:22`.
fn flag_form(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// `loopback 127.0.0.0/8, ::1; 10.0.0.0/8:22` — the rules as a short list.
fn rule_list(rules: &[(Rule, Source)]) -> String {
    let defaults: Vec<String> = rules
        .iter()
        .filter(|(_, s)| *s == Source::Default)
        .map(|(r, _)| r.to_string())
        .collect();
    let others: Vec<String> = rules
        .iter()
        .filter(|(_, s)| *s != Source::Default)
        .map(|(r, _)| r.to_string())
        .collect();
    let mut parts = Vec::new();
    if !defaults.is_empty() {
        parts.push(format!("loopback {}", defaults.join(", ")));
    }
    if !others.is_empty() {
        parts.push(others.join(", "));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("; ")
    }
}

impl Policy {
    /// `connect_extra` / `bind_extra`: the `--allow-connect` / `--allow-bind` rules,
    /// added to the loopback defaults. `connect_override`: when `Some`, these rules
    /// replace the connect defaults (the extras still apply).
    pub fn new(
        connect_extra: Vec<Rule>,
        bind_extra: Vec<Rule>,
        connect_override: Option<Vec<Rule>>,
    ) -> Policy {
        let mut connect: Vec<(Rule, Source)> = match connect_override {
            Some(rules) => rules.into_iter().map(|r| (r, Source::Override)).collect(),
            None => loopback_rules()
                .into_iter()
                .map(|r| (r, Source::Default))
                .collect(),
        };
        connect.extend(connect_extra.into_iter().map(|r| (r, Source::Flag)));
        let mut bind: Vec<(Rule, Source)> = loopback_rules()
            .into_iter()
            .map(|r| (r, Source::Default))
            .collect();
        bind.extend(bind_extra.into_iter().map(|r| (r, Source::Flag)));
        Policy {
            connect,
            bind,
            reserved: BTreeMap::new(),
            reserved_ranges: Vec::new(),
            exposed: false,
            bound: Arc::new(BoundPorts::default()),
        }
    }

    /// For a relay that listens beyond loopback: the loopback defaults give way
    /// to `labs` (name → the rule for its address, e.g. `tcp_echo lab` →
    /// `127.0.0.1:20007`) and to the addresses sockets of this relay hold
    /// ([`Policy::bound_ports`]). `--allow-connect` rules still add; a test
    /// override still replaces every default.
    pub fn expose(&mut self, labs: Vec<(String, Rule)>) {
        self.exposed = true;
        if self.overridden() {
            return;
        }
        let mut connect: Vec<(Rule, Source)> = labs
            .into_iter()
            .map(|(name, r)| (r, Source::Lab(name)))
            .collect();
        connect.extend(
            std::mem::take(&mut self.connect)
                .into_iter()
                .filter(|(_, s)| *s != Source::Default),
        );
        self.connect = connect;
    }

    /// Does the relay listen beyond loopback (see [`Policy::expose`])?
    pub fn is_exposed(&self) -> bool {
        self.exposed
    }

    /// The registry of addresses bound by sessions; a socket takes a lease when
    /// the kernel binds it and keeps it until it is dropped.
    pub fn bound_ports(&self) -> &Arc<BoundPorts> {
        &self.bound
    }

    fn overridden(&self) -> bool {
        self.connect.iter().any(|(_, s)| *s == Source::Override)
    }

    /// May an exposed relay's session reach `addr` because one of its sockets
    /// holds it?
    fn reaches_session_socket(&self, addr: SocketAddr) -> bool {
        self.exposed && !self.overridden() && self.bound.holds(addr)
    }

    /// Refuse binds to `port` on every address; `what` completes "port N is used
    /// by the relay's …" (e.g. `tcp_echo lab`, `web server`). Port 0 is ignored
    /// (it is never reserved); a port may be reserved by several users.
    pub fn reserve_port(&mut self, port: u16, what: &str) {
        if port == 0 {
            return;
        }
        let users = self.reserved.entry(port).or_default();
        if !users.iter().any(|u| u == what) {
            users.push(what.to_string());
        }
    }

    /// Refuse binds to every port of `first..=last` on every address; `what`
    /// completes "ports A-B are used by the relay's …" (e.g. `ftp lab (passive
    /// data connections)`). Port 0 is never reserved; an empty range is ignored.
    pub fn reserve_range(&mut self, first: u16, last: u16, what: &str) {
        let first = first.max(1);
        if first > last {
            return;
        }
        self.reserved_ranges
            .push((Ports { first, last }, what.to_string()));
    }

    /// Why `port` may not be bound: the relay's users of it, if any.
    fn reserved_by(&self, port: u16) -> Vec<String> {
        let mut users: Vec<String> = self.reserved.get(&port).cloned().unwrap_or_default();
        users.extend(
            self.reserved_ranges
                .iter()
                .filter(|(r, _)| r.contains(port))
                .map(|(r, what)| format!("{what} {r}")),
        );
        users
    }

    /// May the session connect to `addr`, the address `host` resolved to (or
    /// `host`'s literal)? `Ok` holds the address to connect to, in the family it
    /// was asked in: an IPv4-mapped IPv6 address is checked (and named in a
    /// denial) as the IPv4 address it maps, and returned in its mapped form so an
    /// `AF_INET6` socket can use it. Port 0 is a `Denial`.
    pub fn check_connect(&self, host: &str, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        let (addr, mapped) = normalise(addr);
        self.connect_checked(host, addr).map(|a| restore(a, mapped))
    }

    /// `check_connect` for an address without IPv4-mapped form.
    fn connect_checked(&self, host: &str, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        let (ip, port) = (addr.ip(), addr.port());
        if port == 0 {
            return Err(Denial(format!(
                "connect to {} is denied: port 0 is not a port a server can listen on \
                 (it means \"any free port\" only for bind); use the server's port",
                flag_form(addr)
            )));
        }
        let special = special::ranges_containing(ip);
        if !special.is_empty() {
            let named = self.connect.iter().any(|(r, _)| {
                r.matches_port(port)
                    && r.network().is_some_and(|n| {
                        n.contains(&ip) && special.iter().any(|s| s.net.contains(&n))
                    })
            });
            if named {
                return Ok(addr);
            }
            return Err(Denial(format!(
                "connect to {} is denied: {} addresses are blocked unless a \
                 --allow-connect rule names them (e.g. start the relay with \
                 --allow-connect {}; * and 0.0.0.0/0 do not name them)",
                flag_form(addr),
                special::kinds(&special),
                flag_form(addr)
            )));
        }
        let allowed = self
            .connect
            .iter()
            .any(|(r, _)| r.matches_port(port) && (r.matches_ip(ip) || r.matches_host(host)));
        if allowed || self.reaches_session_socket(addr) {
            return Ok(addr);
        }
        let host = host.trim();
        let is_name = !host.is_empty()
            && host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_err();
        let (what, suggest) = if is_name {
            (
                format!("{host}:{port} ({ip})"),
                format!("{}:{port}", host.trim_end_matches('.')),
            )
        } else {
            (flag_form(addr), flag_form(addr))
        };
        if self.exposed && !self.overridden() {
            return Err(Denial(format!(
                "PermissionError: [Errno 13] Permission denied: connect to {what}: this \
                 relay is shared on the network, so it only lets you connect to its labs \
                 and to sockets bound in this relay ({}); the host can allow more by \
                 starting the relay with --allow-connect {suggest}",
                self.exposed_targets()
            )));
        }
        Err(Denial(format!(
            "connect to {what} is outside the allowed targets ({}); start the relay \
             with --allow-connect {suggest} to permit it",
            rule_list(&self.connect)
        )))
    }

    /// May the session bind `addr`? `Ok` holds the address to really bind:
    /// `0.0.0.0` / `::` become `127.0.0.1` / `::1` unless a rule names the
    /// unspecified address for this port. An IPv4-mapped IPv6 address is checked
    /// as IPv4 and returned in mapped form (`::ffff:0.0.0.0` → `::ffff:127.0.0.1`).
    /// Port 0 asks the kernel for a free port and is allowed by any rule without a
    /// port range.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        let (addr, mapped) = normalise(addr);
        self.bind_checked(addr).map(|a| restore(a, mapped))
    }

    /// `check_bind` for an address without IPv4-mapped form.
    fn bind_checked(&self, mut addr: SocketAddr) -> Result<SocketAddr, Denial> {
        let port = addr.port();
        if addr.ip().is_unspecified() {
            let names_all = self
                .bind
                .iter()
                .any(|(r, _)| r.matches_ip(addr.ip()) && bind_port_ok(r, port));
            if !names_all {
                let lo = match addr.ip() {
                    IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                };
                addr.set_ip(lo);
            }
        }
        let ip = addr.ip();
        let users = self.reserved_by(port);
        if !users.is_empty() {
            let users: Vec<String> = users.iter().map(|u| format!("the relay's {u}")).collect();
            return Err(Denial(format!(
                "bind to {} is denied: port {port} is used by {}; pick another port",
                flag_form(addr),
                users.join(" and ")
            )));
        }
        if (1..FIRST_UNPRIVILEGED).contains(&port) {
            if self
                .bind
                .iter()
                .any(|(r, _)| r.matches_ip(ip) && r.names_port(port))
            {
                return Ok(addr);
            }
            return Err(Denial(format!(
                "bind to {} is denied: ports below 1024 are privileged: only root may \
                 bind them on a real system, and the relay refuses them; pick a port \
                 from 1024 to 65535, e.g. {EXAMPLE_PORT} (or start the relay with \
                 --allow-bind {} to permit it)",
                flag_form(addr),
                flag_form(addr)
            )));
        }
        if self
            .bind
            .iter()
            .any(|(r, _)| r.matches_ip(ip) && bind_port_ok(r, port))
        {
            return Ok(addr);
        }
        let suggest = if port == 0 {
            match ip {
                IpAddr::V6(v6) => v6.to_string(),
                IpAddr::V4(v4) => v4.to_string(),
            }
        } else {
            flag_form(addr)
        };
        Err(Denial(format!(
            "bind to {} is outside the allowed local addresses ({}); start the relay \
             with --allow-bind {suggest} to permit it",
            flag_form(addr),
            rule_list(&self.bind)
        )))
    }

    /// What an exposed relay lets a session reach, for its denials:
    /// `labs: tcp_echo lab 127.0.0.1:20007, …; loopback sockets bound in this
    /// relay; --allow-connect 10.0.0.0/8:22`.
    fn exposed_targets(&self) -> String {
        let labs: Vec<String> = self
            .connect
            .iter()
            .filter_map(|(r, s)| match s {
                Source::Lab(name) => Some(format!("{name} {r}")),
                _ => None,
            })
            .collect();
        let flags: Vec<String> = self
            .connect
            .iter()
            .filter(|(_, s)| *s == Source::Flag)
            .map(|(r, _)| r.to_string())
            .collect();
        let mut parts = Vec::new();
        if labs.is_empty() {
            parts.push("no labs run".to_string());
        } else {
            parts.push(format!("labs: {}", labs.join(", ")));
        }
        parts.push("loopback sockets bound in this relay".to_string());
        if !flags.is_empty() {
            parts.push(format!("--allow-connect {}", flags.join(", ")));
        }
        parts.join("; ")
    }

    /// The connect rules in words, for `hello.policy.connect`.
    pub fn summary_connect(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .connect
            .iter()
            .map(|(r, s)| {
                let origin = match s {
                    Source::Default => "loopback, default".to_string(),
                    Source::Lab(name) => name.clone(),
                    Source::Flag => format!("--allow-connect {r}"),
                    Source::Override => "test override".to_string(),
                };
                format!("{}, {} ({origin})", r.describe_target(), r.describe_ports())
            })
            .collect();
        if self.exposed && !self.overridden() {
            lines.push(
                "loopback ports bound by sockets in this relay, while they are open \
                 (the relay is shared on the network, so other loopback ports are not \
                 reachable; the host widens this with --allow-connect)"
                    .to_string(),
            );
        } else if self.connect.is_empty() {
            lines.push("no connect targets are allowed".to_string());
        }
        let mut blocked: Vec<(&str, Vec<String>)> = Vec::new();
        for s in special::SPECIAL {
            let text = match s.net {
                n if n.prefix_len() == n.max_prefix_len() => n.addr().to_string(),
                n => n.to_string(),
            };
            match blocked.iter_mut().find(|(k, _)| *k == s.what) {
                Some((_, nets)) => nets.push(text),
                None => blocked.push((s.what, vec![text])),
            }
        }
        let blocked: Vec<String> = blocked
            .into_iter()
            .map(|(k, nets)| format!("{k} {}", nets.join(", ")))
            .collect();
        lines.push(format!(
            "blocked unless a --allow-connect rule names them: {}",
            blocked.join("; ")
        ));
        lines
    }

    /// The bind rules in words, for `hello.policy.bind`.
    pub fn summary_bind(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .bind
            .iter()
            .map(|(r, s)| match s {
                Source::Default => format!(
                    "{}, ports 1024-65535 or 0 (loopback, default)",
                    r.describe_target()
                ),
                _ => format!(
                    "{}, {} (--allow-bind {r})",
                    r.describe_target(),
                    r.describe_ports()
                ),
            })
            .collect();
        let all4 = self
            .bind
            .iter()
            .any(|(r, _)| r.matches_ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        let all6 = self
            .bind
            .iter()
            .any(|(r, _)| r.matches_ip(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
        lines.push(match (all4, all6) {
            (true, true) => "\"\", 0.0.0.0 and :: bind all interfaces".to_string(),
            (true, false) => "\"\" and 0.0.0.0 bind all interfaces; :: binds ::1 unless \
                 --allow-bind names ::"
                .to_string(),
            (false, true) => "\"\" and 0.0.0.0 bind 127.0.0.1 unless --allow-bind names \
                 0.0.0.0; :: binds all interfaces"
                .to_string(),
            (false, false) => "\"\" and 0.0.0.0 bind 127.0.0.1, :: binds ::1, unless \
                 --allow-bind names all interfaces (0.0.0.0, :: or *)"
                .to_string(),
        });
        lines.push(
            "ports below 1024 are privileged and refused unless an --allow-bind rule \
             names the port"
                .to_string(),
        );
        if !self.reserved.is_empty() || !self.reserved_ranges.is_empty() {
            let used: Vec<String> = self
                .reserved
                .iter()
                .map(|(p, users)| format!("{p} ({})", users.join(", ")))
                .chain(
                    self.reserved_ranges
                        .iter()
                        .map(|(r, what)| format!("{r} ({what})")),
                )
                .collect();
            lines.push(format!("ports used by the relay: {}", used.join(", ")));
        }
        lines
    }
}

/// Port test for bind rules: port 0 (a free port the kernel picks) matches only a
/// rule without a port range; privileged ports are handled before this.
fn bind_port_ok(rule: &Rule, port: u16) -> bool {
    if port == 0 {
        rule.ports().is_none()
    } else {
        rule.matches_port(port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn rules(list: &[&str]) -> Vec<Rule> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn default_policy() -> Policy {
        Policy::new(vec![], vec![], None)
    }

    fn connect(p: &Policy, host: &str, addr: &str) -> Result<SocketAddr, Denial> {
        p.check_connect(host, sa(addr))
    }

    // ---- connect -------------------------------------------------------------

    #[test]
    fn connect_defaults_allow_loopback_on_any_port() {
        let p = default_policy();
        for a in [
            "127.0.0.1:20007",
            "127.0.0.1:1",
            "127.255.0.9:65535",
            "[::1]:22",
        ] {
            assert_eq!(connect(&p, "", a), Ok(sa(a)), "{a}");
        }
        assert_eq!(
            connect(&p, "localhost", "127.0.0.1:80"),
            Ok(sa("127.0.0.1:80"))
        );
    }

    #[test]
    fn connect_outside_defaults_is_denied_with_the_flag_to_use() {
        let p = default_policy();
        let Denial(msg) = connect(&p, "10.0.0.5", "10.0.0.5:22").unwrap_err();
        assert_eq!(
            msg,
            "connect to 10.0.0.5:22 is outside the allowed targets (loopback 127.0.0.0/8, \
             ::1); start the relay with --allow-connect 10.0.0.5:22 to permit it"
        );
        let Denial(msg) = connect(&p, "", "[2001:db8::1]:443").unwrap_err();
        assert!(msg.contains("--allow-connect [2001:db8::1]:443"), "{msg}");
        let Denial(msg) = connect(&p, "example.org", "192.0.2.7:80").unwrap_err();
        assert!(
            msg.contains("connect to example.org:80 (192.0.2.7)"),
            "{msg}"
        );
        assert!(msg.contains("--allow-connect example.org:80"), "{msg}");
    }

    #[test]
    fn connect_extra_rules_add_to_defaults() {
        let p = Policy::new(
            rules(&["10.0.0.0/8:22", "example.org:80-443"]),
            vec![],
            None,
        );
        assert!(connect(&p, "", "10.1.2.3:22").is_ok());
        assert!(connect(&p, "", "10.1.2.3:23").is_err());
        assert!(connect(&p, "", "11.0.0.1:22").is_err());
        assert!(connect(&p, "", "127.0.0.1:5").is_ok(), "defaults kept");
        // Host rules match the name used, case-insensitively, whatever it resolved to.
        assert!(connect(&p, "Example.ORG", "192.0.2.7:443").is_ok());
        assert!(connect(&p, "example.org", "192.0.2.7:8080").is_err());
        assert!(connect(&p, "www.example.org", "192.0.2.7:80").is_err());
        let Denial(msg) = connect(&p, "", "10.0.0.1:80").unwrap_err();
        assert!(
            msg.contains("(loopback 127.0.0.0/8, ::1; 10.0.0.0/8:22, example.org:80-443)"),
            "{msg}"
        );
    }

    #[test]
    fn connect_override_replaces_defaults() {
        let p = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"])));
        assert!(connect(&p, "", "127.0.0.1:20007").is_ok());
        let Denial(msg) = connect(&p, "", "127.0.0.2:20007").unwrap_err();
        assert!(msg.contains("(127.0.0.1)"), "{msg}");
        assert!(msg.contains("--allow-connect 127.0.0.2:20007"), "{msg}");
        assert!(connect(&p, "", "[::1]:20007").is_err());

        let none = Policy::new(vec![], vec![], Some(vec![]));
        let Denial(msg) = connect(&none, "", "127.0.0.1:1").unwrap_err();
        assert!(msg.contains("(none)"), "{msg}");

        let plus = Policy::new(rules(&["127.0.0.3"]), vec![], Some(vec![]));
        assert!(connect(&plus, "", "127.0.0.3:1").is_ok());
    }

    #[test]
    fn connect_special_ranges_are_denied_even_by_catch_all_rules() {
        let open = Policy::new(rules(&["*", "0.0.0.0/0", "::/0"]), vec![], None);
        for (a, kind) in [
            ("169.254.1.1:80", "link-local"),
            ("[fe80::1]:80", "link-local"),
            ("169.254.169.254:80", "link-local / cloud metadata"),
            ("[fd00:ec2::254]:80", "cloud metadata"),
            ("100.100.100.200:80", "cloud metadata"),
            ("224.0.0.1:5353", "multicast"),
            ("239.1.2.3:9", "multicast"),
            ("[ff02::1]:9", "multicast"),
            ("255.255.255.255:9", "broadcast"),
            ("0.0.0.0:80", "unspecified"),
            ("[::]:80", "unspecified"),
            // IPv4-mapped IPv6 forms are the IPv4 address.
            ("[::ffff:169.254.169.254]:80", "link-local / cloud metadata"),
            ("[::ffff:a9fe:a9fe]:80", "link-local / cloud metadata"),
            ("[::ffff:100.100.100.200]:80", "cloud metadata"),
            ("[::ffff:224.0.0.1]:80", "multicast"),
            ("[::ffff:255.255.255.255]:80", "broadcast"),
            ("[::ffff:0.0.0.0]:80", "unspecified"),
            // NAT64 forms reach the IPv4 address through a gateway.
            ("[64:ff9b::a9fe:a9fe]:80", "link-local / cloud metadata"),
        ] {
            for p in [&default_policy(), &open] {
                let Denial(msg) = connect(p, "", a).expect_err(a);
                assert!(
                    msg.contains(&format!("is denied: {kind} addresses are blocked unless a --allow-connect rule names them")),
                    "{a}: {msg}"
                );
            }
            // A host-name rule never names a special address (DNS can point a
            // name anywhere).
            let by_name = Policy::new(rules(&["metadata.example"]), vec![], None);
            assert!(connect(&by_name, "metadata.example", a).is_err(), "{a}");
        }
        let Denial(msg) = connect(&default_policy(), "", "169.254.169.254:80").unwrap_err();
        assert!(
            msg.starts_with(
                "connect to 169.254.169.254:80 is denied: link-local / cloud metadata \
                 addresses are blocked unless a --allow-connect rule names them"
            ),
            "{msg}"
        );
        assert!(msg.contains("--allow-connect 169.254.169.254:80"), "{msg}");
    }

    #[test]
    fn a_rule_inside_a_special_range_names_it() {
        let exact = Policy::new(rules(&["169.254.169.254"]), vec![], None);
        assert!(connect(&exact, "", "169.254.169.254:80").is_ok());
        assert_eq!(
            connect(&exact, "", "[::ffff:169.254.169.254]:80"),
            Ok(sa("[::ffff:169.254.169.254]:80"))
        );
        assert!(connect(&exact, "", "169.254.1.1:80").is_err());

        let link = Policy::new(rules(&["169.254.0.0/16:80"]), vec![], None);
        assert!(connect(&link, "", "169.254.169.254:80").is_ok());
        assert!(connect(&link, "", "169.254.7.7:80").is_ok());
        assert!(
            connect(&link, "", "169.254.7.7:81").is_err(),
            "port must match"
        );

        for (rule, addr) in [
            ("fe80::/10", "[fe80::1]:80"),
            ("fd00:ec2::254", "[fd00:ec2::254]:80"),
            ("100.100.100.200:80", "100.100.100.200:80"),
            ("224.0.0.0/4", "224.0.0.251:5353"),
            ("ff02::1", "[ff02::1]:9"),
            ("255.255.255.255", "255.255.255.255:9"),
            ("0.0.0.0", "0.0.0.0:80"),
            ("::", "[::]:80"),
            ("[::ffff:169.254.169.254]:80", "169.254.169.254:80"),
            ("64:ff9b::a9fe:a9fe", "[64:ff9b::a9fe:a9fe]:80"),
        ] {
            let p = Policy::new(rules(&[rule]), vec![], None);
            assert!(connect(&p, "", addr).is_ok(), "{rule} names {addr}");
        }

        // A wider network that merely contains the range does not name it.
        for rule in [
            "169.0.0.0/8",
            "fd00::/8",
            "100.64.0.0/10",
            "224.0.0.0/3",
            "::/0",
        ] {
            let p = Policy::new(rules(&[rule]), vec![], None);
            for addr in [
                "169.254.169.254:80",
                "[fd00:ec2::254]:80",
                "100.100.100.200:80",
                "224.0.0.1:80",
                "[::]:80",
            ] {
                assert!(
                    connect(&p, "", addr).is_err(),
                    "{rule} must not name {addr}"
                );
            }
        }
        // ...while ordinary addresses in it are allowed.
        let p = Policy::new(rules(&["fd00::/8", "100.64.0.0/10"]), vec![], None);
        assert!(connect(&p, "", "[fd00:ec2::253]:80").is_ok());
        assert!(connect(&p, "", "100.100.100.201:80").is_ok());
    }

    #[test]
    fn connect_normalises_ipv4_mapped_addresses() {
        let p = default_policy();
        assert_eq!(
            connect(&p, "", "[::ffff:127.0.0.1]:20007"),
            Ok(sa("[::ffff:127.0.0.1]:20007"))
        );
        let Denial(msg) = connect(&p, "", "[::ffff:10.0.0.5]:22").unwrap_err();
        assert!(
            msg.starts_with("connect to 10.0.0.5:22 is outside"),
            "{msg}"
        );
        let only = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"])));
        assert!(connect(&only, "", "[::ffff:127.0.0.2]:80").is_err());
        // An IPv6 rule does not match the IPv4 address behind a mapped one.
        let v6 = Policy::new(rules(&["::ffff:0:0/96"]), vec![], Some(vec![]));
        assert_eq!(
            connect(&v6, "", "[::ffff:10.0.0.1]:80"),
            Ok(sa("[::ffff:10.0.0.1]:80")),
            "::ffff:0:0/96 is the mapped form of 0.0.0.0/0"
        );
    }

    #[test]
    fn connect_to_port_zero_is_denied() {
        let p = Policy::new(rules(&["*"]), vec![], None);
        let Denial(msg) = connect(&p, "", "127.0.0.1:0").unwrap_err();
        assert!(msg.contains("port 0"), "{msg}");
    }

    // ---- bind ----------------------------------------------------------------

    #[test]
    fn bind_defaults_allow_loopback_unprivileged_ports_and_zero() {
        let p = default_policy();
        for a in [
            "127.0.0.1:1024",
            "127.0.0.1:1051",
            "127.0.0.1:20178",
            "127.0.0.1:65535",
            "127.0.0.1:0",
            "127.3.4.5:5000",
            "[::1]:20178",
            "[::1]:0",
        ] {
            assert_eq!(p.check_bind(sa(a)), Ok(sa(a)), "{a}");
        }
        let Denial(msg) = p.check_bind(sa("192.168.1.5:20178")).unwrap_err();
        assert_eq!(
            msg,
            "bind to 192.168.1.5:20178 is outside the allowed local addresses (loopback \
             127.0.0.0/8, ::1); start the relay with --allow-bind 192.168.1.5:20178 to \
             permit it"
        );
        let Denial(msg) = p.check_bind(sa("192.168.1.5:0")).unwrap_err();
        assert!(msg.contains("--allow-bind 192.168.1.5 to"), "{msg}");
    }

    #[test]
    fn bind_privileged_ports_are_explained() {
        let p = default_policy();
        for a in [
            "127.0.0.1:1",
            "127.0.0.1:80",
            "127.0.0.1:1023",
            "[::1]:22",
            "0.0.0.0:80",
        ] {
            let Denial(msg) = p.check_bind(sa(a)).expect_err(a);
            assert!(
                msg.contains(
                    "ports below 1024 are privileged: only root may bind them on a real \
                     system, and the relay refuses them; pick a port from 1024 to 65535, \
                     e.g. 20178"
                ),
                "{a}: {msg}"
            );
        }
        // Only a rule that names the port permits it.
        let wide = Policy::new(vec![], rules(&["*"]), None);
        assert!(wide.check_bind(sa("127.0.0.1:80")).is_err());
        let named = Policy::new(vec![], rules(&["127.0.0.1:80"]), None);
        assert_eq!(named.check_bind(sa("127.0.0.1:80")), Ok(sa("127.0.0.1:80")));
        assert!(named.check_bind(sa("127.0.0.1:81")).is_err());
    }

    #[test]
    fn bind_reserved_ports_name_their_user() {
        let mut p = default_policy();
        p.reserve_port(20007, "tcp_echo lab");
        p.reserve_port(20007, "udp_echo lab");
        p.reserve_port(20007, "tcp_echo lab");
        p.reserve_port(8080, "web server");
        p.reserve_port(0, "nothing");
        let Denial(msg) = p.check_bind(sa("127.0.0.1:20007")).unwrap_err();
        assert_eq!(
            msg,
            "bind to 127.0.0.1:20007 is denied: port 20007 is used by the relay's \
             tcp_echo lab and the relay's udp_echo lab; pick another port"
        );
        let Denial(msg) = p.check_bind(sa("[::1]:8080")).unwrap_err();
        assert!(
            msg.contains("port 8080 is used by the relay's web server; pick another port"),
            "{msg}"
        );
        assert!(p.check_bind(sa("0.0.0.0:8080")).is_err());
        assert!(
            p.check_bind(sa("127.0.0.1:0")).is_ok(),
            "port 0 is never reserved"
        );
        assert!(p.check_bind(sa("127.0.0.1:20008")).is_ok());
        // Even a rule naming the port does not free it.
        let mut q = Policy::new(vec![], rules(&["*:20007"]), None);
        q.reserve_port(20007, "tcp_echo lab");
        assert!(q.check_bind(sa("127.0.0.1:20007")).is_err());
    }

    #[test]
    fn bind_unspecified_maps_to_loopback_unless_named() {
        let p = default_policy();
        assert_eq!(p.check_bind(sa("0.0.0.0:20178")), Ok(sa("127.0.0.1:20178")));
        assert_eq!(p.check_bind(sa("0.0.0.0:0")), Ok(sa("127.0.0.1:0")));
        assert_eq!(p.check_bind(sa("[::]:20178")), Ok(sa("[::1]:20178")));
        assert_eq!(
            p.check_bind(sa("[::ffff:0.0.0.0]:20178")),
            Ok(sa("[::ffff:127.0.0.1]:20178"))
        );
        assert!(p.check_bind(sa("[::ffff:127.0.0.1]:80")).is_err());
        assert!(p.check_bind(sa("[::ffff:192.168.1.5]:20178")).is_err());

        let all = Policy::new(vec![], rules(&["*"]), None);
        assert_eq!(all.check_bind(sa("0.0.0.0:20178")), Ok(sa("0.0.0.0:20178")));
        assert_eq!(all.check_bind(sa("[::]:0")), Ok(sa("[::]:0")));
        assert_eq!(
            all.check_bind(sa("192.168.1.5:5000")),
            Ok(sa("192.168.1.5:5000"))
        );

        let v4 = Policy::new(vec![], rules(&["0.0.0.0"]), None);
        assert_eq!(v4.check_bind(sa("0.0.0.0:20178")), Ok(sa("0.0.0.0:20178")));
        assert_eq!(v4.check_bind(sa("[::]:20178")), Ok(sa("[::1]:20178")));
        assert!(v4.check_bind(sa("192.168.1.5:5000")).is_err());

        // A rule that names the unspecified address for some ports only.
        let ranged = Policy::new(vec![], rules(&["0.0.0.0:8000-9000"]), None);
        assert_eq!(
            ranged.check_bind(sa("0.0.0.0:8500")),
            Ok(sa("0.0.0.0:8500"))
        );
        assert_eq!(
            ranged.check_bind(sa("0.0.0.0:20178")),
            Ok(sa("127.0.0.1:20178"))
        );
        assert_eq!(ranged.check_bind(sa("0.0.0.0:0")), Ok(sa("127.0.0.1:0")));
    }

    #[test]
    fn bind_extra_rules_add_to_defaults() {
        let p = Policy::new(
            vec![],
            rules(&["192.168.1.0/24:8000-9000", "fd00::/8"]),
            None,
        );
        assert!(p.check_bind(sa("192.168.1.5:8000")).is_ok());
        assert!(p.check_bind(sa("192.168.1.5:9001")).is_err());
        assert!(
            p.check_bind(sa("192.168.1.5:0")).is_err(),
            "port 0 could land outside the range"
        );
        assert!(p.check_bind(sa("[fd00::5]:0")).is_ok());
        assert!(p.check_bind(sa("127.0.0.1:20178")).is_ok(), "defaults kept");
        // Host rules never match a bind (bind checks addresses).
        let named = Policy::new(vec![], rules(&["myhost.example"]), None);
        assert!(named.check_bind(sa("192.168.1.5:5000")).is_err());
    }

    #[test]
    fn bind_reserved_ranges_name_their_user() {
        let mut p = default_policy();
        p.reserve_range(21000, 21099, "ftp lab passive ports");
        for a in [
            "127.0.0.1:21000",
            "127.0.0.1:21050",
            "[::1]:21099",
            "0.0.0.0:21001",
        ] {
            assert!(p.check_bind(sa(a)).is_err(), "{a}");
        }
        let Denial(msg) = p.check_bind(sa("127.0.0.1:21050")).unwrap_err();
        assert_eq!(
            msg,
            "bind to 127.0.0.1:21050 is denied: port 21050 is used by the relay's ftp \
             lab passive ports 21000-21099; pick another port"
        );
        assert!(p.check_bind(sa("127.0.0.1:20999")).is_ok());
        assert!(p.check_bind(sa("127.0.0.1:21100")).is_ok());
        assert!(
            p.check_bind(sa("127.0.0.1:0")).is_ok(),
            "port 0 is never reserved"
        );
        // A range and a single port on the same port are both named.
        p.reserve_port(21000, "chat lab");
        let Denial(msg) = p.check_bind(sa("127.0.0.1:21000")).unwrap_err();
        assert!(
            msg.contains("the relay's chat lab and the relay's ftp lab passive ports"),
            "{msg}"
        );
        // Port 0 and empty ranges reserve nothing.
        let mut q = default_policy();
        q.reserve_range(0, 0, "nothing");
        q.reserve_range(5000, 4000, "nothing");
        assert!(q.check_bind(sa("127.0.0.1:4500")).is_ok());
        assert!(q.check_bind(sa("127.0.0.1:0")).is_ok());
        assert!(q.summary_bind().iter().all(|l| !l.contains("nothing")));
        assert!(p
            .summary_bind()
            .iter()
            .any(|l| l.contains("21000-21099 (ftp lab passive ports)")));
    }

    // ---- exposed relays --------------------------------------------------------

    fn lab(name: &str, rule: &str) -> (String, Rule) {
        (name.to_string(), rule.parse().unwrap())
    }

    fn exposed(connect_extra: &[&str]) -> Policy {
        let mut p = Policy::new(rules(connect_extra), vec![], None);
        p.expose(vec![
            lab("tcp_echo lab", "127.0.0.1:20007"),
            lab("ftp lab passive ports", "127.0.0.1:21000-21099"),
        ]);
        p
    }

    #[test]
    fn exposed_connect_reaches_only_labs_and_session_sockets() {
        let p = exposed(&[]);
        assert!(p.is_exposed());
        assert!(!default_policy().is_exposed());
        assert_eq!(
            connect(&p, "", "127.0.0.1:20007"),
            Ok(sa("127.0.0.1:20007"))
        );
        assert!(connect(&p, "localhost", "127.0.0.1:21042").is_ok());
        for a in [
            "127.0.0.1:22",
            "127.0.0.1:6379",
            "127.0.0.2:20007",
            "[::1]:631",
        ] {
            let Denial(msg) = connect(&p, "", a).expect_err(a);
            assert!(
                msg.starts_with("PermissionError: [Errno 13] Permission denied: connect to "),
                "{a}: {msg}"
            );
        }
        let Denial(msg) = connect(&p, "", "127.0.0.1:22").unwrap_err();
        assert_eq!(
            msg,
            "PermissionError: [Errno 13] Permission denied: connect to 127.0.0.1:22: \
             this relay is shared on the network, so it only lets you connect to its \
             labs and to sockets bound in this relay (labs: tcp_echo lab \
             127.0.0.1:20007, ftp lab passive ports 127.0.0.1:21000-21099; loopback \
             sockets bound in this relay); the host can allow more by starting the \
             relay with --allow-connect 127.0.0.1:22"
        );

        // A port bound by a session is reachable while the socket holds it.
        let lease = p.bound_ports().lease(sa("127.0.0.1:40000"));
        assert!(connect(&p, "", "127.0.0.1:40000").is_ok());
        assert_eq!(
            connect(&p, "", "[::ffff:127.0.0.1]:40000"),
            Ok(sa("[::ffff:127.0.0.1]:40000"))
        );
        assert!(connect(&p, "", "127.0.0.1:40001").is_err());
        drop(lease);
        assert!(
            connect(&p, "", "127.0.0.1:40000").is_err(),
            "released on drop"
        );

        // Clones (one per session task) share the registry.
        let clone = p.clone();
        let _held = p.bound_ports().lease(sa("[::1]:40002"));
        assert!(connect(&clone, "", "[::1]:40002").is_ok());

        // A loopback relay does not need the registry: every loopback port is open.
        assert!(connect(&default_policy(), "", "127.0.0.1:22").is_ok());
    }

    #[test]
    fn exposed_connect_keeps_flag_rules_and_special_ranges() {
        let p = exposed(&["10.0.0.0/8:22", "127.0.0.1:6379"]);
        assert!(connect(&p, "", "10.1.2.3:22").is_ok());
        assert!(connect(&p, "", "127.0.0.1:6379").is_ok());
        let Denial(msg) = connect(&p, "", "10.1.2.3:23").unwrap_err();
        assert!(
            msg.contains(
                "loopback sockets bound in this relay; --allow-connect \
                 10.0.0.0/8:22, 127.0.0.1:6379)"
            ),
            "{msg}"
        );
        assert!(msg.ends_with("--allow-connect 10.1.2.3:23"), "{msg}");
        let Denial(msg) = connect(&p, "", "169.254.169.254:80").unwrap_err();
        assert!(msg.contains("cloud metadata"), "{msg}");
        let Denial(msg) = connect(&p, "", "127.0.0.1:0").unwrap_err();
        assert!(msg.contains("port 0"), "{msg}");

        let mut none = Policy::new(vec![], vec![], None);
        none.expose(vec![]);
        let Denial(msg) = connect(&none, "", "127.0.0.1:20007").unwrap_err();
        assert!(
            msg.contains("(no labs run; loopback sockets bound"),
            "{msg}"
        );
    }

    fn cases() -> u32 {
        crate::test_support::proptest_cases(128)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(cases()))]

        /// On an exposed relay a loopback target is allowed exactly when it is a
        /// lab's or a session socket holds it; a loopback relay allows them all.
        #[test]
        fn exposed_loopback_connects_are_labs_or_held_sockets(
            last in 0u8..4,
            port in 1u16..,
            held in proptest::collection::vec((0u8..4, 1u16..), 0..6),
            pick in proptest::option::of(0usize..6),
            lab_port in proptest::sample::select(vec![20007u16, 21000, 21050, 21099, 21100]),
            use_lab in proptest::bool::ANY,
        ) {
            let p = exposed(&[]);
            let leases: Vec<PortLease> = held
                .iter()
                .filter_map(|(l, port)| {
                    p.bound_ports().lease(SocketAddr::from(([127, 0, 0, *l], *port)))
                })
                .collect();
            let port = if use_lab { lab_port } else { port };
            let target = match pick {
                Some(i) if !held.is_empty() => {
                    let (l, p) = held.get(i % held.len()).copied().unwrap_or((0, 1));
                    SocketAddr::from(([127, 0, 0, l], p))
                }
                _ => SocketAddr::from(([127, 0, 0, last], port)),
            };
            let port = target.port();
            let lab = target.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST) && (port == 20007 || (21000..=21099).contains(&port));
            let expected = lab || leases.iter().any(|l| l.addr() == target);
            proptest::prop_assert_eq!(p.check_connect("", target).is_ok(), expected);
            proptest::prop_assert!(default_policy().check_connect("", target).is_ok());
        }
    }

    #[test]
    fn exposed_with_a_test_override_uses_only_the_override() {
        let mut p = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1:5"])));
        p.expose(vec![lab("tcp_echo lab", "127.0.0.1:20007")]);
        assert!(connect(&p, "", "127.0.0.1:5").is_ok());
        assert!(connect(&p, "", "127.0.0.1:20007").is_err());
        let _l = p.bound_ports().lease(sa("127.0.0.1:40000"));
        assert!(connect(&p, "", "127.0.0.1:40000").is_err());
        let Denial(msg) = connect(&p, "", "127.0.0.1:6").unwrap_err();
        assert!(
            msg.starts_with("connect to 127.0.0.1:6 is outside"),
            "{msg}"
        );
    }

    #[test]
    fn exposed_summary_describes_the_effective_rules() {
        let c = exposed(&["10.0.0.0/8:22"]).summary_connect();
        assert_eq!(c[0], "127.0.0.1, port 20007 (tcp_echo lab)");
        assert_eq!(c[1], "127.0.0.1, ports 21000-21099 (ftp lab passive ports)");
        assert_eq!(c[2], "10.0.0.0/8, port 22 (--allow-connect 10.0.0.0/8:22)");
        assert_eq!(
            c[3],
            "loopback ports bound by sockets in this relay, while they are open (the \
             relay is shared on the network, so other loopback ports are not reachable; \
             the host widens this with --allow-connect)"
        );
        assert!(c[4].starts_with("blocked unless a --allow-connect rule names them:"));
        assert!(!c.iter().any(|l| l.contains("loopback, default")), "{c:?}");
    }

    // ---- summaries -----------------------------------------------------------

    #[test]
    fn summaries_describe_the_rules() {
        let mut p = Policy::new(rules(&["10.0.0.0/8:22"]), rules(&["*"]), None);
        p.reserve_port(20007, "tcp_echo lab");
        let c = p.summary_connect();
        assert_eq!(c[0], "127.0.0.0/8, any port (loopback, default)");
        assert_eq!(c[1], "::1, any port (loopback, default)");
        assert_eq!(c[2], "10.0.0.0/8, port 22 (--allow-connect 10.0.0.0/8:22)");
        assert!(c[3].starts_with("blocked unless a --allow-connect rule names them:"));
        assert!(c[3].contains("169.254.169.254"), "{}", c[3]);
        assert!(c[3].contains("broadcast 255.255.255.255"), "{}", c[3]);

        let b = p.summary_bind();
        assert_eq!(
            b[0],
            "127.0.0.0/8, ports 1024-65535 or 0 (loopback, default)"
        );
        assert_eq!(b[2], "any address, any port (--allow-bind *)");
        assert_eq!(b[3], "\"\", 0.0.0.0 and :: bind all interfaces");
        assert!(b.iter().any(|l| l.contains("below 1024")));
        assert!(b.iter().any(|l| l.contains("20007 (tcp_echo lab)")));

        let d = default_policy().summary_bind();
        assert!(
            d.iter().any(|l| l.contains("0.0.0.0 bind 127.0.0.1")),
            "{d:?}"
        );

        let o = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"]))).summary_connect();
        assert_eq!(o[0], "127.0.0.1, any port (test override)");
    }

    #[test]
    fn denial_displays_its_message() {
        assert_eq!(Denial("x".into()).to_string(), "x");
    }
}
