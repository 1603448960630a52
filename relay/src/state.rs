//! What every session of one relay shares: the configuration, the policy, the
//! running labs' addresses and the session counters that enforce
//! `--max-sessions` and `--max-sessions-per-ip`.
//!
//! Owns admission of sessions (a [`SessionPermit`] held for a session's life)
//! and what counts as one client ([`ClientKey`]: an IPv4 address, or an IPv6
//! /64, since one IPv6 host usually holds a whole /64); it never touches a
//! session's handles.

use crate::config::Config;
use crate::policy::{OriginPolicy, Policy};
use crate::tally::Tally;
use shared::{Addr, Health, Hello, Limits, PolicySummary, RelayInfo, PROTOCOL_VERSION};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

pub struct RelayState {
    pub config: Config,
    pub policy: Arc<Policy>,
    pub origin: OriginPolicy,
    pub labs: BTreeMap<String, SocketAddr>,
    counts: Mutex<Counts>,
    next_session: AtomicU64,
    started: std::time::Instant,
    /// Becomes `true` when the relay shuts down; sessions close with 1001.
    pub shutdown: watch::Receiver<bool>,
    /// Every open session's counters, for `/status` and `/metrics`.
    pub registry: Arc<crate::status::Registry>,
    /// Set while the relay drains (SIGTERM).
    pub drain: crate::drain::Drain,
}

#[derive(Default)]
struct Counts {
    total: u32,
    per_client: Tally<ClientKey>,
}

/// One client for `--max-sessions-per-ip` and `/healthz` `clients`: an IPv4
/// address (IPv4-mapped IPv6 `::ffff:a.b.c.d` counts as `a.b.c.d`), or the /64
/// an IPv6 address lies in — a single IPv6 host can usually pick any address of
/// its /64, so counting addresses would not limit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4(Ipv4Addr),
    /// The network address of the /64 (the lower 64 bits cleared).
    V6Net(Ipv6Addr),
}

/// The low 64 bits of an IPv6 address: the interface part of a /64.
const INTERFACE_BITS: u128 = u64::MAX as u128;

impl ClientKey {
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientKey::V4(v4),
            IpAddr::V6(v6) => ClientKey::V6Net(Ipv6Addr::from(u128::from(v6) & !INTERFACE_BITS)),
        }
    }
}

impl fmt::Display for ClientKey {
    /// `192.0.2.7` or `2001:db8:1:2::/64`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientKey::V4(v4) => write!(f, "{v4}"),
            ClientKey::V6Net(net) => write!(f, "{net}/64"),
        }
    }
}

/// A session's place in the counters; released on drop.
pub struct SessionPermit {
    state: Arc<RelayState>,
    client: ClientKey,
    pub name: String,
}

impl Drop for SessionPermit {
    fn drop(&mut self) {
        let mut c = self
            .state
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        c.total = c.total.saturating_sub(1);
        c.per_client.release(&self.client);
    }
}

impl RelayState {
    pub fn new(
        config: Config,
        policy: Policy,
        labs: BTreeMap<String, SocketAddr>,
        shutdown: watch::Receiver<bool>,
    ) -> RelayState {
        RelayState {
            origin: OriginPolicy::new(config.allow_origin.clone()),
            config,
            policy: Arc::new(policy),
            labs,
            counts: Mutex::new(Counts::default()),
            next_session: AtomicU64::new(1),
            started: std::time::Instant::now(),
            shutdown,
            registry: Arc::default(),
            drain: crate::drain::Drain::default(),
        }
    }

    /// Admits a session from `ip`, or says which limit refuses it. Sessions
    /// from one [`ClientKey`] (an IPv4 address or an IPv6 /64) count together.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<SessionPermit, String> {
        let limits = &self.config.limits;
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if c.total >= limits.max_sessions {
            return Err(format!(
                "the relay already serves {} sessions (limit --max-sessions {}); try again later",
                c.total, limits.max_sessions
            ));
        }
        let client = ClientKey::of(ip);
        let mine = u32::try_from(c.per_client.count(&client)).unwrap_or(u32::MAX);
        if mine >= limits.max_sessions_per_ip {
            let whom = match client {
                ClientKey::V4(_) => client.to_string(),
                ClientKey::V6Net(_) => format!("{client} (one client: it holds {ip})"),
            };
            return Err(format!(
                "{whom} already has {mine} open sessions (limit --max-sessions-per-ip {}); close a tab or ask the host to raise the limit",
                limits.max_sessions_per_ip
            ));
        }
        c.total += 1;
        c.per_client.add(client);
        let n = self.next_session.fetch_add(1, Ordering::Relaxed);
        Ok(SessionPermit {
            state: Arc::clone(self),
            client,
            name: format!("session-{n}"),
        })
    }

    /// What `GET /healthz` reports.
    pub fn health(&self) -> Health {
        let (fds_open, fds_limit) = crate::descriptors::snapshot();
        let c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        Health {
            status: "ok".into(),
            relay: relay_info(),
            uptime_secs: self.started.elapsed().as_secs(),
            sessions: c.total,
            max_sessions: self.config.limits.max_sessions,
            clients: u32::try_from(c.per_client.len()).unwrap_or(u32::MAX),
            labs: self.lab_addrs(),
            fds_open,
            fds_limit,
        }
    }

    fn lab_addrs(&self) -> BTreeMap<String, Addr> {
        self.labs
            .iter()
            .map(|(k, v)| (k.clone(), Addr::from(*v)))
            .collect()
    }

    /// The `hello` event for a new session.
    /// The `hello` of a session that uses `policy` (the relay's, or its own
    /// copy with a port space).
    pub fn hello(&self, session: &str, policy: &Policy) -> Hello {
        let l = &self.config.limits;
        Hello {
            protocol: PROTOCOL_VERSION,
            relay: relay_info(),
            session: session.to_owned(),
            limits: Limits {
                max_message_bytes: l.max_message_bytes as u64,
                max_handles: l.max_handles,
                recv_buffer_bytes: l.recv_buffer_bytes as u64,
                max_pending: l.max_pending,
                idle_timeout_secs: l.idle_timeout.as_secs(),
                max_sessions_per_ip: l.max_sessions_per_ip,
            },
            labs: self.lab_addrs(),
            policy: PolicySummary {
                connect: policy.summary_connect(),
                bind: policy.summary_bind(),
                auth_required: self.config.token.is_some(),
            },
        }
    }
}

