//! `GET /metrics`: the relay's counters in the Prometheus text exposition format
//! (version 0.0.4), behind the status token (`status_page::denied`).
//!
//! Written by hand rather than with a client library: the format is a few lines
//! of text, every value is already an atomic in `status.rs`, and the label sets
//! are fixed lists (op names, error codes, denial kinds, handle kinds), so no
//! label value ever comes from a learner and none needs escaping. The test in
//! `relay/tests/status_metrics.rs` reads the output with a strict parser.

use crate::state::RelayState;
use crate::status::DENIAL_KINDS;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

pub async fn metrics(
    State(state): State<Arc<RelayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = crate::status_page::denied(&state, &headers, query.as_deref(), "/metrics") {
        return r;
    }
    crate::status_page::no_store(
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            render(&state),
        )
            .into_response(),
    )
}

/// One metric family: `# HELP`, `# TYPE` and its samples.
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

fn one(value: u64) -> [(String, u64); 1] {
    [(String::new(), value)]
}

fn labelled<'a>(
    label: &str,
    names: impl IntoIterator<Item = &'a str>,
    values: &[std::sync::atomic::AtomicU64],
) -> Vec<(String, u64)> {
    names
        .into_iter()
        .zip(values)
        .map(|(n, v)| (format!("{{{label}=\"{n}\"}}"), v.load(Relaxed)))
        .collect()
}

/// The whole exposition.
pub fn render(state: &RelayState) -> String {
    let reg = &state.registry;
    let t = &reg.totals;
    let (handles, lab_clients) = reg.handles();
    let mut out = String::new();
    family(
        &mut out,
        "socklab_sessions",
        "gauge",
        "Open sessions (browser tabs).",
        &one(reg.len() as u64),
    );
    family(
        &mut out,
        "socklab_sessions_total",
        "counter",
        "Sessions opened since start.",
        &one(t.sessions_total.load(Relaxed)),
    );
    let by_kind = [
        ("socket", handles.sockets),
        ("http", handles.http),
        ("ftp", handles.ftp),
    ]
    .map(|(k, v)| (format!("{{kind=\"{k}\"}}"), v));
    family(
        &mut out,
        "socklab_handles",
        "gauge",
        "Open handles of all sessions by kind.",
        &by_kind,
    );
    family(
        &mut out,
        "socklab_lab_clients",
        "gauge",
        "Connections sessions hold to the lab servers.",
        &one(lab_clients),
    );
    family(
        &mut out,
        "socklab_bytes_in_total",
        "counter",
        "WebSocket bytes received from browsers.",
        &one(t.bytes_in.load(Relaxed)),
    );
    family(
        &mut out,
        "socklab_bytes_out_total",
        "counter",
        "WebSocket bytes sent to browsers.",
        &one(t.bytes_out.load(Relaxed)),
    );
    family(
        &mut out,
        "socklab_errors_total",
        "counter",
        "Requests answered with an error, by err.code.",
        &labelled("code", t.codes().iter().copied(), &t.errors),
    );
    family(
        &mut out,
        "socklab_denials_total",
        "counter",
        "Requests refused by the policy, a limit or the token.",
        &labelled("kind", DENIAL_KINDS.iter().map(|(_, k)| *k), &t.denials),
    );
    family(
        &mut out,
        "socklab_ops_total",
        "counter",
        "Requests received, by op.",
        &labelled("op", shared::request::OP_NAMES.iter().copied(), &t.ops),
    );
    family(
        &mut out,
        "socklab_draining",
        "gauge",
        "1 while the relay drains (SIGTERM).",
        &one(u64::from(state.drain.is_draining())),
    );
    out
}
