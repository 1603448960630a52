//! One `f…` handle — one `ftplib.FTP` object — as the session drives it: its
//! calls, performed one at a time in arrival order as one Python thread calling
//! ftplib would (docs/protocol.md "FTP operations", **Ordering**), its settings
//! (`set_pasv`, `set_debuglevel`), its upload bytes and the one [`Phase`] it is
//! in (`phase.rs`).
//!
//! A call runs as a chain of futures: a control future (`jobs.rs`) for a command
//! or to open a transfer, then — for a transfer — one future per block read or
//! written on the data connection (`data_phase.rs`), so each block becomes an
//! `ftp.block` / `ftp.line` event or binary frame as it arrives (and the session's
//! outbox high water holds back the FTP server when the browser is slow), then a
//! control future for the final reply. `getwelcome`, `set_pasv` and
//! `set_debuglevel` wait their turn but need no I/O; `ftp.abort` follows
//! [`AbortRule`]; cancelling the running call follows [`CancelRule`]; `close`
//! acts at once.
//!
//! Interface with the session (`ops/ftp.rs`): [`FtpConn::call`],
//! [`FtpConn::store`], [`FtpConn::abort`], [`FtpConn::frame`],
//! [`FtpConn::on_report`], [`FtpConn::cancel`] and [`FtpConn::close`]. Each
//! records what the session must do in an [`Effects`] (answers, `wire` and
//! transfer events, binary frames, futures to poll); the session registers
//! calls as pending before it hands them over, counts the upload bytes held
//! ([`Engine::buffered`]) in its piped bytes and forgets the handle once it is
//! closed ([`Engine::is_closed`]).

use super::control::{Control, Note};
use super::data::TransferSpec;
use super::jobs::{self, Cmd, CtrlTask, Step};
use super::phase::{AbortRule, CancelRule, CtrlStep, Phase, PhaseKind, Stage};
use super::transfer::Transfer;
use super::upload::Uploads;
use super::{Job, Report, RetrMode};
use crate::call_queue::{closed_error, CallQueue, Cancelled};
use crate::engines::{Effects, Engine};
use crate::io;
use crate::policy::Policy;
use bytes::Bytes;
use futures::future::AbortHandle;
use shared::{codes, Dir, Errno, ErrorBody, Event, OkBody};
use std::sync::Arc;

/// An `f…` handle.
pub struct FtpConn {
    pub(super) name: String,
    policy: Arc<Policy>,
    welcome: String,
    /// `set_pasv` (default `True`).
    passive: bool,
    /// `set_debuglevel`: 0 hides `wire` events (the playground's default is 1).
    debug: u8,
    pub(super) calls: CallQueue<Job>,
    pub(super) phase: Phase,
    pub(super) uploads: Uploads,
}

impl Engine for FtpConn {
    /// Upload bytes held, not yet written.
    fn buffered(&self) -> usize {
        self.uploads.buffered()
    }

    /// Closed by `close`, or when `quit` succeeded.
    fn is_closed(&self) -> bool {
        self.phase.kind() == PhaseKind::Closed
    }
}

impl FtpConn {
    /// A connection whose welcome was read.
    pub fn new(name: String, ctrl: Control, welcome: String, policy: Arc<Policy>) -> FtpConn {
        FtpConn {
            name,
            policy,
            welcome,
            passive: true,
            debug: 1,
            calls: CallQueue::default(),
            phase: Phase::Idle(ctrl),
            uploads: Uploads::default(),
        }
    }

    /// Queues call `id`, and starts it when the connection is idle.
    pub fn call(&mut self, id: u64, job: Job, fx: &mut Effects) {
        self.calls.push(id, job);
        self.next(fx);
    }

    /// Queues upload `id` (`storbinary`/`storlines`) with its `inline` bytes, or
    /// `left` bytes to come as binary frames.
    pub fn store(&mut self, id: u64, job: Job, left: u64, inline: Option<Bytes>, fx: &mut Effects) {
        self.uploads.open(id, left, inline);
        self.call(id, job, fx);
    }

    /// `ftp.abort` (request `id`): see [`AbortRule`].
    pub fn abort(&mut self, id: u64, fx: &mut Effects) {
        let attached = self.phase.attached_abort().is_some_and(|a| a.is_some());
        let cancelled = self.calls.running_cancelled();
        match self.phase.kind().abort_rule(attached, cancelled) {
            AbortRule::Now => self.abort_data(Some(id), fx),
            AbortRule::Attach => {
                if let Some(slot) = self.phase.attached_abort() {
                    *slot = Some(id);
                }
            }
            AbortRule::Queue => self.call(id, Job::Cmd(Cmd::Abort), fx),
        }
    }

