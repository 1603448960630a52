//! `Denial`: why the policy refused an address, and the wording of every denial.
//! Each names the rule that refused and the flag (`--allow-connect`,
//! `--allow-bind`) that would change the decision.
//!
//! Owns only the text; the decisions belong to `policy/connect.rs` and
//! `policy/bind.rs`. Performs no I/O.

use super::address::flag_form;
use super::{Rule, Source};
use std::fmt;
use std::net::SocketAddr;

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

/// The port a denial of a privileged port suggests instead.
const EXAMPLE_PORT: u16 = 20178;

impl Denial {
    /// `connect` to port 0.
    pub(super) fn connect_port_zero(addr: SocketAddr) -> Denial {
        Denial(format!(
            "connect to {} is denied: port 0 is not a port a server can listen on \
             (it means \"any free port\" only for bind); use the server's port",
            flag_form(addr)
        ))
    }

    /// `connect` to a special address no rule names; `kinds` is
    /// `link-local / cloud metadata`.
    pub(super) fn connect_special(addr: SocketAddr, kinds: &str) -> Denial {
        Denial(format!(
            "connect to {} is denied: {kinds} addresses are blocked unless a \
             --allow-connect rule names them (e.g. start the relay with \
             --allow-connect {}; * and 0.0.0.0/0 do not name them)",
            flag_form(addr),
            flag_form(addr)
        ))
    }

    /// `connect` from an exposed relay to `what` (`127.0.0.1:22`,
    /// `example.org:80 (192.0.2.7)`), which is neither a lab, a session's socket
    /// nor allowed by a flag; `suggest` is the rule that would allow it.
    pub(super) fn connect_exposed(what: &str, suggest: &str, rules: &[(Rule, Source)]) -> Denial {
        Denial(format!(
            "PermissionError: [Errno 13] Permission denied: connect to {what}: this \
             relay is shared on the network, so it only lets you connect to its labs \
             and to sockets bound in this relay ({}); the host can allow more by \
             starting the relay with --allow-connect {suggest}",
            exposed_targets(rules)
        ))
    }

    /// `connect` to `what` outside the connect `rules`.
    pub(super) fn connect_outside(what: &str, suggest: &str, rules: &[(Rule, Source)]) -> Denial {
        Denial(format!(
            "connect to {what} is outside the allowed targets ({}); start the relay \
             with --allow-connect {suggest} to permit it",
            rule_list(rules)
        ))
    }

    /// `bind` to a port the relay keeps for `users` (`tcp_echo lab`, …).
    pub(super) fn bind_reserved(addr: SocketAddr, users: &[String]) -> Denial {
        let users: Vec<String> = users.iter().map(|u| format!("the relay's {u}")).collect();
        Denial(format!(
            "bind to {} is denied: port {} is used by {}; pick another port",
            flag_form(addr),
            addr.port(),
            users.join(" and ")
        ))
    }

    /// `bind` to a privileged port no rule names.
    pub(super) fn bind_privileged(addr: SocketAddr) -> Denial {
        Denial(format!(
            "bind to {} is denied: ports below 1024 are privileged: only root may \
             bind them on a real system, and the relay refuses them; pick a port \
             from 1024 to 65535, e.g. {EXAMPLE_PORT} (or start the relay with \
             --allow-bind {} to permit it)",
            flag_form(addr),
            flag_form(addr)
        ))
    }

    /// `bind` to `addr` outside the bind `rules`; port 0 suggests the bare
    /// address (a rule with a port would not allow it).
    pub(super) fn bind_outside(addr: SocketAddr, rules: &[(Rule, Source)]) -> Denial {
        let suggest = if addr.port() == 0 {
            addr.ip().to_string()
        } else {
            flag_form(addr)
        };
        Denial(format!(
            "bind to {} is outside the allowed local addresses ({}); start the relay \
             with --allow-bind {suggest} to permit it",
            flag_form(addr),
            rule_list(rules)
        ))
    }
}

/// `loopback 127.0.0.0/8, ::1; 10.0.0.0/8:22` — the rules as a short list.
fn rule_list(rules: &[(Rule, Source)]) -> String {
    let (defaults, others): (Vec<_>, Vec<_>) =
        rules.iter().partition(|(_, s)| *s == Source::Default);
    let mut parts = Vec::new();
    if !defaults.is_empty() {
        parts.push(format!("loopback {}", joined(&defaults)));
    }
    if !others.is_empty() {
        parts.push(joined(&others));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("; ")
    }
}

/// What an exposed relay lets a session reach, for its denials:
/// `labs: tcp_echo lab 127.0.0.1:20007, …; loopback sockets bound in this
/// relay; --allow-connect 10.0.0.0/8:22`.
fn exposed_targets(rules: &[(Rule, Source)]) -> String {
    let labs: Vec<String> = rules
        .iter()
        .filter_map(|(r, s)| match s {
            Source::Lab(name) => Some(format!("{name} {r}")),
            _ => None,
        })
        .collect();
    let flags: Vec<&(Rule, Source)> = rules.iter().filter(|(_, s)| *s == Source::Flag).collect();
    let mut parts = Vec::new();
    if labs.is_empty() {
        parts.push("no labs run".to_string());
    } else {
        parts.push(format!("labs: {}", labs.join(", ")));
    }
    parts.push("loopback sockets bound in this relay".to_string());
    if !flags.is_empty() {
        parts.push(format!("--allow-connect {}", joined(&flags)));
    }
    parts.join("; ")
}

/// The rules in flag syntax, comma separated.
fn joined(rules: &[&(Rule, Source)]) -> String {
    let texts: Vec<String> = rules.iter().map(|(r, _)| r.to_string()).collect();
    texts.join(", ")
}
