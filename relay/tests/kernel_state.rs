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
    // The session sees it too: the server's handle lingers in TIME_WAIT.
    let lingering = lingering_until(c, &server, "TIME_WAIT").await;
    for e in &lingering {
        assert_lingering(e, (local, peer));
    }
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

/// Awaits the next `kernel` event for `sock` read from `source`.
async fn kernel_event(c: &mut Client, sock: &str, source: &str) -> serde_json::Value {
    c.next_event_where("kernel", |e| e["sock"] == sock && e["source"] == source)
        .await
}

/// Awaits the `kernel` events read after `close()` for `sock` until one reports
/// `last`; returns them in order.
async fn lingering_until(c: &mut Client, sock: &str, last: &str) -> Vec<serde_json::Value> {
    let mut seen = Vec::new();
    loop {
        let e = kernel_event(c, sock, "sock_diag").await;
        let done = e["state"] == last;
        seen.push(e);
        if done {
            return seen;
        }
    }
}

/// The states of `events`, in order.
fn states(events: &[serde_json::Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["state"].as_str().unwrap_or_default())
        .collect()
}

/// Asserts a `kernel` event read while the session holds the socket.
fn assert_held(e: &serde_json::Value, state: &str) {
    assert_eq!(e["state"], state, "{e}");
    assert_eq!(e["source"], "tcp_info", "{e}");
    assert_eq!(e["held"], true, "{e}");
    assert!(e.get("expires_ms").is_none(), "{e}");
}

/// Asserts a `kernel` event read after `close()` for the pair `local → peer`.
fn assert_lingering(e: &serde_json::Value, (local, peer): (SocketAddr, SocketAddr)) {
    assert_eq!(e["source"], "sock_diag", "{e}");
    assert_eq!(e["held"], false, "{e}");
    assert_eq!(sock_addr(&e["local"]), local, "{e}");
    assert_eq!(sock_addr(&e["peer"]), peer, "{e}");
}

/// The handle's (getsockname, getpeername), as the learner would read them.
async fn pair_of(c: &mut Client, s: &str) -> (SocketAddr, SocketAddr) {
    let local = sock_addr(&c.ok(json!({"op": "getsockname", "sock": s})).await["addr"]);
    let peer = sock_addr(&c.ok(json!({"op": "getpeername", "sock": s})).await["addr"]);
    (local, peer)
}

/// Closes `s` and returns the first `kernel` event after the close, asserting
/// it follows the `close` reply.
async fn close_and_first_kernel(c: &mut Client, s: &str) -> serde_json::Value {
    let id = c.send(json!({"op": "close", "sock": s})).await;
    c.reply(id).await;
    let first = kernel_event(c, s, "sock_diag").await;
    let reply_at = c.log_position(|v| v["re"] == id).expect("reply logged");
    let event_at = c
        .log_position(|v| v["ev"] == "kernel" && v["sock"] == s && v["source"] == "sock_diag")
        .expect("event logged");
    assert!(
        reply_at < event_at,
        "the first lingering state follows the reply"
    );
    first
}

/// A listening TCP socket whose `LISTEN` event has arrived: every event the
/// relay sent before it has arrived too.
async fn marker(c: &mut Client) -> String {
    let (m, _) = listener(c).await;
    assert_held(&kernel_event(c, &m, "tcp_info").await, "LISTEN");
    m
}

/// `kernel` events about `sock` still waiting to be taken.
fn kernel_events_left(c: &Client, sock: &str) -> Vec<serde_json::Value> {
    c.pending_events()
        .into_iter()
        .filter(|e| e["ev"] == "kernel" && e["sock"] == sock)
        .collect()
}

#[tokio::test]
async fn held_sockets_report_listen_and_established_once() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, cl, srv) = tcp_pair(&mut c).await;
    let listening = kernel_event(&mut c, &l, "tcp_info").await;
    assert_held(&listening, "LISTEN");
    assert!(listening.get("peer").is_none(), "{listening}");
    for s in [&cl, &srv] {
        let e = kernel_event(&mut c, s, "tcp_info").await;
        assert_held(&e, "ESTABLISHED");
        let pair = pair_of(&mut c, s).await;
        assert_eq!((sock_addr(&e["local"]), sock_addr(&e["peer"])), pair);
    }
    // Nothing moved in the kernel: nothing is reported again.
    c.ok(json!({"op": "listen", "sock": l, "backlog": 2})).await;
    c.ok(json!({"op": "shutdown", "sock": cl, "how": "SHUT_RD"}))
        .await;
    marker(&mut c).await;
    for s in [&l, &cl, &srv] {
        assert_eq!(kernel_events_left(&c, s), Vec::<serde_json::Value>::new());
    }
}

