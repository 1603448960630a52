//! The timeline slice: its lanes (one per socket of ours and per peer), its
//! entries (arrows between lanes, marks on one) and the drawing rules that turn
//! socket events into them ([`Pen`]): the handshake, data, FIN and RST arrows
//! of docs/protocol.md's socket states (choice `tcp-states`).
//!
//! Reads the socket slice to find who is at the other end; changes only the
//! lanes and the entries.

use super::same_addr;
use super::sockets::Socks;
use crate::log::Log;
use shared::{Addr, CloseReason, Dir, SockState};
use std::collections::BTreeMap;
use std::rc::Rc;

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

/// The lab name listening at `a`, if any.
pub fn lab_at(labs: Option<&BTreeMap<String, Addr>>, a: &Addr) -> Option<String> {
    labs?
        .iter()
        .find(|(_, lab)| same_addr(lab, a))
        .map(|(name, _)| name.clone())
}

/// Draws on the timeline: borrows the lanes and entries to change and what it
/// reads to place them (the sockets, the labs, the session number in lane keys).
pub struct Pen<'a> {
    pub lanes: &'a mut Rc<Vec<Lane>>,
    pub entries: &'a mut Log<Entry>,
    pub socks: &'a Socks,
    pub labs: Option<&'a BTreeMap<String, Addr>>,
    pub session: u32,
}

