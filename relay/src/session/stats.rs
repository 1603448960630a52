//! The session's side of the teacher's view (`status.rs`): the `progress` op,
//! which keeps the page's latest lesson report for `/status` only (never shown to
//! another session; bounds and wording are `shared::progress`), and the counters
//! the loop reports — open handles after each step, bytes handed to the browser.

use super::Session;
use crate::ops::{OpResult, Outcome};
use crate::oserror::bad_request;
use axum::extract::ws::Message;
use shared::Progress;

impl Session {
    pub fn op_progress(&mut self, report: Progress) -> OpResult {
        let report = report.check().map_err(bad_request)?;
        self.stats.report(report);
        Ok(Outcome::empty())
    }

    /// Open handles by kind and lab connections, as they are now.
    pub(super) fn report_handles(&self) {
        self.stats.set_handles(
            self.socks.len(),
            self.http.len(),
            self.ftp.len(),
            self.budget.lab_clients(),
        );
    }

    /// The outbox's next write batch, counted as bytes out.
    pub(super) fn take_out_batch(&mut self, max_bytes: usize) -> Vec<Message> {
        let queued = self.out.bytes();
        let batch = self.out.take_batch(max_bytes);
        self.stats.bytes_out(queued - self.out.bytes());
        batch
    }
}
