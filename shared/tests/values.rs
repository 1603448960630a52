//! The value types of docs/protocol.md "Values" and "Errors": `Data` (text or base64 and
//! the rule that chooses), `Addr` (Python's `(host, port)`), and `ErrorBody` (codes,
//! errno numbers and the exact line Python would print).

use serde_json::json;
use shared::*;
use std::net::SocketAddr;

// ---------------------------------------------------------------- Data

#[test]
fn data_is_text_when_utf8_unless_b64_is_asked() {
    assert_eq!(
        Data::from_bytes(b"hello\n".to_vec(), Encoding::Text),
        Data::text("hello\n")
    );
    assert_eq!(
        Data::from_bytes("héllo ✓".as_bytes().to_vec(), Encoding::Text),
        Data::text("héllo ✓")
    );
    assert_eq!(
        Data::from_bytes(vec![0x68, 0xff], Encoding::Text),
        Data::B64(vec![0x68, 0xff])
    );
    assert_eq!(
        Data::from_bytes(b"hi".to_vec(), Encoding::B64),
        Data::B64(b"hi".to_vec())
    );
    // NUL and control bytes are valid UTF-8, so they stay text (JSON escapes them).
    let d = Data::from_bytes(vec![0, 1, b'\n'], Encoding::Text);
    assert_eq!(d, Data::text("\u{0}\u{1}\n"));
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"text": "\u{0}\u{1}\n"})
    );
    // Empty bytes (the peer closed) are empty text.
    assert_eq!(Data::from_bytes(vec![], Encoding::Text), Data::text(""));
    assert!(Data::text("").is_empty());
}

#[test]
fn data_json_forms() {
    let all: Vec<u8> = (0..=255).collect();
    let d = Data::B64(all.clone());
    let v = serde_json::to_value(&d).unwrap();
    let back: Data = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back.as_bytes(), &all[..]);
    // Standard alphabet, padded on output; input with or without padding.
    assert_eq!(
        serde_json::to_value(Data::B64(vec![0xfb, 0xff])).unwrap(),
        json!({"b64": "+/8="})
    );
    for b64 in ["+/8=", "+/8"] {
        let d: Data = serde_json::from_value(json!({ "b64": b64 })).unwrap();
        assert_eq!(d.into_bytes(), vec![0xfb, 0xff], "{b64}");
    }
    // URL-safe alphabet is not accepted.
    assert!(serde_json::from_value::<Data>(json!({"b64": "-_8="})).is_err());
    // Exactly one of the two keys.
    assert!(serde_json::from_value::<Data>(json!({"text": "a", "b64": "AA=="})).is_err());
    assert!(serde_json::from_value::<Data>(json!({})).is_err());
    assert!(serde_json::from_value::<Data>(json!("hello")).is_err());
    assert_eq!(Data::text("hé").len(), 3);
}

#[test]
fn preview_is_bounded_and_keeps_text() {
    let long = "x".repeat(200);
    assert_eq!(
        Data::preview(long.as_bytes(), 64),
        Data::text("x".repeat(64))
    );
    // Cut inside a multi-byte character: still text, the partial character dropped.
    assert_eq!(Data::preview("aé".as_bytes(), 2), Data::text("a"));
    // Genuinely binary: base64 of the first bytes.
    assert_eq!(Data::preview(&[0xff; 100], 64), Data::B64(vec![0xff; 64]));
    assert_eq!(Data::preview(b"short", 64), Data::text("short"));
}

#[test]
fn encoding_json() {
    assert_eq!(serde_json::to_value(Encoding::Text).unwrap(), json!("text"));
    assert_eq!(serde_json::to_value(Encoding::B64).unwrap(), json!("b64"));
}

// ---------------------------------------------------------------- Addr

#[test]
fn addr_is_a_two_element_array() {
    let a: Addr = serde_json::from_value(json!(["", 20178])).unwrap();
    assert_eq!(a, Addr::new("", 20178));
    assert_eq!(a.host(), "");
    assert_eq!(a.port(), 20178);
    assert_eq!(serde_json::to_value(&a).unwrap(), json!(["", 20178]));
    assert!(serde_json::from_value::<Addr>(json!(["127.0.0.1"])).is_err());
    assert!(serde_json::from_value::<Addr>(json!(["127.0.0.1", 65536])).is_err());
    assert!(serde_json::from_value::<Addr>(json!({"host": "x", "port": 1})).is_err());
}

