//! The `bind` decision: the unspecified address becomes loopback unless a rule
//! names it, ports the relay keeps are refused, privileged ports need a rule that
//! names the port, every other address needs a matching rule (docs/architecture.md
//! "Security stance").
//!
//! Owns only the decision on an address without IPv4-mapped form;
//! [`Policy::check_bind`] is the entry point and `policy/denial.rs` words the
//! refusals. Performs no I/O.

use super::address::loopback_of;
use super::{Denial, Policy, Rule};
use std::net::{IpAddr, SocketAddr};

/// The first port an unprivileged process may bind on a real system.
const FIRST_UNPRIVILEGED: u16 = 1024;

impl Policy {
    /// `check_bind` for an address without IPv4-mapped form.
    pub(super) fn bind_checked(&self, mut addr: SocketAddr) -> Result<SocketAddr, Denial> {
        let port = addr.port();
        if addr.ip().is_unspecified() && !self.binds_any(addr.ip(), |r| bind_port_ok(r, port)) {
            addr.set_ip(loopback_of(addr.ip()));
        }
        let ip = addr.ip();
        let users = self.reserved_by(port);
        if !users.is_empty() {
            return Err(Denial::bind_reserved(addr, &users));
        }
        if (1..FIRST_UNPRIVILEGED).contains(&port) {
            if self.binds_any(ip, |r| r.names_port(port)) {
                return Ok(addr);
            }
            return Err(Denial::bind_privileged(addr));
        }
        if self.binds_any(ip, |r| bind_port_ok(r, port)) {
            return Ok(addr);
        }
        Err(Denial::bind_outside(addr, &self.bind))
    }

    /// Does a bind rule that matches `ip` pass `port_ok`?
    fn binds_any(&self, ip: IpAddr, port_ok: impl Fn(&Rule) -> bool) -> bool {
        self.bind
            .iter()
            .any(|(r, _)| r.matches_ip(ip) && port_ok(r))
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
