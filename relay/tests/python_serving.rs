//! What the Python tab needs from the relay: Pyodide under
//! `/pyodide/<version>/` with the right content types (wasm as
//! `application/wasm`) and `immutable` caching, the tab's own files under
//! `/python/` revalidated, and cross-origin isolation (COOP `same-origin`,
//! COEP `require-corp`) on every page but the embed player, which other sites
//! frame.
//!
//! Owns only this scenario; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 GET; returns the status line and the lower-cased head.
async fn head_of(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    guard("page response", s.read_to_end(&mut out))
        .await
        .expect("read");
    let out = String::from_utf8_lossy(&out).into_owned();
    let head = out.split("\r\n\r\n").next().unwrap_or_default().to_owned();
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, head.to_ascii_lowercase())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
}

#[tokio::test]
async fn pyodide_and_the_python_tab_are_served_with_types_caching_and_isolation() {
    let ui = tempfile::tempdir().expect("tempdir");
    let root = ui.path();
    std::fs::write(root.join("index.html"), "<!doctype html><title>page</title>").expect("index");
    let py = root.join("pyodide").join("314.0.7");
    std::fs::create_dir_all(&py).expect("pyodide dir");
    std::fs::create_dir_all(root.join("python")).expect("python dir");
    std::fs::write(py.join("pyodide.asm.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(py.join("pyodide.mjs"), "export {}").expect("mjs");
    std::fs::write(py.join("python_stdlib.zip"), b"PK").expect("zip");
    std::fs::write(root.join("python").join("worker.js"), "// w").expect("worker");
    let mut config = Config::for_tests();
    config.ui_dir = Some(root.to_path_buf());
    let relay = start(config).await;

    for (path, kind) in [
        ("/pyodide/314.0.7/pyodide.asm.wasm", "application/wasm"),
        ("/pyodide/314.0.7/pyodide.mjs", "javascript"),
        ("/pyodide/314.0.7/python_stdlib.zip", "application/zip"),
    ] {
        let (status, head) = head_of(relay.addr, path).await;
        assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
        assert!(
            header(&head, "content-type").is_some_and(|t| t.contains(kind)),
            "{path}: {head}"
        );
        assert_eq!(
            header(&head, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
    }
    let (_, head) = head_of(relay.addr, "/python/worker.js").await;
    assert!(header(&head, "content-type").is_some_and(|t| t.contains("javascript")), "{head}");
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));

    for path in ["/", "/?relay=ws://127.0.0.1:9/ws", "/python/worker.js", "/pyodide/314.0.7/pyodide.mjs", "/lessons.json"] {
        let (_, head) = head_of(relay.addr, path).await;
        assert_eq!(header(&head, "cross-origin-opener-policy"), Some("same-origin"), "{path}");
        assert_eq!(header(&head, "cross-origin-embedder-policy"), Some("require-corp"), "{path}");
    }
    // The embed player is shown inside other sites' pages: not isolated.
    let (status, head) = head_of(relay.addr, "/embed?recording=demo.json").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(header(&head, "cross-origin-embedder-policy"), None, "{head}");
    assert_eq!(header(&head, "cross-origin-opener-policy"), None, "{head}");
}
