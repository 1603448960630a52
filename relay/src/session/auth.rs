//! Authentication with the class token (docs/protocol.md "Authentication") and
//! the admission of each parsed request (counted for `/metrics` first): its id
//! must not be pending already, and
//! a relay with a token runs nothing but `auth` until the session has given it.

use super::Session;
use crate::ops::{OpResult, Outcome};
use crate::oserror::bad_request;
use shared::{codes, ErrorBody, Op};

/// Wrong tokens before the session is closed.
const MAX_AUTH_FAILURES: u8 = 3;

impl Session {
    /// Whether a parsed request may run now: its id is not pending already, and
    /// the session has authenticated (or the request is `auth`).
    pub(super) fn admit(&self, id: u64, op: &Op) -> Result<(), ErrorBody> {
        self.stats.op(op.name());
        if self.pending.contains_key(&id) {
            return Err(bad_request(format!(
                "id {id} is already used by a pending request; ids must be unique among pending requests"
            )));
        }
        if !self.authed && !matches!(op, Op::Auth { .. }) {
            return Err(ErrorBody::new(
                codes::UNAUTHORIZED,
                "this relay requires the class token: send {\"op\": \"auth\", \"token\": …} first",
            ));
        }
        Ok(())
    }

    pub fn op_auth(&mut self, token: &str) -> OpResult {
        let ok = match &self.relay.config.token {
            None => true,
            Some(expected) => constant_time_eq(expected.as_bytes(), token.as_bytes()),
        };
        if ok {
            self.authed = true;
            return Ok(Outcome::empty());
        }
        self.auth_failures += 1;
        if self.auth_failures >= MAX_AUTH_FAILURES {
            self.closing = Some((1008, "too many wrong tokens".into()));
        }
        Err(ErrorBody::new(
            codes::UNAUTHORIZED,
            "wrong token; ask your teacher for the class token",
        ))
    }
}

/// Compares two secrets in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
