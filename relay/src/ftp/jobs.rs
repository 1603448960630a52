//! The ftplib methods that run on the control channel, as futures a session polls:
//! connecting (welcome), `login`, `sendcmd`/`voidcmd`, `rename`, `delete`, `size`,
//! `cwd`, `mkd`, `rmd`, `pwd`, `abort`, `quit`, and the control-channel halves of a
//! transfer (open it; read its final reply; abort it).
//!
//! Each future takes the [`Control`] by value and hands it back in its [`FtpDone`]
//! with the notes it recorded; it never touches the connection's state (the
//! engine, `conn.rs`, owns ordering, replies and events).

use super::control::{Control, Note};
use super::data::{open_transfer, DataConn, TransferSpec};
use super::reply::{self, parse257};
use super::{FtpDone, Report};
use crate::io::{with_timeout, IoDone};
use crate::oserror::from_io;
use crate::policy::Policy;
use crate::resolve::{self, Purpose};
use shared::{ErrorBody, Family, OkBody};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// A control-channel-only ftplib method.
#[derive(Debug)]
pub enum Cmd {
    Login {
        user: String,
        passwd: String,
        acct: String,
    },
    Sendcmd(String),
    Voidcmd(String),
    Rename {
        from: String,
        to: String,
    },
    Delete(String),
    Size(String),
    Cwd(String),
    Mkd(String),
    Rmd(String),
    Pwd,
    Abort,
    Quit,
}

/// What a control future does.
pub enum CtrlTask {
    Cmd(Cmd),
    /// `TYPE`, `PASV`/`PORT`, `REST`, the transfer command: opens the data connection.
    Open(TransferSpec),
    /// Closes the data connection (uploads: FIN after the last byte), then
    /// `voidresp`.
    Finish(Option<DataConn>),
    /// `ABOR` during the data phase: the abort's reply, then the transfer's.
    AbortTransfer,
}

/// A control future's result.
pub enum Step {
    /// A finished command and its `ok` body.
    Done(OkBody),
    /// `quit` succeeded: the connection is to be closed.
    Quit(OkBody),
    /// The data connection is open.
    Ready { data: DataConn, size: Option<u64> },
    /// The transfer's final reply.
    Final(String),
    /// `ABOR` during a transfer.
    Aborted {
        abort: Result<String, ErrorBody>,
        transfer: Result<String, ErrorBody>,
    },
}

/// `FTP.connect`: resolve (policy-checked), connect, read the welcome.
pub async fn connect(
    conn: String,
    id: u64,
    policy: Arc<Policy>,
    host: String,
    port: u16,
    timeout: Option<Duration>,
) -> IoDone {
    let mut notes = Vec::new();
    let result = async {
        let family = if host.trim_start_matches('[').contains(':') {
            Family::AfInet6
        } else {
            Family::AfInet
        };
        let addr = resolve::resolve(&policy, Purpose::Connect, family, &host, port).await?;
        let stream = with_timeout(timeout, async {
            TcpStream::connect(addr).await.map_err(|e| from_io(&e))
        })
        .await?;
        let mut ctrl = Control::new(stream, timeout)?;
        let welcome = ctrl.getresp().await;
        notes = ctrl.take_notes();
        Ok((ctrl, welcome?))
    }
    .await;
    IoDone::Ftp(FtpDone::Connected {
        conn,
        id,
        notes,
        result,
    })
}

/// Runs one control task and hands the connection back.
pub async fn run(
    conn: String,
    id: u64,
    mut ctrl: Control,
    task: CtrlTask,
    policy: Arc<Policy>,
) -> IoDone {
    let result = match task {
        CtrlTask::Cmd(cmd) => run_cmd(&mut ctrl, cmd).await,
        CtrlTask::Open(spec) => open_transfer(&mut ctrl, &spec, &policy)
            .await
            .map(|(data, size)| Step::Ready { data, size }),
        CtrlTask::Finish(data) => {
            if let Some(d) = data {
                d.close().await;
            }
            ctrl.voidresp().await.map(Step::Final)
        }
        CtrlTask::AbortTransfer => Ok(abort_transfer(&mut ctrl).await),
    };
    let notes: Vec<Note> = ctrl.take_notes();
    IoDone::Ftp(FtpDone::Report {
        conn,
        report: Report::Control {
            id,
            ctrl,
            notes,
            result,
        },
    })
}

fn reply_body(reply: String) -> OkBody {
    OkBody::FtpReply { reply }
}

