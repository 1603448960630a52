//! What the teacher's view (`/status`, `/status.json`) and `/metrics` read: one
//! [`SessionStats`] per open session and the relay's [`Totals`], kept in the
//! [`Registry`] that every session shares through `RelayState`.
//!
//! A session changes only its own counters (atomics, no lock on the hot path;
//! the progress report behind a small mutex) and every change also lands in the
//! relay's totals. Nothing here is ever sent to another session: the registry is
//! read only by the token-protected handlers in `status_page.rs` and
//! `metrics.rs`, and by the sweeper (`sweeper.rs`), which reads each session's
//! last-frame time and raises its stop signal. Label sets are bounded: ops by [`shared::request::OP_NAMES`],
//! error codes by [`ERROR_CODES`] (anything else counts as `other`), denials by
//! [`DENIAL_KINDS`].

use crate::stop_signal::{StopReason, StopSignal};
use shared::{codes, Errno, HandleCounts, Progress, SessionStatus, StatusTotals};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The denial kinds: an error code that means "refused", not "failed".
pub const DENIAL_KINDS: &[(&str, &str)] = &[
    (codes::NOT_ALLOWED, "policy"),
    (codes::LIMIT, "limit"),
    (codes::UNAUTHORIZED, "token"),
];

/// Every `err.code` the relay can answer, in a fixed order (errnos first).
pub fn error_codes() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Errno::ALL.iter().map(|e| e.name()).collect();
    all.extend(ERROR_CODES);
    all
}

/// The non-errno codes, and `other` for anything unforeseen.
pub const ERROR_CODES: &[&str] = &[
    codes::TIMEOUT,
    codes::GAIERROR,
    codes::CANCELLED,
    codes::NOT_ALLOWED,
    codes::LIMIT,
    codes::BAD_REQUEST,
    codes::UNAUTHORIZED,
    "other",
];

/// Relay-wide counters since start.
pub struct Totals {
    pub sessions_total: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    /// By [`error_codes`] position.
    pub errors: Vec<AtomicU64>,
    /// By [`DENIAL_KINDS`] position.
    pub denials: Vec<AtomicU64>,
    /// By [`shared::request::OP_NAMES`] position.
    pub ops: Vec<AtomicU64>,
    codes: Vec<&'static str>,
}

fn zeros(n: usize) -> Vec<AtomicU64> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

fn bump(counters: &[AtomicU64], at: Option<usize>) {
    if let Some(c) = at.and_then(|i| counters.get(i)) {
        c.fetch_add(1, Relaxed);
    }
}

fn sum(counters: &[AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Relaxed)).sum()
}

impl Totals {
    fn new() -> Totals {
        let codes = error_codes();
        Totals {
            sessions_total: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            errors: zeros(codes.len()),
            denials: zeros(DENIAL_KINDS.len()),
            ops: zeros(shared::request::OP_NAMES.len()),
            codes,
        }
    }

    /// The label an error code is counted under.
    fn code_index(&self, code: &str) -> Option<usize> {
        self.codes
            .iter()
            .position(|c| *c == code)
            .or_else(|| self.codes.iter().position(|c| *c == "other"))
    }

    pub fn codes(&self) -> &[&'static str] {
        &self.codes
    }
}

/// One session's counters, shared between the session (which writes them) and
/// the registry (which reads them), and the signal by which the relay ends the
/// session (`sweeper.rs`).
pub struct SessionStats {
    pub name: String,
    number: u64,
    pub peer: IpAddr,
    started: SystemTime,
    opened: Instant,
    handles: [AtomicU64; 3],
    lab_clients: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    errors: AtomicU64,
    denials: AtomicU64,
    ops: AtomicU64,
    progress: Mutex<Progress>,
    totals: Arc<Totals>,
    /// When the browser's last frame arrived, in ms after `opened`.
    last_frame_ms: AtomicU64,
    /// Raised when the relay ends the session (idle, shutdown).
    pub stop: StopSignal,
}

