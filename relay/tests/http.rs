//! `http.*` ops against Python's own `http.server`, the relay's HTTP lab and a
//! scripted raw server: byte-exact request heads in step mode, GET/POST with
//! bodies, content-length / chunked / close-delimited bodies, keep-alive reuse,
//! `wire` events before replies, redirects returned (never followed), every
//! http.client exception of the state machine, timeouts, cancel, close, and the
//! connect policy.
//!
//! Owns only these scenarios; helpers live in `common/` and `http_util/`.

mod common;
mod http_util;

use common::*;
use http_util::*;
use relay::config::Config;
use serde_json::{json, Value};

#[tokio::test]
async fn step_mode_sends_byte_exact_heads_to_python_http_server() {
    let py = PyServer::start(&[("hello.txt", b"hello from python\n")]).await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let h = open(&mut c, py.addr).await;

    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/hello.txt"}))
        .await;
    assert!(
        take_wire(&mut c, &h, "out").await.is_empty(),
        "putrequest only buffers, like http.client"
    );
    let id = c.send(json!({"op": "http.endheaders", "conn": h})).await;
    let reply = c.reply(id).await;
    assert!(reply.get("ok").is_some(), "{reply}");
    let out = take_wire(&mut c, &h, "out").await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept-Encoding: identity\r\n\r\n",
            py.addr.port()
        )
    );
    let wire_at = c
        .log_position(|v| v["ev"] == "wire" && v["handle"] == h.as_str())
        .expect("wire event logged");
    let reply_at = c.log_position(|v| v["re"] == id).expect("reply logged");
    assert!(wire_at < reply_at, "wire events come before the reply");

    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(resp["status"], 200);
    assert_eq!(resp["reason"], "OK");
    assert_eq!(resp["version"], 10, "http.server answers HTTP/1.0");
    assert_eq!(header(&resp, "content-length").as_deref(), Some("18"));
    let wire_in = take_wire(&mut c, &h, "in").await;
    assert!(wire_in.starts_with(b"HTTP/1.0 200 OK\r\n"), "{wire_in:?}");
    let body = c.ok(json!({"op": "http.read", "conn": h})).await;
    assert_eq!(body["data"], json!({"text": "hello from python\n"}));
    let again = c.ok(json!({"op": "http.read", "conn": h})).await;
    assert_eq!(
        bytes(&again["data"]),
        b"",
        "a finished response reads empty"
    );

    // The connection closed with the HTTP/1.0 response: the next request opens
    // a new one by itself (auto_open), with headers given as a list.
    c.ok(
        json!({"op": "http.request", "conn": h, "method": "GET", "url": "/missing",
                "headers": [["X-Test", "1"]]}),
    )
    .await;
    let out = take_wire(&mut c, &h, "out").await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "GET /missing HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept-Encoding: identity\r\nX-Test: 1\r\n\r\n",
            py.addr.port()
        )
    );
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(resp["status"], 404);
    assert_eq!(resp["reason"], "File not found");
}

#[tokio::test]
async fn putheader_skip_flags_and_a_body_in_endheaders() {
    let mut raw = RawServer::start(|_| ok_response("ok")).await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let h = open(&mut c, raw.addr).await;
    c.ok(
        json!({"op": "http.putrequest", "conn": h, "method": "POST", "url": "/x",
                "skip_host": true, "skip_accept_encoding": true}),
    )
    .await;
    c.ok(json!({"op": "http.putheader", "conn": h, "header": "Host", "values": ["example.test"]}))
        .await;
    c.ok(json!({"op": "http.putheader", "conn": h, "header": "X-Multi", "values": ["a", "b"]}))
        .await;
    c.ok(json!({"op": "http.putheader", "conn": h, "header": "Content-Length", "values": ["5"]}))
        .await;
    c.ok(json!({"op": "http.endheaders", "conn": h, "body": {"text": "hello"}}))
        .await;
    let head =
        b"POST /x HTTP/1.1\r\nHost: example.test\r\nX-Multi: a\r\n\tb\r\nContent-Length: 5\r\n\r\n";
    let first = c
        .next_event_where("wire", |e| e["handle"] == h.as_str())
        .await;
    assert_eq!(bytes(&first["data"]), head, "the head is its own send");
    assert_eq!(take_wire(&mut c, &h, "out").await, b"hello");
    let (_, seen) = raw.next_head().await;
    assert_eq!(seen, head);
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(resp["status"], 200);
}

