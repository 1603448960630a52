//! STUB — the HTTP helper replaces this: the `http.*` ops as methods on Session.

use crate::http::HttpDone;
use crate::session::Session;
use shared::Op;

impl Session {
    /// Performs one `http.*` op.
    pub fn op_http(&mut self, id: u64, op: Op) {
        self.out.err(id, super::not_yet(&op));
    }

    /// Applies the result of an HTTP future.
    pub fn on_http(&mut self, done: HttpDone) {
        match done {}
    }
}
