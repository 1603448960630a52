//! One `http.client.HTTPConnection` (an `h…` handle): its state machine
//! (`_CS_IDLE` / `_CS_REQ_STARTED` / `_CS_REQ_SENT` and the unread response),
//! the request being built, its connection and its latest response, with the
//! exceptions of CPython 3.11 raised exactly where Python raises them.
//!
//! Owns the synchronous half of every call: state checks and transitions and the
//! bytes to send. The I/O runs as futures (`job.rs`) started by the handle's
//! engine (`engine.rs`), which hands the results back here.

use super::body::{Body, Head};
use super::exc;
use super::link::{Link, Target};
use super::request::{self as rq};
use crate::oserror::{bad_request, limit};
use crate::policy::Policy;
use bytes::Bytes;
use shared::{ErrorBody, OkBody};
use std::sync::Arc;
use std::time::Duration;

/// Most bytes of one request head (request line, headers, CRLFs) a connection
/// buffers between `putrequest` and `endheaders`: 64 KiB. http.client has no
/// limit, but servers refuse far less (nginx 8 KiB a line, Apache 8 KiB a field),
/// so a learner can still see a server refuse an oversized head, while one
/// connection cannot grow the relay's memory without bound through `putheader`.
/// (Response heads are bounded at 1 MiB by `body.rs`: those are written by
/// servers the relay does not control.)
pub const MAX_REQUEST_HEAD: usize = 64 << 10;

/// `HTTPConnection.__state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CState {
    Idle,
    ReqStarted,
    ReqSent,
}

impl CState {
    /// The state's value in Python (`CannotSendRequest('Request-sent')`).
    pub fn name(self) -> &'static str {
        match self {
            CState::Idle => "Idle",
            CState::ReqStarted => "Request-started",
            CState::ReqSent => "Request-sent",
        }
    }
}

/// The latest `HTTPResponse`: the one `http.read` reads.
pub struct Resp {
    pub body: Body,
    /// `will_close` handed it the connection: it reads through `own`, not
    /// through the connection's link.
    pub detached: bool,
    pub own: Option<Link>,
    /// Python's `conn.__response`: a persistent response the connection waits for.
    pub tracked: bool,
}

impl Resp {
    /// `_close_conn()`; a detached response closes its socket.
    pub fn close(&mut self) {
        self.body.closed = true;
        self.own = None;
    }
}

pub struct HttpConn {
    pub host: String,
    pub port: u16,
    pub default_port: u16,
    pub tls: bool,
    pub timeout: Option<Duration>,
    pub state: CState,
    method: Option<String>,
    /// The request head being built (`_buffer`): its lines, without CRLF.
    buffer: Vec<Vec<u8>>,
    /// Bytes the head in `buffer` takes on the wire (lines and their CRLFs).
    buffered: usize,
    /// `conn.sock` (while a future uses it, it lives in that future).
    pub sock: Option<Link>,
    pub resp: Option<Resp>,
}

impl HttpConn {
    /// `HTTPConnection(host, port, timeout)` / `HTTPSConnection(…)`.
    pub fn new(
        host: &str,
        port: Option<u16>,
        tls: bool,
        timeout: Option<Duration>,
    ) -> Result<HttpConn, ErrorBody> {
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = rq::get_hostport(host, port, default_port)?;
        rq::validate_host(&host)?;
        Ok(HttpConn {
            host,
            port,
            default_port,
            tls,
            timeout,
            state: CState::Idle,
            method: None,
            buffer: Vec::new(),
            buffered: 0,
            sock: None,
            resp: None,
        })
    }

    pub fn target(&self, policy: Arc<Policy>) -> Target {
        Target {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
            timeout: self.timeout,
            policy,
        }
    }

    /// "If a prior response has been completed, then forget about it."
    fn forget_closed_response(&mut self) {
        if let Some(r) = self.resp.as_mut() {
            if r.tracked && r.body.closed {
                r.tracked = false;
            }
        }
    }

    fn tracked_response(&self) -> bool {
        self.resp.as_ref().is_some_and(|r| r.tracked)
    }

    /// `putrequest(method, url, skip_host, skip_accept_encoding)`.
    pub fn putrequest(
        &mut self,
        method: &str,
        url: &str,
        skip_host: bool,
        skip_accept_encoding: bool,
    ) -> Result<(), ErrorBody> {
        self.forget_closed_response();
        if self.state != CState::Idle {
            return Err(exc("CannotSendRequest", self.state.name()));
        }
        self.state = CState::ReqStarted;
        rq::validate_method(method)?;
        self.method = Some(method.to_owned());
        let url = if url.is_empty() { "/" } else { url };
        rq::validate_path(url)?;
        let line = rq::ascii(&format!("{method} {url} HTTP/1.1"), "request line")?;
        self.output(line)?;
        if !skip_host {
            let host = rq::host_header(url, &self.host, self.port, self.default_port);
            self.putheader("Host", std::slice::from_ref(&host))?;
        }
        if !skip_accept_encoding {
            self.putheader("Accept-Encoding", &["identity".to_owned()])?;
        }
        Ok(())
    }

