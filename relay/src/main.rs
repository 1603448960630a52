//! `socklab`: the relay's command line. Parses flags into a [`relay::Config`],
//! sets up logging and runs the relay until Ctrl-C. Nothing else lives here.

use clap::Parser;
use relay::budget::SessionBudget;
use relay::config::{Config, LabPorts, RelayLimits};
use relay::policy::Rule;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// socklab relay: performs Python socket calls for the socklab web page over one
/// WebSocket per browser tab, with real sockets, safely bounded.
#[derive(Parser, Debug)]
#[command(name = "socklab", version, about, long_about = None)]
struct Args {
    /// Address to serve the page (/) and the WebSocket (/ws) on. Use 0.0.0.0:8080
    /// to host a class on your network: then --token-file (or --insecure-no-token)
    /// is required, and sessions may connect only to the labs, to sockets bound in
    /// this relay and to --allow-connect targets (on loopback: any loopback port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Do not start the lab servers (TCP and UDP echo on 20007, chat on 20023,
    /// HTTP on 20080, FTP on 20021 with passive ports 21000-21099).
    #[arg(long)]
    no_labs: bool,

    /// Also allow connecting to these targets. Default with a loopback --listen:
    /// any loopback port; with any other --listen: only the labs and sockets
    /// bound in this relay. RULE is an IP, CIDR or host name with an optional
    /// port or range, e.g. 10.0.0.0/8, 192.168.1.5:80, example.org:80-443,
    /// [fd00::/8]:8000-9000. Repeatable.
    #[arg(long, value_name = "RULE")]
    allow_connect: Vec<Rule>,

    /// Also allow binding these addresses (default: loopback, ports 1024-65535 and 0).
    /// `--allow-bind 0.0.0.0` lets "" and 0.0.0.0 bind all interfaces. Repeatable.
    #[arg(long, value_name = "RULE")]
    allow_bind: Vec<Rule>,

    /// Also accept WebSocket upgrades from pages served at this origin, e.g.
    /// https://docs.example.org (default: the relay's own page only). Repeatable.
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,

    /// Require every session to send `auth` with this token first. Prefer
    /// --token-file: a token on the command line is visible to other users.
    #[arg(long, env = "SOCKLAB_TOKEN", conflicts_with = "token_file")]
    token: Option<String>,

    /// Read the session token from this file (first line).
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,

    /// Allow a --listen address beyond loopback without a token. Anyone who can
    /// reach that address may then open sockets through this machine; use it
    /// only on a network you trust. Without it (and without a token), such a
    /// relay refuses to start. No effect when a token is set.
    #[arg(long)]
    insecure_no_token: bool,

    /// Most sessions (browser tabs) the relay serves at once.
    #[arg(long, default_value_t = RelayLimits::default().max_sessions)]
    max_sessions: u32,

    /// Most sessions one client may hold at once: a client is one IPv4 address,
    /// or one IPv6 /64 (a single IPv6 host can use every address of its /64).
    #[arg(long, default_value_t = RelayLimits::default().max_sessions_per_ip)]
    max_sessions_per_ip: u32,

    /// Most open handles (sockets, connections) per session.
    #[arg(long, default_value_t = RelayLimits::default().max_handles)]
    max_handles: u32,

    /// Largest WebSocket message the relay accepts, in bytes; bigger ones close
    /// the session with code 1009.
    #[arg(long, default_value_t = RelayLimits::default().max_message_bytes)]
    max_message_bytes: usize,

    /// Bytes the relay buffers per socket before it stops reading from the kernel.
    #[arg(long, default_value_t = RelayLimits::default().recv_buffer_bytes)]
    recv_buffer_bytes: usize,

    /// Most requests that may wait at once in one session.
    #[arg(long, default_value_t = RelayLimits::default().max_pending)]
    max_pending: u32,

    /// Bytes one session may hold unsent (frames for the browser, queued sends,
    /// HTTP bodies, piped bytes and FTP uploads waiting for their sockets).
    #[arg(long, default_value_t = SessionBudget::default().buffered_bytes)]
    max_buffered_bytes: usize,

    /// Connections one session may hold to each lab server, so that one tab
    /// cannot take every client slot of a lab.
    #[arg(long, default_value_t = SessionBudget::default().lab_connections)]
    max_lab_connections: u32,

    /// Distinct handles that the waiting `select` calls of one session may watch.
    #[arg(long, default_value_t = SessionBudget::default().select_watch)]
    max_select_watch: usize,

    /// Seconds a session may take to send the right token when one is required;
    /// then it is closed (code 1008).
    #[arg(long, default_value_t = SessionBudget::default().auth_timeout.as_secs())]
    auth_timeout: u64,

    /// Seconds without a message from the browser before a session is closed.
    #[arg(long, default_value_t = RelayLimits::default().idle_timeout.as_secs())]
    idle_timeout: u64,

    /// Serve the web UI from this directory (trunk's dist/). Default: ./dist when
    /// it holds an index.html.
    #[arg(long, value_name = "DIR")]
    ui_dir: Option<PathBuf>,

    /// Also serve the lessons in this directory (every *.toml file; format in
    /// docs/lessons.md), after the built-in ones; a lesson with a built-in's id
    /// replaces it. Each file is checked at start-up: a broken one stops the
    /// relay with a message naming the file and the field.
    #[arg(long, value_name = "DIR")]
    lessons: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = match config_from(args).and_then(|c| c.validate().map(|()| c)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("socklab: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("socklab: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let running = match relay::start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("socklab: cannot serve: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        println!("socklab is running: open http://{}/", running.addr);
        stop_signal().await;
        println!("socklab: shutting down");
        running.shutdown().await;
        std::process::ExitCode::SUCCESS
    })
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM: either stops the relay gracefully, which
/// closes the sessions and removes the FTP lab's sandbox.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn config_from(args: Args) -> Result<Config, String> {
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --token-file {}: {e}", path.display()))?;
            let t = text.lines().next().unwrap_or("").trim().to_owned();
            if t.is_empty() {
                return Err(format!("--token-file {} is empty", path.display()));
            }
            Some(t)
        }
        (None, None) => None,
    };
    let mut config = Config::new(args.listen);
    config.labs = (!args.no_labs).then_some(LabPorts::STANDARD);
    config.allow_connect = args.allow_connect;
    config.allow_bind = args.allow_bind;
    config.allow_origin = args.allow_origin;
    config.token = token;
    config.insecure_no_token = args.insecure_no_token;
    config.ui_dir = args.ui_dir;
    if let Some(dir) = &args.lessons {
        config.lessons = relay::lessons::load_dir(dir)?;
        relay::lessons::builtins()
            .and_then(|b| relay::lessons::merge(b, config.lessons.clone()))?;
    }
    config.limits = RelayLimits {
        max_sessions: args.max_sessions,
        max_sessions_per_ip: args.max_sessions_per_ip,
        max_handles: args.max_handles,
        max_message_bytes: args.max_message_bytes.max(1024),
        max_pending: args.max_pending.max(1),
        recv_buffer_bytes: args.recv_buffer_bytes.max(1),
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
    };
    config.budget = SessionBudget {
        buffered_bytes: args
            .max_buffered_bytes
            .max(args.max_message_bytes.max(1024)),
        lab_connections: args.max_lab_connections.max(1),
        select_watch: args.max_select_watch.max(1),
        auth_timeout: Duration::from_secs(args.auth_timeout.max(1)),
    };
    Ok(config)
}