impl SessionStats {
    /// A frame from the browser arrived now.
    pub fn touch(&self) {
        self.last_frame_ms
            .store(self.opened.elapsed().as_millis() as u64, Relaxed);
    }

    /// How long since the browser's last frame (or since the session opened).
    pub fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_frame_ms.load(Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }

    /// A request named `op` (a name of `OP_NAMES`) arrived.
    pub fn op(&self, op: &str) {
        self.ops.fetch_add(1, Relaxed);
        let at = shared::request::OP_NAMES.iter().position(|n| *n == op);
        bump(&self.totals.ops, at);
    }

    /// A request was answered with an error `code`.
    pub fn error(&self, code: &str) {
        self.errors.fetch_add(1, Relaxed);
        bump(&self.totals.errors, self.totals.code_index(code));
        if let Some(kind) = DENIAL_KINDS.iter().position(|(c, _)| *c == code) {
            self.denials.fetch_add(1, Relaxed);
            bump(&self.totals.denials, Some(kind));
        }
    }

    /// WebSocket bytes received from the browser.
    pub fn bytes_in(&self, n: usize) {
        self.bytes_in.fetch_add(n as u64, Relaxed);
        self.totals.bytes_in.fetch_add(n as u64, Relaxed);
    }

    /// WebSocket bytes handed to the browser.
    pub fn bytes_out(&self, n: usize) {
        self.bytes_out.fetch_add(n as u64, Relaxed);
        self.totals.bytes_out.fetch_add(n as u64, Relaxed);
    }

    /// Open handles now: sockets, HTTP and FTP connections; lab connections.
    pub fn set_handles(&self, sockets: usize, http: usize, ftp: usize, labs: usize) {
        for (slot, n) in self.handles.iter().zip([sockets, http, ftp]) {
            slot.store(n as u64, Relaxed);
        }
        self.lab_clients.store(labs as u64, Relaxed);
    }

    /// The page's latest `progress` report, laid over the earlier ones.
    pub fn report(&self, progress: Progress) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .merge(progress);
    }

    fn handle_counts(&self) -> HandleCounts {
        let [s, h, f] = &self.handles;
        HandleCounts {
            sockets: s.load(Relaxed),
            http: h.load(Relaxed),
            ftp: f.load(Relaxed),
        }
    }

    fn status(&self) -> SessionStatus {
        SessionStatus {
            id: self.name.clone(),
            peer: self.peer.to_canonical().to_string(),
            started_unix: self
                .started
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            age_secs: self.opened.elapsed().as_secs(),
            handles: self.handle_counts(),
            bytes_in: self.bytes_in.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            errors: self.errors.load(Relaxed),
            denials: self.denials.load(Relaxed),
            ops: self.ops.load(Relaxed),
            progress: self
                .progress
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

/// The payload size of a WebSocket message (0 for control frames).
pub fn message_len(m: &axum::extract::ws::Message) -> usize {
    use axum::extract::ws::Message;
    match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) => b.len(),
        _ => 0,
    }
}

/// Every open session's counters and the relay's totals.
pub struct Registry {
    sessions: Mutex<BTreeMap<u64, Arc<SessionStats>>>,
    pub totals: Arc<Totals>,
    /// Wakes [`Registry::wait_empty`] when a session leaves.
    left: Notify,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            sessions: Mutex::new(BTreeMap::new()),
            totals: Arc::new(Totals::new()),
            left: Notify::new(),
        }
    }
}

