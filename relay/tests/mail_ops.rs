//! `smtp.*` and `pop3.*` through a relay session against the relay's own mail
//! labs (issue 15): send then fetch, refused recipients, wrong passwords, a
//! message over `SIZE`, dot-stuffing both ways, `DELE` taking effect at `QUIT`,
//! two sessions' mailboxes kept apart, masked passwords in `wire` events, and the
//! policy check on connecting.

mod common;
use common::*;
use serde_json::{json, Value};

async fn smtp(c: &mut Client) -> String {
    let lab = c.lab("smtp");
    let ok = c
        .ok(json!({"op": "smtp.connect", "host": lab[0], "port": lab[1], "timeout": 10}))
        .await;
    assert_eq!(ok["code"], 220, "{ok}");
    ok["conn"].as_str().unwrap().to_owned()
}

async fn pop3(c: &mut Client, user: &str) -> String {
    let lab = c.lab("pop3");
    let ok = c
        .ok(json!({"op": "pop3.connect", "host": lab[0], "port": lab[1], "timeout": 10}))
        .await;
    assert!(ok["welcome"].as_str().unwrap().starts_with("+OK"), "{ok}");
    let p = ok["conn"].as_str().unwrap().to_owned();
    c.ok(json!({"op": "pop3.user", "conn": p, "user": user}))
        .await;
    c.ok(json!({"op": "pop3.pass_", "conn": p, "pswd": user}))
        .await;
    p
}

fn lines(ok: &Value) -> Vec<String> {
    ok["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| String::from_utf8(bytes(l)).unwrap())
        .collect()
}

#[tokio::test]
async fn send_then_fetch_with_dot_stuffing_and_dele_at_quit() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let m = smtp(&mut c).await;
    let ehlo = c.ok(json!({"op": "smtp.ehlo", "conn": m})).await;
    assert_eq!(ehlo["code"], 250);
    let msg = ehlo["msg"].as_str().unwrap();
    assert!(
        msg.contains("SIZE 1048576")
            && msg.contains("8BITMIME")
            && msg.contains("AUTH PLAIN LOGIN"),
        "{msg}"
    );
    let login = c
        .ok(json!({"op": "smtp.login", "conn": m, "user": "learner", "password": "learner"}))
        .await;
    assert_eq!(login["code"], 235, "{login}");
    let masked = c
        .next_event_where("wire", |e| {
            e["handle"] == m.as_str()
                && e["dir"] == "out"
                && e["data"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("AUTH"))
        })
        .await;
    assert_eq!(masked["data"]["text"], "AUTH PLAIN ****\r\n");
    let body = "Subject: hi\n\nHello!\n.dot line\n..two\n";
    let sent = c
        .ok(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "learner@socklab.test",
                   "to_addrs": ["learner@socklab.test", "bob@example.com"], "msg": text(body)}),
        )
        .await;
    let refused = &sent["refused"]["bob@example.com"];
    assert_eq!(refused[0], 550, "{sent}");
    assert!(
        refused[1].as_str().unwrap().contains("Relaying denied"),
        "{sent}"
    );
    let data = c
        .next_event_where("wire", |e| {
            e["dir"] == "out"
                && e["data"]["text"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("\r\n.\r\n"))
        })
        .await;
    assert_eq!(
        data["data"]["text"],
        "Subject: hi\r\n\r\nHello!\r\n..dot line\r\n...two\r\n.\r\n"
    );
    let quit = c.ok(json!({"op": "smtp.quit", "conn": m})).await;
    assert_eq!(quit["code"], 221);

    let p = pop3(&mut c, "learner").await;
    let stat = c.ok(json!({"op": "pop3.stat", "conn": p})).await;
    assert_eq!(stat, json!({"count": 1, "size": 41}));
    let retr = c
        .ok(json!({"op": "pop3.retr", "conn": p, "which": 1}))
        .await;
    assert_eq!(
        lines(&retr),
        ["Subject: hi", "", "Hello!", ".dot line", "..two"]
    );
    assert_eq!(retr["octets"], 41);
    let list = c.ok(json!({"op": "pop3.list", "conn": p})).await;
    assert_eq!(lines(&list), ["1 41"]);
    let one = c
        .ok(json!({"op": "pop3.list", "conn": p, "which": 1}))
        .await;
    assert_eq!(one["reply"], "+OK 1 41");
    let top = c
        .ok(json!({"op": "pop3.top", "conn": p, "which": 1, "howmuch": 0}))
        .await;
    assert_eq!(lines(&top), ["Subject: hi", ""]);
    let uidl = c.ok(json!({"op": "pop3.uidl", "conn": p})).await;
    assert!(lines(&uidl)[0].starts_with("1 socklab-"), "{uidl}");
    let capa = c.ok(json!({"op": "pop3.capa", "conn": p})).await;
    assert!(capa["capa"]["TOP"].is_array(), "{capa}");
    c.ok(json!({"op": "pop3.dele", "conn": p, "which": 1}))
        .await;
    let gone = c
        .err(
            json!({"op": "pop3.retr", "conn": p, "which": 1}),
            "pop3.error_proto",
        )
        .await;
    assert!(
        gone["message"].as_str().unwrap().starts_with("b'-ERR"),
        "{gone}"
    );
    c.ok(json!({"op": "pop3.rset", "conn": p})).await;
    c.ok(json!({"op": "pop3.dele", "conn": p, "which": 1}))
        .await;
    c.ok(json!({"op": "pop3.quit", "conn": p})).await;
    c.err(json!({"op": "pop3.stat", "conn": p}), "EBADF").await;

    let p = pop3(&mut c, "learner").await;
    assert_eq!(
        c.ok(json!({"op": "pop3.stat", "conn": p})).await,
        json!({"count": 0, "size": 0})
    );
    let pass = c
        .next_event_where("wire", |e| {
            e["handle"] == p.as_str()
                && e["data"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("PASS"))
        })
        .await;
    assert_eq!(pass["data"]["text"], "PASS ****\r\n");
}

