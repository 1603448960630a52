//! The `http.*` ops (docs/protocol.md "HTTP operations") as methods on [`Session`]:
//! `http.open`, `request`, `putrequest`, `putheader`, `endheaders`, `send`,
//! `getresponse`, `read`, `close`.
//!
//! Calls on one connection run one at a time in arrival order, as Python runs
//! them: a call that needs the network starts a future ([`crate::http::start`])
//! and later calls on that connection wait in its queue until it is done.
//! Every waiting or running call is a pending request (`Loc::Conn(handle)`), so
//! `cancel` answers it at once; cancelling a running call aborts its future and
//! closes the connection (its bytes are in an unknown state), like `http.close`,
//! which answers every call still pending on the handle with `EBADF`. Timeouts
//! are Python's socket timeouts, applied inside the futures. The bytes that
//! crossed the wire are emitted as `wire` events before the call's reply.
//!
//! Owns the glue between the session and `crate::http`: nothing here decides
//! http.client semantics (that is `http/conn.rs`).

use crate::budget::Charge;
use crate::http::{self, Busy, BusyKind, HttpConn, HttpDone, JobResult, Uses, Work};
use crate::oserror::{bad_handle, bad_request};
use crate::session::{Loc, Session};
use crate::tap::wire_events;
use bytes::Bytes;
use shared::{Channel, Data, Encoding, Errno, ErrorBody, OkBody, Op};

/// Ops that may need the network (and so may stay pending).
fn may_block(op: &Op) -> bool {
    matches!(
        op,
        Op::HttpRequest { .. }
            | Op::HttpEndheaders { .. }
            | Op::HttpSend { .. }
            | Op::HttpGetresponse { .. }
            | Op::HttpRead { .. }
    )
}

/// Bytes a call carries that stay buffered until it is answered (bodies, sent
/// data, the request line and headers of `http.request`).
fn op_bytes(op: &Op) -> usize {
    match op {
        Op::HttpRequest {
            method,
            url,
            body,
            headers,
            ..
        } => {
            let head: usize = headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
            method.len() + url.len() + head + body.as_ref().map_or(0, Data::len)
        }
        Op::HttpEndheaders { body, .. } => body.as_ref().map_or(0, Data::len),
        Op::HttpSend { data, .. } => data.len(),
        _ => 0,
    }
}

/// What a step decided.
enum Step {
    Reply(Result<OkBody, ErrorBody>),
    Start(Work, Uses, BusyKind),
}

fn empty_data(encoding: Encoding) -> OkBody {
    OkBody::Data {
        data: Data::from_bytes(Vec::new(), encoding),
    }
}

impl Session {
    /// Performs one `http.*` op.
    pub fn op_http(&mut self, id: u64, op: Op) {
        match op {
            Op::HttpOpen {
                host,
                port,
                timeout,
                tls,
            } => self.http_open(id, &host, port, timeout, tls),
            Op::HttpClose { conn } => match self.http_close(&conn) {
                Ok(()) => self.out.empty_ok(id),
                Err(e) => self.out.err(id, e),
            },
            op => {
                let Some(h) = op.handle().map(str::to_owned) else {
                    return self
                        .out
                        .err(id, bad_request("not an http.* operation on a connection"));
                };
                let Some(c) = self.http.get(&h) else {
                    return self.out.err(id, bad_handle(&h));
                };
                if c.busy.is_none() {
                    return self.http_step(&h, id, op, false);
                }
                // Wait behind the running call, as a second Python call would.
                self.http_purge_queue(&h);
                let charge = Charge::Bytes(op_bytes(&op));
                match self.add_pending_charged(id, Loc::Conn(h.clone()), None, None, charge) {
                    Ok(()) => {
                        if let Some(c) = self.http.get_mut(&h) {
                            c.queue.push_back((id, op));
                        }
                    }
                    Err(e) => self.out.err(id, e),
                }
            }
        }
    }

