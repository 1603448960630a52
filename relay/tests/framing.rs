//! Who may frame the relay's pages: `/embed` carries `Content-Security-Policy:
//! frame-ancestors 'self' <each --allow-origin>` (a docs site embedding live
//! demos), every other page `frame-ancestors 'self'`. Every page but `/embed`
//! is also cross-origin isolated (COOP `same-origin`, COEP `require-corp`: the
//! Python tab's interrupt buffer needs `SharedArrayBuffer`).
//!
//! Owns only this scenario; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 GET; returns the status line, the lower-cased head and the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (String, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("page response", s.read_to_string(&mut out))
        .await
        .expect("read");
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn csp(head: &str) -> Option<&str> {
    header(head, "content-security-policy")
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

/// The two isolation headers of a lower-cased head.
fn isolation(head: &str) -> (Option<&str>, Option<&str>) {
    (
        header(head, "cross-origin-opener-policy"),
        header(head, "cross-origin-embedder-policy"),
    )
}

#[tokio::test]
async fn embed_may_be_framed_by_allowed_origins_and_nothing_else_by_others() {
    let ui = std::env::temp_dir().join(format!("socklab-framing-{}", std::process::id()));
    std::fs::create_dir_all(&ui).expect("ui dir");
    std::fs::write(ui.join("index.html"), "<!doctype html><title>page</title>").expect("index");
    // `/embed` and `/learn/` are the `learn` build's page.
    std::fs::create_dir_all(ui.join("learn")).expect("learn dir");
    std::fs::write(
        ui.join("learn").join("index.html"),
        "<!doctype html><title>page</title>",
    )
    .expect("learn index");
    let mut config = Config::for_tests();
    config.ui_dir = Some(ui.clone());
    config.allow_origin = vec![
        "http://127.0.0.1:9000".into(),
        "https://docs.example.org".into(),
    ];
    let relay = start(config).await;

    let (status, head, body) = get(relay.addr, "/embed?recording=demo.json&autoplay=1").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        body.contains("<title>page</title>"),
        "the player page is served: {body}"
    );
    assert_eq!(
        csp(&head),
        Some("frame-ancestors 'self' http://127.0.0.1:9000 https://docs.example.org")
    );
    assert_eq!(
        isolation(&head),
        (None, None),
        "other sites frame the player"
    );
    for path in [
        "/",
        "/index.html",
        "/healthz",
        "/embedded",
        "/?relay=ws://127.0.0.1:9/ws",
        "/lessons.json",
    ] {
        let (status, head, _) = get(relay.addr, path).await;
        assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
        assert_eq!(csp(&head), Some("frame-ancestors 'self'"), "{path}");
        assert_eq!(
            isolation(&head),
            (Some("same-origin"), Some("require-corp")),
            "{path}"
        );
    }

    // Without --allow-origin the player is framed only by the relay's own pages.
    let plain = start(Config::for_tests()).await;
    let (_, head, _) = get(plain.addr, "/embed").await;
    assert_eq!(csp(&head), Some("frame-ancestors 'self'"));
    let _ = std::fs::remove_dir_all(ui);
}
