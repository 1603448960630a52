//! The relay's pure allow/deny decisions: which addresses a learner may `connect`
//! to and `bind`, and which pages may open the WebSocket (`OriginPolicy`).
//!
//! Owns the defaults of docs/architecture.md "Security stance" and "Lab servers":
//! this file holds `Policy` (its rules, reserved ports and public API); the
//! decisions live in `policy/connect.rs` and `policy/bind.rs`, the wording of every
//! denial (each names the rule and the flag that changes it) in `policy/denial.rs`,
//! the `hello` summaries in `policy/summary.rs`.
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

mod address;
mod bind;
mod bound;
mod connect;
mod denial;
mod origin;
mod rule;
mod special;
mod summary;

pub(crate) use bound::{canonical, unspecified_like};
pub use bound::{BoundPorts, PortLease};
pub use denial::Denial;
pub use origin::{normalize_origin, OriginPolicy};
pub use rule::{Ports, Rule, Target, RULE_SYNTAX};

use crate::port_space::PortSpace;
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

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
    /// A session's own port space (`--port-spaces`): set only on the copy of
    /// the policy a session gets from [`Policy::for_session`].
    space: Option<Arc<PortSpace>>,
}

/// The loopback defaults, each marked [`Source::Default`].
fn loopback_defaults() -> Vec<(Rule, Source)> {
    let v4 = IpNet::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8)
        .map(|n| Rule::net(n, None))
        .unwrap_or_else(|_| Rule::ip(IpAddr::V4(Ipv4Addr::LOCALHOST), None));
    vec![
        (v4, Source::Default),
        (
            Rule::ip(IpAddr::V6(Ipv6Addr::LOCALHOST), None),
            Source::Default,
        ),
    ]
}

/// `rules`, each marked with `source`.
fn marked(rules: Vec<Rule>, source: &Source) -> impl Iterator<Item = (Rule, Source)> + '_ {
    rules.into_iter().map(move |r| (r, source.clone()))
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
            Some(rules) => marked(rules, &Source::Override).collect(),
            None => loopback_defaults(),
        };
        connect.extend(marked(connect_extra, &Source::Flag));
        let mut bind = loopback_defaults();
        bind.extend(marked(bind_extra, &Source::Flag));
        Policy {
            connect,
            bind,
            reserved: BTreeMap::new(),
            reserved_ranges: Vec::new(),
            exposed: false,
            bound: Arc::new(BoundPorts::default()),
            space: None,
        }
    }

    /// The policy one session uses: this one, with a port space of its own when
    /// `port_spaces` is on (docs/class-hosting.md, "Port spaces"). Then the
    /// session's loopback connects go through its space, and "sockets bound in
    /// this relay" (an exposed relay's connect default) means *this session's*.
    pub fn for_session(self: &Arc<Self>, port_spaces: bool) -> Arc<Policy> {
        if !port_spaces {
            return Arc::clone(self);
        }
        let mut own = Policy::clone(self);
        own.space = Some(Arc::new(PortSpace::default()));
        Arc::new(own)
    }

    /// The session's port space, when port spaces are on.
    pub fn space(&self) -> Option<&Arc<PortSpace>> {
        self.space.as_ref()
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

    /// For a loopback relay with port spaces: the labs (as in [`Policy::expose`])
    /// are shared targets that bypass each session's port space; the loopback
    /// defaults stay.
    pub fn share_labs(&mut self, labs: Vec<(String, Rule)>) {
        let mut connect: Vec<(Rule, Source)> = labs
            .into_iter()
            .map(|(name, r)| (r, Source::Lab(name)))
            .collect();
        connect.append(&mut self.connect);
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

    /// Does a test override replace every connect default?
    fn overridden(&self) -> bool {
        self.connect.iter().any(|(_, s)| *s == Source::Override)
    }

    /// Is this an exposed relay whose defaults are its labs and its sessions'
    /// sockets (no test override)?
    fn exposed_defaults(&self) -> bool {
        self.exposed && !self.overridden()
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
        address::in_asked_form(addr, |a| self.connect_checked(host, a))
    }

    /// May the session bind `addr`? `Ok` holds the address to really bind:
    /// `0.0.0.0` / `::` become `127.0.0.1` / `::1` unless a rule names the
    /// unspecified address for this port. An IPv4-mapped IPv6 address is checked
    /// as IPv4 and returned in mapped form (`::ffff:0.0.0.0` → `::ffff:127.0.0.1`).
    /// Port 0 asks the kernel for a free port and is allowed by any rule without a
    /// port range.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        address::in_asked_form(addr, |a| self.bind_checked(a))
    }
}

#[cfg(test)]
mod tests;
