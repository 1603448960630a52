//! The `ftp.*` operations (Python `ftplib`) as methods on [`Session`].
//!
//! Each connection (`f1…`) performs its requests one at a time in arrival order,
//! as one Python thread calling ftplib would; `getwelcome`, `set_pasv` and
//! `set_debuglevel` wait their turn but need no I/O, `close` acts at once, and
//! `abort` acts at once on a transfer in its data phase (otherwise it is an
//! ordinary command). A request runs as a chain of futures (see `ftp/jobs.rs` and
//! `ftp/data.rs`): a control future that opens the transfer, one future per block
//! read or written on the data connection — so each block becomes an `ftp.block`
//! / `ftp.line` event or binary frame as it arrives, and the session's outbox high
//! water holds back the FTP server when the browser is slow — and a control future
//! for the final reply. Uploads with `size` take the client's binary frames, which
//! count in the session's piped bytes so the WebSocket is not read while they
//! wait. Every pending request has a cancel watcher (a future that reports when
//! `cancel` aborts it). Owns the glue between the session and `ftp/`; FTP
//! protocol rules live in `ftp/`.

use super::parse_timeout;
use crate::budget::Charge;
use crate::ftp::jobs::{self, Cmd, CtrlTask, Step};
use crate::ftp::reply::MAXLINE;
use crate::ftp::{
    Busy, FtpConn, FtpDone, Job, Note, Queued, RetrMode, Transfer, TransferKind, TransferSpec,
    Upload, DEFAULT_BLOCKSIZE, LINES_READ, MAX_BLOCKSIZE, MAX_NAMES, MAX_NAMES_BYTES,
};
use crate::io::{self, IoDone, IoFuture};
use crate::oserror::{bad_handle, bad_request, limit};
use crate::session::{Loc, Session};
use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use futures::FutureExt;
use shared::request::FtpStore;
use shared::{codes, Channel, Data, Dir, Encoding, Errno, ErrorBody, Event, OkBody, Op};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A future that reports `Cancelled` when its handle is aborted (by `cancel`)
/// and nothing when `done` is dropped (the request was answered).
fn watcher(conn: &str, id: u64) -> (IoFuture, AbortHandle, oneshot::Sender<()>) {
    let (tx, rx) = oneshot::channel::<()>();
    let (handle, reg) = AbortHandle::new_pair();
    let conn = conn.to_owned();
    let fut = Abortable::new(rx, reg)
        .map(move |r| match r {
            Err(_) => IoDone::Ftp(FtpDone::Cancelled { conn, id }),
            Ok(_) => IoDone::Aborted,
        })
        .boxed();
    (fut, handle, tx)
}

fn closed_err(h: &str) -> ErrorBody {
    ErrorBody::errno_with(
        Errno::EBADF,
        format!("Bad file descriptor ({h} was closed)"),
    )
}

fn store_transfer_kind(lines: bool) -> TransferKind {
    TransferKind::Stor {
        lines,
        partial: Vec::new(),
    }
}

/// ftplib's line ending rules for `storlines`: every line leaves as `…\r\n`.
fn crlf_line(mut line: Vec<u8>, out: &mut Vec<u8>) {
    if !line.ends_with(b"\r\n") {
        if matches!(line.last(), Some(b'\r' | b'\n')) {
            line.pop();
        }
        line.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&line);
}

fn too_long_line() -> ErrorBody {
    crate::ftp::reply::too_long("a data-channel line", MAXLINE)
}

