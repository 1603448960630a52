//! One browser session: one WebSocket, one task, one `select!` loop.
//!
//! The session is the only owner of its handle table (`socks`), its pending
//! requests, its deadlines, its outbox, its [`Budget`] and its closed connections
//! the kernel still holds ([`Lingering`]). The loop waits on six things at
//! once: the WebSocket (requests and piped bytes, polled only when it woke:
//! `wake_gate.rs`), the session's socket futures ([`crate::io`]), the earliest
//! request deadline, the linger tick (only while closed connections are
//! watched), the auth deadline (until `auth` succeeds) and the session's stop
//! signal (idle or relay shutdown, raised by `sweeper.rs`); it also writes
//! queued frames to the WebSocket. Operations are implemented in `ops/` as
//! methods on [`Session`] that return an [`crate::ops::OpResult`]; the reply is
//! written in one place (`ops/outcome.rs`). This file owns the loop, the request
//! bookkeeping (pending ids, deadlines, cancel, what each pending request holds of
//! the budget) and frame intake; `session/auth.rs` owns the class token and the
//! admission of each request.

use crate::budget::{Budget, Charge};
use crate::io::{IoDone, IoFuture};
use crate::linger::{self, Lingering};
use crate::ops::PendingSelect;
use crate::oserror::{bad_handle, bad_request, flag_limit, timed_out};
use crate::outbox::Outbox;
use crate::sock::Sock;
use crate::state::{RelayState, SessionPermit};
use crate::stop_signal::StopReason;
use crate::wake_gate::WakeGated;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures::future::{AbortHandle, BoxFuture, OptionFuture};
use futures::stream::{FuturesUnordered, SplitSink};
use futures::{FutureExt, SinkExt, StreamExt};
use shared::{codes, parse_request, Event, OkBody};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Stop reading requests and sockets while this many bytes wait for the browser.
const OUTBOX_HIGH_WATER: usize = 2 << 20;
/// Stop reading the WebSocket while this many piped bytes wait for their sockets.
const PIPE_HIGH_WATER: usize = 2 << 20;
/// Most bytes handed to the WebSocket in one write batch.
const FLUSH_BATCH: usize = 1 << 20;
/// How long a closing session may take to deliver its last frames.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

pub(crate) mod auth;
mod stats;

type Sink = SplitSink<WebSocket, Message>;
type Flush = BoxFuture<'static, (Sink, Result<(), axum::Error>)>;
type Stats = Arc<crate::status::SessionStats>;

/// Where a pending request waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In a socket's read-side queue.
    Read(String),
    /// In a socket's write-side queue, or running as its in-flight write.
    Write(String),
    /// A `select` waiting for readiness.
    Select,
    /// A `bind` whose host name is being resolved.
    Bind(String),
    /// A call on an HTTP or FTP connection (waiting in its queue or running).
    Conn(String),
    /// An `ftp.connect` in flight for the named handle.
    FtpConnect(String),
}

/// A request that has not been answered yet.
pub struct Pending {
    pub loc: Loc,
    pub deadline: Option<Instant>,
    pub abort: Option<AbortHandle>,
    /// What the request holds of the session's budget until it is answered.
    pub charge: Charge,
}

