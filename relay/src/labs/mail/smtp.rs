//! The SMTP lab's conversation with one client (docs/protocol.md "The mail labs"):
//! a state machine fed one line at a time. Commands are parsed by the
//! `smtp-proto` crate (Stalwart's RFC 5321 parser, which knows `SIZE=` and
//! `BODY=8BITMIME`); this file decides the replies: ESMTP with `SIZE`, `8BITMIME`
//! and `AUTH PLAIN LOGIN`, mail only for `@socklab.test` accounts, never relayed.
//!
//! Bounded: a command line is at most [`MAX_COMMAND_LINE`] bytes, a message
//! [`MAX_MESSAGE_BYTES`], a transaction [`MAX_RECIPIENTS`] recipients, and
//! [`MAX_ERRORS`] bad commands end the connection. The socket loop is `mod.rs`.

use super::store::{password_of, scope_of, Refused, Store, DOMAIN};
use crate::mail::dot::{strip_eol, unstuff_line};
use base64::Engine;
use bytes::Bytes;
use smtp_proto::{Error as ParseError, Request, AUTH_LOGIN, AUTH_PLAIN};
use std::net::SocketAddr;

/// Longest command line, CRLF included (RFC 5321 4.5.3.1.4's text line).
pub(crate) const MAX_COMMAND_LINE: usize = 1000;
/// Largest message (`SIZE` in the `EHLO` reply).
pub(crate) const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// Most recipients of one message.
pub(crate) const MAX_RECIPIENTS: usize = 100;
/// Bad commands before the lab hangs up.
pub(crate) const MAX_ERRORS: u32 = 20;

pub(crate) const GREETING: &str = "220 socklab.test ESMTP socklab mail lab\r\n";
pub(crate) const IDLE: &str = "421 4.4.2 Idle timeout, closing connection\r\n";
const TOO_BIG: &str = "552 5.3.4 Message size exceeds fixed maximum message size\r\n";

/// What to do after a line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Reply(String),
    /// Reply, then close the connection.
    Close(String),
    /// Nothing to say yet (a line of a message).
    Silent,
}

enum Phase {
    Command,
    AuthPlain,
    AuthLoginUser,
    AuthLoginPass(String),
    Data { body: Vec<u8>, over: bool },
}

/// One client's SMTP session.
pub(crate) struct SmtpSession<'a> {
    store: &'a Store,
    peer: SocketAddr,
    greeted: bool,
    authed: bool,
    from: Option<String>,
    /// Accounts the message goes to.
    to: Vec<String>,
    phase: Phase,
    errors: u32,
}

fn reply(text: &str) -> Step {
    Step::Reply(format!("{text}\r\n"))
}

impl<'a> SmtpSession<'a> {
    pub(crate) fn new(store: &'a Store, peer: SocketAddr) -> SmtpSession<'a> {
        SmtpSession {
            store,
            peer,
            greeted: false,
            authed: false,
            from: None,
            to: Vec::new(),
            phase: Phase::Command,
            errors: 0,
        }
    }

    /// The bound on the next line: a command's, or a whole message's while
    /// reading one.
    pub(crate) fn line_limit(&self) -> usize {
        match self.phase {
            Phase::Data { .. } => MAX_MESSAGE_BYTES + 3,
            _ => MAX_COMMAND_LINE,
        }
    }

    /// A line longer than [`SmtpSession::line_limit`] arrived (and was dropped).
    pub(crate) fn on_too_long(&mut self) -> Step {
        match &mut self.phase {
            Phase::Data { over, .. } => {
                *over = true;
                Step::Silent
            }
            _ => {
                self.phase = Phase::Command;
                self.error("500 5.5.2 Line too long")
            }
        }
    }

    /// Handles one line (with its line end).
    pub(crate) fn on_line(&mut self, line: &[u8]) -> Step {
        match std::mem::replace(&mut self.phase, Phase::Command) {
            Phase::Command => self.command(line),
            Phase::AuthPlain => self.auth_plain(strip_eol(line)),
            Phase::AuthLoginUser => match decode(strip_eol(line)) {
                Ok(user) => {
                    self.phase = Phase::AuthLoginPass(user);
                    reply("334 UGFzc3dvcmQ6")
                }
                Err(step) => step,
            },
            Phase::AuthLoginPass(user) => match decode(strip_eol(line)) {
                Ok(pass) => self.check(&user, &pass),
                Err(step) => step,
            },
            Phase::Data { mut body, mut over } => {
                let bare = strip_eol(line);
                let Some(text) = unstuff_line(bare) else {
                    return self.deliver(body, over);
                };
                let eol = line.get(bare.len()..).unwrap_or_default();
                if body.len() + text.len() + eol.len() > MAX_MESSAGE_BYTES {
                    over = true;
                    body = Vec::new();
                }
                if !over {
                    body.extend_from_slice(text);
                    body.extend_from_slice(eol);
                }
                self.phase = Phase::Data { body, over };
                Step::Silent
            }
        }
    }

    fn error(&mut self, text: &str) -> Step {
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            return Step::Close(format!(
                "{text}\r\n421 4.7.0 Too many errors, closing connection\r\n"
            ));
        }
        reply(text)
    }

