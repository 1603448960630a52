//! The `smtp.*` and `pop3.*` ops (docs/protocol.md "SMTP operations", "POP3
//! operations") as methods on [`Session`].

use super::OpResult;
use crate::session::Session;
use shared::{codes, ErrorBody, Op};

impl Session {
    /// Performs one `smtp.*` or `pop3.*` op.
    pub fn op_mail(&mut self, _id: u64, op: Op) -> OpResult {
        Err(ErrorBody::new(
            codes::BAD_REQUEST,
            format!("op `{}` is not performed by this relay yet", op.name()),
        ))
    }
}