/// One session's state. The `pub(crate)` fields are what the operations in
/// `ops/` (other modules, so they cannot see private fields) work on: the handle
/// tables, the outbox, the I/O set, the budget and the waiting requests. The
/// private ones belong to this file: naming handles, deadlines, authentication
/// and the loop's own flags. Counters are changed only through their owners'
/// methods ([`Budget`], [`Sock`]); requests enter and leave the pending table
/// only through [`Session::add_pending`] and [`Session::take_pending`], which keep
/// deadlines and budget charges in step (the HTTP and FTP engines also look up
/// their pending calls in it).
pub struct Session {
    pub(crate) relay: Arc<RelayState>,
    /// The relay's policy, with this session's own port space when port spaces
    /// are on (`Policy::for_session`).
    pub(crate) policy: Arc<crate::policy::Policy>,
    name: String,
    pub(crate) out: Outbox,
    /// Sockets (`s1…`).
    pub(crate) socks: HashMap<String, Sock>,
    /// `http.client` connections (`h1…`).
    pub(crate) http: HashMap<String, crate::http::HttpEngine>,
    /// `ftplib` connections (`f1…`).
    pub(crate) ftp: HashMap<String, crate::ftp::FtpConn>,
    /// `smtplib` and `poplib` connections (`m1…`, `p1…`).
    pub(crate) mail: HashMap<String, crate::mail::MailConn>,
    /// This session's mailboxes in the mail labs (`labs/mail/store.rs`).
    pub(crate) mail_scope: Arc<crate::labs::mail::store::Scope>,
    next_handle: u64,
    pub(crate) pending: HashMap<u64, Pending>,
    deadlines: BTreeSet<(Instant, u64)>,
    /// `select`s waiting for readiness (see `ops/select.rs`).
    pub(crate) selects: Vec<PendingSelect>,
    pub(crate) io: FuturesUnordered<IoFuture>,
    authed: bool,
    auth_failures: u8,
    /// Handles, buffered bytes, select watch lists and lab shares (see `budget.rs`).
    pub(crate) budget: Budget,
    /// Readiness may have changed: pending selects must be looked at again.
    dirty: bool,
    /// Set when the session must end: close code and reason.
    closing: Option<(u16, String)>,
    /// Closed connections the kernel may still hold (see `linger.rs`).
    pub(crate) lingering: Lingering,
    /// What `/status` and `/metrics` read about this session (`status.rs`).
    pub(crate) stats: Stats,
}

/// Runs a session to its end. `permit` is `Err` when admission was refused: the
/// client then gets an `error` event naming the limit and a 1013 close.
pub async fn run(
    ws: WebSocket,
    relay: Arc<RelayState>,
    peer: SocketAddr,
    permit: Result<SessionPermit, String>,
) {
    let started = Instant::now();
    let permit = match permit {
        Ok(p) => p,
        Err(message) => {
            tracing::warn!(%peer, "session refused: {message}");
            let mut out = Outbox::new(started);
            out.event(Event::Error {
                code: codes::LIMIT.into(),
                message,
            });
            let (sink, _stream) = ws.split();
            finish(sink, out, 1013, "session limit reached".into()).await;
            return;
        }
    };
    tracing::info!(session = %permit.name, %peer, "session opened");
    let entry = relay.registry.open(&permit.name, peer.ip());
    // Registered first, then the flag read: a shutdown that began before the
    // sweeper could see this session is seen here.
    if *relay.shutdown.borrow() {
        entry.stats.stop.raise(StopReason::Shutdown);
    }
    let mut session = Session::new(relay, permit.name.clone(), started, entry.stats.clone());
    session.main_loop(ws).await;
    tracing::info!(session = %permit.name, %peer, "session closed");
}

/// Delivers what is queued, then a close frame, within [`CLOSE_GRACE`].
async fn finish(mut sink: Sink, mut out: Outbox, code: u16, reason: String) {
    let _ = tokio::time::timeout(CLOSE_GRACE, async move {
        for m in out.take_batch(usize::MAX) {
            if sink.feed(m).await.is_err() {
                return;
            }
        }
        let reason: String = reason.chars().take(120).collect();
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    })
    .await;
}

/// Why a WebSocket read failed: an oversized frame gets a 1009 close.
fn read_error_close(e: axum::Error, max: usize) -> (u16, String) {
    use tungstenite::error::{CapacityError, Error as WsError};
    match e.into_inner().downcast::<WsError>() {
        Ok(ws) => match *ws {
            WsError::Capacity(CapacityError::MessageTooLong { size, .. }) => (
                1009,
                format!("message of {size} bytes exceeds the limit of {max}; raise it with --max-message-bytes"),
            ),
            WsError::Capacity(_) => (
                1009,
                format!("frame exceeds the limit of {max} bytes; raise it with --max-message-bytes"),
            ),
            other => (1002, format!("protocol error: {other}")),
        },
        Err(other) => (1011, format!("read error: {other}")),
    }
}

