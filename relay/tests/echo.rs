//! Echo exchanges through the relay: the server/client pair of the classic Python
//! socket tutorial this workbench follows (in one session and across two), a plain
//! echo server of the test over IPv4 and IPv6, `connect` vs `connect_ex` on a closed
//! port, and UDP echo.
//!
//! Owns only these end-to-end scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;

/// The tutorial's server: socket, bind, listen(5). The tutorial binds 20178; the test
/// binds port 0 so that parallel tests never collide (the port is read from the
/// bind reply, as a learner would from `getsockname`).
async fn tutorial_server(c: &mut Client) -> (String, u16) {
    let s = tcp_socket(c).await;
    let ok = c
        .ok(json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 0]}))
        .await;
    assert_eq!(ok["addr"][0], "127.0.0.1");
    let p = port(&ok["addr"]);
    assert_ne!(p, 0, "bind reply shows the real port");
    c.expect_state(&s, "CLOSED", "BOUND").await;
    c.ok(json!({"op": "listen", "sock": s, "backlog": 5})).await;
    c.expect_state(&s, "BOUND", "LISTEN").await;
    (s, p)
}

/// Client side: connect, with SYN_SENT then ESTABLISHED before the reply.
async fn tutorial_connect(c: &mut Client, p: u16) -> String {
    let s = tcp_socket(c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p]}))
        .await;
    let syn = c
        .log_position(|v| v["ev"] == "state" && v["sock"] == s && v["to"] == "SYN_SENT")
        .expect("SYN_SENT state event");
    let est = c
        .log_position(|v| v["ev"] == "state" && v["sock"] == s && v["to"] == "ESTABLISHED")
        .expect("ESTABLISHED state event before the connect reply");
    assert!(syn < est);
    c.expect_state(&s, "CLOSED", "SYN_SENT").await;
    c.expect_state(&s, "SYN_SENT", "ESTABLISHED").await;
    s
}

/// The tutorial's exchange with `srv` (server session) and `cli` (client session),
/// which may be the same client. Written as a macro so the two clients can be one.
macro_rules! tutorial_exchange {
    ($srv:expr, $cli:expr) => {{
        let (listener, p) = tutorial_server($srv).await;
        // conn, address = sock.accept() — pending until the client connects.
        let accept_id = $srv.send(json!({"op": "accept", "sock": listener})).await;
        let client = tutorial_connect($cli, p).await;
        let client_name = $cli
            .ok(json!({"op": "getsockname", "sock": client}))
            .await;

        let incoming = $srv.next_event_for("incoming", &listener).await;
        assert_eq!(incoming["addr"], client_name["addr"]);
        let accepted = $srv.reply(accept_id).await;
        let accepted = accepted["ok"].clone();
        assert_eq!(accepted["addr"], client_name["addr"], "accept returns the client's address");
        let conn = accepted["sock"].as_str().expect("accepted handle").to_owned();
        $srv.expect_state(&conn, "CLOSED", "ESTABLISHED").await;

        // sock.send("hello") on the client.
        let sent = $cli
            .ok(json!({"op": "send", "sock": client, "data": text("hello")}))
            .await;
        assert_eq!(sent["n"], 5);
        let out = $cli.next_event_for("data", &client).await;
        assert_eq!((out["dir"].as_str(), out["n"].as_u64()), (Some("out"), Some(5)));

        // data = conn.recv(100) on the server.
        let got = $srv
            .ok(json!({"op": "recv", "sock": conn, "bufsize": 100}))
            .await;
        assert_eq!(bytes(&got["data"]), b"hello");
        let inn = $srv.next_event_for("data", &conn).await;
        assert_eq!(inn["dir"], "in");
        assert_eq!(inn["n"], 5);
        assert_eq!(bytes(&inn["preview"]), b"hello");

        // conn.send(data): echo it back.
        let sent = $srv
            .ok(json!({"op": "send", "sock": conn, "data": got["data"]}))
            .await;
        assert_eq!(sent["n"], 5);

        // data = sock.recv(98) on the client.
        let back = $cli
            .ok(json!({"op": "recv", "sock": client, "bufsize": 98}))
            .await;
        assert_eq!(bytes(&back["data"]), b"hello");

        // sock.close() on the client: the server sees the peer close.
        $cli.ok(json!({"op": "close", "sock": client})).await;
        $cli.expect_state(&client, "ESTABLISHED", "CLOSED").await;
        let closed = $srv.next_event_for("closed", &conn).await;
        assert_eq!(closed["reason"], "peer");
        $srv.expect_state(&conn, "ESTABLISHED", "CLOSE_WAIT").await;
        // `if not data: break`
        let eof = $srv
            .ok(json!({"op": "recv", "sock": conn, "bufsize": 100}))
            .await;
        assert!(bytes(&eof["data"]).is_empty(), "recv after peer close is b''");
        $srv.ok(json!({"op": "close", "sock": conn})).await;
        $srv.ok(json!({"op": "close", "sock": listener})).await;
        $srv.expect_state(&listener, "LISTEN", "CLOSED").await;
    }};
}

#[tokio::test]
async fn tutorial_echo_in_one_session() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    tutorial_exchange!(&mut c, &mut c);
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn tutorial_echo_across_two_sessions() {
    let relay = start_default().await;
    let mut server = Client::connect(&relay).await;
    let mut client = Client::connect(&relay).await;
    assert_ne!(
        server.hello["session"], client.hello["session"],
        "each session has its own id"
    );
    tutorial_exchange!(&mut server, &mut client);
}