#[tokio::test]
async fn python_exceptions_for_refusals_wrong_passwords_and_size() {
    let mut config = relay::config::Config::for_tests();
    config.limits.max_message_bytes = 4 << 20;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let m = smtp(&mut c).await;
    let e = c
        .err(
            json!({"op": "smtp.login", "conn": m, "user": "learner", "password": "nope"}),
            "smtp.SMTPAuthenticationError",
        )
        .await;
    assert_eq!(
        e["message"],
        "(535, b'5.7.8 Authentication credentials invalid')"
    );
    assert_eq!(e["reply"], "535 5.7.8 Authentication credentials invalid");
    let e = c
        .err(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "learner@socklab.test",
                    "to_addrs": ["x@example.com", "nobody@socklab.test"], "msg": text("hi\n")}),
            "smtp.SMTPRecipientsRefused",
        )
        .await;
    let shown = e["message"].as_str().unwrap();
    assert!(
        shown.starts_with("{'nobody@socklab.test': (550, b'5.1.1"),
        "{shown}"
    );
    assert!(
        shown.contains("'x@example.com': (550, b'5.7.1 Relaying denied"),
        "{shown}"
    );
    let big = "x".repeat(1_000_000) + "\n" + &"y".repeat(100_000);
    let e = c
        .err(
            json!({"op": "smtp.sendmail", "conn": m, "from_addr": "learner@socklab.test",
                    "to_addrs": ["learner@socklab.test"], "msg": text(&big)}),
            "smtp.SMTPSenderRefused",
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().starts_with("(552, b'5.3.4"),
        "{e}"
    );
    // Without SIZE in MAIL (smtp.mail + rcpt + data), the lab refuses at the end.
    assert_eq!(
        c.ok(json!({"op": "smtp.mail", "conn": m, "sender": "a@x"}))
            .await["code"],
        250
    );
    assert_eq!(
        c.ok(json!({"op": "smtp.rcpt", "conn": m, "recip": "alice@socklab.test"}))
            .await["code"],
        250
    );
    // smtplib's data() returns the final reply, whatever it is.
    let reply = c
        .req(json!({"op": "smtp.data", "conn": m, "msg": text(&big)}))
        .await;
    assert_eq!(
        reply["ok"]["code"],
        552,
        "{}",
        reply.to_string().get(..200).unwrap_or("")
    );
    let e = c
        .err(
            json!({"op": "smtp.data", "conn": m, "msg": text("x")}),
            "smtp.SMTPDataError",
        )
        .await;
    assert!(e["message"].as_str().unwrap().starts_with("(503, "), "{e}");
    let d = c
        .ok(json!({"op": "smtp.docmd", "conn": m, "cmd": "VRFY", "args": "learner"}))
        .await;
    assert_eq!(d["code"], 250);
    c.ok(json!({"op": "smtp.close", "conn": m})).await;
    c.err(json!({"op": "smtp.noop", "conn": m}), "EBADF").await;

    let lab = c.lab("pop3");
    let p = c
        .ok(json!({"op": "pop3.connect", "host": lab[0], "port": lab[1]}))
        .await["conn"]
        .clone();
    c.ok(json!({"op": "pop3.user", "conn": p, "user": "learner"}))
        .await;
    let e = c
        .err(
            json!({"op": "pop3.pass_", "conn": p, "pswd": "wrong"}),
            "pop3.error_proto",
        )
        .await;
    assert_eq!(e["message"], "b'-ERR invalid password'");
    assert_eq!(e["reply"], "-ERR invalid password");
}

