//! What the kernel holds after `close()`: the side that closes first keeps the
//! connection in `TIME_WAIT`, and that is why a restarted server's `bind` fails
//! with `EADDRINUSE` unless both the old and the new listener set `SO_REUSEADDR`
//! — the same on the relay's real sockets as in Python on Linux.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// An address reply (`["127.0.0.1", 5000]`) as a socket address.
fn sock_addr(v: &serde_json::Value) -> SocketAddr {
    let host = v[0].as_str().expect("host");
    format!("{host}:{}", port(v)).parse().expect("address")
}

/// Polls the kernel until the pair `local → peer` reaches `want`.
async fn kernel_reaches(local: SocketAddr, peer: SocketAddr, want: &str) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let seen = relay::sock_diag::lookup(local, peer).expect("sock_diag lookup");
        match &seen {
            Some(k) if k.state == want => return k.expires.unwrap_or_default(),
            _ => assert!(
                Instant::now() < deadline,
                "{local} -> {peer} never reached {want}: {seen:?}"
            ),
        }
        tokio::task::yield_now().await;
    }
}

/// A server that set (or did not set) `SO_REUSEADDR` accepts one client, closes
/// its side first, then the client closes: returns the listener's port and the
/// server side's address pair, which the kernel now holds in `TIME_WAIT`.
async fn server_closes_first(c: &mut Client, reuse: bool) -> (u16, SocketAddr, SocketAddr) {
    let l = tcp_socket(c).await;
    if reuse {
        c.ok(json!({"op": "setsockopt", "sock": l, "level": "SOL_SOCKET", "name": "SO_REUSEADDR", "value": 1}))
            .await;
    }
    let bound = c
        .ok(json!({"op": "bind", "sock": l, "addr": ["127.0.0.1", 0]}))
        .await;
    let p = port(&bound["addr"]);
    c.ok(json!({"op": "listen", "sock": l, "backlog": 1})).await;
    let client = tcp_socket(c).await;
    c.ok(json!({"op": "connect", "sock": client, "addr": ["127.0.0.1", p]}))
        .await;
    let accepted = c.ok(json!({"op": "accept", "sock": l})).await;
    let server = accepted["sock"].as_str().expect("handle").to_owned();
    let local = sock_addr(&c.ok(json!({"op": "getsockname", "sock": server})).await["addr"]);
    let peer = sock_addr(&c.ok(json!({"op": "getpeername", "sock": server})).await["addr"]);
    c.ok(json!({"op": "close", "sock": server})).await;
    // The client sees the server's FIN, then closes its own side.
    let closed = c.next_event_for("closed", &client).await;
    assert_eq!(closed["reason"], "peer");
    c.ok(json!({"op": "close", "sock": client})).await;
    c.ok(json!({"op": "close", "sock": l})).await;
    (p, local, peer)
}

async fn bind_again(c: &mut Client, p: u16, reuse: bool) -> serde_json::Value {
    let s = tcp_socket(c).await;
    if reuse {
        c.ok(json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": "SO_REUSEADDR", "value": 1}))
            .await;
    }
    c.req(json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", p]}))
        .await
}

#[tokio::test]
async fn the_side_that_closes_first_holds_time_wait_and_its_port() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (p, local, peer) = server_closes_first(&mut c, true).await;
    let left = kernel_reaches(local, peer, "TIME_WAIT").await;
    assert!(
        left > Duration::ZERO && left <= Duration::from_secs(60),
        "TIME_WAIT lasts 60 s on Linux; {left:?} left"
    );
    // Without SO_REUSEADDR the port is still in use …
    let refused = bind_again(&mut c, p, false).await;
    expect_err(&refused, "EADDRINUSE", "a second bind without SO_REUSEADDR");
    // … with it (set before bind, as Python needs) the bind succeeds.
    let reply = bind_again(&mut c, p, true).await;
    assert_eq!(port(&reply["ok"]["addr"]), p, "{reply}");
}

#[tokio::test]
async fn so_reuseaddr_on_the_new_socket_alone_is_not_enough() {
    // Linux lets a new socket share the port with a TIME_WAIT connection only
    // when the old listener had set SO_REUSEADDR too.
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (p, local, peer) = server_closes_first(&mut c, false).await;
    kernel_reaches(local, peer, "TIME_WAIT").await;
    for reuse in [false, true] {
        let refused = bind_again(&mut c, p, reuse).await;
        expect_err(
            &refused,
            "EADDRINUSE",
            "a second bind after a listener without SO_REUSEADDR",
        );
    }
}
