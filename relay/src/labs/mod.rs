//! The lab servers embedded in the relay (docs/architecture.md "Lab servers"): targets for the
//! learner's first sockets, listening on 127.0.0.1 only.
//!
//! Owns binding the labs, naming them (`tcp_echo`, `udp_echo`, `chat`, `http`, `ftp`, `smtp`, `pop3`: the names of
//! `hello.labs`) and stopping them: every lab runs as tokio tasks that end when
//! [`Labs`] is dropped or [`Labs::shutdown`] is awaited. A port that cannot be bound is
//! logged with `tracing::warn!` and the lab is left out of [`Labs::addrs`]; the relay
//! still starts. Each lab's behaviour lives in its own file; this module must not know
//! what a lab does with its clients, and it never touches relay sessions or policy.
//!
//! The limits every lab shares live here ([`MAX_CLIENTS_PER_LAB`],
//! [`MAX_CLIENTS_PER_PEER`], [`IDLE_TIMEOUT`]), and so does the one question the
//! relay's session side asks about labs: [`session_connection_cap`] (is this
//! address a lab, and how many connections may one session hold to it). The accept
//! loop the TCP labs share (a place per client, or an answer at once when the lab
//! is full) is `admission.rs`.

mod admission;
mod chat;
mod client_slots;
mod ftp;
mod http;
mod line_buffer;
pub mod mail;
mod tcp_echo;
mod udp_echo;

use crate::config::LabPorts;
pub(crate) use admission::{accept_next, full_message, LabClients};
pub(crate) use client_slots::Full;
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Most clients the chat and FTP labs serve at once.
pub const MAX_CLIENTS_PER_LAB: usize = 64;
/// Most of those from one source address. Every relay session connects from
/// 127.0.0.1, so together they hold at most this many; a learner's own program
/// on another loopback address gets the rest.
pub const MAX_CLIENTS_PER_PEER: usize = 32;
/// Most connections one relay session may hold to one TCP lab (chat, ftp, http,
/// tcp_echo), so that one browser tab cannot take a lab's places from the others.
/// FTP data connections (to the passive ports) do not count.
pub const MAX_CONNECTIONS_PER_SESSION: usize = 8;
/// A lab client that sends nothing for this long is disconnected (chat, FTP
/// control connections, HTTP connections between requests).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Ports in the FTP lab's passive range, which starts at `LabPorts::ftp_passive`
/// (21000–21099 with the standard ports).
pub use crate::config::FTP_PASSIVE_PORTS;
/// Bytes one FTP learner sandbox may hold (the samples included).
pub const FTP_SANDBOX_QUOTA_BYTES: u64 = ftp::QUOTA_BYTES;
/// Files and directories one FTP learner sandbox may hold (the samples included).
pub const FTP_SANDBOX_MAX_ENTRIES: usize = ftp::MAX_ENTRIES;

/// When `to` is one of the running TCP labs in `labs` (as in [`Labs::addrs`]),
/// how many connections one relay session may hold to it
/// ([`MAX_CONNECTIONS_PER_SESSION`]); `None` for any other address. The UDP echo
/// lab is not connection based and is never capped.
pub fn session_connection_cap(
    labs: &BTreeMap<String, SocketAddr>,
    to: SocketAddr,
) -> Option<usize> {
    labs.iter()
        .any(|(name, addr)| name != "udp_echo" && *addr == to)
        .then_some(MAX_CONNECTIONS_PER_SESSION)
}