    fn command(&mut self, line: &[u8]) -> Step {
        let request = match Request::parse(&mut line.iter()) {
            Ok(r) => r,
            Err(e) => return self.parse_error(&e),
        };
        match request {
            Request::Ehlo { host } => {
                self.greeted = true;
                self.reset();
                Step::Reply(format!(
                    "250-{DOMAIN} greets {host}\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n"
                ))
            }
            Request::Helo { host } | Request::Lhlo { host } => {
                self.greeted = true;
                self.reset();
                reply(&format!("250 {DOMAIN} greets {host}"))
            }
            _ if !self.greeted && needs_helo(line) => {
                self.error("503 5.5.1 Error: send HELO/EHLO first")
            }
            Request::Mail { from } => {
                if self.from.is_some() {
                    return self.error("503 5.5.1 Error: nested MAIL command");
                }
                if from.size > MAX_MESSAGE_BYTES {
                    return Step::Reply(TOO_BIG.into());
                }
                self.from = Some(from.address.into_owned());
                reply("250 2.1.0 OK")
            }
            Request::Rcpt { to } => self.rcpt(&to.address),
            Request::Data => {
                if self.from.is_none() {
                    return self.error("503 5.5.1 Error: need MAIL command");
                }
                if self.to.is_empty() {
                    return self.error("503 5.5.1 Error: need RCPT command");
                }
                self.phase = Phase::Data {
                    body: Vec::new(),
                    over: false,
                };
                reply("354 End data with <CR><LF>.<CR><LF>")
            }
            Request::Auth {
                mechanism,
                initial_response,
            } => self.auth(mechanism, initial_response.as_bytes()),
            Request::Rset => {
                self.reset();
                reply("250 2.0.0 OK")
            }
            Request::Noop { .. } => reply("250 2.0.0 OK"),
            Request::Vrfy { value } => match local_user(&value) {
                Some(user) => reply(&format!("250 2.0.0 <{user}@{DOMAIN}>")),
                None => reply(&format!("550 5.1.1 No such user here: {value}")),
            },
            Request::Help { .. } => {
                reply("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP AUTH QUIT")
            }
            Request::Quit => Step::Close("221 2.0.0 Bye\r\n".into()),
            Request::StartTls => self.error("502 5.5.1 STARTTLS not offered"),
            _ => self.error("502 5.5.1 Command not implemented"),
        }
    }