/// A session's place in the registry; leaving it (drop) removes the session.
pub struct Entry {
    registry: Arc<Registry>,
    pub stats: Arc<SessionStats>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.stats.number);
        self.registry.left.notify_waiters();
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<SessionStats>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a session named `name` (`session-N`) from `peer`.
    pub fn open(self: &Arc<Self>, name: &str, peer: IpAddr) -> Entry {
        let number = self.totals.sessions_total.fetch_add(1, Relaxed) + 1;
        let stats = Arc::new(SessionStats {
            name: name.to_owned(),
            number,
            peer,
            started: SystemTime::now(),
            opened: Instant::now(),
            handles: Default::default(),
            lab_clients: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            denials: AtomicU64::new(0),
            ops: AtomicU64::new(0),
            progress: Mutex::new(Progress::default()),
            totals: Arc::clone(&self.totals),
            last_frame_ms: AtomicU64::new(0),
            stop: StopSignal::default(),
        });
        self.lock().insert(number, Arc::clone(&stats));
        Entry {
            registry: Arc::clone(self),
            stats,
        }
    }

    /// Tells every session idle for `timeout` or longer to close.
    pub fn stop_idle(&self, timeout: Duration) {
        for stats in self.lock().values() {
            if stats.idle_for() >= timeout {
                stats.stop.raise(StopReason::Idle);
            }
        }
    }

    /// Tells every open session to close: the relay is stopping.
    pub fn stop_all(&self) {
        for stats in self.lock().values() {
            stats.stop.raise(StopReason::Shutdown);
        }
    }

    /// Open sessions now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every open session, oldest first.
    pub fn sessions(&self) -> Vec<SessionStatus> {
        let all: Vec<Arc<SessionStats>> = self.lock().values().cloned().collect();
        all.iter().map(|s| s.status()).collect()
    }

    /// Open handles of all sessions by kind, and their lab connections.
    pub fn handles(&self) -> (HandleCounts, u64) {
        let mut total = HandleCounts::default();
        let mut labs = 0;
        for s in self.lock().values() {
            let h = s.handle_counts();
            total.sockets += h.sockets;
            total.http += h.http;
            total.ftp += h.ftp;
            labs += s.lab_clients.load(Relaxed);
        }
        (total, labs)
    }

    /// The relay-wide totals.
    pub fn totals(&self) -> StatusTotals {
        let t = &self.totals;
        StatusTotals {
            sessions: self.len() as u64,
            sessions_total: t.sessions_total.load(Relaxed),
            handles: self.handles().0,
            bytes_in: t.bytes_in.load(Relaxed),
            bytes_out: t.bytes_out.load(Relaxed),
            errors: sum(&t.errors),
            denials: sum(&t.denials),
            ops: sum(&t.ops),
        }
    }

    /// Waits until no session is open.
    pub async fn wait_empty(&self) {
        loop {
            let left = self.left.notified();
            tokio::pin!(left);
            left.as_mut().enable();
            if self.is_empty() {
                return;
            }
            left.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_reach_the_session_and_the_totals_and_leave_with_it() {
        let r = Arc::new(Registry::default());
        let a = r.open("session-1", "127.0.0.1".parse().unwrap());
        a.stats.op("connect");
        a.stats.op("not-an-op");
        a.stats.error("ECONNREFUSED");
        a.stats.error(codes::NOT_ALLOWED);
        a.stats.error("weird");
        a.stats.bytes_in(10);
        a.stats.bytes_out(32);
        a.stats.set_handles(2, 1, 0, 1);
        let s = r.sessions();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].ops, s[0].errors, s[0].denials), (2, 3, 1));
        assert_eq!(s[0].handles.sockets, 2);
        let t = r.totals();
        assert_eq!(
            (t.sessions, t.sessions_total, t.errors, t.ops),
            (1, 1, 3, 1)
        );
        let other = r.totals.codes().iter().position(|c| *c == "other").unwrap();
        assert_eq!(r.totals.errors[other].load(Relaxed), 1);
        drop(a);
        assert!(r.is_empty());
        assert_eq!(r.totals().sessions_total, 1);
    }

    #[tokio::test]
    async fn wait_empty_returns_when_the_last_session_leaves() {
        let r = Arc::new(Registry::default());
        let a = r.open("session-1", "127.0.0.1".parse().unwrap());
        let waiter = tokio::spawn({
            let r = Arc::clone(&r);
            async move { r.wait_empty().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(a);
        waiter.await.unwrap();
    }
}
