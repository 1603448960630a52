//! The special address ranges that `connect` refuses unless a rule *names* them:
//! link-local, cloud metadata, multicast, broadcast and unspecified addresses,
//! also in their NAT64 (`64:ff9b::/96`) form.
//!
//! Owns only the table and the "which special ranges hold this address" lookup;
//! the naming rule belongs to `policy/connect.rs`, the denial text to
//! `policy/denial.rs`. Performs no I/O.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One special range and what a learner should read about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Special {
    pub net: IpNet,
    /// `link-local`, `cloud metadata`, `multicast`, `broadcast` or `unspecified`.
    pub what: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, what: &'static str) -> Special {
    Special {
        net: IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)),
        what,
    }
}

const fn v6(addr: Ipv6Addr, prefix: u8, what: &'static str) -> Special {
    Special {
        net: IpNet::V6(Ipv6Net::new_assert(addr, prefix)),
        what,
    }
}

/// Every special range, in the order summaries list them.
pub const SPECIAL: &[Special] = &[
    v4(169, 254, 0, 0, 16, "link-local"),
    v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    v4(169, 254, 169, 254, 32, "cloud metadata"),
    v6(
        Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
        128,
        "cloud metadata",
    ),
    v4(100, 100, 100, 200, 32, "cloud metadata"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v6(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
    v4(255, 255, 255, 255, 32, "broadcast"),
    // 0.0.0.0 reaches the local host on Linux, and so does the rest of 0.0.0.0/8
    // on some kernels: treat the whole "this network" block as unspecified.
    v4(0, 0, 0, 0, 8, "unspecified"),
    v6(Ipv6Addr::UNSPECIFIED, 128, "unspecified"),
];

/// The well-known NAT64 prefix: `64:ff9b::a.b.c.d` reaches `a.b.c.d` through a
/// NAT64 gateway, so it is special when `a.b.c.d` is.
const NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// The special ranges that hold `ip` (already normalised: no IPv4-mapped IPv6),
/// widest first within each kind. For a NAT64 address the ranges are the NAT64
/// images of the IPv4 ranges (`64:ff9b::a9fe:0/112` for link-local).
pub fn ranges_containing(ip: IpAddr) -> Vec<Special> {
    let mut found: Vec<Special> = SPECIAL
        .iter()
        .filter(|s| s.net.contains(&ip))
        .copied()
        .collect();
    if let IpAddr::V6(v6ip) = ip {
        if NAT64.contains(&v6ip) {
            let o = v6ip.octets();
            let embedded = IpAddr::V4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            for s in SPECIAL.iter().filter(|s| s.net.contains(&embedded)) {
                if let IpNet::V4(n) = s.net {
                    let mut bytes = NAT64.addr().octets();
                    bytes[12..].copy_from_slice(&n.addr().octets());
                    if let Ok(image) = Ipv6Net::new(Ipv6Addr::from(bytes), 96 + n.prefix_len()) {
                        found.push(Special {
                            net: IpNet::V6(image),
                            what: s.what,
                        });
                    }
                }
            }
        }
    }
    found
}

/// `link-local / cloud metadata`: the kinds of `ranges`, each once.
pub fn kinds(ranges: &[Special]) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    for s in ranges {
        if !kinds.contains(&s.what) {
            kinds.push(s.what);
        }
    }
    kinds.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_of(ip: &str) -> String {
        kinds(&ranges_containing(ip.parse().unwrap()))
    }

    #[test]
    fn table_is_well_formed() {
        for s in SPECIAL {
            assert_eq!(s.net, s.net.trunc(), "{s:?} has host bits set");
        }
    }

    #[test]
    fn classifies_each_range() {
        assert_eq!(kinds_of("169.254.1.1"), "link-local");
        assert_eq!(kinds_of("fe80::1"), "link-local");
        assert_eq!(kinds_of("febf::1"), "link-local");
        assert_eq!(kinds_of("169.254.169.254"), "link-local / cloud metadata");
        assert_eq!(kinds_of("fd00:ec2::254"), "cloud metadata");
        assert_eq!(kinds_of("100.100.100.200"), "cloud metadata");
        assert_eq!(kinds_of("224.0.0.1"), "multicast");
        assert_eq!(kinds_of("239.255.255.250"), "multicast");
        assert_eq!(kinds_of("ff02::1"), "multicast");
        assert_eq!(kinds_of("255.255.255.255"), "broadcast");
        assert_eq!(kinds_of("0.0.0.0"), "unspecified");
        assert_eq!(kinds_of("::"), "unspecified");
        assert_eq!(
            kinds_of("64:ff9b::a9fe:a9fe"),
            "link-local / cloud metadata"
        );
    }

    #[test]
    fn ordinary_addresses_are_not_special() {
        for ip in [
            "127.0.0.1",
            "::1",
            "10.0.0.5",
            "100.100.100.201",
            "fd00:ec2::253",
            "fec0::1",
            "223.255.255.255",
            "240.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
        ] {
            assert_eq!(kinds_of(ip), "", "{ip}");
        }
    }

    #[test]
    fn nat64_image_is_the_mapped_range() {
        let r = ranges_containing("64:ff9b::a9fe:101".parse().unwrap());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].net, "64:ff9b::a9fe:0/112".parse::<IpNet>().unwrap());
    }
}
