//! Policy through the WebSocket: connect denied by a test policy (loopback only —
//! tests never try an outside address), privileged and reserved bind ports, `""`
//! bound as loopback, and the Origin check on the upgrade.
//!
//! Owns only these scenarios; pure policy decisions are tested in `relay/src/policy/tests.rs`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

#[tokio::test]
async fn connect_outside_the_test_policy_is_not_allowed() {
    let mut config = Config::for_tests();
    config.connect_rules_override = Some(vec!["127.0.0.1".parse().unwrap()]);
    let relay = start(config).await;
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;

    let s = tcp_socket(&mut c).await;
    let e = c
        .err(
            json!({"op": "connect", "sock": s, "addr": ["127.0.0.2", echo.port()]}),
            "not_allowed",
        )
        .await;
    let m = e["message"].as_str().expect("message");
    assert!(!m.contains("--allow-connect"), "learner words only: {m}");
    assert!(m.contains("127.0.0.2"), "{m}");
    let d = e["detail"].as_str().expect("detail");
    assert!(d.contains("--allow-connect 127.0.0.2:"), "{d}");
    // connect_ex is refused the same way: policy is not an OS errno.
    c.err(
        json!({"op": "connect_ex", "sock": s, "addr": ["127.0.0.2", echo.port()]}),
        "not_allowed",
    )
    .await;
    // UDP sendto is checked too.
    let u = udp_socket(&mut c).await;
    c.err(
        json!({"op": "sendto", "sock": u, "data": text("x"), "addr": ["127.0.0.2", echo.port()]}),
        "not_allowed",
    )
    .await;

    // The allowed address still works.
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(echo)}))
        .await;
}

#[tokio::test]
async fn bind_rules() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;

    let s = tcp_socket(&mut c).await;
    let e = c
        .err(
            json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 80]}),
            "not_allowed",
        )
        .await;
    // The learner's sentence in `message`; the rule and the flag in `detail`.
    let m = e["message"].as_str().expect("message");
    assert!(m.contains("ports below 1024 are privileged"), "{m}");
    assert!(m.contains("pick a port from 1024 to 65535"), "{m}");
    assert!(!m.contains("--allow-bind"), "{m}");
    let d = e["detail"].as_str().expect("detail");
    assert!(d.contains("--allow-bind 127.0.0.1:80"), "{d}");

    let own = relay.addr.port();
    c.err(
        json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", own]}),
        "not_allowed",
    )
    .await;

    let lab = c.lab("tcp_echo");
    c.err(
        json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", port(&lab)]}),
        "not_allowed",
    )
    .await;

    // "" means all interfaces; by default the relay binds loopback and says so.
    let ok = c
        .ok(json!({"op": "bind", "sock": s, "addr": ["", 0]}))
        .await;
    assert_eq!(ok["addr"][0], "127.0.0.1", "{ok}");
    assert_ne!(port(&ok["addr"]), 0);

    let s2 = tcp_socket(&mut c).await;
    let ok = c
        .ok(json!({"op": "bind", "sock": s2, "addr": ["0.0.0.0", 0]}))
        .await;
    assert_eq!(ok["addr"][0], "127.0.0.1", "{ok}");
}

#[tokio::test]
async fn bind_ipv6_any_is_loopback() {
    if !ipv6_loopback_available().await {
        eprintln!("skipped: ::1 is not available on this machine");
        return;
    }
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = c
        .ok(json!({"op": "socket", "family": "AF_INET6", "type": "SOCK_STREAM"}))
        .await["sock"]
        .as_str()
        .expect("sock")
        .to_owned();
    let ok = c
        .ok(json!({"op": "bind", "sock": s, "addr": ["::", 0]}))
        .await;
    assert_eq!(ok["addr"][0], "::1", "{ok}");
}

/// Attempts an upgrade with `origin`; returns the HTTP status of a refusal, or
/// `None` when the upgrade succeeded.
async fn upgrade_with_origin(relay: &relay::Running, origin: Option<&str>) -> Option<u16> {
    let mut req = ws_url(relay.addr).into_client_request().expect("request");
    if let Some(o) = origin {
        req.headers_mut()
            .insert("Origin", HeaderValue::from_str(o).expect("header"));
    }
    match guard("upgrade", tokio_tungstenite::connect_async(req)).await {
        Ok((ws, _)) => {
            let mut c = Client::from_ws(ws);
            let hello = c.next_text().await;
            assert_eq!(hello["ev"], "hello");
            None
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        Err(e) => panic!("unexpected upgrade error: {e}"),
    }
}

#[tokio::test]
async fn foreign_origin_is_refused_with_403() {
    let relay = start_default().await;
    assert_eq!(
        upgrade_with_origin(&relay, Some("http://evil.example")).await,
        Some(403)
    );
    // No Origin: not a browser; accepted.
    assert_eq!(upgrade_with_origin(&relay, None).await, None);
    // The relay's own origin is accepted.
    let own = format!("http://{}", relay.addr);
    assert_eq!(upgrade_with_origin(&relay, Some(&own)).await, None);
}

#[tokio::test]
async fn allow_origin_admits_that_origin() {
    let mut config = Config::for_tests();
    config.allow_origin = vec!["http://evil.example".to_owned()];
    let relay = start(config).await;
    assert_eq!(
        upgrade_with_origin(&relay, Some("http://evil.example")).await,
        None
    );
    assert_eq!(
        upgrade_with_origin(&relay, Some("http://other.example")).await,
        Some(403)
    );
}

/// A UDP socket that `sendto` binds implicitly should listen on loopback only, like
/// `bind("")` does by default (docs/architecture.md, "Security stance": all-interfaces
/// binds are narrowed to loopback unless `--allow-bind` permits them; docs/protocol.md,
/// choice `implicit-bind`). The kernel's autobind would give
/// 0.0.0.0, so datagrams from other hosts could reach the learner's socket.
#[tokio::test]
async fn implicit_udp_bind_is_loopback_only() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let a = udp_socket(&mut c).await;
    let bound = c
        .ok(json!({"op": "bind", "sock": a, "addr": ["127.0.0.1", 0]}))
        .await;
    let b = udp_socket(&mut c).await;
    c.ok(json!({"op": "sendto", "sock": b, "data": text("x"), "addr": bound["addr"]}))
        .await;
    let name = c.ok(json!({"op": "getsockname", "sock": b})).await;
    assert_eq!(name["addr"][0], "127.0.0.1", "{name}");
}