#[tokio::test]
async fn get_and_post_with_bodies_against_the_lab() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, lab) = open_lab(&mut c).await;

    let (resp, body) = fetch(&mut c, &h, "GET", "/get?x=1").await;
    assert_eq!(resp["status"], 200);
    assert_eq!(resp["version"], 11);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["args"]["x"], "1");
    assert_eq!(v["headers"]["Host"], format!("127.0.0.1:{}", lab.port()));
    assert_eq!(v["headers"]["Accept-Encoding"], "identity");

    c.ok(
        json!({"op": "http.request", "conn": h, "method": "POST", "url": "/post",
                "body": {"text": "{\"a\": 1}"}, "headers": [["Content-Type", "application/json"]]}),
    )
    .await;
    let out = take_wire(&mut c, &h, "out").await;
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("\r\nContent-Length: 8\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}"),
        "{out}"
    );
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(resp["status"], 200);
    let body = c.ok(json!({"op": "http.read", "conn": h})).await;
    let v: Value = serde_json::from_slice(&bytes(&body["data"])).expect("json");
    assert_eq!(v["method"], "POST");
    assert_eq!(v["data"], "{\"a\": 1}");
    assert_eq!(v["json"]["a"], 1);
    assert_eq!(v["headers"]["Content-Length"], "8");

    // POST without a body still says Content-Length: 0, as http.client does.
    c.ok(json!({"op": "http.request", "conn": h, "method": "POST", "url": "/post"}))
        .await;
    let out = String::from_utf8(take_wire(&mut c, &h, "out").await).unwrap();
    assert!(out.ends_with("Content-Length: 0\r\n\r\n"), "{out}");
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    c.ok(json!({"op": "http.read", "conn": h})).await;
}

#[tokio::test]
async fn keep_alive_reuses_the_connection() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    let (_, a) = fetch(&mut c, &h, "GET", "/get").await;
    let (_, b) = fetch(&mut c, &h, "GET", "/get").await;
    let a: Value = serde_json::from_slice(&a).unwrap();
    let b: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        a["peer"], b["peer"],
        "both requests came over one connection"
    );

    // Against a scripted server: one connection, two requests.
    let mut raw = RawServer::start(|n| ok_response(&format!("r{n}"))).await;
    let h2 = open(&mut c, raw.addr).await;
    let (_, b0) = fetch(&mut c, &h2, "GET", "/a").await;
    let (_, b1) = fetch(&mut c, &h2, "GET", "/b").await;
    assert_eq!((b0.as_slice(), b1.as_slice()), (&b"r0"[..], &b"r1"[..]));
    assert_eq!(raw.next_head().await.0, 0);
    assert_eq!(
        raw.next_head().await.0,
        0,
        "the second request reused connection 0"
    );
}

#[tokio::test]
async fn chunked_bodies_read_whole_and_in_parts() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    let (resp, body) = fetch(&mut c, &h, "GET", "/chunked/3").await;
    assert_eq!(
        header(&resp, "transfer-encoding").as_deref(),
        Some("chunked")
    );
    assert_eq!(body, b"chunk 0\nchunk 1\nchunk 2\n");

    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/chunked/3"}))
        .await;
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    let mut got = Vec::new();
    loop {
        let r = c.ok(json!({"op": "http.read", "conn": h, "amt": 5})).await;
        let b = bytes(&r["data"]);
        if b.is_empty() {
            break;
        }
        assert!(b.len() <= 5);
        got.extend(b);
    }
    assert_eq!(got, b"chunk 0\nchunk 1\nchunk 2\n");
    // The connection stays usable after a chunked body.
    let (resp, _) = fetch(&mut c, &h, "GET", "/get").await;
    assert_eq!(resp["status"], 200);
}

