//! The workbench's single source of truth: [`State`] and the [`Action`]s that
//! change it, applied by one reducer ([`State::apply`]) that hands each action
//! to the slices it concerns.
//!
//! The slices, one file each: the sockets and the requests waiting on them
//! ([`sockets`]), the timeline's lanes and entries and how events are drawn
//! ([`timeline`]), and the HTTP, FTP and Mail panels ([`http`], [`ftp`], [`mail`], fed
//! through [`protocol::ProtocolSlice`]), and the lessons ([`lesson`]: the open
//! lesson's trace and check). This file keeps the relay connection,
//! its `hello`, the session's Python transcript and the order in which the
//! slices see each action. The reducer performs no I/O; `relay.rs` feeds it
//! frames and `components/` render it.

mod calls;
pub mod ftp;
pub mod http;
pub mod kernel;
pub mod lesson;
pub mod mail;
mod protocol;
pub mod replay;
pub mod sockets;
pub mod timeline;

pub use sockets::{Chunk, Mode, Pending, Sock};
pub use timeline::{Entry, Kind, Lane};

use crate::log::Log;
use crate::python::{self, PyEntry};
use shared::{Addr, ConnectArgs, Data, ErrorBody, Event, EventFrame, Hello, OkBody, Op, Outcome};
use sockets::{connect_target, op_sock, sendto_target, Socks};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use timeline::Pen;

/// The relay connection as the banner shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Conn {
    Connecting { attempt: u32 },
    Open,
    Lost { reason: String, retry_ms: u32 },
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub conn: Option<Conn>,
    pub hello: Option<Rc<Hello>>,
    /// Sessions seen (each `hello` starts one; lane keys include it).
    pub session: u32,
    /// The socket slice (`state/sockets.rs`).
    pub socks: Socks,
    /// Requests waiting for their reply, of every kind.
    pub pending: BTreeMap<u64, Pending>,
    /// The timeline's lanes and entries (drawn by `state/timeline.rs`).
    pub lanes: Rc<Vec<Lane>>,
    pub timeline: Log<Entry>,
    /// The timeline entry whose bytes are shown.
    pub selected: Option<usize>,
    /// The session's Python transcript (the protocol panels' calls included).
    pub transcript: Log<PyEntry>,
    /// The last `error` event or unreadable frame.
    pub notice: Option<String>,
    /// This session passed `auth` (only matters when `hello` requires it).
    pub authed: bool,
    /// Last relay time seen, for entries the client makes up.
    last_t: u64,
    /// Sockets whose SYN is not drawn yet (`timeline.rs`).
    unsent_syn: BTreeSet<String>,
    /// Transcript entries held back until the request they follow completes
    /// (an `accept` that beat its own client's `connect` reply: a script must
    /// connect first or it would block in `accept`).
    deferred: Vec<(u64, PyEntry)>,
    /// The HTTP panel (`state/http.rs`).
    pub http: Rc<http::HttpState>,
    /// The FTP panel (`state/ftp.rs`).
    pub ftp: Rc<ftp::FtpState>,
    /// The Mail panel (`state/mail.rs`).
    pub mail: Rc<mail::MailState>,
    /// A recording being replayed (`state/replay.rs`): no relay, no actions.
    pub replay: Option<replay::ReplayPos>,
    /// The lessons (`state/lesson.rs`).
    pub lesson: Rc<lesson::LessonState>,
}

/// Everything that can happen to the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Connecting {
        attempt: u32,
    },
    Opened,
    Lost {
        reason: String,
        retry_ms: u32,
    },
    Event(EventFrame),
    Sent {
        id: u64,
        op: Op,
    },
    Replied {
        id: u64,
        outcome: Outcome,
    },
    /// The reply to request `id` came after `ms` milliseconds (measured by
    /// the page; the HTTP panel shows the timings of its calls).
    Timed {
        id: u64,
        ms: f64,
    },
    Select(Option<usize>),
    Notice(String),
    Http(http::HttpAction),
    Ftp(ftp::FtpAction),
    Mail(mail::MailAction),
    /// Replay controls (`state/replay.rs`; the `learn` build's).
    #[cfg(any(feature = "learn", test))]
    Replay(replay::ReplayAction),
    Lesson(lesson::LessonAction),
}

impl yew::Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

