//! One `h…` handle as the session drives it: the `http.client` connection
//! ([`HttpConn`], `conn.rs`), the calls waiting for it and the running call's
//! future (docs/protocol.md "HTTP operations", **Ordering**).
//!
//! Calls run one at a time in arrival order ([`CallQueue`]): a call on an idle
//! connection either answers at once (the synchronous half in `conn.rs` decides)
//! or starts a future (`job.rs`) that owns the link it works on; calls that
//! arrive meanwhile wait. Cancelling the running call aborts its future; the link
//! it held is then in an unknown state, so the connection closes, as
//! `http.close` does.
//!
//! Interface with the session (`ops/http.rs`): [`HttpEngine::call`],
//! [`HttpEngine::on_done`], [`HttpEngine::cancel`] and [`HttpEngine::close`].
//! Each records what the session must do in an [`Effects`] (answers, `wire`
//! events, futures to poll); the session registers calls as pending before it
//! hands them over, and applies the effects. Nothing here touches the session.

use super::conn::HttpConn;
use super::job::{self, HttpDone, JobResult, Work};
use super::{exc, is_connection_error};
use crate::call_queue::{closed_error, CallQueue, Cancelled};
use crate::engines::{Effects, Engine};
use crate::oserror::bad_request;
use crate::policy::Policy;
use crate::tap::wire_events;
use bytes::Bytes;
use futures::future::AbortHandle;
use shared::{Channel, Data, Encoding, ErrorBody, OkBody, Op};
use std::sync::Arc;

/// Which link a running future holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Uses {
    /// The connection's (`conn.sock`).
    Conn,
    /// A detached response's own (`will_close`).
    Resp,
}

/// What the running call is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BusyKind {
    Send,
    Head,
    Read { encoding: Encoding },
}

/// The running call's future.
struct Busy {
    /// Its job number: a report of an older future is ignored.
    job: u64,
    uses: Uses,
    kind: BusyKind,
    fut: AbortHandle,
}

/// What the synchronous half of a call decided.
enum Step {
    Reply(Result<OkBody, ErrorBody>),
    Start(Work, Uses, BusyKind),
}

/// An `h…` handle.
pub struct HttpEngine {
    name: String,
    policy: Arc<Policy>,
    conn: HttpConn,
    calls: CallQueue<Op>,
    /// The running call's future (`Some` exactly while `calls` has a running call).
    busy: Option<Busy>,
    next_job: u64,
}

/// Holds no upload bytes; never ends by itself (`http.close` keeps the handle).
impl Engine for HttpEngine {}

impl HttpEngine {
    pub fn new(name: String, conn: HttpConn, policy: Arc<Policy>) -> HttpEngine {
        HttpEngine {
            name,
            policy,
            conn,
            calls: CallQueue::default(),
            busy: None,
            next_job: 1,
        }
    }

    /// Is a call running (so a new one waits)?
    pub fn is_busy(&self) -> bool {
        self.calls.is_busy()
    }

    /// Performs call `id` (an `http.*` op on this handle), or queues it behind
    /// the running one. `Some`: its answer, now (the caller replies);
    /// `None`: it is answered through `fx` later.
    pub fn call(&mut self, id: u64, op: Op, fx: &mut Effects) -> Option<Result<OkBody, ErrorBody>> {
        if self.calls.is_busy() {
            self.calls.push(id, op);
            return None;
        }
        self.step(id, op, fx)
    }

    /// Stops call `id`: a waiting one is dropped; the running one's future is
    /// aborted, and its report closes the link it held (see [`HttpEngine::on_done`]).
    pub fn cancel(&mut self, id: u64) {
        if let Cancelled::Running = self.calls.cancel(id) {
            if let Some(b) = &self.busy {
                b.fut.abort();
            }
        }
    }

    /// `http.close`: `HTTPConnection.close()`. Calls still pending answer
    /// `EBADF`; the handle stays usable (the next request opens a new
    /// connection, as in Python).
    pub fn close(&mut self, fx: &mut Effects) {
        let owed = self.calls.drain();
        if let Some(b) = self.busy.take() {
            b.fut.abort();
            if b.uses == Uses::Resp {
                if let Some(r) = self.conn.resp.as_mut() {
                    r.close();
                }
            }
        }
        self.conn.close();
        let ids = owed.running.into_iter();
        for id in ids.chain(owed.waiting.into_iter().map(|(id, _)| id)) {
            fx.answer(id, Err(closed_error(&self.name)));
        }
    }

