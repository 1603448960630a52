//! The `ftp.*` ops (docs/protocol.md "FTP operations", Python `ftplib`) as
//! methods on [`Session`].
//!
//! Owns the glue between the session and an `f…` handle's engine ([`FtpConn`],
//! `ftp/conn.rs`, which performs the calls one at a time and holds every FTP
//! rule): turning ops into ftplib methods ([`Job`]), `ftp.connect` (a future
//! that holds a handle of the budget until it is answered), registering calls as
//! pending requests (`Loc::Conn(handle)`), handing calls, binary frames, future
//! reports and cancels to the engine, and applying what it records
//! ([`Effects`]): its answers and events, the change in its buffered upload
//! bytes (counted in the session's piped bytes, so the WebSocket is not read
//! while they wait) and the end of the handle after `ftp.quit`.

use super::{parse_timeout, OpResult, Outcome};
use crate::budget::Charge;
use crate::ftp::jobs::{self, Cmd};
use crate::ftp::{
    check_blocksize, list_cmd, nlst_cmd, FtpConn, FtpDone, Job, RetrMode, DEFAULT_BLOCKSIZE,
};
use crate::io;
use crate::oserror::{bad_handle, bad_request};
use crate::session::{Loc, Session};
use bytes::Bytes;
use shared::request::FtpStore;
use shared::{ErrorBody, OkBody, Op};
use std::sync::Arc;

/// The ftplib method an op on an open handle calls, and the handle.
fn job_of(op: Op) -> Result<(String, Job), ErrorBody> {
    let retr = |cmd, mode| Job::Retr {
        cmd,
        rest: None,
        mode,
    };
    Ok(match op {
        Op::FtpLogin {
            conn,
            user,
            passwd,
            acct,
        } => (conn, Job::Cmd(Cmd::Login { user, passwd, acct })),
        Op::FtpGetwelcome { conn } => (conn, Job::GetWelcome),
        Op::FtpSendcmd { conn, cmd } => (conn, Job::Cmd(Cmd::Sendcmd(cmd))),
        Op::FtpVoidcmd { conn, cmd } => (conn, Job::Cmd(Cmd::Voidcmd(cmd))),
        Op::FtpSetPasv { conn, val } => (conn, Job::SetPasv(val)),
        Op::FtpSetDebuglevel { conn, level } => (conn, Job::SetDebuglevel(level)),
        Op::FtpRetrbinary {
            conn,
            cmd,
            blocksize,
            rest,
            frames,
        } => {
            let blocksize = check_blocksize(blocksize.unwrap_or(DEFAULT_BLOCKSIZE))?;
            let mode = RetrMode::Binary { blocksize, frames };
            (conn, Job::Retr { cmd, rest, mode })
        }
        Op::FtpRetrlines { conn, cmd } => (conn, retr(cmd, RetrMode::Lines)),
        Op::FtpDir { conn, args } => (conn, retr(list_cmd(&args), RetrMode::Lines)),
        Op::FtpNlst { conn, args } => (conn, retr(nlst_cmd(&args), RetrMode::Names)),
        Op::FtpRename {
            conn,
            fromname,
            toname,
        } => (
            conn,
            Job::Cmd(Cmd::Rename {
                from: fromname,
                to: toname,
            }),
        ),
        Op::FtpDelete { conn, name } => (conn, Job::Cmd(Cmd::Delete(name))),
        Op::FtpSize { conn, name } => (conn, Job::Cmd(Cmd::Size(name))),
        Op::FtpCwd { conn, dirname } => (conn, Job::Cmd(Cmd::Cwd(dirname))),
        Op::FtpMkd { conn, dirname } => (conn, Job::Cmd(Cmd::Mkd(dirname))),
        Op::FtpRmd { conn, dirname } => (conn, Job::Cmd(Cmd::Rmd(dirname))),
        Op::FtpPwd { conn } => (conn, Job::Cmd(Cmd::Pwd)),
        Op::FtpQuit { conn } => (conn, Job::Cmd(Cmd::Quit)),
        _ => return Err(bad_request("not an ftp.* op")),
    })
}

impl Session {
    /// Performs one `ftp.*` op.
    pub fn op_ftp(&mut self, id: u64, op: Op) -> OpResult {
        match op {
            Op::FtpConnect {
                host,
                port,
                timeout,
            } => self.ftp_connect(id, host, port.filter(|p| *p > 0).unwrap_or(21), timeout),
            Op::FtpClose { conn } => {
                self.ftp_drop(&conn)?;
                Ok(Outcome::empty())
            }
            Op::FtpAbort { conn } => {
                self.ftp_register(id, &conn)?;
                self.drive(|s| &mut s.ftp, &conn, |c, fx| c.abort(id, fx));
                Ok(Outcome::Later)
            }
            Op::FtpStorbinary(store) => self.ftp_store(id, store, false),
            Op::FtpStorlines(store) => self.ftp_store(id, store, true),
            op => {
                let (conn, job) = job_of(op)?;
                self.ftp_register(id, &conn)?;
                self.drive(|s| &mut s.ftp, &conn, |c, fx| c.call(id, job, fx));
                Ok(Outcome::Later)
            }
        }
    }

