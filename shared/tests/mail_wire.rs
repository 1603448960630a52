//! Literal-JSON round trips of the mail ops (`smtp.*`, `pop3.*`), their `ok` shapes
//! (each must land in its intended [`OkBody`] variant although `OkBody` is
//! untagged) and Python's rendering of their exceptions. Owns only these checks.

use serde_json::Value;
use shared::mail_args::*;
use shared::*;
use std::collections::BTreeMap;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("test JSON is invalid: {e}\n{text}"))
}

#[track_caller]
fn request(text: &str, op: Op) {
    let parsed = parse_request(text).unwrap_or_else(|e| panic!("{text}\n-> {}", e.message));
    assert_eq!(parsed.op, op, "{text}");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json(text), "{text}");
}

#[track_caller]
fn ok(text: &str, body: OkBody) {
    let parsed: Reply = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}\n-> {e}"));
    assert_eq!(parsed, Reply::ok(1, body), "{text}");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json(text), "{text}");
}

fn s(v: &str) -> String {
    v.to_owned()
}

fn conn(c: &str) -> MailConn {
    MailConn { conn: s(c) }
}

#[test]
fn smtp_requests() {
    request(
        r#"{"id": 1, "op": "smtp.connect", "host": "127.0.0.1", "port": 20025, "timeout": 5.5, "local_hostname": "me"}"#,
        Op::SmtpConnect(SmtpOpen {
            host: s("127.0.0.1"),
            port: Some(20025),
            timeout: Some(5.5),
            local_hostname: Some(s("me")),
        }),
    );
    request(
        r#"{"id": 1, "op": "smtp.ehlo", "conn": "m1"}"#,
        Op::SmtpEhlo(SmtpHelo {
            conn: s("m1"),
            name: None,
        }),
    );
    request(
        r#"{"id": 1, "op": "smtp.sendmail", "conn": "m1", "from_addr": "a@x", "to_addrs": ["b@x"], "msg": {"text": "hi"}}"#,
        Op::SmtpSendmail(SmtpSendmail {
            conn: s("m1"),
            from_addr: s("a@x"),
            to_addrs: vec![s("b@x")],
            msg: Data::text("hi"),
            mail_options: vec![],
            rcpt_options: vec![],
        }),
    );
    request(
        r#"{"id": 1, "op": "smtp.docmd", "conn": "m1", "cmd": "VRFY", "args": "x"}"#,
        Op::SmtpDocmd(SmtpDocmd {
            conn: s("m1"),
            cmd: s("VRFY"),
            args: s("x"),
        }),
    );
    request(
        r#"{"id": 1, "op": "smtp.quit", "conn": "m1"}"#,
        Op::SmtpQuit(conn("m1")),
    );
}

#[test]
fn pop3_requests() {
    request(
        r#"{"id": 1, "op": "pop3.connect", "host": "localhost"}"#,
        Op::Pop3Connect(MailOpen {
            host: s("localhost"),
            port: None,
            timeout: None,
        }),
    );
    request(
        r#"{"id": 1, "op": "pop3.pass_", "conn": "p1", "pswd": "learner"}"#,
        Op::Pop3Pass(Pop3Pass {
            conn: s("p1"),
            pswd: s("learner"),
        }),
    );
    request(
        r#"{"id": 1, "op": "pop3.list", "conn": "p1"}"#,
        Op::Pop3List(Pop3MaybeWhich {
            conn: s("p1"),
            which: None,
        }),
    );
    request(
        r#"{"id": 1, "op": "pop3.top", "conn": "p1", "which": 1, "howmuch": 0}"#,
        Op::Pop3Top(Pop3Top {
            conn: s("p1"),
            which: 1,
            howmuch: 0,
        }),
    );
    let e = parse_request(r#"{"id": 1, "op": "pop3.retr", "conn": "p1", "which": -1}"#)
        .expect_err("a negative message number");
    assert!(e.message.contains("field `which`"), "{}", e.message);
}

#[test]
fn every_mail_op_is_classified_and_names_its_handle() {
    for name in shared::request::OP_NAMES {
        let (smtp, pop3) = (name.starts_with("smtp."), name.starts_with("pop3."));
        if !smtp && !pop3 {
            continue;
        }
        let text = format!(
            r#"{{"op": "{name}", "conn": "m9", "host": "h", "user": "u", "password": "p", "pswd": "p", "from_addr": "a", "to_addrs": [], "msg": {{"text": ""}}, "sender": "a", "recip": "b", "cmd": "NOOP", "which": 1, "howmuch": 1}}"#
        );
        let op: Op = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(op.name(), *name);
        assert_eq!(
            (op.is_smtp(), op.is_pop3(), op.is_socket()),
            (smtp, pop3, false)
        );
        let expected = (!name.ends_with(".connect")).then_some("m9");
        assert_eq!(op.handle(), expected, "{name}");
    }
}

#[test]
fn ok_shapes_land_in_their_variants() {
    ok(
        r#"{"re": 1, "ok": {"conn": "m1", "code": 220, "msg": "hi"}}"#,
        OkBody::SmtpConnect {
            conn: s("m1"),
            code: 220,
            msg: s("hi"),
        },
    );
    ok(
        r#"{"re": 1, "ok": {"code": -1, "msg": "??"}}"#,
        OkBody::SmtpReply {
            code: -1,
            msg: s("??"),
        },
    );
    let refused = BTreeMap::from([(s("b@x"), (550, s("no")))]);
    ok(
        r#"{"re": 1, "ok": {"refused": {"b@x": [550, "no"]}}}"#,
        OkBody::SmtpRefused { refused },
    );
    ok(
        r#"{"re": 1, "ok": {"refused": {}}}"#,
        OkBody::SmtpRefused {
            refused: BTreeMap::new(),
        },
    );
    ok(
        r#"{"re": 1, "ok": {"count": 2, "size": 9}}"#,
        OkBody::Pop3Stat { count: 2, size: 9 },
    );
    ok(
        r#"{"re": 1, "ok": {"reply": "+OK", "lines": [{"text": "a"}, {"b64": "/w=="}], "octets": 5}}"#,
        OkBody::Pop3Lines {
            reply: s("+OK"),
            lines: vec![Data::text("a"), Data::B64(vec![255])],
            octets: 5,
        },
    );
    let capa = BTreeMap::from([(s("SASL"), vec![s("PLAIN")]), (s("TOP"), vec![])]);
    ok(
        r#"{"re": 1, "ok": {"capa": {"SASL": ["PLAIN"], "TOP": []}}}"#,
        OkBody::Pop3Capa { capa },
    );
    ok(
        r#"{"re": 1, "ok": {"conn": "p2", "welcome": "+OK"}}"#,
        OkBody::FtpConnect {
            conn: s("p2"),
            welcome: s("+OK"),
        },
    );
    ok(
        r#"{"re": 1, "ok": {"reply": "+OK 1 34"}}"#,
        OkBody::FtpReply {
            reply: s("+OK 1 34"),
        },
    );
}

#[test]
fn exceptions_print_as_python_does() {
    let mut e = ErrorBody::new(
        "smtp.SMTPAuthenticationError",
        "(535, b'5.7.8 Authentication credentials invalid')",
    );
    e.reply = Some(s("535 5.7.8 Authentication credentials invalid"));
    assert_eq!(
        e.python(),
        "smtplib.SMTPAuthenticationError: (535, b'5.7.8 Authentication credentials invalid')"
    );
    let e = ErrorBody::new("pop3.error_proto", "b'-ERR invalid password'");
    assert_eq!(e.python(), "poplib.error_proto: b'-ERR invalid password'");
}
