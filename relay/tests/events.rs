//! Events: the `hello` description, state transitions (bind, listen, connect,
//! accept, shutdown, peer FIN, reset, close), `incoming`, `data` with bounded
//! previews, events sent before the reply they cause, and `t` never decreasing.
//!
//! Owns only these scenarios; the harness (which checks `t` on every frame) lives
//! in `common/`.

mod common;

use common::*;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn hello_describes_the_relay() {
    let relay = start_default().await;
    let c = Client::connect(&relay).await;
    let h = &c.hello;
    assert_eq!(h["protocol"], 1);
    assert!(h["relay"]["name"].is_string() && h["relay"]["version"].is_string());
    assert!(!h["session"].as_str().unwrap_or("").is_empty());
    for name in ["tcp_echo", "udp_echo", "chat"] {
        let lab = c.lab(name);
        let want = relay.labs.get(name).copied().expect("Running.labs");
        assert_eq!(lab, addr(want), "hello.labs.{name}");
    }
    let limits = &h["limits"];
    for k in [
        "max_message_bytes",
        "max_handles",
        "recv_buffer_bytes",
        "max_pending",
        "idle_timeout_secs",
        "max_sessions_per_ip",
    ] {
        assert!(limits[k].as_u64().is_some(), "limits.{k}: {limits}");
    }
    assert_eq!(h["policy"]["auth_required"], false);
    assert!(h["policy"]["connect"].is_array());
}

#[tokio::test]
async fn the_tcp_echo_lab_echoes() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("tcp_echo");
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": lab})).await;
    c.ok(json!({"op": "sendall", "sock": s, "data": text("hello\n")}))
        .await;
    let mut got = Vec::new();
    while got.len() < 6 {
        let r = c.ok(json!({"op": "recv", "sock": s, "bufsize": 100})).await;
        let b = bytes(&r["data"]);
        assert!(!b.is_empty(), "lab closed early");
        got.extend(b);
    }
    assert_eq!(got, b"hello\n");
}

/// Position in the log of the reply to `id`.
fn reply_pos(c: &Client, id: u64) -> usize {
    c.log_position(|v| v["re"] == id).expect("reply logged")
}

fn event_pos(c: &Client, pred: impl Fn(&Value) -> bool) -> usize {
    c.log_position(|v| v.get("ev").is_some() && pred(v))
        .expect("event logged")
}

#[tokio::test]
async fn events_come_before_the_reply_they_cause() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let l = tcp_socket(&mut c).await;

    let id = c
        .send(json!({"op": "bind", "sock": l, "addr": ["127.0.0.1", 0]}))
        .await;
    let bound = c.reply(id).await;
    assert!(event_pos(&c, |v| v["sock"] == l && v["to"] == "BOUND") < reply_pos(&c, id));

    let id = c.send(json!({"op": "listen", "sock": l})).await;
    c.reply(id).await;
    assert!(event_pos(&c, |v| v["sock"] == l && v["to"] == "LISTEN") < reply_pos(&c, id));

    let s = tcp_socket(&mut c).await;
    let id = c
        .send(json!({"op": "connect", "sock": s, "addr": bound["ok"]["addr"]}))
        .await;
    c.reply(id).await;
    let syn = event_pos(&c, |v| v["sock"] == s && v["to"] == "SYN_SENT");
    let est = event_pos(&c, |v| v["sock"] == s && v["to"] == "ESTABLISHED");
    assert!(syn < est && est < reply_pos(&c, id));

    let id = c.send(json!({"op": "accept", "sock": l})).await;
    let acc = c.reply(id).await;
    let conn = acc["ok"]["sock"].as_str().expect("conn").to_owned();
    let inc = event_pos(&c, |v| v["ev"] == "incoming" && v["sock"] == l);
    let est = event_pos(&c, |v| v["sock"] == conn && v["to"] == "ESTABLISHED");
    assert!(inc < reply_pos(&c, id) && est < reply_pos(&c, id));

    let id = c
        .send(json!({"op": "send", "sock": s, "data": text("abc")}))
        .await;
    c.reply(id).await;
    let out = event_pos(&c, |v| {
        v["ev"] == "data" && v["sock"] == s && v["dir"] == "out"
    });
    assert!(out < reply_pos(&c, id));

    let id = c.send(json!({"op": "close", "sock": s})).await;
    c.reply(id).await;
    let closed = event_pos(&c, |v| v["sock"] == s && v["to"] == "CLOSED");
    assert!(closed < reply_pos(&c, id));
}

