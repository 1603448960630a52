//! What an FTP connection is doing: one [`Phase`] holds the control connection
//! (or says which future has it), the running transfer and its data connection,
//! and an `ftp.abort` waiting on the transfer — so no combination of flags can
//! disagree. [`PhaseKind`] names a phase without its contents, and carries the
//! rules of what each phase allows (docs/protocol.md "FTP operations":
//! **Ordering**, "Transfers", "`ftp.abort`, `ftp.quit`, `ftp.close`").
//!
//! The moves between phases are made by the engine (`conn.rs`,
//! `data_phase.rs`):
//!
//! ```text
//! Idle ──command──▶ Command ──reply──▶ Idle          (quit: ▶ Closed)
//! Idle ──transfer─▶ Opening ──ready──▶ Data ──end──▶ Closing ──reply──▶ Idle
//!                              │         └─abort/cancel─▶ Aborting ──replies──▶ Idle
//!                              └─(an abort waiting)─────▶ Aborting
//! Command, Opening, Closing, Aborting ──cancel──▶ Lost    any ──close──▶ Closed
//! ```
//!
//! A failed step goes back to `Idle` and answers the call's error.

use super::control::Control;
use super::data::DataConn;
use super::transfer::Transfer;
use futures::future::AbortHandle;

/// An FTP connection's state.
pub enum Phase {
    /// No call runs; the control connection waits here.
    Idle(Control),
    /// The control connection is gone: a call was cancelled while a control
    /// future had it. Every later call answers `EBADF` with this message.
    Lost(String),
    /// The handle was closed (`ftp.close`, `close`, or after `ftp.quit`).
    Closed,
    /// A control-only command (`login`, `cwd`, `sendcmd`, …): its future has
    /// the control connection.
    Command(AbortHandle),
    /// A transfer (`retr*`, `dir`, `nlst`, `stor*`).
    Transfer { transfer: Transfer, stage: Stage },
}

/// How far a transfer got.
// One per connection, moved between phases by value: boxing the control
// connection would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Stage {
    /// A control future has the control connection. `abort`: an `ftp.abort`
    /// request waiting on the transfer (see [`AbortRule::Attach`]).
    Control {
        step: CtrlStep,
        fut: AbortHandle,
        abort: Option<u64>,
    },
    /// The data phase: the control connection waits here while the data
    /// connection is read or written.
    Data { ctrl: Control, link: DataLink },
}

/// What a transfer's control future does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtrlStep {
    /// `TYPE`, `PASV`/`PORT`, `REST`, the transfer command: opens the data connection.
    Opening,
    /// Closes the data connection and reads the final reply.
    Closing,
    /// `ABOR`: the abort's reply, then the transfer's.
    Aborting,
}

/// The data connection during the data phase.
pub enum DataLink {
    /// Held here: the next read or write starts from here (an upload waits
    /// here for the client's frames).
    Here(DataConn),
    /// A read or write future has it.
    Busy(AbortHandle),
}

/// A [`Phase`] without its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseKind {
    Idle,
    Lost,
    Closed,
    Command,
    Opening,
    Data,
    Closing,
    Aborting,
}

/// What an `ftp.abort` does (docs/protocol.md, "Transfers", stopping a transfer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortRule {
    /// The data phase runs: close the data connection and send `ABOR` now.
    Now,
    /// Wait on the transfer: when it opens, `ABOR` is sent; when `ABOR` is
    /// already running, its reply answers this abort; when the final reply is
    /// being read, the abort runs right after as an ordinary command.
    Attach,
    /// No transfer to stop (or one is already spoken for): an ordinary command,
    /// in turn.
    Queue,
}

/// What cancelling the running call does to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelRule {
    /// A control future is mid-command: the control connection's state is
    /// unknown, so it is dropped (as a Python program interrupted there would
    /// have to) and the connection is [`Phase::Lost`].
    LoseControl,
    /// The data phase runs: the transfer is aborted to keep the control
    /// connection in step, answering nobody.
    AbortTransfer,
    /// No call runs.
    Nothing,
}