    fn http_open(
        &mut self,
        id: u64,
        host: &str,
        port: Option<u16>,
        timeout: Option<f64>,
        tls: bool,
    ) {
        let conn = super::parse_timeout(timeout)
            .and_then(|t| HttpConn::new(host, port, tls, t))
            .and_then(|c| {
                let lab = self.budget.lab_named(&c.host, c.port);
                let h = self.new_handle('h')?;
                if let Some(lab) = lab {
                    self.budget.hold_lab(&h, lab)?;
                }
                Ok((h, c))
            });
        match conn {
            Ok((h, c)) => {
                self.http.insert(h.clone(), c);
                self.out.ok(id, OkBody::Conn { conn: h });
            }
            Err(e) => self.out.err(id, e),
        }
    }

    /// Is request `id` still pending on connection `h`?
    fn http_waiting(&self, h: &str, id: u64) -> bool {
        self.pending
            .get(&id)
            .is_some_and(|p| matches!(&p.loc, Loc::Conn(x) if x == h))
    }

    /// Drops queued entries whose requests were cancelled or timed out.
    fn http_purge_queue(&mut self, h: &str) {
        let pending = &self.pending;
        if let Some(c) = self.http.get_mut(h) {
            c.queue.retain(|(qid, _)| {
                pending
                    .get(qid)
                    .is_some_and(|p| matches!(&p.loc, Loc::Conn(x) if x == h))
            });
        }
    }