    /// A binary frame addressed to this connection: an upload's bytes.
    pub fn frame(&mut self, payload: Bytes, fx: &mut Effects) {
        if self.uploads.fill(payload).is_err() {
            return fx.event(Event::Error {
                code: codes::BAD_REQUEST.into(),
                message: format!(
                    "binary frame for {}, which has no upload waiting for bytes (send exactly `size` bytes after ftp.storbinary/storlines)",
                    self.name
                ),
            });
        }
        self.pump(fx);
    }

    /// Request `id` was cancelled (and answered by the session).
    pub fn cancel(&mut self, id: u64, fx: &mut Effects) {
        match self.calls.cancel(id) {
            Cancelled::Waiting(_) => self.uploads.discard(id),
            Cancelled::Running => match self.phase.kind().cancel_rule() {
                CancelRule::LoseControl => self.lose_control(id, fx),
                CancelRule::AbortTransfer => {
                    self.uploads.discard(id);
                    self.abort_data(None, fx);
                }
                CancelRule::Nothing => {}
            },
            Cancelled::Unknown => {
                if let Some(slot) = self.phase.attached_abort() {
                    if *slot == Some(id) {
                        *slot = None;
                    }
                }
            }
        }
    }

    /// `ftp.close` (and `close`, and the end of `quit`): stops the running
    /// future and answers every call still owed `EBADF`.
    pub fn close(&mut self, fx: &mut Effects) {
        self.phase.abort_future();
        let attached = self.phase.attached_abort().and_then(Option::take);
        self.phase = Phase::Closed;
        let owed = self.calls.drain();
        let waiting = owed.waiting.into_iter().map(|(id, _)| id);
        for id in waiting.chain(owed.running).chain(attached) {
            fx.answer(id, Err(closed_error(&self.name)));
        }
        self.uploads.clear();
    }

    /// Applies the report of one of this connection's futures.
    pub fn on_report(&mut self, report: Report, fx: &mut Effects) {
        match report {
            Report::Control {
                id,
                ctrl,
                notes,
                result,
            } => self.on_control(id, ctrl, notes, result, fx),
            Report::Read { data, result } => self.on_read(data, result, fx),
            Report::Wrote { data, n, result } => self.on_wrote(data, n, result, fx),
        }
    }

