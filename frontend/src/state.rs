//! The workbench's single source of truth: [`State`] and the [`Action`]s that
//! change it, applied by one reducer ([`State::apply`]).
//!
//! Everything the page shows is derived from here: the relay connection and its
//! `hello`, one [`Sock`] per socket handle, the pending requests, the timeline
//! (lanes and entries) and the Python transcript, plus the HTTP and FTP panels'
//! slices ([`http`], [`ftp`]), which see every request, reply and event and
//! keep their own views. The reducer performs no I/O;
//! `relay.rs` feeds it frames and `components/` render it.

pub mod ftp;
pub mod http;

use crate::log::Log;
use crate::python::{self, PyEntry};
use shared::{
    Addr, CloseReason, ConnectArgs, Data, Dir, ErrorBody, Event, EventFrame, Family, Hello, OkBody,
    Op, Outcome, RecvArgs, SockState, SockType,
};
use std::collections::BTreeMap;
use std::rc::Rc;

/// How much received data a card keeps (older chunks scroll away).
const KEPT_CHUNKS: usize = 50;

/// The relay connection as the banner shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Conn {
    Connecting { attempt: u32 },
    Open,
    Lost { reason: String, retry_ms: u32 },
}

/// Blocking mode, as `settimeout`/`setblocking` set it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Blocking,
    NonBlocking,
    Timeout(f64),
}

impl Mode {
    pub fn label(self) -> String {
        match self {
            Mode::Blocking => "blocking".into(),
            Mode::NonBlocking => "non-blocking".into(),
            Mode::Timeout(t) => format!("timeout {t}s"),
        }
    }
}

/// Bytes a socket received, with the sender for `recvfrom`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub from: Option<Addr>,
}

/// One socket card.
#[derive(Clone, Debug, PartialEq)]
pub struct Sock {
    pub handle: String,
    /// Creation order (handles sort badly as strings: s10 < s2).
    pub order: u32,
    pub family: Family,
    pub kind: SockType,
    pub state: SockState,
    pub local: Option<Addr>,
    pub peer: Option<Addr>,
    pub mode: Mode,
    /// The listening socket this one was accepted from.
    pub parent: Option<String>,
    /// Our own socket at the other end of this connection, when there is one.
    pub partner: Option<String>,
    /// Connections waiting in this listener's accept queue.
    pub queued: u32,
    pub received: Vec<Chunk>,
    pub closed: Option<CloseReason>,
    /// `close()` was called: the handle is gone.
    pub released: bool,
    pub last_error: Option<String>,
}

impl Sock {
    fn new(handle: &str, order: u32, family: Family, kind: SockType) -> Sock {
        Sock {
            handle: handle.to_owned(),
            order,
            family,
            kind,
            state: SockState::Closed,
            local: None,
            peer: None,
            mode: Mode::Blocking,
            parent: None,
            partner: None,
            queued: 0,
            received: Vec::new(),
            closed: None,
            released: false,
            last_error: None,
        }
    }

    pub fn is_tcp(&self) -> bool {
        self.kind == SockType::Stream
    }
}

/// A request waiting for its reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub op: Op,
    /// The Python call, for display.
    pub python: String,
}

impl Pending {
    /// The socket the request acts on, if any.
    pub fn sock(&self) -> Option<&str> {
        op_sock(&self.op)
    }
}

/// The socket an op acts on (HTTP and FTP handles belong to their panels).
pub fn op_sock(op: &Op) -> Option<&str> {
    op.handle().filter(|_| op.is_socket())
}

/// A timeline lane: one of our sockets, or a peer we talk to.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub key: String,
    pub label: String,
    pub is_peer: bool,
}

/// What kind of timeline entry (decides its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Handshake,
    Data,
    Close,
    Reset,
    State,
    Error,
}

impl Kind {
    pub fn class(self) -> &'static str {
        match self {
            Kind::Handshake => "k-handshake",
            Kind::Data => "k-data",
            Kind::Close => "k-close",
            Kind::Reset => "k-reset",
            Kind::State => "k-state",
            Kind::Error => "k-error",
        }
    }
}

