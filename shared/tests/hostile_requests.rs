//! `parse_request` on hostile frames: tens of thousands of junk keys around one
//! mistyped field, deep nesting, out-of-range numbers, huge strings, unicode keys
//! and values, duplicate keys — and, as properties, arbitrary JSON values and
//! arbitrary text. The decoder must never panic, must answer every frame with a
//! request or an error that says what was wrong, and must do work linear in the
//! frame (these frames took minutes when the culprit search was quadratic; here
//! each one is a single call, so a regression shows up as a hung test).
//!
//! Owns only these hostile-input checks; the wording of ordinary errors is pinned
//! by `parse_errors.rs`.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shared::field_error::fields_of;
use shared::{parse_request, RequestError};

#[track_caller]
fn fails(text: &str) -> RequestError {
    match parse_request(text) {
        Ok(r) => panic!(
            "{} parsed as {r:?}",
            text.chars().take(200).collect::<String>()
        ),
        Err(e) => e,
    }
}

/// A request of `op` with `junk` keys that no op reads, plus `extra` fields. The
/// junk keys sort before every field name (`_` < `a`), so a search that tries
/// the keys in order meets all of them first.
fn with_junk(op: &str, junk: usize, extra: &[(&str, Value)]) -> String {
    let mut map = Map::new();
    map.insert("id".into(), json!(9));
    map.insert("op".into(), json!(op));
    for i in 0..junk {
        map.insert(format!("_{i:05}"), json!(i));
    }
    for (k, v) in extra {
        map.insert((*k).to_owned(), v.clone());
    }
    Value::Object(map).to_string()
}

#[test]
fn sixty_eight_thousand_junk_keys_and_one_mistyped_field_name_the_field() {
    let text = with_junk(
        "connect",
        68_000,
        &[("sock", json!("s1")), ("addr", json!(5))],
    );
    assert!(text.len() < 1 << 20, "fits the default frame limit");
    let e = fails(&text);
    assert_eq!(e.id, Some(9));
    assert!(
        e.message.contains("op `connect`") && e.message.contains("field `addr`"),
        "{}",
        e.message
    );
    // Junk keys sorting before and after the fields change nothing.
    let text = with_junk(
        "recv",
        68_000,
        &[
            ("sock", json!("s1")),
            ("bufsize", json!("lots")),
            ("aaa", json!(1)),
            ("zzz", json!({"deep": [1, 2, 3]})),
        ],
    );
    let e = fails(&text);
    assert!(e.message.contains("field `bufsize`"), "{}", e.message);
}

