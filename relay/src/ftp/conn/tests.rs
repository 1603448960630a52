//! The FTP engine's phase moves against a scripted FTP server on loopback: the
//! engine is driven as the session drives it (calls, cancels, reports of the
//! futures it asked to run), with the effects collected instead of applied.

use super::*;
use crate::engines::Effect;
use crate::ftp::FtpDone;
use crate::io::{IoDone, IoFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A tiny FTP server: one control connection, fixed answers, one passive data
/// connection that sends `hello` and stays open until `ABOR`. Records the
/// commands it got.
async fn fake_server(seen: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = stream.into_split();
        let mut lines = BufReader::new(rd).lines();
        wr.write_all(b"220 fake\r\n").await.unwrap();
        let mut pasv: Option<TcpListener> = None;
        let mut data: Option<TcpStream> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            seen.lock().unwrap().push(line.clone());
            let reply = match line.as_str() {
                "TYPE I" | "TYPE A" => "200 type".to_owned(),
                "PASV" => {
                    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let p = l.local_addr().unwrap().port();
                    pasv = Some(l);
                    format!(
                        "227 Entering Passive Mode (127,0,0,1,{},{})",
                        p >> 8,
                        p & 255
                    )
                }
                "RETR big" => {
                    let (mut d, _) = pasv.take().unwrap().accept().await.unwrap();
                    d.write_all(b"hello").await.unwrap();
                    data = Some(d);
                    "150 here it comes".to_owned()
                }
                "ABOR" => match data.take() {
                    Some(_) => "426 aborted\r\n226 abort done".to_owned(),
                    None => "225 no transfer".to_owned(),
                },
                "PWD" => "257 \"/\"".to_owned(),
                "QUIT" => "221 bye".to_owned(),
                _ => "500 ?".to_owned(),
            };
            wr.write_all(format!("{reply}\r\n").as_bytes())
                .await
                .unwrap();
        }
        drop(data);
    });
    port
}

/// An engine, the futures it asked to run and what it answered.
struct Harness {
    conn: FtpConn,
    io: FuturesUnordered<IoFuture>,
    answers: Vec<(u64, Result<OkBody, ErrorBody>)>,
    events: Vec<Event>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Harness {
    async fn connect() -> Harness {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let port = fake_server(Arc::clone(&seen)).await;
        let policy = Arc::new(Policy::new(vec![], vec![], None));
        let timeout = Some(Duration::from_secs(5));
        let done = jobs::connect(
            "f1".into(),
            1,
            Arc::clone(&policy),
            "127.0.0.1".into(),
            port,
            timeout,
        )
        .await;
        let IoDone::Ftp(FtpDone::Connected {
            result: Ok((ctrl, welcome)),
            ..
        }) = done
        else {
            panic!("the fake server did not welcome us");
        };
        Harness {
            conn: FtpConn::new("f1".into(), ctrl, welcome, policy),
            io: FuturesUnordered::new(),
            answers: Vec::new(),
            events: Vec::new(),
            seen,
        }
    }

    fn with(&mut self, f: impl FnOnce(&mut FtpConn, &mut Effects)) {
        let mut fx = Effects::default();
        f(&mut self.conn, &mut fx);
        for effect in fx.into_vec() {
            match effect {
                Effect::Answer(id, r) => self.answers.push((id, r)),
                Effect::Event(e) => self.events.push(e),
                Effect::Binary(_) => {}
                Effect::Run(fut) => self.io.push(fut),
            }
        }
    }

    /// Applies the next report of a future; `false` when none is left.
    async fn step(&mut self) -> bool {
        let next = tokio::time::timeout(Duration::from_secs(5), self.io.next());
        match next.await.expect("a future hung") {
            None => false,
            Some(IoDone::Ftp(FtpDone::Report { report, .. })) => {
                self.with(|c, fx| c.on_report(report, fx));
                true
            }
            Some(_) => true,
        }
    }

    /// Runs the futures until none is left.
    async fn settle(&mut self) {
        while self.step().await {}
    }

    fn answer(&self, id: u64) -> &Result<OkBody, ErrorBody> {
        let mut found = self.answers.iter().filter(|(a, _)| *a == id);
        let (_, r) = found.next().unwrap_or_else(|| panic!("{id} unanswered"));
        assert!(found.next().is_none(), "{id} answered twice");
        r
    }

    fn reply(&self, id: u64) -> String {
        match self.answer(id) {
            Ok(OkBody::FtpReply { reply }) => reply.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    fn answered_pwd(&self, id: u64) -> bool {
        matches!(self.answer(id), Ok(OkBody::FtpPath { path, .. }) if path == "/")
    }

    fn kind(&self) -> PhaseKind {
        self.conn.phase.kind()
    }
}

fn pwd() -> Job {
    Job::Cmd(Cmd::Pwd)
}

fn retr() -> Job {
    Job::Retr {
        cmd: "RETR big".into(),
        rest: None,
        mode: RetrMode::Binary {
            blocksize: 1024,
            frames: false,
        },
    }
}

#[tokio::test]
async fn calls_run_in_turn_and_the_ones_without_io_wait_theirs() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, pwd(), fx));
    assert_eq!(h.kind(), PhaseKind::Command);
    h.with(|c, fx| c.call(3, Job::GetWelcome, fx));
    assert!(h.answers.is_empty(), "getwelcome waits for pwd");
    h.settle().await;
    assert_eq!(h.kind(), PhaseKind::Idle);
    assert_eq!(h.answers.first().map(|a| a.0), Some(2));
    assert!(matches!(h.answer(3), Ok(OkBody::FtpWelcome { welcome }) if welcome == "220 fake"));
}