    /// A control future of the running call handed the control connection back.
    fn on_control(
        &mut self,
        id: u64,
        ctrl: Control,
        notes: Vec<Note>,
        result: Result<Step, ErrorBody>,
        fx: &mut Effects,
    ) {
        if self.calls.running() != Some(id) || !self.phase.kind().awaits_control() {
            return;
        }
        let (transfer, abort) = match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::Transfer {
                transfer,
                stage: Stage::Control { abort, .. },
            } => (Some(transfer), abort),
            _ => (None, None), // a command
        };
        for note in notes {
            self.show(note, fx);
        }
        let result = match (result, transfer) {
            (Ok(Step::Ready { data, size }), Some(transfer)) => {
                return self.enter_data(ctrl, transfer, data, size, abort, fx);
            }
            (Ok(Step::Quit(body)), _) => {
                self.phase = Phase::Idle(ctrl);
                self.finish(Ok(body), abort, fx);
                return self.close(fx);
            }
            (
                Ok(Step::Aborted {
                    abort: first,
                    transfer: end,
                }),
                transfer,
            ) => {
                // ABOR's first reply answers the abort, the next one the transfer.
                if let Some(aid) = abort {
                    fx.answer(aid, first.map(|reply| OkBody::FtpReply { reply }));
                }
                self.phase = Phase::Idle(ctrl);
                let end = end.map(|reply| ended(transfer, reply));
                return self.finish(end, None, fx);
            }
            (Ok(Step::Final(reply)), transfer) => Ok(ended(transfer, reply)),
            (Ok(Step::Done(body)), _) => Ok(body),
            // A command's future never opens a data connection.
            (Ok(Step::Ready { .. }), None) => Ok(OkBody::Empty {}),
            (Err(e), _) => Err(e),
        };
        self.phase = Phase::Idle(ctrl);
        self.finish(result, abort, fx);
    }

    /// Ends the running call; the phase is `Idle` or `Lost` again. Answers it
    /// (unless it was cancelled), drops its upload, puts an `ftp.abort` that
    /// waited on it first in line (an ordinary command now), and starts the next.
    pub(super) fn finish(
        &mut self,
        result: Result<OkBody, ErrorBody>,
        abort: Option<u64>,
        fx: &mut Effects,
    ) {
        let running = self.calls.running();
        if let Some(id) = self.calls.finish() {
            fx.answer(id, result);
        }
        if let Some(id) = running {
            self.uploads.discard(id);
        }
        if let Some(aid) = abort {
            self.calls.push_front(aid, Job::Cmd(Cmd::Abort));
        }
        self.next(fx);
    }

    /// Starts waiting calls while the connection is idle: the ones that need no
    /// I/O are answered at once; on a lost connection every call answers `EBADF`.
    fn next(&mut self, fx: &mut Effects) {
        while self.phase.kind().takes_next() {
            let Some((id, job)) = self.calls.next() else {
                return;
            };
            if let Phase::Lost(why) = &self.phase {
                fx.answer(id, Err(ErrorBody::errno_with(Errno::EBADF, why.clone())));
                self.uploads.discard(id);
                continue;
            }
            let (task, transfer) = match job {
                Job::GetWelcome => {
                    let welcome = self.welcome.clone();
                    fx.answer(id, Ok(OkBody::FtpWelcome { welcome }));
                    continue;
                }
                Job::SetPasv(v) => {
                    self.passive = v;
                    fx.answer(id, Ok(OkBody::Empty {}));
                    continue;
                }
                Job::SetDebuglevel(l) => {
                    self.debug = l;
                    fx.answer(id, Ok(OkBody::Empty {}));
                    continue;
                }
                Job::Cmd(cmd) => (CtrlTask::Cmd(cmd), None),
                Job::Retr { cmd, rest, mode } => {
                    let binary = matches!(mode, RetrMode::Binary { .. });
                    let task = CtrlTask::Open(self.spec(binary, cmd, rest));
                    (task, Some(Transfer::retr(mode)))
                }
                Job::Stor { cmd, rest, lines } => {
                    let task = CtrlTask::Open(self.spec(!lines, cmd, rest));
                    (task, Some(Transfer::stor(lines)))
                }
            };
            self.start(id, task, transfer, fx);
        }
    }

    fn spec(&self, binary: bool, cmd: String, rest: Option<u64>) -> TransferSpec {
        TransferSpec {
            binary,
            cmd,
            rest,
            passive: self.passive,
        }
    }

    /// Makes `id` the running call and runs its first control task.
    fn start(&mut self, id: u64, task: CtrlTask, transfer: Option<Transfer>, fx: &mut Effects) {
        let ctrl = match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::Idle(ctrl) => ctrl,
            other => {
                // `next` starts calls on an idle connection only.
                self.phase = other;
                return;
            }
        };
        self.calls.start(id);
        let fut = self.run_control(id, ctrl, task, fx);
        self.phase = match transfer {
            None => Phase::Command(fut),
            Some(transfer) => Phase::Transfer {
                transfer,
                stage: Stage::Control {
                    step: CtrlStep::Opening,
                    fut,
                    abort: None,
                },
            },
        };
    }

    /// Runs a control task of call `id`; returns the handle that stops it.
    pub(super) fn run_control(
        &self,
        id: u64,
        ctrl: Control,
        task: CtrlTask,
        fx: &mut Effects,
    ) -> AbortHandle {
        let policy = Arc::clone(&self.policy);
        let (fut, abort) = io::abortable(jobs::run(self.name.clone(), id, ctrl, task, policy));
        fx.run(fut);
        abort
    }

    /// The running call (request `id`) was cancelled while a control future
    /// had the control connection: see [`CancelRule::LoseControl`].
    fn lose_control(&mut self, id: u64, fx: &mut Effects) {
        self.phase.abort_future();
        let abort = self.phase.attached_abort().and_then(Option::take);
        self.phase = Phase::Lost(format!(
            "Bad file descriptor ({} lost its control connection when request {id} was cancelled; close it and connect again)",
            self.name
        ));
        self.finish(Err(closed_error(&self.name)), abort, fx);
    }

    /// A `wire` event for something that crossed a channel, unless
    /// `set_debuglevel(0)` hides them.
    pub(super) fn show(&self, note: Note, fx: &mut Effects) {
        if self.debug > 0 {
            fx.event(note.into_event(&self.name));
        }
    }

    /// A `wire` event for the data channel (open, byte counts, close).
    pub(super) fn data_note(&self, dir: Dir, text: String, fx: &mut Effects) {
        self.show(Note::data(dir, text), fx);
    }
}

/// The `ok` body of a transfer that ended with `reply`.
fn ended(transfer: Option<Transfer>, reply: String) -> OkBody {
    match transfer {
        Some(t) => t.body(reply),
        None => OkBody::FtpReply { reply },
    }
}

#[cfg(test)]
mod tests;