#[test]
fn junk_keys_named_like_other_ops_fields_are_ignored() {
    // `addr`, `conn`, `data` are fields of other ops: not of `recv`.
    let text = r#"{"id": 1, "op": "recv", "sock": "s1", "bufsize": -1,
                   "addr": 5, "conn": [], "data": null}"#;
    let e = fails(text);
    assert!(e.message.contains("field `bufsize`"), "{}", e.message);
    let r = parse_request(r#"{"id": 1, "op": "ping", "addr": 5, "sock": {}}"#);
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn missing_field_among_junk_keys_is_named_by_serde() {
    let e = fails(&with_junk("connect", 50_000, &[("sock", json!("s1"))]));
    assert!(e.message.contains("missing field `addr`"), "{}", e.message);
}

#[test]
fn a_megabyte_of_nesting_is_refused_at_depth_128() {
    for open in ["[", "{\"a\":"] {
        let text = open.repeat((1 << 20) / open.len());
        let e = fails(&text);
        assert_eq!(e.id, None);
        assert!(
            e.message.contains("not valid JSON") && e.message.contains("recursion limit"),
            "{}",
            e.message
        );
    }
    // Nesting inside a field's value: the same.
    let text = format!(r#"{{"id": 1, "op": "ping", "x": {}}}"#, "[".repeat(500_000));
    let e = fails(&text);
    assert!(e.message.contains("recursion limit"), "{}", e.message);
    // Within the limit, a deep value in a junk key is simply ignored.
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let r = parse_request(&format!(r#"{{"id": 1, "op": "ping", "x": {deep}}}"#));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn out_of_range_numbers() {
    let e = fails(r#"{"id": 1e999999, "op": "ping"}"#);
    assert!(e.message.contains("not valid JSON"), "{}", e.message);
    assert!(e.message.contains("number out of range"), "{}", e.message);
    // One past u64::MAX, and a 20-digit negative id.
    for id in ["18446744073709551616", "-18446744073709551615", "1e3"] {
        let e = fails(&format!(r#"{{"id": {id}, "op": "ping"}}"#));
        assert_eq!(e.id, None);
        assert!(
            e.message.contains("unsigned integer"),
            "{id}: {}",
            e.message
        );
    }
    let e = fails(r#"{"id": 2, "op": "recv", "sock": "s1", "bufsize": 99999999999999999999}"#);
    assert!(e.message.contains("field `bufsize`"), "{}", e.message);
    let e = fails(r#"{"id": 2, "op": "cancel", "target": 18446744073709551616}"#);
    assert!(e.message.contains("field `target`"), "{}", e.message);
    let e = fails(r#"{"id": 2, "op": "ftp.set_debuglevel", "conn": "f1", "level": 256}"#);
    assert!(e.message.contains("field `level`"), "{}", e.message);
    // A megabyte of digits is one out-of-range number, read once.
    let digits = "7".repeat(1 << 20);
    let e = fails(&format!(r#"{{"id": {digits}, "op": "ping"}}"#));
    assert!(e.message.contains("number out of range"), "{}", e.message);
    let r = parse_request(r#"{"id": 3, "op": "settimeout", "sock": "s1", "timeout": 1e308}"#);
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn huge_strings_are_not_echoed_whole() {
    let big = "x".repeat(1 << 20);
    let e = fails(&format!(r#"{{"id": 1, "op": "{big}"}}"#));
    assert!(
        e.message.starts_with("unknown op `xxx"),
        "{}",
        &e.message[..40]
    );
    assert!(e.message.len() < 1000, "{} bytes", e.message.len());
    assert!(e.message.contains("bytes in all"), "says it was cut");
    let e = fails(&format!(
        r#"{{"id": 1, "op": "recv", "sock": "s1", "bufsize": "{big}"}}"#
    ));
    assert!(
        e.message.contains("field `bufsize`"),
        "{}",
        &e.message[..60]
    );
    assert!(e.message.len() < 1000, "{} bytes", e.message.len());
    // A cut never falls inside a character.
    let wide = "é".repeat(400_000);
    let e = fails(&format!(r#"{{"id": 1, "op": "{wide}"}}"#));
    assert!(e.message.contains("unknown op `éé"), "{}", e.message);
}

#[test]
fn unicode_keys_and_values() {
    let r = parse_request(r#"{"id": 1, "op": "ftp.sendcmd", "conn": "f1", "cmd": "NOOPé 🦀"}"#);
    assert!(r.is_ok(), "{r:?}");
    let e = fails(
        r#"{"id": 1, "op": "connect", "sock": "s1", "addr": ["ホスト", 70000], "ключ": "值"}"#,
    );
    assert!(e.message.contains("field `addr`"), "{}", e.message);
    let e = fails(r#"{"id": 1, "op": "connéct"}"#);
    assert!(e.message.contains("unknown op `connéct`"), "{}", e.message);
    // Lone surrogates cannot be UTF-8: serde_json refuses them.
    let e = fails(r#"{"id": 1, "op": "ping", "x": "\ud800"}"#);
    assert!(e.message.contains("not valid JSON"), "{}", e.message);
}

#[test]
fn duplicate_keys_keep_the_last_value_as_python_does() {
    let r = parse_request(r#"{"id": 1, "id": 2, "op": "ping"}"#).expect("parses");
    assert_eq!(r.id, 2);
    let e = fails(r#"{"id": 1, "op": "recv", "sock": "s1", "bufsize": 1, "bufsize": "x"}"#);
    assert!(e.message.contains("field `bufsize`"), "{}", e.message);
    let r = parse_request(r#"{"id": 1, "op": "frob", "op": "ping"}"#);
    assert!(r.is_ok(), "{r:?}");
}

// ---- properties ----

/// Case count: `PROPTEST_CASES` when set (the long fuzz run), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Names that are not ops, some close to one.
const NOT_OPS: &[&str] = &["", "frob", "Ping", "http.", "ftp.nope"];

/// Every op name, and a few that are not.
fn op_names() -> Vec<&'static str> {
    shared::request::OP_NAMES
        .iter()
        .chain(NOT_OPS)
        .copied()
        .collect()
}

/// Scalars a field might get: valid and invalid values of every type ops use.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "AF_INET",
            "AF_INET6",
            "SOCK_STREAM",
            "SOL_SOCKET",
            "SO_REUSEADDR",
            "MSG_PEEK",
            "SHUT_RD",
            "text",
            "b64",
            "127.0.0.1",
            "s1",
            "h1",
            "f1",
            "GET",
            "/",
            "NOOPé",
        ])
        .prop_map(Value::from),
    ]
}

/// Arbitrary JSON: nested arrays and objects with unicode keys.
fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A request-shaped object: an id (or not), an op name, some of the op's own
/// fields and some other keys, with arbitrary values.
fn request_like() -> impl Strategy<Value = Value> {
    let fields: Vec<&'static str> = shared::request::OP_NAMES
        .iter()
        .flat_map(|op| fields_of(op).unwrap_or_default().iter().copied())
        .chain(["id", "op", "x", "é"])
        .collect();
    (
        prop::sample::select(op_names()),
        prop::option::of(prop_oneof![any::<u64>().prop_map(Value::from), scalar()]),
        prop::collection::vec((prop::sample::select(fields), json_value()), 0..8),
        prop::collection::vec(("\\PC{0,6}", scalar()), 0..4),
    )
        .prop_map(|(op, id, fields, junk)| {
            let mut m = Map::new();
            if let Some(id) = id {
                m.insert("id".into(), id);
            }
            m.insert("op".into(), Value::from(op));
            for (k, v) in fields.into_iter() {
                m.insert(k.to_owned(), v);
            }
            for (k, v) in junk {
                m.entry(k).or_insert(v);
            }
            Value::Object(m)
        })
}

/// Checks what every answer must be: a request, or an error with a message, whose
/// `id` is the frame's when it could be read, and whose named field (if any) is
/// one of the op's.
fn check_answer(text: &str, frame: Option<&Value>) {
    match parse_request(text) {
        Ok(r) => {
            if let Some(f) = frame {
                assert_eq!(Some(r.id), f.get("id").and_then(Value::as_u64));
                assert_eq!(Some(r.op.name()), f.get("op").and_then(Value::as_str));
            }
        }
        Err(e) => {
            assert!(!e.message.is_empty());
            if let Some(id) = e.id {
                let f = frame.expect("an id is only read from an object");
                assert_eq!(f.get("id").and_then(Value::as_u64), Some(id));
            }
            if let (Some(f), Some(start)) = (frame, e.message.find("field `")) {
                let named = e.message[start + 7..].split('`').next().unwrap_or_default();
                let op = f.get("op").and_then(Value::as_str).unwrap_or_default();
                if !e.message.starts_with("missing field") && e.message.starts_with("op `") {
                    let own = fields_of(op).unwrap_or_default();
                    assert!(own.contains(&named), "{op}: names {named:?}: {}", e.message);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn any_json_value_gets_an_answer(v in json_value()) {
        check_answer(&v.to_string(), Some(&v));
    }

    #[test]
    fn any_request_like_object_gets_an_answer(v in request_like()) {
        check_answer(&v.to_string(), Some(&v));
    }

    #[test]
    fn a_mistyped_own_field_is_named(
        op in prop::sample::select(op_names()),
        pick in any::<prop::sample::Index>(),
        junk in 0usize..300,
    ) {
        // `{}` fits no field's type: the error must name exactly that field.
        let own = fields_of(op).unwrap_or_default();
        prop_assume!(!own.is_empty());
        let field = own[pick.index(own.len())];
        let text = with_junk(op, junk, &[(field, json!({}))]);
        let e = fails(&text);
        prop_assert!(e.message.contains(&format!("field `{field}`")), "{}", e.message);
    }

    #[test]
    fn any_text_gets_an_answer(text in "\\PC{0,64}|\\{[\"a-z0-9:,\\[\\]{} ]{0,64}") {
        check_answer(&text, serde_json::from_str::<Value>(&text).ok().as_ref());
    }

    #[test]
    fn any_bytes_as_lossy_text_get_an_answer(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        check_answer(&text, serde_json::from_str::<Value>(&text).ok().as_ref());
    }
}

#[test]
fn an_out_of_range_id_shows_the_number_and_the_range() {
    let e = fails(r#"{"id": 18446744073709551616, "op": "ping"}"#);
    assert!(
        e.message.contains("0 to 18446744073709551615")
            && e.message.contains("1.8446744073709552e+19"),
        "{}",
        e.message
    );
    let e = fails(r#"{"id": -3, "op": "ping"}"#);
    assert!(e.message.ends_with("got a number: -3"), "{}", e.message);
}