/// One row of the timeline: an arrow between two lanes, or a mark on one.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Relay time (ms since the session started).
    pub t: u64,
    pub from: usize,
    /// `None`: a mark on lane `from`.
    pub to: Option<usize>,
    pub label: String,
    pub kind: Kind,
    /// The bytes behind a data arrow (a bounded preview, or all of them).
    pub bytes: Option<Vec<u8>>,
    /// The byte count (may exceed `bytes.len()` for previews).
    pub n: Option<u64>,
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub conn: Option<Conn>,
    pub hello: Option<Hello>,
    /// Sessions seen (each `hello` starts one; lane keys include it).
    pub session: u32,
    pub socks: BTreeMap<String, Sock>,
    next_order: u32,
    pub pending: BTreeMap<u64, Pending>,
    pub lanes: Vec<Lane>,
    pub timeline: Log<Entry>,
    pub transcript: Log<PyEntry>,
    /// The timeline entry whose bytes are shown.
    pub selected: Option<usize>,
    /// The last `error` event or unreadable frame.
    pub notice: Option<String>,
    /// This session passed `auth` (only matters when `hello` requires it).
    pub authed: bool,
    /// Last relay time seen, for entries the client makes up.
    last_t: u64,
    /// Transcript entries held back until the request they follow completes
    /// (an `accept` that beat its own client's `connect` reply: a script must
    /// connect first or it would block in `accept`).
    deferred: Vec<(u64, PyEntry)>,
    /// The HTTP panel (`state/http.rs`).
    pub http: http::HttpState,
    /// The FTP panel (`state/ftp.rs`).
    pub ftp: ftp::FtpState,
}

