//! The web UI as the relay serves it: a browser that accepts gzip gets the
//! `.gz` twin a release build writes (and it decompresses to the file itself),
//! one that does not gets the file; trunk's hashed assets are cached for good,
//! `index.html` (also the answer for a path that names no file) is revalidated;
//! the `learn` build in `learn/` answers `/learn/…` and `/embed`.
//!
//! Owns only this scenario; the harness lives in `common/`.

mod common;

use common::*;
use relay::Config;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WASM: &str = "frontend-0123456789abcdef_bg.wasm";
const INDEX: &str = "<!doctype html><title>socklab</title><p>the workbench</p>";

/// A response: status line and headers (names lower-cased), and the body.
struct Answer {
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// `GET path` over a loopback socket with the given extra header lines.
async fn get(addr: SocketAddr, path: &str, extra: &str) -> Answer {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    guard("the UI response", s.read_to_end(&mut out))
        .await
        .expect("read");
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let (head, body) = out.split_at(split + 4);
    let head = String::from_utf8_lossy(head).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Answer {
        head,
        body: body.to_vec(),
    }
}

/// `gzip` run on `input` with `args` (the system's gzip, as the xtask uses).
fn gzip(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().expect("gzip output");
    writer.join().expect("writer").expect("write to gzip");
    assert!(out.status.success(), "gzip {args:?}");
    out.stdout
}

/// A UI directory like a release build's: the index, a hashed wasm and its
/// `.gz` twin.
fn ui_dir(dir: &Path) -> Vec<u8> {
    let wasm: Vec<u8> = (0..20_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    std::fs::write(dir.join("index.html"), INDEX).expect("index");
    std::fs::write(dir.join(WASM), &wasm).expect("wasm");
    let gz = gzip(&["-9", "-n", "-c"], &wasm);
    std::fs::write(dir.join(format!("{WASM}.gz")), gz).expect("wasm.gz");
    wasm
}

async fn relay_serving(dir: &Path) -> relay::Running {
    let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.ui_dir = Some(dir.to_path_buf());
    start(config).await
}

#[tokio::test]
async fn gzip_clients_get_the_gz_twin_and_assets_are_cached_for_good() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wasm = ui_dir(dir.path());
    let relay = relay_serving(dir.path()).await;
    let path = format!("/{WASM}");

    let zipped = get(relay.addr, &path, "Accept-Encoding: gzip, deflate, br\r\n").await;
    assert_eq!(
        zipped.header("content-encoding"),
        Some("gzip"),
        "{}",
        zipped.head
    );
    assert!(zipped.body.len() < wasm.len() / 2, "{}", zipped.head);
    assert_eq!(gzip(&["-d", "-c"], &zipped.body), wasm);
    assert_eq!(
        zipped.header("content-type"),
        Some("application/wasm"),
        "{}",
        zipped.head
    );
    assert_eq!(
        zipped.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let plain = get(relay.addr, &path, "").await;
    assert_eq!(plain.header("content-encoding"), None, "{}", plain.head);
    assert_eq!(plain.body, wasm);
    assert_eq!(
        plain.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn the_index_is_revalidated_and_answers_unknown_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    ui_dir(dir.path());
    let relay = relay_serving(dir.path()).await;
    for path in [
        "/",
        "/index.html",
        "/lessons/e1",
        "/gone-0123456789abcdef.js",
    ] {
        let page = get(relay.addr, path, "Accept-Encoding: gzip\r\n").await;
        assert_eq!(page.body, INDEX.as_bytes(), "{path}: {}", page.head);
        assert_eq!(page.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn the_learn_build_is_served_at_learn_and_embed() {
    const LEARN_INDEX: &str = "<!doctype html><title>socklab</title><p>lessons</p>";
    let dir = tempfile::tempdir().expect("tempdir");
    ui_dir(dir.path());
    let learn = dir.path().join("learn");
    std::fs::create_dir(&learn).expect("learn dir");
    let wasm = ui_dir(&learn);
    std::fs::write(learn.join("index.html"), LEARN_INDEX).expect("learn index");
    let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.ui_dir = Some(dir.path().to_path_buf());
    config.allow_origin = vec!["http://127.0.0.1:9000".into()];
    let relay = start(config).await;
    for path in ["/learn/", "/learn/index.html", "/learn/lesson/e1", "/embed"] {
        let page = get(relay.addr, path, "Accept-Encoding: gzip\r\n").await;
        assert_eq!(page.body, LEARN_INDEX.as_bytes(), "{path}: {}", page.head);
        assert_eq!(page.header("cache-control"), Some("no-cache"), "{path}");
    }
    // Only the embed player may be framed by an allowed origin.
    let embed = get(relay.addr, "/embed?lesson=e1", "").await;
    let framing = embed.header("content-security-policy").unwrap_or_default();
    assert!(framing.contains("http://127.0.0.1:9000"), "{}", embed.head);
    let page = get(relay.addr, "/learn/", "").await;
    let framing = page.header("content-security-policy").unwrap_or_default();
    assert!(!framing.contains("9000"), "{}", page.head);
    // Its hashed assets: the gzip twin, cached for good.
    let zipped = get(
        relay.addr,
        &format!("/learn/{WASM}"),
        "Accept-Encoding: gzip\r\n",
    )
    .await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip(&["-d", "-c"], &zipped.body), wasm);
    assert_eq!(
        zipped.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // `/` is still the workbench.
    let root = get(relay.addr, "/", "").await;
    assert_eq!(root.body, INDEX.as_bytes());
}

/// Pyodide (the Python tab) under `/pyodide/<version>/`: its types (wasm as
/// `application/wasm`) and `immutable`, as the version is in the path; the
/// tab's own files under `/python/` are revalidated.
#[tokio::test]
async fn pyodide_is_served_with_its_types_and_cached_for_good() {
    let dir = tempfile::tempdir().expect("tempdir");
    ui_dir(dir.path());
    let py = dir.path().join("pyodide").join("314.0.7");
    std::fs::create_dir_all(&py).expect("pyodide dir");
    std::fs::create_dir_all(dir.path().join("python")).expect("python dir");
    std::fs::write(py.join("pyodide.asm.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(py.join("pyodide.mjs"), "export {}").expect("mjs");
    std::fs::write(py.join("python_stdlib.zip"), b"PK").expect("zip");
    std::fs::write(dir.path().join("python").join("worker.js"), "// w").expect("worker");
    let relay = relay_serving(dir.path()).await;
    for (path, kind, cache) in [
        (
            "/pyodide/314.0.7/pyodide.asm.wasm",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        (
            "/pyodide/314.0.7/pyodide.mjs",
            "javascript",
            "public, max-age=31536000, immutable",
        ),
        (
            "/pyodide/314.0.7/python_stdlib.zip",
            "application/zip",
            "public, max-age=31536000, immutable",
        ),
        ("/python/worker.js", "javascript", "no-cache"),
    ] {
        let answer = get(relay.addr, path, "").await;
        assert!(
            answer
                .header("content-type")
                .is_some_and(|t| t.contains(kind)),
            "{path}: {}",
            answer.head
        );
        assert_eq!(answer.header("cache-control"), Some(cache), "{path}");
    }
}
