//! Relay configuration: everything a running relay needs, built from the command
//! line in `main.rs` or directly by tests and benchmarks.
//!
//! Owns the defaults and the meaning of each knob, and the start-up safety check
//! ([`Config::validate`]: no token on a network address needs an explicit flag);
//! it performs no I/O.

use crate::policy::Rule;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How many ports the FTP lab's passive range has (`ftp_passive ..
/// ftp_passive + 99`).
pub const FTP_PASSIVE_PORTS: u16 = 100;

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
    /// The mail labs (SMTP and POP3).
    pub smtp: u16,
    pub pop3: u16,
}

impl LabPorts {
    /// The standard lab ports (docs/architecture.md, "Lab servers").
    pub const STANDARD: LabPorts = LabPorts {
        tcp_echo: 20007,
        udp_echo: 20007,
        chat: 20023,
        http: 20080,
        ftp: 20021,
        ftp_passive: 21000,
        smtp: 20025,
        pop3: 20110,
    };
    /// Free ports chosen by the kernel.
    pub const EPHEMERAL: LabPorts = LabPorts {
        tcp_echo: 0,
        udp_echo: 0,
        chat: 0,
        http: 0,
        ftp: 0,
        ftp_passive: 0,
        smtp: 0,
        pop3: 0,
    };