#[test]
fn addr_from_socket_addr_and_python_repr() {
    let v4: SocketAddr = "127.0.0.1:20007".parse().unwrap();
    assert_eq!(Addr::from(v4), Addr::new("127.0.0.1", 20007));
    let v6: SocketAddr = "[::1]:8080".parse().unwrap();
    assert_eq!(Addr::from(v6), Addr::new("::1", 8080));
    // An IPv4-mapped IPv6 peer is shown as the IPv4 address it is.
    let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
    assert_eq!(Addr::from(mapped), Addr::new("127.0.0.1", 5000));
    assert_eq!(
        Addr::new("127.0.0.1", 20007).to_string(),
        "('127.0.0.1', 20007)"
    );
}

// ---------------------------------------------------------------- errors

/// `type(e).__name__: e` for `OSError(n, os.strerror(n))`, printed by CPython 3 on
/// Linux for every errno in the catalogue.
const CPYTHON: &[&str] = &[
    "EPERM 1 PermissionError: [Errno 1] Operation not permitted",
    "ENOENT 2 FileNotFoundError: [Errno 2] No such file or directory",
    "EINTR 4 InterruptedError: [Errno 4] Interrupted system call",
    "EBADF 9 OSError: [Errno 9] Bad file descriptor",
    "EAGAIN 11 BlockingIOError: [Errno 11] Resource temporarily unavailable",
    "ENOMEM 12 OSError: [Errno 12] Cannot allocate memory",
    "EACCES 13 PermissionError: [Errno 13] Permission denied",
    "EINVAL 22 OSError: [Errno 22] Invalid argument",
    "EMFILE 24 OSError: [Errno 24] Too many open files",
    "EPIPE 32 BrokenPipeError: [Errno 32] Broken pipe",
    "EDESTADDRREQ 89 OSError: [Errno 89] Destination address required",
    "EMSGSIZE 90 OSError: [Errno 90] Message too long",
    "EPROTOTYPE 91 OSError: [Errno 91] Protocol wrong type for socket",
    "ENOPROTOOPT 92 OSError: [Errno 92] Protocol not available",
    "EOPNOTSUPP 95 OSError: [Errno 95] Operation not supported",
    "EAFNOSUPPORT 97 OSError: [Errno 97] Address family not supported by protocol",
    "EADDRINUSE 98 OSError: [Errno 98] Address already in use",
    "EADDRNOTAVAIL 99 OSError: [Errno 99] Cannot assign requested address",
    "ENETDOWN 100 OSError: [Errno 100] Network is down",
    "ENETUNREACH 101 OSError: [Errno 101] Network is unreachable",
    "ECONNABORTED 103 ConnectionAbortedError: [Errno 103] Software caused connection abort",
    "ECONNRESET 104 ConnectionResetError: [Errno 104] Connection reset by peer",
    "ENOBUFS 105 OSError: [Errno 105] No buffer space available",
    "EISCONN 106 OSError: [Errno 106] Transport endpoint is already connected",
    "ENOTCONN 107 OSError: [Errno 107] Transport endpoint is not connected",
    "ESHUTDOWN 108 BrokenPipeError: [Errno 108] Cannot send after transport endpoint shutdown",
    "ETIMEDOUT 110 TimeoutError: [Errno 110] Connection timed out",
    "ECONNREFUSED 111 ConnectionRefusedError: [Errno 111] Connection refused",
    "EHOSTDOWN 112 OSError: [Errno 112] Host is down",
    "EHOSTUNREACH 113 OSError: [Errno 113] No route to host",
    "EALREADY 114 BlockingIOError: [Errno 114] Operation already in progress",
    "EINPROGRESS 115 BlockingIOError: [Errno 115] Operation now in progress",
];