impl Phase {
    pub fn kind(&self) -> PhaseKind {
        match self {
            Phase::Idle(_) => PhaseKind::Idle,
            Phase::Lost(_) => PhaseKind::Lost,
            Phase::Closed => PhaseKind::Closed,
            Phase::Command(_) => PhaseKind::Command,
            Phase::Transfer { stage, .. } => match stage {
                Stage::Data { .. } => PhaseKind::Data,
                Stage::Control { step, .. } => match step {
                    CtrlStep::Opening => PhaseKind::Opening,
                    CtrlStep::Closing => PhaseKind::Closing,
                    CtrlStep::Aborting => PhaseKind::Aborting,
                },
            },
        }
    }

    /// An `ftp.abort` waiting on the transfer.
    pub fn attached_abort(&mut self) -> Option<&mut Option<u64>> {
        match self {
            Phase::Transfer {
                stage: Stage::Control { abort, .. },
                ..
            } => Some(abort),
            _ => None,
        }
    }

    /// Stops the future that runs in this phase, if any (its report will not
    /// come).
    pub fn abort_future(&self) {
        match self {
            Phase::Command(fut)
            | Phase::Transfer {
                stage: Stage::Control { fut, .. },
                ..
            }
            | Phase::Transfer {
                stage:
                    Stage::Data {
                        link: DataLink::Busy(fut),
                        ..
                    },
                ..
            } => fut.abort(),
            _ => {}
        }
    }
}

impl PhaseKind {
    /// May the next queued call be taken? (In `Lost` it is answered `EBADF`.)
    pub fn takes_next(self) -> bool {
        matches!(self, PhaseKind::Idle | PhaseKind::Lost)
    }

    /// Does a control future have the control connection (so its report is
    /// awaited)?
    pub fn awaits_control(self) -> bool {
        matches!(
            self,
            PhaseKind::Command | PhaseKind::Opening | PhaseKind::Closing | PhaseKind::Aborting
        )
    }

    /// What an `ftp.abort` does; `attached`: an abort already waits on the
    /// transfer; `cancelled`: the transfer's own request was cancelled.
    pub fn abort_rule(self, attached: bool, cancelled: bool) -> AbortRule {
        match self {
            PhaseKind::Data => AbortRule::Now,
            PhaseKind::Opening | PhaseKind::Closing | PhaseKind::Aborting
                if !attached && !cancelled =>
            {
                AbortRule::Attach
            }
            _ => AbortRule::Queue,
        }
    }

    /// What cancelling the running call does.
    pub fn cancel_rule(self) -> CancelRule {
        match self {
            PhaseKind::Data => CancelRule::AbortTransfer,
            k if k.awaits_control() => CancelRule::LoseControl,
            _ => CancelRule::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PhaseKind::*;

    const ALL: [PhaseKind; 8] = [
        Idle, Lost, Closed, Command, Opening, Data, Closing, Aborting,
    ];

    #[test]
    fn only_an_idle_or_lost_connection_takes_the_next_call() {
        for k in ALL {
            assert_eq!(k.takes_next(), matches!(k, Idle | Lost), "{k:?}");
        }
    }

    #[test]
    fn control_reports_are_awaited_exactly_while_a_control_future_runs() {
        for k in ALL {
            assert_eq!(
                k.awaits_control(),
                matches!(k, Command | Opening | Closing | Aborting),
                "{k:?}"
            );
        }
    }

    #[test]
    fn abort_acts_now_in_the_data_phase_and_waits_on_other_transfer_stages() {
        for k in ALL {
            let expected = match k {
                Data => AbortRule::Now,
                Opening | Closing | Aborting => AbortRule::Attach,
                Idle | Lost | Closed | Command => AbortRule::Queue,
            };
            assert_eq!(k.abort_rule(false, false), expected, "{k:?}");
        }
    }

    #[test]
    fn a_second_abort_or_one_on_a_cancelled_transfer_waits_its_turn() {
        for k in [Opening, Closing, Aborting] {
            assert_eq!(k.abort_rule(true, false), AbortRule::Queue, "{k:?}");
            assert_eq!(k.abort_rule(false, true), AbortRule::Queue, "{k:?}");
        }
        assert_eq!(Data.abort_rule(false, false), AbortRule::Now);
    }

    #[test]
    fn cancelling_mid_command_loses_the_control_connection() {
        for k in ALL {
            let expected = match k {
                Data => CancelRule::AbortTransfer,
                Command | Opening | Closing | Aborting => CancelRule::LoseControl,
                Idle | Lost | Closed => CancelRule::Nothing,
            };
            assert_eq!(k.cancel_rule(), expected, "{k:?}");
        }
    }
}
