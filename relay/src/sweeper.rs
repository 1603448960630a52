//! The relay's one clock for ending sessions: every tick it raises the stop
//! signal (`stop_signal.rs`) of each session idle for `--idle-timeout`, and
//! when the relay begins to stop it raises every session's. Sessions keep no
//! idle timer and no shutdown waiter of their own, so a frame costs them one
//! atomic store and their shard's runtime parks without a timeout (the `pipe`
//! round trip, docs/benchmarks.md).
//!
//! Owns the tick and the decision; the sessions' last-frame times and signals
//! live in the registry's `SessionStats` (`status.rs`).

use crate::status::Registry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// A session is closed at most this long after its idle timeout ends.
const MAX_TICK: Duration = Duration::from_secs(1);
/// The shortest tick, for the short timeouts of tests.
const MIN_TICK: Duration = Duration::from_millis(10);

/// The tick for an idle timeout: a quarter of it, within [`MIN_TICK`] and
/// [`MAX_TICK`].
pub fn tick_for(idle_timeout: Duration) -> Duration {
    (idle_timeout / 4).clamp(MIN_TICK, MAX_TICK)
}

/// Runs until `shutdown` becomes `true` (or its sender is gone), then tells
/// every open session to close.
pub async fn run(
    registry: Arc<Registry>,
    idle_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(tick_for(idle_timeout));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => registry.stop_idle(idle_timeout),
            _ = shutdown.wait_for(|stop| *stop) => {
                registry.stop_all();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stop_signal::StopReason;

    #[test]
    fn the_tick_follows_the_timeout_within_bounds() {
        assert_eq!(tick_for(Duration::from_secs(1800)), MAX_TICK);
        assert_eq!(
            tick_for(Duration::from_millis(300)),
            Duration::from_millis(75)
        );
        assert_eq!(tick_for(Duration::from_millis(1)), MIN_TICK);
    }

    #[tokio::test]
    async fn idle_sessions_are_told_to_stop_and_busy_ones_are_not() {
        let registry = Arc::new(Registry::default());
        let quiet = registry.open("session-1", [127, 0, 0, 1].into());
        let busy = registry.open("session-2", [127, 0, 0, 1].into());
        let (tx, rx) = watch::channel(false);
        let timeout = Duration::from_millis(400);
        let sweeper = tokio::spawn(run(Arc::clone(&registry), timeout, rx));
        // `busy` gets a frame every 20 ms (pacing, not synchronisation) until
        // `quiet` has been told to stop.
        let stopped = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                tokio::select! {
                    reason = quiet.stats.stop.raised() => return reason,
                    () = tokio::time::sleep(Duration::from_millis(20)) => busy.stats.touch(),
                }
            }
        })
        .await;
        assert_eq!(stopped.ok(), Some(StopReason::Idle));
        assert!(quiet.stats.idle_for() >= timeout);
        assert_eq!(
            busy.stats.stop.reason(),
            None,
            "a session with frames stays"
        );
        let _ = tx.send(true);
        let _ = sweeper.await;
        assert_eq!(busy.stats.stop.reason(), Some(StopReason::Shutdown));
    }
}