    /// `putheader(header, *values)`: values joined with `\r\n\t`.
    pub fn putheader(&mut self, header: &str, values: &[String]) -> Result<(), ErrorBody> {
        if self.state != CState::ReqStarted {
            return Err(exc("CannotSendHeader", ""));
        }
        let name = rq::ascii(header, "header name")?;
        if !rq::legal_header_name(&name) {
            return Err(bad_request(format!(
                "ValueError: Invalid header name {header:?}"
            )));
        }
        let mut line = name;
        line.extend_from_slice(b": ");
        for (i, v) in values.iter().enumerate() {
            let v = rq::latin1(v)?;
            if rq::illegal_header_value(&v) {
                return Err(bad_request(format!(
                    "ValueError: Invalid header value {:?}",
                    super::response::latin1_str(&v)
                )));
            }
            if i > 0 {
                line.extend_from_slice(b"\r\n\t");
            }
            line.extend_from_slice(&v);
        }
        self.output(line)
    }

    /// `_output(line)`, refused when the head would outgrow [`MAX_REQUEST_HEAD`]
    /// (the head is then left as it was).
    fn output(&mut self, line: Vec<u8>) -> Result<(), ErrorBody> {
        let size = self.buffered.saturating_add(line.len() + 2);
        // +2: the blank line that ends the head.
        if size.saturating_add(2) > MAX_REQUEST_HEAD {
            return Err(limit(format!(
                "the request head would be larger than {MAX_REQUEST_HEAD} bytes, the relay's \
                 bound for one request head ({} bytes so far, this line {}); \
                 http.client has no such limit, but servers refuse far smaller heads",
                self.buffered,
                line.len() + 2
            )));
        }
        self.buffered = size;
        self.buffer.push(line);
        Ok(())
    }

    /// `endheaders()` up to the send: the state change and the head's bytes.
    pub fn endheaders(&mut self) -> Result<Bytes, ErrorBody> {
        if self.state != CState::ReqStarted {
            return Err(exc("CannotSendHeader", ""));
        }
        self.state = CState::ReqSent;
        self.buffered = 0;
        let mut msg = Vec::new();
        for l in self.buffer.drain(..) {
            msg.extend_from_slice(&l);
            msg.extend_from_slice(b"\r\n");
        }
        msg.extend_from_slice(b"\r\n");
        Ok(Bytes::from(msg))
    }

    /// `request(method, url, body, headers)` (`_send_request`) up to the send:
    /// automatic `Host`/`Accept-Encoding` unless given, `Content-Length` for a
    /// body (and `0` for POST/PUT/PATCH without one) unless `Content-Length`
    /// or `Transfer-Encoding` is given; returns the head.
    pub fn request(
        &mut self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &[(String, String)],
    ) -> Result<Bytes, ErrorBody> {
        let has = |n: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        self.putrequest(method, url, has("host"), has("accept-encoding"))?;
        if !has("content-length") && !has("transfer-encoding") {
            // A body here is always bytes, so its length is known and
            // http.client never chooses chunked encoding for it.
            let length = match body {
                Some(b) => Some(b.len()),
                None if rq::expects_body(method) => Some(0),
                None => None,
            };
            if let Some(n) = length {
                self.putheader("Content-Length", &[n.to_string()])?;
            }
        }
        for (k, v) in headers {
            self.putheader(k, std::slice::from_ref(v))?;
        }
        self.endheaders()
    }

    /// `getresponse()` up to reading: `ResponseNotReady` unless a request was
    /// sent and no earlier response is unread.
    pub fn getresponse_check(&mut self) -> Result<(), ErrorBody> {
        self.forget_closed_response();
        if self.state != CState::ReqSent || self.tracked_response() {
            return Err(exc("ResponseNotReady", self.state.name()));
        }
        if self.sock.is_none() {
            return Err(exc(
                "NotConnected",
                "the request was not sent (its connection failed); call http.close and send it again",
            ));
        }
        Ok(())
    }

    /// Was the last method `HEAD`?
    pub fn head_method(&self) -> bool {
        self.method.as_deref() == Some("HEAD")
    }

    /// `getresponse()` after `begin()` succeeded: `will_close` hands the socket
    /// to the response and closes the connection, else the connection keeps it
    /// and remembers the response.
    pub fn got_response(&mut self, head: Head, link: Link) -> OkBody {
        let body = Body::new(&head, self.head_method());
        self.state = CState::Idle;
        let will_close = head.framing.will_close;
        let resp = if will_close {
            self.close();
            Resp {
                body,
                detached: true,
                own: Some(link),
                tracked: false,
            }
        } else {
            self.sock = Some(link);
            Resp {
                body,
                detached: false,
                own: None,
                tracked: true,
            }
        };
        self.resp = Some(resp);
        OkBody::Response {
            status: head.status,
            reason: head.reason,
            version: head.version,
            headers: head.headers,
        }
    }

