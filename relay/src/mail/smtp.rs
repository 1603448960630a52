//! smtplib's client, after CPython 3.11's `Lib/smtplib.py`: the state of one
//! `SMTP` object ([`Smtp`]) and its methods as async functions over a [`Link`],
//! with Python's command spelling, reply parsing, return values and exceptions
//! (`smtp.<Name>` error codes, docs/protocol.md "SMTP exceptions").
//!
//! Owns the protocol only; queueing the calls of a handle is `engine.rs`.

use super::dot::stuff;
use super::link::{Link, Read};
use super::quote::{getaddresses, headers, py_bytes, py_str, quoteaddr, without_headers};
use base64::Engine;
use shared::{Dir, ErrorBody, OkBody};
use std::collections::BTreeMap;

/// smtplib's `_MAXLINE`: longest reply line.
pub const MAXLINE: usize = 8192;
/// Longest whole reply (all lines), and most lines in it.
pub const MAX_REPLY: usize = 64 << 10;
pub const MAX_REPLY_LINES: usize = 1000;
/// smtplib's `_MAXCHALLENGE`.
const MAX_CHALLENGE: u32 = 5;

/// One `smtplib.SMTP` object.
pub struct Smtp {
    pub link: Option<Link>,
    pub local_hostname: String,
    helo_resp: bool,
    ehlo_resp: bool,
    does_esmtp: bool,
    /// `esmtp_features`: lower-case keyword → parameters.
    features: BTreeMap<String, String>,
}

/// An smtplib method call.
pub enum Call {
    Ehlo(Option<String>),
    Helo(Option<String>),
    Login {
        user: String,
        password: String,
    },
    Sendmail(Envelope),
    SendMessage {
        msg: Vec<u8>,
        from: Option<String>,
        to: Option<Vec<String>>,
    },
    Mail {
        sender: String,
        options: Vec<String>,
    },
    Rcpt {
        recip: String,
        options: Vec<String>,
    },
    Data(Vec<u8>),
    Docmd {
        cmd: String,
        args: String,
    },
    Quit,
}

/// `sendmail`'s arguments.
pub struct Envelope {
    pub from: String,
    pub to: Vec<String>,
    pub msg: Vec<u8>,
    pub mail_options: Vec<String>,
    pub rcpt_options: Vec<String>,
}

type Reply = (i32, Vec<u8>);

fn exc(name: &str, message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(&format!("smtp.{name}"), message)
}

/// An `SMTPResponseException` subclass: `(code, b'msg')`, with the reply.
fn resp_exc(name: &str, (code, msg): &Reply) -> ErrorBody {
    let mut e = exc(name, format!("({code}, {})", py_bytes(msg)));
    e.reply = Some(reply_text(*code, msg));
    e
}