#[tokio::test]
async fn two_sessions_have_separate_mailboxes() {
    let relay = start_default().await;
    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    let m = smtp(&mut a).await;
    let msg = text("Subject: for a only\n\nsecret\n");
    a.ok(json!({"op": "smtp.send_message", "conn": m, "msg": msg, "to_addrs": ["bob@socklab.test"], "from_addr": "a@x"}))
        .await;
    let pb = pop3(&mut b, "bob").await;
    assert_eq!(
        b.ok(json!({"op": "pop3.stat", "conn": pb})).await["count"],
        0
    );
    let pa = pop3(&mut a, "bob").await;
    assert_eq!(
        a.ok(json!({"op": "pop3.stat", "conn": pa})).await["count"],
        1
    );
    // send_message reads the envelope from the headers and leaves Bcc out.
    let msg = text("From: Al <alice@socklab.test>\nTo: bob@socklab.test\nBcc: learner@socklab.test\nSubject: s\n\nbody\n");
    let r = a
        .ok(json!({"op": "smtp.send_message", "conn": m, "msg": msg}))
        .await;
    assert_eq!(r, json!({"refused": {}}));
    let pl = pop3(&mut a, "learner").await;
    let retr = a
        .ok(json!({"op": "pop3.retr", "conn": pl, "which": 1}))
        .await;
    assert!(!lines(&retr).iter().any(|l| l.starts_with("Bcc")), "{retr}");
    a.close().await;
    // A new session of the same browser starts empty.
    let mut a2 = Client::connect(&relay).await;
    let p = pop3(&mut a2, "bob").await;
    assert_eq!(
        a2.ok(json!({"op": "pop3.stat", "conn": p})).await["count"],
        0
    );
}

#[tokio::test]
async fn connecting_is_checked_like_any_connection() {
    let mut config = relay::config::Config::for_tests();
    config.connect_rules_override = Some(vec!["127.0.0.2/32".parse().unwrap()]);
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let lab = c.lab("smtp");
    let e = c
        .err(
            json!({"op": "smtp.connect", "host": lab[0], "port": lab[1]}),
            "not_allowed",
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("127.0.0.1"), "{e}");
    let closed = closed_port().await;
    let relay2 = start_default().await;
    let mut c2 = Client::connect(&relay2).await;
    c2.err(
        json!({"op": "pop3.connect", "host": "127.0.0.1", "port": closed}),
        "ECONNREFUSED",
    )
    .await;
    // The failed connects left no handle behind.
    let e = c2
        .err(json!({"op": "pop3.stat", "conn": "p1"}), "EBADF")
        .await;
    assert!(e["message"].is_string());
}

#[tokio::test]
async fn mail_sent_over_a_raw_socket_stays_in_its_session() {
    let relay = start_default().await;
    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    let s = tcp_socket(&mut a).await;
    let lab = a.lab("smtp");
    a.ok(json!({"op": "connect", "sock": s, "addr": lab})).await;
    let dialogue = "EHLO raw\r\nMAIL FROM:<a@x>\r\nRCPT TO:<alice@socklab.test>\r\nDATA\r\nSubject: raw\r\n\r\nhi\r\n.\r\nQUIT\r\n";
    a.ok(json!({"op": "sendall", "sock": s, "data": text(dialogue)}))
        .await;
    let mut heard = Vec::new();
    while !String::from_utf8_lossy(&heard).contains("221 ") {
        let got = a
            .ok(json!({"op": "recv", "sock": s, "bufsize": 65536}))
            .await;
        let chunk = bytes(&got["data"]);
        assert!(
            !chunk.is_empty(),
            "closed early: {}",
            String::from_utf8_lossy(&heard)
        );
        heard.extend(chunk);
    }
    let pa = pop3(&mut a, "alice").await;
    assert_eq!(
        a.ok(json!({"op": "pop3.stat", "conn": pa})).await["count"],
        1
    );
    let pb = pop3(&mut b, "alice").await;
    assert_eq!(
        b.ok(json!({"op": "pop3.stat", "conn": pb})).await["count"],
        0
    );
}
