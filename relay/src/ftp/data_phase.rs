//! The data phase of an FTP connection's running transfer
//! ([`Stage::Data`]): one read or write at a time on the data connection, the
//! events each block or line becomes, the end of the data (then the final
//! reply is read), and `ABOR` (docs/protocol.md "FTP operations", "Transfers").
//!
//! Owns the moves into, within and out of the data phase; what the bytes mean is
//! `transfer.rs`, where upload bytes wait is `upload.rs`, the rest of the engine
//! is `conn.rs`.

use super::conn::FtpConn;
use super::control::Control;
use super::data::{start_read, start_write, DataConn};
use super::jobs::CtrlTask;
use super::phase::{CtrlStep, DataLink, Phase, Stage};
use super::transfer::{Arrived, Transfer};
use super::upload::Next;
use crate::engines::Effects;
use bytes::Bytes;
use futures::future::AbortHandle;
use shared::{Data, Dir, Encoding, ErrorBody, Event};

/// The data phase's parts, out of the [`Phase`] while a step decides what
/// comes next (the step always sets the phase again).
struct DataParts {
    ctrl: Control,
    transfer: Transfer,
    link: DataLink,
}

impl FtpConn {
    /// Takes the data phase's parts out; `None` (phase unchanged) outside it.
    fn take_data(&mut self) -> Option<DataParts> {
        match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::Transfer {
                transfer,
                stage: Stage::Data { ctrl, link },
            } => Some(DataParts {
                ctrl,
                transfer,
                link,
            }),
            other => {
                self.phase = other;
                None
            }
        }
    }

    fn put_data(&mut self, parts: DataParts) {
        let DataParts {
            ctrl,
            transfer,
            link,
        } = parts;
        self.phase = Phase::Transfer {
            transfer,
            stage: Stage::Data { ctrl, link },
        };
    }

    /// Takes the data phase's parts out when a read or write future was
    /// running (its report arrived); `None` (phase unchanged) otherwise.
    fn take_busy_data(&mut self) -> Option<(Control, Transfer)> {
        let parts = self.take_data()?;
        if let DataLink::Here(_) = parts.link {
            self.put_data(parts);
            return None;
        }
        Some((parts.ctrl, parts.transfer))
    }

    /// Runs a control task for the transfer (of call `id`); the phase becomes
    /// that step.
    fn transfer_control(
        &mut self,
        id: u64,
        (ctrl, transfer): (Control, Transfer),
        task: CtrlTask,
        step: CtrlStep,
        abort: Option<u64>,
        fx: &mut Effects,
    ) {
        let fut = self.run_control(id, ctrl, task, fx);
        self.phase = Phase::Transfer {
            transfer,
            stage: Stage::Control { step, fut, abort },
        };
    }

    /// The transfer command succeeded: the data connection is open. An
    /// `ftp.abort` that waited for this stops the transfer now.
    pub(super) fn enter_data(
        &mut self,
        ctrl: Control,
        transfer: Transfer,
        data: DataConn,
        size: Option<u64>,
        abort: Option<u64>,
        fx: &mut Effects,
    ) {
        if let Some(size) = size {
            self.data_note(Dir::In, format!("{size} bytes announced"), fx);
        }
        let link = DataLink::Here(data);
        self.put_data(DataParts {
            ctrl,
            transfer,
            link,
        });
        match abort {
            Some(aid) => self.abort_data(Some(aid), fx),
            None => self.pump(fx),
        }
    }

    /// Starts the next data-phase step: a read, a write, or (an upload having
    /// written everything) closing the data connection and reading the final reply.
    pub(super) fn pump(&mut self, fx: &mut Effects) {
        let Some(id) = self.calls.running() else {
            return;
        };
        let Some(DataParts {
            ctrl,
            mut transfer,
            link,
        }) = self.take_data()
        else {
            return;
        };
        let data = match link {
            DataLink::Here(data) => data,
            busy @ DataLink::Busy(_) => {
                let parts = DataParts {
                    ctrl,
                    transfer,
                    link: busy,
                };
                return self.put_data(parts);
            }
        };
        if let Some(max) = transfer.read_size() {
            let (fut, abort) = start_read(self.name.clone(), data, max);
            return self.run_data(ctrl, transfer, fut, abort, fx);
        }
        let out = loop {
            match self.uploads.next(id) {
                Next::Wait => {
                    let link = DataLink::Here(data);
                    return self.put_data(DataParts {
                        ctrl,
                        transfer,
                        link,
                    });
                }
                Next::Chunk(chunk) => match transfer.outgoing(chunk) {
                    Ok(out) if out.is_empty() => continue,
                    Ok(out) => break out,
                    Err(e) => {
                        let link = DataLink::Here(data);
                        let parts = DataParts {
                            ctrl,
                            transfer,
                            link,
                        };
                        return self.end_data(parts, Err(e), fx);
                    }
                },
                Next::Done => match transfer.stor_rest() {
                    Some(last) => break last,
                    None => {
                        let bytes = transfer.bytes;
                        self.data_note(Dir::Out, format!("close after {bytes} bytes"), fx);
                        let task = CtrlTask::Finish(Some(data));
                        let parts = (ctrl, transfer);
                        return self.transfer_control(id, parts, task, CtrlStep::Closing, None, fx);
                    }
                },
            }
        };
        let (fut, abort) = start_write(self.name.clone(), data, out);
        self.run_data(ctrl, transfer, fut, abort, fx);
    }

    fn run_data(
        &mut self,
        ctrl: Control,
        transfer: Transfer,
        fut: crate::io::IoFuture,
        abort: AbortHandle,
        fx: &mut Effects,
    ) {
        fx.run(fut);
        let link = DataLink::Busy(abort);
        self.put_data(DataParts {
            ctrl,
            transfer,
            link,
        });
    }

    /// A read on the data connection finished: a block, lines, or the end of
    /// the data.
    pub(super) fn on_read(
        &mut self,
        data: DataConn,
        result: Result<Bytes, ErrorBody>,
        fx: &mut Effects,
    ) {
        let Some(id) = self.calls.running() else {
            return;
        };
        let Some((ctrl, mut transfer)) = self.take_busy_data() else {
            return;
        };
        let chunk = match result {
            Ok(chunk) => chunk,
            Err(e) => return self.data_failed(ctrl, &transfer, data, e, fx),
        };
        if chunk.is_empty() {
            let last = transfer.retr_rest();
            drop(data);
            if let Some(line) = last {
                if let Err(e) = self.show_line(&mut transfer, line, fx) {
                    self.phase = Phase::Idle(ctrl);
                    return self.finish(Err(e), None, fx);
                }
            }
            let bytes = transfer.bytes;
            self.data_note(Dir::In, format!("close after {bytes} bytes"), fx);
            let (parts, task) = ((ctrl, transfer), CtrlTask::Finish(None));
            return self.transfer_control(id, parts, task, CtrlStep::Closing, None, fx);
        }
        let n = chunk.len();
        transfer.bytes += n as u64;
        let arrived = transfer.arrived(&chunk);
        self.data_note(Dir::In, format!("{n} bytes"), fx);
        let link = DataLink::Here(data);
        let mut parts = DataParts {
            ctrl,
            transfer,
            link,
        };
        match arrived {
            Arrived::Block { frames: true } => {
                fx.binary(Bytes::from(shared::binary::encode(&self.name, &chunk)));
            }
            Arrived::Block { frames: false } => fx.event(Event::FtpBlock {
                conn: self.name.clone(),
                data: Data::from_bytes(chunk.to_vec(), Encoding::Text),
            }),
            Arrived::Lines(Err(e)) => return self.end_data(parts, Err(e), fx),
            Arrived::Lines(Ok(lines)) => {
                for line in lines {
                    if let Err(e) = self.show_line(&mut parts.transfer, line, fx) {
                        return self.end_data(parts, Err(e), fx);
                    }
                }
            }
        }
        self.put_data(parts);
        self.pump(fx);
    }

    /// One line of `retrlines`/`dir`/`nlst`: an `ftp.line` event.
    fn show_line(
        &self,
        transfer: &mut Transfer,
        line: Vec<u8>,
        fx: &mut Effects,
    ) -> Result<(), ErrorBody> {
        let line = transfer.line(line)?;
        fx.event(Event::FtpLine {
            conn: self.name.clone(),
            line,
        });
        Ok(())
    }

    /// A write on the data connection finished.
    pub(super) fn on_wrote(
        &mut self,
        data: DataConn,
        n: usize,
        result: Result<(), ErrorBody>,
        fx: &mut Effects,
    ) {
        let Some((ctrl, mut transfer)) = self.take_busy_data() else {
            return;
        };
        if let Err(e) = result {
            return self.data_failed(ctrl, &transfer, data, e, fx);
        }
        transfer.bytes += n as u64;
        let link = DataLink::Here(data);
        self.put_data(DataParts {
            ctrl,
            transfer,
            link,
        });
        self.data_note(Dir::Out, format!("{n} bytes"), fx);
        self.pump(fx);
    }

    /// A read or write failed: Python leaves the `with` block by the
    /// exception, so the data connection closes and no final reply is read.
    fn data_failed(
        &mut self,
        ctrl: Control,
        transfer: &Transfer,
        data: DataConn,
        e: ErrorBody,
        fx: &mut Effects,
    ) {
        drop(data);
        let bytes = transfer.bytes;
        let text = format!("close after {bytes} bytes ({})", e.message);
        self.data_note(transfer.dir(), text, fx);
        self.phase = Phase::Idle(ctrl);
        self.finish(Err(e), None, fx);
    }

    /// Ends the transfer from its data phase with `result` (a refused line),
    /// closing the data connection.
    fn end_data(
        &mut self,
        parts: DataParts,
        result: Result<shared::OkBody, ErrorBody>,
        fx: &mut Effects,
    ) {
        let DataParts {
            ctrl,
            transfer,
            link,
        } = parts;
        self.phase = Phase::Idle(ctrl);
        match link {
            DataLink::Here(data) => {
                drop(data);
                let bytes = transfer.bytes;
                self.data_note(Dir::In, format!("close after {bytes} bytes"), fx);
            }
            DataLink::Busy(fut) => fut.abort(),
        }
        self.finish(result, None, fx);
    }

    /// Stops the data phase (closing the data connection) and sends `ABOR`;
    /// `abort`: the `ftp.abort` request its first reply answers (`None` when
    /// the transfer's own request was cancelled).
    pub(super) fn abort_data(&mut self, abort: Option<u64>, fx: &mut Effects) {
        let Some(id) = self.calls.running() else {
            return;
        };
        let Some(DataParts {
            ctrl,
            transfer,
            link,
        }) = self.take_data()
        else {
            return;
        };
        match link {
            DataLink::Here(data) => drop(data),
            DataLink::Busy(fut) => fut.abort(),
        }
        let bytes = transfer.bytes;
        let text = format!("close after {bytes} bytes (aborted)");
        self.data_note(transfer.dir(), text, fx);
        let (parts, task) = ((ctrl, transfer), CtrlTask::AbortTransfer);
        self.transfer_control(id, parts, task, CtrlStep::Aborting, abort, fx);
    }
}