#[tokio::test]
async fn content_length_bodies_read_in_parts_and_as_base64() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/bytes/100"}))
        .await;
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(header(&resp, "content-length").as_deref(), Some("100"));
    let mut sizes = Vec::new();
    for _ in 0..4 {
        let r = c
            .ok(json!({"op": "http.read", "conn": h, "amt": 40, "encoding": "b64"}))
            .await;
        assert!(r["data"].get("b64").is_some(), "{r}");
        sizes.push(bytes(&r["data"]).len());
    }
    assert_eq!(sizes, [40, 40, 20, 0]);
}

#[tokio::test]
async fn close_delimited_body_then_a_new_connection() {
    let mut raw = RawServer::start(|_| Answer {
        bytes: b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close".to_vec(),
        close: true,
    })
    .await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let h = open(&mut c, raw.addr).await;
    let (resp, body) = fetch(&mut c, &h, "GET", "/").await;
    assert_eq!(resp["status"], 200);
    assert_eq!(body, b"until close");
    let (_, body) = fetch(&mut c, &h, "GET", "/").await;
    assert_eq!(body, b"until close");
    assert_eq!(raw.next_head().await.0, 0);
    assert_eq!(
        raw.next_head().await.0,
        1,
        "will_close: the second request reconnects"
    );
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    let (resp, _) = fetch(&mut c, &h, "GET", "/redirect/2").await;
    assert_eq!(resp["status"], 302);
    assert_eq!(header(&resp, "location").as_deref(), Some("/redirect/1"));
    let out = String::from_utf8(take_wire(&mut c, &h, "out").await).unwrap();
    assert_eq!(
        out.matches("GET ").count(),
        1,
        "exactly one request was sent: {out}"
    );
    let (resp, _) = fetch(&mut c, &h, "GET", "/status/301").await;
    assert_eq!(resp["status"], 301);
    assert_eq!(header(&resp, "location").as_deref(), Some("/get"));
}

#[tokio::test]
async fn head_responses_have_no_body() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    let (resp, body) = fetch(&mut c, &h, "HEAD", "/bytes/50").await;
    assert_eq!(resp["status"], 200);
    assert!(body.is_empty());
    let (resp, body) = fetch(&mut c, &h, "GET", "/bytes/5").await;
    assert_eq!((resp["status"].as_u64(), body.len()), (Some(200), 5));
}

#[tokio::test]
async fn state_machine_exceptions_like_http_client() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;

    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.ResponseNotReady",
        )
        .await;
    assert_eq!(e["message"], "Idle");
    c.err(
        json!({"op": "http.putheader", "conn": h, "header": "A", "values": ["1"]}),
        "http.CannotSendHeader",
    )
    .await;
    c.err(
        json!({"op": "http.endheaders", "conn": h}),
        "http.CannotSendHeader",
    )
    .await;
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/get"}))
        .await;
    let e = c
        .err(
            json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/get"}),
            "http.CannotSendRequest",
        )
        .await;
    assert_eq!(e["message"], "Request-started");
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.ResponseNotReady",
        )
        .await;
    assert_eq!(e["message"], "Request-started");
    c.ok(json!({"op": "http.endheaders", "conn": h})).await;
    let e = c
        .err(
            json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}),
            "http.CannotSendRequest",
        )
        .await;
    assert_eq!(e["message"], "Request-sent");

    // A persistent response must be read before the next one can be fetched.
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/bytes/3"}))
        .await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.ResponseNotReady",
        )
        .await;
    assert_eq!(e["message"], "Request-sent");
    let first = c.ok(json!({"op": "http.read", "conn": h})).await;
    let v: Value = serde_json::from_slice(&bytes(&first["data"])).expect("the /get body");
    assert!(v["headers"].is_object());
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    let r = c
        .ok(json!({"op": "http.read", "conn": h, "encoding": "b64"}))
        .await;
    assert_eq!(bytes(&r["data"]).len(), 3);

    // Python's ValueError / InvalidURL for bad input.
    c.err(
        json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/a b"}),
        "http.InvalidURL",
    )
    .await;
    c.ok(json!({"op": "http.close", "conn": h})).await;
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/"}))
        .await;
    c.err(
        json!({"op": "http.putheader", "conn": h, "header": "Bad:Name", "values": ["1"]}),
        "bad_request",
    )
    .await;
    c.err(
        json!({"op": "http.putheader", "conn": h, "header": "X", "values": ["a\r\nInjected: 1"]}),
        "bad_request",
    )
    .await;
    let e = c
        .err(
            json!({"op": "http.open", "host": "127.0.0.1:http"}),
            "http.InvalidURL",
        )
        .await;
    assert_eq!(e["message"], "nonnumeric port: 'http'");
    c.err(json!({"op": "http.read", "conn": "h99"}), "EBADF")
        .await;
}

