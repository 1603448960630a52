//! Relay configuration: everything a running relay needs, built from the command
//! line in `main.rs` or directly by tests and benchmarks.
//!
//! Owns the defaults and the meaning of each knob; it performs no I/O.

use crate::policy::Rule;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the lab servers listen. Port 0 picks a free port (tests use this so that
/// many relays can run side by side).
#[derive(Clone, Debug)]
pub struct LabPorts {
    pub tcp_echo: u16,
    pub udp_echo: u16,
    pub chat: u16,
    pub http: u16,
    pub ftp: u16,
    /// First port of the FTP lab's passive range (100 ports; 0 = any free port).
    pub ftp_passive: u16,
}

impl LabPorts {
    /// The ports of DESIGN.md.
    pub const STANDARD: LabPorts = LabPorts {
        tcp_echo: 20007,
        udp_echo: 20007,
        chat: 20023,
        http: 20080,
        ftp: 20021,
        ftp_passive: 21000,
    };
    /// Free ports chosen by the kernel.
    pub const EPHEMERAL: LabPorts = LabPorts {
        tcp_echo: 0,
        udp_echo: 0,
        chat: 0,
        http: 0,
        ftp: 0,
        ftp_passive: 0,
    };
}

/// Bounds on what one session and the whole relay may use.
#[derive(Clone, Debug)]
pub struct RelayLimits {
    pub max_sessions: u32,
    pub max_sessions_per_ip: u32,
    pub max_handles: u32,
    pub max_message_bytes: usize,
    pub max_pending: u32,
    pub recv_buffer_bytes: usize,
    pub idle_timeout: Duration,
}

impl Default for RelayLimits {
    fn default() -> Self {
        RelayLimits {
            max_sessions: 512,
            max_sessions_per_ip: 16,
            max_handles: 64,
            max_message_bytes: 1 << 20,
            max_pending: 256,
            recv_buffer_bytes: 256 << 10,
            idle_timeout: Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Address of the HTTP/WebSocket server.
    pub listen: SocketAddr,
    /// `None` runs no lab servers (`--no-labs`).
    pub labs: Option<LabPorts>,
    /// Extra connect rules (`--allow-connect`); loopback is always allowed.
    pub allow_connect: Vec<Rule>,
    /// Extra bind rules (`--allow-bind`); loopback is always allowed.
    pub allow_bind: Vec<Rule>,
    /// Connect rules that replace the defaults entirely (tests use this to deny
    /// a loopback address); `None` keeps the defaults.
    pub connect_rules_override: Option<Vec<Rule>>,
    /// Origins allowed besides the relay's own (`--allow-origin`).
    pub allow_origin: Vec<String>,
    /// When set, `auth` with this token must be a session's first request.
    pub token: Option<String>,
    pub limits: RelayLimits,
    /// Per-session budget without flags (buffered bytes, lab share, auth timeout).
    pub budget: crate::budget::SessionBudget,
    /// Directory with the built UI (trunk's `dist/`); `None` serves the embedded
    /// UI or, when there is none, a page that says how to build it.
    pub ui_dir: Option<PathBuf>,
}

impl Config {
    /// The defaults of the command line.
    pub fn new(listen: SocketAddr) -> Config {
        Config {
            listen,
            labs: Some(LabPorts::STANDARD),
            allow_connect: Vec::new(),
            allow_bind: Vec::new(),
            connect_rules_override: None,
            allow_origin: Vec::new(),
            token: None,
            limits: RelayLimits::default(),
            budget: Default::default(),
            ui_dir: None,
        }
    }

    /// For tests and benchmarks: listen on 127.0.0.1:0, labs on free ports.
    pub fn for_tests() -> Config {
        let mut c = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        c.labs = Some(LabPorts::EPHEMERAL);
        c
    }
}
