//! What an operation hands back to the dispatcher, and the one place a reply is
//! written from it.
//!
//! An operation either finishes now (`Ok(Outcome::Done(body))`), fails now
//! (`Err(error)`), or has registered a pending request that a later event will
//! answer (`Ok(Outcome::Later)`). Only [`Session::answer`] turns an outcome into
//! a reply frame: the dispatcher for calls that finish at once, the completion
//! paths (socket I/O, HTTP and FTP engines, deadlines, cancel, close) through
//! [`Session::complete`] for the others.
//!
//! A few calls must be followed by frames the client sees after their reply
//! ([`Then`]): they return `Outcome::DoneThen`, and `answer` performs the
//! follow-up right after writing the reply.

use crate::oserror::cancelled;
use crate::session::Session;
use shared::{ErrorBody, OkBody};

/// How an operation ended, seen from the dispatcher.
#[derive(Debug)]
pub enum Outcome {
    /// Answered now with this body (`OkBody::Empty {}` for Python's `None`).
    Done(OkBody),
    /// Answered now with this body, then [`Then`] runs.
    DoneThen(OkBody, Then),
    /// A pending request was registered; its reply comes from a later event.
    Later,
}

/// Work that must follow a call's reply on the wire.
#[derive(Debug)]
pub enum Then {
    /// `cancel`: the target request replies `cancelled` after the cancel's own
    /// `ok` (docs/protocol.md "Session operations").
    Cancel(u64),
    /// `pipe`: bytes the socket had buffered go out as frames after the `ok`
    /// (docs/protocol.md "Streaming mode (`pipe`) and binary frames").
    PushBuffered(String),
    /// `close` of a TCP connection: the state the kernel holds right after the
    /// close follows the `ok` (docs/protocol.md "`kernel`").
    Linger,
}

impl Outcome {
    /// Python's `None`: an `ok` reply with an empty body.
    pub fn empty() -> Outcome {
        Outcome::Done(OkBody::Empty {})
    }

    /// An empty `ok` reply followed by `then`.
    pub fn then_empty(then: Then) -> Outcome {
        Outcome::DoneThen(OkBody::Empty {}, then)
    }
}

/// The result every operation returns.
pub type OpResult = Result<Outcome, ErrorBody>;

impl Session {
    /// Writes the reply for request `id` from an operation's result. `Later`
    /// writes nothing: the request is pending and is answered when it completes.
    pub fn answer(&mut self, id: u64, result: OpResult) {
        match result {
            Ok(Outcome::Done(body)) => self.out.ok(id, body),
            Ok(Outcome::DoneThen(body, then)) => {
                self.out.ok(id, body);
                match then {
                    Then::Cancel(target) => self.abandon(target, cancelled(target)),
                    Then::PushBuffered(h) => self.push_buffered(&h),
                    Then::Linger => self.tick_lingering(),
                }
            }
            Ok(Outcome::Later) => {}
            Err(e) => {
                self.stats.error(&e.code);
                self.out.err(id, e);
            }
        }
    }

    /// Answers a request that completes now with a body or an error (the
    /// completion paths: I/O done, engine step finished, deadline, close).
    pub fn complete(&mut self, id: u64, result: Result<OkBody, ErrorBody>) {
        self.answer(id, result.map(Outcome::Done));
    }
}
