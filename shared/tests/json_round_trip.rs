//! Literal-JSON round trips of every message shape in docs/protocol.md, in the style of
//! rust-analyzer's lsp-server `msg.rs` tests: each test writes the JSON a peer
//! would send, parses it into the shared type, compares it with the Rust value it
//! must mean, serializes it back and checks the JSON is the same (as
//! `serde_json::Value`, so key order and spacing do not matter).
//!
//! Covers every op of the session, socket, HTTP and FTP tables, every ok shape
//! (each must land in its intended [`OkBody`] variant even though `OkBody` is
//! untagged), every error kind and every event. Python's defaults for omitted
//! arguments are in `defaults.rs`; parse errors in `parse_errors.rs`.

use serde_json::Value;
use shared::request::{FtpStore, OptValue};
use shared::*;
use std::collections::BTreeMap;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("test JSON is invalid: {e}\n{text}"))
}

/// Parses `text` as a request both ways (`parse_request` and plain serde), checks
/// the op, and checks it serializes back to the same JSON.
#[track_caller]
fn request(text: &str, id: u64, op: Op) {
    let parsed = parse_request(text).unwrap_or_else(|e| panic!("{text}\n-> {}", e.message));
    assert_eq!(parsed, Request { id, op }, "{text}");
    let via_serde: Request = serde_json::from_str(text).expect("plain serde parses too");
    assert_eq!(via_serde, parsed);
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json(text), "{text}");
}

/// Parses `text` as a reply (and as a `ServerFrame`), checks it, and checks it
/// serializes back to the same JSON.
#[track_caller]
fn reply(text: &str, expected: Reply) {
    let parsed: Reply = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}\n-> {e}"));
    assert_eq!(parsed, expected, "{text}");
    let frame: ServerFrame = serde_json::from_str(text).unwrap();
    assert_eq!(frame, ServerFrame::Reply(expected.clone()));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json(text), "{text}");
    assert_eq!(serde_json::to_value(&frame).unwrap(), json(text), "{text}");
}

#[track_caller]
fn ok(text: &str, re: u64, body: OkBody) {
    reply(text, Reply::ok(re, body));
}

/// Parses `text` as an event frame (and as a `ServerFrame`), checks it, and
/// checks it serializes back to the same JSON.
#[track_caller]
fn event(text: &str, t: u64, ev: Event) {
    let expected = EventFrame { t, event: ev };
    let parsed: EventFrame =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}\n-> {e}"));
    assert_eq!(parsed, expected, "{text}");
    let frame: ServerFrame = serde_json::from_str(text).unwrap();
    assert_eq!(frame, ServerFrame::Event(expected));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json(text), "{text}");
    assert_eq!(serde_json::to_value(&frame).unwrap(), json(text), "{text}");
}

fn s(x: &str) -> String {
    x.to_owned()
}
fn addr(host: &str, port: u16) -> Addr {
    Addr::new(host, port)
}

// ----------------------------------------------------------- docs/protocol.md examples