impl Pen<'_> {
    /// A mark on one lane.
    pub fn mark(&mut self, t: u64, lane: usize, kind: Kind, label: String) {
        self.push(t, lane, None, kind, label);
    }

    /// A mark on the lane of our socket `handle`.
    pub fn mark_sock(&mut self, t: u64, handle: &str, kind: Kind, label: String) {
        let lane = self.sock_lane(handle);
        self.mark(t, lane, kind, label);
    }

    /// An arrow from lane `from` to lane `to`.
    pub fn arrow(&mut self, t: u64, from: usize, to: usize, kind: Kind, label: &str) {
        self.push(t, from, Some(to), kind, label.to_owned());
    }

    fn push(&mut self, t: u64, from: usize, to: Option<usize>, kind: Kind, label: String) {
        self.entries.push(Entry {
            t,
            from,
            to,
            label,
            kind,
            bytes: None,
            n: None,
        });
    }

    /// A socket changed state (`tcp`: it is a TCP socket): the segments that
    /// made it change, or a mark.
    pub fn state_change(
        &mut self,
        t: u64,
        handle: &str,
        from: SockState,
        to: SockState,
        tcp: bool,
    ) {
        let me = self.sock_lane(handle);
        match (from, to) {
            (_, SockState::SynSent) => {
                let peer = self.handshake_lane(handle);
                self.arrow(t, me, peer, Kind::Handshake, "SYN  (SYN_SENT)");
            }
            (SockState::SynSent, SockState::Established) => {
                let peer = self.handshake_lane(handle);
                self.arrow(t, peer, me, Kind::Handshake, "SYN-ACK  (server: SYN_RECV)");
                self.arrow(t, me, peer, Kind::Handshake, "ACK  (ESTABLISHED)");
            }
            (SockState::SynSent, SockState::Closed) => {
                let peer = self.handshake_lane(handle);
                self.arrow(t, peer, me, Kind::Reset, "RST  (connection refused)");
            }
            (SockState::Established, SockState::FinWait) if tcp => {
                let peer = self.peer_lane(handle);
                self.arrow(t, me, peer, Kind::Close, "FIN  (shutdown: FIN_WAIT)");
            }
            (SockState::Established | SockState::CloseWait, SockState::Closed) if tcp => {
                let peer = self.peer_lane(handle);
                self.arrow(t, me, peer, Kind::Close, "FIN  (close)");
            }
            (_, to) => {
                let label = if tcp || to != SockState::Established {
                    to.as_str().to_owned()
                } else {
                    "ESTABLISHED (UDP connect: no handshake, just a default peer)".to_owned()
                };
                self.mark(t, me, Kind::State, label);
            }
        }
    }

    /// Bytes sent or received: one data arrow (bytes between two sockets of
    /// ours are drawn once, from the sender).
    pub fn data(&mut self, t: u64, handle: &str, dir: Dir, n: u64, bytes: Option<Vec<u8>>) {
        let partner_is_ours = self.socks.get(handle).is_some_and(|s| s.partner.is_some());
        let me = self.sock_lane(handle);
        let peer = self.peer_lane(handle);
        let (from, to, label) = match dir {
            Dir::Out => (me, peer, format!("{n} B  ({handle} sends)")),
            // Our own peer's `out` arrow already shows these bytes.
            Dir::In if partner_is_ours => return,
            Dir::In => (peer, me, format!("{n} B  ({handle} receives)")),
        };
        self.entries.push(Entry {
            t,
            from,
            to: Some(to),
            label,
            kind: Kind::Data,
            bytes,
            n: Some(n),
        });
    }

    /// A connection ended (`ours`: our own socket is at the other end).
    pub fn closed(&mut self, t: u64, handle: &str, reason: CloseReason, ours: bool) {
        let me = self.sock_lane(handle);
        let peer = self.peer_lane(handle);
        match reason {
            CloseReason::Peer if !ours => {
                self.arrow(t, peer, me, Kind::Close, "FIN  (peer closed: CLOSE_WAIT)");
            }
            CloseReason::Reset => self.arrow(t, peer, me, Kind::Reset, "RST  (connection reset)"),
            CloseReason::Error => self.mark(t, me, Kind::Error, "connection failed".into()),
            CloseReason::Peer | CloseReason::Local => {}
        }
    }

    fn lane(&mut self, key: String, label: String, is_peer: bool) -> usize {
        if let Some(i) = self.lanes.iter().position(|l| l.key == key) {
            return i;
        }
        let lanes = Rc::make_mut(self.lanes);
        lanes.push(Lane {
            key,
            label,
            is_peer,
        });
        lanes.len() - 1
    }

    fn sock_key(&self, handle: &str) -> String {
        format!("{}/{handle}", self.session)
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
        let key = self.sock_key(handle);
        let label = self.sock_label(handle);
        self.lane(key, label, false)
    }

    /// Names the lane of `handle` after its current address or listener.
    pub fn relabel(&mut self, handle: &str) {
        let key = self.sock_key(handle);
        let label = self.sock_label(handle);
        let Some(i) = self.lanes.iter().position(|l| l.key == key) else {
            return;
        };
        if let Some(l) = Rc::make_mut(self.lanes).get_mut(i) {
            l.label = label;
        }
    }

    /// The lane a client's handshake talks to: our listening socket when the
    /// peer is one of ours (the accepted socket only exists once it is done),
    /// else the peer's lane.
    fn handshake_lane(&mut self, handle: &str) -> usize {
        let peer = self.socks.get(handle).and_then(|s| s.peer.clone());
        let listener =
            peer.and_then(|peer| self.socks.listener_at(&peer).map(|s| s.handle.clone()));
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
        if let Some(l) = self.socks.listener_at(&peer).map(|s| s.handle.clone()) {
            return self.sock_lane(&l);
        }
        let label = match lab_at(self.labs, &peer) {
            Some(lab) => format!("{lab} {}:{}", peer.host(), peer.port()),
            None => format!("{}:{}", peer.host(), peer.port()),
        };
        self.lane(format!("peer {}:{}", peer.host(), peer.port()), label, true)
    }
}

#[cfg(test)]
mod tests {
    use crate::state::{Action, State};
    use shared::{Dir, Event, EventFrame, Family, OkBody, Op, Outcome, SockType};
    use std::rc::Rc;

    #[test]
    fn drawing_leaves_the_sockets_alone() {
        let mut s = State::default();
        let op = Op::Socket {
            family: Family::AfInet,
            kind: SockType::Stream,
            proto: 0,
        };
        s.apply(Action::Sent { id: 1, op });
        s.apply(Action::Replied {
            id: 1,
            outcome: Outcome::Ok(OkBody::Sock { sock: "s1".into() }),
        });
        let before = Rc::clone(&s.socks["s1"]);
        s.apply(Action::Event(EventFrame {
            t: 5,
            event: Event::Data {
                sock: "s1".into(),
                dir: Dir::Out,
                n: 3,
                preview: None,
                data: None,
            },
        }));
        assert_eq!(s.timeline.len(), 2, "socket() and the data arrow");
        assert!(
            Rc::ptr_eq(&before, &s.socks["s1"]),
            "the card is not rendered again"
        );
    }
}