    /// Applies the report of a future: `wire` events, then the call's answer,
    /// then the calls that waited.
    pub fn on_done(&mut self, done: HttpDone, fx: &mut Effects) {
        let Some(busy) = self.busy.take_if(|b| b.job == done.job) else {
            return; // a future of a closed connection
        };
        let answer_to = self.calls.finish();
        let (Some(fin), Some(id)) = (done.outcome, answer_to) else {
            // Aborted (the call was cancelled): the link it held is gone or in
            // an unknown state, so the connection closes.
            match busy.uses {
                Uses::Conn => self.conn.close(),
                Uses::Resp => {
                    if let Some(r) = self.conn.resp.as_mut() {
                        r.close();
                    }
                }
            }
            return self.pump(fx);
        };
        for ev in wire_events(&self.name, Channel::Http, fin.wire) {
            fx.event(ev);
        }
        let c = &mut self.conn;
        let reply = match fin.result {
            JobResult::Sent(r) => {
                c.sock = fin.link;
                r.map(|()| OkBody::Empty {})
            }
            JobResult::Head(Ok(head)) => match fin.link {
                Some(link) => Ok(c.got_response(head, link)),
                None => Err(exc("NotConnected", "")),
            },
            JobResult::Head(Err(e)) => {
                if is_connection_error(&e) {
                    c.close();
                } else {
                    c.sock = fin.link;
                }
                Err(e)
            }
            JobResult::Read { result, body } => {
                let closed = body.closed;
                match busy.uses {
                    Uses::Conn => c.sock = fin.link,
                    Uses::Resp => {
                        if let Some(r) = c.resp.as_mut() {
                            r.own = if closed { None } else { fin.link };
                        }
                    }
                }
                if let Some(r) = c.resp.as_mut() {
                    r.body = body;
                }
                let encoding = match busy.kind {
                    BusyKind::Read { encoding } => encoding,
                    BusyKind::Send | BusyKind::Head => Encoding::Text,
                };
                result.map(|b| OkBody::Data {
                    data: Data::from_bytes(b.to_vec(), encoding),
                })
            }
        };
        fx.answer(id, reply);
        self.pump(fx);
    }

    /// Runs waiting calls while the connection is idle.
    fn pump(&mut self, fx: &mut Effects) {
        while let Some((id, op)) = self.calls.next() {
            if let Some(r) = self.step(id, op, fx) {
                fx.answer(id, r);
            }
        }
    }

    /// Performs one call on the idle connection: its answer now, or `None` when
    /// its future started.
    fn step(&mut self, id: u64, op: Op, fx: &mut Effects) -> Option<Result<OkBody, ErrorBody>> {
        let c = &mut self.conn;
        let policy = &self.policy;
        let send = |c: &mut HttpConn, parts: Vec<Bytes>| {
            Step::Start(
                Work::Send {
                    link: c.sock.take(),
                    target: c.target(Arc::clone(policy)),
                    parts,
                },
                Uses::Conn,
                BusyKind::Send,
            )
        };
        let with_body = |head: Bytes, body: Option<Data>| -> Vec<Bytes> {
            let body = body.map(|b| Bytes::from(b.into_bytes()));
            [Some(head), body].into_iter().flatten().collect()
        };
        let step = match op {
            Op::HttpPutrequest {
                method,
                url,
                skip_host,
                skip_accept_encoding,
                ..
            } => Step::Reply(
                c.putrequest(&method, &url, skip_host, skip_accept_encoding)
                    .map(|()| OkBody::Empty {}),
            ),
            Op::HttpPutheader { header, values, .. } => {
                Step::Reply(c.putheader(&header, &values).map(|()| OkBody::Empty {}))
            }
            Op::HttpEndheaders { body, .. } => match c.endheaders() {
                Ok(head) => send(c, with_body(head, body)),
                Err(e) => Step::Reply(Err(e)),
            },
            Op::HttpRequest {
                method,
                url,
                body,
                headers,
                ..
            } => match c.request(&method, &url, body.as_ref().map(Data::as_bytes), &headers) {
                Ok(head) => send(c, with_body(head, body)),
                Err(e) => Step::Reply(Err(e)),
            },
            Op::HttpSend { data, .. } => send(c, vec![Bytes::from(data.into_bytes())]),
            Op::HttpGetresponse { .. } => match (c.getresponse_check(), c.sock.take()) {
                (Ok(()), Some(link)) => Step::Start(
                    Work::Head {
                        link,
                        head_method: c.head_method(),
                    },
                    Uses::Conn,
                    BusyKind::Head,
                ),
                (Err(e), link) => {
                    c.sock = link;
                    Step::Reply(Err(e))
                }
                (Ok(()), None) => Step::Reply(Err(exc("NotConnected", ""))),
            },
            Op::HttpRead { amt, encoding, .. } => read(c, amt, encoding.unwrap_or_default()),
            other => Step::Reply(Err(bad_request(format!(
                "`{}` is not an http.* operation on a connection",
                other.name()
            )))),
        };
        match step {
            Step::Reply(r) => Some(r),
            Step::Start(work, uses, kind) => {
                let job = self.next_job;
                self.next_job += 1;
                let (fut, abort) = job::start(self.name.clone(), job, work);
                self.busy = Some(Busy {
                    job,
                    uses,
                    kind,
                    fut: abort,
                });
                self.calls.start(id);
                fx.run(fut);
                None
            }
        }
    }
}

fn empty_data(encoding: Encoding) -> OkBody {
    OkBody::Data {
        data: Data::from_bytes(Vec::new(), encoding),
    }
}

/// The synchronous half of `response.read(amt)`.
fn read(c: &mut HttpConn, amt: Option<usize>, encoding: Encoding) -> Step {
    let Some(r) = c.resp.as_mut() else {
        return Step::Reply(Err(exc(
            "ResponseNotReady",
            "no response to read: call http.getresponse first",
        )));
    };
    if r.body.closed {
        return Step::Reply(Ok(empty_data(encoding)));
    }
    if r.body.head_method {
        r.close();
        return Step::Reply(Ok(empty_data(encoding)));
    }
    let (link, uses) = if r.detached {
        (r.own.take(), Uses::Resp)
    } else {
        (c.sock.take(), Uses::Conn)
    };
    match link {
        Some(link) => Step::Start(
            Work::Read {
                link,
                body: r.body.clone(),
                amt,
            },
            uses,
            BusyKind::Read { encoding },
        ),
        None => {
            r.close();
            Step::Reply(Ok(empty_data(encoding)))
        }
    }
}
