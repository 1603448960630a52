//! Draining: on SIGTERM the real `socklab` binary tells every session why it
//! closes (close frame 1001 with a reason) — one blocked in `recv`, one in the
//! middle of a `pipe` — and exits with status 0 within its deadline; while it
//! drains, `/healthz` fails readiness (503 `draining`) and new sessions are
//! refused.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// The drain deadline given to the binary, and the margin the test allows on
/// top of it (start-up of the shutdown, the 1 s runtime stop, a busy machine).
const DRAIN_SECS: u64 = 5;
const MARGIN: Duration = Duration::from_secs(5);

/// Status code and body of a GET over loopback.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("http answer", s.read_to_string(&mut out))
        .await
        .expect("read");
    let code = out.get(9..12).and_then(|c| c.parse().ok()).expect("status");
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (code, body.to_owned())
}

#[tokio::test]
async fn sigterm_closes_every_session_with_a_reason_and_exits_in_time() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["--listen", "127.0.0.1:0", "--no-labs"])
        .args(["--drain-secs", &DRAIN_SECS.to_string()])
        .env_remove("SOCKLAB_TOKEN")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("socklab starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = guard("the running line", out.next_line())
        .await
        .expect("stdout")
        .expect("a line");
    let addr: SocketAddr = first
        .strip_prefix("socklab is running: open http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .expect("an address");

    // One session blocked in recv on a peer that never sends.
    let mut blocked = Client::connect_addr(addr).await;
    let (s, _quiet_peer) = connected_to_test_peer(&mut blocked).await;
    let recv_id = blocked
        .send(json!({"op": "recv", "sock": s, "bufsize": 1024}))
        .await;
    // One session in the middle of a pipe to an echo server.
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut piping = Client::connect_addr(addr).await;
    let p = tcp_socket(&mut piping).await;
    piping
        .ok(json!({"op": "connect", "sock": p, "addr": addr_of(echo)}))
        .await;
    piping.ok(json!({"op": "pipe", "sock": p})).await;
    let chunk = vec![7u8; 64 << 10];
    piping
        .pipe_exchange(
            &p,
            std::iter::repeat_n(chunk.clone(), 4),
            4 * (64 << 10),
            |_| {},
        )
        .await;
    // More bytes in flight when the signal comes.
    piping.send_to(&p, &chunk).await;

    let pid = child.id().expect("pid") as libc::pid_t;
    let signalled = Instant::now();
    // SAFETY: kill(2) with a pid this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    let (a, b) = tokio::join!(blocked.expect_close(), piping.expect_close());
    for (code, reason) in [&a, &b] {
        assert_eq!(*code, 1001, "{reason}");
        assert!(reason.contains("shutting down or restarting"), "{reason}");
        assert!(reason.contains("Reload the page"), "{reason}");
    }
    // The blocked recv was never answered: the session ended instead.
    assert!(blocked.log_position(|v| v["re"] == recv_id).is_none());

    let deadline = Duration::from_secs(DRAIN_SECS) + MARGIN;
    let status = tokio::time::timeout(deadline, child.wait())
        .await
        .expect("socklab exits within its drain deadline")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(signalled.elapsed() < deadline);
    let mut rest = Vec::new();
    while let Ok(Some(line)) = out.next_line().await {
        rest.push(line);
    }
    let rest = rest.join("\n");
    assert!(rest.contains("socklab: draining (up to 5 s)"), "{rest}");
    assert!(
        rest.contains("socklab: stopped (2 sessions closed, 0 still open at the deadline)"),
        "{rest}"
    );
}

fn addr_of(a: SocketAddr) -> serde_json::Value {
    json!([a.ip().to_string(), a.port()])
}

#[tokio::test]
async fn while_draining_readiness_fails_and_new_sessions_are_refused() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    c.ok(json!({"op": "ping"})).await;
    assert_eq!(get(relay.addr, "/healthz").await.0, 200);

    assert_eq!(relay.begin_drain(), 1);
    let (code, body) = get(relay.addr, "/healthz").await;
    assert_eq!(code, 503, "{body}");
    let health: shared::Health = serde_json::from_str(&body).expect("json");
    assert_eq!(health.status, "draining");
    let (code, reason) = c.expect_close().await;
    assert_eq!(code, 1001);
    assert!(reason.contains("shutting down"), "{reason}");

    let refused = tokio_tungstenite::connect_async(ws_url(relay.addr)).await;
    match refused {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("a new session during the drain: {other:?}"),
    }
    let (code, body) = get(relay.addr, "/metrics").await;
    assert_eq!(code, 200);
    assert!(body.contains("socklab_draining 1"), "{body}");

    let drained = guard("drain", relay.drain(Duration::from_secs(5))).await;
    assert_eq!(drained.left, 0);
}
