//! The lab servers embedded in the relay (DESIGN.md "Lab servers"): targets for the
//! learner's first sockets, listening on 127.0.0.1 only.
//!
//! Owns binding the labs, naming them (`tcp_echo`, `udp_echo`, `chat`, `http`, `ftp`: the names of
//! `hello.labs`) and stopping them: every lab runs as tokio tasks that end when
//! [`Labs`] is dropped or [`Labs::shutdown`] is awaited. A port that cannot be bound is
//! logged with `tracing::warn!` and the lab is left out of [`Labs::addrs`]; the relay
//! still starts. Each lab's behaviour lives in its own file; this module must not know
//! what a lab does with its clients, and it never touches relay sessions or policy.

mod chat;
mod ftp;
mod http;
mod tcp_echo;
mod udp_echo;

use crate::config::LabPorts;
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

/// The running labs. Dropping this stops them all.
pub struct Labs {
    /// Lab name → the address it really listens on (only labs that started).
    pub addrs: BTreeMap<String, SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

/// Binds every lab on 127.0.0.1 at the given ports (0 = a free port) and starts it.
/// Must be called inside a tokio runtime.
pub async fn start(ports: &LabPorts) -> Labs {
    let mut labs = Labs {
        addrs: BTreeMap::new(),
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
        ftp::Sandbox::create(),
    ) {
        (Ok(l), Ok(sandbox)) => labs.add(
            "ftp",
            l.local_addr(),
            ftp::serve(l, sandbox, ports.ftp_passive),
        ),
        (Err(e), _) | (_, Err(e)) => not_started("ftp", "tcp", ports.ftp, &e),
    }
    match TcpListener::bind((Ipv4Addr::LOCALHOST, ports.http)).await {
        Ok(l) => labs.add("http", l.local_addr(), http::serve(l)),
        Err(e) => not_started("http", "tcp", ports.http, &e),
    }
    labs
}

impl Labs {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ephemeral_ports_start_every_lab_on_loopback() {
        let labs = start(&LabPorts::EPHEMERAL).await;
        let names: Vec<&str> = labs.addrs.keys().map(String::as_str).collect();
        assert_eq!(names, ["chat", "ftp", "http", "tcp_echo", "udp_echo"]);
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
            chat: 0,
            http: 0,
            ftp: 0,
            ftp_passive: 0,
        };
        let labs = start(&ports).await;
        assert!(!labs.addrs.contains_key("tcp_echo"));
        assert!(!labs.addrs.contains_key("udp_echo"));
        assert!(labs.addrs.contains_key("chat"), "other labs still start");
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
