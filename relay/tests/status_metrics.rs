//! The teacher's view: `/status`, `/status.json` and `/metrics` refuse without the
//! status token, take it as a Bearer header or once as `?token=` (then a cookie),
//! report true counts while many sessions work, show each learner's `progress`
//! escaped, and `/metrics` is valid Prometheus text.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::Config;
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP answer: status code, headers (lower-case names) and body.
struct Answer {
    code: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain HTTP/1.1 GET over loopback with extra header lines.
async fn get(addr: SocketAddr, path: &str, extra: &[(&str, &str)]) -> Answer {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("http answer", s.read_to_string(&mut out))
        .await
        .expect("read");
    let (head, body) = out.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let code = lines.next().expect("status line")[9..12]
        .parse()
        .expect("status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        code,
        headers,
        body: body.to_owned(),
    }
}

fn with_token(token: &str) -> Config {
    let mut config = Config::for_tests();
    config.token = Some("class-token".into());
    config.status_token = Some(token.into());
    config
}

async fn authed(relay: &relay::Running) -> Client {
    let mut c = Client::connect(relay).await;
    c.ok(json!({"op": "auth", "token": "class-token"})).await;
    c
}

#[tokio::test]
async fn the_view_refuses_without_the_status_token() {
    let relay = start(with_token("teacher-secret")).await;
    for path in ["/status", "/status.json", "/metrics"] {
        let none = get(relay.addr, path, &[]).await;
        assert_eq!(none.code, 401, "{path}: {}", none.body);
        assert!(
            none.body.contains("status token is missing"),
            "{}",
            none.body
        );
        assert_eq!(
            none.header("www-authenticate"),
            Some("Bearer realm=\"socklab status\"")
        );
        let wrong = get(relay.addr, path, &[("Authorization", "Bearer nope")]).await;
        assert_eq!(wrong.code, 401, "{path}");
        assert!(wrong.body.contains("wrong status token"), "{}", wrong.body);
        // The class token is not the status token when a status token is set.
        let class = get(relay.addr, path, &[("Authorization", "Bearer class-token")]).await;
        assert_eq!(class.code, 401, "{path}");
        let ok = get(
            relay.addr,
            path,
            &[("Authorization", "Bearer teacher-secret")],
        )
        .await;
        assert_eq!(ok.code, 200, "{path}: {}", ok.body);
        assert_eq!(ok.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn a_token_in_the_address_becomes_a_strict_http_only_cookie() {
    let relay = start(with_token("t0k3n/+")).await;
    let wrong = get(relay.addr, "/status?token=nope", &[]).await;
    assert_eq!(wrong.code, 401);
    let first = get(relay.addr, "/status?token=t0k3n%2F%2B", &[]).await;
    assert_eq!(first.code, 303, "{}", first.body);
    assert_eq!(first.header("location"), Some("/status"));
    let cookie = first.header("set-cookie").expect("a cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    let page = get(relay.addr, "/status", &[("Cookie", pair)]).await;
    assert_eq!(page.code, 200, "{}", page.body);
    assert!(page.body.contains("<meta http-equiv=refresh content=2>"));
    let bad = get(relay.addr, "/status", &[("Cookie", "socklab_status=nope")]).await;
    assert_eq!(bad.code, 401);
}

#[tokio::test]
async fn the_session_token_opens_the_view_when_no_status_token_is_set() {
    let mut config = Config::for_tests();
    config.token = Some("class-token".into());
    let relay = start(config).await;
    assert_eq!(get(relay.addr, "/status.json", &[]).await.code, 401);
    let ok = get(
        relay.addr,
        "/status.json",
        &[("Authorization", "Bearer class-token")],
    )
    .await;
    assert_eq!(ok.code, 200);
}

#[tokio::test]
async fn without_any_token_only_a_loopback_relay_serves_the_view() {
    let relay = start_default().await;
    assert_eq!(get(relay.addr, "/status", &[]).await.code, 200);
    assert_eq!(get(relay.addr, "/metrics", &[]).await.code, 200);

    let mut config = Config::for_tests();
    config.listen = "0.0.0.0:0".parse().unwrap();
    config.insecure_no_token = true;
    let exposed = start(config).await;
    let at = SocketAddr::from(([127, 0, 0, 1], exposed.addr.port()));
    for path in ["/status", "/status.json", "/metrics"] {
        let refused = get(at, path, &[]).await;
        assert_eq!(refused.code, 403, "{path}");
        assert!(
            refused.body.contains("--status-token-file"),
            "{}",
            refused.body
        );
    }
}

/// Strict reading of the Prometheus text format: every line is a `# HELP` or
/// `# TYPE` comment or a sample `name{label="value",…} integer`; every sample's
/// family has a TYPE before it. Returns samples by `name{labels}`.
fn parse_prometheus(text: &str) -> HashMap<String, u64> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    let mut typed = HashMap::new();
    let mut samples = HashMap::new();
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, tail) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_else(|| panic!("bad comment: {line}"));
            assert!(name_ok(name), "{line}");
            match kind {
                Some("HELP") => assert!(tail.is_some_and(|t| !t.is_empty()), "{line}"),
                Some("TYPE") => {
                    let t = tail.unwrap_or_default();
                    assert!(["counter", "gauge"].contains(&t), "{line}");
                    assert!(
                        typed.insert(name.to_owned(), t.to_owned()).is_none(),
                        "{line}"
                    );
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: u64 = value.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
        let name = match series.split_once('{') {
            None => series,
            Some((name, labels)) => {
                let labels = labels.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                for pair in labels.split(',') {
                    let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                    assert!(name_ok(k), "{line}");
                    assert!(
                        v.len() >= 2 && v.starts_with('"') && v.ends_with('"'),
                        "{line}"
                    );
                    assert!(!v[1..v.len() - 1].contains(['"', '\\', '\n']), "{line}");
                }
                name
            }
        };
        assert!(name_ok(name), "{line}");
        assert!(typed.contains_key(name), "sample before its TYPE: {line}");
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "duplicate: {line}"
        );
    }
    samples
}

#[tokio::test]
async fn status_and_metrics_report_true_counts_under_load() {
    const N: usize = 24;
    let mut config = with_token("teacher");
    // 127.0.0.1 only: a connect to 127.0.0.2 is a policy denial.
    config.connect_rules_override = Some(vec!["127.0.0.1".parse().unwrap()]);
    config.limits.max_sessions_per_ip = N as u32 + 1;
    let relay = start(config).await;
    let refused = closed_port().await;
    let mut clients = Vec::new();
    for i in 0..N {
        let mut c = authed(&relay).await;
        let a = tcp_socket(&mut c).await;
        let _b = tcp_socket(&mut c).await;
        let e = c
            .req(json!({"op": "connect", "sock": a, "addr": ["127.0.0.1", refused]}))
            .await;
        expect_err(&e, "ECONNREFUSED", "connect to a closed port");
        let s = tcp_socket(&mut c).await;
        let d = c
            .req(json!({"op": "connect", "sock": s, "addr": ["127.0.0.2", refused]}))
            .await;
        expect_err(&d, "not_allowed", "connect outside the policy");
        c.ok(json!({"op": "close", "sock": s})).await;
        c.ok(
            json!({"op": "progress", "name": format!("learner {i}"), "lesson": "e02",
                    "step": i % 5, "steps": 5, "done": ["e01"]}),
        )
        .await;
        clients.push(c);
    }
    let auth = [("Authorization", "Bearer teacher")];
    let status: shared::StatusReport =
        serde_json::from_str(&get(relay.addr, "/status.json", &auth).await.body).expect("json");
    assert_eq!(status.sessions.len(), N);
    assert_eq!(status.totals.sessions, N as u64);
    assert_eq!(status.totals.sessions_total, N as u64);
    assert_eq!(status.totals.handles.sockets, 2 * N as u64);
    assert_eq!(status.totals.errors, 2 * N as u64);
    assert_eq!(status.totals.denials, N as u64);
    for (i, s) in status.sessions.iter().enumerate() {
        assert_eq!(s.peer, "127.0.0.1");
        assert_eq!(s.handles.sockets, 2, "{s:?}");
        assert_eq!((s.errors, s.denials), (2, 1), "{s:?}");
        // auth, 3 × socket, 2 × connect, close, progress.
        assert_eq!(s.ops, 8, "{s:?}");
        assert!(s.bytes_in > 0 && s.bytes_out > s.bytes_in, "{s:?}");
        assert_eq!(
            s.progress.name.as_deref(),
            Some(format!("learner {i}").as_str())
        );
        assert_eq!(s.progress.lesson.as_deref(), Some("e02"));
        assert_eq!(s.progress.steps, Some(5));
    }

    let metrics = get(relay.addr, "/metrics", &auth).await;
    assert_eq!(
        metrics.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let m = parse_prometheus(&metrics.body);
    let n = N as u64;
    assert_eq!(m["socklab_sessions"], n);
    assert_eq!(m["socklab_sessions_total"], n);
    assert_eq!(m["socklab_handles{kind=\"socket\"}"], 2 * n);
    assert_eq!(m["socklab_handles{kind=\"http\"}"], 0);
    assert_eq!(m["socklab_ops_total{op=\"socket\"}"], 3 * n);
    assert_eq!(m["socklab_ops_total{op=\"progress\"}"], n);
    assert_eq!(m["socklab_errors_total{code=\"ECONNREFUSED\"}"], n);
    assert_eq!(m["socklab_errors_total{code=\"not_allowed\"}"], n);
    assert_eq!(m["socklab_denials_total{kind=\"policy\"}"], n);
    assert_eq!(m["socklab_draining"], 0);
    assert!(m["socklab_bytes_out_total"] > m["socklab_bytes_in_total"]);
    // Every op of the catalogue has its own series, even at zero.
    for op in shared::request::OP_NAMES {
        assert!(
            m.contains_key(&format!("socklab_ops_total{{op=\"{op}\"}}")),
            "{op}"
        );
    }

    // Sessions that end leave the gauge and stay in the totals.
    for c in clients.drain(..N / 2) {
        c.close().await;
    }
    let after = parse_prometheus(&get(relay.addr, "/metrics", &auth).await.body);
    let open = after["socklab_sessions"];
    // A closing session leaves when its task ends; the client saw the close already.
    assert!(open <= n, "{open}");
    assert_eq!(after["socklab_sessions_total"], n);
}

#[tokio::test]
async fn progress_is_shown_escaped_and_bad_reports_are_refused() {
    let relay = start(with_token("teacher")).await;
    let mut c = authed(&relay).await;
    c.ok(
        json!({"op": "progress", "name": "<script>alert('x')</script>", "lesson": "e03",
                "step": 2, "steps": 5, "done": ["e01", "e02"]}),
    )
    .await;
    let e = c
        .req(json!({"op": "progress", "name": "x".repeat(41)}))
        .await;
    let err = expect_err(&e, "bad_request", "a long name");
    assert!(
        err["message"].as_str().unwrap().contains("at most 40"),
        "{err}"
    );
    let e = c.req(json!({"op": "progress", "lesson": "E3!"})).await;
    expect_err(&e, "bad_request", "a bad lesson id");
    let e = c
        .req(json!({"op": "progress", "done": vec!["e01"; 65]}))
        .await;
    expect_err(&e, "bad_request", "too many done lessons");
    // A later report keeps the name and moves the step.
    c.ok(json!({"op": "progress", "step": 3})).await;

    let page = get(
        relay.addr,
        "/status",
        &[("Authorization", "Bearer teacher")],
    )
    .await;
    assert_eq!(page.code, 200);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(page.body.contains("e03 step 3/5"), "{}", page.body);
    assert!(page.body.contains("e01, e02"), "{}", page.body);

    // Another session never sees it: its own view of the relay is its hello.
    let mut other = authed(&relay).await;
    assert!(!other.hello.to_string().contains("alert"));
    other.ok(json!({"op": "ping"})).await;
    assert!(other.pending_events().is_empty());
}
