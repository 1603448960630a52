//! The chat lab (127.0.0.1:20023): a multi-client broadcast server for `select()`
//! demos.
//!
//! - On connect a client gets `welcome to the socklab chat: N other(s) here\n`, and
//!   the others get `[chat] 127.0.0.1:40512 joined\n`.
//! - Each chunk a client sends (one `read`, at most [`CHUNK`] bytes) goes to every
//!   OTHER client, each line prefixed with the sender's address:
//!   `[127.0.0.1:40512] hello\n`. A chunk that does not end with a newline gets one,
//!   so every message is whole lines (a line split across two reads arrives as two).
//! - Leaving is announced: `[chat] 127.0.0.1:40512 left\n`.
//!
//! Bounded: at most [`MAX_CLIENTS`] clients (the next one gets
//! `chat is full (64 clients), try again later\n` and is closed), at most
//! [`crate::labs::MAX_CLIENTS_PER_PEER`] from one address (the next one gets
//! `chat is full for 127.0.0.1 (at most 32 connections from one address), try again
//! later\n`); a client that sends nothing for [`crate::labs::IDLE_TIMEOUT`] is
//! disconnected and the others see `[chat] … left (idle)\n`; each client has an
//! outgoing queue of [`QUEUE`] messages. A client that does not read fills first its
//! kernel buffers, then that queue; when its queue is full it is **disconnected**
//! (like an IRC server's "SendQ exceeded") and the others see
//! `[chat] … left (not reading)\n`. We disconnect rather than drop messages so that
//! no client silently misses part of the conversation. Senders never wait for slow
//! readers. Messages are shared (`Bytes`) between recipients, so the memory in use is
//! at most MAX_CLIENTS × QUEUE messages of at most ~[`CHUNK`] × 26 bytes each.
//!
//! Owns only its listener and its clients; it must not touch relay sessions.

use bytes::{BufMut, Bytes, BytesMut};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};

/// Most clients at once.
pub(crate) const MAX_CLIENTS: usize = super::MAX_CLIENTS_PER_LAB;
/// Messages waiting for one client before it is disconnected.
pub(crate) const QUEUE: usize = 64;
/// Largest chunk read (and so broadcast) at once.
pub(crate) const CHUNK: usize = 1024;

/// Accepts and serves until the task is aborted; aborting also stops every client.
pub(crate) async fn serve(listener: TcpListener) {
    serve_with(listener, super::IDLE_TIMEOUT).await;
}

/// [`serve`] with a chosen idle limit.
async fn serve_with(listener: TcpListener, idle: Duration) {
    let hub = Arc::new(Hub::default());
    let mut clients = super::LabClients::new("chat", MAX_CLIENTS, full_reply);
    loop {
        let (stream, peer, slot) = clients.admit(&listener).await;
        clients.spawn(slot, client(hub.clone(), stream, peer, idle));
    }
}

/// What a client turned away reads.
fn full_reply(full: super::Full, peer: SocketAddr) -> String {
    match full {
        super::Full::Total(n) => format!("chat is full ({n} clients), try again later\n"),
        super::Full::PerPeer(n) => format!(
            "chat is full for {} (at most {n} connections from one address), try again later\n",
            peer.ip()
        ),
    }
}

/// Serves one client: its reads go to the hub, the hub's messages go to it.
async fn client(hub: Arc<Hub>, mut stream: TcpStream, peer: SocketAddr, idle: Duration) {
    let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE);
    let kicked = Arc::new(Notify::new());
    let id = hub.join(peer, tx, kicked.clone());
    let (mut rd, mut wr) = stream.split();
    let reader = async {
        let mut buf = [0u8; CHUNK];
        loop {
            match tokio::time::timeout(idle, rd.read(&mut buf)).await {
                Err(_) => return " (idle)",
                Ok(Ok(0) | Err(_)) => return "",
                Ok(Ok(n)) => {
                    hub.broadcast(Some(id), prefixed(peer, buf.get(..n).unwrap_or_default()))
                }
            }
        }
    };
    let writer = async {
        while let Some(msg) = rx.recv().await {
            if wr.write_all(&msg).await.is_err() {
                break;
            }
        }
    };
    let why = tokio::select! {
        why = reader => why,
        () = writer => "",
        () = kicked.notified() => " (not reading)",
    };
    hub.leave(id, peer, why);
}

/// Every line of `chunk` prefixed with `[peer] `, ending with a newline.
fn prefixed(peer: SocketAddr, chunk: &[u8]) -> Bytes {
    let prefix = format!("[{peer}] ");
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut out = BytesMut::with_capacity(chunk.len() + prefix.len() + 1);
    for line in body.split(|&b| b == b'\n') {
        out.put_slice(prefix.as_bytes());
        out.put_slice(line);
        out.put_u8(b'\n');
    }
    out.freeze()
}

struct Member {
    tx: mpsc::Sender<Bytes>,
    kicked: Arc<Notify>,
}

