//! Limits and access: max handles, max pending requests, sessions per IP (error
//! event then close 1013), token auth (unauthorized before auth, wrong token, close
//! 1008 after three wrong tokens, close 1008 without `auth` in time) and the idle
//! timeout.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn max_handles_is_a_limit_error() {
    let mut config = Config::for_tests();
    config.limits.max_handles = 3;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    assert_eq!(c.hello["limits"]["max_handles"], 3);
    let mut socks = Vec::new();
    for _ in 0..3 {
        socks.push(tcp_socket(&mut c).await);
    }
    let e = c
        .err(json!({"op": "socket", "type": "SOCK_STREAM"}), "limit")
        .await;
    assert!(
        e["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("--max-handles"),
        "{e}"
    );
    // Closing one frees a slot.
    c.ok(json!({"op": "close", "sock": socks[0]})).await;
    tcp_socket(&mut c).await;
}

#[tokio::test]
async fn accepted_sockets_count_as_handles() {
    let mut config = Config::for_tests();
    config.limits.max_handles = 2;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (l, p) = listener(&mut c).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p]}))
        .await;
    c.err(json!({"op": "accept", "sock": l}), "limit").await;
}

#[tokio::test]
async fn max_pending_is_a_limit_error() {
    let mut config = Config::for_tests();
    config.limits.max_pending = 2;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    let a = c
        .send(json!({"op": "recv", "sock": cl, "bufsize": 1}))
        .await;
    let b = c
        .send(json!({"op": "recv", "sock": srv, "bufsize": 1}))
        .await;
    c.err(json!({"op": "recv", "sock": cl, "bufsize": 1}), "limit")
        .await;
    c.ok(json!({"op": "cancel", "target": a})).await;
    c.ok(json!({"op": "cancel", "target": b})).await;
    expect_err(&c.reply(a).await, "cancelled", "a");
    expect_err(&c.reply(b).await, "cancelled", "b");
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn too_many_sessions_from_one_ip() {
    let mut config = Config::for_tests();
    config.limits.max_sessions_per_ip = 1;
    let relay = start(config).await;
    let mut first = Client::connect(&relay).await;
    assert_eq!(first.hello["limits"]["max_sessions_per_ip"], 1);

    let mut second = Client::connect_raw(relay.addr).await;
    let e = second.next_text().await;
    assert_eq!(e["ev"], "error", "{e}");
    assert_eq!(e["code"], "limit", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--max-sessions-per-ip"),
        "{e}"
    );
    let (code, _reason) = second.expect_close().await;
    assert_eq!(code, 1013);

    // The first session is unaffected.
    first.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn token_auth() {
    let mut config = Config::for_tests();
    config.token = Some("open-sesame".to_owned());
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    assert_eq!(c.hello["policy"]["auth_required"], true);

    c.err(json!({"op": "ping"}), "unauthorized").await;
    c.err(json!({"op": "socket"}), "unauthorized").await;
    c.err(json!({"op": "auth", "token": "wrong"}), "unauthorized")
        .await;
    c.ok(json!({"op": "auth", "token": "open-sesame"})).await;
    c.ok(json!({"op": "ping"})).await;
    tcp_socket(&mut c).await;

    // Three wrong tokens close the session with 1008.
    let mut bad = Client::connect(&relay).await;
    for _ in 0..2 {
        bad.err(json!({"op": "auth", "token": "guess"}), "unauthorized")
            .await;
    }
    bad.send(json!({"op": "auth", "token": "guess"})).await;
    let (code, _reason) = bad.expect_close().await;
    assert_eq!(code, 1008);

    // Without a token configured, auth is not required.
    let open = start_default().await;
    let mut c = Client::connect(&open).await;
    assert_eq!(c.hello["policy"]["auth_required"], false);
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn sessions_that_never_authenticate_are_closed() {
    let mut config = Config::for_tests();
    config.token = Some("open-sesame".to_owned());
    config.budget.auth_timeout = Duration::from_millis(300);
    let relay = start(config).await;
    let mut authed = Client::connect(&relay).await;
    authed
        .ok(json!({"op": "auth", "token": "open-sesame"}))
        .await;
    // Requests before `auth` do not keep a session open.
    let mut lurker = Client::connect(&relay).await;
    lurker.err(json!({"op": "ping"}), "unauthorized").await;
    let (code, reason) = lurker.expect_close().await;
    assert_eq!(code, 1008);
    assert!(reason.contains("no `auth` within 0.3 s"), "{reason}");
    // The session that authenticated earlier is still open.
    authed.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    let mut config = Config::for_tests();
    config.limits.idle_timeout = Duration::from_millis(300);
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (code, reason) = c.expect_close().await;
    assert_eq!(code, 1000);
    assert!(reason.contains("--idle-timeout"), "{reason}");
}

/// Frames keep a session alive: the idle timeout counts from the last frame,
/// not from the start (the timer is moved lazily, when it fires).
#[tokio::test]
async fn frames_postpone_the_idle_close() {
    let mut config = Config::for_tests();
    config.limits.idle_timeout = Duration::from_millis(1500);
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let started = std::time::Instant::now();
    // A ping every 100 ms (pacing, not synchronisation) for twice the timeout.
    while started.elapsed() < Duration::from_millis(3000) {
        c.ok(json!({"op": "ping"})).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let quiet = std::time::Instant::now();
    let (code, reason) = c.expect_close().await;
    assert_eq!(code, 1000);
    assert!(reason.contains("--idle-timeout"), "{reason}");
    assert!(
        quiet.elapsed() >= Duration::from_millis(1300),
        "closed {:?} after the last frame, before the 1.5 s timeout",
        quiet.elapsed()
    );
}

#[tokio::test]
async fn closing_a_session_releases_its_sockets() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_s, mut peer) = connected_to_test_peer(&mut c).await;
    c.close().await;
    // The relay closed the socket: the test's end reads end-of-stream (or a reset).
    let mut buf = [0u8; 16];
    let r = guard("peer sees the close", peer.read(&mut buf)).await;
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
}

#[tokio::test]
async fn shutdown_closes_sessions_with_1001() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    c.ok(json!({"op": "ping"})).await;
    let ((), (code, _reason)) =
        tokio::join!(guard("relay shutdown", relay.shutdown()), c.expect_close());
    assert_eq!(code, 1001);
}
