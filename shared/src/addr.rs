//! `Addr`: a socket address as Python writes it, the two-element array `[host, port]`.
//!
//! Owns only the shape of an address on the wire; resolving names and checking
//! policy belong to the relay.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;

/// `[host, port]`, like Python's address tuple. `host` may be a name, an IPv4 or
/// IPv6 literal, or `""` (all local addresses, for `bind`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Addr(pub String, pub u16);

impl Addr {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Addr(host.into(), port)
    }
    pub fn host(&self) -> &str {
        &self.0
    }
    pub fn port(&self) -> u16 {
        self.1
    }
}

impl From<SocketAddr> for Addr {
    fn from(sa: SocketAddr) -> Self {
        let ip = match sa.ip() {
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => std::net::IpAddr::V4(v4),
                None => std::net::IpAddr::V6(v6),
            },
            v4 => v4,
        };
        Addr(ip.to_string(), sa.port())
    }
}

impl fmt::Display for Addr {
    /// Python's repr of the tuple: `('127.0.0.1', 20007)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "('{}', {})", self.0, self.1)
    }
}