fn relay_info() -> RelayInfo {
    RelayInfo {
        name: "socklab".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn state(per_ip: u32) -> Arc<RelayState> {
        let mut config = Config::for_tests();
        config.limits.max_sessions_per_ip = per_ip;
        let (_tx, rx) = watch::channel(false);
        Arc::new(RelayState::new(
            config,
            Policy::new(vec![], vec![], None),
            BTreeMap::new(),
            rx,
        ))
    }

    #[test]
    fn client_keys_group_an_ipv6_64_and_unmap_ipv4() {
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2:aaaa::1")),
            ClientKey::of(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_ne!(
            ClientKey::of(ip("2001:db8:1:2::1")),
            ClientKey::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientKey::of(ip("::ffff:192.0.2.7")),
            ClientKey::of(ip("192.0.2.7"))
        );
        assert_ne!(
            ClientKey::of(ip("192.0.2.7")),
            ClientKey::of(ip("192.0.2.8"))
        );
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2:aaaa::1")).to_string(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(ClientKey::of(ip("::ffff:10.0.0.1")).to_string(), "10.0.0.1");
    }

    fn cases() -> u32 {
        crate::test_support::proptest_cases(128)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(cases()))]

        /// Any two addresses of one /64 are one client; the key is the /64.
        #[test]
        fn one_64_is_one_client(net: u64, a: u64, b: u64) {
            let x = Ipv6Addr::from((u128::from(net) << 64) | u128::from(a));
            let y = Ipv6Addr::from((u128::from(net) << 64) | u128::from(b));
            let (kx, ky) = (ClientKey::of(IpAddr::V6(x)), ClientKey::of(IpAddr::V6(y)));
            proptest::prop_assert_eq!(kx, ky);
            proptest::prop_assert!(kx.to_string().ends_with("/64"));
        }

        /// A mapped address is its IPv4 address, whatever the address.
        #[test]
        fn a_mapped_address_is_its_ipv4_client(v4: u32) {
            let v4 = Ipv4Addr::from(v4);
            proptest::prop_assert_eq!(
                ClientKey::of(IpAddr::V6(v4.to_ipv6_mapped())),
                ClientKey::V4(v4)
            );
        }
    }

    #[test]
    fn the_per_ip_cap_counts_an_ipv6_64_as_one_client() {
        let s = state(2);
        let a = s.admit(ip("2001:db8:1:2::1")).expect("first");
        let _b = s.admit(ip("2001:db8:1:2::2")).expect("second");
        let e = s
            .admit(ip("2001:db8:1:2:dead:beef:0:3"))
            .err()
            .expect("third");
        assert_eq!(
            e,
            "2001:db8:1:2::/64 (one client: it holds 2001:db8:1:2:dead:beef:0:3) already \
             has 2 open sessions (limit --max-sessions-per-ip 2); close a tab or ask the \
             host to raise the limit"
        );
        // Another /64 is another client.
        let _c = s.admit(ip("2001:db8:1:3::1")).expect("other /64");
        assert_eq!(s.health().clients, 2);
        // A closed session frees its place.
        drop(a);
        let _d = s.admit(ip("2001:db8:1:2::9")).expect("after a close");
    }

    #[test]
    fn the_per_ip_cap_counts_a_mapped_address_as_its_ipv4_address() {
        let s = state(1);
        let _a = s.admit(ip("192.0.2.7")).expect("first");
        let e = s.admit(ip("::ffff:192.0.2.7")).err().expect("mapped");
        assert!(
            e.starts_with("192.0.2.7 already has 1 open sessions"),
            "{e}"
        );
        let _b = s.admit(ip("192.0.2.8")).expect("another address");
        assert_eq!(s.health().clients, 2);
        assert_eq!(s.health().sessions, 2);
    }
}
