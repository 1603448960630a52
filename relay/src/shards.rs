//! The relay's runtime model: one acceptor, N shards. The acceptor (a task on
//! the caller's runtime, beside the labs) accepts each connection and hands it
//! to the least-loaded of N shard threads; each shard runs a current-thread
//! tokio runtime that serves its connections with axum. A session — its
//! WebSocket, its sockets, its timers — lives on one thread from upgrade to
//! close, so no worker has to wake another for each frame (docs/benchmarks.md,
//! "Class size", the `pipe` round trip).
//!
//! Owns the shard threads (start, stop, join), the hand-over from the acceptor
//! and [`ShardListener`], the `axum::serve` listener a shard takes its
//! connections from. What is served is `server.rs`'s router; TLS handshakes run
//! in the shard (`tls_listener.rs`).

use crate::status::Registry;
use crate::tls_listener::TlsListener;
use axum::serve::{Listener, ListenerExt};
use axum::Router;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::RuntimeMetrics;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Accepted connections waiting for their shard; beyond this the acceptor waits
/// (and new connections wait in the kernel's backlog).
const QUEUE: usize = 64;
/// Once its server has stopped, how long a shard keeps running so that its
/// sessions can deliver their close frames (each takes at most 2 s).
const CLOSE_GRACE: Duration = Duration::from_secs(3);
/// The shard threads' name (and their blocking pools'); `-N` is added to a
/// shard's own thread.
pub const THREAD_NAME: &str = "socklab-shard";

/// A connection on its way from the acceptor to a shard (deregistered from the
/// acceptor's runtime, non-blocking).
type Accepted = (std::net::TcpStream, SocketAddr);

/// What every shard serves, and when it stops.
pub struct Serving {
    pub app: Router,
    pub tls: Option<TlsAcceptor>,
    /// Becomes `true` (or is dropped) when the server stops.
    pub stop: watch::Receiver<bool>,
    /// Open sessions: a stopping shard waits for them to close.
    pub registry: Arc<Registry>,
}

/// The running acceptor and shards.
pub struct Shards {
    acceptor: JoinHandle<()>,
    threads: Vec<Shard>,
}

struct Shard {
    thread: std::thread::JoinHandle<()>,
    /// Sent when the thread's runtime has shut down.
    done: oneshot::Receiver<()>,
}

/// How many shards to run: `configured`, or one per available core when 0.
pub fn count(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Starts `count` shard threads serving `serving`, and the acceptor (on the
/// current runtime) that feeds them from `listener`.
pub fn start(listener: TcpListener, serving: Serving, count: usize) -> io::Result<Shards> {
    let local = listener.local_addr()?;
    let mut feeds = Vec::with_capacity(count);
    let mut threads = Vec::with_capacity(count);
    for i in 0..count.max(1) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name(THREAD_NAME)
            .build()?;
        let (tx, incoming) = mpsc::channel(QUEUE);
        feeds.push(Feed {
            tx,
            load: runtime.metrics(),
        });
        let listener = ShardListener { incoming, local };
        let serving = Serving {
            app: serving.app.clone(),
            tls: serving.tls.clone(),
            stop: serving.stop.clone(),
            registry: Arc::clone(&serving.registry),
        };
        let (finished, done) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("{THREAD_NAME}-{i}"))
            .spawn(move || {
                runtime.block_on(serve(listener, serving));
                runtime.shutdown_timeout(Duration::from_secs(1));
                let _ = finished.send(());
            })?;
        threads.push(Shard { thread, done });
    }
    let acceptor = tokio::spawn(accept(listener, feeds, serving.stop));
    Ok(Shards { acceptor, threads })
}

impl Shards {
    /// Waits until the acceptor and every shard have stopped, and joins the
    /// shard threads.
    pub async fn wait(mut self) {
        let _ = (&mut self.acceptor).await;
        for shard in self.threads.drain(..) {
            // The thread has shut its runtime down: it ends at once.
            let _ = shard.done.await;
            let _ = shard.thread.join();
        }
    }
}

impl Drop for Shards {
    /// The shards stop by themselves when the stop signal comes (or its
    /// sender is dropped); only the acceptor belongs to the caller's runtime.
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

/// One shard as the acceptor sees it.
struct Feed {
    tx: mpsc::Sender<Accepted>,
    load: RuntimeMetrics,
}

impl Feed {
    /// Tasks alive in the shard (connections, sessions, handshakes) plus the
    /// connections queued for it.
    fn load(&self) -> usize {
        self.load.num_alive_tasks() + QUEUE.saturating_sub(self.tx.capacity())
    }
}

/// The least-loaded shard, ties going to the first at or after `turn`.
fn pick(feeds: &[Feed], turn: usize) -> Option<&Feed> {
    let n = feeds.len();
    (0..n)
        .filter_map(|k| feeds.get(turn.wrapping_add(k) % n))
        .min_by_key(|f| f.load())
}

/// Accepts until `stop`, handing each connection to a shard.
async fn accept(listener: TcpListener, feeds: Vec<Feed>, mut stop: watch::Receiver<bool>) {
    let mut turn = 0usize;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors, usually: wait a little, as axum does.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small frames (replies, events) must not wait for Nagle's algorithm.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(%peer, "cannot hand a connection over: {e}");
                continue;
            }
        };
        let Some(feed) = pick(&feeds, turn) else {
            return;
        };
        turn = turn.wrapping_add(1);
        if feed.tx.send((stream, peer)).await.is_err() {
            // That shard has stopped: so does the server.
            return;
        }
    }
}

/// One shard's server: axum over the connections handed to it, until `stop`;
/// then its sessions get [`CLOSE_GRACE`] to finish.
async fn serve(listener: ShardListener, serving: Serving) {
    let service = serving
        .app
        .into_make_service_with_connect_info::<SocketAddr>();
    let mut stop = serving.stop;
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    // `tap_io` gives both listeners axum's `ConnectInfo<SocketAddr>`.
    let served = match serving.tls {
        Some(acceptor) => match TlsListener::new(listener, acceptor) {
            Ok(l) => {
                axum::serve(l.tap_io(|_| {}), service)
                    .with_graceful_shutdown(stopped)
                    .await
            }
            Err(e) => Err(e),
        },
        None => {
            axum::serve(listener.tap_io(|_| {}), service)
                .with_graceful_shutdown(stopped)
                .await
        }
    };
    if let Err(e) = served {
        tracing::error!("server stopped: {e}");
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, serving.registry.wait_empty()).await;
}

/// The connections the acceptor hands to one shard, as an `axum::serve`
/// listener; each is registered with the shard's runtime as it is taken.
pub struct ShardListener {
    incoming: mpsc::Receiver<Accepted>,
    local: SocketAddr,
}

impl Listener for ShardListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some((stream, peer)) = self.incoming.recv().await else {
                // The acceptor stopped: nothing will come any more.
                return std::future::pending().await;
            };
            match TcpStream::from_std(stream) {
                Ok(s) => return (s, peer),
                Err(e) => tracing::warn!(%peer, "cannot take a connection into its shard: {e}"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
