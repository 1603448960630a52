//! The handle part of a session's budget: connections waiting in a listen queue
//! and `ftp.connect` calls in flight count against `--max-handles`, and one
//! session holds at most its share of connections to each lab server.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use tokio::net::TcpListener;

fn message(e: &serde_json::Value) -> &str {
    e["message"].as_str().unwrap_or_default()
}

/// The operator's line: the limit's flag and value.
fn detail(e: &serde_json::Value) -> &str {
    e["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn connections_waiting_to_be_accepted_are_handles() {
    let mut config = Config::for_tests();
    config.limits.max_handles = 4;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (l, p) = listener(&mut c).await;
    let c1 = tcp_socket(&mut c).await;
    let c2 = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": c1, "addr": ["127.0.0.1", p]}))
        .await;
    // The relay took the connection from the kernel: it is the fourth handle.
    c.next_event_for("incoming", &l).await;
    // The second one completes in the kernel's backlog, like a real server's.
    c.ok(json!({"op": "connect", "sock": c2, "addr": ["127.0.0.1", p]}))
        .await;
    let e = c
        .err(json!({"op": "socket", "type": "SOCK_STREAM"}), "limit")
        .await;
    assert!(
        message(&e).contains("1 connections waiting to be accepted"),
        "{e}"
    );
    assert!(detail(&e).contains("--max-handles 4"), "{e}");

    // Accepting turns the queued connection into a handle without a new slot.
    let a1 = c.ok(json!({"op": "accept", "sock": l})).await;
    // Nothing is queued and nothing can be: accept says so instead of hanging.
    let e = c.err(json!({"op": "accept", "sock": l}), "limit").await;
    assert!(detail(&e).contains("--max-handles 4"), "{e}");
    assert!(
        c.pending_events().iter().all(|ev| ev["ev"] != "incoming"),
        "the relay must not take a connection it has no handle for"
    );

    // A free handle lets the relay take the waiting connection from the kernel.
    c.ok(json!({"op": "close", "sock": a1["sock"]})).await;
    c.next_event_for("incoming", &l).await;
    c.ok(json!({"op": "accept", "sock": l})).await;
}

#[tokio::test]
async fn ftp_connect_in_flight_is_a_handle() {
    // A server that completes the TCP handshake but never sends its welcome.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let mut config = Config::for_tests();
    config.limits.max_handles = 1;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let f = c
        .send(json!({"op": "ftp.connect", "host": "127.0.0.1", "port": port}))
        .await;
    let e = c
        .err(json!({"op": "socket", "type": "SOCK_STREAM"}), "limit")
        .await;
    assert!(message(&e).contains("1 ftp.connect calls in flight"), "{e}");
    // Cancelling the connect gives its handle back.
    c.ok(json!({"op": "cancel", "target": f})).await;
    expect_err(&c.reply(f).await, "cancelled", "ftp.connect");
    tcp_socket(&mut c).await;
    drop(silent);
}

#[tokio::test]
async fn one_session_holds_at_most_eight_connections_per_lab() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let echo = c.lab("tcp_echo");
    let mut socks = Vec::new();
    for _ in 0..8 {
        let s = tcp_socket(&mut c).await;
        c.ok(json!({"op": "connect", "sock": s, "addr": echo}))
            .await;
        socks.push(s);
    }
    let ninth = tcp_socket(&mut c).await;
    let e = c
        .err(
            json!({"op": "connect", "sock": ninth, "addr": echo}),
            "limit",
        )
        .await;
    assert!(
        message(&e).contains("8 connections to the tcp_echo lab; close some first"),
        "{e}"
    );
    assert!(
        detail(&e).contains("the limit is --max-lab-connections 8 per lab"),
        "{e}"
    );
    // connect_ex raises it too: it is not an OS error.
    c.err(
        json!({"op": "connect_ex", "sock": ninth, "addr": echo}),
        "limit",
    )
    .await;
    // http.open to the same lab takes from the same share.
    let e = c
        .err(
            json!({"op": "http.open", "host": "localhost", "port": port(&echo)}),
            "limit",
        )
        .await;
    assert!(message(&e).contains("tcp_echo lab"), "{e}");
    // Other labs have their own share.
    let http = c.lab("http");
    c.ok(json!({"op": "http.open", "host": "127.0.0.1", "port": port(&http)}))
        .await;
    // Closing one gives its slot back; the refused socket is still usable.
    c.ok(json!({"op": "close", "sock": socks[0]})).await;
    c.ok(json!({"op": "connect", "sock": ninth, "addr": echo}))
        .await;
    // Another session has its own share.
    let mut other = Client::connect(&relay).await;
    let s = tcp_socket(&mut other).await;
    other
        .ok(json!({"op": "connect", "sock": s, "addr": echo}))
        .await;
}
