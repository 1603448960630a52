//! The socket slice: one [`Sock`] per handle the cards show (state, addresses,
//! blocking mode, the bytes it received, its last error and last call, what
//! `select` found, the kernel's own state), kept in [`Socks`], and the
//! requests waiting for their reply ([`Pending`]).
//!
//! Knows only the socket facts that events and replies report; it draws
//! nothing (that is `timeline.rs`) and performs no I/O. Each socket sits
//! behind an `Rc` that only a change to that socket replaces, so a card whose
//! socket did not change is not rendered again.

use super::kernel::KernelLine;
use super::same_addr;
use shared::{
    Addr, CloseReason, ConnectArgs, ErrorBody, Family, OkBody, Op, RecvArgs, SockState, SockType,
};
use std::collections::BTreeMap;
use std::rc::Rc;

/// How much received data a card keeps (older chunks scroll away).
const KEPT_CHUNKS: usize = 50;

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
    /// The error the last call raised (the card shows its Python line and detail).
    pub last_error: Option<ErrorBody>,
    /// The last call on this socket and what it returned (or raised).
    pub last_call: Option<String>,
    /// What the last `select` found this socket ready for (cleared by the
    /// next `select` or a call on the socket).
    pub ready: Option<String>,
    /// The kernel's own state, from `kernel` events.
    pub kernel: Option<KernelLine>,
    /// Where the last `sendto` of an unconnected UDP socket went (not its peer).
    pub sent_to: Option<Addr>,
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
            last_call: None,
            ready: None,
            kernel: None,
            sent_to: None,
        }
    }

    pub fn is_tcp(&self) -> bool {
        self.kind == SockType::Stream
    }

    /// The state as the card's badge says it: `unbound` for a fresh socket,
    /// UDP sockets `bound`/`connected` (no TCP states), `closed` once released.
    pub fn state_word(&self) -> String {
        if self.released {
            return "closed".to_owned();
        }
        match (self.state, self.is_tcp()) {
            (SockState::Closed, _) if self.closed.is_some() => "CLOSED".to_owned(),
            (SockState::Closed, _) => "unbound".to_owned(),
            (SockState::Bound, false) => "bound".to_owned(),
            (_, false) => "connected".to_owned(),
            (st, true) => st.as_str().to_owned(),
        }
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

/// The address a pending `connect`/`connect_ex` of `handle` goes to.
pub fn connect_target(pending: &BTreeMap<u64, Pending>, handle: &str) -> Option<Addr> {
    pending.values().find_map(|p| match &p.op {
        Op::Connect(ConnectArgs { sock, addr }) | Op::ConnectEx(ConnectArgs { sock, addr })
            if sock == handle =>
        {
            Some(addr.clone())
        }
        _ => None,
    })
}

/// The address a pending `sendto` of `handle` goes to.
pub fn sendto_target(pending: &BTreeMap<u64, Pending>, handle: &str) -> Option<Addr> {
    pending.values().find_map(|p| match &p.op {
        Op::Sendto { sock, addr, .. } if sock == handle => Some(addr.clone()),
        _ => None,
    })
}

/// Every socket of the session, by handle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Socks {
    by_handle: BTreeMap<String, Rc<Sock>>,
    /// The last creation order given out.
    last_order: u32,
}

impl std::ops::Index<&str> for Socks {
    type Output = Rc<Sock>;
    /// The socket `handle` (panics when there is none, like a map's index).
    fn index(&self, handle: &str) -> &Rc<Sock> {
        &self.by_handle[handle]
    }
}

impl Socks {
    pub fn get(&self, handle: &str) -> Option<&Rc<Sock>> {
        self.by_handle.get(handle)
    }

    pub fn contains(&self, handle: &str) -> bool {
        self.by_handle.contains_key(handle)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.by_handle.is_empty()
    }

    /// A new relay session released every handle.
    pub fn clear(&mut self) {
        self.by_handle.clear();
    }

    /// Sockets in creation order.
    pub fn in_order(&self) -> Vec<&Rc<Sock>> {
        let mut v: Vec<&Rc<Sock>> = self.by_handle.values().collect();
        v.sort_by_key(|s| s.order);
        v
    }

    /// Our listening socket at `addr`, if any.
    pub fn listener_at(&self, addr: &Addr) -> Option<&Sock> {
        self.by_handle.values().map(Rc::as_ref).find(|s| {
            s.state == SockState::Listen && s.local.as_ref().is_some_and(|l| same_addr(l, addr))
        })
    }

