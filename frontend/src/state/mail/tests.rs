//! The Mail slice fed the way the reducer feeds it: a message sent step by
//! step and fetched again, a refused recipient, a lost relay.

use super::*;
use shared::mail_args::{
    MailConn, MailOpen, Pop3MaybeWhich, Pop3Pass, Pop3User, Pop3Which, SmtpHelo, SmtpMail,
    SmtpOpen, SmtpRcpt,
};
use shared::{Channel, Data, Dir, ErrorBody};

fn ok(body: OkBody) -> Outcome {
    Outcome::Ok(body)
}

fn reply(code: i32, msg: &str) -> Outcome {
    ok(OkBody::SmtpReply {
        code,
        msg: msg.into(),
    })
}

fn pop_reply(text: &str) -> Outcome {
    ok(OkBody::FtpReply { reply: text.into() })
}

fn wire(handle: &str, dir: Dir, text: &str) -> Event {
    Event::Wire {
        handle: handle.into(),
        channel: Channel::Control,
        dir,
        data: Data::text(text),
    }
}

fn run(s: &mut MailState, id: u64, op: Op, outcome: Outcome) -> Option<PyEntry> {
    s.on_sent(id, &op);
    s.on_replied(id, &outcome)
}

fn conn(c: &str) -> MailConn {
    MailConn { conn: c.into() }
}

fn code(s: &MailState) -> Vec<String> {
    crate::python::code_lines(&s.transcript)
}

#[test]
fn step_by_step_the_stage_follows_the_dialogue() {
    let mut s = MailState::default();
    let open = Op::SmtpConnect(SmtpOpen {
        host: "127.0.0.1".into(),
        port: Some(20025),
        timeout: None,
        local_hostname: None,
    });
    s.on_sent(1, &open);
    // The greeting arrives before the reply names the handle.
    s.on_event(1, &wire("m1", Dir::In, "220 socklab.test ESMTP\r\n"));
    s.on_replied(
        1,
        &ok(OkBody::SmtpConnect {
            conn: "m1".into(),
            code: 220,
            msg: "socklab.test ESMTP".into(),
        }),
    );
    assert_eq!(
        (s.smtp.as_deref(), s.stage),
        (Some("m1"), SmtpStage::Connected)
    );
    assert_eq!(s.smtp_wire.len(), 1);
    let ehlo = Op::SmtpEhlo(SmtpHelo {
        conn: "m1".into(),
        name: None,
    });
    run(&mut s, 2, ehlo, reply(250, "socklab.test\nSIZE 1048576"));
    assert_eq!(s.stage, SmtpStage::Greeted);
    let mail = Op::SmtpMail(SmtpMail {
        conn: "m1".into(),
        sender: "a@socklab.test".into(),
        options: vec![],
    });
    run(&mut s, 3, mail, reply(250, "OK"));
    let rcpt = |to: &str| {
        Op::SmtpRcpt(SmtpRcpt {
            conn: "m1".into(),
            recip: to.into(),
            options: vec![],
        })
    };
    // smtplib returns a refused RCPT as its code: the stage stays.
    run(&mut s, 4, rcpt("x@example.com"), reply(550, "no relay"));
    assert_eq!(s.stage, SmtpStage::Mail);
    run(&mut s, 5, rcpt("learner@socklab.test"), reply(250, "OK"));
    assert_eq!(s.stage, SmtpStage::Rcpt);
    let data = Op::SmtpData(shared::mail_args::SmtpData {
        conn: "m1".into(),
        msg: Data::text("Subject: hi\n\nbody\n"),
    });
    run(&mut s, 6, data, reply(250, "queued"));
    assert_eq!(s.stage, SmtpStage::Greeted);
    run(&mut s, 7, Op::SmtpQuit(conn("m1")), reply(221, "bye"));
    assert_eq!((s.smtp.as_deref(), s.stage), (None, SmtpStage::Closed));
    assert_eq!(
        code(&s),
        [
            r#"smtp = smtplib.SMTP(local_hostname="localhost")"#,
            r#"print(smtp.connect("127.0.0.1", 20025))"#,
            "print(smtp.ehlo())",
            r#"print(smtp.mail("a@socklab.test"))"#,
            r#"print(smtp.rcpt("x@example.com"))"#,
            r#"print(smtp.rcpt("learner@socklab.test"))"#,
            r#"msg = "Subject: hi\n\nbody\n""#,
            "print(smtp.data(msg))",
            "print(smtp.quit())",
        ]
    );
    assert_eq!(s.calls.len(), 7);
    assert!(!s.busy());
}

