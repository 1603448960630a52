//! The HTTP lab (docs/architecture.md "Lab servers"): a small httpbin-like service for the
//! learner's `http.client` calls, on loopback.
//!
//! - `/` — an index page listing the endpoints;
//! - `/get` — the request as JSON (`args`, `headers`, `origin`, `peer`, `url`);
//! - `/post` — any method: echoes `method`, `headers`, the body (`data`, and `json`
//!   when it parses) as JSON;
//! - `/headers` — the request headers as JSON;
//! - `/status/{code}` — answers with that status (200–599; redirects point at `/get`);
//! - `/bytes/{n}` — `n` pseudo-random bytes (at most 1 MiB; the same `n` gives the same bytes);
//! - `/delay/{s}` — answers like `/get` after `s` seconds (at most 10);
//! - `/chunked/{n}` — `n` lines sent as separate chunks (`Transfer-Encoding: chunked`);
//! - `/redirect/{n}` — a chain of `n` 302 redirects ending at `/get` (never followed by the relay).
//!
//! `peer` (the client's address and port) lets a learner see keep-alive at work:
//! two requests on one connection show the same port. Owns only the service;
//! binding and stopping it is `labs/mod.rs`'s job.
//!
//! Requests are parsed by the lab itself ([`request_head`], [`request_body`],
//! [`connection`]) so that it accepts what Python's `http.server` accepts, such as
//! folded header lines. Bounded: at most [`crate::labs::MAX_CLIENTS_PER_LAB`]
//! connections ([`crate::labs::MAX_CLIENTS_PER_PEER`] from one address; the next
//! one gets `503`), heads of at most 64 KiB and 100 fields, bodies of at most 1 MiB,
//! and the idle limit [`crate::labs::IDLE_TIMEOUT`].

mod connection;
mod request_body;
mod request_head;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// Largest `/bytes/{n}`.
pub const MAX_BYTES: usize = 1 << 20;
/// Longest `/delay/{s}`, in seconds.
pub const MAX_DELAY_SECS: f64 = 10.0;
/// Most chunks of `/chunked/{n}`.
pub const MAX_CHUNKS: usize = 1000;
/// Longest `/redirect/{n}` chain.
pub const MAX_REDIRECTS: u32 = 100;

const INDEX: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>socklab HTTP lab</title></head>
<body>
<h1>socklab HTTP lab</h1>
<p>An httpbin-like service for <code>http.client</code> exercises.</p>
<ul>
<li><a href="/get">/get</a> — the request as JSON</li>
<li>/post — any method; echoes method, headers and body as JSON</li>
<li><a href="/headers">/headers</a> — the request headers</li>
<li><a href="/status/418">/status/{code}</a> — answers with that status (200–599)</li>
<li><a href="/bytes/16">/bytes/{n}</a> — n pseudo-random bytes (at most 1 MiB)</li>
<li><a href="/delay/1">/delay/{s}</a> — answers after s seconds (at most 10)</li>
<li><a href="/chunked/5">/chunked/{n}</a> — n lines, each its own chunk</li>
<li><a href="/redirect/3">/redirect/{n}</a> — n redirects ending at /get</li>
</ul>
</body></html>
"#;

/// The lab's routes.
pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route("/get", get(echo_get))
        .route("/post", any(echo_post))
        .route(
            "/headers",
            get(|h: HeaderMap| async move { Json(json!({ "headers": headers_json(&h) })) }),
        )
        .route("/status/{code}", any(status))
        .route("/bytes/{n}", get(bytes))
        .route("/delay/{s}", get(delay))
        .route("/chunked/{n}", get(chunked))
        .route("/redirect/{n}", get(redirect))
}

/// Serves the lab on `listener` until the task is aborted (which also closes every
/// connection).
pub async fn serve(listener: TcpListener) {
    let routes = router();
    let mut clients =
        super::LabClients::new("http", super::MAX_CLIENTS_PER_LAB, unavailable_response);
    loop {
        let (stream, peer, slot) = clients.admit(&listener).await;
        let served = connection::serve(routes.clone(), stream, peer, super::IDLE_TIMEOUT);
        clients.spawn(slot, served);
    }
}