async fn one_raw_exchange(answer: &'static [u8], close: bool) -> (Client, String, relay::Running) {
    let raw = RawServer::start(move |_| Answer {
        bytes: answer.to_vec(),
        close,
    })
    .await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let h = open(&mut c, raw.addr).await;
    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}))
        .await;
    drop(raw);
    (c, h, relay)
}

#[tokio::test]
async fn remote_disconnected_closes_the_connection() {
    let (mut c, h, _relay) = one_raw_exchange(b"", true).await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.RemoteDisconnected",
        )
        .await;
    assert_eq!(
        e["message"],
        "Remote end closed connection without response"
    );
    // ConnectionError closed the connection: the state is Idle again.
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/"}))
        .await;
}

#[tokio::test]
async fn bad_status_line_and_unknown_protocol() {
    let (mut c, h, _relay) = one_raw_exchange(b"ICY 200 OK\r\n\r\n", true).await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.BadStatusLine",
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().starts_with("ICY 200 OK"),
        "{e}"
    );
    let e = c
        .err(
            json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/"}),
            "http.CannotSendRequest",
        )
        .await;
    assert_eq!(
        e["message"], "Request-sent",
        "BadStatusLine leaves the state alone, as in Python"
    );

    let (mut c, h, _relay) = one_raw_exchange(b"HTTP/2.0 200 OK\r\n\r\n", true).await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.UnknownProtocol",
        )
        .await;
    assert_eq!(e["message"], "HTTP/2.0");
}

#[tokio::test]
async fn incomplete_read_when_the_body_is_cut_short() {
    let (mut c, h, _relay) =
        one_raw_exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true).await;
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    let e = c
        .err(json!({"op": "http.read", "conn": h}), "http.IncompleteRead")
        .await;
    assert_eq!(
        e["message"],
        "IncompleteRead(5 bytes read, 5 more expected)"
    );

    let (mut c, h, _relay) = one_raw_exchange(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
        true,
    )
    .await;
    c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    let e = c
        .err(json!({"op": "http.read", "conn": h}), "http.IncompleteRead")
        .await;
    assert_eq!(e["message"], "IncompleteRead(5 bytes read)");
}

#[tokio::test]
async fn header_limits_raise_line_too_long_and_too_many_headers() {
    static LONG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let long = LONG.get_or_init(|| {
        let mut r = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
        r.extend(std::iter::repeat_n(b'a', 70_000));
        r.extend_from_slice(b"\r\n\r\n");
        r
    });
    let (mut c, h, _relay) = one_raw_exchange(long, true).await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.LineTooLong",
        )
        .await;
    assert_eq!(
        e["message"],
        "got more than 65536 bytes when reading header line"
    );

    static MANY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let many = MANY.get_or_init(|| {
        let mut r = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..100 {
            r.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        r.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        r
    });
    let (mut c, h, _relay) = one_raw_exchange(many, true).await;
    let e = c
        .err(
            json!({"op": "http.getresponse", "conn": h}),
            "http.HTTPException",
        )
        .await;
    assert_eq!(e["message"], "got more than 100 headers");
}

