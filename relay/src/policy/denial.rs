//! `Denial`: why the policy refused an address, and the wording of every denial.
//! Each has two parts: a `message` in the learner's words (what happened, what to
//! do instead; no flags, no rule names) and a `detail` for whoever runs the relay
//! (the rule that refused and the flag — `--allow-connect`, `--allow-bind` — that
//! would change the decision). They become a `not_allowed` error's `message` and
//! `detail`.
//!
//! Owns only the text; the decisions belong to `policy/connect.rs` and
//! `policy/bind.rs`. Performs no I/O.

use super::address::flag_form;
use super::{Rule, Source};
use shared::{codes, ErrorBody};
use std::fmt;
use std::net::SocketAddr;

/// Why the policy refused an address. Becomes a `not_allowed` error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    /// What happened and what the learner can do, in the learner's words.
    pub message: String,
    /// The rule that refused and the flag that would change the decision.
    pub detail: String,
}

impl fmt::Display for Denial {
    /// Both parts, the learner's first: `message [detail]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.detail)
    }
}

impl std::error::Error for Denial {}

impl From<Denial> for ErrorBody {
    fn from(d: Denial) -> ErrorBody {
        ErrorBody::new(codes::NOT_ALLOWED, d.message).with_detail(d.detail)
    }
}

/// The port a denial of a privileged port suggests instead.
const EXAMPLE_PORT: u16 = 20178;

/// What a learner can connect to instead of a refused target.
const CONNECT_INSTEAD: &str =
    "connect to one of the labs (e.g. the TCP echo lab) or to a server you started here";

impl Denial {
    fn new(message: String, detail: String) -> Denial {
        Denial { message, detail }
    }

    /// `connect` to port 0.
    pub(super) fn connect_port_zero(addr: SocketAddr) -> Denial {
        Denial::new(
            format!(
                "connect to {} is denied: port 0 is not a port a server can listen on \
                 (it means \"any free port\" only for bind); use the server's port",
                flag_form(addr)
            ),
            "port 0 is never a connect target; no flag changes this".to_owned(),
        )
    }

    /// `connect` to a special address no rule names; `kinds` is
    /// `link-local / cloud metadata`.
    pub(super) fn connect_special(addr: SocketAddr, kinds: &str) -> Denial {
        Denial::new(
            format!(
                "connect to {} is denied: {kinds} addresses are blocked here, because \
                 they reach things outside the exercises; {CONNECT_INSTEAD}",
                flag_form(addr)
            ),
            format!(
                "{kinds} addresses are blocked unless a --allow-connect rule names \
                 them (e.g. start the relay with --allow-connect {}; * and 0.0.0.0/0 do \
                 not name them)",
                flag_form(addr)
            ),
        )
    }

    /// `connect` from an exposed relay to `what` (`127.0.0.1:22`,
    /// `example.org:80 (192.0.2.7)`), which is neither a lab, a session's socket
    /// nor allowed by a flag; `suggest` is the rule that would allow it.
    /// `own` names the sockets a session may reach besides the labs:
    /// [`SOCKETS_IN_RELAY`], or [`OWN_SOCKETS`] with port spaces.
    pub(super) fn connect_exposed(
        what: &str,
        suggest: &str,
        rules: &[(Rule, Source)],
        own: &str,
    ) -> Denial {
        Denial::new(
            format!(
                "PermissionError: [Errno 13] Permission denied: connect to {what}: this \
                 relay is shared on the network, so it only lets you connect to its labs \
                 and to {own} ({})",
                exposed_targets(rules, own)
            ),
            format!(
                "an exposed relay allows only its labs and {}{}; the \
                 host can allow more by starting the relay with --allow-connect {suggest}",
                if own == SOCKETS_IN_RELAY {
                    "sockets bound in it"
                } else {
                    own
                },
                flag_rules(rules)
            ),
        )
    }

