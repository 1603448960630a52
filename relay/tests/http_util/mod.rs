//! Helpers for the HTTP integration tests (`http*.rs`): opening `h…` handles,
//! collecting `wire` bytes, Python's `http.server` started on loopback, and a
//! scripted raw HTTP server that answers with exact bytes (for the malformed
//! responses http.client raises on).
//!
//! Builds on `common/` (the WebSocket client); never touches relay internals.
//! Synchronisation is by awaiting frames, lines or channel messages, each under
//! the hang guard.

#![allow(dead_code)]

use crate::common::{bytes, guard, Client};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// `http.open` to `addr`; returns the handle.
pub async fn open(c: &mut Client, addr: SocketAddr) -> String {
    let ok = c
        .ok(json!({"op": "http.open", "host": addr.ip().to_string(), "port": addr.port()}))
        .await;
    ok["conn"].as_str().expect("conn handle").to_owned()
}

/// `http.open` to the HTTP lab of `hello.labs`; returns (handle, lab address).
pub async fn open_lab(c: &mut Client) -> (String, SocketAddr) {
    let lab = c.lab("http");
    let addr: SocketAddr = format!("{}:{}", lab[0].as_str().expect("host"), lab[1])
        .parse()
        .expect("lab address");
    (open(c, addr).await, addr)
}

/// `http.request` + `http.getresponse` + `http.read()`: (getresponse ok, body).
pub async fn fetch(c: &mut Client, h: &str, method: &str, url: &str) -> (Value, Vec<u8>) {
    c.ok(json!({"op": "http.request", "conn": h, "method": method, "url": url}))
        .await;
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    let body = c
        .ok(json!({"op": "http.read", "conn": h, "encoding": "b64"}))
        .await;
    (resp, bytes(&body["data"]))
}

/// The first header `name` (any case) of a getresponse result.
pub fn header(resp: &Value, name: &str) -> Option<String> {
    resp["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .map(|h| h[1].as_str().expect("value").to_owned())
}

/// Takes every buffered `wire` event of `h` in direction `dir` (all the events
/// of a call are buffered once its reply arrived) and joins their bytes.
pub async fn take_wire(c: &mut Client, h: &str, dir: &str) -> Vec<u8> {
    let is = |e: &Value| e["ev"] == "wire" && e["handle"] == h && e["dir"] == dir;
    let mut out = Vec::new();
    while c.pending_events().iter().any(is) {
        let e = c
            .next_event_where("wire", |e| e["handle"] == h && e["dir"] == dir)
            .await;
        assert_eq!(e["channel"], "http");
        out.extend(bytes(&e["data"]));
    }
    out
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// Python's `http.server` (`python3 -m http.server 0 --bind 127.0.0.1`) serving
/// a fresh directory; stopped and removed on drop.
pub struct PyServer {
    pub addr: SocketAddr,
    _child: Child,
    dir: PathBuf,
}

impl PyServer {
    /// Starts the server over a directory holding `files`; reads its port from
    /// "Serving HTTP on 127.0.0.1 port N".
    pub async fn start(files: &[(&str, &[u8])]) -> PyServer {
        let dir = std::env::temp_dir().join(format!(
            "socklab-http-test-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, content) in files {
            std::fs::write(dir.join(name), content).expect("write file");
        }
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = guard("python http.server start", async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(rest) = line.strip_prefix("Serving HTTP on 127.0.0.1 port ") {
                    let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    return n.parse::<u16>().expect("port");
                }
            }
            panic!("python http.server exited without serving");
        })
        .await;
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        PyServer {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _child: child,
            dir,
        }
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the raw server does after reading the `n`-th request head (counted over
/// all connections, from 0): send `bytes`, then close the connection if `close`.
pub struct Answer {
    pub bytes: Vec<u8>,
    pub close: bool,
}

/// A request head the raw server read: (connection number, bytes).
pub type Seen = (usize, Vec<u8>);

/// A scripted HTTP server on 127.0.0.1: reads request heads (up to the blank
/// line; requests in these tests carry no body) and answers each with exact
/// bytes chosen by `script`.
pub struct RawServer {
    pub addr: SocketAddr,
    pub heads: mpsc::UnboundedReceiver<Seen>,
}

impl RawServer {
    pub async fn start(script: impl Fn(usize) -> Answer + Send + Sync + 'static) -> RawServer {
        RawServer::start_on("127.0.0.1:0", script).await
    }

    /// Like [`RawServer::start`] on another loopback address (e.g. `[::1]:0`).
    pub async fn start_on(
        bind: &str,
        script: impl Fn(usize) -> Answer + Send + Sync + 'static,
    ) -> RawServer {
        let l = TcpListener::bind(bind).await.expect("bind");
        let addr = l.local_addr().expect("addr");
        let (tx, rx) = mpsc::unbounded_channel();
        let script = Arc::new(script);
        let counter = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            let mut conn_no = 0;
            while let Ok((s, _)) = l.accept().await {
                let (tx, script, counter) = (tx.clone(), script.clone(), counter.clone());
                tokio::spawn(serve_raw(s, conn_no, tx, script, counter));
                conn_no += 1;
            }
        });
        RawServer { addr, heads: rx }
    }

    /// The next request head the server read.
    pub async fn next_head(&mut self) -> Seen {
        guard("a request at the raw server", self.heads.recv())
            .await
            .expect("server running")
    }
}

async fn serve_raw(
    mut s: TcpStream,
    conn_no: usize,
    tx: mpsc::UnboundedSender<Seen>,
    script: Arc<dyn Fn(usize) -> Answer + Send + Sync>,
    counter: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head: Vec<u8> = buf.drain(..end).collect();
        let _ = tx.send((conn_no, head));
        let a = script(counter.fetch_add(1, Ordering::SeqCst));
        if s.write_all(&a.bytes).await.is_err() {
            return;
        }
        if a.close {
            let _ = s.shutdown().await;
            return;
        }
    }
}

/// An HTTP/1.1 response with `Content-Length`, keeping the connection open.
pub fn ok_response(body: &str) -> Answer {
    Answer {
        bytes: format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
        close: false,
    }
}