impl Session {
    fn new(relay: Arc<RelayState>, name: String, started: Instant, stats: Stats) -> Session {
        let authed = relay.config.token.is_none();
        let budget = Budget::new(
            relay.config.budget.clone(),
            relay.config.limits.max_handles,
            relay.labs.iter().map(|(k, v)| (k.clone(), *v)),
        );
        let policy = relay.policy.for_session(relay.config.port_spaces);
        let out = Outbox::new(started).with_view(policy.space().cloned());
        Session {
            relay,
            policy,
            name,
            out,
            socks: HashMap::new(),
            http: HashMap::new(),
            ftp: HashMap::new(),
            mail: HashMap::new(),
            mail_scope: Arc::new(crate::labs::mail::store::Scope::new()),
            next_handle: 1,
            pending: HashMap::new(),
            deadlines: BTreeSet::new(),
            selects: Vec::new(),
            io: crate::io::io_set(),
            authed,
            auth_failures: 0,
            budget,
            dirty: false,
            closing: None,
            lingering: Lingering::default(),
            stats,
        }
    }

    async fn main_loop(&mut self, ws: WebSocket) {
        let (sink, stream) = ws.split();
        let mut stream = WakeGated::new(stream);
        let mut sink: Option<Sink> = Some(sink);
        let mut flush: Option<Flush> = None;
        let idle_timeout = self.relay.config.limits.idle_timeout;
        let max_message = self.relay.config.limits.max_message_bytes;
        let timer = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(timer);
        let auth_timeout = self.relay.config.budget.auth_timeout;
        let auth_deadline = tokio::time::sleep(auth_timeout);
        tokio::pin!(auth_deadline);
        // Idle and shutdown come from the relay's sweeper (`sweeper.rs`): no
        // timer and no channel waiter of the session's own, only an atomic.
        let stats = Arc::clone(&self.stats);
        let mut stopping = false;
        // Armed only while closed connections linger: no timer otherwise.
        let linger_tick = tokio::time::sleep(linger::TICK);
        tokio::pin!(linger_tick);
        let mut lingering = false;

        let hello = self.relay.hello(&self.name, &self.policy);
        self.out.event(Event::Hello(hello));

        loop {
            if flush.is_none() && !self.out.is_empty() {
                if let Some(mut s) = sink.take() {
                    let batch = self.take_out_batch(FLUSH_BATCH);
                    flush = Some(
                        async move {
                            for m in batch {
                                if let Err(e) = s.feed(m).await {
                                    return (s, Err(e));
                                }
                            }
                            let r = s.flush().await;
                            (s, r)
                        }
                        .boxed(),
                    );
                }
            }
            if let Some((code, reason)) = self.closing.take() {
                let s = match (sink.take(), flush.take()) {
                    (Some(s), _) => Some(s),
                    (None, Some(f)) => tokio::time::timeout(CLOSE_GRACE, f).await.ok().map(|r| r.0),
                    (None, None) => None,
                };
                if let Some(s) = s {
                    let out = std::mem::replace(&mut self.out, Outbox::new(Instant::now()));
                    finish(s, out, code, reason).await;
                }
                return;
            }
            let next_deadline = self.deadlines.first().map(|(t, _)| *t);
            if let Some(d) = next_deadline {
                if timer.deadline() != d {
                    timer.as_mut().reset(d);
                }
            }
            let watching = !self.lingering.is_empty();
            if watching && !lingering {
                linger_tick.as_mut().reset(Instant::now() + linger::TICK);
            }
            lingering = watching;
            let room = self.out.bytes() < OUTBOX_HIGH_WATER;
            let read_ws = room && self.budget.piped() < PIPE_HIGH_WATER;
            tokio::select! {
                Some((s, r)) = OptionFuture::from(flush.as_mut()), if flush.is_some() => {
                    flush = None;
                    if r.is_err() {
                        return;
                    }
                    sink = Some(s);
                }
                msg = stream.next(), if read_ws => {
                    match msg {
                        None | Some(Ok(Message::Close(_))) => return,
                        Some(Err(e)) => {
                            self.closing = Some(read_error_close(e, max_message));
                        }
                        Some(Ok(m)) => {
                            self.stats.touch();
                            self.on_message(m);
                        }
                    }
                }
                Some(done) = self.io.next(), if room => {
                    self.on_io(done);
                }
                _ = &mut timer, if next_deadline.is_some() => {
                    self.on_deadlines(Instant::now());
                }
                _ = &mut linger_tick, if lingering && room => {
                    self.tick_lingering();
                    linger_tick.as_mut().reset(Instant::now() + linger::TICK);
                }
                _ = &mut auth_deadline, if !self.authed => {
                    self.closing = Some((1008, format!(
                        "no `auth` within {} s: this relay requires the class token first",
                        auth_timeout.as_secs_f64()
                    )));
                }
                reason = stats.stop.raised(), if !stopping => {
                    stopping = true;
                    self.closing = Some(match reason {
                        StopReason::Idle => (1000, format!(
                            "idle for {} s; the host can change this with --idle-timeout",
                            idle_timeout.as_secs()
                        )),
                        StopReason::Shutdown => {
                            (crate::drain::CLOSE_CODE, crate::drain::CLOSE_REASON.into())
                        }
                    });
                }
            }
            if self.dirty {
                self.dirty = false;
                self.report_handles();
                if !self.selects.is_empty() {
                    self.reevaluate_selects();
                }
                if self.budget.accept_stalled() {
                    self.resume_accepting();
                }
            }
        }
    }