    fn parse_error(&mut self, e: &ParseError) -> Step {
        match e {
            ParseError::SyntaxError { syntax } => {
                self.error(&format!("501 5.5.4 Syntax: {syntax}"))
            }
            ParseError::InvalidSenderAddress => self.error("501 5.1.7 Bad sender address syntax"),
            ParseError::InvalidRecipientAddress => {
                self.error("501 5.1.3 Bad recipient address syntax")
            }
            ParseError::InvalidParameter { param } => {
                self.error(&format!("501 5.5.4 Invalid parameter: {param}"))
            }
            ParseError::UnsupportedParameter { param } => {
                let param: String = param.chars().take(64).collect();
                self.error(&format!("555 5.5.4 Unsupported option: {param}"))
            }
            _ => self.error("500 5.5.2 Syntax error, command unrecognized"),
        }
    }

    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    fn rcpt(&mut self, address: &str) -> Step {
        if self.from.is_none() {
            return self.error("503 5.5.1 Error: need MAIL command");
        }
        if self.to.len() >= MAX_RECIPIENTS {
            return reply("452 4.5.3 Too many recipients");
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return reply(&format!("550 5.1.1 No such user here: {address}"));
        };
        if !domain.eq_ignore_ascii_case(DOMAIN) {
            return reply(&format!(
                "550 5.7.1 Relaying denied: {DOMAIN} accepts mail only for @{DOMAIN}"
            ));
        }
        let Some(user) = local_user(local) else {
            return reply(&format!("550 5.1.1 No such user here: {address}"));
        };
        match self.store.room_for(scope_of(self.peer), user, 0) {
            Ok(()) => {
                self.to.push(user.to_owned());
                reply("250 2.1.5 OK")
            }
            Err(refused) => reply(refusal(refused)),
        }
    }

    fn deliver(&mut self, body: Vec<u8>, over: bool) -> Step {
        let to = std::mem::take(&mut self.to);
        self.from = None;
        if over {
            return Step::Reply(TOO_BIG.into());
        }
        let body = Bytes::from(body);
        let scope = scope_of(self.peer);
        for user in &to {
            if let Err(refused) = self.store.deliver(scope, user, body.clone()) {
                return reply(refusal(refused));
            }
        }
        reply(&format!(
            "250 2.0.0 OK: delivered to {} mailbox(es)",
            to.len()
        ))
    }

    fn auth(&mut self, mechanism: u64, initial: &[u8]) -> Step {
        if self.authed {
            return self.error("503 5.5.1 Error: already authenticated");
        }
        if self.from.is_some() {
            return self.error("503 5.5.1 Error: AUTH not allowed during a mail transaction");
        }
        match (mechanism, initial.is_empty()) {
            (AUTH_PLAIN, true) => {
                self.phase = Phase::AuthPlain;
                reply("334 ")
            }
            (AUTH_PLAIN, false) => self.auth_plain(initial),
            (AUTH_LOGIN, true) => {
                self.phase = Phase::AuthLoginUser;
                reply("334 VXNlcm5hbWU6")
            }
            (AUTH_LOGIN, false) => match decode(initial) {
                Ok(user) => {
                    self.phase = Phase::AuthLoginPass(user);
                    reply("334 UGFzc3dvcmQ6")
                }
                Err(step) => step,
            },
            _ => self.error("504 5.5.4 Unrecognized authentication type"),
        }
    }

    fn auth_plain(&mut self, response: &[u8]) -> Step {
        let text = match decode(response) {
            Ok(t) => t,
            Err(step) => return step,
        };
        let mut parts = text.split('\0');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_authz), Some(user), Some(pass), None) => self.check(user, pass),
            _ => self.error("501 5.5.2 Cannot decode AUTH PLAIN response"),
        }
    }

    fn check(&mut self, user: &str, pass: &str) -> Step {
        if password_of(user) == Some(pass) {
            self.authed = true;
            reply("235 2.7.0 Authentication successful")
        } else {
            self.error("535 5.7.8 Authentication credentials invalid")
        }
    }
}

/// Commands that need `HELO`/`EHLO` first (`MAIL`, `RCPT`, `DATA`, `AUTH`).
fn needs_helo(line: &[u8]) -> bool {
    let word: Vec<u8> = line.iter().take(4).map(u8::to_ascii_uppercase).collect();
    matches!(&word[..], b"MAIL" | b"RCPT" | b"DATA" | b"AUTH")
}

