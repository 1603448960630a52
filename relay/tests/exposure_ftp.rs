//! The FTP lab's passive range (`ftp_passive` .. +99) through the WebSocket:
//! sessions may not bind it (libunftp binds those ports for `PASV` and would
//! collide with a learner's socket), and a relay shared on the network lets
//! sessions connect to it, so passive transfers with the lab keep working there.
//!
//! Labs here use a fixed passive base (the default test labs use 0, an ephemeral
//! port per `PASV`, which has no range to reserve). Owns only these scenarios.

mod common;

use common::*;
use relay::config::{Config, LabPorts};
use serde_json::json;
use std::net::{SocketAddr, TcpListener};

/// A base port whose 100 TCP ports on 127.0.0.1 are all free right now.
fn free_window() -> u16 {
    let mut base = 31000u16;
    while base <= 60000 {
        let held: Vec<TcpListener> = (base..base + 100)
            .map_while(|p| TcpListener::bind(("127.0.0.1", p)).ok())
            .collect();
        if held.len() == 100 {
            return base;
        }
        base += 100;
    }
    panic!("no free window of 100 ports on 127.0.0.1");
}

fn labs_with_passive(base: u16) -> LabPorts {
    LabPorts {
        ftp_passive: base,
        ..LabPorts::EPHEMERAL
    }
}

#[tokio::test]
async fn sessions_may_not_bind_the_ftp_passive_range() {
    // The range is refused by policy whether or not its ports are free, so any
    // base works here.
    let base = 47100;
    let mut config = Config::for_tests();
    config.labs = Some(labs_with_passive(base));
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let bind_lines = c.hello["policy"]["bind"].to_string();
    assert!(
        bind_lines.contains("47100-47199 (ftp lab passive ports)"),
        "{bind_lines}"
    );

    let s = tcp_socket(&mut c).await;
    for p in [base, base + 50, base + 99] {
        let e = c
            .err(
                json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", p]}),
                "not_allowed",
            )
            .await;
        assert_eq!(
            e["message"],
            format!(
                "bind to 127.0.0.1:{p} is denied: port {p} is used by the relay's ftp lab \
                 passive ports 47100-47199; pick another port"
            )
        );
    }
    // UDP sockets and all-interfaces binds are refused as well.
    let u = udp_socket(&mut c).await;
    c.err(
        json!({"op": "bind", "sock": u, "addr": ["", base + 1]}),
        "not_allowed",
    )
    .await;
}

#[tokio::test]
async fn a_network_relay_lets_passive_transfers_reach_the_ftp_lab() {
    let mut config = Config::for_tests();
    config.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    config.insecure_no_token = true;
    config.labs = Some(labs_with_passive(free_window()));
    let relay = start(config).await;
    let mut c = Client::connect_addr(SocketAddr::from(([127, 0, 0, 1], relay.addr.port()))).await;
    let ftp = port(&c.lab("ftp"));
    let ok = c
        .ok(json!({"op": "ftp.connect", "host": "127.0.0.1", "port": ftp, "timeout": 10}))
        .await;
    let conn = ok["conn"].as_str().expect("conn").to_owned();
    c.ok(json!({"op": "ftp.login", "conn": conn, "user": "anonymous", "passwd": ""}))
        .await;
    // nlst opens a passive data connection to a port of the range.
    let ok = c.ok(json!({"op": "ftp.nlst", "conn": conn})).await;
    assert!(ok["names"].to_string().contains("welcome.txt"), "{ok}");
}
