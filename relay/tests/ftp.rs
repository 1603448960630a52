//! ftplib through the relay, against the relay's own FTP lab (libunftp) and
//! against pyftpdlib (an FTP server nobody here wrote, installed with pip when
//! missing and started by the test on 127.0.0.1 with a temporary directory):
//! welcome and login, pwd/cwd/mkd/rmd, list and nlst, rename, delete, size, a
//! 5 MiB upload and download with equal SHA-256 in passive and active mode, the
//! 550 of a missing file as `ftp.error_perm`, a transcript without the password,
//! abort during a transfer, and the policy denying a PASV address.
//!
//! Owns only these scenarios; the WebSocket harness lives in `common/`.

mod common;

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PY_USER: &str = "alice";
const PY_PASS: &str = "s3cret-pw";

/// The lab's binary sample, as `labs/ftp.rs` writes it.
fn lab_sample() -> Vec<u8> {
    (0..1usize << 20)
        .map(|i| (i.wrapping_mul(7) ^ (i >> 8)) as u8)
        .collect()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i as u64).wrapping_mul(2654435761) >> 13) as u8 ^ seed)
        .collect()
}

fn sha(b: &[u8]) -> Vec<u8> {
    Sha256::digest(b).to_vec()
}

// ---- pyftpdlib ----

const PYFTPD: &str = r#"
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
root, user, pw, masq = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
a = DummyAuthorizer()
a.add_user(user, pw, root, perm="elradfmwMT")
a.add_anonymous(root)
class H(FTPHandler):
    pass
H.authorizer = a
H.banner = "pyftpdlib ready"
if masq:
    H.masquerade_address = masq
s = FTPServer(("127.0.0.1", 0), H)
print(s.socket.getsockname()[1], flush=True)
s.serve_forever()
"#;

/// Installs pyftpdlib with pip unless Python can import it already.
fn ensure_pyftpdlib() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let have = std::process::Command::new("python3")
            .args(["-c", "import pyftpdlib"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            let st = std::process::Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "pyftpdlib"])
                .status()
                .expect("python3 -m pip runs");
            assert!(st.success(), "pip install pyftpdlib failed");
        }
    });
}

/// A pyftpdlib server on 127.0.0.1 serving `root`; killed when dropped.
struct PyFtpd {
    _child: Child,
    port: u16,
}

async fn pyftpd(root: &Path, masquerade: &str) -> PyFtpd {
    tokio::task::spawn_blocking(ensure_pyftpdlib)
        .await
        .expect("pip");
    let mut child = Command::new("python3")
        .args(["-c", PYFTPD])
        .arg(root)
        .args([PY_USER, PY_PASS, masquerade])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 starts");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    guard("pyftpdlib port", BufReader::new(out).read_line(&mut line))
        .await
        .expect("read port");
    let port = line.trim().parse().expect("pyftpdlib prints its port");
    PyFtpd {
        _child: child,
        port,
    }
}

// ---- ftplib helpers ----

async fn connect(c: &mut Client, port: u16) -> (String, String) {
    let ok = c
        .ok(json!({"op": "ftp.connect", "host": "127.0.0.1", "port": port, "timeout": 10}))
        .await;
    let conn = ok["conn"].as_str().expect("conn handle").to_owned();
    assert!(conn.starts_with('f'), "{ok}");
    (conn, ok["welcome"].as_str().expect("welcome").to_owned())
}

async fn login(c: &mut Client, conn: &str, user: &str, passwd: &str) -> String {
    let ok = c
        .ok(json!({"op": "ftp.login", "conn": conn, "user": user, "passwd": passwd}))
        .await;
    let reply = ok["reply"].as_str().expect("reply").to_owned();
    assert!(reply.starts_with("230"), "{reply}");
    reply
}