    fn ftp_connect(&mut self, id: u64, host: String, port: u16, timeout: Option<f64>) -> OpResult {
        let timeout = parse_timeout(timeout)?;
        let lab = self.budget.lab_named(&host, port);
        let conn = self.new_handle('f')?;
        if let Some(lab) = lab {
            self.budget.hold_lab(&conn, lab)?;
        }
        let policy = Arc::clone(&self.policy);
        let (fut, abort) =
            io::abortable(jobs::connect(conn.clone(), id, policy, host, port, timeout));
        // Until it is answered the connect holds a handle of the budget; `abandon`
        // (cancel) aborts the future and gives the lab slot back.
        let loc = Loc::FtpConnect(conn.clone());
        if let Err(e) = self.add_pending_charged(id, loc, None, Some(abort), Charge::Connect) {
            self.budget.release_lab(&conn);
            return Err(e);
        }
        self.io.push(fut);
        Ok(Outcome::Later)
    }

    /// Registers request `id` as pending on connection `conn`.
    fn ftp_register(&mut self, id: u64, conn: &str) -> Result<(), ErrorBody> {
        if !self.ftp.contains_key(conn) {
            return Err(bad_handle(conn));
        }
        self.add_pending(id, Loc::Conn(conn.to_owned()), None, None)
    }

    /// `storbinary`/`storlines`: inline `data`, or `size` bytes that follow as
    /// binary frames.
    fn ftp_store(&mut self, id: u64, store: FtpStore, lines: bool) -> OpResult {
        let (left, inline) = match (store.data, store.size) {
            (Some(d), None) => (0, Some(Bytes::from(d.into_bytes()))),
            (None, Some(n)) => (n, None),
            (None, None) => return Err(bad_request(
                "give either `data` (inline bytes) or `size` (bytes that follow as binary frames)",
            )),
            (Some(_), Some(_)) => {
                return Err(bad_request("give either `data` or `size`, not both"))
            }
        };
        if let Some(b) = store.blocksize {
            check_blocksize(b)?;
        }
        // Inline bytes are buffered at once: they must fit the session's budget
        // (frames that follow `size` are held back by the WebSocket instead).
        let inline_len = inline.as_ref().map_or(0, Bytes::len);
        self.budget.check_bytes(self.out.bytes(), inline_len)?;
        self.ftp_register(id, &store.conn)?;
        let job = Job::Stor {
            cmd: store.cmd,
            rest: store.rest,
            lines,
        };
        self.drive(
            |s| &mut s.ftp,
            &store.conn,
            |c, fx| c.store(id, job, left, inline, fx),
        );
        Ok(Outcome::Later)
    }

    /// Applies the result of an FTP future.
    pub fn on_ftp(&mut self, done: FtpDone) {
        match done {
            FtpDone::Connected {
                conn,
                id,
                notes,
                result,
            } => {
                if self.take_pending(id).is_none() {
                    return;
                }
                for note in notes {
                    self.out.event(note.into_event(&conn));
                }
                match result {
                    Ok((ctrl, welcome)) => {
                        let policy = Arc::clone(&self.policy);
                        let c = FtpConn::new(conn.clone(), ctrl, welcome.clone(), policy);
                        self.ftp.insert(conn.clone(), c);
                        self.complete(id, Ok(OkBody::FtpConnect { conn, welcome }));
                    }
                    Err(e) => {
                        self.budget.release_lab(&conn);
                        self.complete(id, Err(e));
                    }
                }
            }
            FtpDone::Report { conn, report } => {
                self.drive(|s| &mut s.ftp, &conn, |c, fx| c.on_report(report, fx));
            }
        }
    }

    /// Request `id`, pending on `h`, was cancelled (and already answered).
    pub fn ftp_cancelled(&mut self, h: &str, id: u64) {
        self.drive(|s| &mut s.ftp, h, |c, fx| c.cancel(id, fx));
    }

    /// Forgets an `f…` handle (for `ftp.close` and the generic `close` op):
    /// pending requests on it answer `EBADF`, its buffered upload bytes are
    /// released.
    pub fn ftp_drop(&mut self, conn: &str) -> Result<(), ErrorBody> {
        self.drive(|s| &mut s.ftp, conn, FtpConn::close)
            .ok_or_else(|| bad_handle(conn))
    }

    /// A binary frame addressed to handle `h`: an upload's bytes when `h` is an
    /// FTP connection, else handed back.
    pub fn ftp_frame(&mut self, h: &str, payload: Bytes) -> Result<(), Bytes> {
        if !self.ftp.contains_key(h) {
            return Err(payload);
        }
        self.drive(|s| &mut s.ftp, h, |c, fx| c.frame(payload, fx));
        Ok(())
    }
}
