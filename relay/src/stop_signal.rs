//! Why a session must end, when the reason comes from outside it: the relay is
//! shutting down, or the session has been idle too long (`sweeper.rs` decides
//! both). One atomic and one waker per session, so that a session's loop waits
//! for it without a timer of its own and without a lock: a shard whose
//! sessions all wait on sockets parks with no timeout at all.
//!
//! Owns the signal; what the session does when it is raised is `session.rs`.

use futures::task::AtomicWaker;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::Poll;

/// Why the relay ends a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// No frame from the browser for `--idle-timeout`.
    Idle,
    /// The relay is stopping (SIGTERM, shutdown).
    Shutdown,
}

const NONE: u8 = 0;
const IDLE: u8 = 1;
const SHUTDOWN: u8 = 2;

/// Raised at most once; the first reason stays.
#[derive(Default)]
pub struct StopSignal {
    reason: AtomicU8,
    waker: AtomicWaker,
}

impl StopSignal {
    /// Ends the session for `reason`, unless it was already told to end.
    pub fn raise(&self, reason: StopReason) {
        let code = match reason {
            StopReason::Idle => IDLE,
            StopReason::Shutdown => SHUTDOWN,
        };
        let _ = self
            .reason
            .compare_exchange(NONE, code, Ordering::AcqRel, Ordering::Acquire);
        self.waker.wake();
    }

    /// The reason, once raised.
    pub fn reason(&self) -> Option<StopReason> {
        match self.reason.load(Ordering::Acquire) {
            IDLE => Some(StopReason::Idle),
            SHUTDOWN => Some(StopReason::Shutdown),
            _ => None,
        }
    }

    /// Completes when the signal is raised.
    pub async fn raised(&self) -> StopReason {
        poll_fn(|cx| {
            if let Some(r) = self.reason() {
                return Poll::Ready(r);
            }
            self.waker.register(cx.waker());
            // Raised between the first look and the registration.
            match self.reason() {
                Some(r) => Poll::Ready(r),
                None => Poll::Pending,
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_first_reason_stays() {
        let s = StopSignal::default();
        assert_eq!(s.reason(), None);
        s.raise(StopReason::Idle);
        s.raise(StopReason::Shutdown);
        assert_eq!(s.reason(), Some(StopReason::Idle));
    }

    #[tokio::test]
    async fn a_waiting_session_wakes_when_raised_from_another_thread() {
        let s = Arc::new(StopSignal::default());
        let raiser = Arc::clone(&s);
        let t = std::thread::spawn(move || raiser.raise(StopReason::Shutdown));
        assert_eq!(s.raised().await, StopReason::Shutdown);
        let _ = t.join();
    }
}
