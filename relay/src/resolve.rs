//! Address resolution the safe way: resolve the name once, check every resolved
//! address against the policy, and hand back the checked address to use — there
//! is no second lookup (which is what DNS rebinding attacks rely on).
//!
//! With port spaces (`port_space.rs`), the checked address of a loopback
//! connect is the real address behind the session's virtual one.
//!
//! Owns Python's host conventions (`""`, `"localhost"`, `"<broadcast>"`, literals)
//! and the `gaierror` cases. Policy rules themselves live in `policy.rs` and `policy/`.

use crate::policy::Policy;
use shared::{codes, ErrorBody, Family, SockType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What an address is for: decides which policy check applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A TCP connection (`connect`, `http.*`, `ftp.*`).
    Connect,
    /// A UDP `connect` or `sendto`: the connect policy, in UDP's port space.
    Datagram,
    Bind,
}

fn gaierror(errno: i32, message: &str) -> ErrorBody {
    let mut e = ErrorBody::new(codes::GAIERROR, message);
    e.errno = Some(errno);
    e
}

fn family_error() -> ErrorBody {
    gaierror(-9, "Address family for hostname not supported")
}

fn matches_family(ip: &IpAddr, family: Family) -> bool {
    match family {
        Family::AfInet6 => ip.is_ipv6(),
        _ => ip.is_ipv4(),
    }
}

/// Resolves hosts that need no DNS: literals and Python's special names.
/// `None` means "a real name: resolve it with [`resolve`]".
pub fn literal(host: &str, family: Family) -> Option<Result<IpAddr, ErrorBody>> {
    let ip = match host {
        "" => match family {
            Family::AfInet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        },
        "<broadcast>" => IpAddr::V4(Ipv4Addr::BROADCAST),
        h if h.eq_ignore_ascii_case("localhost") => match family {
            Family::AfInet6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        },
        h => {
            let h = h
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(h);
            h.parse::<IpAddr>().ok()?
        }
    };
    if matches_family(&ip, family) {
        Some(Ok(ip))
    } else {
        Some(Err(family_error()))
    }
}

/// Checks one address against the policy for `purpose`.
pub fn check(
    policy: &Policy,
    purpose: Purpose,
    host: &str,
    addr: SocketAddr,
) -> Result<SocketAddr, ErrorBody> {
    let kind = match purpose {
        Purpose::Bind => return policy.check_bind(addr).map_err(ErrorBody::from),
        Purpose::Connect => SockType::Stream,
        Purpose::Datagram => SockType::Dgram,
    };
    let target = match policy.space() {
        // With port spaces, a loopback target that no shared rule names (labs,
        // --allow-connect) is a virtual address of the session's own space.
        Some(space) if !policy.names_target(host, addr) => space.connect_target(kind, addr)?,
        _ => addr,
    };
    policy.check_connect(host, target).map_err(ErrorBody::from)
}

/// Resolves a host for a literal-or-special name synchronously and checks it.
pub fn resolve_now(
    policy: &Policy,
    purpose: Purpose,
    family: Family,
    host: &str,
    port: u16,
) -> Option<Result<SocketAddr, ErrorBody>> {
    let ip = literal(host, family)?;
    Some(ip.and_then(|ip| check(policy, purpose, host, SocketAddr::new(ip, port))))
}

/// Resolves a name with the system resolver, keeps the addresses of `family`,
/// checks every one of them, and returns the first.
pub async fn resolve(
    policy: &Policy,
    purpose: Purpose,
    family: Family,
    host: &str,
    port: u16,
) -> Result<SocketAddr, ErrorBody> {
    if let Some(r) = resolve_now(policy, purpose, family, host, port) {
        return r;
    }
    if host.len() > 253 || host.chars().any(|c| c.is_control() || c == ' ') {
        return Err(gaierror(-2, "Name or service not known"));
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| gaierror(-2, "Name or service not known"))?
        .filter(|a| matches_family(&a.ip(), family))
        .collect();
    let first = *addrs.first().ok_or_else(family_error)?;
    for a in &addrs {
        check(policy, purpose, host, *a)?;
    }
    check(policy, purpose, host, first)
}
