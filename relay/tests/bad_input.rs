//! Bad input never breaks a session: malformed or non-object JSON, unknown ops,
//! missing and mistyped fields, unknown and closed handles, binary frames outside a
//! pipe, duplicate pending ids, 500 pipelined requests, and an oversized frame
//! (close 1009, other sessions unaffected). Also the Python errors of docs/protocol.md, choice
//! `misuse-errors`.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use std::collections::BTreeSet;

/// Awaits an `error` event with code `bad_request` and returns its message.
async fn bad_request_event(c: &mut Client) -> String {
    let e = c.next_event("error").await;
    assert_eq!(e["code"], "bad_request", "{e}");
    e["message"].as_str().expect("message").to_owned()
}

#[tokio::test]
async fn unparseable_frames_get_an_error_event_and_the_session_stays() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;

    c.send_text("this is not json {").await;
    let m = bad_request_event(&mut c).await;
    assert!(m.contains("JSON"), "{m}");

    c.send_text("[1, 2, 3]").await;
    let m = bad_request_event(&mut c).await;
    assert!(m.contains("object"), "{m}");

    c.send_text(r#"{"op": "ping"}"#).await;
    let m = bad_request_event(&mut c).await;
    assert!(m.contains("id"), "{m}");

    c.send_text(r#"{"id": "seven", "op": "ping"}"#).await;
    let m = bad_request_event(&mut c).await;
    assert!(m.contains("id"), "{m}");

    // Nothing was affected.
    c.ok(json!({"op": "ping"})).await;
    c.ok(json!({"op": "getsockname", "sock": s})).await;
}

#[tokio::test]
async fn bad_requests_with_an_id_get_a_bad_request_reply_naming_the_problem() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;

    let e = c.err(json!({"op": "frobnicate"}), "bad_request").await;
    assert!(e["message"].as_str().unwrap().contains("frobnicate"), "{e}");

    let e = c
        .err(json!({"op": "connect", "sock": s}), "bad_request")
        .await;
    assert!(e["message"].as_str().unwrap().contains("addr"), "{e}");

    let e = c
        .err(
            json!({"op": "recv", "sock": s, "bufsize": "lots"}),
            "bad_request",
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("bufsize"), "{e}");

    let e = c.err(json!({"op": 42}), "bad_request").await;
    assert!(e["message"].as_str().unwrap().contains("op"), "{e}");

    let e = c
        .err(
            json!({"op": "socket", "family": "AF_INET", "type": "SOCK_RAW"}),
            "bad_request",
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("type"), "{e}");

    let e = c
        .err(
            json!({"op": "sendall", "sock": s, "data": {"b64": "!!!"}}),
            "bad_request",
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("b64"), "{e}");

    c.ok(json!({"op": "getsockname", "sock": s})).await;
}

#[tokio::test]
async fn unknown_and_closed_handles_are_ebadf() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    c.err(json!({"op": "recv", "sock": "s99", "bufsize": 1}), "EBADF")
        .await;
    c.err(json!({"op": "close", "sock": "nonsense"}), "EBADF")
        .await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "close", "sock": s})).await;
    for op in [
        json!({"op": "recv", "sock": s, "bufsize": 1}),
        json!({"op": "send", "sock": s, "data": text("x")}),
        json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 0]}),
        json!({"op": "getsockname", "sock": s}),
        json!({"op": "close", "sock": s}),
    ] {
        c.err(op, "EBADF").await;
    }
    // Handles are never reused within a session.
    let s2 = tcp_socket(&mut c).await;
    assert_ne!(s2, s);
}

