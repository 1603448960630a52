//! The futures an HTTP connection runs: sending (opening the connection first
//! when it has none, like http.client's `auto_open`), reading a response head,
//! reading body bytes. Each future owns the [`Link`] it works on and hands it
//! back in its [`HttpDone`] with the bytes that crossed the wire, so the session
//! can emit `wire` events before the reply.
//!
//! Started by the handle's engine (`engine.rs`); runs inside the session's task
//! (polled from its `FuturesUnordered`, never spawned); touches no session state.

use super::body::{self, Body, Head};
use super::link::{Link, Target};
use crate::io::{IoDone, IoFuture};
use crate::tap::WireChunk;
use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use futures::FutureExt;
use shared::ErrorBody;

/// What a future does.
pub enum Work {
    /// `conn.send(part)` for each part (empty parts are skipped, like
    /// `_send_output`'s zero-length chunks); connects first when `link` is `None`.
    Send {
        link: Option<Link>,
        target: Target,
        parts: Vec<Bytes>,
    },
    /// `response.begin()`.
    Head { link: Link, head_method: bool },
    /// `response.read(amt)`.
    Read {
        link: Link,
        body: Body,
        amt: Option<usize>,
    },
}

/// What a finished (not aborted) future reports.
pub enum JobResult {
    Sent(Result<(), ErrorBody>),
    Head(Result<Head, ErrorBody>),
    Read {
        result: Result<Bytes, ErrorBody>,
        body: Body,
    },
}

pub struct Finished {
    /// The connection, unless it could not be opened.
    pub link: Option<Link>,
    pub wire: Vec<WireChunk>,
    pub result: JobResult,
}

/// What an HTTP future reports back to the session.
pub struct HttpDone {
    pub conn: String,
    /// The connection's job number (see `engine.rs`).
    pub job: u64,
    /// `None`: the future was aborted (cancel, close) and its link is gone.
    pub outcome: Option<Finished>,
}

async fn run(work: Work) -> Finished {
    let (mut link, result) = match work {
        Work::Send {
            link,
            target,
            parts,
        } => {
            let link = match link {
                Some(l) => Ok(l),
                None => Link::open(&target).await,
            };
            match link {
                Err(e) => (None, JobResult::Sent(Err(e))),
                Ok(mut l) => {
                    let mut r = Ok(());
                    for p in parts.iter().filter(|p| !p.is_empty()) {
                        r = l.sendall(p).await;
                        if r.is_err() {
                            break;
                        }
                    }
                    (Some(l), JobResult::Sent(r))
                }
            }
        }
        Work::Head {
            mut link,
            head_method,
        } => {
            let r = body::read_head(&mut link, head_method).await;
            (Some(link), JobResult::Head(r))
        }
        Work::Read {
            mut link,
            mut body,
            amt,
        } => {
            let result = body::read(&mut link, &mut body, amt).await;
            (Some(link), JobResult::Read { result, body })
        }
    };
    let wire = link.as_mut().map(|l| l.io.take_log()).unwrap_or_default();
    Finished { link, wire, result }
}

/// The boxed, abortable future for the session's `io` set.
pub fn start(conn: String, job: u64, work: Work) -> (IoFuture, AbortHandle) {
    let (handle, reg) = AbortHandle::new_pair();
    let name = conn.clone();
    let fut = Abortable::new(
        async move {
            let f = run(work).await;
            HttpDone {
                conn,
                job,
                outcome: Some(f),
            }
        },
        reg,
    )
    .map(move |r| {
        IoDone::Http(r.unwrap_or(HttpDone {
            conn: name,
            job,
            outcome: None,
        }))
    });
    (fut.boxed(), handle)
}