    /// Performs one call on an idle connection: replies at once or starts its
    /// future. `queued`: the request is already pending.
    fn http_step(&mut self, h: &str, id: u64, op: Op, queued: bool) {
        if !queued && may_block(&op) {
            let charge = Charge::Bytes(op_bytes(&op));
            if let Err(e) =
                self.add_pending_charged(id, Loc::Conn(h.to_owned()), None, None, charge)
            {
                return self.out.err(id, e);
            }
        }
        let policy = self.relay.policy.clone();
        let Some(c) = self.http.get_mut(h) else {
            self.take_pending(id);
            return self.out.err(id, bad_handle(h));
        };
        let send = |c: &mut HttpConn, parts: Vec<Bytes>| {
            Step::Start(
                Work::Send {
                    link: c.sock.take(),
                    target: c.target(policy.clone()),
                    parts,
                },
                Uses::Conn,
                BusyKind::Send,
            )
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
                Ok(head) => {
                    let body = body.map(|b| Bytes::from(b.into_bytes()));
                    send(c, [Some(head), body].into_iter().flatten().collect())
                }
                Err(e) => Step::Reply(Err(e)),
            },
            Op::HttpRequest {
                method,
                url,
                body,
                headers,
                ..
            } => match c.request(&method, &url, body.as_ref().map(Data::as_bytes), &headers) {
                Ok(head) => {
                    let body = body.map(|b| Bytes::from(b.into_bytes()));
                    send(c, [Some(head), body].into_iter().flatten().collect())
                }
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
                (Ok(()), None) => Step::Reply(Err(http::exc("NotConnected", ""))),
            },
            Op::HttpRead { amt, encoding, .. } => {
                let encoding = encoding.unwrap_or_default();
                http_read(c, amt, encoding)
            }
            other => Step::Reply(Err(bad_request(format!(
                "{:?} is not an http.* operation on a connection",
                std::mem::discriminant(&other)
            )))),
        };
        match step {
            Step::Reply(r) => {
                self.take_pending(id);
                match r {
                    Ok(body) => self.out.ok(id, body),
                    Err(e) => self.out.err(id, e),
                }
            }
            Step::Start(work, uses, kind) => {
                let job = c.next_job();
                let (fut, abort) = http::start(h.to_owned(), job, work);
                c.busy = Some(Busy {
                    id,
                    job,
                    uses,
                    kind,
                });
                if let Some(p) = self.pending.get_mut(&id) {
                    p.abort = Some(abort);
                }
                self.io.push(fut);
            }
        }
    }

    /// Applies the result of an HTTP future.
    pub fn on_http(&mut self, done: HttpDone) {
        let h = done.conn;
        let Some(c) = self.http.get_mut(&h) else {
            return;
        };
        let Some(busy) = c.busy.take_if(|b| b.job == done.job) else {
            return; // a future of a closed connection
        };
        let still_pending = self.http_waiting(&h, busy.id);
        let fin = match done.outcome {
            Some(fin) if still_pending => fin,
            _ => {
                // Aborted (cancel or timeout already answered it): the link it
                // held is gone or in an unknown state, so the connection closes.
                if let Some(c) = self.http.get_mut(&h) {
                    match busy.uses {
                        Uses::Conn => c.close(),
                        Uses::Resp => {
                            if let Some(r) = c.resp.as_mut() {
                                r.close();
                            }
                        }
                    }
                }
                return self.http_pump(&h);
            }
        };
        for ev in wire_events(&h, Channel::Http, fin.wire) {
            self.out.event(ev);
        }
        self.take_pending(busy.id);
        let Some(c) = self.http.get_mut(&h) else {
            return;
        };
        let reply = match fin.result {
            JobResult::Sent(r) => {
                c.sock = fin.link;
                r.map(|()| OkBody::Empty {})
            }
            JobResult::Head(Ok(head)) => match fin.link {
                Some(link) => Ok(c.got_response(head, link)),
                None => Err(http::exc("NotConnected", "")),
            },
            JobResult::Head(Err(e)) => {
                if http::is_connection_error(&e) {
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
                    _ => Encoding::Text,
                };
                result.map(|b| OkBody::Data {
                    data: Data::from_bytes(b.to_vec(), encoding),
                })
            }
        };
        match reply {
            Ok(body) => self.out.ok(busy.id, body),
            Err(e) => self.out.err(busy.id, e),
        }
        self.http_pump(&h);
    }

    /// Runs queued calls on `h` while it is idle.
    fn http_pump(&mut self, h: &str) {
        loop {
            let Some(c) = self.http.get_mut(h) else {
                return;
            };
            if c.busy.is_some() {
                return;
            }
            let Some((id, op)) = c.queue.pop_front() else {
                return;
            };
            if self.http_waiting(h, id) {
                self.http_step(h, id, op, true);
            }
        }
    }

    /// `http.close`: `HTTPConnection.close()`. Calls still pending on the
    /// connection reply `EBADF`; the handle stays usable (the next request
    /// opens a new connection, as in Python).
    pub fn http_close(&mut self, h: &str) -> Result<(), ErrorBody> {
        let Some(c) = self.http.get_mut(h) else {
            return Err(bad_handle(h));
        };
        let busy = c.busy.take();
        let mut ids: Vec<u64> = busy.iter().map(|b| b.id).collect();
        ids.extend(c.queue.drain(..).map(|(id, _)| id));
        if let Some(Busy {
            uses: Uses::Resp, ..
        }) = busy
        {
            if let Some(r) = c.resp.as_mut() {
                r.close();
            }
        }
        c.close();
        for id in ids {
            if !self.http_waiting(h, id) {
                continue;
            }
            if let Some(p) = self.take_pending(id) {
                if let Some(a) = p.abort {
                    a.abort();
                }
                self.out.err(
                    id,
                    ErrorBody::errno_with(
                        Errno::EBADF,
                        format!("Bad file descriptor ({h} was closed)"),
                    ),
                );
            }
        }
        Ok(())
    }

    /// Forgets an `h…` handle entirely (for the generic `close` op): closes it
    /// like [`Session::http_close`] and frees its slot in `--max-handles`.
    pub fn http_drop(&mut self, h: &str) -> Result<(), ErrorBody> {
        self.http_close(h)?;
        self.http.remove(h);
        self.budget.release_lab(h);
        Ok(())
    }
}

/// The synchronous half of `response.read(amt)`.
fn http_read(c: &mut HttpConn, amt: Option<usize>, encoding: Encoding) -> Step {
    let Some(r) = c.resp.as_mut() else {
        return Step::Reply(Err(http::exc(
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
