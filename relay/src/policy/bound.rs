//! `BoundPorts`: the loopback addresses that sockets of this relay's sessions hold
//! right now, shared by every session. A relay that listens beyond loopback lets
//! sessions connect to these (and to its labs) instead of to every loopback port.
//!
//! Owns the registry and its leases: a socket takes a [`PortLease`] when the OS
//! binds it (explicitly or implicitly) and the lease's `Drop` gives the address
//! back, so closing a socket or ending a session can never leave a stale entry.
//! It performs no I/O; callers report the address the kernel really bound.

use crate::tally::Tally;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

/// Addresses bound by sessions, with how many live sockets hold each (an address
/// may be held twice, e.g. with `SO_REUSEADDR` on UDP).
#[derive(Debug, Default)]
pub struct BoundPorts {
    held: Mutex<Tally<SocketAddr>>,
}

/// One socket's hold on an address in [`BoundPorts`]; released on drop.
#[derive(Debug)]
pub struct PortLease {
    ports: Arc<BoundPorts>,
    addr: SocketAddr,
}

/// `::ffff:a.b.c.d` → `a.b.c.d`; everything else unchanged.
pub(crate) fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// The unspecified address (`0.0.0.0`, `::`) of `ip`'s family.
pub(crate) fn unspecified_like(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}

impl BoundPorts {
    /// Records that a session socket holds `addr` (the address the kernel bound)
    /// until the returned lease is dropped. Port 0 (nothing bound) gives `None`.
    pub fn lease(self: &Arc<Self>, addr: SocketAddr) -> Option<PortLease> {
        if addr.port() == 0 {
            return None;
        }
        let addr = canonical(addr);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.add(addr);
        Some(PortLease {
            ports: Arc::clone(self),
            addr,
        })
    }

    /// Does a session socket listen at `target`, a loopback address? True when a
    /// socket holds exactly that address, or the unspecified address of its
    /// family (`0.0.0.0`, `::`) on that port. Non-loopback targets are never held.
    pub fn holds(&self, target: SocketAddr) -> bool {
        let target = canonical(target);
        if !target.ip().is_loopback() || target.port() == 0 {
            return false;
        }
        let any = SocketAddr::new(unspecified_like(target.ip()), target.port());
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.holds(&target) || held.holds(&any)
    }

    /// How many addresses are held now (for tests and summaries).
    pub fn len(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// No address is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PortLease {
    /// The address this lease holds (IPv4-mapped addresses as IPv4).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.ports
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .release(&self.addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_lease_holds_its_address_until_dropped() {
        let ports = Arc::new(BoundPorts::default());
        assert!(!ports.holds(sa("127.0.0.1:5000")));
        let lease = ports.lease(sa("127.0.0.1:5000")).expect("lease");
        assert_eq!(lease.addr(), sa("127.0.0.1:5000"));
        assert!(ports.holds(sa("127.0.0.1:5000")));
        assert!(
            !ports.holds(sa("127.0.0.2:5000")),
            "another loopback address"
        );
        assert!(!ports.holds(sa("127.0.0.1:5001")));
        assert!(!ports.holds(sa("[::1]:5000")), "another family");
        drop(lease);
        assert!(!ports.holds(sa("127.0.0.1:5000")));
        assert!(ports.is_empty());
    }

    #[test]
    fn two_leases_on_one_address_release_it_with_the_last() {
        let ports = Arc::new(BoundPorts::default());
        let a = ports.lease(sa("127.0.0.1:5000"));
        let b = ports.lease(sa("127.0.0.1:5000"));
        drop(a);
        assert!(ports.holds(sa("127.0.0.1:5000")));
        drop(b);
        assert!(!ports.holds(sa("127.0.0.1:5000")));
    }

    #[test]
    fn unspecified_binds_are_reached_through_loopback_of_their_family() {
        let ports = Arc::new(BoundPorts::default());
        let _v4 = ports.lease(sa("0.0.0.0:6000"));
        let _v6 = ports.lease(sa("[::]:6001"));
        assert!(ports.holds(sa("127.0.0.1:6000")));
        assert!(ports.holds(sa("127.9.9.9:6000")));
        assert!(!ports.holds(sa("[::1]:6000")));
        assert!(ports.holds(sa("[::1]:6001")));
        assert!(!ports.holds(sa("127.0.0.1:6001")));
        // Non-loopback targets are never held, even for an all-interfaces bind.
        assert!(!ports.holds(sa("192.0.2.1:6000")));
        assert!(!ports.holds(sa("0.0.0.0:6000")));
    }

    #[test]
    fn mapped_addresses_are_their_ipv4_address() {
        let ports = Arc::new(BoundPorts::default());
        let _l = ports.lease(sa("[::ffff:127.0.0.1]:7000"));
        assert!(ports.holds(sa("127.0.0.1:7000")));
        assert!(ports.holds(sa("[::ffff:127.0.0.1]:7000")));
        assert!(
            ports.lease(sa("127.0.0.1:0")).is_none(),
            "port 0 is not bound"
        );
    }

    fn cases() -> u32 {
        crate::test_support::proptest_cases(128)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Whatever order leases are taken and dropped in, the registry holds
        /// exactly the addresses with a live lease.
        #[test]
        fn the_registry_holds_exactly_the_live_leases(
            ops in proptest::collection::vec((any::<bool>(), 1u16..6, 0usize..8), 1..64)
        ) {
            let ports = Arc::new(BoundPorts::default());
            let mut live: Vec<PortLease> = Vec::new();
            for (take, port, pick) in ops {
                if take || live.is_empty() {
                    if let Some(l) = ports.lease(SocketAddr::from(([127, 0, 0, 1], port))) {
                        live.push(l);
                    }
                } else {
                    let i = pick % live.len();
                    live.swap_remove(i);
                }
                for p in 1u16..6 {
                    let a = SocketAddr::from(([127, 0, 0, 1], p));
                    prop_assert_eq!(ports.holds(a), live.iter().any(|l| l.addr() == a));
                }
            }
            drop(live);
            prop_assert!(ports.is_empty());
        }
    }
}