#[tokio::test]
async fn binary_frame_outside_a_pipe_is_an_error_event() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;

    c.send_to(&cl, b"not piped").await;
    let m = bad_request_event(&mut c).await;
    assert!(m.contains(&cl), "message names the handle: {m}");

    c.send_to("s77", b"nobody").await;
    bad_request_event(&mut c).await;

    c.send_binary(Vec::new()).await;
    bad_request_event(&mut c).await;

    c.send_binary(vec![9, b's']).await;
    bad_request_event(&mut c).await;

    // Nothing was written to the socket.
    c.ok(json!({"op": "setblocking", "sock": srv, "flag": false}))
        .await;
    c.err(json!({"op": "recv", "sock": srv, "bufsize": 100}), "EAGAIN")
        .await;
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn five_hundred_pipelined_requests_are_all_answered() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 0]}))
        .await;
    let mut ids = BTreeSet::new();
    for i in 0..500u64 {
        let id = 10_000 + i;
        let req = if i % 2 == 0 {
            json!({"id": id, "op": "ping"})
        } else {
            json!({"id": id, "op": "getsockname", "sock": s})
        };
        c.send(req).await;
        ids.insert(id);
    }
    let mut answered = BTreeSet::new();
    for &id in &ids {
        let r = c.reply(id).await;
        assert!(r.get("ok").is_some(), "{r}");
        answered.insert(id);
    }
    assert_eq!(answered, ids);
    // And no extra replies: the next request's reply is the next frame with `re`.
    let id = c.send(json!({"op": "ping"})).await;
    let r = c.reply(id).await;
    assert_eq!(r["re"], id);
}

#[tokio::test]
async fn a_duplicate_pending_id_is_refused() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    let id = 4242;
    c.send(json!({"id": id, "op": "recv", "sock": cl, "bufsize": 10}))
        .await;
    c.send(json!({"id": id, "op": "ping"})).await;
    let first = c.reply(id).await;
    let e = expect_err(&first, "bad_request", "a ping reusing a pending id");
    assert!(e["message"].as_str().unwrap().contains("id"), "{e}");
    // The original request is still pending and completes normally.
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("done")}))
        .await;
    let second = c.reply(id).await;
    assert_eq!(bytes(&second["ok"]["data"]), b"done", "{second}");
    // Once answered, the id may be used again.
    c.ok(json!({"id": id, "op": "ping"})).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_only_its_session_with_1009() {
    let mut config = Config::for_tests();
    config.limits.max_message_bytes = 4096;
    let relay = start(config).await;
    let mut other = Client::connect(&relay).await;
    let mut c = Client::connect(&relay).await;
    assert_eq!(c.hello["limits"]["max_message_bytes"], 4096);

    let big = "x".repeat(10_000);
    c.send_text(json!({"id": 1, "op": "sendall", "sock": "s1", "data": text(&big)}).to_string())
        .await;
    let (code, reason) = c.expect_close().await;
    assert_eq!(code, 1009, "reason: {reason}");
    assert!(reason.contains("--max-message-bytes"), "{reason}");

    other.ok(json!({"op": "ping"})).await;
    let s = tcp_socket(&mut other).await;
    other.ok(json!({"op": "close", "sock": s})).await;
    // A new session works too.
    let mut again = Client::connect(&relay).await;
    again.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn python_errors_for_misused_sockets() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    c.err(json!({"op": "send", "sock": s, "data": text("x")}), "EPIPE")
        .await;
    c.err(json!({"op": "recv", "sock": s, "bufsize": 1}), "ENOTCONN")
        .await;
    c.err(json!({"op": "getpeername", "sock": s}), "ENOTCONN")
        .await;
    c.err(json!({"op": "accept", "sock": s}), "EINVAL").await;

    let (_l, cl, _srv) = tcp_pair(&mut c).await;
    let peer = c.ok(json!({"op": "getpeername", "sock": cl})).await;
    c.err(
        json!({"op": "connect", "sock": cl, "addr": peer["addr"]}),
        "EISCONN",
    )
    .await;

    let u = udp_socket(&mut c).await;
    c.err(
        json!({"op": "listen", "sock": u, "backlog": 1}),
        "EOPNOTSUPP",
    )
    .await;

    // Binding a port in use.
    let (_l2, p2) = listener(&mut c).await;
    let t = tcp_socket(&mut c).await;
    c.err(
        json!({"op": "bind", "sock": t, "addr": ["127.0.0.1", p2]}),
        "EADDRINUSE",
    )
    .await;
}

#[tokio::test]
async fn an_oversized_binary_frame_closes_with_1009_too() {
    let mut config = Config::for_tests();
    config.limits.max_message_bytes = 4096;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (s, _peer) = connected_to_test_peer(&mut c).await;
    c.ok(json!({"op": "pipe", "sock": s})).await;
    c.send_to(&s, &[7u8; 10_000]).await;
    let (code, reason) = c.expect_close().await;
    assert_eq!(code, 1009, "reason: {reason}");
    assert!(reason.contains("--max-message-bytes"), "{reason}");
}