    /// The socket to change (a copy when an older state still shares it).
    fn edit(&mut self, handle: &str) -> Option<&mut Sock> {
        self.by_handle.get_mut(handle).map(Rc::make_mut)
    }

    /// Adds socket `handle` (a `socket()` reply, or an accepted socket that
    /// announced itself before the `accept` reply).
    pub fn add(&mut self, handle: &str, family: Family, kind: SockType) {
        self.last_order += 1;
        let sock = Sock::new(handle, self.last_order, family, kind);
        self.by_handle.insert(handle.to_owned(), Rc::new(sock));
    }

    /// A `state` event: the new state, and the peer a pending connect names.
    /// Returns whether the socket is TCP.
    pub fn set_state(&mut self, handle: &str, to: SockState, connect_to: Option<Addr>) -> bool {
        if !self.contains(handle) {
            // An accepted socket announces itself before the `accept` reply.
            self.add(handle, Family::AfInet, SockType::Stream);
        }
        let Some(s) = self.edit(handle) else {
            return false;
        };
        s.state = to;
        let tcp = s.is_tcp();
        if to == SockState::SynSent || (tcp && to == SockState::Established && s.peer.is_none()) {
            if let Some(a) = connect_to {
                s.peer = Some(a);
            }
        }
        tcp
    }

    /// An `incoming` event: one more connection in the listener's queue.
    pub fn incoming(&mut self, handle: &str) {
        if let Some(s) = self.edit(handle) {
            s.queued += 1;
        }
    }

    /// A `closed` event. Returns whether our own socket is at the other end
    /// (`None` for an unknown handle).
    pub fn closed(&mut self, handle: &str, reason: CloseReason) -> Option<bool> {
        let s = self.edit(handle)?;
        s.closed = Some(reason);
        Some(s.partner.is_some())
    }

    /// Remembers the error a call on `handle` raised (`None`: it succeeded).
    pub fn set_error(&mut self, handle: &str, error: Option<ErrorBody>) {
        if let Some(s) = self.get(handle) {
            if s.last_error == error {
                return;
            }
        }
        if let Some(s) = self.edit(handle) {
            s.last_error = error;
        }
    }

    /// The card's "last call" line; a call on the socket also ends what the
    /// last `select` said about it.
    pub fn set_last_call(&mut self, handle: &str, text: String) {
        self.update(handle, |s| {
            s.last_call = Some(text);
            s.ready = None;
        });
    }

    /// What a `select` found `handle` ready for (`None`: not ready).
    pub fn set_ready(&mut self, handle: &str, ready: Option<String>) {
        if self.get(handle).is_some_and(|s| s.ready == ready) {
            return;
        }
        self.update(handle, |s| s.ready = ready);
    }

    /// A connect failed: the socket has no peer.
    pub fn forget_peer(&mut self, handle: &str) {
        if self.get(handle).is_some_and(|s| s.peer.is_some()) {
            self.update(handle, |s| s.peer = None);
        }
    }

    /// A `kernel` event: the kernel's own state of `handle`.
    pub fn set_kernel(&mut self, handle: &str, line: KernelLine) {
        self.update(handle, |s| s.kernel = Some(line));
    }

    /// A datagram of unconnected UDP socket `handle` goes to `addr`.
    pub fn sending_to(&mut self, handle: &str, addr: Addr) {
        if self
            .get(handle)
            .is_some_and(|s| s.sent_to.as_ref() == Some(&addr))
        {
            return;
        }
        self.update(handle, |s| s.sent_to = Some(addr));
    }