#[tokio::test]
async fn t_never_decreases() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    for i in 0..50 {
        c.ok(json!({"op": "sendall", "sock": cl, "data": text(&format!("{i}"))}))
            .await;
        c.ok(json!({"op": "recv", "sock": srv, "bufsize": 100}))
            .await;
    }
    let ts: Vec<u64> = c
        .log
        .iter()
        .filter_map(|s| match s {
            Seen::Text(v) => v["t"].as_u64(),
            _ => None,
        })
        .collect();
    assert!(ts.len() > 100, "events carry t");
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
}

#[tokio::test]
async fn listen_without_bind_goes_from_closed_to_listen() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "listen", "sock": s})).await;
    c.expect_state(&s, "CLOSED", "LISTEN").await;
    let name = c.ok(json!({"op": "getsockname", "sock": s})).await;
    assert_ne!(port(&name["addr"]), 0, "listen binds an ephemeral port");
    assert_eq!(
        name["addr"][0], "127.0.0.1",
        "the implicit bind is loopback only"
    );
}

#[tokio::test]
async fn shutdown_and_fin_states() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;

    c.ok(json!({"op": "shutdown", "sock": cl, "how": "SHUT_WR"}))
        .await;
    c.expect_state(&cl, "ESTABLISHED", "FIN_WAIT").await;
    let closed = c.next_event_for("closed", &srv).await;
    assert_eq!(closed["reason"], "peer");
    c.expect_state(&srv, "ESTABLISHED", "CLOSE_WAIT").await;
    let eof = c
        .ok(json!({"op": "recv", "sock": srv, "bufsize": 10}))
        .await;
    assert!(bytes(&eof["data"]).is_empty());

    // Half-closed: srv can still send to cl.
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("late")}))
        .await;
    let got = c.ok(json!({"op": "recv", "sock": cl, "bufsize": 10})).await;
    assert_eq!(bytes(&got["data"]), b"late");

    // srv closes: cl in FIN_WAIT gets the peer's FIN and is CLOSED.
    c.ok(json!({"op": "close", "sock": srv})).await;
    c.expect_state(&cl, "FIN_WAIT", "CLOSED").await;
}

#[tokio::test]
async fn reset_by_peer() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, peer) = connected_to_test_peer(&mut c).await;
    peer.set_zero_linger().expect("SO_LINGER 0");
    drop(peer); // sends RST
    let closed = c.next_event_for("closed", &s).await;
    assert_eq!(closed["reason"], "reset", "{closed}");
}

#[tokio::test]
async fn data_events_have_bounded_previews() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, mut peer) = connected_to_test_peer(&mut c).await;
    let payload: Vec<u8> = (0..200u8).map(|i| b'a' + i % 26).collect();
    peer.write_all(&payload).await.expect("write");
    let mut n = 0;
    let mut first_preview = None;
    while n < payload.len() as u64 {
        let e = c
            .next_event_where("data", |e| e["sock"] == s && e["dir"] == "in")
            .await;
        n += e["n"].as_u64().expect("n");
        let p = bytes(&e["preview"]);
        assert!(p.len() <= 64, "preview is bounded: {} bytes", p.len());
        first_preview.get_or_insert(p);
    }
    assert_eq!(n, 200);
    let p = first_preview.expect("a data event");
    assert_eq!(p[..], payload[..p.len()], "preview is the first bytes");

    let sent = c
        .ok(json!({"op": "sendall", "sock": s, "data": {"b64": "AP8="}}))
        .await;
    assert_eq!(sent["n"], 2);
    let out = c
        .next_event_where("data", |e| e["sock"] == s && e["dir"] == "out")
        .await;
    assert_eq!(out["n"], 2);
    assert_eq!(read_exact(&mut peer, 2).await, [0, 255]);
}

#[tokio::test]
async fn incoming_names_the_peer() {
    let relay = start_default().await;
    let mut a = Client::connect(&relay).await;
    let (l, p) = listener(&mut a).await;
    let peer = tokio::net::TcpStream::connect(("127.0.0.1", p))
        .await
        .expect("connect to the relay's listener");
    let inc = a.next_event_for("incoming", &l).await;
    assert_eq!(inc["addr"], addr(peer.local_addr().expect("addr")));
    let acc = a.ok(json!({"op": "accept", "sock": l})).await;
    assert_eq!(acc["addr"], inc["addr"]);
}
