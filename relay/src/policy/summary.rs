//! The policy in words for `hello.policy` (docs/protocol.md "hello"): what a session may
//! connect to and bind, where each rule came from, the special ranges and the
//! ports the relay keeps.
//!
//! Owns only these summaries; the decisions they describe belong to
//! `policy/connect.rs` and `policy/bind.rs`. Performs no I/O.

use super::{special, Policy, Source};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl Policy {
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
        if self.space.is_some() {
            lines.push(
                "your own loopback ports: each session has its own port space, so a \
                 port your session bound is yours alone, and a loopback port it did not \
                 bind refuses connections"
                    .to_string(),
            );
        } else if self.exposed_defaults() {
            lines.push(
                "loopback ports bound by sockets in this relay, while they are open \
                 (the relay is shared on the network, so other loopback ports are not \
                 reachable; the host widens this with --allow-connect)"
                    .to_string(),
            );
        } else if self.connect.is_empty() {
            lines.push("no connect targets are allowed".to_string());
        }
        lines.push(format!(
            "blocked unless a --allow-connect rule names them: {}",
            special_ranges()
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
        let binds_all = |ip: IpAddr| self.bind.iter().any(|(r, _)| r.matches_ip(ip));
        let all4 = binds_all(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let all6 = binds_all(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
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

/// `link-local 169.254.0.0/16, fe80::/10; cloud metadata 169.254.169.254, …`:
/// the special ranges grouped by kind, in table order.
fn special_ranges() -> String {
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
    blocked.join("; ")
}