/// Everything that can happen to the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Connecting { attempt: u32 },
    Opened,
    Lost { reason: String, retry_ms: u32 },
    Event(EventFrame),
    Sent { id: u64, op: Op },
    Replied { id: u64, outcome: Outcome },
    Select(Option<usize>),
    Notice(String),
    Http(http::HttpAction),
    Ftp(ftp::FtpAction),
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
    /// Sockets in creation order.
    pub fn socks_in_order(&self) -> Vec<&Sock> {
        let mut v: Vec<&Sock> = self.socks.values().collect();
        v.sort_by_key(|s| s.order);
        v
    }

    /// Pending requests on one socket.
    pub fn pending_on<'a>(
        &'a self,
        handle: &'a str,
    ) -> impl Iterator<Item = (&'a u64, &'a Pending)> {
        self.pending
            .iter()
            .filter(move |(_, p)| p.sock() == Some(handle))
    }

    /// The lab name listening at `a`, if any.
    pub fn lab_at(&self, a: &Addr) -> Option<String> {
        let hello = self.hello.as_ref()?;
        hello
            .labs
            .iter()
            .find(|(_, lab)| same_addr(lab, a))
            .map(|(name, _)| name.clone())
    }

    /// Applies one action (the reducer).
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Connecting { attempt } => self.conn = Some(Conn::Connecting { attempt }),
            Action::Opened => self.conn = Some(Conn::Open),
            Action::Lost { reason, retry_ms } => {
                self.conn = Some(Conn::Lost { reason, retry_ms });
            }
            Action::Event(frame) => {
                self.last_t = self.last_t.max(frame.t);
                if matches!(frame.event, Event::Hello(_)) {
                    self.http.on_hello();
                    self.ftp.on_hello();
                }
                self.http.on_event(frame.t, &frame.event);
                self.ftp.on_event(frame.t, &frame.event);
                self.on_event(frame.t, frame.event);
            }
            Action::Sent { id, op } => {
                self.http.on_sent(id, &op);
                self.ftp.on_sent(id, &op);
                let python = python::call(&op).unwrap_or_else(|| op.name().to_owned());
                self.pending.insert(id, Pending { op, python });
            }
            Action::Replied { id, outcome } => {
                // HTTP and FTP calls join the session's Python transcript too.
                let protocol_entry = self
                    .http
                    .on_replied(id, &outcome)
                    .or_else(|| self.ftp.on_replied(id, &outcome));
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
            Action::Select(i) => self.selected = i,
            Action::Notice(text) => self.notice = Some(text),
            Action::Http(a) => self.http.on_action(a),
            Action::Ftp(a) => self.ftp.on_action(a),
        }
    }

    fn on_event(&mut self, t: u64, event: Event) {
        match event {
            Event::Hello(hello) => self.on_hello(hello),
            Event::State { sock, from, to } => self.on_state(t, &sock, from, to),
            Event::Incoming { sock, addr } => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.queued += 1;
                }
                let lane = self.sock_lane(&sock);
                self.push(
                    t,
                    lane,
                    None,
                    Kind::State,
                    format!("incoming from {addr}: in accept queue"),
                );
            }
            Event::Data {
                sock,
                dir,
                n,
                preview,
                data,
            } => self.on_data(t, &sock, dir, n, preview.or(data)),
            Event::Closed { sock, reason } => self.on_closed(t, &sock, reason),
            Event::Error { code, message } => {
                self.notice = Some(format!("relay error ({code}): {message}"));
            }
            // HTTP/FTP events were given to the HTTP and FTP panels' state above;
            // the socket cards have nothing to show for them.
            Event::Wire { .. } | Event::FtpBlock { .. } | Event::FtpLine { .. } => {}
        }
    }

    fn on_hello(&mut self, hello: Hello) {
        if self.session > 0 {
            // A new session: the relay released every handle of the old one.
            self.socks.clear();
            self.pending.clear();
            self.deferred.clear();
            self.transcript.push(PyEntry::comment(
                "the relay connection was re-established: a new session starts here \
                 (sockets above were closed by the relay)",
            ));
        }
        self.session += 1;
        self.authed = false;
        self.hello = Some(hello);
        self.notice = None;
    }

    fn on_state(&mut self, t: u64, handle: &str, from: SockState, to: SockState) {
        if !self.socks.contains_key(handle) {
            // An accepted socket announces itself before the `accept` reply.
            let order = self.next_order();
            self.socks.insert(
                handle.to_owned(),
                Sock::new(handle, order, Family::AfInet, SockType::Stream),
            );
        }
        let connect_to = self.pending.values().find_map(|p| match &p.op {
            Op::Connect(ConnectArgs { sock, addr }) | Op::ConnectEx(ConnectArgs { sock, addr })
                if sock == handle =>
            {
                Some(addr.clone())
            }
            _ => None,
        });
        let Some(s) = self.socks.get_mut(handle) else {
            return;
        };
        s.state = to;
        let tcp = s.is_tcp();
        if to == SockState::SynSent {
            if let Some(a) = connect_to.clone() {
                s.peer = Some(a);
            }
        }
        if tcp && to == SockState::Established && s.peer.is_none() {
            if let Some(a) = connect_to.clone() {
                s.peer = Some(a);
            }
        }
        let me = self.sock_lane(handle);
        match (from, to) {
            (_, SockState::SynSent) => {
                let peer = self.handshake_lane(handle);
                self.push(t, me, Some(peer), Kind::Handshake, "SYN  (SYN_SENT)".into());
            }
            (SockState::SynSent, SockState::Established) => {
                let peer = self.handshake_lane(handle);
                self.push(
                    t,
                    peer,
                    Some(me),
                    Kind::Handshake,
                    "SYN-ACK  (server: SYN_RECV)".into(),
                );
                self.push(
                    t,
                    me,
                    Some(peer),
                    Kind::Handshake,
                    "ACK  (ESTABLISHED)".into(),
                );
            }
            (SockState::SynSent, SockState::Closed) => {
                let peer = self.handshake_lane(handle);
                self.push(
                    t,
                    peer,
                    Some(me),
                    Kind::Reset,
                    "RST  (connection refused)".into(),
                );
            }
            (SockState::Established, SockState::FinWait) if tcp => {
                let peer = self.peer_lane(handle);
                self.push(
                    t,
                    me,
                    Some(peer),
                    Kind::Close,
                    "FIN  (shutdown: FIN_WAIT)".into(),
                );
            }
            (SockState::Established | SockState::CloseWait, SockState::Closed) if tcp => {
                let peer = self.peer_lane(handle);
                self.push(t, me, Some(peer), Kind::Close, "FIN  (close)".into());
            }
            (_, to) => {
                let label = if tcp || to != SockState::Established {
                    to.as_str().to_owned()
                } else {
                    "ESTABLISHED (UDP connect: no handshake, just a default peer)".to_owned()
                };
                self.push(t, me, None, Kind::State, label);
            }
        }
    }

    fn on_data(&mut self, t: u64, handle: &str, dir: Dir, n: u64, bytes: Option<Data>) {
        let partner_is_ours = self.socks.get(handle).is_some_and(|s| s.partner.is_some());
        let me = self.sock_lane(handle);
        let peer = self.peer_lane(handle);
        let bytes = bytes.map(Data::into_bytes);
        let (from, to, label) = match dir {
            Dir::Out => (me, peer, format!("{n} B  ({handle} sends)")),
            // Our own peer's `out` arrow already shows these bytes.
            Dir::In if partner_is_ours => return,
            Dir::In => (peer, me, format!("{n} B  ({handle} receives)")),
        };
        self.timeline.push(Entry {
            t,
            from,
            to: Some(to),
            label,
            kind: Kind::Data,
            bytes,
            n: Some(n),
        });
    }

    fn on_closed(&mut self, t: u64, handle: &str, reason: CloseReason) {
        let Some(s) = self.socks.get_mut(handle) else {
            return;
        };
        s.closed = Some(reason);
        let ours = s.partner.is_some();
        let me = self.sock_lane(handle);
        let peer = self.peer_lane(handle);
        match reason {
            CloseReason::Peer if !ours => {
                self.push(
                    t,
                    peer,
                    Some(me),
                    Kind::Close,
                    "FIN  (peer closed: CLOSE_WAIT)".into(),
                );
            }
            CloseReason::Reset => {
                self.push(
                    t,
                    peer,
                    Some(me),
                    Kind::Reset,
                    "RST  (connection reset)".into(),
                );
            }
            CloseReason::Error => {
                self.push(t, me, None, Kind::Error, "connection failed".into());
            }
            CloseReason::Peer | CloseReason::Local => {}
        }
    }

    fn on_reply(&mut self, op: Op, outcome: Outcome) {
        if let Some(entry) = python::entry(&op, &outcome) {
            match self.connect_pending_to_listener(&op) {
                Some(id) => self.deferred.push((id, entry)),
                None => self.transcript.push(entry),
            }
        }
        let err = match &outcome {
            Outcome::Err(e) => Some(e.clone()),
            Outcome::Ok(_) => None,
        };
        if let (Some(handle), Some(e)) = (op_sock(&op), &err) {
            if let Some(s) = self.socks.get_mut(handle) {
                s.last_error = Some(e.python());
            }
        }
        let Outcome::Ok(body) = outcome else {
            self.on_error(&op, err);
            return;
        };
        if let Some(handle) = op_sock(&op) {
            if let Some(s) = self.socks.get_mut(handle) {
                s.last_error = None;
            }
        }
        match (op, body) {
            (Op::Auth { .. }, _) => {
                self.authed = true;
                self.notice = None;
            }
            (Op::Socket { family, kind, .. }, OkBody::Sock { sock }) => {
                let order = self.next_order();
                self.socks
                    .insert(sock.clone(), Sock::new(&sock, order, family, kind));
                let lane = self.sock_lane(&sock);
                self.push(
                    self.last_t,
                    lane,
                    None,
                    Kind::State,
                    "socket() → CLOSED".into(),
                );
            }
            (Op::Bind { sock, .. }, OkBody::Addr { addr }) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.local = Some(addr);
                }
                self.relabel(&sock);
            }
            (Op::Getsockname { sock }, OkBody::Addr { addr }) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.local = Some(addr);
                }
            }
            (Op::Getpeername { sock }, OkBody::Addr { addr }) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.peer = Some(addr);
                }
            }
            (Op::Connect(ConnectArgs { sock, addr }), _) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.peer = Some(addr);
                }
            }
            (Op::ConnectEx(ConnectArgs { sock, addr }), OkBody::Errno { errno }) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    if errno == 0 || errno == 115 {
                        s.peer = Some(addr);
                    }
                }
            }
            (Op::Accept { sock: listener }, OkBody::Accept { sock, addr }) => {
                self.on_accepted(&listener, &sock, addr);
            }
            (Op::Recv(RecvArgs { sock, .. }), OkBody::Data { data }) => {
                self.keep(&sock, data.into_bytes(), None);
            }
            (Op::Recvfrom(RecvArgs { sock, .. }), OkBody::Recvfrom { data, addr }) => {
                self.keep(&sock, data.into_bytes(), Some(addr));
            }
            (Op::Setblocking { sock, flag }, _) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.mode = if flag {
                        Mode::Blocking
                    } else {
                        Mode::NonBlocking
                    };
                }
            }
            (Op::Settimeout { sock, timeout }, _) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.mode = match timeout {
                        None => Mode::Blocking,
                        Some(0.0) => Mode::NonBlocking,
                        Some(t) => Mode::Timeout(t),
                    };
                }
            }
            (Op::Close { sock }, _) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    s.released = true;
                    s.state = SockState::Closed;
                }
            }
            (Op::Sendto { sock, addr, .. }, _) => {
                if let Some(s) = self.socks.get_mut(&sock) {
                    if s.peer.is_none() {
                        s.peer = Some(addr);
                    }
                }
            }
            _ => {}
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

    /// Whether the relay wants a token that this session has not given yet.
    pub fn needs_token(&self) -> bool {
        self.hello
            .as_ref()
            .is_some_and(|h| h.policy.auth_required && !self.authed)
    }

    fn on_error(&mut self, op: &Op, err: Option<ErrorBody>) {
        let Some(err) = err else { return };
        if matches!(op, Op::Auth { .. }) {
            self.notice = Some(format!("the token was not accepted: {}", err.message));
            return;
        }
        if let Some(handle) = op_sock(op) {
            if self.socks.contains_key(handle) {
                let lane = self.sock_lane(handle);
                self.push(self.last_t, lane, None, Kind::Error, err.python());
            }
        }
    }

    fn on_accepted(&mut self, listener: &str, handle: &str, peer: Addr) {
        let (family, local) = match self.socks.get_mut(listener) {
            Some(l) => {
                l.queued = l.queued.saturating_sub(1);
                (l.family, l.local.clone())
            }
            None => (Family::AfInet, None),
        };
        // Our own client socket that connected to this listener, if any.
        let client = local.as_ref().and_then(|local| {
            self.socks_in_order()
                .into_iter()
                .find(|s| {
                    s.handle != handle
                        && s.is_tcp()
                        && s.partner.is_none()
                        && s.parent.is_none()
                        && s.peer.as_ref().is_some_and(|p| same_addr(p, local))
                })
                .map(|s| s.handle.clone())
        });
        if !self.socks.contains_key(handle) {
            let order = self.next_order();
            self.socks.insert(
                handle.to_owned(),
                Sock::new(handle, order, family, SockType::Stream),
            );
        }
        if let Some(s) = self.socks.get_mut(handle) {
            s.family = family;
            s.parent = Some(listener.to_owned());
            s.local = local;
            s.peer = Some(peer.clone());
            s.partner = client.clone();
            if s.state == SockState::Closed && s.closed.is_none() {
                s.state = SockState::Established;
            }
        }
        if let Some(c) = client.as_ref().and_then(|c| self.socks.get_mut(c)) {
            c.partner = Some(handle.to_owned());
            c.local = Some(peer.clone());
        }
        self.relabel(handle);
        let me = self.sock_lane(handle);
        self.push(
            self.last_t,
            me,
            None,
            Kind::State,
            format!("accepted from {peer} (via {listener}): ESTABLISHED"),
        );
    }

    fn keep(&mut self, handle: &str, bytes: Vec<u8>, from: Option<Addr>) {
        if let Some(s) = self.socks.get_mut(handle) {
            s.received.push(Chunk { bytes, from });
            if s.received.len() > KEPT_CHUNKS {
                s.received.remove(0);
            }
        }
    }

    fn next_order(&mut self) -> u32 {
        self.next_order += 1;
        self.next_order
    }

    fn push(&mut self, t: u64, from: usize, to: Option<usize>, kind: Kind, label: String) {
        self.timeline.push(Entry {
            t,
            from,
            to,
            label,
            kind,
            bytes: None,
            n: None,
        });
    }

    fn lane(&mut self, key: String, label: String, is_peer: bool) -> usize {
        if let Some(i) = self.lanes.iter().position(|l| l.key == key) {
            return i;
        }
        self.lanes.push(Lane {
            key,
            label,
            is_peer,
        });
        self.lanes.len() - 1
    }

    fn sock_label(&self, handle: &str) -> String {
        match self.socks.get(handle) {
            Some(s) => match (&s.parent, &s.local) {
                (Some(p), _) => format!("{handle} (accepted by {p})"),
                (None, Some(a)) => format!("{handle} {}:{}", a.host(), a.port()),
                _ => handle.to_owned(),
            },
            None => handle.to_owned(),
        }
    }

    /// The lane of one of our sockets.
    pub fn sock_lane(&mut self, handle: &str) -> usize {
        let key = format!("{}/{handle}", self.session);
        let label = self.sock_label(handle);
        self.lane(key, label, false)
    }

    fn relabel(&mut self, handle: &str) {
        let key = format!("{}/{handle}", self.session);
        let label = self.sock_label(handle);
        if let Some(l) = self.lanes.iter_mut().find(|l| l.key == key) {
            l.label = label;
        }
    }

    /// The lane a client's handshake talks to: our listening socket when the
    /// peer is one of ours (the accepted socket only exists once it is done),
    /// else the peer's lane.
    fn handshake_lane(&mut self, handle: &str) -> usize {
        let peer = self.socks.get(handle).and_then(|s| s.peer.clone());
        let listener = peer.and_then(|peer| {
            self.socks
                .values()
                .find(|s| {
                    matches!(s.state, SockState::Listen)
                        && s.local.as_ref().is_some_and(|l| same_addr(l, &peer))
                })
                .map(|s| s.handle.clone())
        });
        match listener {
            Some(l) => self.sock_lane(&l),
            None => self.peer_lane(handle),
        }
    }

    /// The lane at the other end of `handle`'s conversation: our own socket when
    /// we hold both ends, a lab server, or the peer's address.
    pub fn peer_lane(&mut self, handle: &str) -> usize {
        let (partner, peer) = match self.socks.get(handle) {
            Some(s) => (s.partner.clone(), s.peer.clone()),
            None => (None, None),
        };
        if let Some(p) = partner {
            return self.sock_lane(&p);
        }
        let Some(peer) = peer else {
            return self.lane("peer".into(), "peer (unknown)".into(), true);
        };
        let listener = self
            .socks
            .values()
            .find(|s| {
                s.state == SockState::Listen
                    && s.local.as_ref().is_some_and(|l| same_addr(l, &peer))
            })
            .map(|s| s.handle.clone());
        if let Some(l) = listener {
            return self.sock_lane(&l);
        }
        let label = match self.lab_at(&peer) {
            Some(lab) => format!("{lab} {}:{}", peer.host(), peer.port()),
            None => format!("{}:{}", peer.host(), peer.port()),
        };
        self.lane(format!("peer {}:{}", peer.host(), peer.port()), label, true)
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