    fn on_message(&mut self, m: Message) {
        self.stats.bytes_in(crate::status::message_len(&m));
        match m {
            Message::Text(text) => self.on_text(text.as_str()),
            Message::Binary(frame) => self.on_binary(frame),
            _ => {}
        }
    }

    fn on_text(&mut self, text: &str) {
        let request = match parse_request(text) {
            Ok(r) => r,
            Err(e) => {
                match e.id {
                    Some(id) => self.answer(id, Err(bad_request(e.message))),
                    None => self.out.event(Event::Error {
                        code: codes::BAD_REQUEST.into(),
                        message: e.message,
                    }),
                }
                return;
            }
        };
        let id = request.id;
        if let Err(e) = self.admit(id, &request.op) {
            self.answer(id, Err(e));
            return;
        }
        tracing::debug!(session = %self.name, id, op = request.op.name(), "request");
        self.dirty = true;
        self.dispatch(id, request.op);
    }

    /// The session's name, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Readiness may have changed outside a request or an I/O completion:
    /// waiting selects and stalled listeners are looked at again.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Named handles open now (sockets, HTTP and FTP connections).
    pub fn open_handles(&self) -> usize {
        self.socks.len() + self.http.len() + self.ftp.len() + self.mail.len()
    }

    /// A new handle name with the given prefix (`s`, `h`, `f`), never reused,
    /// when the session's handle budget and the relay's descriptors allow one.
    pub fn new_handle(&mut self, prefix: char) -> Result<String, shared::ErrorBody> {
        self.budget.check_handle(self.open_handles())?;
        crate::descriptors::reserve(1)?;
        if !self.budget.has_handle_room(self.open_handles() + 1) {
            // This handle fills the budget: listeners stop taking connections.
            self.pause_accepting();
        }
        Ok(self.next_name(prefix))
    }

    /// A new handle name for a resource already counted in the budget.
    pub fn next_name(&mut self, prefix: char) -> String {
        let h = format!("{prefix}{}", self.next_handle);
        self.next_handle += 1;
        h
    }

    /// Registers a request that will complete later. Fails with `limit` when the
    /// session already has `max_pending` of them.
    pub fn add_pending(
        &mut self,
        id: u64,
        loc: Loc,
        deadline: Option<Instant>,
        abort: Option<AbortHandle>,
    ) -> Result<(), shared::ErrorBody> {
        self.add_pending_charged(id, loc, deadline, abort, Charge::Nothing)
    }

    /// [`Session::add_pending`] for a request that holds part of the budget
    /// (buffered bytes, a select's watch list, a connect in flight) until it is
    /// answered; fails with `limit` when that part does not fit.
    pub fn add_pending_charged(
        &mut self,
        id: u64,
        loc: Loc,
        deadline: Option<Instant>,
        abort: Option<AbortHandle>,
        charge: Charge,
    ) -> Result<(), shared::ErrorBody> {
        let max = self.relay.config.limits.max_pending;
        let fits = if self.pending.len() >= max as usize {
            Err(flag_limit(
                format!(
                    "{} requests are already pending in this session; wait for some to finish",
                    self.pending.len()
                ),
                "--max-pending",
                max,
            ))
        } else {
            match charge {
                Charge::Bytes(n) => self.budget.check_bytes(self.out.bytes(), n),
                Charge::Watch(n) => self.budget.check_watch(n),
                Charge::Nothing | Charge::Connect => Ok(()),
            }
        };
        if let Err(e) = fits {
            if let Some(a) = abort {
                a.abort();
            }
            return Err(e);
        }
        self.budget.take(charge);
        if let Some(d) = deadline {
            self.deadlines.insert((d, id));
        }
        self.pending.insert(
            id,
            Pending {
                loc,
                deadline,
                abort,
                charge,
            },
        );
        Ok(())
    }