    /// `connect` to `what` outside the connect `rules`.
    pub(super) fn connect_outside(what: &str, suggest: &str, rules: &[(Rule, Source)]) -> Denial {
        Denial::new(
            format!(
                "connect to {what} is outside the addresses this relay may reach; \
                 {CONNECT_INSTEAD}"
            ),
            format!(
                "allowed targets ({}); start the relay with --allow-connect {suggest} to \
                 permit it",
                rule_list(rules)
            ),
        )
    }

    /// `bind` to a port the relay keeps for `users` (`tcp_echo lab`, …).
    pub(super) fn bind_reserved(addr: SocketAddr, users: &[String]) -> Denial {
        let users: Vec<String> = users.iter().map(|u| format!("the relay's {u}")).collect();
        Denial::new(
            format!(
                "bind to {} is denied: port {} is used by {}; pick another port",
                flag_form(addr),
                addr.port(),
                users.join(" and ")
            ),
            "the relay's own port, its labs' ports and the FTP lab's passive ports \
             are never bound by sessions; no flag changes this"
                .to_owned(),
        )
    }

    /// `bind` to a privileged port no rule names.
    pub(super) fn bind_privileged(addr: SocketAddr) -> Denial {
        Denial::new(
            format!(
                "bind to {} is denied: ports below 1024 are privileged: only root may \
                 bind them on a real system; pick a port from 1024 to 65535, e.g. \
                 {EXAMPLE_PORT}",
                flag_form(addr)
            ),
            format!(
                "the relay refuses privileged ports; start the relay with \
                 --allow-bind {} to permit it",
                flag_form(addr)
            ),
        )
    }

    /// `bind` to `addr` outside the bind `rules`; port 0 suggests the bare
    /// address (a rule with a port would not allow it).
    pub(super) fn bind_outside(addr: SocketAddr, rules: &[(Rule, Source)]) -> Denial {
        let suggest = if addr.port() == 0 {
            addr.ip().to_string()
        } else {
            flag_form(addr)
        };
        Denial::new(
            format!(
                "bind to {} is outside the local addresses this relay lets sockets use; \
                 bind 127.0.0.1 (or ::1) instead, with a port from 1024 to 65535",
                flag_form(addr)
            ),
            format!(
                "allowed local addresses ({}); start the relay with --allow-bind {suggest} \
                 to permit it",
                rule_list(rules)
            ),
        )
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

/// What an exposed relay lets a session reach, in the learner's words:
/// `labs: tcp_echo lab 127.0.0.1:20007, …; loopback sockets bound in this relay`.
fn exposed_targets(rules: &[(Rule, Source)], own: &str) -> String {
    let labs: Vec<String> = rules
        .iter()
        .filter_map(|(r, s)| match s {
            Source::Lab(name) => Some(format!("{name} {r}")),
            _ => None,
        })
        .collect();
    let labs = if labs.is_empty() {
        "no labs run".to_string()
    } else {
        format!("labs: {}", labs.join(", "))
    };
    format!("{labs}; loopback {own}")
}

/// What an exposed relay's session may reach besides the labs.
pub(super) const SOCKETS_IN_RELAY: &str = "sockets bound in this relay";
/// The same with port spaces: only the session's own sockets.
pub(super) const OWN_SOCKETS: &str = "the sockets your session bound";

/// `, --allow-connect 10.0.0.0/8:22` — the flag rules of an exposed relay, if any.
fn flag_rules(rules: &[(Rule, Source)]) -> String {
    let flags: Vec<&(Rule, Source)> = rules.iter().filter(|(_, s)| *s == Source::Flag).collect();
    if flags.is_empty() {
        String::new()
    } else {
        format!(", and --allow-connect {}", joined(&flags))
    }
}

/// The rules in flag syntax, comma separated.
fn joined(rules: &[&(Rule, Source)]) -> String {
    let texts: Vec<String> = rules.iter().map(|(r, _)| r.to_string()).collect();
    texts.join(", ")
}