    /// The FTP lab's passive ports as `(first, last)`, or `None` when
    /// `ftp_passive` is 0: then libunftp binds port 0 for each `PASV`, so the
    /// kernel picks a free ephemeral port and there is no fixed range.
    pub fn ftp_passive_range(&self) -> Option<(u16, u16)> {
        if self.ftp_passive == 0 {
            return None;
        }
        let last = self.ftp_passive.saturating_add(FTP_PASSIVE_PORTS - 1);
        Some((self.ftp_passive, last))
    }
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
    /// Extra connect rules (`--allow-connect`), added to the defaults: every
    /// loopback port, or — when [`Config::is_exposed`] — the labs and the ports
    /// bound by this relay's sessions.
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
    /// The token for `/status` and `/metrics` (`--status-token-file`); `None`
    /// uses `token` (see `status_page.rs` for the rule without either).
    pub status_token: Option<String>,
    /// `--insecure-no-token`: serve a network (non-loopback) address without a
    /// token. Without it, [`Config::validate`] refuses that configuration.
    pub insecure_no_token: bool,
    pub limits: RelayLimits,
    /// Per-session budget without flags (buffered bytes, lab share, auth timeout).
    pub budget: crate::budget::SessionBudget,
    /// Per-session port spaces (`--port-spaces`, on with `--class`): each
    /// session's loopback ports are its own (docs/class-hosting.md).
    pub port_spaces: bool,
    /// Serve HTTPS/WSS with this certificate and key (`--tls-cert`/`--tls-key`).
    pub tls: Option<crate::tls_listener::TlsFiles>,
    /// `--class`: the class preset was applied (`class_preset.rs`); connects
    /// are narrowed as on a network relay even when it listens on loopback.
    pub class: bool,
    /// Threads that serve sessions, each a current-thread runtime (`shards.rs`);
    /// 0 runs one per available core.
    pub shards: usize,
    /// Directory with the built UI (trunk's `dist/`); `None` serves `dist/` in the
    /// working directory when a UI was built there, else a page that says how to
    /// build one.
    pub ui_dir: Option<PathBuf>,
    /// A teacher's lessons (`--lessons DIR`), already read and validated; they
    /// are served with the built-in ones, replacing a built-in with their id.
    pub lessons: Vec<shared::lesson::Lesson>,
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
            status_token: None,
            insecure_no_token: false,
            limits: RelayLimits::default(),
            budget: Default::default(),
            port_spaces: false,
            tls: None,
            shards: 0,
            class: false,
            ui_dir: None,
            lessons: Vec::new(),
        }
    }

    /// For tests and benchmarks: listen on 127.0.0.1:0, labs on free ports.
    pub fn for_tests() -> Config {
        let mut c = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        c.labs = Some(LabPorts::EPHEMERAL);
        c
    }

    /// Does the relay serve beyond loopback? True unless `listen` is a loopback
    /// address (`127.0.0.0/8`, `::1`, `::ffff:127.x.y.z`); `0.0.0.0` and `::` are
    /// every interface. A `--class` relay counts as exposed wherever it listens
    /// (tests run one on loopback). An exposed relay narrows the connect defaults (see
    /// `Policy::expose`) and needs a token or `--insecure-no-token`.
    pub fn is_exposed(&self) -> bool {
        self.class || !self.listen.ip().to_canonical().is_loopback()
    }

    /// Refuses configurations that are unsafe to start: an empty token, and a
    /// network address without a token unless `insecure_no_token` says the host
    /// means it. The error tells the host the ways forward.
    pub fn validate(&self) -> Result<(), String> {
        if self.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(
                "the session token is empty (is SOCKLAB_TOKEN set to \"\"?): an \
                 empty token would let anyone in. Give a real token with --token-file \
                 PATH, or unset SOCKLAB_TOKEN"
                    .to_string(),
            );
        }
        if self.is_exposed() && self.token.is_none() && !self.insecure_no_token {
            return Err(format!(
                "refusing to listen on {} without a session token: anyone who can \
                 reach this address could open sockets through this machine. Either \
                 require a token with --token-file PATH (a file whose first line is the \
                 token; give it to your learners), or, on a network you trust, start \
                 with --insecure-no-token. To use the relay only on this machine, \
                 listen on loopback (the default --listen 127.0.0.1:8080)",
                self.listen
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(listen: &str) -> Config {
        Config::new(listen.parse().unwrap())
    }

    #[test]
    fn loopback_listen_is_not_exposed() {
        for a in [
            "127.0.0.1:8080",
            "127.1.2.3:0",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:8080",
        ] {
            assert!(!at(a).is_exposed(), "{a}");
            assert_eq!(at(a).validate(), Ok(()), "{a}: no token needed");
        }
        for a in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.5:8080",
            "[::ffff:10.0.0.1]:8080",
        ] {
            assert!(at(a).is_exposed(), "{a}");
        }
    }

    #[test]
    fn a_network_listen_without_token_is_refused_with_both_ways_forward() {
        let c = at("0.0.0.0:8080");
        let e = c.validate().unwrap_err();
        assert!(
            e.starts_with(
                "refusing to listen on 0.0.0.0:8080 without a session token: anyone \
                 who can reach this address could open sockets through this machine."
            ),
            "{e}"
        );
        assert!(e.contains("--token-file PATH"), "{e}");
        assert!(e.contains("--insecure-no-token"), "{e}");

        let mut with_token = at("[::]:8080");
        with_token.token = Some("s3cret".into());
        assert_eq!(with_token.validate(), Ok(()));

        for empty in ["", "  "] {
            for listen in ["127.0.0.1:8080", "0.0.0.0:8080"] {
                let mut c = at(listen);
                c.token = Some(empty.into());
                c.insecure_no_token = true;
                let e = c.validate().unwrap_err();
                assert!(e.starts_with("the session token is empty"), "{e}");
            }
        }

        let mut insecure = at("192.168.1.5:8080");
        insecure.insecure_no_token = true;
        assert_eq!(insecure.validate(), Ok(()));
    }

    #[test]
    fn the_ftp_passive_range_has_a_hundred_ports_or_none() {
        assert_eq!(LabPorts::STANDARD.ftp_passive_range(), Some((21000, 21099)));
        assert_eq!(LabPorts::EPHEMERAL.ftp_passive_range(), None);
        let top = LabPorts {
            ftp_passive: 65500,
            ..LabPorts::EPHEMERAL
        };
        assert_eq!(top.ftp_passive_range(), Some((65500, 65535)));
    }
}
