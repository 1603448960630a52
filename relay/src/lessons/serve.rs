//! `GET /lessons.json`: the lesson catalogue as JSON, made once at start-up
//! (with a gzip copy for clients that accept it), `Cache-Control: no-cache`
//! so a restarted relay's new lessons are seen at once.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use shared::lesson::LessonCatalog;
use std::io::Write;

/// The catalogue's bytes, plain and gzipped.
#[derive(Clone, Debug)]
pub struct Served {
    json: Bytes,
    gzip: Option<Bytes>,
}

impl Served {
    pub fn new(catalog: &LessonCatalog) -> Served {
        let json = serde_json::to_vec(catalog).unwrap_or_default();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = encoder
            .write_all(&json)
            .and_then(|()| encoder.finish())
            .ok()
            .map(Bytes::from);
        Served {
            json: Bytes::from(json),
            gzip,
        }
    }

    /// The response to a request with these headers.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let gzip_ok = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|coding| {
                let mut parts = coding.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                });
                name.eq_ignore_ascii_case("gzip") && !refused
            });
        let mut base = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ]
        .into_iter()
        .collect::<HeaderMap>();
        match (&self.gzip, gzip_ok) {
            (Some(gz), true) => {
                base.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                (base, gz.clone()).into_response()
            }
            _ => (base, self.json.clone()).into_response(),
        }
    }
}
