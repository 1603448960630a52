//! What every session of one relay shares: the configuration, the policy, the
//! running labs' addresses and the session counters that enforce
//! `--max-sessions` and `--max-sessions-per-ip`.
//!
//! Owns admission of sessions (a [`SessionPermit`] held for a session's life);
//! it never touches a session's handles.

use crate::config::Config;
use crate::policy::{OriginPolicy, Policy};
use shared::{Addr, Health, Hello, Limits, PolicySummary, RelayInfo, PROTOCOL_VERSION};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
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
}

#[derive(Default)]
struct Counts {
    total: u32,
    per_ip: HashMap<IpAddr, u32>,
}

/// A session's place in the counters; released on drop.
pub struct SessionPermit {
    state: Arc<RelayState>,
    ip: IpAddr,
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
        if let Some(n) = c.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.per_ip.remove(&self.ip);
            }
        }
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
        }
    }

    /// Admits a session from `ip`, or says which limit refuses it.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<SessionPermit, String> {
        let limits = &self.config.limits;
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if c.total >= limits.max_sessions {
            return Err(format!(
                "the relay already serves {} sessions (limit --max-sessions {}); try again later",
                c.total, limits.max_sessions
            ));
        }
        let mine = c.per_ip.get(&ip).copied().unwrap_or(0);
        if mine >= limits.max_sessions_per_ip {
            return Err(format!(
                "{ip} already has {mine} open sessions (limit --max-sessions-per-ip {}); close a tab or ask the host to raise the limit",
                limits.max_sessions_per_ip
            ));
        }
        c.total += 1;
        *c.per_ip.entry(ip).or_default() += 1;
        let n = self.next_session.fetch_add(1, Ordering::Relaxed);
        Ok(SessionPermit {
            state: Arc::clone(self),
            ip,
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
            clients: c.per_ip.len() as u32,
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
    pub fn hello(&self, session: &str) -> Hello {
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
                connect: self.policy.summary_connect(),
                bind: self.policy.summary_bind(),
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
