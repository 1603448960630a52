//! Draining on SIGTERM or Ctrl-C (docs/class-hosting.md or docs/operations.md,
//! "Running it"): stop taking sessions, tell every open one why it closes (a
//! close frame, code 1001, with a reason), wait for them up to a deadline, then
//! stop — and make sure the process ends even when something hangs.
//!
//! Owns the draining flag that `/healthz` (readiness) and the upgrade read, the
//! close reason, and the process watchdog. The order of the steps is in
//! [`crate::Running::drain`]; the sessions' own close path is `session.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The close code sessions get while the relay drains ("going away").
pub const CLOSE_CODE: u16 = 1001;
/// The close frame's reason: what happened and what the learner can do.
pub const CLOSE_REASON: &str =
    "the relay is shutting down or restarting; your sockets are closed. Reload the page in a moment";
/// What `/healthz` answers while draining (with 503), and the upgrade refusal.
pub const STATUS_DRAINING: &str = "draining";
pub const UPGRADE_REFUSED: &str =
    "the relay is shutting down and takes no new sessions; reload the page in a moment";
/// Time the watchdog adds to the drain deadline before it ends the process.
pub const WATCHDOG_MARGIN: Duration = Duration::from_secs(3);

/// Whether the relay is draining.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
}

impl Drain {
    /// From now on: readiness fails and new sessions are refused.
    pub fn begin(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Sessions open when the drain began.
    pub sessions: usize,
    /// Sessions still open at the deadline (they are abandoned).
    pub left: usize,
}

/// Ends the process with status 0 `after` from now, whatever the runtime is
/// doing: a stuck task cannot keep a draining relay alive past its deadline.
pub fn start_watchdog(after: Duration) {
    let spawned = std::thread::Builder::new()
        .name("drain-watchdog".into())
        .spawn(move || {
            std::thread::sleep(after);
            eprintln!(
                "socklab: still running {} s after the drain began; exiting anyway",
                after.as_secs()
            );
            std::process::exit(0);
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the drain watchdog: {e}");
    }
}
