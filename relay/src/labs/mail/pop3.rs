//! The POP3 lab's conversation with one client (RFC 1939; docs/protocol.md "The
//! mail labs"): a state machine fed one command line at a time, with the
//! authorization, transaction and update states. The maildrop is taken from the
//! [`Store`] at `PASS`; `DELE` only marks, `QUIT` removes what is marked, and a
//! connection that ends without `QUIT` removes nothing.
//!
//! Bounded: a command line is at most [`MAX_COMMAND_LINE`] bytes and
//! [`MAX_ERRORS`] bad commands end the connection. The socket loop is `mod.rs`.

use super::store::{password_of, scope_of, Message, Store};
use crate::mail::dot::{strip_eol, stuff};
use std::net::SocketAddr;

/// Longest command line, CRLF included (RFC 2449 allows 255).
pub(crate) const MAX_COMMAND_LINE: usize = 255;
/// Bad commands before the lab hangs up.
pub(crate) const MAX_ERRORS: u32 = 20;

pub(crate) const GREETING: &str = "+OK socklab POP3 lab ready\r\n";
pub(crate) const IDLE: &str = "-ERR idle timeout\r\n";

/// What to do after a line: send the bytes, and close when `close`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub out: Vec<u8>,
    pub close: bool,
}

fn line(text: &str) -> Step {
    Step {
        out: format!("{text}\r\n").into_bytes(),
        close: false,
    }
}

struct Drop_ {
    message: Message,
    deleted: bool,
}

/// One client's POP3 session.
pub(crate) struct Pop3Session<'a> {
    store: &'a Store,
    peer: SocketAddr,
    user: Option<String>,
    /// The maildrop, once authenticated.
    drop: Option<(u64, String, Vec<Drop_>)>,
    errors: u32,
}