#[tokio::test]
async fn timeout_cancel_and_close_of_a_blocked_getresponse() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("http");

    // http.open's timeout is the socket timeout: getresponse raises `timeout`.
    let ok = c
        .ok(json!({"op": "http.open", "host": lab[0], "port": lab[1], "timeout": 0.2}))
        .await;
    let h = ok["conn"].as_str().unwrap().to_owned();
    c.ok(json!({"op": "http.request", "conn": h, "method": "GET", "url": "/delay/10"}))
        .await;
    c.err(json!({"op": "http.getresponse", "conn": h}), "timeout")
        .await;

    // cancel answers at once; the connection closes and can be used again.
    let (h2, _) = open_lab(&mut c).await;
    c.ok(json!({"op": "http.request", "conn": h2, "method": "GET", "url": "/delay/10"}))
        .await;
    let blocked = c.send(json!({"op": "http.getresponse", "conn": h2})).await;
    let queued = c.send(json!({"op": "http.read", "conn": h2})).await;
    c.ok(json!({"op": "cancel", "target": blocked})).await;
    expect_err(&c.reply(blocked).await, "cancelled", "getresponse");
    let r = c.reply(queued).await;
    expect_err(
        &r,
        "http.ResponseNotReady",
        "read after a cancelled getresponse",
    );
    let (resp, _) = fetch(&mut c, &h2, "GET", "/get").await;
    assert_eq!(resp["status"], 200);

    // http.close answers pending calls with EBADF; the handle stays usable.
    c.ok(json!({"op": "http.request", "conn": h2, "method": "GET", "url": "/delay/10"}))
        .await;
    let blocked = c.send(json!({"op": "http.getresponse", "conn": h2})).await;
    c.ok(json!({"op": "http.close", "conn": h2})).await;
    expect_err(&c.reply(blocked).await, "EBADF", "getresponse after close");
    let (resp, _) = fetch(&mut c, &h2, "GET", "/get").await;
    assert_eq!(resp["status"], 200);
}

#[tokio::test]
async fn connect_policy_applies_to_http() {
    let mut config = Config::for_tests();
    config.connect_rules_override = Some(vec!["127.0.0.1".parse().unwrap()]);
    let relay = start(config).await;
    let mut raw = RawServer::start(|_| ok_response("x")).await;
    let mut c = Client::connect(&relay).await;
    let ok = c
        .ok(json!({"op": "http.open", "host": "127.0.0.2", "port": raw.addr.port()}))
        .await;
    let h = ok["conn"].as_str().unwrap().to_owned();
    let e = c
        .err(
            json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}),
            "not_allowed",
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("127.0.0.2"), "{e}");
    assert!(
        take_wire(&mut c, &h, "out").await.is_empty(),
        "nothing was sent"
    );
    // The allowed address still works from the same session.
    let h2 = open(&mut c, raw.addr).await;
    let (resp, _) = fetch(&mut c, &h2, "GET", "/").await;
    assert_eq!(resp["status"], 200);
    assert_eq!(
        raw.next_head().await.0,
        0,
        "only the allowed request arrived"
    );
    assert!(raw.heads.try_recv().is_err());
}

#[tokio::test]
async fn connection_refused_is_reported_by_the_sending_call() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let port = closed_port().await;
    let ok = c
        .ok(json!({"op": "http.open", "host": "127.0.0.1", "port": port}))
        .await;
    let h = ok["conn"].as_str().unwrap().to_owned();
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/"}))
        .await;
    c.err(json!({"op": "http.endheaders", "conn": h}), "ECONNREFUSED")
        .await;
}

