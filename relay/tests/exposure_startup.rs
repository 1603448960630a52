//! Start-up safety: a relay asked to listen beyond loopback without a token
//! refuses to start — from the command line (exit status 2, a message naming
//! `--token-file` and `--insecure-no-token`) and from `relay::start` — before it
//! binds anything. Owns only these scenarios; `Config::validate` itself is unit
//! tested in `relay/src/config.rs`.

mod common;

use common::*;
use relay::config::Config;
use std::net::SocketAddr;
use std::process::Stdio;

#[tokio::test]
async fn the_binary_refuses_a_network_listen_without_a_token() {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["--listen", "0.0.0.0:0", "--no-labs"])
        .env_remove("SOCKLAB_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("socklab starts");
    let out = guard("socklab to exit", child.wait_with_output())
        .await
        .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "socklab: refusing to listen on 0.0.0.0:0 without a session token: anyone \
             who can reach this address could open sockets through this machine."
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--token-file PATH"), "{stderr}");
    assert!(stderr.contains("--insecure-no-token"), "{stderr}");
    assert!(out.stdout.is_empty(), "it never said it was running");
}

#[tokio::test]
async fn the_help_explains_the_flag() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .arg("--help")
        .output()
        .await
        .expect("socklab --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--insecure-no-token"), "{help}");
    assert!(help.contains("network you trust"), "{help}");
}

#[tokio::test]
async fn start_refuses_a_network_listen_without_a_token() {
    let mut config = Config::for_tests();
    config.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    let e = match relay::start(config.clone()).await {
        Ok(_) => panic!("a tokenless relay on 0.0.0.0 must not start"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("--insecure-no-token"), "{e}");

    // Saying so explicitly starts it.
    config.insecure_no_token = true;
    let relay = start(config).await;
    let c = Client::connect_addr(SocketAddr::from(([127, 0, 0, 1], relay.addr.port()))).await;
    assert_eq!(c.hello["policy"]["auth_required"], false);
}
