//! The page's hand-written reader of socket-family requests
//! (`shared::decode_op::program_op`, used by the Python tab's bridge) agrees
//! with the relay's derived reader of `Op` on every input: the same op, or an
//! error from both. Inputs are JSON objects built from each accepted op name and
//! fields drawn from values of every type the fields take (right and wrong),
//! plus arbitrary text.

use proptest::prelude::*;
use serde_json::{json, Value};
use shared::decode_op::program_op;
use shared::op::OP_NAMES;
use shared::Op;

fn derived(text: &str) -> Result<Op, serde_json::Error> {
    serde_json::from_str::<Op>(text)
}

/// Values a field may be given: well-typed ones for every field of the
/// socket-family ops, and wrong ones.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("s1")),
        Just(json!("AF_INET")),
        Just(json!("AF_INET6")),
        Just(json!("SOCK_STREAM")),
        Just(json!("SOCK_DGRAM")),
        Just(json!("SOL_SOCKET")),
        Just(json!("SO_REUSEADDR")),
        Just(json!("SHUT_RDWR")),
        Just(json!(["127.0.0.1", 20007])),
        Just(json!(["::1", 8080, 0, 0])),
        Just(json!({"text": "hello"})),
        Just(json!({"b64": "aGk="})),
        Just(json!(["s1", "s2"])),
        Just(json!(["MSG_PEEK"])),
        Just(json!(true)),
        Just(json!(1)),
        Just(json!(0.5)),
        Just(json!(-3)),
        Just(json!(1024)),
        Just(json!(null)),
        Just(json!({})),
        ".{0,6}".prop_map(Value::String),
    ]
}

const FIELDS: &[&str] = &[
    "sock", "family", "type", "proto", "level", "name", "value", "flag", "timeout", "addr",
    "backlog", "data", "bufsize", "flags", "encoding", "how", "rlist", "wlist", "xlist", "target",
];

/// The op names `program_op` reads: those it does not refuse by name.
fn program_ops() -> Vec<&'static str> {
    OP_NAMES
        .iter()
        .copied()
        .filter(|name| {
            program_op(&json!({ "op": name }).to_string())
                .map_or_else(|e| !e.to_string().contains("is not an op"), |_| true)
        })
        .collect()
}

fn request() -> impl Strategy<Value = String> {
    (
        prop::sample::select(program_ops()),
        prop::collection::vec((prop::sample::select(FIELDS), value()), 0..8),
    )
        .prop_map(|(op, fields)| {
            let mut obj = serde_json::Map::new();
            obj.insert("op".into(), json!(op));
            for (k, v) in fields {
                obj.insert(k.into(), v);
            }
            Value::Object(obj).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn agrees_with_the_derived_reader(text in request()) {
        match (program_op(&text), derived(&text)) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{text}: hand-written {a:?}, derived {b:?}"),
        }
    }

    #[test]
    fn arbitrary_text_is_an_error_or_an_op(text in ".{0,64}") {
        if let Ok(op) = program_op(&text) {
            prop_assert_eq!(Ok(op), derived(&text).map_err(|e| e.to_string()));
        }
    }
}

#[test]
fn every_socket_family_example_reads_the_same() {
    for text in [
        r#"{"op": "socket"}"#,
        r#"{"op": "socket", "family": "AF_INET6", "type": "SOCK_DGRAM", "proto": 0}"#,
        r#"{"op": "connect", "sock": "s1", "addr": ["127.0.0.1", 20007]}"#,
        r#"{"op": "sendall", "sock": "s1", "data": {"b64": "aGk="}}"#,
        r#"{"op": "recv", "sock": "s1", "bufsize": 1024, "flags": ["MSG_PEEK"]}"#,
        r#"{"op": "select", "rlist": ["s1"], "timeout": 0.5}"#,
        r#"{"op": "settimeout", "sock": "s1", "timeout": null}"#,
        r#"{"op": "listen", "sock": "s1"}"#,
        r#"{"op": "cancel", "target": 7}"#,
    ] {
        let op = program_op(text).expect(text);
        assert_eq!(op, derived(text).expect(text), "{text}");
    }
    let err = program_op(r#"{"op": "http.open", "host": "x"}"#).expect_err("not a socket op");
    assert!(
        err.to_string().contains("`http.open` is not an op"),
        "{err}"
    );
    assert_eq!(program_ops().len(), 22, "{:?}", program_ops());
}