/// `retrbinary` with binary frames: the bytes and the ok body.
async fn download(c: &mut Client, conn: &str, name: &str) -> (Vec<u8>, Value) {
    let ok = c
        .ok(
            json!({"op": "ftp.retrbinary", "conn": conn, "cmd": format!("RETR {name}"),
                   "blocksize": 65536, "frames": true}),
        )
        .await;
    let n = ok["bytes"].as_u64().expect("bytes") as usize;
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        let f = c.next_binary().await;
        let (h, payload) = shared::binary::decode(&f).expect("binary frame");
        assert_eq!(h, conn);
        got.extend_from_slice(payload);
    }
    assert_eq!(got.len(), n);
    (got, ok)
}

/// `storbinary` with `size` and the bytes as binary frames.
async fn upload(c: &mut Client, conn: &str, name: &str, bytes: &[u8]) -> Value {
    let id = c
        .send(
            json!({"op": "ftp.storbinary", "conn": conn, "cmd": format!("STOR {name}"),
                     "size": bytes.len()}),
        )
        .await;
    for chunk in bytes.chunks(64 << 10) {
        c.send_to(conn, chunk).await;
    }
    let r = c.reply(id).await;
    assert!(r.get("ok").is_some(), "upload failed: {r}");
    assert_eq!(r["ok"]["bytes"], bytes.len(), "{r}");
    assert!(
        r["ok"]["reply"].as_str().unwrap_or("").starts_with("226"),
        "{r}"
    );
    r["ok"].clone()
}