impl Session {
    /// Performs one `ftp.*` op.
    pub fn op_ftp(&mut self, id: u64, op: Op) {
        let (conn, job) = match op {
            Op::FtpConnect {
                host,
                port,
                timeout,
            } => return self.ftp_connect(id, host, port.filter(|p| *p > 0).unwrap_or(21), timeout),
            Op::FtpClose { conn } => return self.ftp_close_op(id, &conn),
            Op::FtpAbort { conn } => return self.ftp_abort_op(id, &conn),
            Op::FtpStorbinary(s) => return self.ftp_store(id, s, false),
            Op::FtpStorlines(s) => return self.ftp_store(id, s, true),
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
                let blocksize = blocksize.unwrap_or(DEFAULT_BLOCKSIZE);
                if blocksize == 0 || blocksize > MAX_BLOCKSIZE {
                    return self.out.err(
                        id,
                        bad_request(format!(
                            "field `blocksize` must be from 1 to {MAX_BLOCKSIZE}, got {blocksize}"
                        )),
                    );
                }
                let mode = RetrMode::Binary { blocksize, frames };
                (conn, Job::Retr { cmd, rest, mode })
            }
            Op::FtpRetrlines { conn, cmd } => (
                conn,
                Job::Retr {
                    cmd,
                    rest: None,
                    mode: RetrMode::Lines,
                },
            ),
            Op::FtpDir { conn, args } => {
                let mut cmd = "LIST".to_owned();
                for a in args.iter().filter(|a| !a.is_empty()) {
                    cmd.push(' ');
                    cmd.push_str(a);
                }
                let mode = RetrMode::Lines;
                (
                    conn,
                    Job::Retr {
                        cmd,
                        rest: None,
                        mode,
                    },
                )
            }
            Op::FtpNlst { conn, args } => {
                let mut cmd = "NLST".to_owned();
                for a in &args {
                    cmd.push(' ');
                    cmd.push_str(a);
                }
                let mode = RetrMode::Names;
                (
                    conn,
                    Job::Retr {
                        cmd,
                        rest: None,
                        mode,
                    },
                )
            }
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
            _ => return self.out.err(id, bad_request("not an ftp.* op")),
        };
        self.ftp_enqueue(id, &conn, job);
    }

    fn ftp_connect(&mut self, id: u64, host: String, port: u16, timeout: Option<f64>) {
        let timeout = match parse_timeout(timeout) {
            Ok(t) => t,
            Err(e) => return self.out.err(id, e),
        };
        let lab = self.budget.lab_named(&host, port);
        let conn = match self.new_handle('f') {
            Ok(h) => h,
            Err(e) => return self.out.err(id, e),
        };
        if let Some(lab) = lab {
            if let Err(e) = self.budget.hold_lab(&conn, lab) {
                return self.out.err(id, e);
            }
        }
        let policy = Arc::clone(&self.relay.policy);
        let (fut, abort) =
            io::abortable(jobs::connect(conn.clone(), id, policy, host, port, timeout));
        // Until it is answered the connect holds a handle of the budget; `abandon`
        // (cancel) aborts the future and gives the lab slot back.
        let loc = Loc::FtpConnect(conn.clone());
        match self.add_pending_charged(id, loc, None, Some(abort), Charge::Connect) {
            Ok(()) => self.io.push(fut),
            Err(e) => {
                self.budget.release_lab(&conn);
                self.out.err(id, e)
            }
        }
    }

    /// Registers request `id` (with its cancel watcher) and queues it on `conn`.
    fn ftp_register(&mut self, id: u64, conn: &str) -> Result<oneshot::Sender<()>, ErrorBody> {
        if !self.ftp.contains_key(conn) {
            return Err(bad_handle(conn));
        }
        let (fut, abort, done) = watcher(conn, id);
        self.add_pending(id, Loc::Conn(conn.to_owned()), None, Some(abort))?;
        self.io.push(fut);
        Ok(done)
    }

    fn ftp_enqueue(&mut self, id: u64, conn: &str, job: Job) {
        let done = match self.ftp_register(id, conn) {
            Ok(d) => d,
            Err(e) => return self.out.err(id, e),
        };
        if let Some(c) = self.ftp.get_mut(conn) {
            c.queue.push_back(Queued { id, job, done });
        }
        self.ftp_next(conn);
    }

    fn ftp_store(&mut self, id: u64, s: FtpStore, lines: bool) {
        let (left, inline) = match (s.data, s.size) {
            (Some(d), None) => (0, Some(Bytes::from(d.into_bytes()))),
            (None, Some(n)) => (n, None),
            (None, None) => {
                return self.out.err(
                    id,
                    bad_request("give either `data` (inline bytes) or `size` (bytes that follow as binary frames)"),
                )
            }
            (Some(_), Some(_)) => {
                return self.out.err(
                    id,
                    bad_request("give either `data` or `size`, not both"),
                )
            }
        };
        if let Some(b) = s.blocksize {
            if b == 0 || b > MAX_BLOCKSIZE {
                return self.out.err(
                    id,
                    bad_request(format!(
                        "field `blocksize` must be from 1 to {MAX_BLOCKSIZE}, got {b}"
                    )),
                );
            }
        }
        // Inline bytes are buffered at once: they must fit the session's budget
        // (frames that follow `size` are held back by the WebSocket instead).
        let inline_len = inline.as_ref().map_or(0, Bytes::len);
        if let Err(e) = self.budget.check_bytes(self.out.bytes(), inline_len) {
            return self.out.err(id, e);
        }
        let done = match self.ftp_register(id, &s.conn) {
            Ok(d) => d,
            Err(e) => return self.out.err(id, e),
        };
        let mut upload = Upload {
            id,
            left,
            buf: Default::default(),
            buffered: 0,
            discard: false,
        };
        if let Some(b) = inline {
            if !b.is_empty() {
                upload.buffered = b.len();
                self.budget.hold_piped(b.len());
                upload.buf.push_back(b);
            }
        }
        if let Some(c) = self.ftp.get_mut(&s.conn) {
            c.uploads.push_back(upload);
            c.queue.push_back(Queued {
                id,
                job: Job::Stor {
                    cmd: s.cmd,
                    rest: s.rest,
                    lines,
                },
                done,
            });
        }
        self.ftp_next(&s.conn);
    }

    /// Starts queued requests until one has to wait.
    fn ftp_next(&mut self, conn: &str) {
        loop {
            let Some(c) = self.ftp.get_mut(conn) else {
                return;
            };
            if c.busy.is_some() {
                return;
            }
            let Some(q) = c.queue.pop_front() else {
                return;
            };
            if !self.pending.contains_key(&q.id) {
                self.ftp_upload_discard(conn, q.id);
                continue;
            }
            if let Some(why) = c.lost.clone() {
                self.take_pending(q.id);
                self.out.err(q.id, ErrorBody::errno_with(Errno::EBADF, why));
                self.ftp_upload_discard(conn, q.id);
                continue;
            }
            let passive = c.passive;
            let body = match q.job {
                Job::GetWelcome => OkBody::FtpWelcome {
                    welcome: c.welcome.clone(),
                },
                Job::SetPasv(v) => {
                    c.passive = v;
                    OkBody::Empty {}
                }
                Job::SetDebuglevel(l) => {
                    c.debug = l;
                    OkBody::Empty {}
                }
                Job::Cmd(cmd) => {
                    return self.ftp_start(conn, q.id, q.done, CtrlTask::Cmd(cmd), None);
                }
                Job::Retr { cmd, rest, mode } => {
                    let spec = TransferSpec {
                        binary: matches!(mode, RetrMode::Binary { .. }),
                        cmd,
                        rest,
                        passive,
                    };
                    let transfer = Transfer {
                        data: None,
                        bytes: 0,
                        kind: TransferKind::Retr {
                            mode,
                            partial: Vec::new(),
                            names: Vec::new(),
                            names_bytes: 0,
                        },
                    };
                    return self.ftp_start(
                        conn,
                        q.id,
                        q.done,
                        CtrlTask::Open(spec),
                        Some(transfer),
                    );
                }
                Job::Stor { cmd, rest, lines } => {
                    let spec = TransferSpec {
                        binary: !lines,
                        cmd,
                        rest,
                        passive,
                    };
                    let transfer = Transfer {
                        data: None,
                        bytes: 0,
                        kind: store_transfer_kind(lines),
                    };
                    return self.ftp_start(
                        conn,
                        q.id,
                        q.done,
                        CtrlTask::Open(spec),
                        Some(transfer),
                    );
                }
            };
            self.take_pending(q.id);
            self.out.ok(q.id, body);
        }
    }

    /// Makes `id` the busy request of `conn` and runs its first control task.
    fn ftp_start(
        &mut self,
        conn: &str,
        id: u64,
        done: oneshot::Sender<()>,
        task: CtrlTask,
        transfer: Option<Transfer>,
    ) {
        if let Some(c) = self.ftp.get_mut(conn) {
            c.busy = Some(Busy {
                id,
                done,
                fut: None,
                ctrl_busy: false,
                transfer,
                abort: None,
                cancelled: false,
            });
        }
        self.ftp_run_ctrl(conn, task);
    }

    /// Runs a control task for the busy request of `conn`.
    fn ftp_run_ctrl(&mut self, conn: &str, task: CtrlTask) {
        let policy = Arc::clone(&self.relay.policy);
        let Some(c) = self.ftp.get_mut(conn) else {
            return;
        };
        let (Some(busy), Some(ctrl)) = (c.busy.as_mut(), c.ctrl.take()) else {
            return;
        };
        let (fut, abort) = io::abortable(jobs::run(conn.to_owned(), busy.id, ctrl, task, policy));
        busy.fut = Some(abort);
        busy.ctrl_busy = true;
        self.io.push(fut);
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
                self.ftp_emit_notes(&conn, true, notes);
                match result {
                    Ok((ctrl, welcome)) => {
                        self.ftp
                            .insert(conn.clone(), FtpConn::new(ctrl, welcome.clone()));
                        self.out.ok(id, OkBody::FtpConnect { conn, welcome });
                    }
                    Err(e) => {
                        self.budget.release_lab(&conn);
                        self.out.err(id, e)
                    }
                }
            }
            FtpDone::Ctrl {
                conn,
                id,
                ctrl,
                notes,
                result,
            } => self.on_ftp_ctrl(&conn, id, ctrl, notes, result),
            FtpDone::Read { conn, data, result } => self.on_ftp_read(&conn, data, result),
            FtpDone::Wrote {
                conn,
                data,
                n,
                result,
            } => self.on_ftp_wrote(&conn, data, n, result),
            FtpDone::Cancelled { conn, id } => self.on_ftp_cancelled(&conn, id),
        }
    }

    fn ftp_emit_notes(&mut self, conn: &str, show: bool, notes: Vec<Note>) {
        if !show {
            return;
        }
        for n in notes {
            self.out.event(Event::Wire {
                handle: conn.to_owned(),
                channel: n.channel,
                dir: n.dir,
                data: Data::from_bytes(n.bytes, Encoding::Text),
            });
        }
    }

    /// A `wire` event for the data channel (open, byte counts, close).
    fn ftp_data_note(&mut self, conn: &str, dir: Dir, text: String) {
        let show = self.ftp.get(conn).is_some_and(|c| c.debug > 0);
        if show {
            self.out.event(Event::Wire {
                handle: conn.to_owned(),
                channel: Channel::Data,
                dir,
                data: Data::Text(text),
            });
        }
    }

    fn on_ftp_ctrl(
        &mut self,
        conn: &str,
        id: u64,
        ctrl: crate::ftp::Control,
        notes: Vec<Note>,
        result: Result<Step, ErrorBody>,
    ) {
        let Some(c) = self.ftp.get_mut(conn) else {
            return;
        };
        if c.busy.as_ref().map(|b| b.id) != Some(id) {
            return;
        }
        c.ctrl = Some(ctrl);
        let show = c.debug > 0;
        if let Some(b) = c.busy.as_mut() {
            b.fut = None;
            b.ctrl_busy = false;
        }
        self.ftp_emit_notes(conn, show, notes);
        match result {
            Err(e) => self.ftp_finish(conn, Err(e)),
            Ok(Step::Done(body)) => self.ftp_finish(conn, Ok(body)),
            Ok(Step::Quit(body)) => {
                self.ftp_finish(conn, Ok(body));
                if let Some(c) = self.ftp.remove(conn) {
                    self.ftp_teardown(conn, c);
                }
            }
            Ok(Step::Ready { data, size }) => {
                if let Some(size) = size {
                    self.ftp_data_note(conn, Dir::In, format!("{size} bytes announced"));
                }
                let abort_now = match self.ftp.get_mut(conn).and_then(|c| c.busy.as_mut()) {
                    Some(b) => {
                        if let Some(t) = b.transfer.as_mut() {
                            t.data = Some(data);
                        }
                        b.abort.is_some() || b.cancelled
                    }
                    None => false,
                };
                if abort_now {
                    self.ftp_abort_data(conn);
                } else {
                    self.ftp_pump(conn);
                }
            }
            Ok(Step::Final(reply)) => {
                let body = self.ftp_transfer_body(conn, reply);
                self.ftp_finish(conn, Ok(body));
            }
            Ok(Step::Aborted { abort, transfer }) => {
                let waiting = self
                    .ftp
                    .get_mut(conn)
                    .and_then(|c| c.busy.as_mut())
                    .and_then(|b| b.abort.take());
                if let Some((aid, _done)) = waiting {
                    if self.take_pending(aid).is_some() {
                        match abort {
                            Ok(reply) => self.out.ok(aid, OkBody::FtpReply { reply }),
                            Err(e) => self.out.err(aid, e),
                        }
                    }
                }
                let result = transfer.map(|reply| self.ftp_transfer_body(conn, reply));
                self.ftp_finish(conn, result);
            }
        }
    }

    /// The `ok` body of a finished transfer.
    fn ftp_transfer_body(&mut self, conn: &str, reply: String) -> OkBody {
        let transfer = self
            .ftp
            .get_mut(conn)
            .and_then(|c| c.busy.as_mut())
            .and_then(|b| b.transfer.as_mut());
        match transfer {
            Some(Transfer {
                bytes,
                kind: TransferKind::Retr { mode, names, .. },
                ..
            }) => match mode {
                RetrMode::Binary { .. } => OkBody::FtpTransfer {
                    reply,
                    bytes: *bytes,
                },
                RetrMode::Lines => OkBody::FtpReply { reply },
                RetrMode::Names => OkBody::FtpNames {
                    names: std::mem::take(names),
                },
            },
            Some(Transfer { bytes, .. }) => OkBody::FtpTransfer {
                reply,
                bytes: *bytes,
            },
            None => OkBody::FtpReply { reply },
        }
    }

    /// Answers the busy request of `conn` and starts the next one.
    fn ftp_finish(&mut self, conn: &str, result: Result<OkBody, ErrorBody>) {
        let Some(c) = self.ftp.get_mut(conn) else {
            return;
        };
        let Some(busy) = c.busy.take() else {
            return;
        };
        if let Some(t) = busy.transfer {
            if let Some(data) = t.data {
                drop(data);
                self.ftp_data_note(conn, Dir::In, format!("close after {} bytes", t.bytes));
            }
        }
        // Ends the request's cancel watcher.
        drop(busy.done);
        if !busy.cancelled && self.take_pending(busy.id).is_some() {
            match result {
                Ok(body) => self.out.ok(busy.id, body),
                Err(e) => self.out.err(busy.id, e),
            }
        }
        self.ftp_upload_discard(conn, busy.id);
        // An `abort` that found no data phase to stop is an ordinary command now.
        if let Some((aid, done)) = busy.abort {
            if let Some(c) = self.ftp.get_mut(conn) {
                c.queue.push_front(Queued {
                    id: aid,
                    job: Job::Cmd(Cmd::Abort),
                    done,
                });
            }
        }
        self.ftp_next(conn);
    }

    /// Runs the next data-phase step of the busy transfer: a read, a write, or
    /// the end of an upload.
    fn ftp_pump(&mut self, conn: &str) {
        loop {
            let Some(c) = self.ftp.get_mut(conn) else {
                return;
            };
            let Some(busy) = c.busy.as_mut() else {
                return;
            };
            let id = busy.id;
            let Some(t) = busy.transfer.as_mut() else {
                return;
            };
            if busy.fut.is_some() || busy.ctrl_busy {
                return;
            }
            let Some(mut data) = t.data.take() else {
                return;
            };
            match &mut t.kind {
                TransferKind::Retr { mode, .. } => {
                    let max = match mode {
                        RetrMode::Binary { blocksize, .. } => *blocksize,
                        _ => LINES_READ,
                    };
                    let name = conn.to_owned();
                    let (fut, abort) = io::abortable(async move {
                        let result = data.read(max).await;
                        IoDone::Ftp(FtpDone::Read {
                            conn: name,
                            data,
                            result,
                        })
                    });
                    busy.fut = Some(abort);
                    self.io.push(fut);
                    return;
                }
                TransferKind::Stor { lines, partial } => {
                    let Some(up) = c.uploads.iter_mut().find(|u| u.id == id) else {
                        t.data = Some(data);
                        return;
                    };
                    if let Some(chunk) = up.buf.pop_front() {
                        up.buffered -= chunk.len();
                        self.budget.release_piped(chunk.len());
                        let out = if *lines {
                            let mut out = Vec::new();
                            for line in crate::ftp::lines::take_lines(partial, &chunk) {
                                if line.len() > MAXLINE {
                                    t.data = Some(data);
                                    return self.ftp_finish(conn, Err(too_long_line()));
                                }
                                crlf_line(line, &mut out);
                            }
                            if partial.len() > MAXLINE {
                                t.data = Some(data);
                                return self.ftp_finish(conn, Err(too_long_line()));
                            }
                            Bytes::from(out)
                        } else {
                            chunk
                        };
                        if out.is_empty() {
                            t.data = Some(data);
                            continue;
                        }
                        let name = conn.to_owned();
                        let (fut, abort) = io::abortable(async move {
                            let n = out.len();
                            let result = data.write_all(&out).await;
                            IoDone::Ftp(FtpDone::Wrote {
                                conn: name,
                                data,
                                n,
                                result,
                            })
                        });
                        busy.fut = Some(abort);
                        self.io.push(fut);
                        return;
                    }
                    if up.left > 0 {
                        // Waiting for the client's frames.
                        t.data = Some(data);
                        return;
                    }
                    // Everything was written: a last unterminated line, then the end.
                    if *lines && !partial.is_empty() {
                        let mut out = Vec::new();
                        crlf_line(std::mem::take(partial), &mut out);
                        up.buf.push_back(Bytes::from(out.clone()));
                        up.buffered += out.len();
                        self.budget.hold_piped(out.len());
                        t.data = Some(data);
                        // The pushed bytes are already CRLF-terminated.
                        *lines = false;
                        continue;
                    }
                    let bytes = t.bytes;
                    self.ftp_data_note(conn, Dir::Out, format!("close after {bytes} bytes"));
                    self.ftp_run_ctrl(conn, CtrlTask::Finish(Some(data)));
                    return;
                }
            }
        }
    }

    fn on_ftp_read(
        &mut self,
        conn: &str,
        data: crate::ftp::DataConn,
        result: Result<Bytes, ErrorBody>,
    ) {
        let Some(busy) = self.ftp.get_mut(conn).and_then(|c| c.busy.as_mut()) else {
            return;
        };
        busy.fut = None;
        let abort_wanted = busy.abort.is_some() || busy.cancelled;
        let Some(t) = busy.transfer.as_mut() else {
            return;
        };
        let chunk = match result {
            Err(e) => {
                // Python leaves the `with` block by the exception: the data
                // connection closes and no final reply is read.
                let bytes = t.bytes;
                drop(data);
                self.ftp_data_note(
                    conn,
                    Dir::In,
                    format!("close after {bytes} bytes ({})", e.message),
                );
                return self.ftp_finish(conn, Err(e));
            }
            Ok(b) => b,
        };
        if chunk.is_empty() {
            let bytes = t.bytes;
            let mut last = None;
            if let TransferKind::Retr { partial, .. } = &mut t.kind {
                if !partial.is_empty() {
                    last = Some(std::mem::take(partial));
                }
            }
            drop(data);
            if let Some(line) = last {
                if let Err(e) = self.ftp_line(conn, line) {
                    return self.ftp_finish(conn, Err(e));
                }
            }
            self.ftp_data_note(conn, Dir::In, format!("close after {bytes} bytes"));
            return self.ftp_run_ctrl(conn, CtrlTask::Finish(None));
        }
        t.bytes += chunk.len() as u64;
        t.data = Some(data);
        let n = chunk.len();
        let TransferKind::Retr { mode, partial, .. } = &mut t.kind else {
            return;
        };
        let mode = *mode;
        let mut lines = Vec::new();
        let mut too_long = false;
        if !matches!(mode, RetrMode::Binary { .. }) {
            for line in crate::ftp::lines::take_lines(partial, &chunk) {
                too_long |= line.len() > MAXLINE;
                lines.push(line);
            }
            too_long |= partial.len() > MAXLINE;
        }
        self.ftp_data_note(conn, Dir::In, format!("{n} bytes"));
        match mode {
            RetrMode::Binary { frames: true, .. } => {
                self.out
                    .binary(Bytes::from(shared::binary::encode(conn, &chunk)));
            }
            RetrMode::Binary { frames: false, .. } => {
                self.out.event(Event::FtpBlock {
                    conn: conn.to_owned(),
                    data: Data::from_bytes(chunk.to_vec(), Encoding::Text),
                });
            }
            _ => {
                if too_long {
                    return self.ftp_finish(conn, Err(too_long_line()));
                }
                for line in lines {
                    if let Err(e) = self.ftp_line(conn, line) {
                        return self.ftp_finish(conn, Err(e));
                    }
                }
            }
        }
        if abort_wanted {
            self.ftp_abort_data(conn);
        } else {
            self.ftp_pump(conn);
        }
    }

    /// One line of `retrlines`/`dir`/`nlst`: an `ftp.line` event (and a name).
    fn ftp_line(&mut self, conn: &str, mut line: Vec<u8>) -> Result<(), ErrorBody> {
        if line.ends_with(b"\n") {
            line.pop();
        }
        if line.ends_with(b"\r") {
            line.pop();
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        if let Some(TransferKind::Retr {
            mode: RetrMode::Names,
            names,
            names_bytes,
            ..
        }) = self
            .ftp
            .get_mut(conn)
            .and_then(|c| c.busy.as_mut())
            .and_then(|b| b.transfer.as_mut())
            .map(|t| &mut t.kind)
        {
            *names_bytes += line.len();
            if names.len() >= MAX_NAMES || *names_bytes > MAX_NAMES_BYTES {
                return Err(limit(format!(
                    "nlst returned more than {MAX_NAMES} names or {MAX_NAMES_BYTES} bytes; list a smaller directory"
                )));
            }
            names.push(line.clone());
        }
        self.out.event(Event::FtpLine {
            conn: conn.to_owned(),
            line,
        });
        Ok(())
    }

    fn on_ftp_wrote(
        &mut self,
        conn: &str,
        data: crate::ftp::DataConn,
        n: usize,
        result: Result<(), ErrorBody>,
    ) {
        let Some(busy) = self.ftp.get_mut(conn).and_then(|c| c.busy.as_mut()) else {
            return;
        };
        busy.fut = None;
        let abort_wanted = busy.abort.is_some() || busy.cancelled;
        let Some(t) = busy.transfer.as_mut() else {
            return;
        };
        if let Err(e) = result {
            let bytes = t.bytes;
            drop(data);
            self.ftp_data_note(
                conn,
                Dir::Out,
                format!("close after {bytes} bytes ({})", e.message),
            );
            return self.ftp_finish(conn, Err(e));
        }
        t.bytes += n as u64;
        t.data = Some(data);
        self.ftp_data_note(conn, Dir::Out, format!("{n} bytes"));
        if abort_wanted {
            self.ftp_abort_data(conn);
        } else {
            self.ftp_pump(conn);
        }
    }

    /// Stops the busy transfer's data phase (closing the data connection) and sends
    /// `ABOR`.
    fn ftp_abort_data(&mut self, conn: &str) {
        let Some(busy) = self.ftp.get_mut(conn).and_then(|c| c.busy.as_mut()) else {
            return;
        };
        if busy.ctrl_busy {
            // Setup or final reply still running: the abort waits for it.
            return;
        }
        if let Some(f) = busy.fut.take() {
            f.abort();
        }
        let Some(t) = busy.transfer.as_mut() else {
            return;
        };
        let bytes = t.bytes;
        let dir = match t.kind {
            TransferKind::Retr { .. } => Dir::In,
            TransferKind::Stor { .. } => Dir::Out,
        };
        t.data = None;
        self.ftp_data_note(conn, dir, format!("close after {bytes} bytes (aborted)"));
        self.ftp_run_ctrl(conn, CtrlTask::AbortTransfer);
    }

    fn on_ftp_cancelled(&mut self, conn: &str, id: u64) {
        let Some(c) = self.ftp.get_mut(conn) else {
            return;
        };
        if let Some(i) = c.queue.iter().position(|q| q.id == id) {
            c.queue.remove(i);
            self.ftp_upload_discard(conn, id);
            return;
        }
        let Some(busy) = c.busy.as_mut() else {
            return;
        };
        if busy.abort.as_ref().is_some_and(|(aid, _)| *aid == id) {
            busy.abort = None;
            return;
        }
        if busy.id != id {
            return;
        }
        busy.cancelled = true;
        if busy.ctrl_busy {
            // The control connection is in the middle of a command: its state is
            // unknown, so it is dropped (as a Python program interrupted there
            // would have to).
            if let Some(f) = busy.fut.take() {
                f.abort();
            }
            c.lost = Some(format!(
                "Bad file descriptor ({conn} lost its control connection when request {id} was cancelled; close it and connect again)"
            ));
            self.ftp_finish(conn, Err(closed_err(conn)));
        } else if busy.transfer.is_some() {
            self.ftp_upload_discard(conn, id);
            self.ftp_abort_data(conn);
        }
    }

    /// Drops the upload slot of request `id`: buffered bytes are released and
    /// frames still due are discarded on arrival.
    fn ftp_upload_discard(&mut self, conn: &str, id: u64) {
        let Some(c) = self.ftp.get_mut(conn) else {
            return;
        };
        let Some(i) = c.uploads.iter().position(|u| u.id == id) else {
            return;
        };
        let Some(up) = c.uploads.get_mut(i) else {
            return;
        };
        self.budget.release_piped(up.buffered);
        up.buffered = 0;
        up.buf.clear();
        up.discard = true;
        if up.left == 0 {
            c.uploads.remove(i);
        }
    }

    /// `ftp.abort`: at once on a running transfer, otherwise an ordinary command.
    fn ftp_abort_op(&mut self, id: u64, conn: &str) {
        let transferring = self
            .ftp
            .get(conn)
            .and_then(|c| c.busy.as_ref())
            .is_some_and(|b| b.transfer.is_some() && b.abort.is_none() && !b.cancelled);
        if !transferring {
            return self.ftp_enqueue(id, conn, Job::Cmd(Cmd::Abort));
        }
        let done = match self.ftp_register(id, conn) {
            Ok(d) => d,
            Err(e) => return self.out.err(id, e),
        };
        if let Some(b) = self.ftp.get_mut(conn).and_then(|c| c.busy.as_mut()) {
            b.abort = Some((id, done));
        }
        self.ftp_abort_data(conn);
    }

    /// `ftp.close`: at once; pending requests on the connection reply `EBADF`.
    fn ftp_close_op(&mut self, id: u64, conn: &str) {
        match self.ftp_drop(conn) {
            Ok(()) => self.out.empty_ok(id),
            Err(e) => self.out.err(id, e),
        }
    }

    /// Forgets an `f…` handle (for `ftp.close` and the generic `close` op).
    pub fn ftp_drop(&mut self, conn: &str) -> Result<(), ErrorBody> {
        let c = self.ftp.remove(conn).ok_or_else(|| bad_handle(conn))?;
        self.ftp_teardown(conn, c);
        Ok(())
    }

    /// Ends a removed connection: stops its futures, answers its requests with
    /// `EBADF`, releases its buffered upload bytes.
    fn ftp_teardown(&mut self, conn: &str, mut c: FtpConn) {
        self.budget.release_lab(conn);
        let mut ids: Vec<u64> = c.queue.drain(..).map(|q| q.id).collect();
        if let Some(b) = c.busy.take() {
            if let Some(f) = b.fut {
                f.abort();
            }
            if !b.cancelled {
                ids.push(b.id);
            }
            if let Some((aid, _)) = b.abort {
                ids.push(aid);
            }
        }
        for pid in ids {
            if self.take_pending(pid).is_some() {
                self.out.err(pid, closed_err(conn));
            }
        }
        for up in c.uploads.drain(..) {
            self.budget.release_piped(up.buffered);
        }
    }

    /// A binary frame addressed to an FTP handle (an upload's bytes).
    pub fn ftp_frame(&mut self, h: &str, mut payload: Bytes) {
        let Some(c) = self.ftp.get_mut(h) else {
            return self.out.event(Event::Error {
                code: codes::BAD_REQUEST.into(),
                message: format!("binary frame for {h}, which is not an open FTP connection"),
            });
        };
        let busy_id = c.busy.as_ref().map(|b| b.id);
        let mut added = 0;
        while !payload.is_empty() {
            let Some(up) = c.uploads.iter_mut().find(|u| u.left > 0) else {
                self.budget.hold_piped(added);
                return self.out.event(Event::Error {
                    code: codes::BAD_REQUEST.into(),
                    message: format!(
                        "binary frame for {h}, which has no upload waiting for bytes (send exactly `size` bytes after ftp.storbinary/storlines)"
                    ),
                });
            };
            let take = payload
                .len()
                .min(usize::try_from(up.left).unwrap_or(usize::MAX));
            let part = payload.split_to(take);
            up.left -= take as u64;
            if !up.discard {
                up.buffered += part.len();
                added += part.len();
                up.buf.push_back(part);
            }
        }
        c.uploads.retain(|u| !(u.discard && u.left == 0));
        self.budget.hold_piped(added);
        if busy_id.is_some() {
            self.ftp_pump(h);
        }
    }
}
