//! Arguments of the mail ops: `smtp.*` (Python's `smtplib.SMTP`) and `pop3.*`
//! (Python's `poplib.POP3`), named as the Python parameters are.
//!
//! Each struct is the payload of a newtype variant of the internally tagged
//! [`crate::Op`], so a request's JSON is the op's tag followed by these fields.
//! The shapes of the results are [`crate::OkBody`]'s `Smtp*`/`Pop3*` variants;
//! the exceptions are `smtp.*`/`pop3.*` codes of [`crate::ErrorBody`].

use crate::Data;
use serde::{Deserialize, Serialize};

/// `smtp.connect` — `smtplib.SMTP(); s.connect(host, port)` (port 25 when omitted),
/// and `pop3.connect` — `poplib.POP3(host, port, timeout)` (port 110).
/// `local_hostname` is read by `smtp.connect` only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailOpen {
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
}

/// `smtp.connect`'s arguments: [`MailOpen`] and `local_hostname` (the name
/// `ehlo`/`helo` send when they are given none; `"localhost"` when omitted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpOpen {
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_hostname: Option<String>,
}

/// Ops with no argument but their handle: `smtp.noop`, `smtp.rset`, `smtp.quit`,
/// `smtp.close`, `pop3.stat`, `pop3.rset`, `pop3.noop`, `pop3.capa`, `pop3.quit`,
/// `pop3.close`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailConn {
    pub conn: String,
}

/// `smtp.ehlo` / `smtp.helo`: `name` defaults to the connection's `local_hostname`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpHelo {
    pub conn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `smtp.login` — `s.login(user, password)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpLogin {
    pub conn: String,
    pub user: String,
    pub password: String,
}

/// `smtp.sendmail` — `s.sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpSendmail {
    pub conn: String,
    pub from_addr: String,
    pub to_addrs: Vec<String>,
    pub msg: Data,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail_options: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rcpt_options: Vec<String>,
}

/// `smtp.send_message` — `s.send_message(msg, from_addr, to_addrs)`: `msg` is the
/// message source; omitted addresses are read from its headers as Python does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpSendMessage {
    pub conn: String,
    pub msg: Data,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_addrs: Option<Vec<String>>,
}

/// `smtp.mail` — `s.mail(sender, options)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpMail {
    pub conn: String,
    pub sender: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// `smtp.rcpt` — `s.rcpt(recip, options)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpRcpt {
    pub conn: String,
    pub recip: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// `smtp.data` — `s.data(msg)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpData {
    pub conn: String,
    pub msg: Data,
}

/// `smtp.docmd` — `s.docmd(cmd, args)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpDocmd {
    pub conn: String,
    pub cmd: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub args: String,
}

/// `pop3.user` — `p.user(user)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pop3User {
    pub conn: String,
    pub user: String,
}

/// `pop3.pass_` — `p.pass_(pswd)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pop3Pass {
    pub conn: String,
    pub pswd: String,
}

/// `pop3.retr` / `pop3.dele` — `p.retr(which)`, `p.dele(which)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pop3Which {
    pub conn: String,
    pub which: u32,
}

/// `pop3.list` / `pop3.uidl` — `p.list(which=None)`: without `which` the whole
/// listing (a multi-line response), with it one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pop3MaybeWhich {
    pub conn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub which: Option<u32>,
}

/// `pop3.top` — `p.top(which, howmuch)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pop3Top {
    pub conn: String,
    pub which: u32,
    pub howmuch: u32,
}