use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// The running labs. Dropping this stops them all.
pub struct Labs {
    /// Lab name → the address it really listens on (only labs that started).
    pub addrs: BTreeMap<String, SocketAddr>,
    /// Loopback addresses the labs listen on for their own use (the FTP lab's
    /// libunftp side, behind its control proxy). No client is ever served there;
    /// the relay's policy should refuse connections to them.
    pub internal: Vec<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

/// Binds every lab on 127.0.0.1 at the given ports (0 = a free port) and starts it.
/// Must be called inside a tokio runtime.
pub async fn start(ports: &LabPorts) -> Labs {
    let mut labs = Labs {
        addrs: BTreeMap::new(),
        internal: Vec::new(),
        tasks: Vec::new(),
    };
    match TcpListener::bind((Ipv4Addr::LOCALHOST, ports.tcp_echo)).await {
        Ok(l) => labs.add("tcp_echo", l.local_addr(), tcp_echo::serve(l)),
        Err(e) => not_started("tcp_echo", "tcp", ports.tcp_echo, &e),
    }
    match UdpSocket::bind((Ipv4Addr::LOCALHOST, ports.udp_echo)).await {
        Ok(s) => labs.add("udp_echo", s.local_addr(), udp_echo::serve(s)),
        Err(e) => not_started("udp_echo", "udp", ports.udp_echo, &e),
    }
    match TcpListener::bind((Ipv4Addr::LOCALHOST, ports.chat)).await {
        Ok(l) => labs.add("chat", l.local_addr(), chat::serve(l)),
        Err(e) => not_started("chat", "tcp", ports.chat, &e),
    }
    match (
        TcpListener::bind((Ipv4Addr::LOCALHOST, ports.ftp)).await,
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await,
        ftp::Files::create(),
    ) {
        (Ok(l), Ok(internal), Ok(files)) => {
            if let Ok(a) = internal.local_addr() {
                labs.internal.push(a);
            }
            labs.add(
                "ftp",
                l.local_addr(),
                ftp::serve(l, internal, files, ports.ftp_passive_range()),
            );
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            not_started("ftp", "tcp", ports.ftp, &e)
        }
    }
    match TcpListener::bind((Ipv4Addr::LOCALHOST, ports.http)).await {
        Ok(l) => labs.add("http", l.local_addr(), http::serve(l)),
        Err(e) => not_started("http", "tcp", ports.http, &e),
    }
    labs.start_mail(ports).await;
    labs
}

impl Labs {
    /// The SMTP and POP3 labs, which share their mailboxes: both or neither.
    async fn start_mail(&mut self, ports: &LabPorts) {
        match (
            TcpListener::bind((Ipv4Addr::LOCALHOST, ports.smtp)).await,
            TcpListener::bind((Ipv4Addr::LOCALHOST, ports.pop3)).await,
        ) {
            (Ok(smtp), Ok(pop3)) => match (smtp.local_addr(), pop3.local_addr()) {
                (Ok(s), Ok(p)) => {
                    tracing::info!(%s, %p, "labs smtp and pop3 listening on {s} and {p}");
                    self.addrs.insert("smtp".to_owned(), s);
                    self.addrs.insert("pop3".to_owned(), p);
                    self.tasks.push(tokio::spawn(mail::serve(smtp, pop3)));
                }
                (Err(e), _) | (_, Err(e)) => not_started("smtp", "tcp", ports.smtp, &e),
            },
            (Err(e), _) => not_started("smtp", "tcp", ports.smtp, &e),
            (_, Err(e)) => not_started("pop3", "tcp", ports.pop3, &e),
        }
    }

    fn add(
        &mut self,
        name: &str,
        addr: io::Result<SocketAddr>,
        serve: impl Future<Output = ()> + Send + 'static,
    ) {
        match addr {
            Ok(addr) => {
                tracing::info!(lab = name, %addr, "lab {name} listening on {addr}");
                self.addrs.insert(name.to_owned(), addr);
                self.tasks.push(tokio::spawn(serve));
            }
            Err(e) => tracing::warn!(lab = name, error = %e, "lab {name} not started: {e}"),
        }
    }

    /// Stops every lab and waits until their sockets are closed.
    pub async fn shutdown(mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            // A cancelled task reports `JoinError::Cancelled` once its future (and so
            // its listener and client tasks) has been dropped.
            let _ = t.await;
        }
    }
}

impl Drop for Labs {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn not_started(lab: &str, proto: &str, port: u16, e: &io::Error) {
    tracing::warn!(
        lab,
        port,
        error = %e,
        "lab {lab} not started: cannot bind 127.0.0.1:{port}/{proto}: {e}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ephemeral_ports_start_every_lab_on_loopback() {
        let labs = start(&LabPorts::EPHEMERAL).await;
        let names: Vec<&str> = labs.addrs.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["chat", "ftp", "http", "pop3", "smtp", "tcp_echo", "udp_echo"]
        );
        for addr in labs.addrs.values() {
            assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
            assert_ne!(addr.port(), 0);
        }
    }

    #[tokio::test]
    async fn a_port_in_use_leaves_that_lab_out() {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let ports = LabPorts {
            tcp_echo: tcp.local_addr().unwrap().port(),
            udp_echo: udp.local_addr().unwrap().port(),
            ..LabPorts::EPHEMERAL
        };
        let labs = start(&ports).await;
        assert!(!labs.addrs.contains_key("tcp_echo"));
        assert!(!labs.addrs.contains_key("udp_echo"));
        assert!(labs.addrs.contains_key("chat"), "other labs still start");
    }

    #[tokio::test]
    async fn only_tcp_lab_addresses_have_a_session_cap() {
        let labs = start(&LabPorts::EPHEMERAL).await;
        for name in ["chat", "ftp", "http", "tcp_echo"] {
            assert_eq!(
                session_connection_cap(&labs.addrs, labs.addrs[name]),
                Some(MAX_CONNECTIONS_PER_SESSION),
                "{name}"
            );
        }
        assert_eq!(
            session_connection_cap(&labs.addrs, labs.addrs["udp_echo"]),
            None
        );
        let other: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(session_connection_cap(&labs.addrs, other), None);
        const { assert!(MAX_CONNECTIONS_PER_SESSION <= MAX_CLIENTS_PER_PEER) };
        const { assert!(MAX_CLIENTS_PER_PEER < MAX_CLIENTS_PER_LAB) };
    }

    #[tokio::test]
    async fn shutdown_closes_the_listeners() {
        let labs = start(&LabPorts::EPHEMERAL).await;
        let echo = labs.addrs["tcp_echo"];
        let chat = labs.addrs["chat"];
        labs.shutdown().await;
        for addr in [echo, chat] {
            let e = tokio::net::TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        }
    }
}
