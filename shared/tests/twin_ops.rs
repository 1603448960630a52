//! The twin ops that share an argument struct (`recv`/`recvfrom`, `send`/`sendall`,
//! `connect`/`connect_ex`) keep their wire form byte for byte: what the relay and the
//! page serialize, and the parse errors (with the culprit field) a learner sees.
//! The expected texts were recorded from the catalogue before the twins shared
//! their arguments.

use shared::parse_request;

/// A request as a client may write it, and as it serializes (fields in catalogue order).
const ROUND_TRIPS: &[(&str, &str)] = &[
    (
        r#"{"id":1,"op":"recv","sock":"s1","bufsize":4}"#,
        r#"{"id":1,"op":"recv","sock":"s1","bufsize":4}"#,
    ),
    (
        r#"{"op":"recvfrom","encoding":"b64","flags":["MSG_PEEK"],"bufsize":4,"sock":"s1","id":2}"#,
        r#"{"id":2,"op":"recvfrom","sock":"s1","bufsize":4,"flags":["MSG_PEEK"],"encoding":"b64"}"#,
    ),
    (
        r#"{"id":3,"op":"send","sock":"s1","data":{"text":"hi"}}"#,
        r#"{"id":3,"op":"send","sock":"s1","data":{"text":"hi"}}"#,
    ),
    (
        r#"{"id":4,"op":"sendall","data":{"b64":"AAEC"},"sock":"s1"}"#,
        r#"{"id":4,"op":"sendall","sock":"s1","data":{"b64":"AAEC"}}"#,
    ),
    (
        r#"{"id":5,"op":"connect","sock":"s1","addr":["127.0.0.1",80]}"#,
        r#"{"id":5,"op":"connect","sock":"s1","addr":["127.0.0.1",80]}"#,
    ),
    (
        r#"{"id":6,"op":"connect_ex","addr":["localhost",1],"sock":"s2"}"#,
        r#"{"id":6,"op":"connect_ex","sock":"s2","addr":["localhost",1]}"#,
    ),
];

/// A bad request, and the `bad_request` message it gets (its `id` is read first).
const ERRORS: &[(&str, &str)] = &[
    (
        r#"{"id":7,"op":"recv","sock":"s1","bufsize":"x"}"#,
        r#"op `recv`: field `bufsize`: invalid type: string "x", expected usize"#,
    ),
    (
        r#"{"id":8,"op":"recv","sock":"s1"}"#,
        r#"op `recv`: missing field `bufsize`"#,
    ),
    (
        r#"{"id":9,"op":"recvfrom","sock":1,"bufsize":3}"#,
        r#"op `recvfrom`: field `sock`: invalid type: integer `1`, expected a string"#,
    ),
    (
        r#"{"id":10,"op":"recv","sock":"s1","bufsize":3,"flags":["MSG_OOB"]}"#,
        r#"op `recv`: field `flags`: unknown variant `MSG_OOB`, expected `MSG_PEEK`"#,
    ),
    (
        r#"{"id":11,"op":"send","sock":"s1"}"#,
        r#"op `send`: missing field `data`"#,
    ),
    (
        r#"{"id":12,"op":"sendall","sock":"s1","data":5}"#,
        r#"op `sendall`: field `data`: invalid type: integer `5`, expected string or map"#,
    ),
    (
        r#"{"id":13,"op":"connect","sock":"s1","addr":"x"}"#,
        r#"op `connect`: field `addr`: invalid type: string "x", expected tuple struct Addr"#,
    ),
    (
        r#"{"id":14,"op":"connect_ex","sock":"s1","addr":["h",70000]}"#,
        r#"op `connect_ex`: field `addr`: invalid value: integer `70000`, expected u16"#,
    ),
    (
        r#"{"id":15,"op":"connect","addr":["h",7]}"#,
        r#"op `connect`: missing field `sock`"#,
    ),
    (
        r#"{"id":16,"op":"recv","sock":"s1","bufsize":3,"encoding":"utf16","junk":1}"#,
        r#"op `recv`: field `encoding`: unknown variant `utf16`, expected `text` or `b64`"#,
    ),
    (
        r#"{"id":17,"op":"send","sock":"s1","data":{"text":"a","b64":"AA=="}}"#,
        r#"op `send`: field `data`: invalid value: map, expected map with a single key"#,
    ),
    (
        r#"{"id":18,"op":"recv","sock":null,"bufsize":-1}"#,
        r#"op `recv`: field `bufsize`: invalid value: integer `-1`, expected usize"#,
    ),
];

#[test]
fn twin_ops_serialize_byte_for_byte() {
    for (text, expected) in ROUND_TRIPS {
        let request = parse_request(text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        let written = serde_json::to_string(&request).unwrap();
        assert_eq!(&written, expected, "{text}");
        assert_eq!(parse_request(&written).unwrap(), request, "{written}");
    }
}

#[test]
fn twin_ops_errors_name_the_same_field() {
    for (text, expected) in ERRORS {
        let e = parse_request(text).unwrap_err();
        assert!(e.id.is_some(), "{text}");
        assert_eq!(&e.message, expected, "{text}");
    }
}
