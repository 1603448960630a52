//! The `smtp.*` and `pop3.*` ops (docs/protocol.md "SMTP operations", "POP3
//! operations") as methods on [`Session`].
//!
//! Owns the glue between the session and an `m…`/`p…` handle's engine
//! ([`MailConn`], `mail/engine.rs`): turning ops into smtplib/poplib calls
//! ([`Job`]), opening handles (a handle of the budget, a share of a lab, the
//! policy check inside the connect), registering calls as pending requests
//! (`Loc::Conn(handle)`, charged with the message bytes they carry), and
//! handing future reports, cancels and closes to the engine.

use super::{parse_timeout, OpResult, Outcome};
use crate::budget::Charge;
use crate::mail::dot::fix_eols;
use crate::mail::pop3::Call as P;
use crate::mail::smtp::{Call as S, Envelope};
use crate::mail::{Job, MailConn, MailDone};
use crate::oserror::{bad_handle, bad_request};
use crate::session::{Loc, Session};
use shared::{Data, ErrorBody, Op};
use std::sync::Arc;

/// Most recipients of one `smtp.sendmail`.
const MAX_RECIPIENTS: usize = 100;

/// A message as Python would hold it: a `str` (text) gets CRLF line ends, as
/// smtplib's `_fix_eols`; `bytes` (base64) are sent as they are.
fn message(msg: Data) -> Vec<u8> {
    match msg {
        Data::Text(t) => fix_eols(t.as_bytes()),
        Data::B64(b) => b,
    }
}

/// Refuses more than [`MAX_RECIPIENTS`] recipients in one op's `to_addrs`.
fn recipients_within_bound(op: &str, to_addrs: &[String]) -> Result<(), ErrorBody> {
    if to_addrs.len() > MAX_RECIPIENTS {
        return Err(bad_request(format!(
            "op `{op}`: at most {MAX_RECIPIENTS} recipients in `to_addrs`"
        )));
    }
    Ok(())
}

/// The call an op on an open handle makes, the handle, and the bytes it carries.
fn job_of(op: Op) -> Result<(String, Job, usize), ErrorBody> {
    let s = |conn: String, call| (conn, Job::Smtp(call), 0);
    let p = |conn: String, call| (conn, Job::Pop3(call), 0);
    let with_size = |(conn, job, _): (String, Job, usize), n| (conn, job, n);
    Ok(match op {
        Op::SmtpEhlo(a) => s(a.conn, S::Ehlo(a.name)),
        Op::SmtpHeloOp(a) => s(a.conn, S::Helo(a.name)),
        Op::SmtpLogin(a) => s(
            a.conn,
            S::Login {
                user: a.user,
                password: a.password,
            },
        ),
        Op::SmtpSendmail(a) => {
            recipients_within_bound("smtp.sendmail", &a.to_addrs)?;
            let msg = message(a.msg);
            let n = msg.len();
            let env = Envelope {
                from: a.from_addr,
                to: a.to_addrs,
                msg,
                mail_options: a.mail_options,
                rcpt_options: a.rcpt_options,
            };
            with_size(s(a.conn, S::Sendmail(env)), n)
        }
        Op::SmtpSendMessage(a) => {
            recipients_within_bound(
                "smtp.send_message",
                a.to_addrs.as_deref().unwrap_or_default(),
            )?;
            // Python flattens a Message with CRLF line ends, str or bytes.
            let msg = fix_eols(&a.msg.into_bytes());
            let n = msg.len();
            let call = S::SendMessage {
                msg,
                from: a.from_addr,
                to: a.to_addrs,
            };
            with_size(s(a.conn, call), n)
        }
        Op::SmtpMail(a) => s(
            a.conn,
            S::Mail {
                sender: a.sender,
                options: a.options,
            },
        ),
        Op::SmtpRcpt(a) => s(
            a.conn,
            S::Rcpt {
                recip: a.recip,
                options: a.options,
            },
        ),
        Op::SmtpData(a) => {
            let msg = message(a.msg);
            let n = msg.len();
            with_size(s(a.conn, S::Data(msg)), n)
        }
        Op::SmtpDocmd(a) => s(
            a.conn,
            S::Docmd {
                cmd: a.cmd,
                args: a.args,
            },
        ),
        Op::SmtpNoop(a) => s(
            a.conn,
            S::Docmd {
                cmd: "noop".into(),
                args: String::new(),
            },
        ),
        Op::SmtpRset(a) => s(
            a.conn,
            S::Docmd {
                cmd: "rset".into(),
                args: String::new(),
            },
        ),
        Op::SmtpQuit(a) => s(a.conn, S::Quit),
        Op::Pop3User(a) => p(a.conn, P::User(a.user)),
        Op::Pop3Pass(a) => p(a.conn, P::Pass(a.pswd)),
        Op::Pop3Stat(a) => p(a.conn, P::Stat),
        Op::Pop3List(a) => p(a.conn, P::List(a.which)),
        Op::Pop3Uidl(a) => p(a.conn, P::Uidl(a.which)),
        Op::Pop3Retr(a) => p(a.conn, P::Retr(a.which)),
        Op::Pop3Top(a) => p(a.conn, P::Top(a.which, a.howmuch)),
        Op::Pop3Dele(a) => p(a.conn, P::Dele(a.which)),
        Op::Pop3Rset(a) => p(a.conn, P::Rset),
        Op::Pop3Noop(a) => p(a.conn, P::Noop),
        Op::Pop3Capa(a) => p(a.conn, P::Capa),
        Op::Pop3Quit(a) => p(a.conn, P::Quit),
        _ => return Err(bad_request("not an smtp.* or pop3.* op on a connection")),
    })
}