/// What a client turned away by `full` reads: a `503` that closes the connection.
fn unavailable_response(full: super::Full, peer: SocketAddr) -> String {
    let body = format!("{}, try again later\n", super::full_message(full, peer));
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// `accept-encoding` → `Accept-Encoding`, as httpbin shows names.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn headers_json(h: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in h {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        out.entry(title_case(k.as_str()))
            .and_modify(|e| {
                e.push_str(", ");
                e.push_str(&v);
            })
            .or_insert(v);
    }
    out
}

fn request_json(
    peer: SocketAddr,
    uri: &Uri,
    headers: &HeaderMap,
    args: BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut m = serde_json::Map::new();
    m.insert("args".into(), json!(args));
    m.insert("headers".into(), json!(headers_json(headers)));
    m.insert("origin".into(), json!(peer.ip().to_string()));
    m.insert("peer".into(), json!(peer.to_string()));
    m.insert("url".into(), json!(format!("http://{host}{uri}")));
    m
}

async fn echo_get(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    Json(Value::Object(request_json(peer, &uri, &headers, args)))
}

async fn echo_post(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Json<Value> {
    let mut m = request_json(peer, &uri, &headers, args);
    m.insert("method".into(), json!(method.as_str()));
    let data = match std::str::from_utf8(&body) {
        Ok(s) => json!(s),
        Err(_) => {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&body);
            json!(format!("data:application/octet-stream;base64,{b64}"))
        }
    };
    m.insert("data".into(), data);
    let parsed = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    m.insert("json".into(), parsed);
    Json(Value::Object(m))
}

fn bad(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, msg + "\n").into_response()
}

async fn status(Path(code): Path<String>) -> Response {
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok());
    let Some(status) = status else {
        return bad(format!(
            "/status/{{code}} takes a status from 200 to 599, not {code:?}"
        ));
    };
    if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
        return (status, [(header::LOCATION, "/get")]).into_response();
    }
    status.into_response()
}

/// Deterministic pseudo-random bytes (xorshift64*), seeded with the length.
fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let bytes = v.to_le_bytes();
        out.extend_from_slice(bytes.get(..(n - out.len()).min(8)).unwrap_or_default());
    }
    out
}

async fn bytes(Path(n): Path<String>) -> Response {
    match n.parse::<usize>() {
        Ok(n) if n <= MAX_BYTES => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            pseudo_random(n),
        )
            .into_response(),
        _ => bad(format!(
            "/bytes/{{n}} takes a count from 0 to {MAX_BYTES}, not {n:?}"
        )),
    }
}

async fn delay(
    Path(s): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    Query(args): Query<BTreeMap<String, String>>,
) -> Response {
    let secs = match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => v.min(MAX_DELAY_SECS),
        _ => {
            return bad(format!(
                "/delay/{{s}} takes seconds from 0 to {MAX_DELAY_SECS}, not {s:?}"
            ))
        }
    };
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    Json(Value::Object(request_json(peer, &uri, &headers, args))).into_response()
}

async fn chunked(Path(n): Path<String>) -> Response {
    match n.parse::<usize>() {
        Ok(n) if n <= MAX_CHUNKS => {
            let chunks = (0..n).map(|i| Ok::<_, Infallible>(Bytes::from(format!("chunk {i}\n"))));
            (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        _ => bad(format!(
            "/chunked/{{n}} takes a count from 0 to {MAX_CHUNKS}, not {n:?}"
        )),
    }
}

async fn redirect(Path(n): Path<String>) -> Response {
    match n.parse::<u32>() {
        Ok(n) if (1..=MAX_REDIRECTS).contains(&n) => {
            let to = if n == 1 {
                "/get".to_owned()
            } else {
                format!("/redirect/{}", n - 1)
            };
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        _ => bad(format!(
            "/redirect/{{n}} takes a count from 1 to {MAX_REDIRECTS}, not {n:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_random_is_stable_and_sized() {
        assert_eq!(pseudo_random(0).len(), 0);
        assert_eq!(pseudo_random(13).len(), 13);
        assert_eq!(pseudo_random(100), pseudo_random(100));
        assert_eq!(title_case("accept-encoding"), "Accept-Encoding");
    }

    #[tokio::test]
    async fn a_silent_connection_is_closed_after_the_idle_limit() {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, peer) = listener.accept().await.unwrap();
        let idle = Duration::from_millis(200);
        let server = tokio::spawn(connection::serve(router(), stream, peer, idle));
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut rest))
            .await
            .expect("the lab closes a silent connection");
        assert_eq!(read.unwrap(), 0);
        server.await.unwrap();
    }
}
