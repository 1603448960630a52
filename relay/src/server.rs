//! The relay's HTTP side: the axum router (`/ws` for sessions, the UI at `/`,
//! the lesson catalogue at `/lessons.json`),
//! the Origin check and session admission before an upgrade, and start/stop of the
//! whole relay with its labs: the start-up safety check (`Config::validate`) and
//! the relay's policy — its own ports reserved from binds, and the connect
//! defaults narrowed to labs and session sockets when it listens beyond loopback.
//!
//! Sessions themselves live in `session.rs`; this file never touches a handle.

use crate::config::{Config, LabPorts};
use crate::labs::{self, Labs};
use crate::policy::{Policy, Ports, Rule};
use crate::session;
use crate::state::RelayState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// Bytes tungstenite buffers before it pushes a write to the socket.
const WS_WRITE_BUFFER: usize = 256 << 10;
/// Capacity of each session's WebSocket read buffer. tungstenite allocates (and
/// zero-fills) it per connection, so it is most of an idle session's memory:
/// 128 KiB (axum's default) made 10,000 idle sessions cost 134 KiB each
/// (docs/benchmarks.md, "Class size").
const WS_READ_BUFFER: usize = 16 << 10;

/// A running relay. Dropping it stops the server and the labs.
pub struct Running {
    /// The HTTP/WebSocket address (`ws://{addr}/ws`).
    pub addr: SocketAddr,
    /// The running labs by name.
    pub labs: BTreeMap<String, SocketAddr>,
    shutdown: watch::Sender<bool>,
    /// Stops the HTTP server (after sessions have been told to close).
    server_stop: watch::Sender<bool>,
    state: Arc<RelayState>,
    /// The acceptor and the shard threads that serve the connections.
    server: Option<crate::shards::Shards>,
    _labs: Option<Labs>,
}

impl Running {
    /// Stops accepting sessions, closes the open ones (code 1001) and waits.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server_stop.send(true);
        self.wait().await;
    }

    /// The first step of [`Running::drain`], on its own: from now on `/healthz`
    /// answers 503 and upgrades are refused, and every session is told to close.
    /// Returns the number of sessions open at that moment.
    pub fn begin_drain(&self) -> usize {
        self.state.drain.begin();
        let sessions = self.state.registry.len();
        let _ = self.shutdown.send(true);
        sessions
    }

    /// Drains (SIGTERM): refuses new sessions and fails readiness, closes every
    /// session with [`crate::drain::CLOSE_REASON`], waits for them up to
    /// `deadline`, then stops the server. See `drain.rs`.
    pub async fn drain(mut self, deadline: std::time::Duration) -> crate::drain::Drained {
        let sessions = self.begin_drain();
        let _ = tokio::time::timeout(deadline, self.state.registry.wait_empty()).await;
        let left = self.state.registry.len();
        let _ = self.server_stop.send(true);
        if let Some(shards) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), shards.wait()).await;
        }
        crate::drain::Drained { sessions, left }
    }

    /// Waits until the server stops (it runs until shutdown) and its shard
    /// threads have ended.
    pub async fn wait(mut self) {
        if let Some(shards) = self.server.take() {
            shards.wait().await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        let _ = self.server_stop.send(true);
        // Dropping the shards stops the acceptor; the shard threads end by
        // themselves once their sessions have closed.
        self.server.take();
    }
}

/// Binds the listener, starts the labs and serves until shut down. A
/// configuration [`Config::validate`] refuses is an `InvalidInput` error.
pub async fn start(config: Config) -> std::io::Result<Running> {
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    if let Err(e) = crate::descriptors::raise_limit() {
        tracing::warn!("cannot read the open-file limit: {e}");
    }
    let tls = config
        .tls
        .as_ref()
        .map(crate::tls_listener::acceptor)
        .transpose()?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let labs = match &config.labs {
        Some(ports) => Some(labs::start(ports).await),
        None => None,
    };
    let lab_addrs = labs.as_ref().map(|l| l.addrs.clone()).unwrap_or_default();
    let internal = labs
        .as_ref()
        .map(|l| l.internal.clone())
        .unwrap_or_default();
    let policy = relay_policy(&config, addr, &lab_addrs, &internal);
    let (tx, rx) = watch::channel(false);
    let (server_stop, stop) = watch::channel(false);
    let shards = crate::shards::count(config.shards);
    let ui_dir = config.ui_dir.clone().or_else(default_ui_dir);
    let lessons = crate::lessons::builtins()
        .and_then(|b| crate::lessons::catalog(b, config.lessons.clone()))
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let lessons = crate::lessons::serve::Served::new(&lessons);
    let framing = Arc::new(crate::framing::Framing::new(&config.allow_origin));
    let state = Arc::new(RelayState::new(
        config,
        policy,
        lab_addrs.clone(),
        rx.clone(),
    ));
    let mut app = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/healthz", get(healthz))
        .route(
            "/lessons.json",
            get(move |headers: HeaderMap| async move { lessons.respond(&headers) }),
        )
        .merge(crate::status_page::routes());
    app = match ui_dir {
        Some(dir) => app.fallback_service(crate::ui_files::service(dir)),
        None => app.fallback(get(no_ui_page)),
    };
    let app = app
        .with_state(Arc::clone(&state))
        .layer(axum::middleware::from_fn_with_state(
            framing,
            crate::framing::add_header,
        ));
    let serving = crate::shards::Serving {
        app,
        tls,
        stop,
        registry: Arc::clone(&state.registry),
    };
    let server = crate::shards::start(listener, serving, shards)?;
    tokio::spawn(crate::sweeper::run(
        Arc::clone(&state.registry),
        state.config.limits.idle_timeout,
        state.shutdown.clone(),
    ));
    tracing::info!(%addr, labs = ?lab_addrs, shards, "relay listening");
    Ok(Running {
        addr,
        labs: lab_addrs,
        shutdown: tx,
        server_stop,
        state,
        server: Some(server),
        _labs: labs,
    })
}

