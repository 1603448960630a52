//! `smtp.*` and `pop3.*` against servers nobody here wrote (issue 15): Python's
//! `aiosmtpd` (PyPI, installed by `cargo xtask test` into `target/xtask-venv`, whose
//! python `SOCKLAB_MAIL_PYTHON` names) and a small POP3 server written with
//! Python's standard library (`tests/support/pop3_server.py`).

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

/// A Python server script of `tests/support`, its port, and its stdout.
struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start(python: &PathBuf, script: &str) -> Server {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/").to_owned() + script;
        let mut child = Command::new(python)
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let port = Self::read(&mut out)
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .expect("the server prints its port");
        Server { child, out, port }
    }

    fn read(out: &mut BufReader<ChildStdout>) -> String {
        let mut line = String::new();
        out.read_line(&mut line).expect("a line from the server");
        line
    }

    /// The next line the server prints (blocking: only after the relay answered).
    fn line(&mut self) -> String {
        Self::read(&mut self.out)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The python with `aiosmtpd`, or `None` (then the test says why it is skipped;
/// under CI it fails instead).
fn aiosmtpd_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SOCKLAB_MAIL_PYTHON").map(PathBuf::from),
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/xtask-venv/bin/python"
        ))),
    ];
    let found = candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is missing: cargo xtask test installs it into target/xtask-venv"
        );
        eprintln!(
            "skipped: no python with aiosmtpd (run cargo xtask test, or set SOCKLAB_MAIL_PYTHON)"
        );
    }
    found
}

#[tokio::test]
async fn smtplib_ops_against_aiosmtpd() {
    let Some(python) = aiosmtpd_python() else {
        return;
    };
    let mut server = Server::start(&python, "smtp_server.py");
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let ok = c
        .ok(json!({"op": "smtp.connect", "host": "127.0.0.1", "port": server.port}))
        .await;
    assert_eq!(ok["code"], 220, "{ok}");
    let m = ok["conn"].clone();
    let ehlo = c.ok(json!({"op": "smtp.ehlo", "conn": m})).await;
    assert!(
        ehlo["msg"].as_str().unwrap().contains("SIZE 2000"),
        "{ehlo}"
    );
    let e = c
        .err(
            json!({"op": "smtp.login", "conn": m, "user": "learner", "password": "x"}),
            "smtp.SMTPAuthenticationError",
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().starts_with("(535, b'"),
        "{e}"
    );
    let login = c
        .ok(json!({"op": "smtp.login", "conn": m, "user": "learner", "password": "learner"}))
        .await;
    assert_eq!(login["code"], 235, "{login}");
    let msg = "Subject: hello\n\n.leading dot\nend\n";
    let sent = c
        .ok(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "me@example.test",
                   "to_addrs": ["you@example.test", "x@elsewhere.test"], "msg": text(msg)}),
        )
        .await;
    assert_eq!(sent["refused"]["x@elsewhere.test"][0], 550, "{sent}");
    let got: Value = serde_json::from_str(&server.line()).unwrap();
    assert_eq!(got["to"], json!(["you@example.test"]));
    let data = got["data"].as_str().unwrap();
    assert!(
        data.contains("\n.leading dot"),
        "dot-unstuffed by aiosmtpd: {data:?}"
    );
    let e = c
        .err(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "me@example.test",
                    "to_addrs": ["x@elsewhere.test"], "msg": text("hi")}),
            "smtp.SMTPRecipientsRefused",
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("{'x@elsewhere.test': (550, b'5.7.1"),
        "{e}"
    );
    let big = "y".repeat(3000);
    let e = c
        .err(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "me@example.test",
                    "to_addrs": ["you@example.test"], "msg": text(&big)}),
            "smtp.SMTPSenderRefused",
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().starts_with("(552, b'"),
        "{e}"
    );
    assert_eq!(
        c.ok(json!({"op": "smtp.noop", "conn": m})).await["code"],
        250
    );
    assert_eq!(
        c.ok(json!({"op": "smtp.quit", "conn": m})).await["code"],
        221
    );
}

#[tokio::test]
async fn poplib_ops_against_a_stdlib_pop3_server() {
    let mut server = Server::start(&PathBuf::from("python3"), "pop3_server.py");
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let ok = c
        .ok(json!({"op": "pop3.connect", "host": "127.0.0.1", "port": server.port}))
        .await;
    assert_eq!(ok["welcome"], "+OK tiny stdlib pop3 ready");
    let p = ok["conn"].clone();
    c.ok(json!({"op": "pop3.user", "conn": p, "user": "alice"}))
        .await;
    let e = c
        .err(
            json!({"op": "pop3.pass_", "conn": p, "pswd": "nope"}),
            "pop3.error_proto",
        )
        .await;
    assert_eq!(e["message"], "b'-ERR [AUTH] bad login'");
    c.ok(json!({"op": "pop3.user", "conn": p, "user": "alice"}))
        .await;
    c.ok(json!({"op": "pop3.pass_", "conn": p, "pswd": "wonderland"}))
        .await;
    assert_eq!(
        c.ok(json!({"op": "pop3.stat", "conn": p})).await,
        json!({"count": 3, "size": 234})
    );
    let retr = c
        .ok(json!({"op": "pop3.retr", "conn": p, "which": 2}))
        .await;
    let lines: Vec<Vec<u8>> = retr["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(bytes)
        .collect();
    assert_eq!(lines[3], b".starts with a dot", "{retr}");
    assert_eq!(retr["octets"], 64);
    let top = c
        .ok(json!({"op": "pop3.top", "conn": p, "which": 1, "howmuch": 0}))
        .await;
    assert_eq!(top["lines"].as_array().unwrap().len(), 3, "{top}");
    let list = c.ok(json!({"op": "pop3.list", "conn": p})).await;
    assert_eq!(list["lines"].as_array().unwrap().len(), 3);
    assert_eq!(
        c.ok(json!({"op": "pop3.uidl", "conn": p, "which": 3}))
            .await["reply"],
        "+OK 3 uid2"
    );
    let capa = c.ok(json!({"op": "pop3.capa", "conn": p})).await;
    assert_eq!(capa["capa"]["TOP"], json!([]));
    c.ok(json!({"op": "pop3.dele", "conn": p, "which": 1}))
        .await;
    c.ok(json!({"op": "pop3.noop", "conn": p})).await;
    let e = c
        .err(
            json!({"op": "pop3.retr", "conn": p, "which": 9}),
            "pop3.error_proto",
        )
        .await;
    assert_eq!(e["reply"], "-ERR no such message");
    c.ok(json!({"op": "pop3.quit", "conn": p})).await;
    assert_eq!(server.line().trim(), "DELETED 1");
}