impl State {
    /// Pending requests on one socket.
    pub fn pending_on<'a>(
        &'a self,
        handle: &'a str,
    ) -> impl Iterator<Item = (&'a u64, &'a Pending)> {
        self.pending
            .iter()
            .filter(move |(_, p)| p.sock() == Some(handle))
    }

    /// Whether the relay wants a token that this session has not given yet.
    pub fn needs_token(&self) -> bool {
        self.hello
            .as_ref()
            .is_some_and(|h| h.policy.auth_required && !self.authed)
    }

    /// Whether the workbench can act: the relay said hello and has the token it wants.
    pub fn ready(&self) -> bool {
        self.hello.is_some() && !self.needs_token() && self.replay.is_none()
    }

    /// Applies one action (the reducer).
    pub fn apply(&mut self, action: Action) {
        lesson::feed(&mut self.lesson, &action);
        match action {
            // A replay shows a recording: nothing live reaches it.
            Action::Sent { .. } | Action::Replied { .. } | Action::Event(_)
                if self.replay.is_some() => {}
            Action::Connecting { attempt } => self.conn = Some(Conn::Connecting { attempt }),
            Action::Opened => self.conn = Some(Conn::Open),
            Action::Lost { reason, retry_ms } => {
                self.conn = Some(Conn::Lost { reason, retry_ms });
            }
            Action::Event(frame) => {
                self.last_t = self.last_t.max(frame.t);
                protocol::event(&mut self.http, frame.t, &frame.event);
                protocol::event(&mut self.ftp, frame.t, &frame.event);
                protocol::event(&mut self.mail, frame.t, &frame.event);
                self.on_event(frame.t, frame.event);
            }
            Action::Sent { id, op } => {
                protocol::sent(&mut self.http, id, &op);
                protocol::sent(&mut self.ftp, id, &op);
                protocol::sent(&mut self.mail, id, &op);
                let python = python::socket::call(&op).unwrap_or_else(|| op.name().to_owned());
                self.pending.insert(id, Pending { op, python });
            }
            Action::Replied { id, outcome } => self.on_replied(id, outcome),
            Action::Timed { id, ms } => {
                if self.http.has_call(id) {
                    Rc::make_mut(&mut self.http).timed(id, ms);
                } else if self.mail.has_call(id) {
                    Rc::make_mut(&mut self.mail).timed(id, ms);
                }
            }
            #[cfg(any(feature = "learn", test))]
            Action::Select(i) if self.replay.is_some() => {
                replay::apply(self, replay::ReplayAction::Pick(i));
            }
            Action::Select(i) => self.selected = i,
            Action::Notice(text) => self.notice = Some(text),
            Action::Http(a) => Rc::make_mut(&mut self.http).on_action(a),
            Action::Ftp(a) => Rc::make_mut(&mut self.ftp).on_action(a),
            Action::Mail(a) => Rc::make_mut(&mut self.mail).on_action(a),
            #[cfg(any(feature = "learn", test))]
            Action::Replay(a) => replay::apply(self, a),
            Action::Lesson(_) => {}
        }
    }

    /// The timeline's pen, with what it reads.
    fn pen(&mut self) -> Pen<'_> {
        Pen {
            lanes: &mut self.lanes,
            entries: &mut self.timeline,
            socks: &self.socks,
            labs: self.hello.as_deref().map(|h| &h.labs),
            session: self.session,
            unsent_syn: &mut self.unsent_syn,
        }
    }

    /// The lane of one of our sockets (the tests' way to find it).
    #[cfg(test)]
    pub fn sock_lane(&mut self, handle: &str) -> usize {
        self.pen().sock_lane(handle)
    }

    fn on_event(&mut self, t: u64, event: Event) {
        match event {
            Event::Hello(hello) => self.on_hello(hello),
            Event::State { sock, from, to } => {
                let connect_to = connect_target(&self.pending, &sock);
                let connecting = connect_to.is_some();
                let tcp = self.socks.set_state(&sock, to, connect_to);
                self.pen()
                    .state_change(t, &sock, (from, to), tcp, connecting);
            }
            Event::Incoming { sock, addr } => {
                self.socks.incoming(&sock);
                let label = format!("incoming from {addr}: in accept queue");
                self.pen().mark_sock(t, &sock, Kind::State, label);
            }
            Event::Data {
                sock,
                dir,
                n,
                preview,
                data,
            } => {
                if let Some(to) = sendto_target(&self.pending, &sock) {
                    self.socks.sending_to(&sock, to);
                }
                let bytes = preview.or(data).map(Data::into_bytes);
                self.pen().data(t, &sock, dir, n, bytes);
            }
            Event::Closed { sock, reason } => {
                if let Some(ours) = self.socks.closed(&sock, reason) {
                    self.pen().closed(t, &sock, reason, ours);
                }
            }
            Event::Error { code, message } => {
                self.notice = Some(format!("relay error ({code}): {message}"));
            }
            // HTTP/FTP events were given to the HTTP and FTP panels' slices;
            // the socket cards have nothing to show for them.
            Event::Wire { .. } | Event::FtpBlock { .. } | Event::FtpLine { .. } => {}
            Event::Kernel(k) => {
                let line = kernel::KernelLine::of(t, &k);
                let label = line.mark();
                let news = kernel::adds_to_the_model(&k);
                self.socks.set_kernel(&k.sock, line);
                if news && self.socks.contains(&k.sock) {
                    self.pen().mark_sock(t, &k.sock, Kind::State, label);
                }
            }
        }
    }

    fn on_hello(&mut self, hello: Hello) {
        if self.session > 0 {
            // A new session: the relay released every handle of the old one.
            self.socks.clear();
            self.unsent_syn.clear();
            self.pending.clear();
            self.deferred.clear();
            self.transcript.push(PyEntry::comment(
                "the relay connection was re-established: a new session starts here \
                 (sockets above were closed by the relay)",
            ));
        }
        self.session += 1;
        self.authed = false;
        self.hello = Some(Rc::new(hello));
        self.notice = None;
    }

    fn on_replied(&mut self, id: u64, outcome: Outcome) {
        // HTTP and FTP calls join the session's Python transcript too.
        let protocol_entry = protocol::replied(&mut self.http, id, &outcome)
            .or_else(|| protocol::replied(&mut self.ftp, id, &outcome))
            .or_else(|| protocol::replied(&mut self.mail, id, &outcome));
        if let Some(entry) = protocol_entry {
            self.transcript.push(entry);
        }
        if let Some(p) = self.pending.remove(&id) {
            self.on_reply(p.op, outcome);
        }
        let (ready, waiting) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|(after, _)| *after == id || !self.pending.contains_key(after));
        self.deferred = waiting;
        for (_, entry) in ready {
            self.transcript.push(entry);
        }
    }

    fn on_reply(&mut self, op: Op, outcome: Outcome) {
        if let Some(entry) = python::socket::entry(&op, &outcome) {
            match self.connect_pending_to_listener(&op) {
                Some(id) => self.deferred.push((id, entry)),
                None => self.transcript.push(entry),
            }
        }
        if let Some(handle) = op_sock(&op) {
            let error = match &outcome {
                Outcome::Err(e) => {
                    Some(python::shown_error(e, python::socket::call(&op).as_slice()))
                }
                Outcome::Ok(_) => None,
            };
            self.socks.set_error(handle, error);
            self.socks
                .set_last_call(handle, calls::last_call(&op, &outcome));
            self.on_call(handle, &op, &outcome);
        }
        let body = match outcome {
            Outcome::Ok(body) => body,
            Outcome::Err(err) => return self.on_error(&op, err),
        };
        match (op, body) {
            (Op::Auth { .. }, _) => {
                self.authed = true;
                self.notice = None;
            }
            (Op::Socket { family, kind, .. }, OkBody::Sock { sock }) => {
                self.socks.add(&sock, family, kind);
                let t = self.last_t;
                self.pen()
                    .mark_sock(t, &sock, Kind::State, "socket() → unbound".into());
                if let Some(n) = self.lesson.probe_client(&sock) {
                    let label = format!("lesson's client {n} ({sock})");
                    self.pen().name_lane(&sock, label);
                }
            }
            (
                Op::Select {
                    rlist,
                    wlist,
                    xlist,
                    ..
                },
                OkBody::Select { r, w, x },
            ) => {
                self.on_select([rlist, wlist, xlist].concat(), (&r, &w, &x));
            }
            (Op::Accept { sock: listener }, OkBody::Accept { sock, addr }) => {
                self.socks.accept(&listener, &sock, &addr);
                let t = self.last_t;
                let label = format!("accepted from {addr} (via {listener}): ESTABLISHED");
                let mut pen = self.pen();
                pen.relabel(&sock);
                pen.mark_sock(t, &sock, Kind::State, label);
            }
            (op, body) => {
                let bound = match &op {
                    Op::Bind { sock, .. } => Some(sock.clone()),
                    _ => None,
                };
                self.socks.on_reply(op, body);
                if let Some(sock) = bound {
                    self.pen().relabel(&sock);
                }
            }
        }
    }

    /// What a finished call on socket `handle` leaves on the timeline: the
    /// packets of a failed connect that happened, and a mark for the calls
    /// no event shows (`recv`, `setsockopt`, `connect_ex`'s errno, …).
    fn on_call(&mut self, handle: &str, op: &Op, outcome: &Outcome) {
        if !self.socks.contains(handle) {
            return;
        }
        let t = self.last_t;
        if matches!(op, Op::Connect(_) | Op::ConnectEx(_)) {
            let errno = match outcome {
                Outcome::Ok(OkBody::Errno { errno }) => Some(*errno),
                Outcome::Err(e) => e.os_errno().map(shared::Errno::number),
                Outcome::Ok(_) => None,
            };
            let refused = errno == Some(shared::Errno::ECONNREFUSED.number());
            let sent = errno == Some(shared::Errno::ETIMEDOUT.number())
                || matches!(outcome, Outcome::Err(e) if e.code == shared::codes::TIMEOUT);
            if errno.is_some_and(|n| n != 0 && n != shared::Errno::EINPROGRESS.number())
                || matches!(outcome, Outcome::Err(_))
            {
                self.pen().connect_failed(t, handle, refused, sent);
                // Not connected: the card claims no peer.
                self.socks.forget_peer(handle);
            }
        }
        if let Some(label) = calls::mark(op, outcome) {
            let kind = match outcome {
                Outcome::Ok(OkBody::Errno { errno }) if *errno != 0 => Kind::Error,
                _ => Kind::State,
            };
            self.pen().mark_sock(t, handle, kind, label);
        }
    }

    /// A `select` reply: each listed socket learns whether it was ready; each
    /// ready one gets a mark (or the first listed one says nothing was).
    fn on_select(&mut self, listed: Vec<String>, (r, w, x): (&[String], &[String], &[String])) {
        let t = self.last_t;
        let mut any = false;
        for h in &listed {
            let ready = calls::ready_text(h, r, w, x);
            if let Some(text) = &ready {
                if self.socks.contains(h) {
                    any = true;
                    self.pen().mark_sock(t, h, Kind::State, text.clone());
                }
            }
            self.socks.set_ready(h, ready);
        }
        if let Some(first) = listed.first().filter(|h| !any && self.socks.contains(h)) {
            let label = "select: timed out, nothing ready".to_owned();
            let first = first.clone();
            self.pen().mark_sock(t, &first, Kind::State, label);
        }
    }

    /// For an `accept` on one of our listeners: a pending `connect` of ours to
    /// that listener's address (whose transcript line must come first).
    fn connect_pending_to_listener(&self, op: &Op) -> Option<u64> {
        let Op::Accept { sock } = op else { return None };
        let local = self.socks.get(sock)?.local.as_ref()?;
        self.pending.iter().find_map(|(id, p)| match &p.op {
            Op::Connect(ConnectArgs { addr, .. }) | Op::ConnectEx(ConnectArgs { addr, .. })
                if same_addr(addr, local) =>
            {
                Some(*id)
            }
            _ => None,
        })
    }

    fn on_error(&mut self, op: &Op, err: ErrorBody) {
        if matches!(op, Op::Auth { .. }) {
            self.notice = Some(format!("the token was not accepted: {}", err.message));
            return;
        }
        if let Some(handle) = op_sock(op) {
            if self.socks.contains(handle) {
                let t = self.last_t;
                let said = python::failure(&err, python::socket::call(op).as_slice());
                self.pen().mark_sock(t, handle, Kind::Error, said);
            }
        }
    }
}

/// Whether two addresses name the same endpoint (`localhost` and the
/// unspecified address count as loopback).
pub fn same_addr(a: &Addr, b: &Addr) -> bool {
    fn norm(h: &str) -> &str {
        match h {
            "localhost" | "" | "0.0.0.0" => "127.0.0.1",
            "::" => "::1",
            h => h,
        }
    }
    a.port() == b.port() && norm(a.host()) == norm(b.host())
}

#[cfg(test)]
mod tests;
