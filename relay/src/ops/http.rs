//! The `http.*` ops (docs/protocol.md "HTTP operations") as methods on [`Session`]:
//! `http.open`, `request`, `putrequest`, `putheader`, `endheaders`, `send`,
//! `getresponse`, `read`, `close`.
//!
//! Owns the glue between the session and an `h…` handle's engine
//! ([`HttpEngine`], `http/engine.rs`, which performs the calls one at a time and
//! decides http.client semantics): creating handles, registering calls that may
//! wait as pending requests (`Loc::Conn(handle)`, charged with the bytes they
//! carry), handing ops, future reports and cancels to the engine, and applying
//! the [`Effects`] it records. `cancel` answers a call at once; `http.close`
//! answers every call still pending on the handle with `EBADF`. Timeouts are
//! Python's socket timeouts, applied inside the futures.

use super::{parse_timeout, OpResult, Outcome};
use crate::budget::Charge;
use crate::http::{HttpConn, HttpDone, HttpEngine};
use crate::oserror::{bad_handle, bad_request};
use crate::session::{Loc, Session};
use shared::{Data, ErrorBody, OkBody, Op};
use std::sync::Arc;

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

impl Session {
    /// Performs one `http.*` op.
    pub fn op_http(&mut self, id: u64, op: Op) -> OpResult {
        match op {
            Op::HttpOpen {
                host,
                port,
                timeout,
                tls,
            } => self.http_open(&host, port, timeout, tls),
            Op::HttpClose { conn } => {
                self.http_close(&conn)?;
                Ok(Outcome::empty())
            }
            op => self.http_call(id, op),
        }
    }

    fn http_open(
        &mut self,
        host: &str,
        port: Option<u16>,
        timeout: Option<f64>,
        tls: bool,
    ) -> OpResult {
        let conn = HttpConn::new(host, port, tls, parse_timeout(timeout)?)?;
        let lab = self.budget.lab_named(&conn.host, conn.port);
        let h = self.new_handle('h')?;
        if let Some(lab) = lab {
            self.budget.hold_lab(&h, lab)?;
        }
        let policy = Arc::clone(&self.policy);
        self.http
            .insert(h.clone(), HttpEngine::new(h.clone(), conn, policy));
        Ok(Outcome::Done(OkBody::Conn { conn: h }))
    }

    /// A call on an open handle: answered now, or pending until its engine
    /// answers it.
    fn http_call(&mut self, id: u64, op: Op) -> OpResult {
        let Some(h) = op.handle().map(str::to_owned) else {
            return Err(bad_request("not an http.* operation on a connection"));
        };
        let busy = self.http.get(&h).ok_or_else(|| bad_handle(&h))?.is_busy();
        if busy || may_block(&op) {
            // It waits behind the running call, as a second Python call would,
            // or for the network.
            let charge = Charge::Bytes(op_bytes(&op));
            self.add_pending_charged(id, Loc::Conn(h.clone()), None, None, charge)?;
        }
        match self
            .drive(|s| &mut s.http, &h, |c, fx| c.call(id, op, fx))
            .flatten()
        {
            Some(result) => {
                self.take_pending(id);
                result.map(Outcome::Done)
            }
            None => Ok(Outcome::Later),
        }
    }

    /// Applies the report of an HTTP future.
    pub fn on_http(&mut self, done: HttpDone) {
        let h = done.conn.clone();
        self.drive(|s| &mut s.http, &h, |c, fx| c.on_done(done, fx));
    }

    /// Request `id`, pending on `h`, was cancelled (and already answered).
    pub fn http_cancelled(&mut self, h: &str, id: u64) {
        self.drive(|s| &mut s.http, h, |c, _| c.cancel(id));
    }

    /// `http.close`: `HTTPConnection.close()`. Calls still pending on the
    /// connection reply `EBADF` (before `http.close`'s own reply); the handle
    /// stays usable.
    pub fn http_close(&mut self, h: &str) -> Result<(), ErrorBody> {
        self.drive(|s| &mut s.http, h, HttpEngine::close)
            .ok_or_else(|| bad_handle(h))
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