    /// `close()`: back to idle without a socket; a response that shares the
    /// socket is closed too (a detached one keeps its own).
    pub fn close(&mut self) {
        self.state = CState::Idle;
        self.sock = None;
        if let Some(r) = self.resp.as_mut() {
            if r.tracked {
                r.tracked = false;
                r.close();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> HttpConn {
        HttpConn::new("127.0.0.1", Some(8000), false, None).unwrap()
    }

    #[test]
    fn step_mode_head_is_byte_exact() {
        let mut c = conn();
        c.putrequest("GET", "/path", false, false).unwrap();
        let head = c.endheaders().unwrap();
        assert_eq!(
            &head[..],
            b"GET /path HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept-Encoding: identity\r\n\r\n"
        );
        assert_eq!(c.state, CState::ReqSent);
    }

    #[test]
    fn putheader_joins_values_and_request_adds_content_length() {
        let mut c = HttpConn::new("example.com", None, false, None).unwrap();
        c.putrequest("GET", "", true, true).unwrap();
        c.putheader("X-Multi", &["a".into(), "b".into()]).unwrap();
        assert_eq!(
            &c.endheaders().unwrap()[..],
            b"GET / HTTP/1.1\r\nX-Multi: a\r\n\tb\r\n\r\n"
        );

        let mut c = HttpConn::new("example.com", None, false, None).unwrap();
        let head = c
            .request("POST", "/post", Some(b"hi"), &[("X-A".into(), "1".into())])
            .unwrap();
        assert_eq!(
            &head[..],
            b"POST /post HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\nContent-Length: 2\r\nX-A: 1\r\n\r\n"
        );
        let mut c = HttpConn::new("example.com", None, true, None).unwrap();
        assert_eq!(c.port, 443);
        let head = c
            .request("PUT", "/", None, &[("host".into(), "h".into())])
            .unwrap();
        assert_eq!(
            &head[..],
            b"PUT / HTTP/1.1\r\nAccept-Encoding: identity\r\nContent-Length: 0\r\nhost: h\r\n\r\n"
        );
    }

    #[test]
    fn the_request_head_is_bounded() {
        let mut c = conn();
        c.putrequest("GET", "/", true, true).unwrap();
        let value = "v".repeat(1000);
        let mut accepted = 0;
        let e = loop {
            match c.putheader("X-Big", std::slice::from_ref(&value)) {
                Ok(()) => accepted += 1,
                Err(e) => break e,
            }
            assert!(accepted < 1000, "putheader never refused");
        };
        assert_eq!(e.code, "limit");
        assert!(e.message.contains("65536"), "{}", e.message);
        assert!(e.message.contains("request head"), "{}", e.message);
        // Refused lines are not kept; smaller ones still fit; the head is whole.
        c.putheader("X-Small", &["1".into()]).unwrap();
        let head = c.endheaders().unwrap();
        assert!(head.len() <= MAX_REQUEST_HEAD, "{}", head.len());
        assert!(head.ends_with(b"X-Small: 1\r\n\r\n"));
        assert_eq!(head.len(), 16 + accepted * (7 + 1000 + 2) + 12 + 2);
        // The bound is per head: the next request starts from zero.
        c.close();
        c.putrequest("GET", "/", true, true).unwrap();
        c.putheader("X-Big", std::slice::from_ref(&value)).unwrap();
    }

    #[test]
    fn a_head_of_exactly_the_bound_is_accepted() {
        let mut c = conn();
        c.putrequest("GET", "/", true, true).unwrap(); // 14 + 2 bytes
        let room = MAX_REQUEST_HEAD - 16 - 2 - "X: ".len() - 2;
        c.putheader("X", &["v".repeat(room)]).unwrap();
        assert_eq!(c.endheaders().unwrap().len(), MAX_REQUEST_HEAD);
        c.close();
        c.putrequest("GET", "/", true, true).unwrap();
        let e = c.putheader("X", &["v".repeat(room + 1)]).unwrap_err();
        assert_eq!(e.code, "limit");
    }

    #[test]
    fn request_with_too_many_headers_is_refused_too() {
        let mut c = conn();
        let headers: Vec<(String, String)> = (0..100)
            .map(|i| (format!("X-{i}"), "v".repeat(1000)))
            .collect();
        let e = c.request("GET", "/", None, &headers).unwrap_err();
        assert_eq!(e.code, "limit");
    }

    #[test]
    fn state_machine_exceptions() {
        let mut c = conn();
        assert_eq!(
            c.putheader("A", &[]).unwrap_err().code,
            "http.CannotSendHeader"
        );
        assert_eq!(c.endheaders().unwrap_err().code, "http.CannotSendHeader");
        let e = c.getresponse_check().unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("http.ResponseNotReady", "Idle")
        );
        c.putrequest("GET", "/", false, false).unwrap();
        let e = c.putrequest("GET", "/", false, false).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("http.CannotSendRequest", "Request-started")
        );
        c.endheaders().unwrap();
        let e = c.putrequest("GET", "/", false, false).unwrap_err();
        assert_eq!(e.message, "Request-sent");
        c.close();
        assert_eq!(c.state, CState::Idle);
        // A bad method still moves the state on, as in Python.
        assert_eq!(
            c.putrequest("G\nET", "/", false, false).unwrap_err().code,
            "bad_request"
        );
        assert_eq!(c.state, CState::ReqStarted);
    }
}
