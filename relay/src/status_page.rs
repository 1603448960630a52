//! The teacher's view over HTTP: `GET /status` (an HTML page that refreshes every
//! 2 s), `GET /status.json` ([`shared::StatusReport`]) and `GET /metrics`
//! (`metrics.rs`), and the one access rule they share ([`denied`]).
//!
//! Access: the status token is `--status-token-file` / `SOCKLAB_STATUS_TOKEN`,
//! else the session token. It is given as `Authorization: Bearer TOKEN`, or once
//! as `?token=TOKEN`, which answers with a redirect that drops it from the address
//! and sets an `HttpOnly; SameSite=Strict` cookie so the page can refresh itself.
//! Compared in constant time. Without any token the view is open only when the
//! relay listens on loopback (whoever can reach it can already run as the user);
//! a relay on the network without a token refuses it (403). Every value a learner
//! chose (the display name, lesson ids) is HTML-escaped.

use crate::session::auth::constant_time_eq;
use crate::state::RelayState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use shared::{SessionStatus, StatusReport};
use std::fmt::Write;
use std::sync::Arc;

/// The cookie that carries the status token after `?token=`.
const COOKIE: &str = "socklab_status";

/// The routes of the teacher's view.
pub fn routes() -> Router<Arc<RelayState>> {
    Router::new()
        .route("/status", get(status_html))
        .route("/status.json", get(status_json))
        .route("/metrics", get(crate::metrics::metrics))
}

/// The token that opens the view, if any.
fn expected(state: &RelayState) -> Option<&str> {
    state
        .config
        .status_token
        .as_deref()
        .or(state.config.token.as_deref())
}

/// `None` lets the request in; otherwise the answer that keeps it out (or the
/// redirect that turns `?token=` into a cookie). `path` is where that redirect
/// goes.
pub fn denied(
    state: &RelayState,
    headers: &HeaderMap,
    query: Option<&str>,
    path: &str,
) -> Option<Response> {
    let Some(expected) = expected(state) else {
        if state.config.is_exposed() {
            return Some(
                (
                    StatusCode::FORBIDDEN,
                    "the status view is off: this relay listens on the network without a token. \
                 Start it with --status-token-file PATH (or --token-file) to turn it on.\n",
                )
                    .into_response(),
            );
        }
        return None;
    };
    let matches = |given: &str| constant_time_eq(expected.as_bytes(), given.as_bytes());
    if let Some(given) = query.and_then(query_token) {
        if !matches(&given) {
            return Some(refused("wrong status token"));
        }
        let cookie = format!("{COOKIE}={expected}; HttpOnly; SameSite=Strict; Path=/");
        return Some(
            (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, path.to_owned()),
                    (header::SET_COOKIE, cookie),
                ],
            )
                .into_response(),
        );
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='));
    match bearer.or(cookie) {
        Some(given) if matches(given.trim()) => None,
        Some(_) => Some(refused("wrong status token")),
        None => Some(refused("the status token is missing")),
    }
}

fn refused(why: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer realm=\"socklab status\"")],
        format!(
            "{why}: open /status?token=YOUR_STATUS_TOKEN once in the browser, or send \
             'Authorization: Bearer YOUR_STATUS_TOKEN'\n"
        ),
    )
        .into_response()
}