#[test]
fn protocol_md_examples() {
    request(
        r#"{"id": 7, "op": "connect", "sock": "s1", "addr": ["127.0.0.1", 20007]}"#,
        7,
        Op::Connect(ConnectArgs {
            sock: s("s1"),
            addr: addr("127.0.0.1", 20007),
        }),
    );
    ok(r#"{"re": 7, "ok": {}}"#, 7, OkBody::Empty {});
    reply(
        r#"{"re": 7, "err": {"code": "ECONNREFUSED", "errno": 111, "message": "Connection refused"}}"#,
        Reply::err(7, ErrorBody::errno(Errno::ECONNREFUSED)),
    );
    event(
        r#"{"ev": "state", "t": 1532, "sock": "s1", "from": "SYN_SENT", "to": "ESTABLISHED"}"#,
        1532,
        Event::State {
            sock: s("s1"),
            from: SockState::SynSent,
            to: SockState::Established,
        },
    );
}

// ---------------------------------------------------------------- session ops

#[test]
fn session_ops() {
    request(
        r#"{"id": 1, "op": "auth", "token": "class-2024"}"#,
        1,
        Op::Auth {
            token: s("class-2024"),
        },
    );
    request(r#"{"id": 2, "op": "ping"}"#, 2, Op::Ping);
    request(
        r#"{"id": 3, "op": "cancel", "target": 2}"#,
        3,
        Op::Cancel { target: 2 },
    );
    // auth, ping and cancel all answer `{}`.
    ok(r#"{"re": 3, "ok": {}}"#, 3, OkBody::Empty {});
    reply(
        r#"{"re": 2, "err": {"code": "cancelled", "message": "cancelled by request 3"}}"#,
        Reply::err(
            2,
            ErrorBody::new(codes::CANCELLED, "cancelled by request 3"),
        ),
    );
}

// ---------------------------------------------------------------- socket ops

#[test]
fn socket_op_and_reply() {
    request(
        r#"{"id": 1, "op": "socket", "family": "AF_INET", "type": "SOCK_STREAM", "proto": 0}"#,
        1,
        Op::Socket {
            family: Family::AfInet,
            kind: SockType::Stream,
            proto: 0,
        },
    );
    request(
        r#"{"id": 2, "op": "socket", "family": "AF_INET6", "type": "SOCK_DGRAM", "proto": 17}"#,
        2,
        Op::Socket {
            family: Family::AfInet6,
            kind: SockType::Dgram,
            proto: 17,
        },
    );
    request(
        r#"{"id": 3, "op": "socket", "family": "AF_UNIX", "type": "SOCK_STREAM", "proto": 0}"#,
        3,
        Op::Socket {
            family: Family::AfUnix,
            kind: SockType::Stream,
            proto: 0,
        },
    );
    ok(
        r#"{"re": 1, "ok": {"sock": "s1"}}"#,
        1,
        OkBody::Sock { sock: s("s1") },
    );
}

#[test]
fn socket_options() {
    request(
        r#"{"id": 4, "op": "setsockopt", "sock": "s1", "level": "SOL_SOCKET", "name": "SO_REUSEADDR", "value": 1}"#,
        4,
        Op::Setsockopt {
            sock: s("s1"),
            level: OptLevel::SolSocket,
            name: OptName::SoReuseaddr,
            value: OptValue::Int(1),
        },
    );
    request(
        r#"{"id": 5, "op": "setsockopt", "sock": "s1", "level": "IPPROTO_TCP", "name": "TCP_NODELAY", "value": true}"#,
        5,
        Op::Setsockopt {
            sock: s("s1"),
            level: OptLevel::IpprotoTcp,
            name: OptName::TcpNodelay,
            value: OptValue::Bool(true),
        },
    );
    // Every option name of the table, at the level it lives at.
    for (name, level, expected) in [
        ("SO_REUSEADDR", "SOL_SOCKET", OptName::SoReuseaddr),
        ("SO_KEEPALIVE", "SOL_SOCKET", OptName::SoKeepalive),
        ("SO_BROADCAST", "SOL_SOCKET", OptName::SoBroadcast),
        ("SO_RCVBUF", "SOL_SOCKET", OptName::SoRcvbuf),
        ("SO_SNDBUF", "SOL_SOCKET", OptName::SoSndbuf),
        ("TCP_NODELAY", "IPPROTO_TCP", OptName::TcpNodelay),
    ] {
        let text = format!(
            r#"{{"id": 6, "op": "getsockopt", "sock": "s1", "level": "{level}", "name": "{name}"}}"#
        );
        let lvl = expected.level();
        request(
            &text,
            6,
            Op::Getsockopt {
                sock: s("s1"),
                level: lvl,
                name: expected,
            },
        );
    }
    assert_eq!(OptValue::Bool(true).as_i64(), 1);
    assert_eq!(OptValue::Bool(false).as_i64(), 0);
    assert_eq!(OptValue::Int(65536).as_i64(), 65536);
    ok(
        r#"{"re": 6, "ok": {"value": 131072}}"#,
        6,
        OkBody::Value { value: 131072 },
    );
    ok(r#"{"re": 4, "ok": {}}"#, 4, OkBody::Empty {});
}

#[test]
fn blocking_and_timeouts() {
    request(
        r#"{"id": 1, "op": "setblocking", "sock": "s1", "flag": false}"#,
        1,
        Op::Setblocking {
            sock: s("s1"),
            flag: false,
        },
    );
    request(
        r#"{"id": 2, "op": "settimeout", "sock": "s1", "timeout": 2.5}"#,
        2,
        Op::Settimeout {
            sock: s("s1"),
            timeout: Some(2.5),
        },
    );
    request(
        r#"{"id": 3, "op": "settimeout", "sock": "s1", "timeout": null}"#,
        3,
        Op::Settimeout {
            sock: s("s1"),
            timeout: None,
        },
    );
    request(
        r#"{"id": 4, "op": "settimeout", "sock": "s1", "timeout": 0.0}"#,
        4,
        Op::Settimeout {
            sock: s("s1"),
            timeout: Some(0.0),
        },
    );
    // An integer number of seconds is a number like any other.
    let r = parse_request(r#"{"id": 5, "op": "settimeout", "sock": "s1", "timeout": 5}"#).unwrap();
    assert_eq!(
        r.op,
        Op::Settimeout {
            sock: s("s1"),
            timeout: Some(5.0)
        }
    );
}

#[test]
fn bind_listen_accept_connect() {
    request(
        r#"{"id": 1, "op": "bind", "sock": "s1", "addr": ["", 20178]}"#,
        1,
        Op::Bind {
            sock: s("s1"),
            addr: addr("", 20178),
        },
    );
    request(
        r#"{"id": 2, "op": "bind", "sock": "s2", "addr": ["::1", 0]}"#,
        2,
        Op::Bind {
            sock: s("s2"),
            addr: addr("::1", 0),
        },
    );
    // bind, getsockname and getpeername answer with an address.
    ok(
        r#"{"re": 1, "ok": {"addr": ["127.0.0.1", 20178]}}"#,
        1,
        OkBody::Addr {
            addr: addr("127.0.0.1", 20178),
        },
    );
    request(
        r#"{"id": 3, "op": "listen", "sock": "s1", "backlog": 5}"#,
        3,
        Op::Listen {
            sock: s("s1"),
            backlog: Some(5),
        },
    );
    request(
        r#"{"id": 4, "op": "listen", "sock": "s1"}"#,
        4,
        Op::Listen {
            sock: s("s1"),
            backlog: None,
        },
    );
    request(
        r#"{"id": 5, "op": "accept", "sock": "s1"}"#,
        5,
        Op::Accept { sock: s("s1") },
    );
    ok(
        r#"{"re": 5, "ok": {"sock": "s3", "addr": ["127.0.0.1", 53412]}}"#,
        5,
        OkBody::Accept {
            sock: s("s3"),
            addr: addr("127.0.0.1", 53412),
        },
    );
    request(
        r#"{"id": 6, "op": "connect", "sock": "s2", "addr": ["localhost", 20007]}"#,
        6,
        Op::Connect(ConnectArgs {
            sock: s("s2"),
            addr: addr("localhost", 20007),
        }),
    );
    request(
        r#"{"id": 7, "op": "connect_ex", "sock": "s2", "addr": ["127.0.0.1", 1051]}"#,
        7,
        Op::ConnectEx(ConnectArgs {
            sock: s("s2"),
            addr: addr("127.0.0.1", 1051),
        }),
    );
    ok(
        r#"{"re": 7, "ok": {"errno": 0}}"#,
        7,
        OkBody::Errno { errno: 0 },
    );
    ok(
        r#"{"re": 7, "ok": {"errno": 111}}"#,
        7,
        OkBody::Errno { errno: 111 },
    );
    ok(
        r#"{"re": 7, "ok": {"errno": 115}}"#,
        7,
        OkBody::Errno { errno: 115 },
    );
    // Non-blocking connect (docs/protocol.md, choice `nonblocking-connect`).
    reply(
        r#"{"re": 6, "err": {"code": "EINPROGRESS", "errno": 115, "message": "Operation now in progress"}}"#,
        Reply::err(6, ErrorBody::errno(Errno::EINPROGRESS)),
    );
}

#[test]
fn send_family() {
    request(
        r#"{"id": 1, "op": "send", "sock": "s1", "data": {"text": "hello\n"}}"#,
        1,
        Op::Send(SendArgs {
            sock: s("s1"),
            data: Data::text("hello\n"),
        }),
    );
    request(
        r#"{"id": 2, "op": "sendall", "sock": "s1", "data": {"b64": "AAEC/w=="}}"#,
        2,
        Op::Sendall(SendArgs {
            sock: s("s1"),
            data: Data::B64(vec![0, 1, 2, 255]),
        }),
    );
    request(
        r#"{"id": 3, "op": "sendto", "sock": "s2", "data": {"text": "ping"}, "addr": ["127.0.0.1", 20007]}"#,
        3,
        Op::Sendto {
            sock: s("s2"),
            data: Data::text("ping"),
            addr: addr("127.0.0.1", 20007),
        },
    );
    ok(r#"{"re": 1, "ok": {"n": 6}}"#, 1, OkBody::Sent { n: 6 });
}

#[test]
fn recv_family() {
    request(
        r#"{"id": 1, "op": "recv", "sock": "s1", "bufsize": 1024}"#,
        1,
        Op::Recv(RecvArgs {
            sock: s("s1"),
            bufsize: 1024,
            flags: vec![],
            encoding: None,
        }),
    );
    request(
        r#"{"id": 2, "op": "recv", "sock": "s1", "bufsize": 4, "flags": ["MSG_PEEK"], "encoding": "b64"}"#,
        2,
        Op::Recv(RecvArgs {
            sock: s("s1"),
            bufsize: 4,
            flags: vec![RecvFlag::MsgPeek],
            encoding: Some(Encoding::B64),
        }),
    );
    request(
        r#"{"id": 3, "op": "recv", "sock": "s1", "bufsize": 4, "encoding": "text"}"#,
        3,
        Op::Recv(RecvArgs {
            sock: s("s1"),
            bufsize: 4,
            flags: vec![],
            encoding: Some(Encoding::Text),
        }),
    );
    ok(
        r#"{"re": 1, "ok": {"data": {"text": "hello\n"}}}"#,
        1,
        OkBody::Data {
            data: Data::text("hello\n"),
        },
    );
    ok(
        r#"{"re": 2, "ok": {"data": {"b64": "AAEC"}}}"#,
        2,
        OkBody::Data {
            data: Data::B64(vec![0, 1, 2]),
        },
    );
    // Empty data: the peer closed.
    ok(
        r#"{"re": 1, "ok": {"data": {"text": ""}}}"#,
        1,
        OkBody::Data {
            data: Data::text(""),
        },
    );
    request(
        r#"{"id": 4, "op": "recvfrom", "sock": "s2", "bufsize": 2048, "encoding": "text"}"#,
        4,
        Op::Recvfrom(RecvArgs {
            sock: s("s2"),
            bufsize: 2048,
            flags: vec![],
            encoding: Some(Encoding::Text),
        }),
    );
    ok(
        r#"{"re": 4, "ok": {"data": {"text": "ping"}, "addr": ["127.0.0.1", 20007]}}"#,
        4,
        OkBody::Recvfrom {
            data: Data::text("ping"),
            addr: addr("127.0.0.1", 20007),
        },
    );
}

#[test]
fn names_shutdown_close() {
    request(
        r#"{"id": 1, "op": "getsockname", "sock": "s1"}"#,
        1,
        Op::Getsockname { sock: s("s1") },
    );
    request(
        r#"{"id": 2, "op": "getpeername", "sock": "s1"}"#,
        2,
        Op::Getpeername { sock: s("s1") },
    );
    ok(
        r#"{"re": 2, "ok": {"addr": ["::1", 20007]}}"#,
        2,
        OkBody::Addr {
            addr: addr("::1", 20007),
        },
    );
    for (how, expected) in [
        ("SHUT_RD", How::ShutRd),
        ("SHUT_WR", How::ShutWr),
        ("SHUT_RDWR", How::ShutRdwr),
    ] {
        request(
            &format!(r#"{{"id": 3, "op": "shutdown", "sock": "s1", "how": "{how}"}}"#),
            3,
            Op::Shutdown {
                sock: s("s1"),
                how: expected,
            },
        );
    }
    request(
        r#"{"id": 4, "op": "close", "sock": "s1"}"#,
        4,
        Op::Close { sock: s("s1") },
    );
    ok(r#"{"re": 4, "ok": {}}"#, 4, OkBody::Empty {});
    // Requests still pending on a closed handle (docs/protocol.md, choice `bad-handle`).
    reply(
        r#"{"re": 1, "err": {"code": "EBADF", "errno": 9, "message": "Bad file descriptor"}}"#,
        Reply::err(1, ErrorBody::errno(Errno::EBADF)),
    );
}

#[test]
fn select_tcp_info_pipe() {
    request(
        r#"{"id": 1, "op": "select", "rlist": ["s1", "s2"], "wlist": ["s3"], "xlist": [], "timeout": 0.5}"#,
        1,
        Op::Select {
            rlist: vec![s("s1"), s("s2")],
            wlist: vec![s("s3")],
            xlist: vec![],
            timeout: Some(0.5),
        },
    );
    request(
        r#"{"id": 2, "op": "select", "rlist": ["s1"], "wlist": [], "xlist": [], "timeout": null}"#,
        2,
        Op::Select {
            rlist: vec![s("s1")],
            wlist: vec![],
            xlist: vec![],
            timeout: None,
        },
    );
    ok(
        r#"{"re": 1, "ok": {"r": ["s2"], "w": ["s3"], "x": []}}"#,
        1,
        OkBody::Select {
            r: vec![s("s2")],
            w: vec![s("s3")],
            x: vec![],
        },
    );
    // select that timed out: three empty lists, still the Select shape.
    ok(
        r#"{"re": 1, "ok": {"r": [], "w": [], "x": []}}"#,
        1,
        OkBody::Select {
            r: vec![],
            w: vec![],
            x: vec![],
        },
    );
    request(
        r#"{"id": 3, "op": "tcp_info", "sock": "s1"}"#,
        3,
        Op::TcpInfo { sock: s("s1") },
    );
    ok(
        r#"{"re": 3, "ok": {"state": "ESTABLISHED", "rtt_us": 48, "rttvar_us": 24, "snd_cwnd": 10,
            "snd_mss": 32768, "rcv_mss": 536, "retransmits": 0, "total_retrans": 0, "unacked": 0, "lost": 0}}"#,
        3,
        OkBody::TcpInfo(TcpInfo {
            state: s("ESTABLISHED"),
            rtt_us: 48,
            rttvar_us: 24,
            snd_cwnd: 10,
            snd_mss: 32768,
            rcv_mss: 536,
            retransmits: 0,
            total_retrans: 0,
            unacked: 0,
            lost: 0,
        }),
    );
    request(
        r#"{"id": 4, "op": "pipe", "sock": "s1"}"#,
        4,
        Op::Pipe {
            sock: s("s1"),
            encoding: None,
        },
    );
    request(
        r#"{"id": 5, "op": "pipe", "sock": "s1", "encoding": "text"}"#,
        5,
        Op::Pipe {
            sock: s("s1"),
            encoding: Some(Encoding::Text),
        },
    );
    request(
        r#"{"id": 6, "op": "pipe", "sock": "s1", "encoding": "b64"}"#,
        6,
        Op::Pipe {
            sock: s("s1"),
            encoding: Some(Encoding::B64),
        },
    );
}

// ---------------------------------------------------------------- HTTP ops

#[test]
fn http_ops() {
    request(
        r#"{"id": 1, "op": "http.open", "host": "127.0.0.1", "port": 20080, "timeout": 10.5, "tls": true}"#,
        1,
        Op::HttpOpen {
            host: s("127.0.0.1"),
            port: Some(20080),
            timeout: Some(10.5),
            tls: true,
        },
    );
    request(
        r#"{"id": 2, "op": "http.open", "host": "localhost"}"#,
        2,
        Op::HttpOpen {
            host: s("localhost"),
            port: None,
            timeout: None,
            tls: false,
        },
    );
    ok(
        r#"{"re": 2, "ok": {"conn": "h1"}}"#,
        2,
        OkBody::Conn { conn: s("h1") },
    );
    request(
        r#"{"id": 3, "op": "http.request", "conn": "h1", "method": "POST", "url": "/post",
            "body": {"text": "a=1"}, "headers": [["Content-Type", "application/x-www-form-urlencoded"]]}"#,
        3,
        Op::HttpRequest {
            conn: s("h1"),
            method: s("POST"),
            url: s("/post"),
            body: Some(Data::text("a=1")),
            headers: vec![(s("Content-Type"), s("application/x-www-form-urlencoded"))],
        },
    );
    request(
        r#"{"id": 4, "op": "http.request", "conn": "h1", "method": "GET", "url": "/get"}"#,
        4,
        Op::HttpRequest {
            conn: s("h1"),
            method: s("GET"),
            url: s("/get"),
            body: None,
            headers: vec![],
        },
    );
    request(
        r#"{"id": 5, "op": "http.putrequest", "conn": "h1", "method": "GET", "url": "/headers",
            "skip_host": true, "skip_accept_encoding": true}"#,
        5,
        Op::HttpPutrequest {
            conn: s("h1"),
            method: s("GET"),
            url: s("/headers"),
            skip_host: true,
            skip_accept_encoding: true,
        },
    );
    request(
        r#"{"id": 6, "op": "http.putrequest", "conn": "h1", "method": "GET", "url": "/"}"#,
        6,
        Op::HttpPutrequest {
            conn: s("h1"),
            method: s("GET"),
            url: s("/"),
            skip_host: false,
            skip_accept_encoding: false,
        },
    );
    request(
        r#"{"id": 7, "op": "http.putheader", "conn": "h1", "header": "Accept", "values": ["text/html", "*/*"]}"#,
        7,
        Op::HttpPutheader {
            conn: s("h1"),
            header: s("Accept"),
            values: vec![s("text/html"), s("*/*")],
        },
    );
    request(
        r#"{"id": 8, "op": "http.endheaders", "conn": "h1"}"#,
        8,
        Op::HttpEndheaders {
            conn: s("h1"),
            body: None,
        },
    );
    request(
        r#"{"id": 9, "op": "http.endheaders", "conn": "h1", "body": {"b64": "AAE="}}"#,
        9,
        Op::HttpEndheaders {
            conn: s("h1"),
            body: Some(Data::B64(vec![0, 1])),
        },
    );
    request(
        r#"{"id": 10, "op": "http.send", "conn": "h1", "data": {"text": "more body"}}"#,
        10,
        Op::HttpSend {
            conn: s("h1"),
            data: Data::text("more body"),
        },
    );
    request(
        r#"{"id": 11, "op": "http.getresponse", "conn": "h1"}"#,
        11,
        Op::HttpGetresponse { conn: s("h1") },
    );
    ok(
        r#"{"re": 11, "ok": {"status": 200, "reason": "OK", "version": 11,
            "headers": [["Content-Type", "application/json"], ["Content-Length", "42"]]}}"#,
        11,
        OkBody::Response {
            status: 200,
            reason: s("OK"),
            version: 11,
            headers: vec![
                (s("Content-Type"), s("application/json")),
                (s("Content-Length"), s("42")),
            ],
        },
    );
    request(
        r#"{"id": 12, "op": "http.read", "conn": "h1", "amt": 10, "encoding": "b64"}"#,
        12,
        Op::HttpRead {
            conn: s("h1"),
            amt: Some(10),
            encoding: Some(Encoding::B64),
        },
    );
    request(
        r#"{"id": 13, "op": "http.read", "conn": "h1"}"#,
        13,
        Op::HttpRead {
            conn: s("h1"),
            amt: None,
            encoding: None,
        },
    );
    ok(
        r#"{"re": 13, "ok": {"data": {"text": "{\"ok\": true}"}}}"#,
        13,
        OkBody::Data {
            data: Data::text("{\"ok\": true}"),
        },
    );
    request(
        r#"{"id": 14, "op": "http.close", "conn": "h1"}"#,
        14,
        Op::HttpClose { conn: s("h1") },
    );
    ok(r#"{"re": 14, "ok": {}}"#, 14, OkBody::Empty {});
}

// ---------------------------------------------------------------- FTP ops

#[test]
fn ftp_connection_ops() {
    request(
        r#"{"id": 1, "op": "ftp.connect", "host": "127.0.0.1", "port": 20021, "timeout": 30.5}"#,
        1,
        Op::FtpConnect {
            host: s("127.0.0.1"),
            port: Some(20021),
            timeout: Some(30.5),
        },
    );
    request(
        r#"{"id": 2, "op": "ftp.connect", "host": "localhost"}"#,
        2,
        Op::FtpConnect {
            host: s("localhost"),
            port: None,
            timeout: None,
        },
    );
    ok(
        r#"{"re": 1, "ok": {"conn": "f1", "welcome": "220 socklab FTP lab"}}"#,
        1,
        OkBody::FtpConnect {
            conn: s("f1"),
            welcome: s("220 socklab FTP lab"),
        },
    );
    request(
        r#"{"id": 3, "op": "ftp.login", "conn": "f1", "user": "learner", "passwd": "learner", "acct": ""}"#,
        3,
        Op::FtpLogin {
            conn: s("f1"),
            user: s("learner"),
            passwd: s("learner"),
            acct: s(""),
        },
    );
    ok(
        r#"{"re": 3, "ok": {"reply": "230 Login successful."}}"#,
        3,
        OkBody::FtpReply {
            reply: s("230 Login successful."),
        },
    );
    request(
        r#"{"id": 4, "op": "ftp.getwelcome", "conn": "f1"}"#,
        4,
        Op::FtpGetwelcome { conn: s("f1") },
    );
    ok(
        r#"{"re": 4, "ok": {"welcome": "220 socklab FTP lab"}}"#,
        4,
        OkBody::FtpWelcome {
            welcome: s("220 socklab FTP lab"),
        },
    );
    request(
        r#"{"id": 5, "op": "ftp.sendcmd", "conn": "f1", "cmd": "SYST"}"#,
        5,
        Op::FtpSendcmd {
            conn: s("f1"),
            cmd: s("SYST"),
        },
    );
    request(
        r#"{"id": 6, "op": "ftp.voidcmd", "conn": "f1", "cmd": "NOOP"}"#,
        6,
        Op::FtpVoidcmd {
            conn: s("f1"),
            cmd: s("NOOP"),
        },
    );
    ok(
        r#"{"re": 6, "ok": {"reply": "200 NOOP ok."}}"#,
        6,
        OkBody::FtpReply {
            reply: s("200 NOOP ok."),
        },
    );
    request(
        r#"{"id": 7, "op": "ftp.set_pasv", "conn": "f1", "val": false}"#,
        7,
        Op::FtpSetPasv {
            conn: s("f1"),
            val: false,
        },
    );
    ok(r#"{"re": 7, "ok": {}}"#, 7, OkBody::Empty {});
    request(
        r#"{"id": 8, "op": "ftp.set_debuglevel", "conn": "f1", "level": 0}"#,
        8,
        Op::FtpSetDebuglevel {
            conn: s("f1"),
            level: 0,
        },
    );
    for (op, expected) in [
        ("ftp.abort", Op::FtpAbort { conn: s("f1") }),
        ("ftp.quit", Op::FtpQuit { conn: s("f1") }),
        ("ftp.close", Op::FtpClose { conn: s("f1") }),
        ("ftp.pwd", Op::FtpPwd { conn: s("f1") }),
    ] {
        request(
            &format!(r#"{{"id": 9, "op": "{op}", "conn": "f1"}}"#),
            9,
            expected,
        );
    }
    ok(
        r#"{"re": 9, "ok": {"reply": "221 Goodbye."}}"#,
        9,
        OkBody::FtpReply {
            reply: s("221 Goodbye."),
        },
    );
    ok(
        r#"{"re": 9, "ok": {"reply": "257 \"/pub\" is the current directory", "path": "/pub"}}"#,
        9,
        OkBody::FtpPath {
            reply: s("257 \"/pub\" is the current directory"),
            path: s("/pub"),
        },
    );
}

#[test]
fn ftp_transfer_ops() {
    request(
        r#"{"id": 1, "op": "ftp.retrbinary", "conn": "f1", "cmd": "RETR logo.png", "blocksize": 4096, "rest": 100, "frames": true}"#,
        1,
        Op::FtpRetrbinary {
            conn: s("f1"),
            cmd: s("RETR logo.png"),
            blocksize: Some(4096),
            rest: Some(100),
            frames: true,
        },
    );
    request(
        r#"{"id": 2, "op": "ftp.retrbinary", "conn": "f1", "cmd": "RETR readme.txt"}"#,
        2,
        Op::FtpRetrbinary {
            conn: s("f1"),
            cmd: s("RETR readme.txt"),
            blocksize: None,
            rest: None,
            frames: false,
        },
    );
    ok(
        r#"{"re": 2, "ok": {"reply": "226 Transfer complete.", "bytes": 1234}}"#,
        2,
        OkBody::FtpTransfer {
            reply: s("226 Transfer complete."),
            bytes: 1234,
        },
    );
    request(
        r#"{"id": 3, "op": "ftp.retrlines", "conn": "f1", "cmd": "NLST"}"#,
        3,
        Op::FtpRetrlines {
            conn: s("f1"),
            cmd: s("NLST"),
        },
    );
    request(
        r#"{"id": 4, "op": "ftp.storbinary", "conn": "f1", "cmd": "STOR up.bin", "blocksize": 8192, "rest": 0, "data": {"b64": "AAEC"}}"#,
        4,
        Op::FtpStorbinary(FtpStore {
            conn: s("f1"),
            cmd: s("STOR up.bin"),
            blocksize: Some(8192),
            rest: Some(0),
            data: Some(Data::B64(vec![0, 1, 2])),
            size: None,
        }),
    );
    request(
        r#"{"id": 5, "op": "ftp.storbinary", "conn": "f1", "cmd": "STOR big.bin", "size": 1048576}"#,
        5,
        Op::FtpStorbinary(FtpStore {
            conn: s("f1"),
            cmd: s("STOR big.bin"),
            blocksize: None,
            rest: None,
            data: None,
            size: Some(1048576),
        }),
    );
    request(
        r#"{"id": 6, "op": "ftp.storlines", "conn": "f1", "cmd": "STOR notes.txt", "data": {"text": "one\ntwo\n"}}"#,
        6,
        Op::FtpStorlines(FtpStore {
            conn: s("f1"),
            cmd: s("STOR notes.txt"),
            blocksize: None,
            rest: None,
            data: Some(Data::text("one\ntwo\n")),
            size: None,
        }),
    );
    ok(
        r#"{"re": 6, "ok": {"reply": "226 Transfer complete.", "bytes": 8}}"#,
        6,
        OkBody::FtpTransfer {
            reply: s("226 Transfer complete."),
            bytes: 8,
        },
    );
}

#[test]
fn ftp_directory_ops() {
    request(
        r#"{"id": 1, "op": "ftp.dir", "conn": "f1", "args": ["-a", "pub"]}"#,
        1,
        Op::FtpDir {
            conn: s("f1"),
            args: vec![s("-a"), s("pub")],
        },
    );
    request(
        r#"{"id": 2, "op": "ftp.nlst", "conn": "f1"}"#,
        2,
        Op::FtpNlst {
            conn: s("f1"),
            args: vec![],
        },
    );
    ok(
        r#"{"re": 2, "ok": {"names": ["readme.txt", "logo.png"]}}"#,
        2,
        OkBody::FtpNames {
            names: vec![s("readme.txt"), s("logo.png")],
        },
    );
    request(
        r#"{"id": 3, "op": "ftp.rename", "conn": "f1", "fromname": "a.txt", "toname": "b.txt"}"#,
        3,
        Op::FtpRename {
            conn: s("f1"),
            fromname: s("a.txt"),
            toname: s("b.txt"),
        },
    );
    request(
        r#"{"id": 4, "op": "ftp.delete", "conn": "f1", "name": "b.txt"}"#,
        4,
        Op::FtpDelete {
            conn: s("f1"),
            name: s("b.txt"),
        },
    );
    request(
        r#"{"id": 5, "op": "ftp.size", "conn": "f1", "name": "logo.png"}"#,
        5,
        Op::FtpSize {
            conn: s("f1"),
            name: s("logo.png"),
        },
    );
    ok(
        r#"{"re": 5, "ok": {"reply": "213 5120", "size": 5120}}"#,
        5,
        OkBody::FtpSize {
            reply: s("213 5120"),
            size: 5120,
        },
    );
    for (op, expected) in [
        (
            "ftp.cwd",
            Op::FtpCwd {
                conn: s("f1"),
                dirname: s("pub"),
            },
        ),
        (
            "ftp.mkd",
            Op::FtpMkd {
                conn: s("f1"),
                dirname: s("pub"),
            },
        ),
        (
            "ftp.rmd",
            Op::FtpRmd {
                conn: s("f1"),
                dirname: s("pub"),
            },
        ),
    ] {
        request(
            &format!(r#"{{"id": 6, "op": "{op}", "conn": "f1", "dirname": "pub"}}"#),
            6,
            expected,
        );
    }
    ok(
        r#"{"re": 6, "ok": {"reply": "257 \"/pub\" created", "path": "/pub"}}"#,
        6,
        OkBody::FtpPath {
            reply: s("257 \"/pub\" created"),
            path: s("/pub"),
        },
    );
    ok(
        r#"{"re": 6, "ok": {"reply": "250 Directory successfully changed."}}"#,
        6,
        OkBody::FtpReply {
            reply: s("250 Directory successfully changed."),
        },
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn every_error_kind_round_trips() {
    reply(
        r#"{"re": 1, "err": {"code": "EADDRINUSE", "errno": 98, "message": "Address already in use"}}"#,
        Reply::err(1, ErrorBody::errno(Errno::EADDRINUSE)),
    );
    reply(
        r#"{"re": 1, "err": {"code": "EAGAIN", "errno": 11, "message": "Resource temporarily unavailable"}}"#,
        Reply::err(1, ErrorBody::errno(Errno::EAGAIN)),
    );
    reply(
        r#"{"re": 1, "err": {"code": "timeout", "message": "timed out"}}"#,
        Reply::err(1, ErrorBody::new(codes::TIMEOUT, "timed out")),
    );
    reply(
        r#"{"re": 1, "err": {"code": "gaierror", "errno": -2, "message": "Name or service not known"}}"#,
        Reply::err(
            1,
            ErrorBody {
                errno: Some(-2),
                ..ErrorBody::new(codes::GAIERROR, "Name or service not known")
            },
        ),
    );
    reply(
        r#"{"re": 1, "err": {"code": "not_allowed", "message": "connect to 10.0.0.5:22 is outside --allow-connect"}}"#,
        Reply::err(
            1,
            ErrorBody::new(
                codes::NOT_ALLOWED,
                "connect to 10.0.0.5:22 is outside --allow-connect",
            ),
        ),
    );
    reply(
        r#"{"re": 1, "err": {"code": "not_allowed", "message": "You can't bind port 80: ports below 1024 are reserved for the system. Pick a port from 1024 to 65535, e.g. 20178.", "detail": "rule: privileged ports are refused; the host can start the relay with --allow-bind 127.0.0.1:80"}}"#,
        Reply::err(
            1,
            ErrorBody::new(
                codes::NOT_ALLOWED,
                "You can't bind port 80: ports below 1024 are reserved for the system. Pick a port from 1024 to 65535, e.g. 20178.",
            )
            .with_detail(
                "rule: privileged ports are refused; the host can start the relay with --allow-bind 127.0.0.1:80",
            ),
        ),
    );
    reply(
        r#"{"re": 1, "err": {"code": "limit", "message": "64 handles open; --max-handles raises it"}}"#,
        Reply::err(
            1,
            ErrorBody::new(codes::LIMIT, "64 handles open; --max-handles raises it"),
        ),
    );
    reply(
        r#"{"re": 1, "err": {"code": "bad_request", "message": "op `connect`: missing field `addr`"}}"#,
        Reply::err(
            1,
            ErrorBody::new(codes::BAD_REQUEST, "op `connect`: missing field `addr`"),
        ),
    );
    reply(
        r#"{"re": 1, "err": {"code": "unauthorized", "message": "send auth first"}}"#,
        Reply::err(1, ErrorBody::new(codes::UNAUTHORIZED, "send auth first")),
    );
    reply(
        r#"{"re": 1, "err": {"code": "http.ResponseNotReady", "message": "Request-sent"}}"#,
        Reply::err(1, ErrorBody::new("http.ResponseNotReady", "Request-sent")),
    );
    reply(
        r#"{"re": 1, "err": {"code": "ftp.error_perm", "message": "530 Login incorrect.", "reply": "530 Login incorrect."}}"#,
        Reply::err(
            1,
            ErrorBody {
                reply: Some(s("530 Login incorrect.")),
                ..ErrorBody::new("ftp.error_perm", "530 Login incorrect.")
            },
        ),
    );
}

// ---------------------------------------------------------------- events

fn sample_hello() -> Hello {
    let labs: BTreeMap<String, Addr> = [
        ("chat", addr("127.0.0.1", 20023)),
        ("tcp_echo", addr("127.0.0.1", 20007)),
        ("udp_echo", addr("127.0.0.1", 20007)),
    ]
    .into_iter()
    .map(|(k, v)| (s(k), v))
    .collect();
    Hello {
        protocol: PROTOCOL_VERSION,
        relay: RelayInfo {
            name: s("socklab"),
            version: s("0.1.0"),
        },
        session: s("k3v9"),
        limits: Limits {
            max_message_bytes: 1048576,
            max_handles: 64,
            recv_buffer_bytes: 262144,
            max_pending: 256,
            idle_timeout_secs: 1800,
            max_sessions_per_ip: 16,
        },
        labs,
        policy: PolicySummary {
            connect: vec![s("loopback (127.0.0.0/8, ::1), any port")],
            bind: vec![s("loopback (127.0.0.1, ::1), ports 1024-65535 and 0")],
            auth_required: false,
        },
    }
}

#[test]
fn hello_event() {
    event(
        r#"{"ev": "hello", "t": 0, "protocol": 1,
            "relay": {"name": "socklab", "version": "0.1.0"},
            "session": "k3v9",
            "limits": {"max_message_bytes": 1048576, "max_handles": 64, "recv_buffer_bytes": 262144,
                       "max_pending": 256, "idle_timeout_secs": 1800, "max_sessions_per_ip": 16},
            "labs": {"tcp_echo": ["127.0.0.1", 20007], "udp_echo": ["127.0.0.1", 20007],
                     "chat": ["127.0.0.1", 20023]},
            "policy": {"connect": ["loopback (127.0.0.0/8, ::1), any port"],
                       "bind": ["loopback (127.0.0.1, ::1), ports 1024-65535 and 0"],
                       "auth_required": false}}"#,
        0,
        Event::Hello(sample_hello()),
    );
}

#[test]
fn state_events() {
    let states = [
        ("CLOSED", SockState::Closed),
        ("BOUND", SockState::Bound),
        ("LISTEN", SockState::Listen),
        ("SYN_SENT", SockState::SynSent),
        ("ESTABLISHED", SockState::Established),
        ("CLOSE_WAIT", SockState::CloseWait),
        ("FIN_WAIT", SockState::FinWait),
    ];
    for (name, st) in states {
        assert_eq!(st.as_str(), name);
        assert_eq!(serde_json::to_value(st).unwrap(), Value::from(name));
    }
    // The transitions of docs/protocol.md, choice `tcp-states`.
    for (from, to) in [
        (SockState::Closed, SockState::Bound),
        (SockState::Bound, SockState::Listen),
        (SockState::Closed, SockState::Listen),
        (SockState::Closed, SockState::SynSent),
        (SockState::SynSent, SockState::Established),
        (SockState::SynSent, SockState::Closed),
        (SockState::Closed, SockState::Established),
        (SockState::Established, SockState::CloseWait),
        (SockState::Established, SockState::FinWait),
        (SockState::FinWait, SockState::Closed),
        (SockState::CloseWait, SockState::Closed),
    ] {
        let text = format!(
            r#"{{"ev": "state", "t": 12, "sock": "s1", "from": "{}", "to": "{}"}}"#,
            from.as_str(),
            to.as_str()
        );
        event(
            &text,
            12,
            Event::State {
                sock: s("s1"),
                from,
                to,
            },
        );
    }
}

#[test]
fn incoming_and_closed_events() {
    event(
        r#"{"ev": "incoming", "t": 40, "sock": "s1", "addr": ["127.0.0.1", 53412]}"#,
        40,
        Event::Incoming {
            sock: s("s1"),
            addr: addr("127.0.0.1", 53412),
        },
    );
    for (name, reason) in [
        ("peer", CloseReason::Peer),
        ("reset", CloseReason::Reset),
        ("local", CloseReason::Local),
        ("error", CloseReason::Error),
    ] {
        event(
            &format!(r#"{{"ev": "closed", "t": 50, "sock": "s3", "reason": "{name}"}}"#),
            50,
            Event::Closed {
                sock: s("s3"),
                reason,
            },
        );
    }
}

#[test]
fn data_events() {
    // dir in: n and a bounded preview (docs/protocol.md, choice `data-events`).
    event(
        r#"{"ev": "data", "t": 60, "sock": "s1", "dir": "in", "n": 6, "preview": {"text": "hello\n"}}"#,
        60,
        Event::Data {
            sock: s("s1"),
            dir: Dir::In,
            n: 6,
            preview: Some(Data::text("hello\n")),
            data: None,
        },
    );
    event(
        r#"{"ev": "data", "t": 61, "sock": "s1", "dir": "in", "n": 3, "preview": {"b64": "AP8A"}}"#,
        61,
        Event::Data {
            sock: s("s1"),
            dir: Dir::In,
            n: 3,
            preview: Some(Data::B64(vec![0, 255, 0])),
            data: None,
        },
    );
    // dir out: only n.
    event(
        r#"{"ev": "data", "t": 62, "sock": "s1", "dir": "out", "n": 6}"#,
        62,
        Event::Data {
            sock: s("s1"),
            dir: Dir::Out,
            n: 6,
            preview: None,
            data: None,
        },
    );
    // A socket piped with an encoding: all bytes in `data`.
    event(
        r#"{"ev": "data", "t": 63, "sock": "s1", "dir": "in", "n": 5, "data": {"text": "hello"}}"#,
        63,
        Event::Data {
            sock: s("s1"),
            dir: Dir::In,
            n: 5,
            preview: None,
            data: Some(Data::text("hello")),
        },
    );
}

#[test]
fn wire_ftp_and_error_events() {
    for (channel, ch, dir, d) in [
        ("http", Channel::Http, "out", Dir::Out),
        ("control", Channel::Control, "in", Dir::In),
        ("data", Channel::Data, "in", Dir::In),
    ] {
        event(
            &format!(
                r#"{{"ev": "wire", "t": 70, "handle": "h1", "channel": "{channel}", "dir": "{dir}", "data": {{"text": "GET / HTTP/1.1\r\n"}}}}"#
            ),
            70,
            Event::Wire {
                handle: s("h1"),
                channel: ch,
                dir: d,
                data: Data::text("GET / HTTP/1.1\r\n"),
            },
        );
    }
    event(
        r#"{"ev": "wire", "t": 71, "handle": "f1", "channel": "control", "dir": "out", "data": {"text": "PASS ****\r\n"}}"#,
        71,
        Event::Wire {
            handle: s("f1"),
            channel: Channel::Control,
            dir: Dir::Out,
            data: Data::text("PASS ****\r\n"),
        },
    );
    event(
        r#"{"ev": "ftp.block", "t": 80, "conn": "f1", "data": {"b64": "iVBORw=="}}"#,
        80,
        Event::FtpBlock {
            conn: s("f1"),
            data: Data::B64(vec![0x89, b'P', b'N', b'G']),
        },
    );
    event(
        r#"{"ev": "ftp.line", "t": 81, "conn": "f1", "line": "-rw-r--r-- 1 ftp ftp 42 readme.txt"}"#,
        81,
        Event::FtpLine {
            conn: s("f1"),
            line: s("-rw-r--r-- 1 ftp ftp 42 readme.txt"),
        },
    );
    event(
        r#"{"ev": "error", "t": 90, "code": "bad_request", "message": "frame is not valid JSON"}"#,
        90,
        Event::Error {
            code: s(codes::BAD_REQUEST),
            message: s("frame is not valid JSON"),
        },
    );
    event(
        r#"{"ev": "error", "t": 0, "code": "limit", "message": "too many sessions from 127.0.0.1; --max-sessions-per-ip raises it"}"#,
        0,
        Event::Error {
            code: s(codes::LIMIT),
            message: s("too many sessions from 127.0.0.1; --max-sessions-per-ip raises it"),
        },
    );
}

#[test]
fn server_frame_needs_re_or_ev() {
    let e = serde_json::from_str::<ServerFrame>(r#"{"t": 1, "sock": "s1"}"#).unwrap_err();
    assert!(e.to_string().contains("neither `re` nor `ev`"), "{e}");
    let e = serde_json::from_str::<ServerFrame>(r#"{"ev": "nonsense", "t": 1}"#).unwrap_err();
    assert!(e.to_string().contains("nonsense"), "{e}");
}
