//! `GET /healthz`: a teacher can see the relay is up and how many sessions it holds.
//!
//! Owns only this scenario; the harness lives in `common/`.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 GET over a loopback socket; returns the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("health response", s.read_to_string(&mut out))
        .await
        .expect("read");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn healthz_counts_sessions_and_lists_labs() {
    let relay = start_default().await;
    let idle: shared::Health =
        serde_json::from_str(&get(relay.addr, "/healthz").await).expect("json");
    assert_eq!(idle.status, "ok");
    assert_eq!(idle.sessions, 0);
    assert_eq!(idle.clients, 0);
    assert!(idle.labs.contains_key("tcp_echo"));
    // The process's descriptors: at least the listeners of the relay and labs.
    assert!(idle.fds_open >= 5, "{idle:?}");
    assert!(idle.fds_limit > idle.fds_open, "{idle:?}");

    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    a.ok(serde_json::json!({"op": "ping"})).await;
    b.ok(serde_json::json!({"op": "ping"})).await;
    let busy: shared::Health =
        serde_json::from_str(&get(relay.addr, "/healthz").await).expect("json");
    assert_eq!(busy.sessions, 2);
    assert_eq!(busy.clients, 1, "both sessions come from 127.0.0.1");
    assert_eq!(
        busy.max_sessions,
        relay::config::RelayLimits::default().max_sessions
    );
}