/// The policy of a relay serving at `addr` with these running labs: the rules of
/// `config`, the relay's own ports reserved from binds (web server, labs, the FTP
/// lab's passive range) and, when it listens beyond loopback, connects narrowed
/// to the labs and the sessions' own sockets.
fn relay_policy(
    config: &Config,
    addr: SocketAddr,
    lab_addrs: &BTreeMap<String, SocketAddr>,
    lab_internal: &[SocketAddr],
) -> Policy {
    let mut policy = Policy::new(
        config.allow_connect.clone(),
        config.allow_bind.clone(),
        config.connect_rules_override.clone(),
    );
    policy.reserve_port(addr.port(), "web server");
    let mut lab_rules = Vec::new();
    for (name, a) in lab_addrs {
        policy.reserve_port(a.port(), &format!("{name} lab"));
        lab_rules.push((format!("{name} lab"), lab_rule(a.ip(), a.port(), a.port())));
    }
    for a in lab_internal {
        policy.reserve_port(a.port(), "ftp lab (its server behind the command guard)");
    }
    let passive = config.labs.as_ref().and_then(LabPorts::ftp_passive_range);
    if let (Some((first, last)), Some(ftp)) = (passive, lab_addrs.get("ftp")) {
        policy.reserve_range(first, last, "ftp lab passive ports");
        lab_rules.push((
            "ftp lab passive ports".to_string(),
            lab_rule(ftp.ip(), first, last),
        ));
    }
    if config.is_exposed() {
        policy.expose(lab_rules);
    } else if config.port_spaces {
        policy.share_labs(lab_rules);
    }
    policy
}

/// A connect rule for `ip` on ports `first..=last`.
fn lab_rule(ip: std::net::IpAddr, first: u16, last: u16) -> Rule {
    Rule::ip(ip, Some(Ports { first, last }))
}

/// `dist/` beside the working directory, when a UI has been built there.
fn default_ui_dir() -> Option<PathBuf> {
    let dir = PathBuf::from("dist");
    dir.join("index.html").is_file().then_some(dir)
}

async fn ws_upgrade(
    State(state): State<Arc<RelayState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if state.drain.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            crate::drain::UPGRADE_REFUSED,
        )
            .into_response();
    }
    if let Err(message) = state.origin.check(origin, host) {
        tracing::warn!(%peer, origin, "upgrade refused: bad origin");
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    let permit = state.admit(peer.ip());
    let max = state.config.limits.max_message_bytes;
    upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
        .max_write_buffer_size(max + 2 * WS_WRITE_BUFFER)
        .on_upgrade(move |ws| session::run(ws, state, peer, permit))
}

/// `GET /healthz`: sessions, clients, labs and uptime as JSON (no session data);
/// `503` with `"status": "draining"` once the relay drains (readiness fails).
async fn healthz(State(state): State<Arc<RelayState>>) -> Response {
    let mut health = state.health();
    if state.drain.is_draining() {
        health.status = crate::drain::STATUS_DRAINING.into();
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(health)).into_response();
    }
    axum::Json(health).into_response()
}

async fn no_ui_page() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><meta charset=utf-8><title>socklab relay</title>",
        "<h1>socklab relay is running</h1>",
        "<p>The WebSocket endpoint is <code>/ws</code>. No web UI was found: build it with ",
        "<code>cargo xtask run</code> (which builds the UI and starts the relay), or pass ",
        "<code>--ui-dir path/to/dist</code>.</p>",
    ))
}
