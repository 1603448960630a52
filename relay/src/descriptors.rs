//! The process's file descriptors: raising the soft `RLIMIT_NOFILE` to the hard
//! limit at start-up, and the reserve that refuses new handles with a `limit`
//! error before the process runs out (so a learner sees a clear message, the
//! `/ws` accept loop and the labs keep a headroom, and nobody sees `EMFILE`).
//!
//! Counting is cheap and bounded: the number of open descriptors is read from
//! `/proc/self/fd` (or `/dev/fd`) at most about once a second, plus when a
//! reservation would fail (throttled so that scanning costs at most a few percent
//! of one core); between scans every reservation is added to the last count, so
//! the estimate only errs on the safe side. Owns nothing else.

use crate::oserror::limit;
use shared::ErrorBody;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A count older than this is refreshed on the next reservation.
const STALE: Duration = Duration::from_secs(1);
/// Shortest time between two scans forced by a failing reservation.
const MIN_RESCAN: Duration = Duration::from_millis(5);
/// Descriptors kept free for the `/ws` accept loop and the labs: this many, or
/// 5 % of the limit when that is more (but never more than half the limit).
const MIN_HEADROOM: usize = 64;

struct Count {
    /// Descriptors open at the last scan (`None`: they cannot be counted here).
    open: Option<usize>,
    /// The soft `RLIMIT_NOFILE` at the last scan.
    limit: usize,
    /// Reservations since the last scan.
    since: usize,
    at: Option<Instant>,
    /// How long the last scan took (scans are spaced by 20× that at least).
    cost: Duration,
}

static COUNT: Mutex<Count> = Mutex::new(Count {
    open: None,
    limit: usize::MAX,
    since: 0,
    at: None,
    cost: Duration::ZERO,
});

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns `(soft, hard)` as
/// they are afterwards. Call once at start-up.
pub fn raise_limit() -> std::io::Result<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if lim.rlim_cur < lim.rlim_max {
        let want = if lim.rlim_max == libc::RLIM_INFINITY {
            1 << 20
        } else {
            lim.rlim_max
        };
        let raised = libc::rlimit {
            rlim_cur: want,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = want;
        } else {
            tracing::warn!(
                "cannot raise the open-file limit to {want}: {}",
                std::io::Error::last_os_error()
            );
        }
    }
    // `rlim_t` is not `u64` on every platform.
    #[allow(clippy::unnecessary_cast)]
    Ok((lim.rlim_cur as u64, lim.rlim_max as u64))
}

/// The soft `RLIMIT_NOFILE` (`usize::MAX` when unlimited or unknown).
fn soft_limit() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0
        || lim.rlim_cur == libc::RLIM_INFINITY
    {
        return usize::MAX;
    }
    usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX)
}

/// Open descriptors of this process, when the system lists them.
fn count_open() -> Option<usize> {
    for dir in ["/proc/self/fd", "/dev/fd"] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            // The listing includes the descriptor that reads it.
            return Some(entries.count().saturating_sub(1));
        }
    }
    None
}

/// Descriptors kept free for new sessions and the labs, out of `limit`.
pub fn headroom(limit: usize) -> usize {
    MIN_HEADROOM.max(limit / 20).min(limit / 2)
}

impl Count {
    fn scan(&mut self) {
        let start = Instant::now();
        self.open = count_open();
        self.limit = soft_limit();
        self.since = 0;
        self.at = Some(Instant::now());
        self.cost = start.elapsed();
    }

    fn stale(&self, now: Instant) -> bool {
        self.at.is_none_or(|at| now.duration_since(at) >= STALE)
    }

    fn may_rescan(&self, now: Instant) -> bool {
        let gap = MIN_RESCAN.max(self.cost * 20);
        self.at.is_none_or(|at| now.duration_since(at) >= gap)
    }

    /// `Ok` when `n` more descriptors fit below the headroom (and counts them).
    fn try_reserve(&mut self, n: usize) -> Result<(), (usize, usize)> {
        let Some(open) = self.open else {
            return Ok(());
        };
        let usable = self.limit.saturating_sub(headroom(self.limit));
        let estimate = open.saturating_add(self.since);
        if estimate.saturating_add(n) <= usable {
            self.since = self.since.saturating_add(n);
            Ok(())
        } else {
            Err((estimate, self.limit))
        }
    }
}

/// Reserves `n` descriptors about to be created for a session, or refuses with
/// the relay's `limit` error when that would eat into the headroom.
pub fn reserve(n: usize) -> Result<(), ErrorBody> {
    let mut c = COUNT.lock().unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    if c.stale(now) {
        c.scan();
    }
    let refused = match c.try_reserve(n) {
        Ok(()) => return Ok(()),
        Err(refused) => refused,
    };
    let (open, lim) = if c.may_rescan(now) {
        c.scan();
        match c.try_reserve(n) {
            Ok(()) => return Ok(()),
            Err(refused) => refused,
        }
    } else {
        refused
    };
    let keep = headroom(lim);
    Err(limit(
        "the relay is running out of file descriptors; close some sockets or connections, or ask the relay's host to raise its open-file limit",
    )
    .with_detail(format!(
        "{open} of {lim} descriptors in use, {keep} kept for new sessions and the labs; raise the open-file limit (ulimit -n)"
    )))
}

/// Open descriptors and the soft limit now, for `/healthz` (refreshes the count).
pub fn snapshot() -> (u64, u64) {
    let mut c = COUNT.lock().unwrap_or_else(PoisonError::into_inner);
    c.scan();
    let open = c.open.unwrap_or(0) as u64;
    let limit = if c.limit == usize::MAX {
        u64::MAX
    } else {
        c.limit as u64
    };
    (open, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(open: usize, limit: usize) -> Count {
        Count {
            open: Some(open),
            limit,
            since: 0,
            at: Some(Instant::now()),
            cost: Duration::ZERO,
        }
    }

    #[test]
    fn headroom_is_64_or_5_percent() {
        assert_eq!(headroom(1024), 64);
        assert_eq!(headroom(1 << 20), (1 << 20) / 20);
        assert_eq!(headroom(100), 50);
    }

    #[test]
    fn reservations_add_up_until_the_headroom() {
        let mut c = count(900, 1024);
        // 1024 - 64 = 960 usable: 60 more fit.
        assert!(c.try_reserve(60).is_ok());
        assert_eq!(c.try_reserve(1), Err((960, 1024)));
        c.scan();
        assert_eq!(c.since, 0);
    }

    #[test]
    fn uncountable_descriptors_never_refuse() {
        let mut c = count(0, 10);
        c.open = None;
        assert!(c.try_reserve(1000).is_ok());
    }
}
