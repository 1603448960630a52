//! Omitted arguments take Python's defaults: what a request means when a field is
//! left out, and that the explicit form of a default means the same thing.
//!
//! Defaults the shared types leave as `None` (HTTP port 80, FTP port 21, `listen`
//! backlog, `retrbinary` blocksize 8192) are applied by the relay; here we check
//! that omission is represented as `None`/empty, so the relay can tell.

use shared::request::FtpStore;
use shared::*;

#[track_caller]
fn op(text: &str) -> Op {
    parse_request(text)
        .unwrap_or_else(|e| panic!("{text}\n-> {}", e.message))
        .op
}

#[track_caller]
fn same(short: &str, long: &str) {
    assert_eq!(op(short), op(long), "{short} vs {long}");
}

#[test]
fn socket_defaults_to_af_inet_stream() {
    let expected = Op::Socket {
        family: Family::AfInet,
        kind: SockType::Stream,
        proto: 0,
    };
    assert_eq!(op(r#"{"id": 1, "op": "socket"}"#), expected);
    same(
        r#"{"id": 1, "op": "socket", "type": "SOCK_DGRAM"}"#,
        r#"{"id": 1, "op": "socket", "family": "AF_INET", "type": "SOCK_DGRAM", "proto": 0}"#,
    );
    same(
        r#"{"id": 1, "op": "socket", "family": "AF_INET6"}"#,
        r#"{"id": 1, "op": "socket", "family": "AF_INET6", "type": "SOCK_STREAM", "proto": 0}"#,
    );
    // The defaults are written out when a request is serialized.
    let text = serde_json::to_string(&Request {
        id: 1,
        op: expected,
    })
    .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        serde_json::json!({"id": 1, "op": "socket", "family": "AF_INET", "type": "SOCK_STREAM", "proto": 0})
    );
}

#[test]
fn ftp_login_defaults_to_anonymous() {
    assert_eq!(
        op(r#"{"id": 1, "op": "ftp.login", "conn": "f1"}"#),
        Op::FtpLogin {
            conn: "f1".into(),
            user: "anonymous".into(),
            passwd: "".into(),
            acct: "".into(),
        }
    );
    same(
        r#"{"id": 1, "op": "ftp.login", "conn": "f1", "user": "learner"}"#,
        r#"{"id": 1, "op": "ftp.login", "conn": "f1", "user": "learner", "passwd": "", "acct": ""}"#,
    );
}

#[test]
fn ftp_retrlines_defaults_to_list() {
    assert_eq!(
        op(r#"{"id": 1, "op": "ftp.retrlines", "conn": "f1"}"#),
        Op::FtpRetrlines {
            conn: "f1".into(),
            cmd: "LIST".into()
        }
    );
}

#[test]
fn blocking_by_default() {
    // settimeout without a value, like settimeout(None): blocking.
    assert_eq!(
        op(r#"{"id": 1, "op": "settimeout", "sock": "s1"}"#),
        Op::Settimeout {
            sock: "s1".into(),
            timeout: None
        }
    );
    // select with only rlist: empty wlist/xlist, no timeout (blocks).
    assert_eq!(
        op(r#"{"id": 1, "op": "select", "rlist": ["s1"]}"#),
        Op::Select {
            rlist: vec!["s1".into()],
            wlist: vec![],
            xlist: vec![],
            timeout: None
        }
    );
    same(
        r#"{"id": 1, "op": "select"}"#,
        r#"{"id": 1, "op": "select", "rlist": [], "wlist": [], "xlist": [], "timeout": null}"#,
    );
}

#[test]
fn optional_arguments_are_absent_not_guessed() {
    assert_eq!(
        op(r#"{"id": 1, "op": "listen", "sock": "s1"}"#),
        Op::Listen {
            sock: "s1".into(),
            backlog: None
        }
    );
    assert_eq!(
        op(r#"{"id": 1, "op": "recv", "sock": "s1", "bufsize": 10}"#),
        Op::Recv(RecvArgs {
            sock: "s1".into(),
            bufsize: 10,
            flags: vec![],
            encoding: None
        })
    );
    assert_eq!(
        op(r#"{"id": 1, "op": "http.open", "host": "127.0.0.1"}"#),
        Op::HttpOpen {
            host: "127.0.0.1".into(),
            port: None,
            timeout: None,
            tls: false
        }
    );
    assert_eq!(
        op(r#"{"id": 1, "op": "ftp.connect", "host": "127.0.0.1"}"#),
        Op::FtpConnect {
            host: "127.0.0.1".into(),
            port: None,
            timeout: None
        }
    );
    assert_eq!(
        op(r#"{"id": 1, "op": "ftp.retrbinary", "conn": "f1", "cmd": "RETR a"}"#),
        Op::FtpRetrbinary {
            conn: "f1".into(),
            cmd: "RETR a".into(),
            blocksize: None,
            rest: None,
            frames: false
        }
    );
    assert_eq!(
        op(r#"{"id": 1, "op": "ftp.storlines", "conn": "f1", "cmd": "STOR a"}"#),
        Op::FtpStorlines(FtpStore {
            conn: "f1".into(),
            cmd: "STOR a".into(),
            blocksize: None,
            rest: None,
            data: None,
            size: None
        })
    );
    same(
        r#"{"id": 1, "op": "http.putrequest", "conn": "h1", "method": "GET", "url": "/"}"#,
        r#"{"id": 1, "op": "http.putrequest", "conn": "h1", "method": "GET", "url": "/", "skip_host": false, "skip_accept_encoding": false}"#,
    );
    same(
        r#"{"id": 1, "op": "http.open", "host": "h"}"#,
        r#"{"id": 1, "op": "http.open", "host": "h", "tls": false}"#,
    );
    same(
        r#"{"id": 1, "op": "ftp.dir", "conn": "f1"}"#,
        r#"{"id": 1, "op": "ftp.dir", "conn": "f1", "args": []}"#,
    );
}

#[test]
fn encoding_defaults_to_text() {
    assert_eq!(Encoding::default(), Encoding::Text);
}

#[test]
fn op_name_is_the_wire_name() {
    for text in [
        r#"{"id":1,"op":"ping"}"#,
        r#"{"id":1,"op":"connect_ex","sock":"s1","addr":["127.0.0.1",1]}"#,
        r#"{"id":1,"op":"http.getresponse","conn":"h1"}"#,
        r#"{"id":1,"op":"ftp.storbinary","conn":"f1","cmd":"STOR x","size":3}"#,
    ] {
        let req = shared::parse_request(text).expect("valid request");
        let wire: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(req.op.name(), wire["op"].as_str().expect("op"));
    }
}
