//! `socklab --class` (docs/class-hosting.md): the binary refuses to start
//! without a join token and starts with a token file on a loopback `--listen`
//! (as tests and the browser test run it); and on a class relay every access
//! rule gives its own error — no token, a wrong token, a wrong Origin, the
//! per-client cap, the auth deadline, a denied target — while port spaces keep
//! classmates apart. Rules that do not change in class mode are tested in
//! `limits.rs` and `policy.rs`; this file checks them on the class preset.

mod common;

use common::*;
use relay::class_preset;
use relay::config::Config;
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const TOKEN: &str = "room-42";

/// A class relay for tests: the preset, on loopback, labs on free ports.
fn class_config() -> Config {
    let mut config = Config::for_tests();
    config.token = Some(TOKEN.into());
    class_preset::apply(&mut config, |flag| flag == "listen").expect("the preset applies");
    config
}

async fn joined(relay: &relay::Running) -> Client {
    let mut c = Client::connect(relay).await;
    c.ok(json!({"op": "auth", "token": TOKEN})).await;
    c
}

#[tokio::test]
async fn the_binary_refuses_class_mode_without_a_token() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["--class", "--listen", "127.0.0.1:0", "--no-labs"])
        .env_remove("SOCKLAB_TOKEN")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = guard("socklab to exit", out).await.expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("socklab: --class needs a join token"),
        "{stderr}"
    );
    assert!(stderr.contains("--token-file PATH"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn the_binary_starts_a_class_on_loopback_with_a_token_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token.txt");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args([
            "--class",
            "--listen",
            "127.0.0.1:0",
            "--no-labs",
            "--token-file",
        ])
        .arg(&token_file)
        .env_remove("SOCKLAB_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("socklab starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Logs go to stdout too: the start-up line is the one that says so.
    let line = guard("the start-up line", async {
        loop {
            let line = lines.next_line().await.expect("read").expect("a line");
            if line.starts_with("socklab is running") {
                return line;
            }
        }
    })
    .await;
    let url = line
        .strip_prefix("socklab is running: open http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected start-up line: {line}"));
    let addr = url.parse().expect("an address");
    let mut c = Client::connect_addr(addr).await;
    assert_eq!(c.hello["policy"]["auth_required"], true);
    assert_eq!(c.hello["limits"]["max_handles"], class_preset::MAX_HANDLES);
    assert_eq!(
        c.hello["limits"]["max_sessions_per_ip"],
        class_preset::MAX_SESSIONS_PER_IP
    );
    c.err(json!({"op": "ping"}), "unauthorized").await;
    c.ok(json!({"op": "auth", "token": TOKEN})).await;
    c.ok(json!({"op": "ping"})).await;
    let help = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .arg("--help")
        .output()
        .await
        .expect("--help");
    let help = String::from_utf8_lossy(&help.stdout);
    for words in ["--class", "--port-spaces", "--tls-cert", "--tls-key"] {
        assert!(help.contains(words), "--help names {words}: {help}");
    }
}

#[tokio::test]
async fn every_access_rule_of_a_class_relay_gives_its_own_error() {
    let mut config = class_config();
    config.limits.max_sessions_per_ip = 2;
    config.budget.auth_timeout = Duration::from_millis(400);
    let relay = start(config).await;

    // No token yet: every op answers `unauthorized`, saying to authenticate.
    let mut c = Client::connect(&relay).await;
    let e = c.err(json!({"op": "socket"}), "unauthorized").await;
    assert!(
        e["message"].as_str().unwrap_or_default().contains("auth"),
        "{e}"
    );
    // A wrong token: `unauthorized` too; the right one lets the session in.
    c.err(json!({"op": "auth", "token": "room-41"}), "unauthorized")
        .await;
    c.ok(json!({"op": "auth", "token": TOKEN})).await;

    // The auth deadline: a session that never sends the token is closed (1008).
    let mut lurker = Client::connect(&relay).await;
    let (code, reason) = lurker.expect_close().await;
    assert_eq!(code, 1008);
    assert!(reason.contains("no `auth` within 0.4 s"), "{reason}");

    // The per-client cap: a third session from 127.0.0.1 gets `limit` and 1013.
    let _second = joined(&relay).await;
    let mut third = Client::connect_raw(relay.addr).await;
    let e = third.next_text().await;
    assert_eq!(
        (e["ev"].as_str(), e["code"].as_str()),
        (Some("error"), Some("limit")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--max-sessions-per-ip"),
        "{e}"
    );
    assert_eq!(third.expect_close().await.0, 1013);

    // A wrong Origin: HTTP 403 before any WebSocket, naming --allow-origin.
    let mut req = ws_url(relay.addr).into_client_request().expect("request");
    req.headers_mut()
        .insert("Origin", HeaderValue::from_static("http://evil.example"));
    match guard("upgrade", tokio_tungstenite::connect_async(req)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403);
            let body =
                String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("--allow-origin"), "{body}");
        }
        other => panic!("a foreign origin must be refused, got {other:?}"),
    }

    // Denied targets. A host service on loopback (ssh on 22) is a port this
    // session did not bind: refused as on an idle machine, nothing reached.
    let s = tcp_socket(&mut c).await;
    let e = c
        .err(
            json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", 22]}),
            "ECONNREFUSED",
        )
        .await;
    assert_eq!(e["message"], "Connection refused");
    // Beyond loopback: a policy denial in the learner's words, and the flag
    // for the host in `detail`.
    let e = c
        .err(
            json!({"op": "connect", "sock": s, "addr": ["192.0.2.1", 80]}),
            "not_allowed",
        )
        .await;
    let message = e["message"].as_str().unwrap_or_default();
    assert!(message.contains("only lets you connect to its labs"), "{e}");
    assert!(message.contains("the sockets your session bound"), "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("--allow-connect 192.0.2.1:80"),
        "{e}"
    );
    // A special address is denied in every class.
    c.err(
        json!({"op": "connect", "sock": s, "addr": ["169.254.169.254", 80]}),
        "not_allowed",
    )
    .await;
    // The labs stay reachable.
    let lab = c.lab("tcp_echo");
    c.ok(json!({"op": "connect", "sock": s, "addr": lab})).await;
}

#[tokio::test]
async fn classmates_cannot_reach_each_others_servers() {
    let relay = start(class_config()).await;
    let mut alice = joined(&relay).await;
    let mut bob = joined(&relay).await;
    let summary = alice.hello["policy"]["connect"].to_string();
    assert!(summary.contains("own port space"), "{summary}");
    // Alice serves on 20178; Bob has no server there.
    let l = tcp_socket(&mut alice).await;
    alice
        .ok(json!({"op": "bind", "sock": l, "addr": ["127.0.0.1", 20178]}))
        .await;
    alice.ok(json!({"op": "listen", "sock": l})).await;
    let s = tcp_socket(&mut bob).await;
    bob.err(
        json!({"op": "connect", "sock": s, "addr": ["127.0.0.1", 20178]}),
        "ECONNREFUSED",
    )
    .await;
    // Alice's own client gets in.
    let c = tcp_socket(&mut alice).await;
    alice
        .ok(json!({"op": "connect", "sock": c, "addr": ["127.0.0.1", 20178]}))
        .await;
    let acc = alice.ok(json!({"op": "accept", "sock": l})).await;
    assert!(acc["sock"].is_string());
}
