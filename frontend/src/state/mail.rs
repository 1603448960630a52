//! The Mail panel's slice of the state: the `smtplib.SMTP` connection and how
//! far its dialogue got ([`SmtpStage`]: which step buttons make sense), the
//! `poplib.POP3` connection (logged in or not), the mailbox as `stat()` and
//! `list()` last described it, the message `retr()` fetched ([`Fetched`]),
//! the raw lines of both dialogues, the calls with their results and the
//! Python transcript. Connections are named as the learner reads them
//! (`smtp`, `smtp2`; `pop`, `pop2`: [`Names`]).
//!
//! Fed by the reducer (`state/mod.rs`, through [`ProtocolSlice`]) with the
//! `smtp.*`/`pop3.*` requests sent and their replies, and the `wire` events
//! of their handles. It performs no I/O and must not touch the other slices.

pub mod message;

use super::http::{Call, WireChunk};
use super::protocol::ProtocolSlice;
use crate::log::Log;
use crate::python::mail as python_mail;
use crate::python::mail::MailNames;
use crate::python::{failure, PyEntry};
use message::Parsed;
use shared::{Event, OkBody, Op, Outcome};
#[cfg(test)]
mod tests;
use std::collections::BTreeMap;
use std::rc::Rc;

/// How far the SMTP dialogue got (what `smtplib` would let follow).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum SmtpStage {
    /// No connection.
    #[default]
    Closed,
    /// `220` read: `ehlo`/`helo` next.
    Connected,
    /// `EHLO`/`HELO` answered: `login`, `mail`, `sendmail`.
    Greeted,
    /// `MAIL FROM` accepted: `rcpt` next.
    Mail,
    /// At least one `RCPT TO` accepted: `data` may follow.
    Rcpt,
}

/// The message `retr(which)` returned.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    pub which: u32,
    pub octets: u64,
    /// The lines as `poplib` returns them (dot-unstuffed, no line ends).
    pub lines: Vec<String>,
    pub parsed: Parsed,
}

/// Actions only the Mail panel makes.
#[derive(Clone, Debug, PartialEq)]
pub enum MailAction {
    /// Forget the dialogues, the calls and the transcript.
    Clear,
}

/// Everything the Mail panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct MailState {
    /// The handle of the current SMTP connection.
    pub smtp: Option<String>,
    pub stage: SmtpStage,
    /// The SMTP server took `login()`.
    pub authed: bool,
    /// The handle of the current POP3 connection.
    pub pop: Option<String>,
    /// `pass_()` was accepted: the mailbox is open.
    pub pop_in: bool,
    /// `stat()`'s last answer: (messages, octets).
    pub stat: Option<(u64, u64)>,
    /// `list()`'s last answer: (message number, octets).
    pub listing: Vec<(u32, u64)>,
    /// Messages `dele()` marked (gone when the session ends with `quit()`).
    pub deleted: Vec<u32>,
    pub fetched: Option<Rc<Fetched>>,
    /// The SMTP and POP3 dialogues as they went over the wire.
    pub smtp_wire: Log<WireChunk>,
    pub pop_wire: Log<WireChunk>,
    pub calls: Vec<Call>,
    pub transcript: Log<PyEntry>,
    pending: BTreeMap<u64, Op>,
    names: MailNames,
}

impl Default for MailState {
    fn default() -> MailState {
        MailState {
            smtp: None,
            stage: SmtpStage::Closed,
            authed: false,
            pop: None,
            pop_in: false,
            stat: None,
            listing: Vec::new(),
            deleted: Vec::new(),
            fetched: None,
            smtp_wire: Log::default(),
            pop_wire: Log::default(),
            calls: Vec::new(),
            transcript: Log::default(),
            pending: BTreeMap::new(),
            names: MailNames::default(),
        }
    }
}

