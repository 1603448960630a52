//! The Python (`smtplib`, `poplib`) spelling of the Mail panel's calls: the
//! code of each call, its return value as Python's `repr` prints it, and the
//! transcript entry; and the learner's words for each mail exception.
//!
//! Pure: reads `shared` ops and outcomes, knows nothing of the DOM or the
//! reducer. Variables are the learner's names of the connections
//! ([`MailNames`]): `smtp`, `smtp2`, … and `pop`, `pop2`, ….
//!
//! The script must print what the page shows, so the code says what the
//! relay did where Python's defaults differ from it: `SMTP(local_hostname=…)`
//! names what `EHLO` sends (Python's default is the machine's FQDN).

use super::names::{Kind, Names};
use super::PyEntry;
use crate::bytes::{py_bytes, py_str as py_text};
use shared::mail_args::{MailConn, Pop3MaybeWhich, Pop3Which, SmtpHelo};
use shared::{Data, OkBody, Op, Outcome};

/// What `EHLO` sends when neither the op nor the connect named a host.
const RELAY_LOCAL_HOSTNAME: &str = "localhost";

/// The learner's names of the SMTP and POP3 connections.
#[derive(Clone, Debug, PartialEq)]
pub struct MailNames {
    pub smtp: Names,
    pub pop: Names,
}

impl Default for MailNames {
    fn default() -> MailNames {
        MailNames {
            smtp: Names::new(Kind::Smtp),
            pop: Names::new(Kind::Pop3),
        }
    }
}

