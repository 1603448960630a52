//! The relay's file-descriptor reserve: with the process's open-file limit
//! nearly used up, new handles fail with the relay's `limit` error (naming the
//! descriptors) instead of `EMFILE`, and `/healthz` reports the count and limit.
//!
//! This file lowers the process's `RLIMIT_NOFILE` (soft and hard), so it holds
//! this one scenario only. The harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Open descriptors of this process.
fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("linux lists /proc/self/fd")
        .count() as u64
}

fn set_nofile(limit: u64) {
    let lim = libc::rlimit {
        rlim_cur: limit as libc::rlim_t,
        rlim_max: limit as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct.
    let r = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(r, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

async fn health(addr: std::net::SocketAddr) -> shared::Health {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("health response", s.read_to_string(&mut out))
        .await
        .expect("read");
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).expect("health json")
}

#[tokio::test]
async fn descriptors_run_out_as_a_limit_error_not_emfile() {
    let mut config = Config::for_tests();
    config.limits.max_handles = 10_000;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    c.ok(json!({"op": "ping"})).await;
    // 64 descriptors are kept for new sessions and labs; leave 40 for sockets.
    let limit = open_fds() + 64 + 40;
    set_nofile(limit);

    let mut socks = Vec::new();
    let refused = loop {
        let reply = c.req(json!({"op": "socket", "type": "SOCK_STREAM"})).await;
        if let Some(ok) = reply.get("ok") {
            socks.push(ok["sock"].as_str().expect("sock").to_owned());
            assert!(socks.len() < 200, "never refused");
            continue;
        }
        break reply["err"].clone();
    };
    assert_eq!(refused["code"], "limit", "{refused}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("running out of file descriptors"),
        "{message}"
    );
    let detail = refused["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!("of {limit} descriptors in use")),
        "{refused}"
    );
    assert!(
        (30..=48).contains(&socks.len()),
        "about 40 sockets fit below the headroom, got {}",
        socks.len()
    );

    // The headroom is real: the relay still serves /healthz and new sessions.
    let h = health(relay.addr).await;
    assert_eq!(h.fds_limit, limit);
    assert!(h.fds_open + 64 >= limit - 2, "{h:?}");
    let mut other = Client::connect(&relay).await;
    other.ok(json!({"op": "ping"})).await;

    // Closing sockets gives descriptors back (healthz above counted afresh).
    for s in socks.drain(..5) {
        c.ok(json!({"op": "close", "sock": s})).await;
    }
    health(relay.addr).await;
    tcp_socket(&mut c).await;
}
