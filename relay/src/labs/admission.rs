//! Admitting a TCP lab's clients: accept the next connection (retrying after
//! accept errors), give it a place in the lab's [`ClientSlots`] or answer it at once
//! with the lab's refusal, and run each admitted client as a task of the lab that
//! frees its place when it ends.
//!
//! Owns the accept loop the chat, FTP and HTTP labs share and the words of a
//! refusal; what a lab says to, and does with, an admitted client belongs to the
//! lab's own file. Aborting the lab's task drops its [`LabClients`] and so stops
//! every client.

use super::client_slots::{ClientSlots, Full, Slot};
use super::MAX_CLIENTS_PER_PEER;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// After a failed `accept` (e.g. out of file descriptors) wait a little before the
/// next one instead of spinning.
pub(crate) const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Waits for the next connection to a lab. Accept errors (e.g. EMFILE) are logged
/// and retried after [`ACCEPT_BACKOFF`] instead of spinning.
pub(crate) async fn accept_next(listener: &TcpListener, lab: &str) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(c) => return c,
            Err(e) => {
                tracing::warn!(lab, error = %e, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// The first words of the answer to a client turned away by `full`.
pub(crate) fn full_message(full: Full, peer: SocketAddr) -> String {
    match full {
        Full::Total(n) => format!("the lab is full ({n} clients)"),
        Full::PerPeer(n) => format!(
            "too many connections from {} (at most {n} from one address)",
            peer.ip()
        ),
    }
}

/// The clients one TCP lab serves: their places and their tasks.
pub(crate) struct LabClients {
    lab: &'static str,
    slots: ClientSlots,
    /// What a client turned away reads before its connection closes.
    refusal: fn(Full, SocketAddr) -> String,
    tasks: JoinSet<()>,
}

impl LabClients {
    /// At most `total` clients of `lab` at once, [`MAX_CLIENTS_PER_PEER`] of them
    /// from one address; a client beyond that reads `refusal(full, peer)`.
    pub(crate) fn new(
        lab: &'static str,
        total: usize,
        refusal: fn(Full, SocketAddr) -> String,
    ) -> LabClients {
        LabClients {
            lab,
            slots: ClientSlots::new(total, MAX_CLIENTS_PER_PEER),
            refusal,
            tasks: JoinSet::new(),
        }
    }

    /// Waits for the next client that gets a place; the clients turned away on
    /// the way are answered and closed.
    pub(crate) async fn admit(&mut self, listener: &TcpListener) -> (TcpStream, SocketAddr, Slot) {
        loop {
            let (stream, peer) = accept_next(listener, self.lab).await;
            while self.tasks.try_join_next().is_some() {}
            match self.slots.take(peer.ip()) {
                Ok(slot) => return (stream, peer, slot),
                Err(full) => {
                    // A fresh socket's send buffer is empty, so this does not block; if
                    // it fails anyway the client just sees the connection close.
                    let _ = stream.try_write((self.refusal)(full, peer).as_bytes());
                }
            }
        }
    }

    /// Serves an admitted client: `client` runs as a task of the lab and its
    /// `slot` is freed when it ends.
    pub(crate) fn spawn(&mut self, slot: Slot, client: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(async move {
            client.await;
            drop(slot);
        });
    }
}
