//! The `connect` decision: port 0 is refused, a special address (link-local,
//! cloud metadata, multicast, broadcast, unspecified) needs a rule that *names* it,
//! every other address needs a rule that matches it or, on an exposed relay, a
//! session's socket that holds it (docs/architecture.md "Security stance").
//!
//! Owns only the decision on an address without IPv4-mapped form;
//! [`Policy::check_connect`] is the entry point and `policy/denial.rs` words the
//! refusals. Performs no I/O: the caller resolved `host` already.

use super::address::{flag_form, is_host_name};
use super::{denial, special, Denial, Policy, Source};
use std::net::SocketAddr;

impl Policy {
    /// `check_connect` for an address without IPv4-mapped form.
    pub(super) fn connect_checked(
        &self,
        host: &str,
        addr: SocketAddr,
    ) -> Result<SocketAddr, Denial> {
        let (ip, port) = (addr.ip(), addr.port());
        if port == 0 {
            return Err(Denial::connect_port_zero(addr));
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
            return Err(Denial::connect_special(addr, &special::kinds(&special)));
        }
        let allowed = self
            .connect
            .iter()
            .any(|(r, _)| r.matches_port(port) && (r.matches_ip(ip) || r.matches_host(host)));
        if allowed || self.reaches_session_socket(addr) {
            return Ok(addr);
        }
        let host = host.trim();
        let (what, suggest) = if is_host_name(host) {
            (
                format!("{host}:{port} ({ip})"),
                format!("{}:{port}", host.trim_end_matches('.')),
            )
        } else {
            (flag_form(addr), flag_form(addr))
        };
        if self.exposed_defaults() {
            let own = match self.space {
                Some(_) => denial::OWN_SOCKETS,
                None => denial::SOCKETS_IN_RELAY,
            };
            return Err(Denial::connect_exposed(&what, &suggest, &self.connect, own));
        }
        Err(Denial::connect_outside(&what, &suggest, &self.connect))
    }

    /// May an exposed relay's session reach `addr` because one of its sockets
    /// holds it? With port spaces, only the session's own sockets (and its
    /// voids) count.
    fn reaches_session_socket(&self, addr: SocketAddr) -> bool {
        self.exposed_defaults()
            && match &self.space {
                Some(space) => space.owns(addr),
                None => self.bound.holds(addr),
            }
    }

    /// Does a rule other than the loopback defaults allow `addr` (a lab, the FTP
    /// lab's passive range, `--allow-connect`, a test override)? Such targets
    /// are shared by every session and bypass its port space.
    pub fn names_target(&self, host: &str, addr: SocketAddr) -> bool {
        let ip = addr.ip().to_canonical();
        self.connect.iter().any(|(r, s)| {
            *s != Source::Default
                && r.matches_port(addr.port())
                && (r.matches_ip(ip) || r.matches_host(host))
        })
    }
}