async fn run_cmd(ctrl: &mut Control, cmd: Cmd) -> Result<Step, ErrorBody> {
    let body = match cmd {
        Cmd::Login { user, passwd, acct } => {
            let user = if user.is_empty() {
                "anonymous".to_owned()
            } else {
                user
            };
            let passwd = if user == "anonymous" && (passwd.is_empty() || passwd == "-") {
                format!("{passwd}anonymous@")
            } else {
                passwd
            };
            let mut resp = ctrl.sendcmd(&format!("USER {user}")).await?;
            if resp.starts_with('3') {
                resp = ctrl.sendcmd(&format!("PASS {passwd}")).await?;
            }
            if resp.starts_with('3') {
                resp = ctrl.sendcmd(&format!("ACCT {acct}")).await?;
            }
            if !resp.starts_with('2') {
                return Err(reply::error_reply(&resp));
            }
            reply_body(resp)
        }
        Cmd::Sendcmd(c) => reply_body(ctrl.sendcmd(&c).await?),
        Cmd::Voidcmd(c) => reply_body(ctrl.voidcmd(&c).await?),
        Cmd::Rename { from, to } => {
            let resp = ctrl.sendcmd(&format!("RNFR {from}")).await?;
            if !resp.starts_with('3') {
                return Err(reply::error_reply(&resp));
            }
            reply_body(ctrl.voidcmd(&format!("RNTO {to}")).await?)
        }
        Cmd::Delete(name) => {
            let resp = ctrl.sendcmd(&format!("DELE {name}")).await?;
            if !matches!(reply::code(&resp), "250" | "200") {
                return Err(reply::error_reply(&resp));
            }
            reply_body(resp)
        }
        Cmd::Size(name) => {
            let resp = ctrl.sendcmd(&format!("SIZE {name}")).await?;
            if reply::code(&resp) == "213" {
                // `code` is three ASCII digits, so byte 3 is character 3.
                let number = resp.get(3..).unwrap_or_default().trim();
                match number.parse::<u64>() {
                    Ok(size) => OkBody::FtpSize { reply: resp, size },
                    // Python's int() raises ValueError here.
                    Err(_) => return Err(reply::error_proto(&resp)),
                }
            } else {
                reply_body(resp)
            }
        }
        Cmd::Cwd(dirname) => {
            if dirname == ".." {
                match ctrl.voidcmd("CDUP").await {
                    Err(e)
                        if e.code == "ftp.error_perm"
                            && e.reply.as_deref().is_some_and(|r| r.starts_with("500")) => {}
                    r => return r.map(|resp| Step::Done(reply_body(resp))),
                }
            }
            let dirname = if dirname.is_empty() {
                ".".to_owned()
            } else {
                dirname
            };
            reply_body(ctrl.voidcmd(&format!("CWD {dirname}")).await?)
        }
        Cmd::Mkd(dirname) => {
            let resp = ctrl.voidcmd(&format!("MKD {dirname}")).await?;
            let path = if resp.starts_with("257") {
                parse257(&resp)?
            } else {
                String::new()
            };
            OkBody::FtpPath { reply: resp, path }
        }
        Cmd::Rmd(dirname) => reply_body(ctrl.voidcmd(&format!("RMD {dirname}")).await?),
        Cmd::Pwd => {
            let resp = ctrl.voidcmd("PWD").await?;
            let path = if resp.starts_with("257") {
                parse257(&resp)?
            } else {
                String::new()
            };
            OkBody::FtpPath { reply: resp, path }
        }
        Cmd::Abort => reply_body(abort_reply(ctrl).await?),
        Cmd::Quit => return Ok(Step::Quit(reply_body(ctrl.voidcmd("QUIT").await?))),
    };
    Ok(Step::Done(body))
}

/// `abort()`: `ABOR`, then one reply that must be 426, 225 or 226.
async fn abort_reply(ctrl: &mut Control) -> Result<String, ErrorBody> {
    ctrl.putline("ABOR").await?;
    let resp = ctrl.getmultiline().await?;
    if matches!(reply::code(&resp), "426" | "225" | "226") {
        Ok(resp)
    } else {
        Err(reply::error_proto(&resp))
    }
}

/// `abort()` called while a transfer runs (its data connection is already
/// closed): the first reply answers `abort()`, the next one ends the transfer, as
/// in a Python program whose callback calls `ftp.abort()`.
async fn abort_transfer(ctrl: &mut Control) -> Step {
    let abort = abort_reply(ctrl).await;
    let transfer = match &abort {
        Err(e) if e.reply.is_none() => Err(e.clone()),
        _ => ctrl.voidresp().await,
    };
    Step::Aborted { abort, transfer }
}