/// Who is in the chat and their outgoing queues. The lock is never held across an
/// await: delivery is `try_send`.
#[derive(Default)]
struct Hub {
    members: Mutex<HashMap<u64, Member>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl Hub {
    fn members(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Member>> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Greets the newcomer (first thing in its queue), then announces it.
    fn join(&self, peer: SocketAddr, tx: mpsc::Sender<Bytes>, kicked: Arc<Notify>) -> u64 {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut members = self.members();
        let greeting = format!(
            "welcome to the socklab chat: {} other(s) here\n",
            members.len()
        );
        // The queue is new and empty, so this cannot fail.
        let _ = tx.try_send(Bytes::from(greeting));
        let joined = Bytes::from(format!("[chat] {peer} joined\n"));
        deliver(&mut members, Some(id), joined);
        members.insert(id, Member { tx, kicked });
        id
    }

    /// Sends `msg` to every member but `from`.
    fn broadcast(&self, from: Option<u64>, msg: Bytes) {
        deliver(&mut self.members(), from, msg);
    }

    fn leave(&self, id: u64, peer: SocketAddr, why: &str) {
        let mut members = self.members();
        members.remove(&id);
        deliver(
            &mut members,
            None,
            Bytes::from(format!("[chat] {peer} left{why}\n")),
        );
    }
}

/// Queues `msg` for every member but `from`; a member whose queue is full is removed
/// and told to disconnect (its task then announces that it left).
fn deliver(members: &mut HashMap<u64, Member>, from: Option<u64>, msg: Bytes) {
    members.retain(|&id, m| {
        if Some(id) == from {
            return true;
        }
        match m.tx.try_send(msg.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                m.kicked.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LabPorts;
    use tokio::io::{AsyncBufReadExt, BufReader};
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

    struct Client {
        addr: SocketAddr,
        lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
        wr: OwnedWriteHalf,
    }

    impl Client {
        async fn connect(lab: SocketAddr) -> Client {
            Client::over(TcpStream::connect(lab).await.unwrap())
        }
        fn over(s: TcpStream) -> Client {
            let addr = s.local_addr().unwrap();
            let (rd, wr) = s.into_split();
            Client {
                addr,
                lines: BufReader::new(rd).lines(),
                wr,
            }
        }
        async fn line(&mut self) -> String {
            self.lines.next_line().await.unwrap().expect("a line")
        }
        async fn say(&mut self, text: &str) {
            self.wr.write_all(text.as_bytes()).await.unwrap();
        }
    }

    #[tokio::test]
    async fn broadcasts_to_the_others_with_greeting_prefix_joins_and_leaves() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let lab = labs.addrs["chat"];
        let mut a = Client::connect(lab).await;
        assert_eq!(
            a.line().await,
            "welcome to the socklab chat: 0 other(s) here"
        );
        let mut b = Client::connect(lab).await;
        assert_eq!(
            b.line().await,
            "welcome to the socklab chat: 1 other(s) here"
        );
        assert_eq!(a.line().await, format!("[chat] {} joined", b.addr));
        let mut c = Client::connect(lab).await;
        assert_eq!(
            c.line().await,
            "welcome to the socklab chat: 2 other(s) here"
        );
        assert_eq!(a.line().await, format!("[chat] {} joined", c.addr));
        assert_eq!(b.line().await, format!("[chat] {} joined", c.addr));

        a.say("hello\n").await;
        assert_eq!(b.line().await, format!("[{}] hello", a.addr));
        assert_eq!(c.line().await, format!("[{}] hello", a.addr));
        // Two lines in one chunk: each prefixed; a missing final newline is added.
        b.say("one\ntwo").await;
        for r in [&mut a, &mut c] {
            assert_eq!(r.line().await, format!("[{}] one", b.addr));
            assert_eq!(r.line().await, format!("[{}] two", b.addr));
        }
        // The sender does not get its own message back: A's next line is C's.
        c.say("hi all\n").await;
        assert_eq!(a.line().await, format!("[{}] hi all", c.addr));
        assert_eq!(b.line().await, format!("[{}] hi all", c.addr));

        let c_addr = c.addr;
        drop(c);
        assert_eq!(a.line().await, format!("[chat] {c_addr} left"));
        assert_eq!(b.line().await, format!("[chat] {c_addr} left"));
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_is_disconnected() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let lab = labs.addrs["chat"];
        let mut talker = Client::connect(lab).await;
        talker.line().await;
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(4096).unwrap();
        let mut sleeper = sock.connect(lab).await.unwrap();
        let sleeper_addr = sleeper.local_addr().unwrap();
        assert_eq!(talker.line().await, format!("[chat] {sleeper_addr} joined"));

        let Client {
            mut lines, mut wr, ..
        } = talker;
        let flood = tokio::spawn(async move {
            let chunk = [b'x'; CHUNK - 1];
            // Ends when the test ends (the lab closes) or the write fails.
            while wr.write_all(&chunk).await.is_ok() {}
        });
        let left = lines.next_line().await.unwrap().expect("a line");
        assert_eq!(left, format!("[chat] {sleeper_addr} left (not reading)"));
        flood.abort();
        // The sleeper finds its connection closed after what was already sent.
        let mut sink = Vec::new();
        sleeper.read_to_end(&mut sink).await.unwrap();
        assert!(sink.starts_with(b"welcome to the socklab chat: 1 other(s) here\n"));
    }

    /// A client connecting from `127.0.0.{last}`.
    async fn connect_from(lab: SocketAddr, last: u8) -> Client {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(SocketAddr::from(([127, 0, 0, last], 0))).unwrap();
        Client::over(sock.connect(lab).await.unwrap())
    }

    /// `count` greeted clients (so each holds a place), the i-th connecting from
    /// `127.0.0.{from(i)}`.
    async fn greeted_clients(
        lab: SocketAddr,
        count: usize,
        from: impl Fn(usize) -> u8,
    ) -> Vec<Client> {
        let mut clients = Vec::new();
        for i in 0..count {
            let mut c = connect_from(lab, from(i)).await;
            c.line().await;
            clients.push(c);
        }
        clients
    }

    #[tokio::test]
    async fn the_client_after_the_limit_is_told_the_chat_is_full() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let lab = labs.addrs["chat"];
        let per_peer = crate::labs::MAX_CLIENTS_PER_PEER;
        // Spread over addresses so that only the total limit is reached.
        let _clients = greeted_clients(lab, MAX_CLIENTS, |i| {
            2 + u8::try_from(i / per_peer).unwrap()
        })
        .await;
        let mut extra = connect_from(lab, 100).await;
        assert_eq!(
            extra.line().await,
            format!("chat is full ({MAX_CLIENTS} clients), try again later")
        );
        assert!(extra.lines.next_line().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn one_address_cannot_take_every_place() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let lab = labs.addrs["chat"];
        let per_peer = crate::labs::MAX_CLIENTS_PER_PEER;
        let mut clients = greeted_clients(lab, per_peer, |_| 1).await;
        let mut hog = connect_from(lab, 1).await;
        assert_eq!(
            hog.line().await,
            format!(
                "chat is full for 127.0.0.1 (at most {per_peer} connections from one address), try again later"
            )
        );
        assert!(hog.lines.next_line().await.unwrap().is_none());
        let mut other = connect_from(lab, 3).await;
        assert_eq!(
            other.line().await,
            format!("welcome to the socklab chat: {per_peer} other(s) here"),
            "another address still gets in"
        );
        // A place freed by the first address can be taken by it again.
        let gone = clients.pop().unwrap();
        let gone_addr = gone.addr;
        drop(gone);
        assert_eq!(other.line().await, format!("[chat] {gone_addr} left"));
        let mut again = connect_from(lab, 1).await;
        assert!(again.line().await.starts_with("welcome"));
    }

    #[tokio::test]
    async fn a_silent_client_is_disconnected_after_the_idle_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let lab = listener.local_addr().unwrap();
        let idle = Duration::from_millis(300);
        let server = tokio::spawn(serve_with(listener, idle));
        let started = tokio::time::Instant::now();
        let mut silent = Client::connect(lab).await;
        silent.line().await;
        let closed = tokio::time::timeout(Duration::from_secs(10), silent.lines.next_line())
            .await
            .expect("the lab closes a silent client");
        assert!(matches!(closed, Ok(None)), "{closed:?}");
        assert!(started.elapsed() >= idle);
        server.abort();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Whatever a client sends in one read: whole lines, each prefixed, with the
        /// chunk's bytes in order, and bounded size.
        #[test]
        fn any_chunk_becomes_whole_prefixed_lines(
            chunk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..CHUNK)
        ) {
            let peer: SocketAddr = "127.0.0.1:40512".parse().unwrap();
            let out = prefixed(peer, &chunk);
            let prefix = b"[127.0.0.1:40512] ";
            proptest::prop_assert_eq!(out.last(), Some(&b'\n'));
            proptest::prop_assert!(out.len() <= chunk.len() * (prefix.len() + 1) + prefix.len() + 1);
            let mut body = Vec::new();
            for line in out.strip_suffix(b"\n").unwrap().split(|&b| b == b'\n') {
                proptest::prop_assert!(line.starts_with(prefix));
                body.extend_from_slice(&line[prefix.len()..]);
                body.push(b'\n');
            }
            let mut want = chunk.strip_suffix(b"\n").unwrap_or(&chunk).to_vec();
            want.push(b'\n');
            proptest::prop_assert_eq!(body, want);
        }
    }

    #[test]
    fn prefixes_every_line() {
        let peer: SocketAddr = "127.0.0.1:40512".parse().unwrap();
        assert_eq!(
            &prefixed(peer, b"hello\n")[..],
            b"[127.0.0.1:40512] hello\n"
        );
        assert_eq!(
            &prefixed(peer, b"a\n\nb")[..],
            b"[127.0.0.1:40512] a\n[127.0.0.1:40512] \n[127.0.0.1:40512] b\n"
        );
    }
}
