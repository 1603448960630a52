//! The `kernel` event: the kernel's own TCP state of the session's connections
//! (docs/protocol.md, "`kernel`").
//!
//! Two sources, one place each: [`Session::report_kernel`] reads `TCP_INFO` of a
//! socket the session holds and reports it when it differs from the last state
//! reported for that handle (called after the calls and events that can move
//! it); [`Session::linger`] hands a connection that `close()` let go to the
//! session's [`crate::linger::Lingering`], and [`Session::tick_lingering`] asks
//! the kernel about those through socket diagnostics and reports each change.
//! Where the kernel cannot be read (not Linux, an error) nothing is reported.

use crate::linger::Change;
use crate::session::Session;
use crate::sock::{Os, Sock};
use shared::{Event, KernelSource, KernelState, SockType};
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// A TCP connection the session is about to close: what lingering needs.
pub struct Closing {
    pair: (SocketAddr, SocketAddr),
    fd: Weak<TcpStream>,
}

impl Closing {
    /// The address pair of `s` when it is a TCP connection with a peer; read
    /// before its descriptor goes.
    pub fn of(s: &Sock) -> Option<Closing> {
        let Os::Stream(st) = &s.os else {
            return None;
        };
        let local = s.local_addr().ok()?;
        Some(Closing {
            pair: (local, st.peer),
            fd: Arc::downgrade(&st.io),
        })
    }
}

impl Session {
    /// Reads `TCP_INFO` of the TCP socket `h` and sends a `kernel` event when
    /// the state differs from the last one reported for it.
    pub fn report_kernel(&mut self, h: &str) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        if s.kind != SockType::Stream {
            return;
        }
        let Some(state) = s.sock_ref().and_then(|r| crate::tcp_info::state(&r).ok()) else {
            return;
        };
        if s.kernel == state {
            return;
        }
        s.kernel = state;
        let (local, peer) = match &s.os {
            Os::Stream(st) => (s.local_addr().ok(), Some(st.peer)),
            _ => (s.local_addr().ok(), None),
        };
        self.out.event(Event::Kernel(KernelState {
            sock: h.to_owned(),
            state: state.to_owned(),
            source: KernelSource::TcpInfo,
            held: true,
            local: local.map(Into::into),
            peer: peer.map(Into::into),
            expires_ms: None,
        }));
    }

    /// Starts watching the connection `h` had, now closed; its first state is
    /// reported, whatever it is, by the first [`Session::tick_lingering`] after
    /// the relay has released its descriptor.
    pub fn linger(&mut self, h: &str, closing: Closing) {
        self.lingering
            .watch(h.to_owned(), closing.pair, closing.fd, None, Instant::now());
    }

    /// An aborted I/O future was dropped, maybe the last holder of a closed
    /// connection's descriptor: its first state is reported now.
    pub fn on_released(&mut self) {
        if self.lingering.has_unreported() {
            self.tick_lingering();
        }
    }

    /// Asks the kernel about the closed connections it may still hold; one
    /// `kernel` event per change.
    pub fn tick_lingering(&mut self) {
        for change in self.lingering.tick(Instant::now()) {
            self.out.event(Event::Kernel(lingering_state(change)));
        }
    }
}

fn lingering_state(c: Change) -> KernelState {
    KernelState {
        sock: c.sock,
        state: c.state.to_owned(),
        source: KernelSource::SockDiag,
        held: false,
        local: Some(c.local.into()),
        peer: Some(c.peer.into()),
        expires_ms: c
            .expires
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    }
}