impl<'a> Pop3Session<'a> {
    pub(crate) fn new(store: &'a Store, peer: SocketAddr) -> Pop3Session<'a> {
        Pop3Session {
            store,
            peer,
            user: None,
            drop: None,
            errors: 0,
        }
    }

    /// A line longer than [`MAX_COMMAND_LINE`] arrived (and was dropped).
    pub(crate) fn on_too_long(&mut self) -> Step {
        self.error("-ERR line too long")
    }

    fn error(&mut self, text: &str) -> Step {
        self.errors += 1;
        let mut step = line(text);
        step.close = self.errors >= MAX_ERRORS;
        step
    }

    /// Handles one command line (with its line end).
    pub(crate) fn on_line(&mut self, raw: &[u8]) -> Step {
        let Ok(text) = std::str::from_utf8(strip_eol(raw)) else {
            return self.error("-ERR command is not text");
        };
        let mut words = text.split(' ');
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        let args: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
        match (verb.as_str(), self.drop.is_some()) {
            ("CAPA", _) => Step {
                out: b"+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nIMPLEMENTATION socklab\r\n.\r\n".to_vec(),
                close: false,
            },
            ("QUIT", false) => Step {
                out: b"+OK socklab POP3 lab signing off\r\n".to_vec(),
                close: true,
            },
            ("QUIT", true) => self.quit(),
            ("NOOP", true) => line("+OK"),
            ("USER", false) => match args.as_slice() {
                [name] => {
                    self.user = Some((*name).to_owned());
                    line("+OK send PASS")
                }
                _ => self.error("-ERR usage: USER name"),
            },
            ("PASS", false) => self.pass(text.get(5..).unwrap_or("")),
            (_, false) => self.error("-ERR authenticate first with USER and PASS"),
            (verb, true) => self.transaction(verb, &args),
        }
    }

    fn pass(&mut self, password: &str) -> Step {
        let Some(user) = self.user.take() else {
            return self.error("-ERR send USER first");
        };
        if password_of(&user) != Some(password) {
            return self.error("-ERR invalid password");
        }
        let scope = scope_of(self.peer);
        let messages = self.store.messages(scope, &user);
        let drop = messages
            .into_iter()
            .map(|message| Drop_ {
                message,
                deleted: false,
            })
            .collect();
        self.drop = Some((scope, user, drop));
        let (n, size) = self.totals();
        line(&format!(
            "+OK maildrop has {n} message{} ({size} octets)",
            if n == 1 { "" } else { "s" }
        ))
    }

    /// Messages not marked deleted, and their octets.
    fn totals(&self) -> (usize, usize) {
        self.live()
            .fold((0, 0), |(n, s), (_, m)| (n + 1, s + m.message.body.len()))
    }

    fn live(&self) -> impl Iterator<Item = (usize, &Drop_)> {
        self.drop
            .iter()
            .flat_map(|(_, _, d)| d.iter().enumerate())
            .filter(|(_, m)| !m.deleted)
            .map(|(i, m)| (i + 1, m))
    }

    /// Message `arg` (1-based), if it exists and is not deleted.
    fn pick(&mut self, arg: Option<&&str>) -> Result<usize, Step> {
        let Some(n) = arg.and_then(|a| a.parse::<usize>().ok()) else {
            return Err(self.error("-ERR invalid message number"));
        };
        let exists = self
            .drop
            .as_ref()
            .and_then(|(_, _, d)| d.get(n.wrapping_sub(1)))
            .map(|m| !m.deleted);
        match exists {
            Some(true) => Ok(n),
            Some(false) => Err(self.error(&format!("-ERR message {n} already deleted"))),
            None => Err(self.error("-ERR no such message")),
        }
    }

    fn body(&self, n: usize) -> &[u8] {
        self.drop
            .as_ref()
            .and_then(|(_, _, d)| d.get(n.wrapping_sub(1)))
            .map_or(&[][..], |m| &m.message.body[..])
    }

    fn transaction(&mut self, verb: &str, args: &[&str]) -> Step {
        match verb {
            "STAT" => {
                let (n, size) = self.totals();
                line(&format!("+OK {n} {size}"))
            }
            "LIST" | "UIDL" => {
                let uidl = verb == "UIDL";
                let show = |n: usize, m: &Drop_| {
                    if uidl {
                        format!("{n} {}", m.message.uid)
                    } else {
                        format!("{n} {}", m.message.body.len())
                    }
                };
                if args.is_empty() {
                    let (n, size) = self.totals();
                    let mut out = format!("+OK {n} messages ({size} octets)\r\n");
                    for (i, m) in self.live() {
                        out.push_str(&show(i, m));
                        out.push_str("\r\n");
                    }
                    out.push_str(".\r\n");
                    return Step {
                        out: out.into_bytes(),
                        close: false,
                    };
                }
                match self.pick(args.first()) {
                    Ok(n) => {
                        let shown = self.live().find(|(i, _)| *i == n).map(|(i, m)| show(i, m));
                        line(&format!("+OK {}", shown.unwrap_or_default()))
                    }
                    Err(step) => step,
                }
            }
            "RETR" => match self.pick(args.first()) {
                Ok(n) => {
                    let body = self.body(n);
                    let mut out = format!("+OK {} octets\r\n", body.len()).into_bytes();
                    out.extend_from_slice(&stuff(body));
                    Step { out, close: false }
                }
                Err(step) => step,
            },
            "TOP" => {
                let Some(k) = args.get(1).and_then(|a| a.parse::<usize>().ok()) else {
                    return self.error("-ERR usage: TOP msg n");
                };
                match self.pick(args.first()) {
                    Ok(n) => {
                        let mut out = b"+OK top of message follows\r\n".to_vec();
                        out.extend_from_slice(&stuff(&top(self.body(n), k)));
                        Step { out, close: false }
                    }
                    Err(step) => step,
                }
            }
            "DELE" => match self.pick(args.first()) {
                Ok(n) => {
                    if let Some(m) = self
                        .drop
                        .as_mut()
                        .and_then(|(_, _, d)| d.get_mut(n.wrapping_sub(1)))
                    {
                        m.deleted = true;
                    }
                    line(&format!("+OK message {n} deleted"))
                }
                Err(step) => step,
            },
            "RSET" => {
                if let Some((_, _, d)) = self.drop.as_mut() {
                    d.iter_mut().for_each(|m| m.deleted = false);
                }
                let (n, size) = self.totals();
                line(&format!("+OK maildrop has {n} messages ({size} octets)"))
            }
            "USER" | "PASS" => self.error("-ERR already authenticated"),
            _ => self.error("-ERR unknown command"),
        }
    }

    /// The update state: removes what `DELE` marked.
    fn quit(&mut self) -> Step {
        let mut gone = 0;
        if let Some((scope, user, d)) = self.drop.take() {
            let uids: Vec<String> = d
                .into_iter()
                .filter(|m| m.deleted)
                .map(|m| m.message.uid)
                .collect();
            gone = uids.len();
            self.store.delete(scope, &user, &uids);
        }
        Step {
            out: format!(
                "+OK socklab POP3 lab signing off ({gone} message{} deleted)\r\n",
                if gone == 1 { "" } else { "s" }
            )
            .into_bytes(),
            close: true,
        }
    }
}

/// The head of a message and the first `k` lines of its body (POP3 `TOP`).
fn top(body: &[u8], k: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut in_body = false;
    let mut left = k;
    for l in body.split_inclusive(|&b| b == b'\n') {
        if in_body {
            if left == 0 {
                break;
            }
            left -= 1;
        } else if strip_eol(l).is_empty() {
            in_body = true;
        }
        out.extend_from_slice(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::store::OUTSIDE;
    use super::*;
    use bytes::Bytes;
    use proptest::prelude::*;

    fn peer() -> SocketAddr {
        "127.0.0.1:2".parse().unwrap()
    }

    fn text(step: &Step) -> String {
        String::from_utf8_lossy(&step.out).into_owned()
    }

    #[test]
    fn dele_takes_effect_at_quit() {
        let store = Store::default();
        store
            .deliver(
                OUTSIDE,
                "alice",
                Bytes::from_static(b"S: a\r\n\r\n.x\r\nb\r\n"),
            )
            .unwrap();
        let mut s = Pop3Session::new(&store, peer());
        assert!(text(&s.on_line(b"STAT\r\n")).starts_with("-ERR"));
        s.on_line(b"USER alice\r\n");
        assert!(text(&s.on_line(b"PASS alice\r\n")).starts_with("+OK maildrop has 1 message ("));
        assert_eq!(text(&s.on_line(b"STAT\r\n")), "+OK 1 15\r\n");
        assert_eq!(
            text(&s.on_line(b"RETR 1\r\n")),
            "+OK 15 octets\r\nS: a\r\n\r\n..x\r\nb\r\n.\r\n"
        );
        assert_eq!(
            text(&s.on_line(b"TOP 1 0\r\n")),
            "+OK top of message follows\r\nS: a\r\n\r\n.\r\n"
        );
        assert_eq!(text(&s.on_line(b"DELE 1\r\n")), "+OK message 1 deleted\r\n");
        assert!(text(&s.on_line(b"RETR 1\r\n")).starts_with("-ERR message 1 already deleted"));
        assert_eq!(store.messages(OUTSIDE, "alice").len(), 1, "not before QUIT");
        let quit = s.on_line(b"QUIT\r\n");
        assert!(quit.close);
        assert!(store.messages(OUTSIDE, "alice").is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Any command lines: every answer starts with `+OK` or `-ERR` and ends with
        /// CRLF; nothing panics.
        #[test]
        fn any_lines_get_status_replies(
            lines in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..40),
                    "(USER|PASS|STAT|LIST|RETR|TOP|DELE|RSET|NOOP|UIDL|CAPA|QUIT)( [a-z0-9]{0,6}){0,3}\r\n"
                        .prop_map(String::into_bytes),
                ],
                0..30,
            )
        ) {
            let store = Store::default();
            store.deliver(OUTSIDE, "bob", Bytes::from_static(b"a\r\n")).unwrap();
            let mut s = Pop3Session::new(&store, peer());
            s.on_line(b"USER bob\r\n");
            s.on_line(b"PASS bob\r\n");
            for l in lines {
                let step = s.on_line(&l);
                let t = text(&step);
                prop_assert!(t.starts_with("+OK") || t.starts_with("-ERR"), "{t}");
                prop_assert!(t.ends_with("\r\n"));
                if step.close { break; }
            }
        }
    }
}
