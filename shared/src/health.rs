//! `GET /healthz`: the relay's health as JSON, for a teacher hosting a class (or a
//! monitor) to see that the relay is up and how loaded it is.
//!
//! Owns only the shape of that document; the relay fills it in.

use crate::{Addr, RelayInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` while the relay serves.
    pub status: String,
    pub relay: RelayInfo,
    /// Seconds since the relay started.
    pub uptime_secs: u64,
    /// Open sessions (browser tabs) and the `--max-sessions` limit.
    pub sessions: u32,
    pub max_sessions: u32,
    /// Distinct client IP addresses with an open session.
    pub clients: u32,
    /// The running lab servers.
    pub labs: BTreeMap<String, Addr>,
    /// File descriptors the relay process has open, and its open-file limit
    /// (`ulimit -n`; new handles are refused with `limit` a headroom before it).
    pub fds_open: u64,
    pub fds_limit: u64,
}
