//! Blocking, non-blocking and timeout semantics: EAGAIN, EINPROGRESS + select,
//! `settimeout` → `timeout`, `cancel` → `cancelled`, `close` → EBADF for pending
//! requests, the per-side ordering rule, and MSG_PEEK.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn non_blocking_recv_and_accept_raise_eagain() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, cl, _srv) = tcp_pair(&mut c).await;

    c.ok(json!({"op": "setblocking", "sock": cl, "flag": false}))
        .await;
    c.err(json!({"op": "recv", "sock": cl, "bufsize": 100}), "EAGAIN")
        .await;

    c.ok(json!({"op": "setblocking", "sock": l, "flag": false}))
        .await;
    c.err(json!({"op": "accept", "sock": l}), "EAGAIN").await;

    // settimeout(0) is setblocking(False) too.
    let s = tcp_socket(&mut c).await;
    let (_l2, p2) = listener(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p2]}))
        .await;
    c.ok(json!({"op": "settimeout", "sock": s, "timeout": 0}))
        .await;
    c.err(json!({"op": "recv", "sock": s, "bufsize": 1}), "EAGAIN")
        .await;
}

#[tokio::test]
async fn non_blocking_connect_is_in_progress_then_writable() {
    let relay = start_default().await;
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;

    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "setblocking", "sock": s, "flag": false}))
        .await;
    let err = c
        .err(
            json!({"op": "connect", "sock": s, "addr": addr(echo)}),
            "EINPROGRESS",
        )
        .await;
    assert_eq!(err["errno"], 115);
    let sel = c
        .ok(json!({"op": "select", "rlist": [], "wlist": [s], "xlist": [], "timeout": 5}))
        .await;
    assert_eq!(
        sel["w"],
        json!([s]),
        "select reports the connected socket writable"
    );
    c.next_event_where("state", |e| e["sock"] == s && e["to"] == "ESTABLISHED")
        .await;
    // Connected for real: it echoes.
    c.ok(json!({"op": "setblocking", "sock": s, "flag": true}))
        .await;
    c.ok(json!({"op": "sendall", "sock": s, "data": text("x")}))
        .await;
    let got = c.ok(json!({"op": "recv", "sock": s, "bufsize": 10})).await;
    assert_eq!(bytes(&got["data"]), b"x");

    // connect_ex in non-blocking mode returns 115.
    let s2 = tcp_socket(&mut c).await;
    c.ok(json!({"op": "setblocking", "sock": s2, "flag": false}))
        .await;
    let ok = c
        .ok(json!({"op": "connect_ex", "sock": s2, "addr": addr(echo)}))
        .await;
    assert_eq!(ok, json!({"errno": 115}));
}

#[tokio::test]
async fn settimeout_recv_times_out() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, _srv) = tcp_pair(&mut c).await;
    c.ok(json!({"op": "settimeout", "sock": cl, "timeout": 0.2}))
        .await;
    let started = Instant::now();
    c.err(json!({"op": "recv", "sock": cl, "bufsize": 100}), "timeout")
        .await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(150),
        "timed out after {took:?}, before the 0.2 s timeout"
    );
    // The socket still works after a timeout, as in Python.
    c.ok(json!({"op": "settimeout", "sock": cl, "timeout": null}))
        .await;
    c.ok(json!({"op": "sendall", "sock": cl, "data": text("ok")}))
        .await;
}

#[tokio::test]
async fn cancel_a_blocking_recv() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    let recv = c
        .send(json!({"op": "recv", "sock": cl, "bufsize": 100}))
        .await;
    let cancel = c.ok(json!({"op": "cancel", "target": recv})).await;
    assert_eq!(cancel, json!({}));
    let reply = c.reply(recv).await;
    expect_err(&reply, "cancelled", "the cancelled recv");
    // cancel always answers ok, even for an unknown id.
    c.ok(json!({"op": "cancel", "target": 999_999})).await;
    // The socket is still usable and no byte was lost.
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("after")}))
        .await;
    let got = c
        .ok(json!({"op": "recv", "sock": cl, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), b"after");
}

#[tokio::test]
async fn close_fails_a_pending_recv_with_ebadf() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, _srv) = tcp_pair(&mut c).await;
    let recv = c
        .send(json!({"op": "recv", "sock": cl, "bufsize": 100}))
        .await;
    c.ok(json!({"op": "close", "sock": cl})).await;
    let reply = c.reply(recv).await;
    expect_err(&reply, "EBADF", "recv pending on a closed socket");
    c.err(json!({"op": "recv", "sock": cl, "bufsize": 1}), "EBADF")
        .await;
}

#[tokio::test]
async fn blocking_recv_does_not_delay_sendall_on_the_same_socket() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    // Two Python threads: one blocks in cl.recv, the other sends on cl.
    let recv = c
        .send(json!({"op": "recv", "sock": cl, "bufsize": 100}))
        .await;
    let sent = c
        .ok(json!({"op": "sendall", "sock": cl, "data": text("ping")}))
        .await;
    assert_eq!(sent["n"], 4);
    let got = c
        .ok(json!({"op": "recv", "sock": srv, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), b"ping");
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("pong")}))
        .await;
    let reply = c.reply(recv).await;
    assert_eq!(bytes(&reply["ok"]["data"]), b"pong", "{reply}");

    // Likewise a blocking accept on one handle never delays a connect on another.
    let (l2, p2) = listener(&mut c).await;
    let accept = c.send(json!({"op": "accept", "sock": l2})).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p2]}))
        .await;
    let acc = c.reply(accept).await;
    assert!(acc["ok"]["sock"].is_string(), "{acc}");
}

#[tokio::test]
async fn msg_peek_leaves_data_in_place() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("peekaboo")}))
        .await;
    // Wait until the relay has read all 8 bytes from the kernel.
    let mut n = 0;
    while n < 8 {
        let e = c
            .next_event_where("data", |e| e["sock"] == cl && e["dir"] == "in")
            .await;
        n += e["n"].as_u64().expect("n");
    }
    let peek = c
        .ok(json!({"op": "recv", "sock": cl, "bufsize": 100, "flags": ["MSG_PEEK"]}))
        .await;
    assert_eq!(bytes(&peek["data"]), b"peekaboo");
    let peek = c
        .ok(json!({"op": "recv", "sock": cl, "bufsize": 4, "flags": ["MSG_PEEK"]}))
        .await;
    assert_eq!(bytes(&peek["data"]), b"peek");
    let got = c
        .ok(json!({"op": "recv", "sock": cl, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), b"peekaboo", "peek did not consume");
    c.ok(json!({"op": "setblocking", "sock": cl, "flag": false}))
        .await;
    c.err(json!({"op": "recv", "sock": cl, "bufsize": 100}), "EAGAIN")
        .await;
}

#[tokio::test]
async fn recv_encoding_b64() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("hi")}))
        .await;
    let got = c
        .ok(json!({"op": "recv", "sock": cl, "bufsize": 100, "encoding": "b64"}))
        .await;
    assert_eq!(got["data"], json!({"b64": "aGk="}));
}

#[tokio::test]
async fn cancel_a_blocking_accept() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, p) = listener(&mut c).await;
    let accept = c.send(json!({"op": "accept", "sock": l})).await;
    c.ok(json!({"op": "cancel", "target": accept})).await;
    expect_err(&c.reply(accept).await, "cancelled", "the cancelled accept");
    // The listener still accepts.
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p]}))
        .await;
    c.ok(json!({"op": "accept", "sock": l})).await;
}