    /// Forgets a pending request (it is being answered now).
    pub fn take_pending(&mut self, id: u64) -> Option<Pending> {
        let p = self.pending.remove(&id)?;
        if let Some(d) = p.deadline {
            self.deadlines.remove(&(d, id));
        }
        self.budget.give_back(p.charge);
        Some(p)
    }

    /// The requests waiting at `loc`.
    pub fn pending_at(&self, loc: &Loc) -> Vec<u64> {
        self.pending
            .iter()
            .filter(|(_, p)| p.loc == *loc)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Removes a pending request from wherever it waits and answers it with `err`.
    pub fn abandon(&mut self, target: u64, err: shared::ErrorBody) {
        let Some(p) = self.take_pending(target) else {
            return;
        };
        if let Some(a) = p.abort {
            a.abort();
        }
        match p.loc {
            Loc::Read(h) => {
                if let Some(s) = self.socks.get_mut(&h) {
                    s.forget_read(target);
                }
            }
            Loc::Write(h) => {
                if let Some(s) = self.socks.get_mut(&h) {
                    s.forget_write(target);
                }
                self.renew_after_failed_connect(&h);
                self.start_writes(&h);
            }
            Loc::Select => self.forget_select(target),
            Loc::FtpConnect(h) => self.budget.release_lab(&h),
            Loc::Bind(_) => {}
            Loc::Conn(h) => return self.abandon_conn_call(&h, target, err),
        }
        self.complete(target, Err(err));
    }

    fn on_deadlines(&mut self, now: Instant) {
        while let Some(&(t, id)) = self.deadlines.first() {
            if t > now {
                break;
            }
            self.deadlines.remove(&(t, id));
            let is_select = matches!(self.pending.get(&id), Some(p) if p.loc == Loc::Select);
            if is_select {
                // A select that times out answers three empty lists.
                self.take_pending(id);
                self.forget_select(id);
                let nothing_ready = OkBody::Select {
                    r: vec![],
                    w: vec![],
                    x: vec![],
                };
                self.complete(id, Ok(nothing_ready));
            } else {
                self.abandon(id, timed_out());
            }
        }
    }

    fn on_binary(&mut self, frame: Bytes) {
        if !self.authed {
            self.out.event(Event::Error {
                code: codes::UNAUTHORIZED.into(),
                message: "binary frame before `auth`; authenticate first".into(),
            });
            return;
        }
        let (handle, header) = match shared::binary::decode(&frame) {
            Ok((h, payload)) => (h.to_owned(), frame.len() - payload.len()),
            Err(e) => {
                self.out.event(Event::Error {
                    code: codes::BAD_REQUEST.into(),
                    message: e.to_string(),
                });
                return;
            }
        };
        if let Err(payload) = self.ftp_frame(&handle, frame.slice(header..)) {
            self.pipe_in(&handle, payload);
        }
    }

    pub(crate) fn on_io(&mut self, done: IoDone) {
        self.dirty = true;
        match done {
            IoDone::Read {
                sock,
                result,
                header,
            } => self.on_read(&sock, result, header),
            IoDone::Accepted { sock, result } => self.on_accepted(&sock, result),
            IoDone::Datagram { sock, result } => self.on_datagram(&sock, result),
            IoDone::Wrote { sock, result } => self.on_wrote(&sock, result),
            IoDone::Connected { sock, result } => self.on_connected(&sock, result),
            IoDone::Writable { sock } => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.w_watch = None;
                }
            }
            IoDone::BindResolved { id, sock, result } => {
                if self.take_pending(id).is_some() {
                    let bound = result.and_then(|addr| self.finish_bind(&sock, addr));
                    self.complete(id, bound);
                }
            }
            IoDone::Http(done) => self.on_http(done),
            IoDone::Ftp(done) => self.on_ftp(done),
            IoDone::Mail(done) => self.on_mail(done),
            IoDone::Aborted => self.on_released(),
        }
    }

    /// The socket, or an `EBADF` error naming the handle.
    pub fn sock(&mut self, h: &str) -> Result<&mut Sock, shared::ErrorBody> {
        self.socks.get_mut(h).ok_or_else(|| bad_handle(h))
    }
}
