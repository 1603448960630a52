//! Connect rules of a relay shared on the network (`--listen` beyond loopback):
//! sessions reach the labs and the sockets bound in this relay — while they are
//! open — but not the host's other loopback services; `--allow-connect` widens
//! that; a loopback relay still reaches every loopback port.
//!
//! The relay listens on 0.0.0.0:0 with a token (so nothing else can use it);
//! every byte of these tests goes to 127.0.0.1. Owns only these scenarios; the
//! pure decisions are tested in `relay/src/policy/tests.rs`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::{json, Value};
use std::net::SocketAddr;

const TOKEN: &str = "exposure-test-token";

/// A relay on every interface (port 0) with a token and labs on free ports.
fn network_config() -> Config {
    let mut config = Config::for_tests();
    config.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    config.token = Some(TOKEN.to_owned());
    config
}

/// A session with `relay`, reached through 127.0.0.1 and authenticated.
async fn session(relay: &relay::Running) -> Client {
    let mut c = Client::connect_addr(SocketAddr::from(([127, 0, 0, 1], relay.addr.port()))).await;
    c.ok(json!({"op": "auth", "token": TOKEN})).await;
    c
}

fn summary(c: &Client) -> Vec<String> {
    c.hello["policy"]["connect"]
        .as_array()
        .expect("policy.connect")
        .iter()
        .map(|v| v.as_str().expect("a line").to_owned())
        .collect()
}

/// A host service on loopback that is not a lab (ssh, redis, cups in real life).
async fn host_service() -> SocketAddr {
    echo_server("127.0.0.1:0").await.expect("echo server")
}

#[tokio::test]
async fn a_network_relay_denies_loopback_services_outside_its_labs() {
    let relay = start(network_config()).await;
    let mut c = session(&relay).await;
    let lines = summary(&c);
    assert!(
        lines.iter().any(|l| l.contains("(tcp_echo lab)")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("loopback ports bound by sockets in this relay")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("loopback, default")),
        "{lines:?}"
    );

    let service = host_service().await;
    let s = tcp_socket(&mut c).await;
    let e = c
        .err(
            json!({"op": "connect", "sock": s, "addr": addr(service)}),
            "not_allowed",
        )
        .await;
    let m = e["message"].as_str().expect("message");
    assert!(
        m.starts_with(&format!(
            "PermissionError: [Errno 13] Permission denied: connect to {service}: this \
             relay is shared on the network, so it only lets you connect to its labs and \
             to sockets bound in this relay (labs: "
        )),
        "{m}"
    );
    let d = e["detail"].as_str().expect("detail");
    assert!(d.ends_with(&format!("--allow-connect {service}")), "{d}");
    // `localhost` is checked the same way.
    c.err(
        json!({"op": "connect", "sock": s, "addr": ["localhost", service.port()]}),
        "not_allowed",
    )
    .await;
    // So are UDP datagrams and http.client connections.
    let u = udp_socket(&mut c).await;
    c.err(
        json!({"op": "sendto", "sock": u, "data": text("x"), "addr": addr(service)}),
        "not_allowed",
    )
    .await;

    // The labs are reachable.
    let lab = c.lab("tcp_echo");
    c.ok(json!({"op": "connect", "sock": s, "addr": lab})).await;
    c.ok(json!({"op": "sendall", "sock": s, "data": text("hi")}))
        .await;
    let got = c.ok(json!({"op": "recv", "sock": s, "bufsize": 2})).await;
    assert_eq!(bytes(&got["data"]), b"hi");
}

#[tokio::test]
async fn http_open_to_a_host_service_is_denied() {
    let relay = start(network_config()).await;
    let mut c = session(&relay).await;
    let service = host_service().await;
    let h = c
        .ok(json!({"op": "http.open", "host": "127.0.0.1", "port": service.port()}))
        .await["conn"]
        .as_str()
        .expect("conn")
        .to_owned();
    let e = c
        .err(
            json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}),
            "not_allowed",
        )
        .await;
    let m = e["message"].as_str().expect("message");
    assert!(m.starts_with("PermissionError: [Errno 13]"), "{m}");
}

#[tokio::test]
async fn sockets_bound_in_the_relay_are_reachable_while_open() {
    let relay = start(network_config()).await;
    let mut server = session(&relay).await;
    let mut client = session(&relay).await;

    // Another session's listener is reachable.
    let (l, p) = listener(&mut server).await;
    let s = tcp_socket(&mut client).await;
    client
        .ok(json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", p]}))
        .await;
    server.ok(json!({"op": "accept", "sock": l})).await;

    // Once the listener is closed its port is no longer this relay's.
    server.ok(json!({"op": "close", "sock": l})).await;
    let s2 = tcp_socket(&mut client).await;
    let e = client
        .err(
            json!({"op": "connect", "sock": s2, "addr": ["127.0.0.1", p]}),
            "not_allowed",
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("sockets bound in this relay")),
        "{e}"
    );

    // An implicit bind (listen without bind) counts too.
    let t = tcp_socket(&mut server).await;
    server
        .ok(json!({"op": "listen", "sock": t, "backlog": 1}))
        .await;
    let name = server.ok(json!({"op": "getsockname", "sock": t})).await;
    let s3 = tcp_socket(&mut client).await;
    client
        .ok(json!({"op": "connect", "sock": s3, "addr": ["127.0.0.1", port(&name["addr"])]}))
        .await;
}

#[tokio::test]
async fn udp_replies_reach_a_socket_bound_by_its_first_sendto() {
    let relay = start(network_config()).await;
    let mut c = session(&relay).await;
    let a = udp_socket(&mut c).await;
    let bound = c
        .ok(json!({"op": "bind", "sock": a, "addr": ["127.0.0.1", 0]}))
        .await;
    // `b` is bound by the kernel on its first sendto, not by `bind`.
    let b = udp_socket(&mut c).await;
    c.ok(json!({"op": "sendto", "sock": b, "data": text("ping"), "addr": bound["addr"]}))
        .await;
    let got: Value = c
        .ok(json!({"op": "recvfrom", "sock": a, "bufsize": 100}))
        .await;
    c.ok(json!({"op": "sendto", "sock": a, "data": text("pong"), "addr": got["addr"]}))
        .await;
    let back = c
        .ok(json!({"op": "recvfrom", "sock": b, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&back["data"]), b"pong");
}

#[tokio::test]
async fn allow_connect_widens_a_network_relay() {
    let service = host_service().await;
    let mut config = network_config();
    config.allow_connect = vec![format!("127.0.0.1:{}", service.port())
        .parse()
        .expect("rule")];
    let relay = start(config).await;
    let mut c = session(&relay).await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(service)}))
        .await;
}

#[tokio::test]
async fn a_loopback_relay_reaches_every_loopback_port() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    assert!(
        summary(&c)
            .iter()
            .any(|l| l == "127.0.0.0/8, any port (loopback, default)"),
        "{:?}",
        summary(&c)
    );
    let service = host_service().await;
    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(service)}))
        .await;
}
