//! `progress`: the page reports the learner's lesson progress and display name;
//! the relay keeps the latest report for the teacher's `/status` only (never
//! shown to another session). Bounds and wording are `shared::progress`.

use super::{OpResult, Outcome};
use crate::oserror::bad_request;
use crate::session::Session;
use shared::Progress;

impl Session {
    pub fn op_progress(&mut self, report: Progress) -> OpResult {
        let report = report.check().map_err(bad_request)?;
        self.stats.report(report);
        Ok(Outcome::empty())
    }
}