/// The `token` parameter of a query string, percent-decoded.
fn query_token(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

/// The report both views show.
pub fn report(state: &RelayState) -> StatusReport {
    StatusReport {
        relay: state.health().relay,
        uptime_secs: state.health().uptime_secs,
        draining: state.drain.is_draining(),
        totals: state.registry.totals(),
        sessions: state.registry.sessions(),
    }
}

async fn status_json(
    State(state): State<Arc<RelayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = denied(&state, &headers, query.as_deref(), "/status.json") {
        return r;
    }
    no_store(axum::Json(report(&state)).into_response())
}

async fn status_html(
    State(state): State<Arc<RelayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = denied(&state, &headers, query.as_deref(), "/status") {
        return r;
    }
    no_store(Html(page(&report(&state))).into_response())
}

/// Marks an answer as never to be cached (live counts, personal data).
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.4 system-ui,sans-serif;margin:1rem;color:#111;background:#fff}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;\
text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}\
td.id{white-space:nowrap}.muted{color:#555}.warn{color:#8a1c00;font-weight:bold}\
@media (max-width:700px){table,tbody,tr,td{display:block}thead{position:absolute;left:-10000px}\
tr{border:1px solid #ccc;margin:0 0 .75rem;padding:.25rem}td,td.n{border:0;text-align:left;padding:.1rem .25rem}\
td::before{content:attr(data-label) \": \";font-weight:bold}}";

/// The HTML page: relay totals, then one row per session.
fn page(r: &StatusReport) -> String {
    let t = &r.totals;
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=en><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=refresh content=2><title>socklab: class status</title>\
         <style>{STYLE}</style><h1>socklab: class status</h1>{}\
         <p>{} sessions open ({} since start) · handles: {} sockets, {} HTTP, {} FTP · \
         {} B in, {} B out · errors: {}, denials: {} · up {} s · refreshes every 2 s</p>",
        if r.draining {
            "<p class=warn>The relay is shutting down: sessions are closing.</p>"
        } else {
            ""
        },
        t.sessions,
        t.sessions_total,
        t.handles.sockets,
        t.handles.http,
        t.handles.ftp,
        t.bytes_in,
        t.bytes_out,
        t.errors,
        t.denials,
        r.uptime_secs
    );
    if r.sessions.is_empty() {
        html.push_str("<p class=muted>No one is connected.</p>");
        return html;
    }
    html.push_str(
        "<table><thead><tr><th scope=col>Name</th><th scope=col>Session</th>\
         <th scope=col>Peer</th><th scope=col>Open for</th><th scope=col>Lesson</th>\
         <th scope=col>Done</th><th scope=col>Sockets / HTTP / FTP</th>\
         <th scope=col>Bytes in / out</th><th scope=col>Errors</th><th scope=col>Denials</th>\
         </tr></thead><tbody>",
    );
    for s in &r.sessions {
        row(&mut html, s);
    }
    html.push_str("</tbody></table>");
    html
}

fn row(html: &mut String, s: &SessionStatus) {
    let p = &s.progress;
    let name = p
        .name
        .as_deref()
        .map_or("<span class=muted>(no name)</span>".into(), escape);
    let lesson = match (&p.lesson, p.step, p.steps) {
        (Some(l), Some(step), Some(steps)) => format!("{} step {step}/{steps}", escape(l)),
        (Some(l), Some(step), None) => format!("{} step {step}", escape(l)),
        (Some(l), _, _) => escape(l),
        (None, _, _) => "<span class=muted>—</span>".into(),
    };
    let done = p
        .done
        .as_ref()
        .filter(|d| !d.is_empty())
        .map_or("<span class=muted>—</span>".into(), |d| {
            escape(&d.join(", "))
        });
    let _ = write!(
        html,
        "<tr><td data-label=Name>{name}</td><td class=id data-label=Session>{}</td>\
         <td data-label=Peer>{}</td><td class=n data-label=\"Open for\">{} s</td>\
         <td data-label=Lesson>{lesson}</td><td data-label=Done>{done}</td>\
         <td class=n data-label=\"Sockets / HTTP / FTP\">{} / {} / {}</td>\
         <td class=n data-label=\"Bytes in / out\">{} / {}</td>\
         <td class=n data-label=Errors>{}</td><td class=n data-label=Denials>{}</td></tr>",
        escape(&s.id),
        escape(&s.peer),
        s.age_secs,
        s.handles.sockets,
        s.handles.http,
        s.handles.ftp,
        s.bytes_in,
        s.bytes_out,
        s.errors,
        s.denials
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_query_tokens() {
        assert_eq!(
            escape("<b>\"Ada\" & 'Bob'</b>"),
            "&lt;b&gt;&quot;Ada&quot; &amp; &#39;Bob&#39;&lt;/b&gt;"
        );
        assert_eq!(
            query_token("a=1&token=t%20o+k%zz").as_deref(),
            Some("t o k%zz")
        );
        assert_eq!(query_token("tokens=1"), None);
    }
}