#[test]
fn errno_catalogue_matches_cpython() {
    assert_eq!(Errno::ALL.len(), CPYTHON.len());
    for line in CPYTHON {
        let mut parts = line.splitn(3, ' ');
        let name = parts.next().unwrap();
        let num: i32 = parts.next().unwrap().parse().unwrap();
        let printed = parts.next().unwrap();
        let e = Errno::from_name(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(e.number(), num, "{name}");
        assert_eq!(Errno::from_number(num), Some(e));
        let body = ErrorBody::errno(e);
        assert_eq!(body.code, name);
        assert_eq!(body.errno, Some(num));
        assert_eq!(body.os_errno(), Some(e));
        assert_eq!(body.python(), printed, "{name}");
        // And it survives the wire.
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(
            v,
            json!({"code": name, "errno": num, "message": e.message()})
        );
        assert_eq!(serde_json::from_value::<ErrorBody>(v).unwrap(), body);
    }
}

#[test]
fn protocol_md_errno_numbers() {
    for (name, n) in [
        ("ECONNREFUSED", 111),
        ("EADDRINUSE", 98),
        ("EAGAIN", 11),
        ("ECONNRESET", 104),
        ("EPIPE", 32),
        ("ENOTCONN", 107),
        ("EISCONN", 106),
        ("EINVAL", 22),
        ("EBADF", 9),
        ("ETIMEDOUT", 110),
        ("EHOSTUNREACH", 113),
        ("ENETUNREACH", 101),
        ("EINPROGRESS", 115),
        ("EOPNOTSUPP", 95),
    ] {
        assert_eq!(Errno::from_name(name).map(Errno::number), Some(n), "{name}");
    }
}

#[test]
fn specific_message_keeps_python_shape() {
    let e = ErrorBody::errno_with(Errno::EINVAL, "Invalid argument (socket is piped)");
    assert_eq!(
        e.python(),
        "OSError: [Errno 22] Invalid argument (socket is piped)"
    );
}

#[test]
fn python_lines_for_non_errno_codes() {
    let cases: Vec<(ErrorBody, &str)> = vec![
        (
            ErrorBody::new(codes::TIMEOUT, "timed out"),
            "TimeoutError: timed out",
        ),
        (
            ErrorBody {
                errno: Some(-2),
                ..ErrorBody::new(codes::GAIERROR, "Name or service not known")
            },
            "socket.gaierror: [Errno -2] Name or service not known",
        ),
        (
            ErrorBody::new(codes::GAIERROR, "Name or service not known"),
            "socket.gaierror: [Errno -2] Name or service not known",
        ),
        (
            ErrorBody::new(
                "http.RemoteDisconnected",
                "Remote end closed connection without response",
            ),
            "http.client.RemoteDisconnected: Remote end closed connection without response",
        ),
        (
            ErrorBody::new("http.ResponseNotReady", "Request-sent"),
            "http.client.ResponseNotReady: Request-sent",
        ),
        (
            ErrorBody {
                reply: Some("550 Failed to open file.".into()),
                ..ErrorBody::new("ftp.error_perm", "permission denied")
            },
            "ftplib.error_perm: 550 Failed to open file.",
        ),
        (
            ErrorBody::new("ftp.error_temp", "421 Timeout."),
            "ftplib.error_temp: 421 Timeout.",
        ),
        (
            ErrorBody::new(codes::CANCELLED, "cancelled by request 9"),
            "KeyboardInterrupt  # cancelled: cancelled by request 9",
        ),
        (
            ErrorBody::new(
                codes::NOT_ALLOWED,
                "bind to port 80 is outside --allow-bind",
            ),
            "socklab.not_allowed: bind to port 80 is outside --allow-bind",
        ),
        (
            ErrorBody::new(codes::LIMIT, "--max-handles"),
            "socklab.limit: --max-handles",
        ),
        (
            ErrorBody::new(codes::BAD_REQUEST, "missing field `addr`"),
            "socklab.bad_request: missing field `addr`",
        ),
        (
            ErrorBody::new(codes::UNAUTHORIZED, "send auth first"),
            "socklab.unauthorized: send auth first",
        ),
    ];
    for (body, line) in cases {
        assert_eq!(body.os_errno(), None, "{}", body.code);
        assert_eq!(body.python(), line);
    }
}

#[test]
fn error_body_optional_fields_are_omitted() {
    let v = serde_json::to_value(ErrorBody::new(codes::TIMEOUT, "timed out")).unwrap();
    assert_eq!(v, json!({"code": "timeout", "message": "timed out"}));
    let parsed: ErrorBody =
        serde_json::from_value(json!({"code": "timeout", "message": "timed out"})).unwrap();
    assert_eq!(parsed.errno, None);
    assert_eq!(parsed.reply, None);
    let missing: Result<ErrorBody, _> = serde_json::from_value(json!({"code": "timeout"}));
    assert!(missing.is_err());
}

#[test]
fn health_document_round_trips() {
    let text = r#"{"status":"ok","relay":{"name":"socklab","version":"0.1.0"},"uptime_secs":42,
        "sessions":3,"max_sessions":512,"clients":2,"labs":{"tcp_echo":["127.0.0.1",20007]},
        "fds_open":40,"fds_limit":1048576}"#;
    let h: shared::Health = serde_json::from_str(text).expect("health parses");
    assert_eq!(h.sessions, 3);
    assert_eq!(h.labs["tcp_echo"], shared::Addr::new("127.0.0.1", 20007));
    let back = serde_json::to_value(&h).expect("serializes");
    let orig: serde_json::Value = serde_json::from_str(text).expect("json");
    assert_eq!(back, orig);
}
