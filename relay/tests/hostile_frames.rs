//! Hostile input from one session never stalls the relay or ends the session:
//! megabyte frames of junk keys around a mistyped field, megabyte nesting and
//! out-of-range numbers, FTP commands that are not ASCII, `http.putheader` called
//! until the request head would outgrow its bound, and `ftp.storlines` of a frame
//! full of newlines. Meanwhile another session's pings and `GET /healthz` are
//! answered.
//!
//! Synchronisation is by awaiting replies and events; the harness's hang guard
//! (10 s per wait) is the only time bound. Owns only these scenarios; the harness
//! lives in `common/`.

mod common;

use common::*;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A `connect` request of about 800 KiB: 68,000 keys no op reads, all sorting
/// before the op's fields, and `addr` of the wrong type.
fn junk_frame(id: u64) -> String {
    let mut map = Map::new();
    map.insert("id".into(), json!(id));
    map.insert("op".into(), json!("connect"));
    map.insert("sock".into(), json!("s1"));
    for i in 0..68_000 {
        map.insert(format!("_{i:05}"), json!(i));
    }
    map.insert("addr".into(), json!(5));
    Value::Object(map).to_string()
}

/// A plain HTTP/1.1 GET of `/healthz`; returns the status line.
async fn healthz(addr: std::net::SocketAddr) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    guard("healthz response", s.read_to_string(&mut out))
        .await
        .expect("read");
    out.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_key_frames_are_refused_while_other_sessions_are_served() {
    let relay = start_default().await;
    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    let frame_ids = [101u64, 102, 103, 104];
    let frames: Vec<String> = frame_ids.iter().map(|&id| junk_frame(id)).collect();
    let max = a.hello["limits"]["max_message_bytes"]
        .as_u64()
        .expect("limit");
    assert!(frames.iter().all(|f| (f.len() as u64) < max));

    let hostile = async {
        for f in &frames {
            a.send_text(f.clone()).await;
        }
        for id in frame_ids {
            let r = a.reply(id).await;
            let e = expect_err(&r, "bad_request", "a frame of junk keys");
            let m = e["message"].as_str().expect("message");
            assert!(
                m.contains("op `connect`") && m.contains("field `addr`"),
                "{m}"
            );
        }
        a.ok(json!({"op": "ping"})).await;
    };
    let other = async {
        for _ in 0..20 {
            b.ok(json!({"op": "ping"})).await;
        }
        assert_eq!(healthz(relay.addr).await, "HTTP/1.1 200 OK");
        b.ok(json!({"op": "ping"})).await;
    };
    tokio::join!(hostile, other);
}

#[tokio::test]
async fn megabyte_nesting_and_huge_numbers_get_clear_errors() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let max = c.hello["limits"]["max_message_bytes"]
        .as_u64()
        .and_then(|m| usize::try_from(m).ok())
        .expect("limit");
    for open in ["[", "{\"a\":"] {
        c.send_text(open.repeat((max - 16) / open.len())).await;
        let e = c.next_event("error").await;
        assert_eq!(e["code"], "bad_request", "{e}");
        let m = e["message"].as_str().expect("message");
        assert!(
            m.contains("not valid JSON") && m.contains("recursion limit"),
            "{m}"
        );
    }
    c.send_text(r#"{"id": 1e999999, "op": "ping"}"#).await;
    let e = c.next_event("error").await;
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .contains("number out of range"),
        "{e}"
    );
    c.send_text(r#"{"id": 18446744073709551616, "op": "ping"}"#)
        .await;
    let e = c.next_event("error").await;
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .contains("unsigned integer"),
        "{e}"
    );
    let e = c
        .err(
            json!({"op": "recv", "sock": "s1", "bufsize": 1e300}),
            "bad_request",
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .contains("field `bufsize`"),
        "{e}"
    );
    // A megabyte op name is not echoed back whole.
    let e = c
        .err(json!({"op": "x".repeat(max - 100)}), "bad_request")
        .await;
    let m = e["message"].as_str().expect("message");
    assert!(
        m.starts_with("unknown op `xxx") && m.len() < 1000,
        "{} bytes",
        m.len()
    );
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn ftp_sendcmd_with_a_non_ascii_command_answers_and_the_session_stays() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("ftp");
    let ok = c
        .ok(json!({"op": "ftp.connect", "host": lab[0], "port": lab[1], "timeout": 10}))
        .await;
    let conn = ok["conn"].as_str().expect("conn").to_owned();
    c.ok(json!({"op": "ftp.login", "conn": conn})).await;
    for cmd in ["NOOPé", "é", "PASé", "🦀"] {
        // ftplib sends commands as UTF-8: the server answers, whatever it thinks.
        let r = c
            .req(json!({"op": "ftp.sendcmd", "conn": conn, "cmd": cmd}))
            .await;
        match (r.get("ok"), r.get("err")) {
            (Some(ok), _) => assert!(ok["reply"].is_string(), "{r}"),
            (None, Some(err)) => {
                let code = err["code"].as_str().expect("code");
                assert!(code.starts_with("ftp.error_"), "{cmd}: {r}");
            }
            _ => panic!("{cmd}: {r}"),
        }
        // The bytes on the wire are the command in UTF-8, as ftplib sends it.
        let line = format!("{cmd}\r\n").into_bytes();
        c.next_event_where("wire", |e| {
            e["dir"] == "out" && e["channel"] == "control" && bytes(&e["data"]) == line
        })
        .await;
        c.ok(json!({"op": "ping"})).await;
    }
    let ok = c
        .ok(json!({"op": "ftp.sendcmd", "conn": conn, "cmd": "NOOP"}))
        .await;
    assert!(
        ok["reply"].as_str().expect("reply").starts_with("200"),
        "{ok}"
    );
}