/// The reply as the server sent it (each line with its code), for `reply`.
fn reply_text(code: i32, msg: &[u8]) -> String {
    String::from_utf8_lossy(msg)
        .split('\n')
        .map(|l| format!("{code} {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ok_reply((code, msg): Reply) -> OkBody {
    OkBody::SmtpReply {
        code,
        msg: String::from_utf8_lossy(&msg).into_owned(),
    }
}

impl Smtp {
    pub fn new(local_hostname: Option<String>) -> Smtp {
        Smtp {
            link: None,
            local_hostname: local_hostname.unwrap_or_else(|| "localhost".to_owned()),
            helo_resp: false,
            ehlo_resp: false,
            does_esmtp: false,
            features: BTreeMap::new(),
        }
    }

    /// `close()`: drops the connection (its log is kept in `log`).
    fn close(&mut self, log: &mut Vec<crate::tap::WireChunk>) {
        if let Some(mut link) = self.link.take() {
            log.extend(link.take_log());
        }
    }

    /// Reads the greeting after the link connected: `SMTP(host, port)`.
    pub async fn greet(
        &mut self,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let reply = self.getreply(log).await?;
        if reply.0 != 220 {
            self.close(log);
            return Err(resp_exc("SMTPConnectError", &reply));
        }
        Ok(reply)
    }

    /// Performs one call; `log` receives what crossed the wire if the link is
    /// dropped on the way (the engine takes the rest from the link).
    pub async fn call(
        &mut self,
        call: Call,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<OkBody, ErrorBody> {
        match call {
            Call::Ehlo(name) => self.ehlo(name, log).await.map(ok_reply),
            Call::Helo(name) => self.helo(name, log).await.map(ok_reply),
            Call::Login { user, password } => self.login(&user, &password, log).await.map(ok_reply),
            Call::Sendmail(env) => self.sendmail(env, log).await,
            Call::SendMessage { msg, from, to } => self.send_message(msg, from, to, log).await,
            Call::Mail { sender, options } => self.mail(&sender, &options, log).await.map(ok_reply),
            Call::Rcpt { recip, options } => self.rcpt(&recip, &options, log).await.map(ok_reply),
            Call::Data(msg) => self.data(&msg, log).await.map(ok_reply),
            Call::Docmd { cmd, args } => self.docmd(&cmd, &args, None, log).await.map(ok_reply),
            Call::Quit => {
                let r = self.docmd("quit", "", None, log).await?;
                self.close(log);
                Ok(ok_reply(r))
            }
        }
    }

    /// `putcmd`: `cmd args` and CRLF; `shown` replaces the line in the log.
    async fn putcmd(
        &mut self,
        cmd: &str,
        args: &str,
        shown: Option<&str>,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<(), ErrorBody> {
        let line = if args.is_empty() {
            cmd.to_owned()
        } else {
            format!("{cmd} {args}")
        };
        if line.contains(['\r', '\n']) {
            return Err(crate::oserror::bad_request(format!(
                "ValueError: command and arguments contain prohibited newline characters: {}",
                line.replace('\n', "\\n").replace('\r', "\\r")
            )));
        }
        let shown = shown.map(|s| format!("{s}\r\n"));
        let Some(link) = self.link.as_mut() else {
            return Err(exc("SMTPServerDisconnected", "please run connect() first"));
        };
        let sent = link
            .send(
                format!("{line}\r\n").as_bytes(),
                shown.as_deref().map(str::as_bytes),
            )
            .await;
        if sent.is_err() {
            self.close(log);
            return Err(exc("SMTPServerDisconnected", "Server not connected"));
        }
        Ok(())
    }

    /// `getreply`: one (multi-line) reply, as `(code, msg)`.
    async fn getreply(&mut self, log: &mut Vec<crate::tap::WireChunk>) -> Result<Reply, ErrorBody> {
        let Some(link) = self.link.as_mut() else {
            return Err(exc("SMTPServerDisconnected", "please run connect() first"));
        };
        let mut raw = Vec::new();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let failure = loop {
            let line = match link.read(MAXLINE).await {
                Ok(Read::Line(l)) => l,
                Ok(Read::Closed) => {
                    break exc("SMTPServerDisconnected", "Connection unexpectedly closed")
                }
                Ok(Read::TooLong) => break exc("SMTPResponseException", "(500, 'Line too long.')"),
                Err(e) => {
                    let why = if e.code == shared::codes::TIMEOUT {
                        "timed out".to_owned()
                    } else {
                        e.message
                    };
                    break exc(
                        "SMTPServerDisconnected",
                        format!("Connection unexpectedly closed: {why}"),
                    );
                }
            };
            raw.extend_from_slice(&line);
            if raw.len() > MAX_REPLY || lines.len() >= MAX_REPLY_LINES {
                break exc("SMTPResponseException", "(500, 'Reply too long.')");
            }
            let (code, more, text) = reply_line(&line);
            lines.push(text.to_vec());
            if code == -1 || !more {
                link.note(Dir::In, &raw);
                return Ok((code, lines.join(&b"\n"[..])));
            }
        };
        link.note(Dir::In, &raw);
        self.close(log);
        Err(failure)
    }

    async fn docmd(
        &mut self,
        cmd: &str,
        args: &str,
        shown: Option<&str>,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        self.putcmd(cmd, args, shown, log).await?;
        self.getreply(log).await
    }

    async fn ehlo(
        &mut self,
        name: Option<String>,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        self.features.clear();
        let name = name.unwrap_or_else(|| self.local_hostname.clone());
        let (code, msg) = self.docmd("ehlo", &name, None, log).await?;
        if code == -1 && msg.is_empty() {
            self.close(log);
            return Err(exc("SMTPServerDisconnected", "Server not connected"));
        }
        self.ehlo_resp = true;
        if code != 250 {
            return Ok((code, msg));
        }
        self.does_esmtp = true;
        let text = String::from_utf8_lossy(&msg).into_owned();
        for line in text.split('\n').skip(1) {
            let keyword: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if keyword.is_empty() || keyword.starts_with('-') {
                continue;
            }
            let params = line.get(keyword.len()..).unwrap_or("").trim().to_owned();
            let keyword = keyword.to_ascii_lowercase();
            if keyword == "auth" {
                let old = self.features.remove("auth").unwrap_or_default();
                self.features.insert(keyword, format!("{old} {params}"));
            } else {
                self.features.insert(keyword, params);
            }
        }
        Ok((code, msg))
    }

    async fn helo(
        &mut self,
        name: Option<String>,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let name = name.unwrap_or_else(|| self.local_hostname.clone());
        let reply = self.docmd("helo", &name, None, log).await?;
        self.helo_resp = true;
        Ok(reply)
    }

    async fn ehlo_or_helo_if_needed(
        &mut self,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<(), ErrorBody> {
        if self.helo_resp || self.ehlo_resp {
            return Ok(());
        }
        if !(200..=299).contains(&self.ehlo(None, log).await?.0) {
            let reply = self.helo(None, log).await?;
            if !(200..=299).contains(&reply.0) {
                return Err(resp_exc("SMTPHeloError", &reply));
            }
        }
        Ok(())
    }

    fn has_extn(&self, name: &str) -> bool {
        self.features.contains_key(&name.to_ascii_lowercase())
    }

    async fn login(
        &mut self,
        user: &str,
        password: &str,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        self.ehlo_or_helo_if_needed(log).await?;
        let Some(offered) = self.features.get("auth").cloned() else {
            return Err(exc(
                "SMTPNotSupportedError",
                "SMTP AUTH extension not supported by server.",
            ));
        };
        let offered: Vec<&str> = offered.split_whitespace().collect();
        let methods: Vec<&str> = ["PLAIN", "LOGIN"]
            .into_iter()
            .filter(|m| offered.contains(m))
            .collect();
        let mut last = exc("SMTPException", "No suitable authentication method found.");
        for method in methods {
            match self.auth(method, user, password, log).await {
                Ok(reply) => return Ok(reply),
                Err(e) if e.code == "smtp.SMTPAuthenticationError" => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// `auth(mechanism, authobject)` with an initial response, as `login` calls it.
    async fn auth(
        &mut self,
        method: &str,
        user: &str,
        password: &str,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let plain = b64(&format!("\0{user}\0{password}"));
        let (first, shown) = match method {
            "PLAIN" => (format!("PLAIN {plain}"), Some("AUTH PLAIN ****")),
            _ => (format!("LOGIN {}", b64(user)), None),
        };
        let mut reply = self.docmd("AUTH", &first, shown, log).await?;
        let mut count = 1;
        while reply.0 == 334 {
            count += 1;
            let (response, masked) = match (method, count) {
                ("PLAIN", _) => (plain.clone(), true),
                (_, n) if n < 2 => (b64(user), false),
                _ => (b64(password), true),
            };
            reply = self
                .docmd(&response, "", masked.then_some("****"), log)
                .await?;
            if count > MAX_CHALLENGE {
                return Err(exc(
                    "SMTPException",
                    format!(
                        "Server AUTH mechanism infinite loop. Last response: ({}, {})",
                        reply.0,
                        py_bytes(&reply.1)
                    ),
                ));
            }
        }
        if reply.0 == 235 || reply.0 == 503 {
            return Ok(reply);
        }
        Err(resp_exc("SMTPAuthenticationError", &reply))
    }

    async fn mail(
        &mut self,
        sender: &str,
        options: &[String],
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let mut list = String::new();
        if !options.is_empty() && self.does_esmtp {
            if options.iter().any(|o| o.eq_ignore_ascii_case("smtputf8"))
                && !self.has_extn("smtputf8")
            {
                return Err(exc(
                    "SMTPNotSupportedError",
                    "SMTPUTF8 not supported by server",
                ));
            }
            list = format!(" {}", options.join(" "));
        }
        self.docmd(
            "mail",
            &format!("FROM:{}{list}", quoteaddr(sender)),
            None,
            log,
        )
        .await
    }

    async fn rcpt(
        &mut self,
        recip: &str,
        options: &[String],
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let list = if !options.is_empty() && self.does_esmtp {
            format!(" {}", options.join(" "))
        } else {
            String::new()
        };
        self.docmd("rcpt", &format!("TO:{}{list}", quoteaddr(recip)), None, log)
            .await
    }

    async fn data(
        &mut self,
        msg: &[u8],
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<Reply, ErrorBody> {
        let reply = self.docmd("data", "", None, log).await?;
        if reply.0 != 354 {
            return Err(resp_exc("SMTPDataError", &reply));
        }
        let block = stuff(msg);
        let Some(link) = self.link.as_mut() else {
            return Err(exc("SMTPServerDisconnected", "please run connect() first"));
        };
        if link.send(&block, None).await.is_err() {
            self.close(log);
            return Err(exc("SMTPServerDisconnected", "Server not connected"));
        }
        self.getreply(log).await
    }

    /// `_rset`: `rset`, ignoring a disconnection.
    async fn quiet_rset(&mut self, log: &mut Vec<crate::tap::WireChunk>) {
        let _ = self.docmd("rset", "", None, log).await;
    }

    async fn sendmail(
        &mut self,
        env: Envelope,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<OkBody, ErrorBody> {
        self.ehlo_or_helo_if_needed(log).await?;
        let mut opts = Vec::new();
        if self.does_esmtp {
            if self.has_extn("size") {
                opts.push(format!("size={}", env.msg.len()));
            }
            opts.extend(env.mail_options.iter().cloned());
        }
        let reply = self.mail(&env.from, &opts, log).await?;
        if reply.0 != 250 {
            if reply.0 == 421 {
                self.close(log);
            } else {
                self.quiet_rset(log).await;
            }
            let mut e = exc(
                "SMTPSenderRefused",
                format!(
                    "({}, {}, {})",
                    reply.0,
                    py_bytes(&reply.1),
                    py_str(&env.from)
                ),
            );
            e.reply = Some(reply_text(reply.0, &reply.1));
            return Err(e);
        }
        let mut refused: BTreeMap<String, (i32, String)> = BTreeMap::new();
        let mut last = String::new();
        for to in &env.to {
            let (code, msg) = self.rcpt(to, &env.rcpt_options, log).await?;
            if code != 250 && code != 251 {
                last = reply_text(code, &msg);
                refused.insert(
                    to.clone(),
                    (code, String::from_utf8_lossy(&msg).into_owned()),
                );
            }
            if code == 421 {
                self.close(log);
                return Err(refused_exc(&refused, last));
            }
        }
        if refused.len() == env.to.len() {
            self.quiet_rset(log).await;
            return Err(refused_exc(&refused, last));
        }
        let reply = self.data(&env.msg, log).await?;
        if reply.0 != 250 {
            if reply.0 == 421 {
                self.close(log);
            } else {
                self.quiet_rset(log).await;
            }
            return Err(resp_exc("SMTPDataError", &reply));
        }
        Ok(OkBody::SmtpRefused { refused })
    }

    async fn send_message(
        &mut self,
        msg: Vec<u8>,
        from: Option<String>,
        to: Option<Vec<String>>,
        log: &mut Vec<crate::tap::WireChunk>,
    ) -> Result<OkBody, ErrorBody> {
        self.ehlo_or_helo_if_needed(log).await?;
        let fields = headers(&msg);
        let all = |name: &str| -> Vec<String> {
            fields
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .collect()
        };
        let prefix = match all("Resent-Date").len() {
            0 => "",
            1 => "Resent-",
            _ => {
                return Err(crate::oserror::bad_request(
                    "ValueError: message has more than one 'Resent-' header block",
                ))
            }
        };
        let from = from.unwrap_or_else(|| {
            let sender = all(&format!("{prefix}Sender"));
            let field = if sender.is_empty() {
                all(&format!("{prefix}From"))
            } else {
                sender
            };
            getaddresses(&field.into_iter().take(1).collect::<Vec<_>>())
                .into_iter()
                .next()
                .unwrap_or_default()
        });
        let to = to.unwrap_or_else(|| {
            let mut fields = Vec::new();
            for name in ["To", "Bcc", "Cc"] {
                fields.extend(all(&format!("{prefix}{name}")).into_iter().take(1));
            }
            getaddresses(&fields)
        });
        let msg = without_headers(&msg, &["Bcc", "Resent-Bcc"]);
        let env = Envelope {
            from,
            to,
            msg,
            mail_options: Vec::new(),
            rcpt_options: Vec::new(),
        };
        self.sendmail(env, log).await
    }
}

/// One reply line as smtplib's `getreply` reads it: the code (−1 when the first
/// three bytes are no number, where smtplib stops reading), whether more lines
/// follow (`-` after the code), and the text (from the fifth byte, stripped).
pub fn reply_line(line: &[u8]) -> (i32, bool, &[u8]) {
    let text = line.get(4..).unwrap_or_default().trim_ascii();
    let digits = line.get(..3).unwrap_or(line);
    let code = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.trim().parse::<i32>().ok())
        .unwrap_or(-1);
    (code, line.get(3) == Some(&b'-'), text)
}

/// `SMTPRecipientsRefused(senderrs)`: Python prints the dict.
fn refused_exc(refused: &BTreeMap<String, (i32, String)>, last: String) -> ErrorBody {
    let items: Vec<String> = refused
        .iter()
        .map(|(to, (code, msg))| format!("{}: ({code}, {})", py_str(to), py_bytes(msg.as_bytes())))
        .collect();
    let mut e = exc("SMTPRecipientsRefused", format!("{{{}}}", items.join(", ")));
    e.reply = Some(last);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reply_lines_as_smtplib_reads_them() {
        assert_eq!(reply_line(b"250-SIZE 10\r\n"), (250, true, &b"SIZE 10"[..]));
        assert_eq!(reply_line(b"221 Bye\r\n"), (221, false, &b"Bye"[..]));
        assert_eq!(reply_line(b"hello\r\n"), (-1, false, &b"o"[..]));
        // Python's int() takes b"25\n" as 25.
        assert_eq!(reply_line(b"25\n"), (25, false, &b""[..]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// A well-formed line reads back as written; any bytes read without a panic.
        #[test]
        fn reply_lines_round_trip(code in 100i32..1000, more: bool, text in "[ -~]{0,40}", junk in proptest::collection::vec(any::<u8>(), 0..50)) {
            let line = format!("{code}{}{text}\r\n", if more { '-' } else { ' ' });
            let (c, m, t) = reply_line(line.as_bytes());
            prop_assert_eq!((c, m, t), (code, more, text.trim().as_bytes()));
            let _ = reply_line(&junk);
        }
    }
}