/// Connects to `echo` (a test echo server) from the relay and echoes a few messages.
async fn echo_through_relay(c: &mut Client, family: &str, echo: std::net::SocketAddr) {
    let s = c
        .ok(json!({"op": "socket", "family": family, "type": "SOCK_STREAM"}))
        .await["sock"]
        .as_str()
        .expect("sock")
        .to_owned();
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(echo)}))
        .await;
    let peer = c.ok(json!({"op": "getpeername", "sock": s})).await;
    assert_eq!(peer["addr"], addr(echo));
    for msg in ["hello", "héllo wörld", "third\n"] {
        let sent = c
            .ok(json!({"op": "sendall", "sock": s, "data": text(msg)}))
            .await;
        assert_eq!(sent["n"], msg.len());
        let mut got = Vec::new();
        while got.len() < msg.len() {
            let r = c
                .ok(json!({"op": "recv", "sock": s, "bufsize": 1024}))
                .await;
            let b = bytes(&r["data"]);
            assert!(!b.is_empty(), "echo server closed early");
            got.extend(b);
        }
        assert_eq!(got, msg.as_bytes());
    }
    c.ok(json!({"op": "close", "sock": s})).await;
}

#[tokio::test]
async fn plain_echo_server_over_ipv4() {
    let relay = start_default().await;
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;
    echo_through_relay(&mut c, "AF_INET", echo).await;
}

#[tokio::test]
async fn plain_echo_server_over_ipv6() {
    if !ipv6_loopback_available().await {
        eprintln!("skipped: ::1 is not available on this machine");
        return;
    }
    let relay = start_default().await;
    let echo = echo_server("[::1]:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;
    echo_through_relay(&mut c, "AF_INET6", echo).await;
}

#[tokio::test]
async fn connect_raises_but_connect_ex_returns_errno_on_a_closed_port() {
    let relay = start_default().await;
    let p = closed_port().await;
    let mut c = Client::connect(&relay).await;

    let s = tcp_socket(&mut c).await;
    let err = c
        .err(
            json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p]}),
            "ECONNREFUSED",
        )
        .await;
    assert_eq!(err["errno"], 111);
    c.expect_state(&s, "CLOSED", "SYN_SENT").await;
    c.expect_state(&s, "SYN_SENT", "CLOSED").await;

    let s2 = tcp_socket(&mut c).await;
    let ok = c
        .ok(json!({"op": "connect_ex", "sock": s2, "addr": ["127.0.0.1", p]}))
        .await;
    assert_eq!(ok, json!({"errno": 111}));

    // And connect_ex to a live listener returns 0.
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let s3 = tcp_socket(&mut c).await;
    let ok = c
        .ok(json!({"op": "connect_ex", "sock": s3, "addr": addr(echo)}))
        .await;
    assert_eq!(ok, json!({"errno": 0}));
}

#[tokio::test]
async fn udp_echo_lab() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("udp_echo");
    let u = udp_socket(&mut c).await;
    let sent = c
        .ok(json!({"op": "sendto", "sock": u, "data": text("ping"), "addr": lab}))
        .await;
    assert_eq!(sent["n"], 4);
    let got = c
        .ok(json!({"op": "recvfrom", "sock": u, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), b"ping");
    assert_eq!(got["addr"], lab, "the datagram comes from the lab");
}

#[tokio::test]
async fn udp_pair_inside_the_relay() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let a = udp_socket(&mut c).await;
    let bound = c
        .ok(json!({"op": "bind", "sock": a, "addr": ["127.0.0.1", 0]}))
        .await;
    c.expect_state(&a, "CLOSED", "BOUND").await;
    let b = udp_socket(&mut c).await;

    let sent = c
        .ok(json!({"op": "sendto", "sock": b, "data": {"b64": "AAEC/w=="}, "addr": bound["addr"]}))
        .await;
    assert_eq!(sent["n"], 4);
    let b_name = c.ok(json!({"op": "getsockname", "sock": b})).await;
    let got = c
        .ok(json!({"op": "recvfrom", "sock": a, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), [0, 1, 2, 255]);
    assert!(
        got["data"].get("b64").is_some(),
        "non-UTF-8 bytes come as b64"
    );
    // The kernel names the sender 127.0.0.1; getsockname of the implicitly bound
    // socket may say 0.0.0.0 (as in Python), so compare the ports.
    assert_eq!(got["addr"][0], "127.0.0.1");
    assert_eq!(port(&got["addr"]), port(&b_name["addr"]));

    // Answer to the sender's address.
    c.ok(json!({"op": "sendto", "sock": a, "data": text("pong"), "addr": got["addr"]}))
        .await;
    let back = c
        .ok(json!({"op": "recvfrom", "sock": b, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&back["data"]), b"pong");
    assert_eq!(back["addr"], bound["addr"]);

    // A connected UDP socket uses send/recv.
    c.ok(json!({"op": "connect", "sock": b, "addr": bound["addr"]}))
        .await;
    c.next_event_where("state", |e| e["sock"] == b && e["to"] == "ESTABLISHED")
        .await;
    c.ok(json!({"op": "send", "sock": b, "data": text("again")}))
        .await;
    let got = c.ok(json!({"op": "recv", "sock": a, "bufsize": 100})).await;
    assert_eq!(bytes(&got["data"]), b"again");
}