#[tokio::test]
async fn the_active_closer_shows_fin_wait_then_time_wait_after_close() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    let pair = pair_of(&mut c, &cl).await;
    let first = close_and_first_kernel(&mut c, &cl).await;
    assert_lingering(&first, pair);
    assert!(
        ["FIN_WAIT1", "FIN_WAIT2"].contains(&first["state"].as_str().unwrap_or_default()),
        "the closer waits for the peer's FIN: {first}"
    );
    // The peer reads end-of-stream; the kernel holds it in CLOSE_WAIT.
    let peer_side = c
        .next_event_where("kernel", |e| e["sock"] == srv && e["state"] == "CLOSE_WAIT")
        .await;
    assert_held(&peer_side, "CLOSE_WAIT");
    c.ok(json!({"op": "close", "sock": srv})).await;
    let rest = lingering_until(&mut c, &cl, "TIME_WAIT").await;
    for e in &rest {
        assert_lingering(e, pair);
    }
    let seen = states(&rest);
    assert!(
        seen.iter().all(|s| ["FIN_WAIT2", "TIME_WAIT"].contains(s)),
        "FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT: {seen:?}"
    );
    let left = rest.last().and_then(|e| e["expires_ms"].as_u64());
    assert!(
        left.is_some_and(|ms| ms > 0 && ms <= 60_000),
        "TIME_WAIT reports its remaining time (60 s on Linux): {rest:?}"
    );
}

#[tokio::test]
async fn the_passive_side_shows_close_wait_then_last_ack_or_closed() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, peer) = connected_to_test_peer(&mut c).await;
    let pair = pair_of(&mut c, &s).await;
    assert_held(&kernel_event(&mut c, &s, "tcp_info").await, "ESTABLISHED");
    drop(peer);
    assert_eq!(c.next_event_for("closed", &s).await["reason"], "peer");
    assert_held(&kernel_event(&mut c, &s, "tcp_info").await, "CLOSE_WAIT");
    let first = close_and_first_kernel(&mut c, &s).await;
    let mut seen = vec![first];
    if seen.last().is_some_and(|e| e["state"] != "CLOSED") {
        seen.extend(lingering_until(&mut c, &s, "CLOSED").await);
    }
    for e in &seen {
        assert_lingering(e, pair);
    }
    // Our FIN goes out in LAST_ACK; the peer's ACK ends the connection (the
    // test's side was dropped, so its kernel answers at once).
    let states = states(&seen);
    assert!(
        states == ["LAST_ACK", "CLOSED"] || states == ["CLOSED"],
        "LAST_ACK → CLOSED: {states:?}"
    );
}

#[tokio::test]
async fn a_reset_connection_is_close_while_held_and_closed_after() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, peer) = connected_to_test_peer(&mut c).await;
    let pair = pair_of(&mut c, &s).await;
    // SO_LINGER 0: closing sends RST instead of FIN.
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER");
    drop(peer);
    assert_eq!(c.next_event_for("closed", &s).await["reason"], "reset");
    let held = c
        .next_event_where("kernel", |e| e["sock"] == s && e["state"] == "CLOSE")
        .await;
    assert_held(&held, "CLOSE");
    let gone = close_and_first_kernel(&mut c, &s).await;
    assert_lingering(&gone, pair);
    assert_eq!(
        gone["state"], "CLOSED",
        "the kernel forgot the pair: {gone}"
    );
    assert!(gone.get("expires_ms").is_none(), "{gone}");
}

#[tokio::test]
async fn udp_sockets_have_no_kernel_events() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let u = udp_socket(&mut c).await;
    c.ok(json!({"op": "bind", "sock": u, "addr": ["127.0.0.1", 0]}))
        .await;
    c.ok(json!({"op": "connect", "sock": u, "addr": addr(peer.local_addr().expect("addr"))}))
        .await;
    c.ok(json!({"op": "send", "sock": u, "data": text("ping")}))
        .await;
    c.ok(json!({"op": "close", "sock": u})).await;
    marker(&mut c).await;
    assert!(
        c.log_position(|v| v["ev"] == "kernel" && v["sock"] == u)
            .is_none(),
        "UDP has no TCP state"
    );
}
