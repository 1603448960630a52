//! Address forms the policy decisions share: IPv4-mapped IPv6 addresses checked as
//! the IPv4 address they map and handed back in the form they were asked in, the
//! loopback address of a family, and how a learner writes an address after a flag.
//!
//! Owns only these conversions; which addresses are allowed belongs to
//! `policy/connect.rs` and `policy/bind.rs`. Performs no I/O.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Runs `check` on `addr` as a plain address (`::ffff:a.b.c.d` → `a.b.c.d`, so a
/// mapped address cannot dodge a rule) and gives the checked address back its
/// IPv4-mapped IPv6 form when it was asked with that form (an `AF_INET6` socket
/// cannot use a bare IPv4 address).
pub(super) fn in_asked_form<E>(
    addr: SocketAddr,
    check: impl FnOnce(SocketAddr) -> Result<SocketAddr, E>,
) -> Result<SocketAddr, E> {
    let (plain, mapped) = unmapped(addr);
    check(plain).map(|a| if mapped { mapped_form(a) } else { a })
}

/// `::ffff:a.b.c.d` → `a.b.c.d` (and `true`: it was mapped); everything else
/// unchanged.
fn unmapped(addr: SocketAddr) -> (SocketAddr, bool) {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => (SocketAddr::new(IpAddr::V4(v4), v6.port()), true),
            None => (addr, false),
        },
        v4 => (v4, false),
    }
}

/// `a.b.c.d` → `::ffff:a.b.c.d`; an IPv6 address unchanged.
fn mapped_form(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) => SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port()),
        other => other,
    }
}

/// The loopback address of `ip`'s family: `127.0.0.1` or `::1`.
pub(super) fn loopback_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

/// How a learner should write `addr` after a flag: `10.0.0.5:22`, `[::1]:22`.
pub(super) fn flag_form(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// Is `host` (as the learner wrote it) a host name rather than an IP literal or
/// nothing?
pub(super) fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_err()
}
