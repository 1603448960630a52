//! The session's interface with its connection engines (an HTTP `h…` or FTP
//! `f…` connection): what an engine asks the session to do, how the session
//! does it, and how a cancelled call reaches its engine.
//!
//! Engines (`http/engine.rs`, `ftp/conn.rs`) never see the session: each call
//! into one takes an [`Effects`] and records, in order, the answers to pending
//! requests, the events and binary frames for the browser and the futures to
//! poll. The session then applies them with [`Session::apply`]: answers go
//! through the pending table and [`Session::complete`] (so a request is answered
//! exactly once), frames through the outbox in the recorded order (the events a
//! call causes come before its reply, docs/protocol.md "Ordering rules"), and
//! futures into the session's I/O set. [`Session::drive`] is the one way into
//! an engine: it also counts the engine's buffered upload bytes in the session's
//! piped bytes and forgets a handle the engine closed. A call the session
//! abandons (`cancel`) is answered first, then its engine is told
//! ([`Session::abandon_conn_call`]).

use crate::io::IoFuture;
use crate::session::Session;
use bytes::Bytes;
use shared::{ErrorBody, Event, OkBody};
use std::collections::HashMap;

/// What the session asks of every connection engine besides its calls.
pub trait Engine {
    /// Bytes it holds for the network, not yet written (counted in the
    /// session's piped bytes).
    fn buffered(&self) -> usize {
        0
    }

    /// Did the handle end (the session then forgets it)?
    fn is_closed(&self) -> bool {
        false
    }
}

/// One thing an engine asks for.
pub enum Effect {
    /// Answer pending request `id` (the session forgets it as pending).
    Answer(u64, Result<OkBody, ErrorBody>),
    /// An event for the browser.
    Event(Event),
    /// A binary frame for the browser.
    Binary(Bytes),
    /// A future to poll with the session's other I/O.
    Run(IoFuture),
}

/// The effects of one call into an engine, in order.
#[derive(Default)]
#[must_use = "effects do nothing until the session applies them"]
pub struct Effects(Vec<Effect>);

impl Effects {
    pub fn answer(&mut self, id: u64, result: Result<OkBody, ErrorBody>) {
        self.0.push(Effect::Answer(id, result));
    }

    pub fn event(&mut self, event: Event) {
        self.0.push(Effect::Event(event));
    }

    pub fn binary(&mut self, frame: Bytes) {
        self.0.push(Effect::Binary(frame));
    }

    pub fn run(&mut self, fut: IoFuture) {
        self.0.push(Effect::Run(fut));
    }

    /// The effects recorded so far, in order.
    pub fn into_vec(self) -> Vec<Effect> {
        self.0
    }
}

impl Session {
    /// Runs `f` on the engine of handle `h` in `table` (the session's HTTP or
    /// FTP connections) and applies what it asked for: the change in its
    /// buffered bytes, the end of a closed handle, then its effects in order.
    /// `None` when `h` is not in `table`.
    pub fn drive<E: Engine, R>(
        &mut self,
        table: fn(&mut Session) -> &mut HashMap<String, E>,
        h: &str,
        f: impl FnOnce(&mut E, &mut Effects) -> R,
    ) -> Option<R> {
        let engine = table(self).get_mut(h)?;
        let before = engine.buffered();
        let mut fx = Effects::default();
        let r = f(engine, &mut fx);
        let (after, closed) = (engine.buffered(), engine.is_closed());
        self.budget.release_piped(before);
        self.budget.hold_piped(after);
        if closed {
            table(self).remove(h);
            self.budget.release_lab(h);
        }
        self.apply(fx);
        Some(r)
    }

    /// Applies an engine's effects in order. An answer for a request that is no
    /// longer pending (cancelled, timed out, or answered by a close) is dropped.
    pub fn apply(&mut self, effects: Effects) {
        for effect in effects.into_vec() {
            match effect {
                Effect::Answer(id, result) => {
                    if self.take_pending(id).is_some() {
                        self.complete(id, result);
                    }
                }
                Effect::Event(e) => self.out.event(e),
                Effect::Binary(b) => self.out.binary(b),
                Effect::Run(fut) => self.io.push(fut),
            }
        }
    }

    /// Answers call `id` on connection `h` with `err` (it is no longer pending),
    /// then tells the connection's engine, which stops the call: what that
    /// causes comes after the answer.
    pub fn abandon_conn_call(&mut self, h: &str, id: u64, err: ErrorBody) {
        self.complete(id, Err(err));
        self.http_cancelled(h, id);
        self.ftp_cancelled(h, id);
        self.mail_cancelled(h, id);
    }
}
