//! STUB — the FTP helper replaces this: the `ftp.*` ops as methods on Session.

use crate::ftp::FtpDone;
use crate::session::Session;
use bytes::Bytes;
use shared::{codes, Event, Op};

impl Session {
    /// Performs one `ftp.*` op.
    pub fn op_ftp(&mut self, id: u64, op: Op) {
        self.out.err(id, super::not_yet(&op));
    }

    /// Applies the result of an FTP future.
    pub fn on_ftp(&mut self, done: FtpDone) {
        match done {}
    }

    /// A binary frame addressed to an FTP handle (an upload's bytes).
    pub fn ftp_frame(&mut self, h: &str, _payload: Bytes) {
        self.out.event(Event::Error {
            code: codes::BAD_REQUEST.into(),
            message: format!("binary frame for {h}, which has no upload in progress"),
        });
    }
}