#[test]
fn the_mailbox_lists_fetches_and_parses_a_message() {
    let mut s = MailState::default();
    let open = Op::Pop3Connect(MailOpen {
        host: "127.0.0.1".into(),
        port: Some(20110),
        timeout: None,
    });
    s.on_sent(1, &open);
    s.on_event(1, &wire("p1", Dir::In, "+OK POP3 ready\r\n"));
    s.on_replied(
        1,
        &ok(OkBody::FtpConnect {
            conn: "p1".into(),
            welcome: "+OK POP3 ready".into(),
        }),
    );
    assert_eq!(s.pop_wire.len(), 1);
    let user = Op::Pop3User(Pop3User {
        conn: "p1".into(),
        user: "learner".into(),
    });
    run(&mut s, 2, user, pop_reply("+OK"));
    assert!(!s.pop_in);
    let pass = Op::Pop3Pass(Pop3Pass {
        conn: "p1".into(),
        pswd: "learner".into(),
    });
    run(&mut s, 3, pass, pop_reply("+OK logged in"));
    assert!(s.pop_in);
    run(
        &mut s,
        4,
        Op::Pop3Stat(conn("p1")),
        ok(OkBody::Pop3Stat { count: 2, size: 90 }),
    );
    assert_eq!(s.stat, Some((2, 90)));
    let list = Op::Pop3List(Pop3MaybeWhich {
        conn: "p1".into(),
        which: None,
    });
    let listed = ok(OkBody::Pop3Lines {
        reply: "+OK 2 messages".into(),
        lines: vec![Data::text("1 40"), Data::text("2 50"), Data::text("junk")],
        octets: 16,
    });
    run(&mut s, 5, list, listed);
    assert_eq!(s.listing, [(1, 40), (2, 50)]);
    let retr = Op::Pop3Retr(Pop3Which {
        conn: "p1".into(),
        which: 2,
    });
    let lines = ["Subject: hi", "From: a@socklab.test", "", ".dotted", "end"];
    let fetched = ok(OkBody::Pop3Lines {
        reply: "+OK 50 octets".into(),
        lines: lines.iter().map(|l| Data::text(*l)).collect(),
        octets: 50,
    });
    let entry = run(&mut s, 6, retr, fetched).expect("an entry");
    assert_eq!(entry.output.len(), 1 + lines.len());
    let f = s.fetched.clone().expect("fetched");
    assert_eq!((f.which, f.parsed.get("subject")), (2, Some("hi")));
    assert_eq!(f.parsed.body, ".dotted\nend");
    let dele = Op::Pop3Dele(Pop3Which {
        conn: "p1".into(),
        which: 2,
    });
    run(&mut s, 7, dele, pop_reply("+OK deleted"));
    assert_eq!(s.deleted, [2]);
    run(&mut s, 8, Op::Pop3Quit(conn("p1")), pop_reply("+OK bye"));
    assert!(s.pop.is_none() && s.listing.is_empty());
}

#[test]
fn a_refused_recipient_reads_like_python_and_a_lost_relay_ends_the_calls() {
    let mut s = MailState::default();
    let send = Op::SmtpSendmail(shared::mail_args::SmtpSendmail {
        conn: "m1".into(),
        from_addr: "a@socklab.test".into(),
        to_addrs: vec!["x@example.com".into()],
        msg: Data::text("hi\n"),
        mail_options: vec![],
        rcpt_options: vec![],
    });
    let err = ErrorBody::new(
        "smtp.SMTPRecipientsRefused",
        "{'x@example.com': (550, b'5.7.1 relaying denied')}",
    );
    let entry = run(&mut s, 1, send, Outcome::Err(err)).expect("an entry");
    let line = "smtplib.SMTPRecipientsRefused: {'x@example.com': (550, b'5.7.1 relaying denied')}";
    assert_eq!(entry.error.as_deref(), Some(line));
    assert_eq!(s.last_error(), Some(line));
    s.on_sent(2, &Op::SmtpNoop(conn("m1")));
    assert!(s.busy());
    s.on_hello();
    assert!(!s.busy());
    assert_eq!(
        s.calls.last().and_then(|c| c.result.clone()),
        Some(Err("the relay connection was lost".into()))
    );
}