#[tokio::test]
async fn an_abort_during_opening_waits_then_stops_the_transfer() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, retr(), fx));
    assert_eq!(h.kind(), PhaseKind::Opening);
    h.with(|c, fx| c.abort(3, fx));
    assert_eq!(h.kind(), PhaseKind::Opening, "the abort waits");
    h.settle().await;
    assert_eq!(h.reply(3), "426 aborted");
    assert!(matches!(
        h.answer(2),
        Ok(OkBody::FtpTransfer { reply, bytes: 0 }) if reply == "226 abort done"
    ));
    assert_eq!(h.kind(), PhaseKind::Idle);
    let aborted = h.events.iter().any(
        |e| matches!(e, Event::Wire { data, .. } if format!("{data:?}").contains("(aborted)")),
    );
    assert!(
        aborted,
        "the data connection is shown closed: {:?}",
        h.events
    );
}

#[tokio::test]
async fn cancelling_the_transfer_in_its_data_phase_aborts_it_and_answers_nobody() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, retr(), fx));
    while h.kind() != PhaseKind::Data {
        assert!(h.step().await, "the transfer never opened");
    }
    h.with(|c, fx| c.cancel(2, fx));
    assert_eq!(h.kind(), PhaseKind::Aborting);
    h.with(|c, fx| c.abort(3, fx));
    assert_eq!(h.kind(), PhaseKind::Aborting, "queued behind the transfer");
    h.settle().await;
    assert!(h.answers.iter().all(|(id, _)| *id != 2), "{:?}", h.answers);
    assert_eq!(h.kind(), PhaseKind::Idle);
    // The queued abort ran afterwards as an ordinary command.
    assert_eq!(h.reply(3), "225 no transfer");
    h.with(|c, fx| c.call(4, pwd(), fx));
    h.settle().await;
    assert!(h.answered_pwd(4), "{:?}", h.answers);
}

#[tokio::test]
async fn cancelling_mid_command_loses_the_control_connection() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, pwd(), fx));
    h.with(|c, fx| c.call(3, Job::GetWelcome, fx));
    h.with(|c, fx| c.cancel(2, fx));
    assert_eq!(h.kind(), PhaseKind::Lost);
    assert!(h.answers.iter().all(|(id, _)| *id != 2));
    let e = h.answer(3).clone().unwrap_err();
    assert_eq!(e.code, "EBADF");
    assert!(
        e.message.contains("lost its control connection"),
        "{}",
        e.message
    );
    h.with(|c, fx| c.abort(4, fx));
    assert_eq!(h.answer(4).clone().unwrap_err().code, "EBADF");
    h.settle().await;
}

#[tokio::test]
async fn a_cancelled_waiting_call_never_runs() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, pwd(), fx));
    h.with(|c, fx| c.call(3, Job::Cmd(Cmd::Cwd("x".into())), fx));
    h.with(|c, fx| c.cancel(3, fx));
    h.settle().await;
    assert!(h.answered_pwd(2), "{:?}", h.answers);
    assert_eq!(h.answers.len(), 1);
    assert!(!h.seen.lock().unwrap().iter().any(|l| l.starts_with("CWD")));
}

#[tokio::test]
async fn quit_closes_the_handle_and_answers_what_is_left() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, Job::Cmd(Cmd::Quit), fx));
    h.with(|c, fx| c.call(3, Job::GetWelcome, fx));
    h.with(|c, fx| c.call(4, pwd(), fx));
    h.settle().await;
    assert_eq!(h.reply(2), "221 bye");
    assert!(h.answer(3).is_ok(), "answered in turn, before the close");
    assert_eq!(h.answer(4).clone().unwrap_err().code, "EBADF");
    assert!(h.conn.is_closed());
}

#[tokio::test]
async fn close_answers_every_call_still_owed() {
    let mut h = Harness::connect().await;
    h.with(|c, fx| c.call(2, retr(), fx));
    h.with(|c, fx| c.abort(3, fx));
    h.with(|c, fx| c.call(4, pwd(), fx));
    h.with(|c, fx| c.close(fx));
    assert_eq!(h.kind(), PhaseKind::Closed);
    for id in [2, 3, 4] {
        assert_eq!(h.answer(id).clone().unwrap_err().code, "EBADF", "{id}");
    }
    h.settle().await;
    assert_eq!(h.answers.len(), 3, "the stopped futures report nothing");
}