/// The account named by `local` (a local part, case-insensitive).
fn local_user(local: &str) -> Option<&'static str> {
    super::store::ACCOUNTS
        .iter()
        .map(|(u, _)| *u)
        .find(|u| u.eq_ignore_ascii_case(local))
}

fn refusal(refused: Refused) -> &'static str {
    match refused {
        Refused::Full => "452 4.2.2 Mailbox full",
        Refused::TooManyScopes => "451 4.3.0 Too many mailbox namespaces; try again later",
    }
}

/// A base64 SASL line as text; `*` cancels.
fn decode(line: &[u8]) -> Result<String, Step> {
    if line == b"*" {
        return Err(reply("501 5.7.0 Authentication cancelled"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(line)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| reply("501 5.5.2 Cannot decode response"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn peer() -> SocketAddr {
        "127.0.0.1:1".parse().unwrap()
    }

    fn code(step: &Step) -> &str {
        match step {
            Step::Reply(t) | Step::Close(t) => t.get(..3).unwrap_or(""),
            Step::Silent => "",
        }
    }

    #[test]
    fn a_message_for_learner_is_stored_unstuffed() {
        let store = Store::default();
        let mut s = SmtpSession::new(&store, peer());
        for (line, want) in [
            ("EHLO me\r\n", "250"),
            ("MAIL FROM:<a@x> SIZE=20\r\n", "250"),
            ("RCPT TO:<bob@example.com>\r\n", "550"),
            ("RCPT TO:<nobody@socklab.test>\r\n", "550"),
            ("RCPT TO:<Learner@SOCKLAB.test>\r\n", "250"),
            ("DATA\r\n", "354"),
            ("Subject: x\r\n", ""),
            ("..dot\r\n", ""),
            (".\r\n", "250"),
        ] {
            assert_eq!(code(&s.on_line(line.as_bytes())), want, "{line}");
        }
        let got = store.messages(super::super::store::OUTSIDE, "learner");
        assert_eq!(
            got.first().map(|m| &m.body[..]),
            Some(&b"Subject: x\r\n.dot\r\n"[..])
        );
    }

    #[test]
    fn size_auth_and_order() {
        let store = Store::default();
        let mut s = SmtpSession::new(&store, peer());
        assert_eq!(code(&s.on_line(b"MAIL FROM:<a@x>\r\n")), "503");
        s.on_line(b"EHLO me\r\n");
        assert_eq!(code(&s.on_line(b"MAIL FROM:<a@x> SIZE=2000000\r\n")), "552");
        let bad = base64::engine::general_purpose::STANDARD.encode("\0learner\0nope");
        assert_eq!(
            code(&s.on_line(format!("AUTH PLAIN {bad}\r\n").as_bytes())),
            "535"
        );
        assert_eq!(code(&s.on_line(b"AUTH LOGIN\r\n")), "334");
        assert_eq!(code(&s.on_line(b"bGVhcm5lcg==\r\n")), "334");
        assert_eq!(code(&s.on_line(b"bGVhcm5lcg==\r\n")), "235");
        assert_eq!(code(&s.on_too_long()), "500");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Any lines, in any phase: every command line gets a reply with a code, the
        /// session never panics, and a run of bad lines ends the connection.
        #[test]
        fn any_lines_get_coded_replies(
            lines in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..40),
                    "(EHLO|MAIL FROM:|RCPT TO:|DATA|AUTH PLAIN|AUTH LOGIN|RSET|VRFY|\\.)[ <>@a-z.=0-9A-Z]{0,20}\r\n"
                        .prop_map(String::into_bytes),
                ],
                0..40,
            )
        ) {
            let store = Store::default();
            let mut s = SmtpSession::new(&store, peer());
            for line in lines {
                match s.on_line(&line) {
                    Step::Reply(t) | Step::Close(t) => {
                        let digits = t.get(..3).unwrap_or("");
                        prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{t}");
                        prop_assert!(t.ends_with("\r\n"));
                        if t.contains("421") { break; }
                    }
                    Step::Silent => {}
                }
            }
        }
    }
}