/// `repr(s)` of a Python `str` (keys of the refused-recipients dict).
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A message as the code passes it: text as a `str`, bytes as `bytes` (UTF-8
/// bytes as `"…".encode()`, readable: `sendmail` encodes a `str` as ASCII and
/// would raise, so the page sends text that is not ASCII as bytes).
pub fn py_msg(d: &Data) -> String {
    match d {
        Data::Text(s) => py_text(s),
        d => match std::str::from_utf8(d.as_bytes()) {
            Ok(s) => format!("{}.encode()", py_text(s)),
            Err(_) => py_bytes(d.as_bytes()),
        },
    }
}

/// Python's `(code, msg)` reply tuple.
fn reply_tuple(code: i32, msg: &str) -> String {
    format!("({code}, {})", py_bytes(msg.as_bytes()))
}

fn list_of(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| py_text(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The code of one call; `new_conn` is the handle a connect answered.
pub fn code(op: &Op, names: &MailNames, new_conn: Option<&str>) -> Vec<String> {
    let s = |h: &str| names.smtp.var(Some(h));
    let p = |h: &str| names.pop.var(Some(h));
    let one = |l: String| vec![l];
    match op {
        Op::SmtpConnect(o) => {
            let v = names.smtp.var(new_conn);
            let local = o.local_hostname.as_deref().unwrap_or(RELAY_LOCAL_HOSTNAME);
            let mut kw = format!("local_hostname={}", py_text(local));
            if let Some(t) = o.timeout {
                kw.push_str(&format!(", timeout={t}"));
            }
            let port = o.port.map(|p| format!(", {p}")).unwrap_or_default();
            vec![
                format!("{v} = smtplib.SMTP({kw})"),
                format!("print({v}.connect({}{port}))", py_text(&o.host)),
            ]
        }
        Op::SmtpEhlo(SmtpHelo { conn, name }) | Op::SmtpHeloOp(SmtpHelo { conn, name }) => {
            let verb = if matches!(op, Op::SmtpEhlo(_)) {
                "ehlo"
            } else {
                "helo"
            };
            let arg = name.as_deref().map(py_text).unwrap_or_default();
            one(format!("print({}.{verb}({arg}))", s(conn)))
        }
        Op::SmtpLogin(a) => one(format!(
            "print({}.login({}, {}))",
            s(&a.conn),
            py_text(&a.user),
            py_text(&a.password)
        )),
        Op::SmtpSendmail(a) => vec![
            format!("msg = {}", py_msg(&a.msg)),
            format!(
                "print({}.sendmail({}, {}, msg))",
                s(&a.conn),
                py_text(&a.from_addr),
                list_of(&a.to_addrs)
            ),
        ],
        Op::SmtpSendMessage(a) => {
            let mut args = String::from("msg");
            if let Some(f) = &a.from_addr {
                args.push_str(&format!(", {}", py_text(f)));
            }
            if let Some(t) = &a.to_addrs {
                args.push_str(&format!(", to_addrs={}", list_of(t)));
            }
            vec![
                format!(
                    "msg = email.message_from_bytes({})",
                    py_bytes(a.msg.as_bytes())
                ),
                format!("print({}.send_message({args}))", s(&a.conn)),
            ]
        }
        Op::SmtpMail(a) => one(format!(
            "print({}.mail({}))",
            s(&a.conn),
            py_text(&a.sender)
        )),
        Op::SmtpRcpt(a) => one(format!("print({}.rcpt({}))", s(&a.conn), py_text(&a.recip))),
        Op::SmtpData(a) => vec![
            format!("msg = {}", py_msg(&a.msg)),
            format!("print({}.data(msg))", s(&a.conn)),
        ],
        Op::SmtpDocmd(a) => {
            let args = if a.args.is_empty() {
                String::new()
            } else {
                format!(", {}", py_text(&a.args))
            };
            one(format!(
                "print({}.docmd({}{args}))",
                s(&a.conn),
                py_text(&a.cmd)
            ))
        }
        Op::SmtpNoop(MailConn { conn }) => one(format!("print({}.noop())", s(conn))),
        Op::SmtpRset(MailConn { conn }) => one(format!("print({}.rset())", s(conn))),
        Op::SmtpQuit(MailConn { conn }) => one(format!("print({}.quit())", s(conn))),
        Op::SmtpClose(MailConn { conn }) => one(format!("{}.close()", s(conn))),
        Op::Pop3Connect(o) => {
            let v = names.pop.var(new_conn);
            let mut args = py_text(&o.host);
            if let Some(port) = o.port {
                args.push_str(&format!(", {port}"));
            }
            if let Some(t) = o.timeout {
                args.push_str(&format!(", timeout={t}"));
            }
            vec![
                format!("{v} = poplib.POP3({args})"),
                format!("print({v}.getwelcome())"),
            ]
        }
        Op::Pop3User(a) => one(format!("print({}.user({}))", p(&a.conn), py_text(&a.user))),
        Op::Pop3Pass(a) => one(format!("print({}.pass_({}))", p(&a.conn), py_text(&a.pswd))),
        Op::Pop3Stat(MailConn { conn }) => one(format!("print({}.stat())", p(conn))),
        Op::Pop3List(Pop3MaybeWhich { conn, which })
        | Op::Pop3Uidl(Pop3MaybeWhich { conn, which }) => {
            let verb = if matches!(op, Op::Pop3List(_)) {
                "list"
            } else {
                "uidl"
            };
            let arg = which.map(|w| w.to_string()).unwrap_or_default();
            one(format!("print({}.{verb}({arg}))", p(conn)))
        }
        Op::Pop3Retr(Pop3Which { conn, which }) => {
            lines_code(&format!("{}.retr({which})", p(conn)))
        }
        Op::Pop3Top(a) => lines_code(&format!("{}.top({}, {})", p(&a.conn), a.which, a.howmuch)),
        Op::Pop3Dele(Pop3Which { conn, which }) => one(format!("print({}.dele({which}))", p(conn))),
        Op::Pop3Rset(MailConn { conn }) => one(format!("print({}.rset())", p(conn))),
        Op::Pop3Noop(MailConn { conn }) => one(format!("print({}.noop())", p(conn))),
        Op::Pop3Capa(MailConn { conn }) => one(format!("print({}.capa())", p(conn))),
        Op::Pop3Quit(MailConn { conn }) => one(format!("print({}.quit())", p(conn))),
        Op::Pop3Close(MailConn { conn }) => one(format!("{}.close()", p(conn))),
        _ => Vec::new(),
    }
}

/// `retr`/`top`: the reply and size, then each line as `bytes`.
fn lines_code(call: &str) -> Vec<String> {
    vec![
        format!("resp, lines, octets = {call}"),
        "print(resp, octets)".into(),
        "for line in lines: print(line)".into(),
    ]
}

/// The call as the calls table names it (the code's last line, unwrapped).
pub fn call(op: &Op, names: &MailNames) -> String {
    let code = code(op, names, None);
    let line = match op {
        Op::Pop3Retr(_) | Op::Pop3Top(_) => code.first(),
        _ => code.last(),
    };
    let line = line.map(String::as_str).unwrap_or_else(|| op.name());
    let line = line.split_once(" = ").map_or(line, |(_, c)| c);
    line.strip_prefix("print(")
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or(line)
        .to_owned()
}

/// The call's return value as Python's `print` shows it (one line).
pub fn result(body: &OkBody) -> String {
    match body {
        OkBody::SmtpConnect { code, msg, .. } | OkBody::SmtpReply { code, msg } => {
            reply_tuple(*code, msg)
        }
        OkBody::SmtpRefused { refused } => {
            let items: Vec<String> = refused
                .iter()
                .map(|(to, (code, msg))| {
                    format!("{}: {}", py_repr_str(to), reply_tuple(*code, msg))
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        OkBody::FtpConnect { welcome, .. } => py_bytes(welcome.as_bytes()),
        OkBody::FtpReply { reply } => py_bytes(reply.as_bytes()),
        OkBody::Pop3Stat { count, size } => format!("({count}, {size})"),
        OkBody::Pop3Lines {
            reply,
            lines,
            octets,
        } => {
            let ls: Vec<String> = lines.iter().map(|l| py_bytes(l.as_bytes())).collect();
            format!(
                "({}, [{}], {octets})",
                py_bytes(reply.as_bytes()),
                ls.join(", ")
            )
        }
        OkBody::Pop3Capa { capa } => {
            let items: Vec<String> = capa
                .iter()
                .map(|(k, v)| {
                    let args: Vec<String> = v.iter().map(|a| py_repr_str(a)).collect();
                    format!("{}: [{}]", py_repr_str(k), args.join(", "))
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        _ => String::new(),
    }
}

/// What the code of a successful call prints, line by line.
fn printed(op: &Op, body: &OkBody) -> Vec<String> {
    match (op, body) {
        (Op::SmtpClose(_) | Op::Pop3Close(_), _) => Vec::new(),
        (
            Op::Pop3Retr(_) | Op::Pop3Top(_),
            OkBody::Pop3Lines {
                reply,
                lines,
                octets,
            },
        ) => {
            let mut out = vec![format!("{} {octets}", py_bytes(reply.as_bytes()))];
            out.extend(lines.iter().map(|l| py_bytes(l.as_bytes())));
            out
        }
        _ => vec![result(body)],
    }
}

/// The handle a connect's reply names.
pub fn new_handle(outcome: &Outcome) -> Option<&str> {
    match outcome {
        Outcome::Ok(OkBody::SmtpConnect { conn, .. } | OkBody::FtpConnect { conn, .. }) => {
            Some(conn)
        }
        _ => None,
    }
}

/// The transcript entry for a completed `smtp.*`/`pop3.*` call (`None` for other ops).
pub fn entry(op: &Op, outcome: &Outcome, names: &MailNames) -> Option<PyEntry> {
    let code = code(op, names, new_handle(outcome));
    if code.is_empty() {
        return None;
    }
    Some(PyEntry::answered(code, outcome, |e, body| {
        e.output = printed(op, body);
    }))
}

/// The learner's words for the exception Python's `line` names (shown before it).
pub fn plain_words(line: &str) -> Option<&'static str> {
    let name = line.split(':').next()?;
    let name = name
        .strip_prefix("smtplib.")
        .or(name.strip_prefix("poplib."))
        .unwrap_or(name);
    Some(match name {
        "SMTPRecipientsRefused" => {
            "The server refused every recipient: this lab takes mail only for its own domain (…@socklab.test) and relays nowhere."
        }
        "SMTPSenderRefused" => "The server refused the sender address (MAIL FROM).",
        "SMTPAuthenticationError" => "Wrong user name or password (the lab's are learner / learner).",
        "SMTPNotSupportedError" => "The server does not offer that extension (see its EHLO reply).",
        "SMTPDataError" => "The server refused the message itself (DATA).",
        "SMTPHeloError" => "The server did not accept the greeting (EHLO/HELO).",
        "SMTPServerDisconnected" => "The connection is closed: connect again first.",
        "SMTPConnectError" => "The server did not greet with 220.",
        "SMTPResponseException" | "SMTPException" => "The server answered with an error code.",
        "error_proto" => "The POP3 server answered -ERR (or something that is not +OK).",
        "ConnectionRefusedError" => "Nothing listens at that host and port.",
        "TimeoutError" => "The server did not answer in time.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::mail_args::{MailOpen, SmtpOpen, SmtpSendmail};
    use shared::ErrorBody;
    use std::collections::BTreeMap;

    fn named() -> MailNames {
        let mut n = MailNames::default();
        n.smtp.add("m1");
        n.pop.add("p1");
        n
    }

    #[test]
    fn an_smtp_session_reads_like_smtplib() {
        let n = named();
        let connect = Op::SmtpConnect(SmtpOpen {
            host: "127.0.0.1".into(),
            port: Some(20025),
            timeout: None,
            local_hostname: None,
        });
        let ok = Outcome::Ok(OkBody::SmtpConnect {
            conn: "m1".into(),
            code: 220,
            msg: "socklab.test ESMTP".into(),
        });
        let e = entry(&connect, &ok, &n).unwrap();
        assert_eq!(
            e.code,
            [
                r#"smtp = smtplib.SMTP(local_hostname="localhost")"#,
                r#"print(smtp.connect("127.0.0.1", 20025))"#
            ]
        );
        assert_eq!(e.output, ["(220, b'socklab.test ESMTP')"]);
        let send = Op::SmtpSendmail(SmtpSendmail {
            conn: "m1".into(),
            from_addr: "a@socklab.test".into(),
            to_addrs: vec!["learner@socklab.test".into()],
            msg: Data::text("Subject: hi\n\nbody \"q\"\n"),
            mail_options: vec![],
            rcpt_options: vec![],
        });
        let e = entry(
            &send,
            &Outcome::Ok(OkBody::SmtpRefused {
                refused: BTreeMap::new(),
            }),
            &n,
        )
        .unwrap();
        assert_eq!(
            e.code,
            [
                r#"msg = "Subject: hi\n\nbody \"q\"\n""#,
                r#"print(smtp.sendmail("a@socklab.test", ["learner@socklab.test"], msg))"#
            ]
        );
        assert_eq!(e.output, ["{}"]);
        assert_eq!(
            call(&send, &n),
            r#"smtp.sendmail("a@socklab.test", ["learner@socklab.test"], msg)"#
        );
        let refused = OkBody::SmtpRefused {
            refused: [(
                "x@example.com".to_owned(),
                (550, "5.7.1 no relay".to_owned()),
            )]
            .into(),
        };
        assert_eq!(
            result(&refused),
            "{'x@example.com': (550, b'5.7.1 no relay')}"
        );
        let mut err = ErrorBody::new(
            "smtp.SMTPRecipientsRefused",
            "{'x@example.com': (550, b'no')}",
        );
        err.reply = Some("550 no".into());
        let e = entry(&send, &Outcome::Err(err), &n).unwrap();
        assert_eq!(
            e.error.as_deref(),
            Some("smtplib.SMTPRecipientsRefused: {'x@example.com': (550, b'no')}")
        );
        assert!(plain_words(&e.error.unwrap_or_default()).is_some());
        assert!(plain_words("socklab.limit: too many").is_none());
    }

    #[test]
    fn a_pop3_session_reads_like_poplib() {
        let n = named();
        let connect = Op::Pop3Connect(MailOpen {
            host: "127.0.0.1".into(),
            port: Some(20110),
            timeout: None,
        });
        let e = entry(
            &connect,
            &Outcome::Ok(OkBody::FtpConnect {
                conn: "p1".into(),
                welcome: "+OK ready".into(),
            }),
            &n,
        )
        .unwrap();
        assert_eq!(
            e.code,
            [
                r#"pop = poplib.POP3("127.0.0.1", 20110)"#,
                "print(pop.getwelcome())"
            ]
        );
        assert_eq!(e.output, ["b'+OK ready'"]);
        let retr = Op::Pop3Retr(Pop3Which {
            conn: "p1".into(),
            which: 1,
        });
        let body = OkBody::Pop3Lines {
            reply: "+OK 20 octets".into(),
            lines: vec![
                Data::text("Subject: hi"),
                Data::text(""),
                Data::text("it's"),
            ],
            octets: 20,
        };
        let e = entry(&retr, &Outcome::Ok(body.clone()), &n).unwrap();
        assert_eq!(e.code[0], "resp, lines, octets = pop.retr(1)");
        assert_eq!(
            e.output,
            ["b'+OK 20 octets' 20", "b'Subject: hi'", "b''", "b\"it's\""]
        );
        assert_eq!(call(&retr, &n), "pop.retr(1)");
        assert_eq!(
            result(&body),
            "(b'+OK 20 octets', [b'Subject: hi', b'', b\"it's\"], 20)"
        );
        assert_eq!(result(&OkBody::Pop3Stat { count: 1, size: 20 }), "(1, 20)");
    }

    #[test]
    fn messages_become_literals_python_accepts() {
        assert_eq!(py_msg(&Data::text("a\r\nb\t")), r#""a\r\nb\t""#);
        assert_eq!(py_msg(&Data::text("你")), r#""你""#);
        assert_eq!(
            py_msg(&Data::B64("你".as_bytes().to_vec())),
            r#""你".encode()"#
        );
        assert_eq!(py_msg(&Data::B64(vec![0xff])), r"b'\xff'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
    }
}
