//! The byte part of a session's budget: queued `send`s and HTTP bodies count
//! with the outbox and piped bytes against one limit, and a call that would go
//! beyond it fails with `limit` instead of buffering.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const BUDGET: usize = 512 << 10;

fn config() -> Config {
    let mut config = Config::for_tests();
    config.budget.buffered_bytes = BUDGET;
    config
}

fn message(e: &serde_json::Value) -> &str {
    e["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn queued_http_bodies_are_bounded() {
    // A server that reads everything and never answers.
    let server = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = server.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = server.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 1 << 16];
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    let relay = start(config()).await;
    let mut c = Client::connect(&relay).await;
    let h = c
        .ok(json!({"op": "http.open", "host": "127.0.0.1", "port": port}))
        .await["conn"]
        .as_str()
        .expect("conn")
        .to_owned();
    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}))
        .await;
    // Waits for ever: later calls on the connection queue behind it.
    let waiting = c.send(json!({"op": "http.getresponse", "conn": h})).await;
    let chunk = "x".repeat(200 << 10);
    let a = c
        .send(json!({"op": "http.send", "conn": h, "data": text(&chunk)}))
        .await;
    let b = c
        .send(json!({"op": "http.send", "conn": h, "data": text(&chunk)}))
        .await;
    let e = c
        .err(
            json!({"op": "http.send", "conn": h, "data": text(&chunk)}),
            "limit",
        )
        .await;
    assert!(message(&e).contains("of unsent data"), "{e}");
    assert!(message(&e).contains("this call adds 200 KiB"), "{e}");
    assert!(!message(&e).contains("--max-buffered-bytes"), "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("the limit is --max-buffered-bytes 512 KiB"),
        "{e}"
    );
    // Closing the connection answers the queued calls and frees their bytes.
    c.ok(json!({"op": "http.close", "conn": h})).await;
    for id in [waiting, a, b] {
        expect_err(&c.reply(id).await, "EBADF", "queued http call");
    }
    let (_l, cl, _srv) = tcp_pair(&mut c).await;
    c.ok(json!({"op": "sendall", "sock": cl, "data": text(&chunk)}))
        .await;
}

#[tokio::test]
async fn queued_sends_are_bounded() {
    let mut config = config();
    // The relay reads little from the receiving socket, so the kernel fills up.
    config.limits.recv_buffer_bytes = 1024;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let l = tcp_socket(&mut c).await;
    let small = |s: &str, name: &str| json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": name, "value": 4096});
    c.ok(small(&l, "SO_RCVBUF")).await;
    let bound = c
        .ok(json!({"op": "bind", "sock": l, "addr": ["127.0.0.1", 0]}))
        .await;
    c.ok(json!({"op": "listen", "sock": l})).await;
    let cl = tcp_socket(&mut c).await;
    c.ok(small(&cl, "SO_SNDBUF")).await;
    c.ok(json!({"op": "connect", "sock": cl, "addr": bound["addr"]}))
        .await;
    c.ok(json!({"op": "accept", "sock": l})).await;
    // Far more than the kernel buffers hold: this sendall waits, holding its bytes.
    let big = "y".repeat(400 << 10);
    let first = c
        .send(json!({"op": "sendall", "sock": cl, "data": text(&big)}))
        .await;
    let e = c
        .err(
            json!({"op": "sendall", "sock": cl, "data": text(&"z".repeat(200 << 10))}),
            "limit",
        )
        .await;
    assert!(message(&e).contains("of unsent data"), "{e}");
    assert!(message(&e).contains("wait for sends to finish"), "{e}");
    // A small send still fits beside it.
    let small_send = c
        .send(json!({"op": "sendall", "sock": cl, "data": text("ok")}))
        .await;
    // Closing answers the waiting sendall (and the one queued behind it).
    c.ok(json!({"op": "close", "sock": cl})).await;
    expect_err(&c.reply(first).await, "EBADF", "first sendall");
    expect_err(&c.reply(small_send).await, "EBADF", "small sendall");
}

#[tokio::test]
async fn inline_ftp_uploads_must_fit_the_budget() {
    let relay = start(config()).await;
    let mut c = Client::connect(&relay).await;
    let ftp = c.lab("ftp");
    let conn = c
        .ok(json!({"op": "ftp.connect", "host": ftp[0], "port": ftp[1]}))
        .await["conn"]
        .as_str()
        .expect("conn")
        .to_owned();
    let e = c
        .err(
            json!({"op": "ftp.storbinary", "conn": conn, "cmd": "STOR big.bin",
                   "data": text(&"u".repeat(600 << 10))}),
            "limit",
        )
        .await;
    assert!(message(&e).contains("this call adds 600 KiB"), "{e}");
    // The connection is unharmed.
    c.ok(json!({"op": "ftp.getwelcome", "conn": conn})).await;
}