impl Session {
    /// Performs one `smtp.*` or `pop3.*` op.
    pub fn op_mail(&mut self, id: u64, op: Op) -> OpResult {
        match op {
            Op::SmtpConnect(a) => {
                let port = a.port.filter(|p| *p > 0).unwrap_or(25);
                self.mail_open(id, a.host, port, a.timeout, Some(a.local_hostname))
            }
            Op::Pop3Connect(a) => {
                let port = a.port.filter(|p| *p > 0).unwrap_or(110);
                self.mail_open(id, a.host, port, a.timeout, None)
            }
            Op::SmtpClose(a) | Op::Pop3Close(a) => {
                self.mail_drop(&a.conn)?;
                Ok(Outcome::empty())
            }
            op => {
                let (conn, job, bytes) = job_of(op)?;
                if !self.mail.contains_key(&conn) {
                    return Err(bad_handle(&conn));
                }
                let loc = Loc::Conn(conn.clone());
                self.add_pending_charged(id, loc, None, None, Charge::Bytes(bytes))?;
                self.drive(|s| &mut s.mail, &conn, |c, fx| c.call(id, job, fx));
                Ok(Outcome::Later)
            }
        }
    }

    /// `smtplib.SMTP(host, port)` (`smtp` holds its `local_hostname`) or
    /// `poplib.POP3(host, port)`: a new handle whose first call connects.
    fn mail_open(
        &mut self,
        id: u64,
        host: String,
        port: u16,
        timeout: Option<f64>,
        smtp: Option<Option<String>>,
    ) -> OpResult {
        let timeout = parse_timeout(timeout)?;
        let lab = self.budget.lab_named(&host, port);
        let conn = self.new_handle(if smtp.is_some() { 'm' } else { 'p' })?;
        if let Some(lab) = lab {
            self.budget.hold_lab(&conn, lab)?;
        }
        if let Err(e) = self.add_pending(id, Loc::Conn(conn.clone()), None, None) {
            self.budget.release_lab(&conn);
            return Err(e);
        }
        let policy = Arc::clone(&self.policy);
        let engine = MailConn::new(conn.clone(), smtp, policy, self.mail_scope.clone());
        self.mail.insert(conn.clone(), engine);
        let job = Job::Connect {
            host,
            port,
            timeout,
        };
        self.drive(|s| &mut s.mail, &conn, |c, fx| c.call(id, job, fx));
        Ok(Outcome::Later)
    }

    /// Applies the report of a mail call's future.
    pub fn on_mail(&mut self, done: MailDone) {
        let h = done.conn.clone();
        self.drive(|s| &mut s.mail, &h, |c, fx| c.on_done(done, fx));
    }

    /// Request `id`, pending on `h`, was cancelled (and already answered).
    pub fn mail_cancelled(&mut self, h: &str, id: u64) {
        self.drive(|s| &mut s.mail, h, |c, fx| c.cancel(id, fx));
    }

    /// Forgets an `m…`/`p…` handle (`smtp.close`, `pop3.close`, the generic
    /// `close`): pending calls answer `EBADF`.
    pub fn mail_drop(&mut self, conn: &str) -> Result<(), ErrorBody> {
        self.drive(|s| &mut s.mail, conn, MailConn::close)
            .ok_or_else(|| bad_handle(conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::mail_args::{SmtpSendMessage, SmtpSendmail};

    fn many(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}@socklab.test")).collect()
    }

    /// Both ways of sending hold the same bound on recipients.
    #[test]
    fn sendmail_and_send_message_refuse_too_many_recipients() {
        let sendmail = |n| {
            job_of(Op::SmtpSendmail(SmtpSendmail {
                conn: "m1".into(),
                from_addr: "a@socklab.test".into(),
                to_addrs: many(n),
                msg: Data::Text("hi".into()),
                mail_options: Vec::new(),
                rcpt_options: Vec::new(),
            }))
        };
        let send_message = |n| {
            job_of(Op::SmtpSendMessage(SmtpSendMessage {
                conn: "m1".into(),
                msg: Data::Text("hi".into()),
                from_addr: None,
                to_addrs: Some(many(n)),
            }))
        };
        assert!(sendmail(MAX_RECIPIENTS).is_ok());
        assert!(send_message(MAX_RECIPIENTS).is_ok());
        let err = sendmail(MAX_RECIPIENTS + 1).err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("smtp.sendmail")));
        let err = send_message(MAX_RECIPIENTS + 1).err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("smtp.send_message")));
    }
}
