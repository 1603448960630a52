//! Connections a session has closed but the kernel still holds.
//!
//! After `close()` the relay has no descriptor left, yet the kernel keeps the
//! connection while its last segments are exchanged (`FIN_WAIT1`, `FIN_WAIT2`,
//! `CLOSING`, `LAST_ACK`) and, on the side that closed first, for 60 s in
//! `TIME_WAIT`. [`Lingering`] remembers each closed connection's address pair,
//! asks the kernel about them through [`crate::sock_diag`] on every tick, and
//! reports each change once, until the kernel forgets the pair (reported as
//! `CLOSED`) or [`MAX_WATCH`] has passed. It is bounded: at most
//! [`MAX_LINGERING`] connections per session, the oldest forgotten first.
//!
//! A closed handle's descriptor is released only when the last of its aborted
//! I/O futures is dropped (they share it); until then the kernel still sees an
//! open socket, so a connection is asked about only once its descriptor is gone.

use crate::sock_diag;
use std::net::SocketAddr;
use std::sync::Weak;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How often the kernel is asked while something lingers.
pub const TICK: Duration = Duration::from_millis(100);
/// Longest a closed connection is watched (`TIME_WAIT` is 60 s on Linux).
pub const MAX_WATCH: Duration = Duration::from_secs(75);
/// Most closed connections watched per session.
pub const MAX_LINGERING: usize = 64;

/// One change the kernel reported for a closed connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub sock: String,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// The kernel's state name; `CLOSED` once the kernel has forgotten the pair.
    pub state: &'static str,
    /// Time left on the connection's timer (`TIME_WAIT`'s remaining time).
    pub expires: Option<Duration>,
}

struct Watched {
    sock: String,
    local: SocketAddr,
    peer: SocketAddr,
    last: Option<&'static str>,
    until: Instant,
    /// The descriptor, while something still holds it.
    fd: Weak<TcpStream>,
}

/// The closed connections of one session that the kernel may still hold.
#[derive(Default)]
pub struct Lingering {
    watched: Vec<Watched>,
}

impl Lingering {
    /// Starts watching the connection `local → peer` that handle `sock` had,
    /// once `fd` is released. `last` is the state already reported for it, if any.
    pub fn watch(
        &mut self,
        sock: String,
        (local, peer): (SocketAddr, SocketAddr),
        fd: Weak<TcpStream>,
        last: Option<&'static str>,
        now: Instant,
    ) {
        if self.watched.len() >= MAX_LINGERING {
            self.watched.remove(0);
        }
        self.watched.push(Watched {
            sock,
            local,
            peer,
            last,
            until: now + MAX_WATCH,
            fd,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.watched.is_empty()
    }

    /// Is a watched connection's local end at `local` (e.g. in TIME_WAIT)? Port
    /// spaces ask this before they move a rebound port elsewhere.
    pub fn holds_local(&self, local: SocketAddr) -> bool {
        let plain = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
        self.watched.iter().any(|w| plain(w.local) == plain(local))
    }

    /// Whether a connection has not had its first state reported yet.
    pub fn has_unreported(&self) -> bool {
        self.watched.iter().any(|w| w.last.is_none())
    }

    /// Asks the kernel about every watched connection; returns the changes and
    /// stops watching those the kernel has forgotten or that outlived
    /// [`MAX_WATCH`].
    pub fn tick(&mut self, now: Instant) -> Vec<Change> {
        let mut changes = Vec::new();
        self.watched.retain_mut(|w| {
            if w.fd.strong_count() > 0 {
                return now < w.until;
            }
            let seen = match sock_diag::lookup(w.local, w.peer) {
                Ok(seen) => seen,
                Err(e) => {
                    tracing::debug!("sock_diag lookup failed, stop watching {}: {e}", w.sock);
                    return false;
                }
            };
            let (state, expires) = match seen {
                Some(k) => (k.state, k.expires),
                None => ("CLOSED", None),
            };
            if w.last != Some(state) {
                w.last = Some(state);
                changes.push(Change {
                    sock: w.sock.clone(),
                    local: w.local,
                    peer: w.peer,
                    state,
                    expires,
                });
            }
            state != "CLOSED" && now < w.until
        });
        changes
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// Ticks until a change to `want` is reported for `sock` (the kernel moves
    /// the connection on its own schedule).
    fn tick_until(l: &mut Lingering, want: &str) -> Vec<Change> {
        let mut seen = Vec::new();
        for _ in 0..100_000 {
            let changes = l.tick(Instant::now());
            let done = changes.iter().any(|c| c.state == want);
            seen.extend(changes);
            if done {
                return seen;
            }
            std::thread::yield_now();
        }
        panic!("never reported {want}: {seen:?}");
    }

    #[test]
    fn reports_each_state_of_a_closed_connection_once() {
        let (client, mut server, c, s) = crate::test_support::loopback_pair();
        let mut l = Lingering::default();
        drop(client);
        l.watch(
            "s2".into(),
            (c, s),
            Weak::new(),
            Some("ESTABLISHED"),
            Instant::now(),
        );
        let changes = tick_until(&mut l, "FIN_WAIT2");
        assert!(changes.iter().all(|ch| ch.sock == "s2" && ch.peer == s));
        // The peer reads EOF and closes: the first closer enters TIME_WAIT.
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).expect("EOF");
        drop(server);
        let changes = tick_until(&mut l, "TIME_WAIT");
        let tw = changes
            .iter()
            .find(|ch| ch.state == "TIME_WAIT")
            .expect("TIME_WAIT");
        assert!(tw.expires.is_some_and(|e| e <= Duration::from_secs(60)));
        // Nothing new: nothing reported again.
        assert!(l.tick(Instant::now()).is_empty());
        assert!(!l.is_empty());
    }

    #[test]
    fn a_forgotten_pair_is_reported_closed_and_dropped() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let local = listener.local_addr().expect("addr");
        drop(listener);
        let peer: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let mut l = Lingering::default();
        l.watch(
            "s1".into(),
            (local, peer),
            Weak::new(),
            Some("ESTABLISHED"),
            Instant::now(),
        );
        let changes = l.tick(Instant::now());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes.first().map(|c| c.state), Some("CLOSED"));
        assert!(l.is_empty());
    }

    #[test]
    fn watching_is_bounded_and_ends_after_max_watch() {
        let peer: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let mut l = Lingering::default();
        let start = Instant::now();
        for i in 0..(MAX_LINGERING + 10) {
            let local: SocketAddr = format!("127.0.0.1:{}", 40000 + i).parse().expect("addr");
            l.watch(
                format!("s{i}"),
                (local, peer),
                Weak::new(),
                Some("CLOSED"),
                start,
            );
        }
        assert_eq!(l.watched.len(), MAX_LINGERING);
        assert_eq!(l.watched.first().map(|w| w.sock.as_str()), Some("s10"));
        // Pairs the kernel does not know, already reported CLOSED: silent, dropped.
        assert!(l.tick(start + MAX_WATCH).is_empty());
        assert!(l.is_empty());
    }
}
