//! `socklab`: the relay's command line. Parses flags into a [`relay::Config`],
//! sets up logging and runs the relay until Ctrl-C. Nothing else lives here.

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
use relay::budget::SessionBudget;
use relay::class_preset;
use relay::config::{Config, LabPorts, RelayLimits};
use relay::policy::Rule;
use relay::tls_listener::TlsFiles;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// socklab relay: performs Python socket calls for the socklab web page over one
/// WebSocket per browser tab, with real sockets, safely bounded.
#[derive(Parser, Debug)]
#[command(name = "socklab", version, about, long_about = None)]
struct Args {
    /// Address to serve the page (/) and the WebSocket (/ws) on. Use 0.0.0.0:8080
    /// (or --class, which does it with a room's settings) to host a class on your
    /// network: then --token-file (or --insecure-no-token) is required, and sessions may connect only to the labs, to sockets bound in
    /// this relay and to --allow-connect targets (on loopback: any loopback port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Do not start the lab servers (TCP and UDP echo on 20007, chat on 20023,
    /// HTTP on 20080, FTP on 20021 with passive ports 21000-21099, SMTP on 20025,
    /// POP3 on 20110).
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

    /// Read the token for the teacher's /status and /metrics from this file (first
    /// line). Default: the session token; without either, /status is served only
    /// on a loopback --listen.
    #[arg(long, value_name = "PATH", env = "SOCKLAB_STATUS_TOKEN_FILE")]
    status_token_file: Option<PathBuf>,

    /// The token for /status and /metrics (prefer --status-token-file).
    #[arg(
        long,
        env = "SOCKLAB_STATUS_TOKEN",
        conflicts_with = "status_token_file"
    )]
    status_token: Option<String>,

    /// On SIGTERM or Ctrl-C: seconds to wait for sessions to close after telling
    /// them why; the process exits (status 0) at the latest a few seconds later.
    #[arg(long, default_value_t = 10)]
    drain_secs: u64,

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

    /// Host a class: listen on 0.0.0.0:8080, require a join token (--token-file
    /// or SOCKLAB_TOKEN; the relay refuses to start without one), give every
    /// session its own loopback port space (--port-spaces), let sessions connect
    /// only to the labs and to their own ports, and use limits for a room: 300
    /// sessions, 64 per client address (a NATed classroom shares one), 32
    /// handles per session, 60 s to type the token, 1 h idle timeout. Every
    /// flag given explicitly overrides the preset. See docs/class-hosting.md.
    #[arg(long)]
    class: bool,

    /// Give every session its own loopback port space: two sessions can both
    /// bind 127.0.0.1:20178 and each reaches only its own server; a loopback
    /// port nothing in the session bound refuses connections (labs and
    /// --allow-connect targets stay shared). On with --class.
    #[arg(long)]
    port_spaces: bool,

    /// Serve the page, /ws and everything else over HTTPS/WSS with this PEM
    /// certificate (chain); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

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
    let matches = Args::command().get_matches();
    let given = |id: &str| {
        matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("socklab: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let drain_secs = args.drain_secs;
    let config = config_from(args, given).and_then(|c| c.validate().map(|()| c));
    let config = match config {
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
    let tls = config.tls.is_some();
    let code = runtime.block_on(async move {
        let running = match relay::start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("socklab: cannot serve: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let scheme = if tls { "https" } else { "http" };
        println!("socklab is running: open {scheme}://{}/", running.addr);
        stop_signal().await;
        let deadline = Duration::from_secs(drain_secs);
        relay::drain::start_watchdog(deadline + relay::drain::WATCHDOG_MARGIN);
        println!("socklab: draining (up to {drain_secs} s)");
        let drained = running.drain(deadline).await;
        println!(
            "socklab: stopped ({} sessions closed, {} still open at the deadline)",
            drained.sessions - drained.left,
            drained.left
        );
        std::process::ExitCode::SUCCESS
    });
    // A task stuck in blocking code must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
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

/// A token given on the command line, or read from the first line of a file.
fn token_from(
    given: &Option<String>,
    file: &Option<PathBuf>,
    flag: &str,
) -> Result<Option<String>, String> {
    match (given, file) {
        (Some(t), _) => Ok(Some(t.clone())),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {flag} {}: {e}", path.display()))?;
            let t = text.lines().next().unwrap_or("").trim().to_owned();
            if t.is_empty() {
                return Err(format!("{flag} {} is empty", path.display()));
            }
            Ok(Some(t))
        }
        (None, None) => Ok(None),
    }
}

/// The configuration the flags ask for; `given(id)` says whether a flag was
/// given (on the command line or in the environment), which the `--class`
/// preset leaves alone.
fn config_from(args: Args, given: impl Fn(&str) -> bool) -> Result<Config, String> {
    let token = token_from(&args.token, &args.token_file, "--token-file")?;
    let status_token = token_from(
        &args.status_token,
        &args.status_token_file,
        "--status-token-file",
    )?;
    if status_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err("the status token is empty (is SOCKLAB_STATUS_TOKEN set to \"\"?)".into());
    }
    let mut config = Config::new(args.listen);
    config.labs = (!args.no_labs).then_some(LabPorts::STANDARD);
    config.allow_connect = args.allow_connect;
    config.allow_bind = args.allow_bind;
    config.allow_origin = args.allow_origin;
    config.token = token;
    config.status_token = status_token;
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
    config.port_spaces = args.port_spaces;
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    if args.class {
        class_preset::apply(&mut config, given)?;
    }
    Ok(config)
}
