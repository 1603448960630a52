//! `parse_request` on frames that are not valid requests: each error must say what
//! was wrong in words a learner can act on, name the field or the unknown op, and
//! carry the request's `id` exactly when it could be read (then the relay answers
//! with an `err` `bad_request` reply; otherwise with an `error` event).

use shared::{parse_request, RequestError};

#[track_caller]
fn fails(text: &str) -> RequestError {
    match parse_request(text) {
        Ok(r) => panic!("{text} parsed as {r:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_mentions(e: &RequestError, parts: &[&str]) {
    for p in parts {
        assert!(
            e.message.contains(p),
            "{:?} should mention {p:?}",
            e.message
        );
    }
}

#[test]
fn not_json() {
    for text in ["nope", "{", r#"{"id": 1, "op": "ping""#, ""] {
        let e = fails(text);
        assert_eq!(e.id, None, "{text}");
        assert_mentions(&e, &["not valid JSON"]);
    }
}

#[test]
fn not_an_object() {
    for (text, kind) in [
        ("[1, 2]", "an array"),
        (r#""ping""#, "a string"),
        ("42", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        let e = fails(text);
        assert_eq!(e.id, None, "{text}");
        assert_mentions(&e, &["JSON object", kind]);
    }
}

#[test]
fn missing_or_mistyped_id() {
    let e = fails(r#"{"op": "ping"}"#);
    assert_eq!(e.id, None);
    assert_mentions(&e, &["missing field `id`"]);
    for (id, kind) in [
        (r#""7""#, "a string"),
        ("-1", "a number"),
        ("1.5", "a number"),
        ("null", "null"),
        ("[7]", "an array"),
    ] {
        let e = fails(&format!(r#"{{"id": {id}, "op": "ping"}}"#));
        assert_eq!(e.id, None, "id {id}");
        assert_mentions(&e, &["`id`", "unsigned integer", kind]);
    }
}

#[test]
fn missing_or_mistyped_op() {
    let e = fails(r#"{"id": 3}"#);
    assert_eq!(e.id, Some(3));
    assert_mentions(&e, &["missing field `op`"]);
    let e = fails(r#"{"id": 3, "op": 12}"#);
    assert_eq!(e.id, Some(3));
    assert_mentions(&e, &["`op`", "must be a string", "a number"]);
}

#[test]
fn unknown_op() {
    for op in ["frobnicate", "Connect", "http.frob", "socket.socket", ""] {
        let e = fails(&format!(r#"{{"id": 4, "op": "{op}"}}"#));
        assert_eq!(e.id, Some(4));
        assert_mentions(&e, &[&format!("unknown op `{op}`")]);
    }
}

#[test]
fn missing_field_names_op_and_field() {
    for (text, op, field) in [
        (
            r#"{"id": 5, "op": "connect", "sock": "s1"}"#,
            "connect",
            "addr",
        ),
        (
            r#"{"id": 5, "op": "connect", "addr": ["127.0.0.1", 1]}"#,
            "connect",
            "sock",
        ),
        (
            r#"{"id": 5, "op": "recv", "sock": "s1"}"#,
            "recv",
            "bufsize",
        ),
        (r#"{"id": 5, "op": "auth"}"#, "auth", "token"),
        (r#"{"id": 5, "op": "cancel"}"#, "cancel", "target"),
        (r#"{"id": 5, "op": "http.open"}"#, "http.open", "host"),
        (
            r#"{"id": 5, "op": "ftp.storbinary", "conn": "f1"}"#,
            "ftp.storbinary",
            "cmd",
        ),
    ] {
        let e = fails(text);
        assert_eq!(e.id, Some(5), "{text}");
        assert_mentions(&e, &[&format!("op `{op}`"), &format!("`{field}`")]);
    }
}

#[test]
fn mistyped_field_names_op_and_field() {
    for (text, op, field) in [
        (
            r#"{"id": 6, "op": "recv", "sock": "s1", "bufsize": "x"}"#,
            "recv",
            "bufsize",
        ),
        (
            r#"{"id": 6, "op": "recv", "sock": 1, "bufsize": 10}"#,
            "recv",
            "sock",
        ),
        (
            r#"{"id": 6, "op": "recv", "sock": "s1", "bufsize": 10, "flags": ["MSG_OOB"]}"#,
            "recv",
            "flags",
        ),
        (
            r#"{"id": 6, "op": "recv", "sock": "s1", "bufsize": 10, "encoding": "utf-16"}"#,
            "recv",
            "encoding",
        ),
        (
            r#"{"id": 6, "op": "connect", "sock": "s1", "addr": ["127.0.0.1", 70000]}"#,
            "connect",
            "addr",
        ),
        (
            r#"{"id": 6, "op": "connect", "sock": "s1", "addr": "127.0.0.1:80"}"#,
            "connect",
            "addr",
        ),
        (
            r#"{"id": 6, "op": "send", "sock": "s1", "data": "hello"}"#,
            "send",
            "data",
        ),
        (
            r#"{"id": 6, "op": "send", "sock": "s1", "data": {"b64": "!!"}}"#,
            "send",
            "data",
        ),
        (
            r#"{"id": 6, "op": "settimeout", "sock": "s1", "timeout": "5"}"#,
            "settimeout",
            "timeout",
        ),
        (
            r#"{"id": 6, "op": "setblocking", "sock": "s1", "flag": 0}"#,
            "setblocking",
            "flag",
        ),
        (
            r#"{"id": 6, "op": "select", "rlist": "s1"}"#,
            "select",
            "rlist",
        ),
        (
            r#"{"id": 6, "op": "shutdown", "sock": "s1", "how": "SHUT_SIDEWAYS"}"#,
            "shutdown",
            "how",
        ),
        (
            r#"{"id": 6, "op": "cancel", "target": -2}"#,
            "cancel",
            "target",
        ),
        (
            r#"{"id": 6, "op": "ftp.login", "conn": "f1", "user": 7}"#,
            "ftp.login",
            "user",
        ),
    ] {
        let e = fails(text);
        assert_eq!(e.id, Some(6), "{text}");
        assert_mentions(&e, &[&format!("op `{op}`"), &format!("field `{field}`")]);
    }
}

#[test]
fn unknown_value_of_a_known_field_is_not_an_unknown_op() {
    // serde reports both as "unknown variant"; only the op tag makes an unknown op.
    let e = fails(r#"{"id": 7, "op": "socket", "family": "AF_BLUETOOTH"}"#);
    assert_eq!(e.id, Some(7));
    assert!(!e.message.contains("unknown op"), "{}", e.message);
    assert_mentions(
        &e,
        &["op `socket`", "field `family`", "AF_BLUETOOTH", "AF_INET"],
    );
    // Even when the bad value happens to be an op's name.
    let e = fails(r#"{"id": 7, "op": "socket", "type": "socket"}"#);
    assert!(!e.message.contains("unknown op"), "{}", e.message);
    assert_mentions(&e, &["field `type`", "SOCK_STREAM"]);
    let e = fails(
        r#"{"id": 7, "op": "setsockopt", "sock": "s1", "level": "SOL_SOCKET", "name": "SO_LINGER", "value": 1}"#,
    );
    assert_mentions(&e, &["field `name`", "SO_LINGER"]);
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let r = parse_request(r#"{"id": 8, "op": "ping", "comment": "hi"}"#).unwrap();
    assert_eq!(r.id, 8);
    assert_eq!(r.op, shared::Op::Ping);
}

#[test]
fn largest_id_is_accepted() {
    let r = parse_request(r#"{"id": 18446744073709551615, "op": "ping"}"#).unwrap();
    assert_eq!(r.id, u64::MAX);
}
