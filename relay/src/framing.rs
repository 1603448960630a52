//! Who may show the relay's pages in a frame: a `Content-Security-Policy:
//! frame-ancestors …` header on every response. The embed player (`/embed`)
//! may be framed by the relay's own pages and by each `--allow-origin` page
//! (a docs site embedding live demos); every other page only by the relay's
//! own (no clickjacking of the workbench).
//!
//! Every page but the embed player is also cross-origin isolated
//! (`Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Embedder-Policy:
//! require-corp`): the Python tab's worker needs `SharedArrayBuffer` for
//! Pyodide's interrupt buffer (docs/python.md). The relay's pages load nothing
//! from other origins, and WebSockets (`?relay=`) are not affected; the embed
//! player, shown inside other sites' pages, is left as it was.
//!
//! Owns the headers' values and the middleware that adds them; which origins
//! may open a session is `policy/origin.rs`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The two header values, computed once at start-up.
#[derive(Clone, Debug)]
pub struct Framing {
    embed: HeaderValue,
    other: HeaderValue,
}

/// `frame-ancestors 'self'` for the relay's pages.
const SELF_ONLY: &str = "frame-ancestors 'self'";

impl Framing {
    /// The policy for a relay with these `--allow-origin` values. A value that
    /// cannot appear in a header (a control character) is left out.
    pub fn new(allow_origin: &[String]) -> Framing {
        let mut embed = SELF_ONLY.to_owned();
        for origin in allow_origin {
            let origin = origin.trim().trim_end_matches('/');
            let safe = !origin.is_empty()
                && origin
                    .chars()
                    .all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '\''));
            if safe {
                embed.push(' ');
                embed.push_str(origin);
            }
        }
        Framing {
            embed: HeaderValue::from_str(&embed)
                .unwrap_or_else(|_| HeaderValue::from_static(SELF_ONLY)),
            other: HeaderValue::from_static(SELF_ONLY),
        }
    }

    /// The header value for a request path.
    pub fn for_path(&self, path: &str) -> &HeaderValue {
        if is_embed(path) {
            &self.embed
        } else {
            &self.other
        }
    }
}

/// `/embed` and `/embed/…` (the page the player runs in).
pub fn is_embed(path: &str) -> bool {
    path == "/embed" || path.starts_with("/embed/")
}

/// The middleware: adds the header unless a handler set one.
pub async fn add_header(State(framing): State<Arc<Framing>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let value = framing.for_path(path).clone();
    let isolate = !is_embed(path);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(value);
    if isolate {
        headers
            .entry("cross-origin-opener-policy")
            .or_insert(HeaderValue::from_static("same-origin"));
        headers
            .entry("cross-origin-embedder-policy")
            .or_insert(HeaderValue::from_static("require-corp"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_may_be_framed_by_allowed_origins_only() {
        let f = Framing::new(&[
            "http://127.0.0.1:9000/".into(),
            "https://docs.example.org".into(),
            "x'; script-src *".into(),
        ]);
        assert_eq!(
            f.for_path("/embed").to_str().ok(),
            Some("frame-ancestors 'self' http://127.0.0.1:9000 https://docs.example.org")
        );
        assert_eq!(f.for_path("/").to_str().ok(), Some(SELF_ONLY));
        assert_eq!(f.for_path("/embedded").to_str().ok(), Some(SELF_ONLY));
        assert!(is_embed("/embed/") && !is_embed("/x/embed"));
    }
}