#[tokio::test]
async fn putheader_stops_at_the_request_head_bound() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    // http.client connects only when the request is sent: no traffic here.
    let ok = c
        .ok(json!({"op": "http.open", "host": "127.0.0.1", "port": 9}))
        .await;
    let h = ok["conn"].as_str().expect("conn").to_owned();
    c.ok(json!({"op": "http.putrequest", "conn": h, "method": "GET", "url": "/"}))
        .await;
    let value = "v".repeat(8 << 10);
    let mut accepted = 0usize;
    let err = loop {
        let r = c
            .req(json!({"op": "http.putheader", "conn": h, "header": "X-Big", "values": [value]}))
            .await;
        if r.get("err").is_some() {
            break expect_err(&r, "limit", "putheader past the bound");
        }
        accepted += 1;
        assert!(accepted <= 8, "accepted {accepted} × 8 KiB of headers");
    };
    assert_eq!(
        accepted, 7,
        "64 KiB hold seven 8 KiB headers and the request line"
    );
    let m = err["message"].as_str().expect("message");
    assert!(m.contains("65536") && m.contains("request head"), "{m}");
    // The connection is still usable: a small header fits, and so does a ping.
    c.ok(json!({"op": "http.putheader", "conn": h, "header": "X-Small", "values": ["1"]}))
        .await;
    c.ok(json!({"op": "ping"})).await;
    c.ok(json!({"op": "http.close", "conn": h})).await;
}

#[tokio::test]
async fn storlines_of_a_frame_full_of_newlines_is_stored_whole() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("ftp");
    let ok = c
        .ok(json!({"op": "ftp.connect", "host": lab[0], "port": lab[1], "timeout": 10}))
        .await;
    let conn = ok["conn"].as_str().expect("conn").to_owned();
    c.ok(json!({"op": "ftp.login", "conn": conn, "user": "learner", "passwd": "learner"}))
        .await;
    c.ok(json!({"op": "ftp.cwd", "conn": conn, "dirname": "uploads"}))
        .await;
    // 400,000 empty lines: 800 KB of JSON (`\n` is escaped as two bytes). The
    // upload is split into blocks, so this bounds the line splitting's work per
    // block; `ftp::lines` proves the split itself is one pass.
    let n = 400_000;
    let ok = c
        .ok(
            json!({"op": "ftp.storlines", "conn": conn, "cmd": "STOR newlines.txt",
                   "data": text(&"\n".repeat(n))}),
        )
        .await;
    assert_eq!(ok["bytes"], 2 * n, "each line is sent with CRLF: {ok}");
    c.ok(json!({"op": "ping"})).await;
    let ok = c
        .ok(json!({"op": "ftp.size", "conn": conn, "name": "newlines.txt"}))
        .await;
    assert_eq!(ok["size"], 2 * n, "{ok}");
}
