//! The Mail panel's requests: the message the compose form makes (with a
//! fresh `Date` and `Message-ID`), the `smtp.*`/`pop3.*` ops of its buttons,
//! and the sequences some buttons run (send in one call: connect, `sendmail`,
//! `quit`; open the mailbox: connect, `user`, `pass_`, `stat`, `list`), each
//! stopping at the first error. Every call is the learner's: all of them go
//! into the transcript.

use crate::hooks::AppCtx;
use crate::state::mail::message::{self, Draft};
use shared::mail_args::{
    MailConn, MailOpen, Pop3MaybeWhich, Pop3Pass, Pop3User, SmtpData, SmtpLogin, SmtpMail,
    SmtpOpen, SmtpRcpt, SmtpSendmail,
};
use shared::{Data, OkBody, Op, Outcome};
use yew::prelude::*;

/// A button that calls `op` (none: the call cannot be made now); disabled
/// unless `enabled`. One function for every call button of the panel (the
/// page stays small).
#[inline(never)]
pub fn call_button(ctx: &AppCtx, label: &'static str, enabled: bool, op: Option<Op>) -> Html {
    let onclick = op.map(|op| ctx.click_call(op));
    html! { <button class="call" disabled={!enabled || onclick.is_none()} {onclick}>{label}</button> }
}

/// Seconds a mail connection waits for the server (`timeout=`).
const TIMEOUT: f64 = 10.0;

/// Where a server is and who logs in.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
}

/// The message of `draft` as the op carries it: ASCII text as a `str`,
/// other text as its UTF-8 bytes (Python's `sendmail` would refuse a
/// non-ASCII `str`).
pub fn message_data(draft: &Draft) -> Data {
    let date = String::from(js_sys::Date::new_0().to_utc_string());
    let id = format!(
        "<{}.{}@socklab.test>",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    );
    let text = message::build(draft, &date, &id);
    if text.is_ascii() {
        Data::Text(text)
    } else {
        Data::B64(text.into_bytes())
    }
}

pub fn smtp_connect(s: &Server) -> Op {
    Op::SmtpConnect(SmtpOpen {
        host: s.host.clone(),
        port: Some(s.port),
        timeout: Some(TIMEOUT),
        local_hostname: None,
    })
}

pub fn smtp_login(conn: &str, s: &Server) -> Op {
    Op::SmtpLogin(SmtpLogin {
        conn: conn.to_owned(),
        user: s.user.clone(),
        password: s.password.clone(),
    })
}

pub fn smtp_mail(conn: &str, draft: &Draft) -> Op {
    Op::SmtpMail(SmtpMail {
        conn: conn.to_owned(),
        sender: draft.from.trim().to_owned(),
        options: Vec::new(),
    })
}

pub fn smtp_data(conn: &str, draft: &Draft) -> Op {
    Op::SmtpData(SmtpData {
        conn: conn.to_owned(),
        msg: message_data(draft),
    })
}

pub fn conn(conn: &str) -> MailConn {
    MailConn {
        conn: conn.to_owned(),
    }
}

/// `rcpt()` for each recipient of the draft, stopping at the first error.
pub async fn rcpt_all(ctx: AppCtx, conn: String, draft: Draft) {
    for recip in message::recipients(&draft.to) {
        let op = Op::SmtpRcpt(SmtpRcpt {
            conn: conn.clone(),
            recip,
            options: Vec::new(),
        });
        if let Outcome::Err(_) = ctx.call(op).await {
            return;
        }
    }
}

/// Sends the draft in one call on the open connection, or connects first and
/// quits after (as a short script would).
pub async fn send_in_one_call(ctx: AppCtx, open: Option<String>, server: Server, draft: Draft) {
    let (conn, ours) = match open {
        Some(c) => (c, false),
        None => match ctx.call(smtp_connect(&server)).await {
            Outcome::Ok(OkBody::SmtpConnect { conn, .. }) => (conn, true),
            _ => return,
        },
    };
    let op = Op::SmtpSendmail(SmtpSendmail {
        conn: conn.clone(),
        from_addr: draft.from.trim().to_owned(),
        to_addrs: message::recipients(&draft.to),
        msg: message_data(&draft),
        mail_options: Vec::new(),
        rcpt_options: Vec::new(),
    });
    let sent = ctx.call(op).await;
    if ours && matches!(sent, Outcome::Ok(_)) {
        ctx.call(Op::SmtpQuit(self::conn(&conn))).await;
    }
}

pub fn pop_connect(s: &Server) -> Op {
    Op::Pop3Connect(MailOpen {
        host: s.host.clone(),
        port: Some(s.port),
        timeout: Some(TIMEOUT),
    })
}

pub fn pop_user(conn: &str, s: &Server) -> Op {
    Op::Pop3User(Pop3User {
        conn: conn.to_owned(),
        user: s.user.clone(),
    })
}

pub fn pop_pass(conn: &str, s: &Server) -> Op {
    Op::Pop3Pass(Pop3Pass {
        conn: conn.to_owned(),
        pswd: s.password.clone(),
    })
}

pub fn pop_list(conn: &str) -> Op {
    Op::Pop3List(Pop3MaybeWhich {
        conn: conn.to_owned(),
        which: None,
    })
}

/// Connects to the POP3 server, logs in and reads the mailbox (`stat`,
/// `list`), stopping at the first error.
pub async fn open_mailbox(ctx: AppCtx, server: Server) {
    let conn = match ctx.call(pop_connect(&server)).await {
        Outcome::Ok(OkBody::FtpConnect { conn, .. }) => conn,
        _ => return,
    };
    let ops = [
        pop_user(&conn, &server),
        pop_pass(&conn, &server),
        Op::Pop3Stat(self::conn(&conn)),
        pop_list(&conn),
    ];
    for op in ops {
        if let Outcome::Err(_) = ctx.call(op).await {
            return;
        }
    }
}
