//! The calls of one connection (an HTTP `h…` or FTP `f…` handle), performed one at
//! a time in arrival order as one Python thread would make them
//! (docs/protocol.md, "HTTP operations" and "FTP operations", **Ordering**).
//!
//! Owns only the bookkeeping both connection engines share: the calls waiting,
//! keyed by request id, the one running, and `cancel`, which says whether the
//! call was waiting (it is simply removed) or running (it stays the running call,
//! so the connection stays busy until its engine ends it, but nobody is answered
//! for it any more), and the `EBADF` answer owed calls get when their connection
//! is closed. What a call does, and what stopping a running call means for the
//! connection, is the engine's business (`http/engine.rs`, `ftp/conn.rs`).

use shared::{Errno, ErrorBody};
use std::collections::VecDeque;

/// The answer of every call still owed when connection `handle` is closed.
pub fn closed_error(handle: &str) -> ErrorBody {
    ErrorBody::errno_with(
        Errno::EBADF,
        format!("Bad file descriptor ({handle} was closed)"),
    )
}

/// Waiting calls and the running one.
pub struct CallQueue<C> {
    waiting: VecDeque<(u64, C)>,
    running: Option<Running>,
}

#[derive(Clone, Copy, Debug)]
struct Running {
    id: u64,
    /// Cancelled while running: the engine still ends it, but answers nobody.
    cancelled: bool,
}

/// Where a cancelled call was.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancelled<C> {
    /// It was waiting; here it is, removed from the queue.
    Waiting(C),
    /// It is the running call; it is now marked cancelled.
    Running,
    /// No call of this connection has that id.
    Unknown,
}

/// Everything a closed connection still owed, in the order the calls came.
pub struct Drained<C> {
    /// The running call, unless it was cancelled.
    pub running: Option<u64>,
    pub waiting: Vec<(u64, C)>,
}

impl<C> Default for CallQueue<C> {
    fn default() -> Self {
        CallQueue {
            waiting: VecDeque::new(),
            running: None,
        }
    }
}

impl<C> CallQueue<C> {
    /// Queues a call behind the others.
    pub fn push(&mut self, id: u64, call: C) {
        self.waiting.push_back((id, call));
    }

    /// Queues a call ahead of the others (it runs next).
    pub fn push_front(&mut self, id: u64, call: C) {
        self.waiting.push_front((id, call));
    }

    /// Is a call running?
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// Takes the next waiting call when none is running. It is not running yet:
    /// the engine either answers it at once or calls [`CallQueue::start`].
    pub fn next(&mut self) -> Option<(u64, C)> {
        if self.is_busy() {
            return None;
        }
        self.waiting.pop_front()
    }

    /// Makes call `id` (just taken by [`CallQueue::next`], or a call that
    /// never waited) the running one.
    pub fn start(&mut self, id: u64) {
        self.running = Some(Running {
            id,
            cancelled: false,
        });
    }

    /// The running call's id, cancelled or not.
    pub fn running(&self) -> Option<u64> {
        self.running.map(|r| r.id)
    }

    /// Was the running call cancelled?
    pub fn running_cancelled(&self) -> bool {
        self.running.is_some_and(|r| r.cancelled)
    }

    /// Ends the running call; returns its id when someone still waits for its
    /// answer (it was not cancelled).
    pub fn finish(&mut self) -> Option<u64> {
        self.running.take().filter(|r| !r.cancelled).map(|r| r.id)
    }

    /// Cancels call `id`: see [`Cancelled`].
    pub fn cancel(&mut self, id: u64) -> Cancelled<C> {
        if let Some(i) = self.waiting.iter().position(|(w, _)| *w == id) {
            if let Some((_, call)) = self.waiting.remove(i) {
                return Cancelled::Waiting(call);
            }
        }
        match self.running.as_mut() {
            Some(r) if r.id == id && !r.cancelled => {
                r.cancelled = true;
                Cancelled::Running
            }
            _ => Cancelled::Unknown,
        }
    }

    /// Empties the queue (the connection is closed): what is still owed.
    pub fn drain(&mut self) -> Drained<C> {
        Drained {
            running: self.finish(),
            waiting: self.waiting.drain(..).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_run_one_at_a_time_in_arrival_order() {
        let mut q = CallQueue::default();
        q.push(1, "a");
        q.push(2, "b");
        assert_eq!(q.next(), Some((1, "a")));
        q.start(1);
        assert!(q.is_busy());
        assert_eq!(q.next(), None, "nothing starts while a call runs");
        assert_eq!(q.running(), Some(1));
        assert_eq!(q.finish(), Some(1));
        assert_eq!(q.next(), Some((2, "b")));
        // Answered at once: never started.
        assert!(!q.is_busy());
        assert_eq!(q.next(), None);
        // `push_front` goes ahead of the others.
        q.push(3, "c");
        q.push_front(4, "d");
        assert_eq!(q.next(), Some((4, "d")));
    }

    /// Call 1 running, calls 2 (`b`) and 3 (`c`) waiting.
    fn one_running_two_waiting() -> CallQueue<&'static str> {
        let mut q = CallQueue::default();
        q.start(1);
        q.push(2, "b");
        q.push(3, "c");
        q
    }

    #[test]
    fn cancelling_a_waiting_call_removes_it() {
        let mut q = one_running_two_waiting();
        assert_eq!(q.cancel(2), Cancelled::Waiting("b"));
        assert_eq!(q.cancel(2), Cancelled::Unknown);
        assert_eq!(q.finish(), Some(1));
        assert_eq!(q.next(), Some((3, "c")));
    }

    #[test]
    fn cancelling_the_running_call_keeps_the_connection_busy_but_answers_nobody() {
        let mut q: CallQueue<&str> = CallQueue::default();
        q.start(1);
        q.push(2, "b");
        assert_eq!(q.cancel(1), Cancelled::Running);
        assert!(q.running_cancelled());
        assert_eq!(q.cancel(1), Cancelled::Unknown, "cancelled once only");
        assert!(q.is_busy());
        assert_eq!(q.running(), Some(1));
        assert_eq!(q.next(), None);
        assert_eq!(q.finish(), None, "nobody waits for its answer");
        assert_eq!(q.next(), Some((2, "b")));
    }

    #[test]
    fn unknown_ids_are_left_alone() {
        let mut q = CallQueue::default();
        q.push(2, "b");
        assert_eq!(q.cancel(7), Cancelled::Unknown);
        assert_eq!(q.next(), Some((2, "b")));
    }

    #[test]
    fn drain_returns_what_is_owed() {
        let mut q = one_running_two_waiting();
        let d = q.drain();
        assert_eq!(d.running, Some(1));
        assert_eq!(d.waiting, vec![(2, "b"), (3, "c")]);
        assert!(!q.is_busy());
        assert_eq!(q.next(), None);

        q.start(4);
        q.cancel(4);
        assert_eq!(q.drain().running, None, "a cancelled call is owed nothing");
    }
}