#[tokio::test]
async fn http_send_writes_raw_bytes_after_the_head() {
    let mut raw = RawServer::start(|_| ok_response("got it")).await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let h = open(&mut c, raw.addr).await;
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "PUT", "url": "/up"}))
        .await;
    c.ok(json!({"op": "http.putheader", "conn": h, "header": "Content-Length", "values": ["6"]}))
        .await;
    c.ok(json!({"op": "http.endheaders", "conn": h})).await;
    c.ok(json!({"op": "http.send", "conn": h, "data": {"b64": "AAEC"}}))
        .await;
    c.ok(json!({"op": "http.send", "conn": h, "data": {"text": "abc"}}))
        .await;
    raw.next_head().await;
    let resp = c.ok(json!({"op": "http.getresponse", "conn": h})).await;
    assert_eq!(resp["status"], 200);
    let out = take_wire(&mut c, &h, "out").await;
    assert!(out.ends_with(b"\r\n\r\n\x00\x01\x02abc"), "{out:?}");
}

#[tokio::test]
async fn the_lab_serves_its_endpoints() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (h, _) = open_lab(&mut c).await;
    let (resp, body) = fetch(&mut c, &h, "GET", "/").await;
    assert_eq!(resp["status"], 200);
    let index = String::from_utf8(body).unwrap();
    for path in [
        "/get",
        "/post",
        "/headers",
        "/status/",
        "/bytes/",
        "/delay/",
        "/chunked/",
        "/redirect/",
    ] {
        assert!(index.contains(path), "index lists {path}");
    }
    let (resp, body) = fetch(&mut c, &h, "GET", "/headers").await;
    assert_eq!(resp["status"], 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["headers"]["Accept-Encoding"], "identity");
    let (resp, _) = fetch(&mut c, &h, "GET", "/status/418").await;
    assert_eq!(
        (resp["status"].as_u64(), resp["reason"].as_str()),
        (Some(418), Some("I'm a teapot"))
    );
    let (resp, _) = fetch(&mut c, &h, "GET", "/status/204").await;
    assert_eq!(resp["status"], 204);
    let (resp, _) = fetch(&mut c, &h, "GET", "/status/99").await;
    assert_eq!(resp["status"], 400);
    let (resp, _) = fetch(&mut c, &h, "GET", "/bytes/2000000").await;
    assert_eq!(resp["status"], 400, "/bytes is bounded");
    let (resp, body) = fetch(&mut c, &h, "GET", "/bytes/1048576").await;
    assert_eq!((resp["status"].as_u64(), body.len()), (Some(200), 1 << 20));
    let (resp, body) = fetch(&mut c, &h, "GET", "/delay/0").await;
    assert_eq!(resp["status"], 200);
    assert!(serde_json::from_slice::<Value>(&body).unwrap()["url"].is_string());
    let (resp, _) = fetch(&mut c, &h, "GET", "/redirect/1").await;
    assert_eq!(header(&resp, "location").as_deref(), Some("/get"));
    let (resp, body) = fetch(&mut c, &h, "DELETE", "/post").await;
    assert_eq!(resp["status"], 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["method"],
        "DELETE"
    );
}

#[tokio::test]
async fn ipv6_hosts_are_bracketed_in_the_host_header() {
    if !ipv6_loopback_available().await {
        eprintln!("skipped: ::1 is not available");
        return;
    }
    let mut raw = RawServer::start_on("[::1]:0", |_| ok_response("v6")).await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let ok = c
        .ok(json!({"op": "http.open", "host": format!("[::1]:{}", raw.addr.port())}))
        .await;
    let h = ok["conn"].as_str().unwrap().to_owned();
    let (resp, body) = fetch(&mut c, &h, "GET", "/").await;
    assert_eq!(
        (resp["status"].as_u64(), body.as_slice()),
        (Some(200), &b"v6"[..])
    );
    let (_, head) = raw.next_head().await;
    assert_eq!(
        String::from_utf8(head).unwrap(),
        format!(
            "GET / HTTP/1.1\r\nHost: [::1]:{}\r\nAccept-Encoding: identity\r\n\r\n",
            raw.addr.port()
        )
    );
}
