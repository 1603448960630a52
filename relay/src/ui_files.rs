//! Serving the built web UI (trunk's `dist/`) at `/`, and its `learn` build
//! (`dist/learn/`: lessons, replay, share links, the embed player) at
//! `/learn/` and `/embed`: files from the UI directory, the build's
//! `index.html` for any path that names no file (the page routes itself;
//! `/learn/…` gets `learn/index.html`, as does `/embed`), the `NAME.gz` twin a release build writes beside a file to a browser
//! that accepts gzip, and `Cache-Control`: trunk's hashed asset names
//! (`frontend-<hex hash>.js`, `…_bg.wasm`, the split wasm's parts, `style-<hex hash>.css`) never change
//! content, so they are `immutable`; everything else (`index.html`, which names
//! the current assets) is `no-cache`, i.e. revalidated on every load. Pyodide
//! under `/pyodide/<version>/` is `immutable` too (the version is in the path);
//! the Python tab's own files under `/python/` are revalidated.
//!
//! Owns only these HTTP responses; which directory is served is `server.rs`'s.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::PathBuf;
use tower_http::services::{ServeDir, ServeFile};

/// For names that change whenever their content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else: the browser may keep it but asks again each time.
const REVALIDATE: &str = "no-cache";

/// Where the `learn` build is, under the UI directory and in URLs.
const LEARN: &str = "learn";

/// The service for everything the relay's own routes do not answer.
pub fn service(dir: PathBuf) -> Router {
    let learn = dir.join(LEARN);
    let learn_index = learn.join("index.html");
    Router::new()
        .route_service("/embed", ServeFile::new(&learn_index).precompressed_gzip())
        .nest_service(&format!("/{LEARN}"), files(learn))
        .fallback_service(files(dir))
        .layer(middleware::from_fn(cache_control))
}

/// The files of one build's directory, its `index.html` for any other path.
fn files(dir: PathBuf) -> ServeDir<ServeFile> {
    let index = dir.join("index.html");
    ServeDir::new(dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(index).precompressed_gzip())
}

/// Adds `Cache-Control` to a successful (or not modified) answer for `req`.
async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path()) || is_versioned(req.uri().path());
    let mut res = next.run(req).await;
    let status = res.status();
    if !(status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED) {
        return res;
    }
    // An unknown hashed-looking name gets `index.html`: that must not be kept.
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let value = if hashed && !html {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// `/pyodide/<version>/<file>`, where the version starts with a digit.
fn is_versioned(path: &str) -> bool {
    let mut parts = path.split('/').skip(1);
    parts.next() == Some("pyodide")
        && parts
            .next()
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        && parts.next().is_some_and(|f| !f.is_empty())
}

/// Whether the last segment of `path` carries trunk's content hash: a `-`
/// followed by its hex digits and then `.` or `_` (`frontend-0123456789abcdef.js`,
/// `frontend-0123456789abcdef_bg.wasm`). trunk prints its 64-bit hash without
/// leading zeros, so a build may have 15 digits (or, rarely, fewer); 13 to 16
/// are taken as a hash, shorter runs (`file-add.py`) are not.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('-').skip(1).any(|part| {
        let digits = part.chars().take_while(char::is_ascii_hexdigit).count();
        (13..=16).contains(&digits) && matches!(part.chars().nth(digits), Some('.' | '_'))
    })
}

#[cfg(test)]
mod tests {
    use super::{is_hashed_asset, is_versioned};
    use proptest::prelude::*;

    proptest! {
        /// Any path a browser sends is judged without a panic; a trunk name
        /// with 13 to 16 hex digits is always a hashed asset, one with a
        /// shorter run never is.
        #[test]
        fn any_path_is_judged_and_trunk_names_are_hashed(
            path in "\\PC{0,80}",
            stem in "[a-z_]{1,12}",
            hash in "[0-9a-f]{13,16}",
            short in "[0-9a-f]{1,12}",
            ext in "(\\.js|_bg\\.wasm|\\.css|_panels\\.wasm)",
        ) {
            let _ = is_hashed_asset(&path);
            let _ = is_versioned(&path);
            let hashed = format!("/{stem}-{hash}{ext}");
            let unhashed = format!("/{stem}-{short}{ext}");
            prop_assert!(is_hashed_asset(&hashed), "{}", hashed);
            prop_assert!(!is_hashed_asset(&unhashed), "{}", unhashed);
        }
    }

    #[test]
    fn pyodide_paths_are_versioned() {
        assert!(is_versioned("/pyodide/314.0.7/pyodide.asm.wasm"));
        assert!(!is_versioned("/pyodide/latest/pyodide.asm.wasm"));
        assert!(!is_versioned("/pyodide/314.0.7/"));
        assert!(!is_versioned("/python/runtime.js"));
    }

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed_asset("/frontend-9cd1ea6559d39243.js"));
        assert!(is_hashed_asset("/frontend-9cd1ea6559d39243_bg.wasm"));
        assert!(is_hashed_asset("/style-6ce90280e51a2388.css"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/lessons.json"));
        // trunk drops leading zeros: 15 digits happen.
        assert!(is_hashed_asset("/frontend-cef66182c414426.js"));
        assert!(is_hashed_asset("/frontend-cef66182c414426_panels.wasm"));
        assert!(!is_hashed_asset("/python/examples/file-add.py"));
        assert!(!is_hashed_asset("/frontend-9cd1ea6559d3.js"));
        assert!(!is_hashed_asset("/frontend-9cd1ea6559d392431.js"));
        assert!(!is_hashed_asset("/frontend-9cd1ea6559d39243x.js"));
        assert!(!is_hashed_asset("/frontend-9cd1ea6559d3924g.js"));
    }
}
