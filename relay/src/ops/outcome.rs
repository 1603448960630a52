//! What an operation hands back to the dispatcher, and the one place a reply is
//! written from it.
//!
//! An operation either finishes now (`Ok(Outcome::Done(body))`), fails now
//! (`Err(error)`), or has registered a pending request that a later event will
//! answer (`Ok(Outcome::Later)`). Only [`Session::answer`] turns an outcome into
//! a reply frame: the dispatcher for calls that finish at once, the completion
//! paths (socket I/O, HTTP and FTP engines, deadlines, cancel) for the others.

#![allow(dead_code)] // until the ops are converted (issue 10); remove with the last conversion

use crate::session::Session;
use shared::{ErrorBody, OkBody};

/// How an operation ended, seen from the dispatcher.
#[derive(Debug)]
pub enum Outcome {
    /// Answered now with this body (`OkBody::Empty {}` for Python's `None`).
    Done(OkBody),
    /// A pending request was registered; its reply comes from a later event.
    Later,
}

impl Outcome {
    /// Python's `None`: an `ok` reply with an empty body.
    pub fn empty() -> Outcome {
        Outcome::Done(OkBody::Empty {})
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
            Ok(Outcome::Later) => {}
            Err(e) => self.out.err(id, e),
        }
    }

    /// Answers a request that completes now with a body or an error (the
    /// completion paths: I/O done, engine step finished).
    pub fn complete(&mut self, id: u64, result: Result<OkBody, ErrorBody>) {
        self.answer(id, result.map(Outcome::Done));
    }
}