/// Lines of the `ftp.line` events in `c.log[from..]`.
fn lines_since(c: &Client, from: usize) -> Vec<String> {
    c.log[from..]
        .iter()
        .filter_map(|s| match s {
            Seen::Text(v) if v["ev"] == "ftp.line" => v["line"].as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// The `wire` events seen so far: (channel, dir, text).
fn wire(c: &Client) -> Vec<(String, String, String)> {
    c.log
        .iter()
        .filter_map(|s| match s {
            Seen::Text(v) if v["ev"] == "wire" => Some((
                v["channel"].as_str().unwrap_or("").to_owned(),
                v["dir"].as_str().unwrap_or("").to_owned(),
                String::from_utf8_lossy(&bytes(&v["data"])).into_owned(),
            )),
            _ => None,
        })
        .collect()
}

/// The round trip of the issue: 5 MiB up and down with equal SHA-256, in the
/// mode `set_pasv(passive)` selects.
async fn round_trip_5mib(c: &mut Client, conn: &str, passive: bool) {
    c.ok(json!({"op": "ftp.set_pasv", "conn": conn, "val": passive}))
        .await;
    let name = if passive {
        "up-pasv.bin"
    } else {
        "up-port.bin"
    };
    let data = pattern(5 << 20, u8::from(passive));
    let before = c.log.len();
    upload(c, conn, name, &data).await;
    let ok = c
        .ok(json!({"op": "ftp.size", "conn": conn, "name": name}))
        .await;
    assert_eq!(ok["size"], data.len());
    let (got, _) = download(c, conn, name).await;
    assert_eq!(
        sha(&got),
        sha(&data),
        "SHA-256 differs after the round trip"
    );
    let sent: Vec<String> = wire(c)
        .into_iter()
        .filter(|(ch, d, _)| ch == "control" && d == "out")
        .map(|(_, _, t)| t)
        .collect();
    let mode_cmd = if passive { "PASV" } else { "PORT " };
    assert!(
        sent.iter().any(|t| t.starts_with(mode_cmd)),
        "{mode_cmd} not sent: {sent:?}"
    );
    let data_opens = c.log[before..]
        .iter()
        .filter(|s| matches!(s, Seen::Text(v) if v["ev"] == "wire" && v["channel"] == "data"
            && bytes(&v["data"]).starts_with(if passive { b"open passive" } else { b"open active" })))
        .count();
    assert_eq!(data_opens, 2, "one data connection per transfer");
}

/// The operations of the issue on a writable account.
async fn file_operations(c: &mut Client, conn: &str) {
    let ok = c
        .ok(json!({"op": "ftp.mkd", "conn": conn, "dirname": "work"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("257"),
        "{ok}"
    );
    // ftplib's parse257 finds the path only when it is quoted (pyftpdlib quotes
    // it, libunftp does not: then `path` is "", as in Python).
    assert!(ok["reply"].as_str().unwrap_or("").contains("work"), "{ok}");
    let ok = c
        .ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": "work"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("250"),
        "{ok}"
    );
    let ok = c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
    assert!(ok["path"].as_str().unwrap_or("").ends_with("/work"), "{ok}");

    let ok = c
        .ok(
            json!({"op": "ftp.storlines", "conn": conn, "cmd": "STOR notes.txt",
                   "data": text("one\ntwo\r\nthree")}),
        )
        .await;
    assert_eq!(ok["bytes"], "one\r\ntwo\r\nthree\r\n".len(), "{ok}");
    let before = c.log.len();
    c.ok(json!({"op": "ftp.retrlines", "conn": conn, "cmd": "RETR notes.txt"}))
        .await;
    assert_eq!(lines_since(c, before), ["one", "two", "three"]);

    let ok = c
        .ok(json!({"op": "ftp.rename", "conn": conn, "fromname": "notes.txt", "toname": "renamed.txt"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("250"),
        "{ok}"
    );
    let ok = c.ok(json!({"op": "ftp.nlst", "conn": conn})).await;
    let names: Vec<&str> = ok["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(names.iter().any(|n| n.ends_with("renamed.txt")), "{ok}");
    assert!(!names.iter().any(|n| n.ends_with("notes.txt")), "{ok}");
    let before = c.log.len();
    c.ok(json!({"op": "ftp.dir", "conn": conn})).await;
    let listing = lines_since(c, before);
    assert!(
        listing.iter().any(|l| l.contains("renamed.txt")),
        "{listing:?}"
    );

    // retrlines left the server in TYPE A, where some servers refuse SIZE.
    c.ok(json!({"op": "ftp.voidcmd", "conn": conn, "cmd": "TYPE I"}))
        .await;
    let ok = c
        .ok(json!({"op": "ftp.size", "conn": conn, "name": "renamed.txt"}))
        .await;
    // 17 bytes as sent in TYPE A, or 14 when the server stores LF line ends.
    let size = ok["size"].as_u64();
    assert!(size == Some(17) || size == Some(14), "{ok}");
    let ok = c
        .ok(json!({"op": "ftp.delete", "conn": conn, "name": "renamed.txt"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("250"),
        "{ok}"
    );
    let ok = c
        .ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": ".."}))
        .await;
    assert!(ok["reply"].as_str().unwrap_or("").starts_with('2'), "{ok}");
    let ok = c
        .ok(json!({"op": "ftp.rmd", "conn": conn, "dirname": "work"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("250"),
        "{ok}"
    );
}

/// A missing file: `ftp.error_perm` carrying the server's 550 reply.
async fn missing_file(c: &mut Client, conn: &str) {
    let err = c
        .err(
            json!({"op": "ftp.retrbinary", "conn": conn, "cmd": "RETR no-such-file.txt"}),
            "ftp.error_perm",
        )
        .await;
    assert!(
        err["reply"].as_str().unwrap_or("").starts_with("550"),
        "{err}"
    );
    // The connection is still usable.
    c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
}

/// `abort` while a long download streams: abort answers 426/225/226, the
/// transfer stops early, and the control channel stays in step.
async fn abort_during_transfer(c: &mut Client, conn: &str, name: &str, size: usize) {
    let id = c
        .send(
            json!({"op": "ftp.retrbinary", "conn": conn, "cmd": format!("RETR {name}"),
                     "blocksize": 1024}),
        )
        .await;
    c.next_event_where("ftp.block", |e| e["conn"] == conn).await;
    let ok = c.ok(json!({"op": "ftp.abort", "conn": conn})).await;
    let reply = ok["reply"].as_str().unwrap_or("");
    assert!(
        ["426", "225", "226"].contains(&&reply[..3.min(reply.len())]),
        "abort reply: {ok}"
    );
    let r = c.reply(id).await;
    if let Some(ok) = r.get("ok") {
        assert!((ok["bytes"].as_u64().unwrap_or(0) as usize) < size, "{r}");
    } else {
        assert!(
            r["err"]["code"]
                .as_str()
                .unwrap_or("")
                .starts_with("ftp.error_"),
            "{r}"
        );
    }
    let closed = wire(c)
        .into_iter()
        .any(|(ch, _, t)| ch == "data" && t.contains("(aborted)"));
    assert!(closed, "the data connection is shown closed by the abort");
    let ok = c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("257"),
        "{ok}"
    );
}

// ---- the lab ----

#[tokio::test]
async fn lab_anonymous_is_read_only_with_samples() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let port = port(&c.lab("ftp"));
    let (conn, welcome) = connect(&mut c, port).await;
    assert!(welcome.starts_with("220"), "{welcome}");
    let ok = c.ok(json!({"op": "ftp.getwelcome", "conn": conn})).await;
    assert_eq!(ok["welcome"], welcome.as_str());
    login(&mut c, &conn, "anonymous", "").await;
    let ok = c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
    assert_eq!(ok["path"], "/");

    let ok = c.ok(json!({"op": "ftp.nlst", "conn": conn})).await;
    let names = ok["names"].to_string();
    for n in ["welcome.txt", "binary", "docs"] {
        assert!(names.contains(n), "{n} missing from {names}");
    }
    c.ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": "docs/protocols/ftp"}))
        .await;
    let before = c.log.len();
    c.ok(json!({"op": "ftp.retrlines", "conn": conn, "cmd": "RETR notes.txt"}))
        .await;
    let lines = lines_since(&c, before);
    assert!(lines[0].starts_with("FTP uses two channels"), "{lines:?}");
    c.ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": "/"}))
        .await;

    // The binary sample as ftp.block events (the retrbinary callback).
    let before = c.log.len();
    let ok = c
        .ok(json!({"op": "ftp.retrbinary", "conn": conn, "cmd": "RETR binary/sample-1MiB.bin"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("226"),
        "{ok}"
    );
    assert_eq!(ok["bytes"], 1 << 20);
    let mut got = Vec::new();
    for s in &c.log[before..] {
        if let Seen::Text(v) = s {
            if v["ev"] == "ftp.block" {
                got.extend(bytes(&v["data"]));
            }
        }
    }
    assert_eq!(sha(&got), sha(&lab_sample()));
    let ok = c
        .ok(json!({"op": "ftp.size", "conn": conn, "name": "binary/sample-1MiB.bin"}))
        .await;
    assert_eq!(ok["size"], 1 << 20);

    // Read-only: uploads, mkd and delete are refused with 550.
    for req in [
        json!({"op": "ftp.storbinary", "conn": conn, "cmd": "STOR x.txt", "data": text("x")}),
        json!({"op": "ftp.mkd", "conn": conn, "dirname": "new"}),
        json!({"op": "ftp.delete", "conn": conn, "name": "welcome.txt"}),
    ] {
        let err = c.err(req, "ftp.error_perm").await;
        assert!(
            err["reply"].as_str().unwrap_or("").starts_with("550"),
            "{err}"
        );
    }
    missing_file(&mut c, &conn).await;
    let ok = c.ok(json!({"op": "ftp.quit", "conn": conn})).await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("221"),
        "{ok}"
    );
    c.err(json!({"op": "ftp.pwd", "conn": conn}), "EBADF").await;
}

#[tokio::test]
async fn lab_learner_sandbox_round_trips_in_both_modes() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let port = port(&c.lab("ftp"));
    let (conn, _) = connect(&mut c, port).await;
    login(&mut c, &conn, "learner", "learner").await;
    file_operations(&mut c, &conn).await;
    c.ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": "uploads"}))
        .await;
    round_trip_5mib(&mut c, &conn, true).await;
    round_trip_5mib(&mut c, &conn, false).await;
    c.ok(json!({"op": "ftp.set_pasv", "conn": conn, "val": true}))
        .await;
    abort_during_transfer(&mut c, &conn, "up-pasv.bin", 5 << 20).await;

    let w = wire(&c);
    assert!(
        w.iter()
            .any(|(ch, d, t)| ch == "control" && d == "out" && t == "PASS ****\r\n"),
        "PASS is shown masked"
    );
    assert!(
        !w.iter().any(|(_, _, t)| t.contains("PASS learner")),
        "the password never appears"
    );
    c.ok(json!({"op": "ftp.close", "conn": conn})).await;
}

#[tokio::test]
async fn lab_sandbox_is_fresh_on_each_relay_start() {
    for _ in 0..2 {
        let relay = start_default().await;
        let mut c = Client::connect(&relay).await;
        let port = port(&c.lab("ftp"));
        let (conn, _) = connect(&mut c, port).await;
        login(&mut c, &conn, "learner", "learner").await;
        let ok = c
            .ok(json!({"op": "ftp.nlst", "conn": conn, "args": ["uploads"]}))
            .await;
        assert_eq!(ok["names"], json!([]), "uploads/ starts empty");
        upload(&mut c, &conn, "uploads/left-behind.txt", b"bye").await;
        relay.shutdown().await;
    }
}

// ---- pyftpdlib ----

#[tokio::test]
async fn pyftpdlib_user_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.bin"), pattern(16 << 20, 3)).expect("write");
    let server = pyftpd(dir.path(), "").await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (conn, welcome) = connect(&mut c, server.port).await;
    assert!(welcome.starts_with("220 pyftpdlib ready"), "{welcome}");
    login(&mut c, &conn, PY_USER, PY_PASS).await;
    file_operations(&mut c, &conn).await;
    round_trip_5mib(&mut c, &conn, true).await;
    round_trip_5mib(&mut c, &conn, false).await;
    c.ok(json!({"op": "ftp.set_pasv", "conn": conn, "val": true}))
        .await;
    missing_file(&mut c, &conn).await;
    abort_during_transfer(&mut c, &conn, "big.bin", 16 << 20).await;

    let w = wire(&c);
    assert!(w.iter().any(|(_, _, t)| t == "PASS ****\r\n"));
    assert!(
        !w.iter().any(|(_, _, t)| t.contains(PY_PASS)),
        "the password never appears in the transcript"
    );
    assert!(
        !c.log
            .iter()
            .any(|s| matches!(s, Seen::Text(v) if v.to_string().contains(PY_PASS))),
        "nor anywhere else the relay sends"
    );

    // sendcmd / voidcmd and the exception mapping.
    let ok = c
        .ok(json!({"op": "ftp.sendcmd", "conn": conn, "cmd": "NOOP"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("200"),
        "{ok}"
    );
    let err = c
        .err(
            json!({"op": "ftp.voidcmd", "conn": conn, "cmd": "XYZZY"}),
            "ftp.error_perm",
        )
        .await;
    assert!(
        err["reply"].as_str().unwrap_or("").starts_with("500"),
        "{err}"
    );
    let ok = c.ok(json!({"op": "ftp.quit", "conn": conn})).await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("221"),
        "{ok}"
    );
}

#[tokio::test]
async fn pyftpdlib_anonymous_and_debuglevel_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("hello.txt"), "hello\nworld\n").expect("write");
    std::fs::write(dir.path().join("big.bin"), pattern(16 << 20, 9)).expect("write");
    let server = pyftpd(dir.path(), "").await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (conn, _) = connect(&mut c, server.port).await;
    login(&mut c, &conn, "anonymous", "").await;
    let ok = c.ok(json!({"op": "ftp.nlst", "conn": conn})).await;
    assert_eq!(ok["names"], json!(["big.bin", "hello.txt"]));

    // `cancel` during the data phase: the request replies `cancelled`, the relay
    // aborts the transfer itself and the connection stays usable.
    let id = c
        .send(
            json!({"op": "ftp.retrbinary", "conn": conn, "cmd": "RETR big.bin", "blocksize": 1024}),
        )
        .await;
    c.next_event_where("ftp.block", |e| e["conn"] == conn).await;
    c.ok(json!({"op": "cancel", "target": id})).await;
    let r = c.reply(id).await;
    expect_err(&r, "cancelled", "the cancelled retrbinary");
    let ok = c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
    assert_eq!(ok["path"], "/");

    c.ok(json!({"op": "ftp.set_debuglevel", "conn": conn, "level": 0}))
        .await;
    let before = c.log.len();
    let ok = c
        .ok(json!({"op": "ftp.retrlines", "conn": conn, "cmd": "RETR hello.txt"}))
        .await;
    assert!(
        ok["reply"].as_str().unwrap_or("").starts_with("226"),
        "{ok}"
    );
    assert_eq!(lines_since(&c, before), ["hello", "world"]);
    assert!(
        !c.log[before..]
            .iter()
            .any(|s| matches!(s, Seen::Text(v) if v["ev"] == "wire")),
        "set_debuglevel(0) hides wire events"
    );
    // Anonymous on pyftpdlib is read-only too.
    c.err(
        json!({"op": "ftp.storbinary", "conn": conn, "cmd": "STOR x", "data": text("x")}),
        "ftp.error_perm",
    )
    .await;
    c.ok(json!({"op": "ftp.close", "conn": conn})).await;
}

#[tokio::test]
async fn policy_denies_a_pasv_address_outside_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.txt"), "a").expect("write");
    // The server names 127.0.0.2 in its 227 replies; the test policy allows
    // only 127.0.0.1.
    let server = pyftpd(dir.path(), "127.0.0.2").await;
    let mut config = relay::config::Config::for_tests();
    config.connect_rules_override = Some(vec!["127.0.0.1".parse().expect("rule")]);
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (conn, _) = connect(&mut c, server.port).await;
    login(&mut c, &conn, "anonymous", "").await;
    let err = c
        .err(json!({"op": "ftp.nlst", "conn": conn}), "not_allowed")
        .await;
    assert!(
        err["message"].as_str().unwrap_or("").contains("127.0.0.2"),
        "{err}"
    );
    let w = wire(&c);
    assert!(
        w.iter().any(|(ch, d, t)| ch == "control"
            && d == "in"
            && t.starts_with("227")
            && t.contains("127,0,0,2")),
        "the 227 reply is shown: {w:?}"
    );
    assert!(
        !w.iter().any(|(ch, _, _)| ch == "data"),
        "no data connection was opened"
    );
    // The control connection goes on.
    c.ok(json!({"op": "ftp.pwd", "conn": conn})).await;
    // And the control connection itself is checked too.
    let err = c
        .err(
            json!({"op": "ftp.connect", "host": "127.0.0.2", "port": server.port}),
            "not_allowed",
        )
        .await;
    assert!(
        err["message"].as_str().unwrap_or("").contains("127.0.0.2"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_handles_and_arguments() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    c.err(json!({"op": "ftp.pwd", "conn": "f99"}), "EBADF")
        .await;
    let port = port(&c.lab("ftp"));
    let (conn, _) = connect(&mut c, port).await;
    c.err(
        json!({"op": "ftp.sendcmd", "conn": conn, "cmd": "NOOP\r\nDELE x"}),
        "bad_request",
    )
    .await;
    c.err(
        json!({"op": "ftp.storbinary", "conn": conn, "cmd": "STOR x"}),
        "bad_request",
    )
    .await;
    let closed = closed_port().await;
    c.err(
        json!({"op": "ftp.connect", "host": "127.0.0.1", "port": closed}),
        "ECONNREFUSED",
    )
    .await;
    c.ok(json!({"op": "ftp.close", "conn": conn})).await;
    c.err(json!({"op": "ftp.close", "conn": conn}), "EBADF")
        .await;
}