    /// The socket facts a successful reply reports (addresses, mode, bytes,
    /// release). `socket` and `accept` replies go through [`Socks::add`] and
    /// [`Socks::accept`].
    pub fn on_reply(&mut self, op: Op, body: OkBody) {
        match (op, body) {
            (Op::Bind { sock, .. } | Op::Getsockname { sock }, OkBody::Addr { addr }) => {
                self.update(&sock, |s| s.local = Some(addr));
            }
            (Op::Getpeername { sock }, OkBody::Addr { addr }) => {
                self.update(&sock, |s| s.peer = Some(addr));
            }
            (Op::Connect(ConnectArgs { sock, addr }), _) => {
                self.update(&sock, |s| s.peer = Some(addr))
            }
            (Op::ConnectEx(ConnectArgs { sock, addr }), OkBody::Errno { errno })
                if errno == 0 || errno == 115 =>
            {
                self.update(&sock, |s| s.peer = Some(addr));
            }
            (Op::Recv(RecvArgs { sock, .. }), OkBody::Data { data }) => {
                self.keep(&sock, data.into_bytes(), None);
            }
            (Op::Recvfrom(RecvArgs { sock, .. }), OkBody::Recvfrom { data, addr }) => {
                self.keep(&sock, data.into_bytes(), Some(addr));
            }
            (Op::Setblocking { sock, flag }, _) => {
                let mode = if flag {
                    Mode::Blocking
                } else {
                    Mode::NonBlocking
                };
                self.update(&sock, |s| s.mode = mode);
            }
            (Op::Settimeout { sock, timeout }, _) => {
                let mode = match timeout {
                    None => Mode::Blocking,
                    Some(0.0) => Mode::NonBlocking,
                    Some(t) => Mode::Timeout(t),
                };
                self.update(&sock, |s| s.mode = mode);
            }
            (Op::Close { sock }, _) => self.update(&sock, |s| {
                s.released = true;
                s.state = SockState::Closed;
            }),
            (Op::Sendto { sock, addr, .. }, _) => self.sending_to(&sock, addr),
            _ => {}
        }
    }

    fn update(&mut self, handle: &str, change: impl FnOnce(&mut Sock)) {
        if let Some(s) = self.edit(handle) {
            change(s);
        }
    }

    /// An `accept` reply: socket `handle`, connected from `peer`, came out of
    /// `listener`'s queue; when the client is one of ours, both become partners.
    pub fn accept(&mut self, listener: &str, handle: &str, peer: &Addr) {
        let (family, local) = match self.edit(listener) {
            Some(l) => {
                l.queued = l.queued.saturating_sub(1);
                (l.family, l.local.clone())
            }
            None => (Family::AfInet, None),
        };
        // Our own client socket that connected to this listener, if any.
        let client = local.as_ref().and_then(|local| {
            self.in_order()
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
        if !self.contains(handle) {
            self.add(handle, family, SockType::Stream);
        }
        if let Some(s) = self.edit(handle) {
            s.family = family;
            s.parent = Some(listener.to_owned());
            s.local = local;
            s.peer = Some(peer.clone());
            s.partner = client.clone();
            if s.state == SockState::Closed && s.closed.is_none() {
                s.state = SockState::Established;
            }
        }
        if let Some(c) = client.as_deref().and_then(|c| self.edit(c)) {
            c.partner = Some(handle.to_owned());
            c.local = Some(peer.clone());
        }
    }

    fn keep(&mut self, handle: &str, bytes: Vec<u8>, from: Option<Addr>) {
        self.update(handle, |s| {
            s.received.push(Chunk { bytes, from });
            if s.received.len() > KEPT_CHUNKS {
                s.received.remove(0);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_socks() -> Socks {
        let mut socks = Socks::default();
        socks.add("s1", Family::AfInet, SockType::Stream);
        socks.add("s2", Family::AfInet, SockType::Dgram);
        socks
    }

    #[test]
    fn a_change_to_one_socket_leaves_the_others_shared() {
        let before = two_socks();
        let mut after = before.clone();
        after.set_state("s1", SockState::SynSent, Some(Addr::new("127.0.0.1", 7)));
        assert!(!Rc::ptr_eq(&before["s1"], &after["s1"]));
        assert!(
            Rc::ptr_eq(&before["s2"], &after["s2"]),
            "s2's card is not rendered again"
        );
        assert_eq!(after["s1"].peer, Some(Addr::new("127.0.0.1", 7)));
        assert_eq!(
            before["s1"].state,
            SockState::Closed,
            "older states keep theirs"
        );
    }

    #[test]
    fn a_reply_that_changes_nothing_keeps_the_socket() {
        let before = two_socks();
        let mut after = before.clone();
        after.set_error("s1", None);
        after.on_reply(
            Op::Send(shared::SendArgs {
                sock: "s1".into(),
                data: shared::Data::text("x"),
            }),
            OkBody::Sent { n: 1 },
        );
        assert!(Rc::ptr_eq(&before["s1"], &after["s1"]));
    }
}