/// A `2xx`/`3xx` `(code, msg)` reply (Python returns a refusal of `mail`/`rcpt`
/// as its code instead of raising).
fn code_ok(body: &OkBody) -> bool {
    matches!(body, OkBody::SmtpReply { code, .. } if (200..400).contains(code))
}

/// One line of `list()`: `b'1 234'` → (1, 234).
fn listing_line(line: &[u8]) -> Option<(u32, u64)> {
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split_ascii_whitespace();
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// How many calls the slice keeps.
const MAX_CALLS: usize = 200;

impl MailState {
    /// This state with logs of its own (`Log::fork`).
    pub fn fork(&self) -> MailState {
        MailState {
            smtp_wire: self.smtp_wire.fork(),
            pop_wire: self.pop_wire.fork(),
            transcript: self.transcript.fork(),
            ..self.clone()
        }
    }

    /// Whether a call is waiting for its reply.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether call `id` is one of the panel's (for its timing).
    pub fn has_call(&self, id: u64) -> bool {
        self.calls.iter().any(|c| c.id == id)
    }

    /// Records how long call `id` took.
    pub fn timed(&mut self, id: u64, ms: f64) {
        if let Some(c) = self.calls.iter_mut().find(|c| c.id == id) {
            c.ms = Some(ms);
        }
    }

    /// The learner's name of SMTP connection `handle` (`smtp`).
    pub fn smtp_name(&self, handle: &str) -> String {
        self.names.smtp.var(Some(handle))
    }

    /// The learner's name of POP3 connection `handle` (`pop`).
    pub fn pop_name(&self, handle: &str) -> String {
        self.names.pop.var(Some(handle))
    }

    /// The last call's exception, if it raised one.
    pub fn last_error(&self) -> Option<&str> {
        match self.calls.last().and_then(|c| c.result.as_ref()) {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    pub fn on_action(&mut self, action: MailAction) {
        match action {
            MailAction::Clear => {
                self.smtp_wire = Log::default();
                self.pop_wire = Log::default();
                self.transcript = Log::default();
                self.calls.retain(|c| c.result.is_none());
            }
        }
    }

    /// What a successful reply changes in the view.
    fn on_ok(&mut self, op: &Op, body: &OkBody) {
        match (op, body) {
            (Op::SmtpConnect(_), OkBody::SmtpConnect { conn, .. }) => {
                self.smtp = Some(conn.clone());
                self.stage = SmtpStage::Connected;
                self.authed = false;
            }
            (Op::SmtpEhlo(_) | Op::SmtpHeloOp(_), _) if code_ok(body) => {
                self.stage = SmtpStage::Greeted;
            }
            (Op::SmtpLogin(_), _) => self.authed = true,
            (Op::SmtpMail(_), _) if code_ok(body) => self.stage = SmtpStage::Mail,
            (Op::SmtpRcpt(_), _) if code_ok(body) => self.stage = SmtpStage::Rcpt,
            (
                Op::SmtpData(_) | Op::SmtpSendmail(_) | Op::SmtpSendMessage(_) | Op::SmtpRset(_),
                _,
            ) => {
                self.stage = self.stage.min(SmtpStage::Greeted);
            }
            (Op::SmtpQuit(_) | Op::SmtpClose(_), _) => {
                self.smtp = None;
                self.stage = SmtpStage::Closed;
                self.authed = false;
            }
            (Op::Pop3Connect(_), OkBody::FtpConnect { conn, .. }) => {
                self.pop = Some(conn.clone());
                self.pop_in = false;
                self.stat = None;
                self.listing.clear();
                self.deleted.clear();
            }
            (Op::Pop3Pass(_), _) => self.pop_in = true,
            (Op::Pop3Stat(_), OkBody::Pop3Stat { count, size }) => {
                self.stat = Some((*count, *size));
            }
            (Op::Pop3List(a), OkBody::Pop3Lines { lines, .. }) if a.which.is_none() => {
                self.listing = lines
                    .iter()
                    .filter_map(|l| listing_line(l.as_bytes()))
                    .collect();
            }
            (Op::Pop3Retr(a), OkBody::Pop3Lines { lines, octets, .. }) => {
                let lines: Vec<String> = lines
                    .iter()
                    .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
                    .collect();
                let parsed = message::parse(&lines);
                self.fetched = Some(Rc::new(Fetched {
                    which: a.which,
                    octets: *octets,
                    lines,
                    parsed,
                }));
            }
            (Op::Pop3Dele(a), _) => {
                self.deleted.push(a.which);
            }
            (Op::Pop3Rset(_), _) => self.deleted.clear(),
            (Op::Pop3Quit(_) | Op::Pop3Close(_), _) => {
                self.pop = None;
                self.pop_in = false;
                self.listing.clear();
                self.deleted.clear();
            }
            _ => {}
        }
    }

    /// What a failed call changes: a connection that could not open is not one.
    fn on_err(&mut self, op: &Op) {
        match op {
            Op::SmtpConnect(_) => {
                self.smtp = None;
                self.stage = SmtpStage::Closed;
            }
            Op::Pop3Connect(_) => self.pop = None,
            _ => {}
        }
    }
}

impl ProtocolSlice for MailState {
    fn owns_op(op: &Op) -> bool {
        op.is_smtp() || op.is_pop3()
    }

    fn wants_event(event: &Event) -> bool {
        // SMTP connections are `m…`, POP3 ones `p…`.
        matches!(event, Event::Wire { handle, .. } if handle.starts_with(['m', 'p']))
    }

    fn awaits(&self, id: u64) -> bool {
        self.pending.contains_key(&id)
    }

    fn on_hello(&mut self) {
        self.smtp = None;
        self.stage = SmtpStage::Closed;
        self.authed = false;
        self.pop = None;
        self.pop_in = false;
        self.listing.clear();
        self.deleted.clear();
        self.pending.clear();
        self.names.smtp.forget_handles();
        self.names.pop.forget_handles();
        for c in self.calls.iter_mut().filter(|c| c.result.is_none()) {
            c.result = Some(Err("the relay connection was lost".into()));
        }
    }

    fn on_sent(&mut self, id: u64, op: &Op) {
        self.pending.insert(id, op.clone());
        if self.calls.len() >= MAX_CALLS {
            self.calls.remove(0);
        }
        self.calls.push(Call {
            id,
            python: python_mail::call(op, &self.names),
            result: None,
            ms: None,
        });
    }

    fn on_event(&mut self, t: u64, event: &Event) {
        if let Event::Wire {
            handle, dir, data, ..
        } = event
        {
            let chunk = WireChunk {
                t,
                dir: *dir,
                bytes: data.as_bytes().to_vec(),
            };
            if handle.starts_with('p') {
                self.pop_wire.push(chunk);
            } else {
                self.smtp_wire.push(chunk);
            }
        }
    }

    fn on_replied(&mut self, id: u64, outcome: &Outcome) -> Option<PyEntry> {
        let op = self.pending.remove(&id)?;
        match (&op, python_mail::new_handle(outcome)) {
            (Op::SmtpConnect(_), Some(h)) => self.names.smtp.add(h),
            (Op::Pop3Connect(_), Some(h)) => self.names.pop.add(h),
            _ => {}
        }
        let entry = python_mail::entry(&op, outcome, &self.names);
        if let Some(e) = &entry {
            self.transcript.push(e.clone());
        }
        let result = match outcome {
            Outcome::Ok(body) => {
                self.on_ok(&op, body);
                Ok(python_mail::result(body))
            }
            Outcome::Err(e) => {
                self.on_err(&op);
                let code = python_mail::code(&op, &self.names, None);
                Err(failure(e, &code))
            }
        };
        if let Some(c) = self.calls.iter_mut().find(|c| c.id == id) {
            c.result = Some(result);
        }
        entry
    }
}
