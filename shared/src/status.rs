//! `GET /status.json`: what the teacher's view shows, as JSON (docs/protocol.md
//! "`GET /status`"). Token-protected by the relay; never sent over a session.
//!
//! Owns only the document's shape; the relay fills it in (`relay/src/status.rs`).

use crate::{Progress, RelayInfo};
use serde::{Deserialize, Serialize};

/// The whole relay as the teacher sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub relay: RelayInfo,
    pub uptime_secs: u64,
    /// `true` once the relay drains (SIGTERM): no new sessions, open ones closing.
    pub draining: bool,
    pub totals: StatusTotals,
    /// Open sessions, oldest first.
    pub sessions: Vec<SessionStatus>,
}

/// Relay-wide counts since start (`sessions` is the number open now).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTotals {
    pub sessions: u64,
    pub sessions_total: u64,
    pub handles: HandleCounts,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub errors: u64,
    pub denials: u64,
    pub ops: u64,
}

/// Open handles by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleCounts {
    pub sockets: u64,
    pub http: u64,
    pub ftp: u64,
}

/// One open session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStatus {
    /// The session's name (`hello.session`, e.g. `session-7`).
    pub id: String,
    /// The client's IP address.
    pub peer: String,
    /// Seconds since the Unix epoch when the session opened, and its age.
    pub started_unix: u64,
    pub age_secs: u64,
    pub handles: HandleCounts,
    /// WebSocket bytes from the browser and to it.
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Requests answered with an error, and those of them refused by the policy,
    /// a limit or the token (`not_allowed`, `limit`, `unauthorized`).
    pub errors: u64,
    pub denials: u64,
    pub ops: u64,
    /// The latest `progress` the page reported (display name included).
    pub progress: Progress,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in docs/protocol.md is a valid report.
    #[test]
    fn the_documented_example_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
        let md = std::fs::read_to_string(path).unwrap();
        let start = md
            .find("{\"relay\": {\"name\"")
            .expect("the /status.json example");
        let end = start + md[start..].find("\n```").unwrap();
        let report: StatusReport = serde_json::from_str(&md[start..end]).unwrap();
        assert_eq!(report.sessions[0].progress.name.as_deref(), Some("Ada"));
        assert_eq!(report.totals.handles.sockets, 2);
    }
}
