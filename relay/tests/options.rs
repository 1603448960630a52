//! Socket options, modes, addresses and kernel TCP_INFO: `setsockopt` /
//! `getsockopt` round trips against the real kernel, Python's errors for a wrong
//! level, `tcp_info` on a live connection, `getsockname` / `getpeername`, and the
//! arguments Python refuses (`AF_UNIX`, a negative timeout).
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn options_round_trip_through_the_kernel() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    for (level, name) in [
        ("SOL_SOCKET", "SO_REUSEADDR"),
        ("SOL_SOCKET", "SO_KEEPALIVE"),
        ("IPPROTO_TCP", "TCP_NODELAY"),
    ] {
        let before = c
            .ok(json!({"op": "getsockopt", "sock": s, "level": level, "name": name}))
            .await;
        assert_eq!(before["value"], 0, "{name} starts off");
        c.ok(json!({"op": "setsockopt", "sock": s, "level": level, "name": name, "value": 1}))
            .await;
        let after = c
            .ok(json!({"op": "getsockopt", "sock": s, "level": level, "name": name}))
            .await;
        assert_eq!(after["value"], 1, "{name} reads back as set");
    }
    // The kernel doubles SO_RCVBUF for its bookkeeping, as Python shows too.
    c.ok(json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": "SO_RCVBUF", "value": 65536}))
        .await;
    let rcvbuf = c
        .ok(json!({"op": "getsockopt", "sock": s, "level": "SOL_SOCKET", "name": "SO_RCVBUF"}))
        .await;
    assert_eq!(rcvbuf["value"], 131072);
    // `true` is accepted for 1, as Python accepts True.
    c.ok(json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": "SO_BROADCAST", "value": true}))
        .await;
}

#[tokio::test]
async fn an_option_at_the_wrong_level_is_enoprotoopt() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    let err = c
        .err(
            json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": "TCP_NODELAY", "value": 1}),
            "ENOPROTOOPT",
        )
        .await;
    assert_eq!(err["errno"], 92);
}

#[tokio::test]
async fn options_set_before_connect_apply_to_the_connection() {
    let relay = start_default().await;
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "setsockopt", "sock": s, "level": "IPPROTO_TCP", "name": "TCP_NODELAY", "value": 1}))
        .await;
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(echo)}))
        .await;
    let v = c
        .ok(json!({"op": "getsockopt", "sock": s, "level": "IPPROTO_TCP", "name": "TCP_NODELAY"}))
        .await;
    assert_eq!(v["value"], 1);
}

#[tokio::test]
async fn tcp_info_reads_the_kernel_state_of_a_live_connection() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, cl, srv) = tcp_pair(&mut c).await;
    c.ok(json!({"op": "sendall", "sock": cl, "data": text("ping")}))
        .await;
    let got = c
        .ok(json!({"op": "recv", "sock": srv, "bufsize": 10}))
        .await;
    assert_eq!(bytes(&got["data"]), b"ping");
    let info = c.ok(json!({"op": "tcp_info", "sock": cl})).await;
    assert_eq!(info["state"], "ESTABLISHED");
    for field in [
        "rtt_us",
        "rttvar_us",
        "snd_cwnd",
        "snd_mss",
        "rcv_mss",
        "retransmits",
        "total_retrans",
        "unacked",
        "lost",
    ] {
        assert!(info[field].is_u64(), "tcp_info.{field} missing in {info}");
    }
    assert!(info["snd_cwnd"].as_u64().unwrap_or(0) > 0);
    let listening = c.ok(json!({"op": "tcp_info", "sock": l})).await;
    assert_eq!(listening["state"], "LISTEN");
    // After our FIN, the kernel's own state name shows the close in progress.
    c.ok(json!({"op": "shutdown", "sock": cl, "how": "SHUT_WR"}))
        .await;
    c.next_event_where("closed", |e| e["sock"] == srv).await;
    let closing = c.ok(json!({"op": "tcp_info", "sock": cl})).await;
    // FIN_WAIT1 until the peer's ACK of our FIN arrives (it may be delayed).
    assert!(
        closing["state"] == "FIN_WAIT1" || closing["state"] == "FIN_WAIT2",
        "{closing}"
    );
    let udp = udp_socket(&mut c).await;
    c.err(json!({"op": "tcp_info", "sock": udp}), "ENOPROTOOPT")
        .await;
}

#[tokio::test]
async fn names_of_both_ends() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, cl, srv) = tcp_pair(&mut c).await;
    let listen_name = c.ok(json!({"op": "getsockname", "sock": l})).await;
    let client_peer = c.ok(json!({"op": "getpeername", "sock": cl})).await;
    assert_eq!(listen_name["addr"], client_peer["addr"]);
    let client_name = c.ok(json!({"op": "getsockname", "sock": cl})).await;
    let server_peer = c.ok(json!({"op": "getpeername", "sock": srv})).await;
    assert_eq!(client_name["addr"], server_peer["addr"]);
    assert_eq!(client_name["addr"][0], "127.0.0.1");
    c.err(json!({"op": "getpeername", "sock": l}), "ENOTCONN")
        .await;
    let fresh = tcp_socket(&mut c).await;
    let unbound = c.ok(json!({"op": "getsockname", "sock": fresh})).await;
    assert_eq!(
        unbound["addr"],
        json!(["0.0.0.0", 0]),
        "Python shows ('0.0.0.0', 0)"
    );
}

#[tokio::test]
async fn arguments_python_refuses() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let err = c
        .err(
            json!({"op": "socket", "family": "AF_UNIX", "type": "SOCK_STREAM"}),
            "not_allowed",
        )
        .await;
    assert!(err["message"].as_str().unwrap_or("").contains("AF_UNIX"));
    let s = tcp_socket(&mut c).await;
    let err = c
        .err(
            json!({"op": "settimeout", "sock": s, "timeout": -1}),
            "bad_request",
        )
        .await;
    assert!(err["message"].as_str().unwrap_or("").contains("ValueError"));
    c.err(
        json!({"op": "socket", "type": "SOCK_STREAM", "proto": 17}),
        "EINVAL",
    )
    .await;
    // The session is unaffected by all of that.
    c.ok(json!({"op": "settimeout", "sock": s, "timeout": 1.5}))
        .await;
}
