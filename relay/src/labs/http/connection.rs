//! One HTTP/1.x connection to the HTTP lab: reads requests with the lab's own
//! parser ([`super::request_head`], [`super::request_body`]), hands each to the
//! lab's routes, writes the answer, and keeps the connection alive as HTTP/1.1 and
//! `Connection:` say. The lab parses requests itself (rather than through hyper)
//! so that it can accept what Python's `http.server` accepts, such as obsolete
//! header folding.
//!
//! Bounded: heads and bodies have size limits; a connection that sends nothing for
//! [`crate::labs::IDLE_TIMEOUT`] between requests (or in the middle of one), or
//! does not read its answer for as long, is closed. A refused request gets its
//! status (`400`, `413`, `431`, `505`) with a one-line reason, then the close.

use super::request_body::{self, Chunked, Framing};
use super::request_head::{self, Head, Refusal};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode, Version};
use axum::Router;
use bytes::{Buf, BytesMut};
use futures::StreamExt;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_service::Service;

/// Bytes read at once.
const READ_CHUNK: usize = 8192;

/// Serves requests on `stream` until the client closes, asks to close, misbehaves
/// or idles for `idle`.
pub(crate) async fn serve(router: Router, mut stream: TcpStream, peer: SocketAddr, idle: Duration) {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        let head = loop {
            match request_head::parse(&buf) {
                Ok(Some((head, used))) => {
                    buf.advance(used);
                    break head;
                }
                Ok(None) => {}
                Err(refusal) => return refuse(&mut stream, refusal, idle).await,
            }
            if !read_more(&mut stream, &mut buf, idle).await {
                return;
            }
        };
        let body = match read_body(&mut stream, &mut buf, &head, idle).await {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(refusal) => return refuse(&mut stream, refusal, idle).await,
        };
        let keep_alive = wants_keep_alive(&head);
        let method = head.method.clone();
        let version = head.version;
        let request = match build_request(head, body, peer) {
            Ok(r) => r,
            Err(refusal) => return refuse(&mut stream, refusal, idle).await,
        };
        let mut router = router.clone();
        let response = match router.call(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let sent = tokio::time::timeout(
            idle,
            write_response(&mut stream, response, &method, version, keep_alive),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) || !keep_alive {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// Reads more into `buf`; false when the client closed, failed or idled.
async fn read_more(stream: &mut TcpStream, buf: &mut BytesMut, idle: Duration) -> bool {
    buf.reserve(READ_CHUNK);
    matches!(
        tokio::time::timeout(idle, stream.read_buf(buf)).await,
        Ok(Ok(n)) if n > 0
    )
}

/// The body the head announces; `Ok(None)` when the client went away first.
async fn read_body(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    head: &Head,
    idle: Duration,
) -> Result<Option<Vec<u8>>, Refusal> {
    let framing = request_body::framing(&head.headers)?;
    let expects_body = framing != Framing::Length(0);
    let continue_wanted = head.version == Version::HTTP_11
        && head
            .headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if expects_body && continue_wanted && buf.is_empty() {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
    }
    match framing {
        Framing::Length(n) => {
            while buf.len() < n {
                if !read_more(stream, buf, idle).await {
                    return Ok(None);
                }
            }
            Ok(Some(buf.split_to(n).to_vec()))
        }
        Framing::Chunked => {
            let mut chunked = Chunked::default();
            loop {
                let used = chunked.feed(buf)?;
                buf.advance(used);
                if chunked.is_done() {
                    return Ok(Some(chunked.into_body()));
                }
                if !read_more(stream, buf, idle).await {
                    return Ok(None);
                }
            }
        }
    }
}

/// HTTP/1.1 keeps the connection unless it says `close`; HTTP/1.0 only when it
/// says `keep-alive`.
fn wants_keep_alive(head: &Head) -> bool {
    let says = |token: &str| {
        head.headers.get_all(header::CONNECTION).iter().any(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    };
    match head.version {
        Version::HTTP_10 => says("keep-alive"),
        _ => !says("close"),
    }
}

fn build_request(head: Head, body: Vec<u8>, peer: SocketAddr) -> Result<Request<Body>, Refusal> {
    let mut request = Request::builder()
        .method(head.method)
        .uri(head.uri)
        .version(head.version)
        .body(Body::from(body))
        .map_err(|e| Refusal {
            status: StatusCode::BAD_REQUEST,
            reason: e.to_string(),
        })?;
    *request.headers_mut() = head.headers;
    request.extensions_mut().insert(ConnectInfo(peer));
    Ok(request)
}

/// Writes the status line, the headers and the body: with its `Content-Length`
/// when the routes gave one, else chunked (HTTP/1.1) or until the close (HTTP/1.0).
async fn write_response(
    stream: &mut TcpStream,
    response: Response<Body>,
    method: &Method,
    version: Version,
    keep_alive: bool,
) -> std::io::Result<()> {
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    let bodiless = method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if status.is_informational() || status == StatusCode::NO_CONTENT {
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    parts.headers.remove(header::TRANSFER_ENCODING);
    let sized = parts.headers.contains_key(header::CONTENT_LENGTH);
    let chunked = !bodiless && !sized && version == Version::HTTP_11;
    // HTTP/1.0 without a length can only end its body by closing.
    let keep_alive = keep_alive && (bodiless || sized || chunked);
    if chunked {
        parts.headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
    }
    parts.headers.remove(header::CONNECTION);
    match (version, keep_alive) {
        (Version::HTTP_10, true) => {
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        }
        (_, false) => {
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        _ => {}
    }
    let mut out = Vec::with_capacity(256);
    let version_text = if version == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    out.extend_from_slice(
        format!(
            "{version_text} {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    stream.write_all(&out).await?;
    if bodiless {
        return Ok(());
    }
    let mut frames = body.into_data_stream();
    while let Some(frame) = frames.next().await {
        let data = frame.map_err(std::io::Error::other)?;
        if data.is_empty() {
            continue;
        }
        if chunked {
            stream
                .write_all(format!("{:x}\r\n", data.len()).as_bytes())
                .await?;
            stream.write_all(&data).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&data).await?;
        }
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await
}

/// Answers a refused request and closes.
async fn refuse(stream: &mut TcpStream, refusal: Refusal, idle: Duration) {
    let reason = refusal.status.canonical_reason().unwrap_or("");
    let body = format!("{}\n", refusal.reason);
    let answer = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        refusal.status.as_u16(),
        body.len()
    );
    let _ = tokio::time::timeout(idle, async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
