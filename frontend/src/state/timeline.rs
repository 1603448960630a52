//! The timeline slice: its lanes (one per socket of ours and per peer), its
//! entries (arrows between lanes, marks on one) and the drawing rules that turn
//! socket events into them ([`Pen`]): the handshake, data, FIN and RST arrows
//! of docs/protocol.md's socket states (choice `tcp-states`).
//!
//! Arrows are drawn only for packets that happened: a SYN to a name waits
//! until the name resolved (the handshake finished or the connect was
//! refused, [`Pen::connect_failed`]); a name that does not resolve or an
//! address the rules deny leaves an error mark and no arrow.
//!
//! Reads the socket slice to find who is at the other end; changes only the
//! lanes and the entries.

use super::same_addr;
use super::sockets::Socks;
use crate::log::Log;
use shared::{Addr, CloseReason, Dir, SockState};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
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

/// The lab name listening at `a` for the protocol (`udp`: datagrams), if
/// any: `udp_echo` and `tcp_echo` share a port.
pub fn lab_at(labs: Option<&BTreeMap<String, Addr>>, a: &Addr, udp: bool) -> Option<String> {
    labs?
        .iter()
        .find(|(name, lab)| same_addr(lab, a) && name.starts_with("udp") == udp)
        .map(|(name, _)| name.clone())
}

/// Whether connecting to `a` needs no name lookup (an IP address literal).
fn is_literal(a: &Addr) -> bool {
    a.host().parse::<IpAddr>().is_ok()
}

/// Draws on the timeline: borrows the lanes and entries to change and what it
/// reads to place them (the sockets, the labs, the session number in lane keys).
pub struct Pen<'a> {
    pub lanes: &'a mut Rc<Vec<Lane>>,
    pub entries: &'a mut Log<Entry>,
    pub socks: &'a Socks,
    pub labs: Option<&'a BTreeMap<String, Addr>>,
    pub session: u32,
    /// Sockets in SYN_SENT towards a name: their SYN is drawn once it is
    /// known to have left (the name resolved).
    pub unsent_syn: &'a mut BTreeSet<String>,
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

    /// The SYN of `handle`'s connect, now that it is known to have left.
    fn syn(&mut self, t: u64, handle: &str) {
        let me = self.sock_lane(handle);
        let peer = self.handshake_lane(handle);
        self.arrow(t, me, peer, Kind::Handshake, "SYN  (SYN_SENT)");
    }

    /// A socket changed state (`tcp`: it is a TCP socket; `connecting`: the
    /// connect that moved it is still waiting for its reply, which then says
    /// what happened): the segments that made it change, or a mark.
    pub fn state_change(
        &mut self,
        t: u64,
        handle: &str,
        (from, to): (SockState, SockState),
        tcp: bool,
        connecting: bool,
    ) {
        let me = self.sock_lane(handle);
        match (from, to) {
            (_, SockState::SynSent) => {
                let peer = self.socks.get(handle).and_then(|s| s.peer.clone());
                if peer.as_ref().is_none_or(is_literal) {
                    self.syn(t, handle);
                } else {
                    self.unsent_syn.insert(handle.to_owned());
                }
            }
            (SockState::SynSent, SockState::Established) => {
                if self.unsent_syn.remove(handle) {
                    self.syn(t, handle);
                }
                let peer = self.handshake_lane(handle);
                self.arrow(t, peer, me, Kind::Handshake, "SYN-ACK  (server: SYN_RECV)");
                self.arrow(t, me, peer, Kind::Handshake, "ACK  (ESTABLISHED)");
            }
            // The connect's reply says why (refused, unresolvable, denied).
            (SockState::SynSent, SockState::Closed) if connecting => {}
            (SockState::SynSent, SockState::Closed) => {
                if !self.unsent_syn.remove(handle) {
                    let peer = self.handshake_lane(handle);
                    self.arrow(t, peer, me, Kind::Reset, "RST  (connection refused)");
                }
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
                let label = match to {
                    _ if tcp => to.as_str().to_owned(),
                    SockState::Bound => "bound".to_owned(),
                    SockState::Established => {
                        "connected (UDP: no handshake, just a default peer)".to_owned()
                    }
                    _ => to.as_str().to_owned(),
                };
                self.mark(t, me, Kind::State, label);
            }
        }
    }

    /// The connect of `handle` failed (`refused`: the peer answered RST;
    /// `sent`: the SYN left, as with a timeout): the packets that happened.
    pub fn connect_failed(&mut self, t: u64, handle: &str, refused: bool, sent: bool) {
        let unsent = self.unsent_syn.remove(handle);
        if unsent && (refused || sent) {
            self.syn(t, handle);
        }
        if refused {
            let me = self.sock_lane(handle);
            let peer = self.handshake_lane(handle);
            self.arrow(t, peer, me, Kind::Reset, "RST  (connection refused)");
        }
    }

    /// Bytes sent, or arrived in the receive buffer: one data arrow (bytes
    /// between two sockets of ours are drawn once, from the sender). A
    /// datagram reaching an unconnected UDP socket is a mark: its sender is
    /// known only to `recvfrom`.
    pub fn data(&mut self, t: u64, handle: &str, dir: Dir, n: u64, bytes: Option<Vec<u8>>) {
        let (partner_is_ours, unconnected_udp) = match self.socks.get(handle) {
            Some(s) => (s.partner.is_some(), !s.is_tcp() && s.peer.is_none()),
            None => (false, false),
        };
        let me = self.sock_lane(handle);
        let (from, to, label) = match dir {
            Dir::Out => (
                me,
                Some(self.peer_lane(handle)),
                format!("{n} B  ({handle} sends)"),
            ),
            // Our own peer's `out` arrow already shows these bytes.
            Dir::In if partner_is_ours => return,
            Dir::In if unconnected_udp => (
                me,
                None,
                format!("{n} B datagram arrived in {handle}'s receive buffer"),
            ),
            Dir::In => (
                self.peer_lane(handle),
                Some(me),
                format!("{n} B  → {handle}'s receive buffer"),
            ),
        };
        self.entries.push(Entry {
            t,
            from,
            to,
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

    /// Names the lane of `handle` `label` (a socket a lesson's check made).
    pub fn name_lane(&mut self, handle: &str, label: String) {
        let i = self.sock_lane(handle);
        if let Some(l) = Rc::make_mut(self.lanes).get_mut(i) {
            l.label = label;
        }
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
        let (partner, peer, udp) = match self.socks.get(handle) {
            // An unconnected UDP socket talks to where its `sendto` went.
            Some(s) => (
                s.partner.clone(),
                s.peer.clone().or_else(|| s.sent_to.clone()),
                !s.is_tcp(),
            ),
            None => (None, None, false),
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
        self.addr_lane(&peer, udp)
    }

    /// The lane of a peer address, named after the lab reached there (a UDP
    /// socket reaches the UDP lab of a shared port).
    pub fn addr_lane(&mut self, peer: &Addr, udp: bool) -> usize {
        let at = format!("{}:{}", peer.host(), peer.port());
        let label = match lab_at(self.labs, peer, udp) {
            Some(lab) => format!("{lab} {at}"),
            None if udp => format!("UDP {at}"),
            None => at.clone(),
        };
        let proto = if udp { "udp" } else { "tcp" };
        self.lane(format!("peer {proto} {at}"), label, true)
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
